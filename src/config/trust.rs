//! Which configuration files are read, and which are refused.

use std::io::Read;
use std::path::{Path, PathBuf};

use super::FILE_NAME;

/// A configuration is a few lines; anything larger is not read.
pub const MAX_CONFIG_BYTES: u64 = 1024 * 1024;

/// `jobcheck.toml` in `start` or the nearest directory above it, looking no
/// higher than the repository root (a directory holding `.git`) or `home`.
pub fn discover(start: &Path, home: Option<&Path>) -> Option<PathBuf> {
    for dir in start.ancestors() {
        let candidate = dir.join(FILE_NAME);
        // `symlink_metadata`: a link is not followed here; `load` refuses
        // anything but a regular file.
        if std::fs::symlink_metadata(&candidate).is_ok() {
            return Some(candidate);
        }
        let at_root = dir.join(".git").exists();
        let at_home = home.is_some_and(|h| h == dir);
        if at_root || at_home {
            return None;
        }
    }
    None
}

/// The user's own configuration: `$XDG_CONFIG_HOME/jobcheck/config.toml`,
/// else `~/.config/jobcheck/config.toml`.
pub fn user_file(xdg_config_home: Option<&Path>, home: Option<&Path>) -> Option<PathBuf> {
    // The XDG rule: a relative XDG_CONFIG_HOME is ignored.
    let base = match xdg_config_home {
        Some(x) if x.is_absolute() => x.to_path_buf(),
        _ => home?.join(".config"),
    };
    Some(base.join("jobcheck").join("config.toml"))
}

/// Read a configuration file if it can be trusted: a regular file (no FIFO,
/// no device), owned by the user running jobcheck or by root, and writable
/// by no one else, as ssh asks of its files. At most [`MAX_CONFIG_BYTES`].
pub fn read_trusted(path: &Path) -> Result<String, String> {
    use crate::fsread::{Open, ReadError, open_regular};
    // A configuration planted as a link (`jobcheck.toml ->
    // /proc/self/environ`, or to a file outside the repository) is not
    // read: its error snippet would show what it points at.
    crate::fsread::confined(path, false, true).map_err(|e| e.to_string())?;
    let (file, meta) = open_regular(path, Open::default()).map_err(|e| match e {
        ReadError::Io(e) => format!("cannot read the file: {e}"),
        other => other.to_string(),
    })?;
    check_owner(&meta)?;
    #[cfg(windows)]
    check_owner_windows(&file)?;
    let mut bytes = Vec::new();
    file.take(MAX_CONFIG_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read the file: {e}"))?;
    if bytes.len() as u64 > MAX_CONFIG_BYTES {
        return Err(ReadError::TooLarge(MAX_CONFIG_BYTES).to_string());
    }
    String::from_utf8(bytes).map_err(|_| "not valid UTF-8".to_string())
}

#[cfg(unix)]
fn check_owner(meta: &std::fs::Metadata) -> Result<(), String> {
    use std::os::unix::fs::MetadataExt;
    // SAFETY: geteuid has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    let owner = meta.uid();
    if owner != me && owner != 0 {
        return Err(format!(
            "the file belongs to another user (uid {owner}); a configuration someone else \
             controls is refused, as ssh refuses such files (take it over with chown, or remove it)"
        ));
    }
    let mode = meta.mode();
    if mode & 0o022 != 0 {
        return Err(format!(
            "the file is writable by {} (mode {:o}); a configuration others can change is \
             refused, as ssh refuses such files (fix it with `chmod go-w`)",
            if mode & 0o002 != 0 {
                "everyone"
            } else {
                "its group"
            },
            mode & 0o7777
        ));
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_owner(_meta: &std::fs::Metadata) -> Result<(), String> {
    Ok(())
}

/// Windows: the file's owner and access list instead of uid and mode.
#[cfg(windows)]
fn check_owner_windows(file: &std::fs::File) -> Result<(), String> {
    use crate::fsread::winsec::{Owner, access_of};
    let access = access_of(file)
        .map_err(|e| format!("cannot read the file's owner and permissions: {e}"))?;
    if access.owner == Owner::Other {
        return Err(
            "the file belongs to another user; a configuration someone else controls \
                    is refused, as ssh refuses such files (take ownership of it, or remove it)"
                .to_string(),
        );
    }
    if let Some(who) = access.writable_by {
        return Err(format!(
            "the file is writable by {who}; a configuration others can change is refused, \
             as ssh refuses such files (remove that permission: Properties, Security, or icacls)"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_search_stops_at_the_repository_root() {
        let top = tempfile::tempdir().unwrap();
        std::fs::write(top.path().join(FILE_NAME), "").unwrap();
        let repo = top.path().join("repo");
        std::fs::create_dir_all(repo.join(".git")).unwrap();
        std::fs::create_dir_all(repo.join("jobs/deep")).unwrap();
        assert_eq!(discover(&repo.join("jobs/deep"), None), None);
        std::fs::write(repo.join(FILE_NAME), "").unwrap();
        assert_eq!(
            discover(&repo.join("jobs/deep"), None),
            Some(repo.join(FILE_NAME))
        );
    }

    #[test]
    fn the_search_stops_at_home() {
        let top = tempfile::tempdir().unwrap();
        std::fs::write(top.path().join(FILE_NAME), "").unwrap();
        let home = top.path().join("home");
        std::fs::create_dir_all(home.join("work")).unwrap();
        assert_eq!(discover(&home.join("work"), Some(&home)), None);
        assert_eq!(
            discover(&home.join("work"), None),
            Some(top.path().join(FILE_NAME))
        );
    }

    #[test]
    fn the_user_file_follows_xdg() {
        // Absolute paths: `/x` has no drive letter, so Windows needs its own.
        let (home, x) = if cfg!(windows) {
            (Path::new(r"C:\Users\u"), Path::new(r"C:\x"))
        } else {
            (Path::new("/home/u"), Path::new("/x"))
        };
        assert_eq!(
            user_file(Some(x), Some(home)),
            Some(x.join("jobcheck").join("config.toml"))
        );
        assert_eq!(
            user_file(Some(Path::new("rel")), Some(home)),
            Some(home.join(".config").join("jobcheck").join("config.toml"))
        );
        assert_eq!(user_file(None, None), None);
    }

    #[cfg(unix)]
    #[test]
    fn files_others_can_write_are_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        std::fs::write(&path, "format = \"json\"\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(read_trusted(&path).is_ok());
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o666)).unwrap();
        let e = read_trusted(&path).unwrap_err();
        assert!(e.contains("writable by everyone"), "{e}");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o664)).unwrap();
        assert!(read_trusted(&path).unwrap_err().contains("its group"));
    }
}
