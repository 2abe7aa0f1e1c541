//! Reading the small files the tool is handed (token, limits, configuration,
//! cache entries): regular files only, and only up to a cap, so that
//! `/dev/zero` cannot fill the memory and a FIFO cannot hang the run.
//!
//! The file is opened first (non-blocking, so opening a FIFO returns at
//! once) and the *opened* file's metadata is checked, so that the path cannot
//! be swapped between the check and the read.

use std::fmt;
use std::fs::{File, Metadata};
use std::io::Read;
use std::path::Path;

#[cfg(windows)]
pub mod winsec;

/// The most a token file may hold.
pub const TOKEN_CAP: u64 = 64 * 1024;
/// The most a limits or configuration file may hold.
pub const TEXT_CAP: u64 = 4 * 1024 * 1024;

/// Why a file was not read.
#[derive(Debug)]
pub enum ReadError {
    /// It could not be opened or read.
    Io(std::io::Error),
    /// It is not a regular file; the text names what it is.
    NotRegular(&'static str),
    /// It holds more than the cap (in bytes).
    TooLarge(u64),
    /// It is not owned by the user running the tool.
    NotOwned,
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::Io(e) => write!(f, "{e}"),
            ReadError::NotRegular(kind) => {
                write!(f, "it is {kind}, not a regular file, so it is not read")
            }
            ReadError::TooLarge(cap) => {
                write!(
                    f,
                    "it is larger than {}, so it is not read",
                    size_text(*cap)
                )
            }
            ReadError::NotOwned => f.write_str("it is owned by another user"),
        }
    }
}

impl std::error::Error for ReadError {}

/// `65536` → `64 KiB`, `4194304` → `4 MiB`.
pub fn size_text(bytes: u64) -> String {
    if bytes >= 1024 * 1024 && bytes.is_multiple_of(1024 * 1024) {
        format!("{} MiB", bytes / (1024 * 1024))
    } else if bytes >= 1024 && bytes.is_multiple_of(1024) {
        format!("{} KiB", bytes / 1024)
    } else {
        format!("{bytes} bytes")
    }
}

/// What a non-regular file is, in words.
fn kind_of(meta: &Metadata) -> &'static str {
    if meta.is_dir() {
        return "a directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        if t.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if t.is_char_device() {
            return "a character device";
        }
        if t.is_block_device() {
            return "a block device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if meta.file_type().is_symlink() {
        return "a symbolic link";
    }
    "not a regular file"
}

/// How a file is opened.
#[derive(Clone, Copy, Debug, Default)]
pub struct Open {
    /// Refuse a symbolic link in the last component of the path.
    pub no_follow: bool,
    /// Refuse a file not owned by the user running the tool.
    pub owned: bool,
}

/// Open `path` for reading, refusing what is not a regular file (and, as
/// asked, a symbolic link or another user's file). Returns the open file and
/// its metadata.
pub fn open_regular(path: &Path, how: Open) -> Result<(File, Metadata), ReadError> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        let mut flags = libc::O_NONBLOCK;
        if how.no_follow {
            flags |= libc::O_NOFOLLOW;
        }
        options.custom_flags(flags);
    }
    #[cfg(windows)]
    {
        use std::os::windows::fs::OpenOptionsExt;
        // FILE_FLAG_BACKUP_SEMANTICS: a directory opens too (and is then
        // refused as one). FILE_FLAG_OPEN_REPARSE_POINT: a symbolic link or
        // junction is opened itself, not followed, and refused below.
        let mut flags = 0x0200_0000;
        if how.no_follow {
            flags |= 0x0020_0000;
        }
        options.custom_flags(flags);
    }
    let file = options.open(path).map_err(|e| {
        #[cfg(unix)]
        if how.no_follow && e.raw_os_error() == Some(libc::ELOOP) {
            return ReadError::NotRegular("a symbolic link");
        }
        ReadError::Io(e)
    })?;
    let meta = file.metadata().map_err(ReadError::Io)?;
    if !meta.is_file() {
        return Err(ReadError::NotRegular(kind_of(&meta)));
    }
    #[cfg(unix)]
    if how.owned {
        use std::os::unix::fs::MetadataExt;
        // SAFETY: geteuid has no preconditions and cannot fail.
        if meta.uid() != unsafe { libc::geteuid() } {
            return Err(ReadError::NotOwned);
        }
    }
    #[cfg(windows)]
    if how.owned && !matches!(winsec::access_of(&file), Ok(a) if a.owner == winsec::Owner::Me) {
        return Err(ReadError::NotOwned);
    }
    Ok((file, meta))
}

/// Open a job input for reading without waiting for a FIFO's writer: a
/// FIFO that nobody writes to reads as empty instead of hanging the run,
/// while a pipe being written (`<(…)`) reads as before. Any file is allowed
/// (the caller caps the read).
pub fn open_input(path: &Path) -> std::io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::fd::AsRawFd;
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
        let file = options.open(path)?;
        // Reads block again once open: a pipe's writer may be slow.
        let fd = file.as_raw_fd();
        // SAFETY: fcntl on a descriptor this function owns.
        let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
        if flags < 0 || unsafe { libc::fcntl(fd, libc::F_SETFL, flags & !libc::O_NONBLOCK) } < 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(file)
    }
    #[cfg(not(unix))]
    {
        options.open(path)
    }
}

/// Read a whole regular file of at most `cap` bytes.
pub fn read_capped(path: &Path, cap: u64) -> Result<Vec<u8>, ReadError> {
    read_with(path, cap, Open::default())
}

/// Read a whole regular file of at most `cap` bytes, opened as `how` says.
pub fn read_with(path: &Path, cap: u64, how: Open) -> Result<Vec<u8>, ReadError> {
    let (file, meta) = open_regular(path, how)?;
    if meta.len() > cap {
        return Err(ReadError::TooLarge(cap));
    }
    // The length may change after the check: the read itself is capped too.
    let mut bytes = Vec::with_capacity(meta.len() as usize + 1);
    file.take(cap + 1)
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    if bytes.len() as u64 > cap {
        return Err(ReadError::TooLarge(cap));
    }
    Ok(bytes)
}

/// Read a limits or configuration file: regular, UTF-8, at most [`TEXT_CAP`].
pub fn read_small(path: &Path) -> Result<String, ReadError> {
    read_text(path, TEXT_CAP)
}

/// Read a whole regular file of at most `cap` bytes as UTF-8 text.
pub fn read_text(path: &Path, cap: u64) -> Result<String, ReadError> {
    let bytes = read_capped(path, cap)?;
    String::from_utf8(bytes).map_err(|_| {
        ReadError::Io(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "it is not text (UTF-8)",
        ))
    })
}

/// A path as reports show it: relative to the working directory when it is
/// inside it, with forward slashes.
pub fn display_path(path: &Path) -> String {
    display_in(path, std::env::current_dir().ok().as_deref())
}

/// [`display_path`] with the working directory already known.
pub fn display_in(path: &Path, cwd: Option<&Path>) -> String {
    let shown = cwd
        .and_then(|cwd| path.strip_prefix(cwd).ok())
        .unwrap_or(path);
    let text = shown.to_string_lossy().replace('\\', "/");
    text.strip_prefix("./").map(str::to_string).unwrap_or(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_small_regular_files_and_refuses_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f");
        std::fs::write(&file, "hello").unwrap();
        assert_eq!(read_capped(&file, 5).unwrap(), b"hello");
        assert!(matches!(read_capped(&file, 4), Err(ReadError::TooLarge(4))));
        assert!(matches!(
            read_capped(dir.path(), 5),
            Err(ReadError::NotRegular("a directory"))
        ));
        #[cfg(unix)]
        {
            assert!(matches!(
                read_capped(Path::new("/dev/zero"), 1024),
                Err(ReadError::NotRegular("a character device"))
            ));
            let link = dir.path().join("l");
            std::os::unix::fs::symlink(&file, &link).unwrap();
            assert_eq!(read_capped(&link, 5).unwrap(), b"hello");
            let how = Open {
                no_follow: true,
                owned: true,
            };
            assert!(matches!(
                read_with(&link, 5, how),
                Err(ReadError::NotRegular("a symbolic link"))
            ));
            assert_eq!(read_with(&file, 5, how).unwrap(), b"hello");
        }
        assert_eq!(size_text(64 * 1024), "64 KiB");
        assert_eq!(size_text(4 * 1024 * 1024), "4 MiB");
        assert_eq!(size_text(100), "100 bytes");
    }
}
