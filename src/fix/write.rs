//! Writing a fixed file: a temporary file in the same directory, flushed
//! to disk, then renamed over the original, so a reader sees the old file
//! or the new one and never half of one. Never through a symbolic link.

use std::path::Path;

pub use crate::fsread::Confine;

/// Replace the file at `path` with `bytes` (or create it), atomically,
/// keeping its permissions, by the one replacing writer
/// ([`crate::fsread::replace_file_with`]). Refused when `path` is a
/// symbolic link or not a regular file. `confine`: whether `path` was read
/// where it is named (a fixed job file) or is named by the user (a
/// baseline), see [`Confine`].
pub fn atomic(path: &Path, bytes: &[u8], confine: Confine) -> std::io::Result<()> {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(meta) => Some(meta),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(e),
    };
    if let Some(meta) = &meta {
        refuse(meta)?;
    }
    crate::fsread::replace_file_with(path, meta.map(|m| m.permissions()), confine, |w| {
        w.write_all(bytes)
    })
}

fn refuse(meta: &std::fs::Metadata) -> std::io::Result<()> {
    if meta.file_type().is_symlink() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "it is a symbolic link; a fix is never written through a link",
        ));
    }
    if !meta.is_file() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "it is not a regular file",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_file_and_keeps_its_mode() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.yaml");
        std::fs::write(&path, "old").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        }
        atomic(&path, b"new", Confine::AsRead).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o640);
        }
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 1, "no temporary file is left behind");
    }

    #[cfg(unix)]
    #[test]
    fn never_through_a_link() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("target.yaml");
        let link = dir.path().join("link.yaml");
        std::fs::write(&target, "old").unwrap();
        std::os::unix::fs::symlink(&target, &link).unwrap();
        assert!(atomic(&link, b"new", Confine::AsRead).is_err());
        assert_eq!(std::fs::read(&target).unwrap(), b"old");
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
    }
}
