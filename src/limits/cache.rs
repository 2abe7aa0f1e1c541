//! A local cache of the platform's answers: one small JSON file per
//! (endpoint, user and cluster, group, accelerator type), named by a hash of
//! that key, in the private directory [`crate::platform::cache_dir`] keeps.
//! Only answers that are facts about the group are kept: limits found, and
//! "no such group".

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

pub use crate::platform::cache_dir::{PutError, default_dir, trusted_dir};
use crate::platform::cache_dir::{read_entry, write_entry};

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
        format!("{}.json", hex::encode(h.finalize()))
    }
}

/// An entry as written: `answer` says which kind, `data` holds the
/// limits (`null` for an unknown group).
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Stored {
    version: u64,
    endpoint: String,
    group: String,
    accelerator_type: String,
    fetched_at: u64,
    answer: Answer,
    #[serde(default)]
    data: Value,
}

#[derive(Serialize, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
enum Answer {
    Found,
    UnknownGroup,
}

#[derive(Debug)]
pub struct Cache {
    dir: Option<PathBuf>,
    ttl: Duration,
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
        let stored: Stored = serde_json::from_slice(&text).ok()?;
        if stored.version != VERSION
            || stored.group != key.group
            || stored.accelerator_type != key.accelerator
        {
            return None;
        }
        let fetched = stored.fetched_at;
        let answer = match (stored.answer, stored.data) {
            (Answer::Found, data @ Value::Object(_)) => Cached::Found(data),
            (Answer::Found, _) => return None,
            (Answer::UnknownGroup, _) => Cached::UnknownGroup,
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
        let (answer, data) = match answer {
            Cached::Found(data) => (Answer::Found, data.clone()),
            Cached::UnknownGroup => (Answer::UnknownGroup, Value::Null),
        };
        let body = Stored {
            version: VERSION,
            endpoint: key.endpoint.to_string(),
            group: key.group.to_string(),
            accelerator_type: key.accelerator.to_string(),
            fetched_at: now_secs(),
            answer,
            data,
        };
        let text = serde_json::to_vec_pretty(&body).map_err(|e| PutError {
            message: format!("cannot encode a cache entry: {e}"),
            whole_cache: false,
        })?;
        write_entry(dir, &key.file_name(), &text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
