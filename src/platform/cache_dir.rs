//! The private directory where the platform's answers and credentials are
//! kept between runs.
//!
//! Another user must not be able to plant answers: a cache directory owned
//! by someone else or writable by group or others is refused (as ssh refuses
//! such a `~/.ssh`), and an entry is read only if it is a regular file of
//! ours, opened without following a symbolic link. Entries are written
//! atomically: a private (0600) temporary file in the same directory,
//! renamed over the entry, in a directory made 0700 when new.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::error::Error;

/// How the caches are used.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum CacheMode {
    /// Fresh entries answer; the rest is fetched and remembered.
    #[default]
    Normal,
    /// Entries are not read (answers are still remembered).
    Refresh,
    /// Entries only, stale ones too; nothing is fetched.
    Offline,
}

/// Why an entry could not be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct PutError {
    pub message: String,
    /// The directory cannot be written at all (not just this entry).
    pub whole_cache: bool,
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
/// (a usage error) when it exists but is not safely ours. A directory that
/// does not exist yet is fine: it is made private.
pub fn trusted_dir(given: Option<PathBuf>) -> Result<Option<PathBuf>, Error> {
    let Some(dir) = given.or_else(default_dir) else {
        return Ok(None);
    };
    check_dir(&dir).map_err(Error::Usage)?;
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

/// Windows: the directory's owner and access list instead of uid and mode.
#[cfg(windows)]
pub fn check_dir(dir: &Path) -> Result<(), String> {
    use crate::fsread::winsec::{Owner, access_of_path};
    if !dir.is_dir() {
        return Ok(());
    }
    let access = access_of_path(dir).map_err(|e| {
        format!(
            "cannot read the owner and permissions of the cache directory {}: {e}; \
             set JOBCHECK_CACHE_DIR to a directory of your own",
            dir.display()
        )
    })?;
    if access.owner != Owner::Me {
        return Err(format!(
            "the cache directory {} is owned by another user, so its answers cannot be trusted; \
             remove it, or set JOBCHECK_CACHE_DIR to a directory of your own",
            dir.display()
        ));
    }
    if let Some(who) = access.writable_by {
        return Err(format!(
            "the cache directory {} is writable by {who}, so another user could plant answers \
             in it; remove that permission (Properties, Security, or icacls), or set \
             JOBCHECK_CACHE_DIR to a private directory",
            dir.display()
        ));
    }
    Ok(())
}

#[cfg(not(any(unix, windows)))]
pub fn check_dir(_dir: &Path) -> Result<(), String> {
    Ok(())
}

/// The bytes of the entry `dir/name`, if it is a regular file of ours (not
/// a symbolic link) of at most `cap` bytes.
pub fn read_entry(dir: &Path, name: &str, cap: u64) -> Option<Vec<u8>> {
    let how = crate::fsread::Open {
        no_follow: true,
        owned: true,
    };
    crate::fsread::read_with(&dir.join(name), cap, how).ok()
}

/// Write `bytes` to `dir/name` atomically: a private (0600) temporary file
/// in `dir`, renamed into place (a link there is replaced, not followed),
/// in a directory made 0700 if new and checked to be ours.
pub fn write_entry(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), PutError> {
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
    // The tests here are of mode bits; Windows's are in fsread::winsec.
    #[cfg_attr(not(unix), allow(unused_imports))]
    use super::*;

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
        // A write into a directory that has become shared is refused too.
        let e = write_entry(&cache, "x.json", b"{}").unwrap_err();
        assert!(e.whole_cache && e.message.contains("chmod 700"), "{e}");
        // An entry that is a link is not read, even to a good entry.
        std::fs::set_permissions(&cache, std::fs::Permissions::from_mode(0o700)).unwrap();
        write_entry(&cache, "x.json", b"{}").unwrap();
        assert_eq!(read_entry(&cache, "x.json", 10).unwrap(), b"{}");
        std::fs::rename(cache.join("x.json"), cache.join("real.json")).unwrap();
        std::os::unix::fs::symlink(cache.join("real.json"), cache.join("x.json")).unwrap();
        assert_eq!(read_entry(&cache, "x.json", 10), None);
        let mode = std::fs::metadata(cache.join("real.json"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
