//! A local cache of the platform's answers: one small JSON file per
//! (endpoint, user and cluster, group, accelerator type), named by a hash of
//! that key, private to the user (files 0600, directory 0700), written
//! atomically. Only answers that are facts about the group are kept: limits
//! found, and "no such group".
//!
//! Another user must not be able to plant answers: a cache directory owned
//! by someone else or writable by group or others is refused (as ssh refuses
//! such a `~/.ssh`), and an entry is read only if it is a regular file of
//! ours, opened without following a symbolic link.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::limits::token::hex;

/// Cache files larger than this are not read (they are not ours).
const MAX_ENTRY_BYTES: u64 = 1024 * 1024;
const VERSION: u64 = 1;

/// What is remembered about a pair.
#[derive(Clone, Debug, PartialEq)]
pub enum Cached {
    /// The `data` object of a successful answer.
    Found(Value),
    /// The platform said the group is not valid (code 10004).
    UnknownGroup,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub answer: Cached,
    pub age: Duration,
    pub fresh: bool,
}

/// The parts of a cache key. `identity` tells users (and tokens) apart and
/// never holds the token itself.
pub struct Key<'a> {
    pub endpoint: &'a str,
    pub identity: &'a str,
    pub group: &'a str,
    pub accelerator: &'a str,
}

impl Key<'_> {
    fn file_name(&self) -> String {
        let mut h = Sha256::new();
        for part in [
            "jobcheck-cache-v1",
            self.endpoint,
            self.identity,
            self.group,
            self.accelerator,
        ] {
            h.update((part.len() as u64).to_le_bytes());
            h.update(part.as_bytes());
        }
        format!("{}.json", hex(&h.finalize()))
    }
}

/// Why an answer could not be remembered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PutError {
    pub message: String,
    /// The directory cannot be written at all (not just this entry).
    pub whole_cache: bool,
}

impl std::fmt::Display for PutError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

#[derive(Debug)]
pub struct Cache {
    dir: Option<PathBuf>,
    ttl: Duration,
}

/// The cache directory: `JOBCHECK_CACHE_DIR`, else the platform's cache
/// directory (`$XDG_CACHE_HOME`, else `~/.cache`, on Linux) + `jobcheck`.
pub fn default_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("JOBCHECK_CACHE_DIR").filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(dir));
    }
    use etcetera::BaseStrategy;
    let base = etcetera::choose_base_strategy().ok()?;
    Some(base.cache_dir().join("jobcheck"))
}

/// The cache directory to use: `given`, else [`default_dir`]; an error
/// (to be shown, then exit 2) when it exists but is not safely ours. A
/// directory that does not exist yet is fine: it is made private.
pub fn trusted_dir(given: Option<PathBuf>) -> Result<Option<PathBuf>, String> {
    let Some(dir) = given.or_else(default_dir) else {
        return Ok(None);
    };
    check_dir(&dir)?;
    Ok(Some(dir))
}

/// Refuse an existing directory owned by another user or writable by group
/// or others: anyone who can write it can plant answers.
#[cfg(unix)]
pub fn check_dir(dir: &Path) -> Result<(), String> {
    use std::os::unix::fs::MetadataExt;
    let Ok(meta) = std::fs::metadata(dir) else {
        return Ok(());
    };
    if !meta.is_dir() {
        // Not usable, but not a way in either: writing to it fails later.
        return Ok(());
    }
    // SAFETY: geteuid has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    if meta.uid() != me {
        return Err(format!(
            "the cache directory {} is owned by another user (uid {}), so its answers cannot be trusted; \
             remove it, or set JOBCHECK_CACHE_DIR to a directory of your own",
            dir.display(),
            meta.uid()
        ));
    }
    let mode = meta.mode() & 0o7777;
    if mode & 0o022 != 0 {
        return Err(format!(
            "the cache directory {} is writable by group or others (mode {mode:04o}), so another user \
             could plant answers in it; make it private with `chmod 700 {}`, or set JOBCHECK_CACHE_DIR \
             to a private directory",
            dir.display(),
            dir.display()
        ));
    }
    Ok(())
}

#[cfg(not(unix))]
pub fn check_dir(_dir: &Path) -> Result<(), String> {
    Ok(())
}

/// The bytes of the entry `dir/name`, if it is a regular file of ours (not
/// a symbolic link) of at most `cap` bytes.
pub(crate) fn read_entry(dir: &Path, name: &str, cap: u64) -> Option<Vec<u8>> {
    let how = crate::fsread::Open {
        no_follow: true,
        owned: true,
    };
    crate::fsread::read_with(&dir.join(name), cap, how).ok()
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

impl Cache {
    pub fn new(dir: Option<PathBuf>, ttl: Duration) -> Cache {
        Cache { dir, ttl }
    }

    /// A cache that remembers nothing.
    pub fn disabled() -> Cache {
        Cache {
            dir: None,
            ttl: Duration::ZERO,
        }
    }

    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }

    /// The entry for a key, fresh or stale. A missing, unreadable or corrupt
    /// file is no entry (a later `put` replaces it).
    pub fn get(&self, key: &Key) -> Option<Entry> {
        let text = read_entry(self.dir.as_ref()?, &key.file_name(), MAX_ENTRY_BYTES)?;
        let value: Value = serde_json::from_slice(&text).ok()?;
        if value.get("version").and_then(Value::as_u64) != Some(VERSION)
            || value.get("group").and_then(Value::as_str) != Some(key.group)
            || value.get("acceleratorType").and_then(Value::as_str) != Some(key.accelerator)
        {
            return None;
        }
        let fetched = value.get("fetchedAt").and_then(Value::as_u64)?;
        let answer = match value.get("answer").and_then(Value::as_str)? {
            "found" => match value.get("data") {
                Some(data @ Value::Object(_)) => Cached::Found(data.clone()),
                _ => return None,
            },
            "unknownGroup" => Cached::UnknownGroup,
            _ => return None,
        };
        let now = now_secs();
        // An entry from the future (clock changes) counts as stale.
        let age = Duration::from_secs(now.saturating_sub(fetched));
        let fresh = fetched <= now + 60 && age < self.ttl;
        Some(Entry { answer, age, fresh })
    }

    /// The resource groups of the entries that hold limits (for an editor's
    /// completion), sorted, reading at most `most` files; with `endpoint`,
    /// only that endpoint's entries. Entries are read as `get` reads them.
    pub fn groups(&self, endpoint: Option<&str>, most: usize) -> Vec<String> {
        let Some(dir) = &self.dir else {
            return Vec::new();
        };
        let Ok(entries) = std::fs::read_dir(dir) else {
            return Vec::new();
        };
        let mut groups = std::collections::BTreeSet::new();
        for entry in entries.flatten().take(most) {
            let name = entry.file_name();
            let Some(name) = name.to_str().filter(|n| !n.starts_with('.')) else {
                continue;
            };
            let Some(value) = read_entry(dir, name, MAX_ENTRY_BYTES)
                .and_then(|text| serde_json::from_slice::<Value>(&text).ok())
            else {
                continue;
            };
            let field = |k: &str| value.get(k).and_then(Value::as_str);
            if value.get("version").and_then(Value::as_u64) == Some(VERSION)
                && field("answer") == Some("found")
                && endpoint.is_none_or(|e| field("endpoint") == Some(e))
                && let Some(group) = field("group")
            {
                groups.insert(group.to_string());
            }
        }
        groups.into_iter().collect()
    }

    /// Remember an answer. Errors say why it could not be; the caller warns
    /// and goes on (without the cache, when the directory itself is at fault).
    pub fn put(&self, key: &Key, answer: &Cached) -> Result<(), PutError> {
        let Some(dir) = &self.dir else {
            return Ok(());
        };
        let (kind, data) = match answer {
            Cached::Found(data) => ("found", data.clone()),
            Cached::UnknownGroup => ("unknownGroup", Value::Null),
        };
        let body = json!({
            "version": VERSION,
            "endpoint": key.endpoint,
            "group": key.group,
            "acceleratorType": key.accelerator,
            "fetchedAt": now_secs(),
            "answer": kind,
            "data": data,
        });
        let text = serde_json::to_vec_pretty(&body).map_err(|e| PutError {
            message: format!("cannot encode a cache entry: {e}"),
            whole_cache: false,
        })?;
        write_entry(dir, &key.file_name(), &text)
    }
}

/// Write `bytes` to `dir/name` atomically: a private (0600) temporary file
/// in `dir`, renamed into place (a link there is replaced, not followed),
/// in a directory made 0700 if new and checked to be ours.
pub(crate) fn write_entry(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), PutError> {
    let whole = |message: String| PutError {
        message,
        whole_cache: true,
    };
    create_private_dir(dir).map_err(|e| {
        whole(format!(
            "cannot create the cache directory {}: {e}",
            dir.display()
        ))
    })?;
    check_dir(dir).map_err(whole)?;
    // The directory is at fault when a new file cannot be made in it;
    // the entry alone when only its place is taken (say, by a directory).
    // tempfile makes the file 0600 on Unix.
    let tmp = tempfile::Builder::new()
        .prefix(".jobcheck-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .and_then(|mut tmp| {
            tmp.write_all(bytes)?;
            tmp.as_file().sync_all()?;
            Ok(tmp)
        })
        .map_err(|e| {
            whole(format!(
                "cannot write to the cache directory {}: {e}",
                dir.display()
            ))
        })?;
    let target = dir.join(name);
    tmp.persist(&target).map_err(|e| PutError {
        message: format!(
            "cannot write the cache entry {}: {}",
            target.display(),
            e.error
        ),
        whole_cache: false,
    })?;
    Ok(())
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    if dir.is_dir() {
        return Ok(());
    }
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key<'a>(group: &'a str) -> Key<'a> {
        Key {
            endpoint: "https://h/ai",
            identity: "alice@1",
            group,
            accelerator: "gpu",
        }
    }

    #[test]
    fn groups_lists_the_groups_with_limits_of_one_endpoint() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::new(Some(dir.path().join("c")), Duration::from_secs(60));
        assert!(cache.groups(None, 10).is_empty());
        let data = json!({"cpuNumber": 1});
        cache.put(&key("B"), &Cached::Found(data.clone())).unwrap();
        cache.put(&key("A"), &Cached::Found(data.clone())).unwrap();
        cache.put(&key("Gone"), &Cached::UnknownGroup).unwrap();
        let elsewhere = Key {
            endpoint: "https://other/ai",
            ..key("C")
        };
        cache.put(&elsewhere, &Cached::Found(data)).unwrap();
        std::fs::write(dir.path().join("c").join("junk"), "not json").unwrap();
        assert_eq!(cache.groups(Some("https://h/ai"), 100), ["A", "B"]);
        assert_eq!(cache.groups(None, 100), ["A", "B", "C"]);
        assert!(Cache::disabled().groups(None, 100).is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn only_a_private_directory_of_ours_is_trusted() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let cache = dir.path().join("c");
        // Not there yet: made private on the first write.
        assert_eq!(trusted_dir(Some(cache.clone())), Ok(Some(cache.clone())));
        std::fs::create_dir(&cache).unwrap();
        for (mode, ok) in [
            (0o700, true),
            (0o755, true),
            (0o770, false),
            (0o1777, false),
        ] {
            std::fs::set_permissions(&cache, std::fs::Permissions::from_mode(mode)).unwrap();
            let checked = check_dir(&cache);
            assert_eq!(checked.is_ok(), ok, "{mode:o}: {checked:?}");
        }
        // A put into a directory that has become shared is refused too.
        let c = Cache::new(Some(cache.clone()), Duration::from_secs(60));
        let e = c.put(&key("A"), &Cached::UnknownGroup).unwrap_err();
        assert!(e.whole_cache && e.message.contains("chmod 700"), "{e}");
        // An entry that is a link is not read, even to a good entry.
        std::fs::set_permissions(&cache, std::fs::Permissions::from_mode(0o700)).unwrap();
        c.put(&key("A"), &Cached::UnknownGroup).unwrap();
        let real = cache.join(key("A").file_name());
        std::fs::rename(&real, cache.join("real.json")).unwrap();
        std::os::unix::fs::symlink(cache.join("real.json"), &real).unwrap();
        assert_eq!(c.get(&key("A")), None);
    }

    #[test]
    fn round_trip_ttl_and_corruption() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::new(Some(dir.path().join("c")), Duration::from_secs(60));
        assert_eq!(cache.get(&key("A")), None);
        let data = json!({"cpuNumber": 4});
        cache.put(&key("A"), &Cached::Found(data.clone())).unwrap();
        cache.put(&key("B"), &Cached::UnknownGroup).unwrap();
        let e = cache.get(&key("A")).unwrap();
        assert_eq!(e.answer, Cached::Found(data));
        assert!(e.fresh);
        assert_eq!(cache.get(&key("B")).unwrap().answer, Cached::UnknownGroup);
        let stale = Cache::new(Some(dir.path().join("c")), Duration::ZERO);
        assert!(!stale.get(&key("A")).unwrap().fresh);
        let file = dir.path().join("c").join(key("A").file_name());
        std::fs::write(&file, "{not json").unwrap();
        assert_eq!(cache.get(&key("A")), None);
        cache.put(&key("A"), &Cached::UnknownGroup).unwrap();
        assert_eq!(cache.get(&key("A")).unwrap().answer, Cached::UnknownGroup);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&file).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
            let mode = std::fs::metadata(dir.path().join("c"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o700);
        }
    }
}
