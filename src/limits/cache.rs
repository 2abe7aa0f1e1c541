//! A local cache of the platform's answers: one small JSON file per
//! (endpoint, user and cluster, group, accelerator type), named by a hash of
//! that key, private to the user (files 0600, directory 0700), written
//! atomically. Only answers that are facts about the group are kept: limits
//! found, and "no such group".

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

/// The cache directory: `JOBCHECK_CACHE_DIR`, else `$XDG_CACHE_HOME/jobcheck`,
/// else `~/.cache/jobcheck`.
pub fn default_dir() -> Option<PathBuf> {
    let env_dir = |name: &str| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    if let Some(dir) = env_dir("JOBCHECK_CACHE_DIR") {
        return Some(dir);
    }
    if let Some(xdg) = env_dir("XDG_CACHE_HOME").filter(|p| p.is_absolute()) {
        return Some(xdg.join("jobcheck"));
    }
    env_dir("HOME").map(|home| home.join(".cache").join("jobcheck"))
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
        let path = self.dir.as_ref()?.join(key.file_name());
        let meta = std::fs::metadata(&path).ok()?;
        if !meta.is_file() || meta.len() > MAX_ENTRY_BYTES {
            return None;
        }
        let text = std::fs::read(&path).ok()?;
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
        create_private_dir(dir).map_err(|e| PutError {
            message: format!("cannot create the cache directory {}: {e}", dir.display()),
            whole_cache: true,
        })?;
        let name = key.file_name();
        let tmp = temp_path(dir, &name);
        // The directory is at fault when a new file cannot be made in it;
        // the entry alone when only its place is taken (say, by a directory).
        if let Err(e) = write_private(&tmp, &text) {
            let _ = std::fs::remove_file(&tmp);
            return Err(PutError {
                message: format!("cannot write to the cache directory {}: {e}", dir.display()),
                whole_cache: true,
            });
        }
        let target = dir.join(&name);
        if let Err(e) = std::fs::rename(&tmp, &target) {
            let _ = std::fs::remove_file(&tmp);
            return Err(PutError {
                message: format!("cannot write the cache entry {}: {e}", target.display()),
                whole_cache: false,
            });
        }
        Ok(())
    }
}

/// A temporary file beside `dir/name`, unique to this process and moment,
/// to be renamed into place.
fn temp_path(dir: &Path, name: &str) -> std::path::PathBuf {
    dir.join(format!(
        ".{name}.{}.{}.tmp",
        std::process::id(),
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0)
    ))
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

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
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
