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
use std::path::{Component, Path, PathBuf};

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
    /// It sits in a repository (the directory named) but, links followed,
    /// is outside it.
    LeavesRepository(PathBuf),
    /// Links followed, it is in `/proc` or `/sys` (named).
    Pseudo(PathBuf),
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
            ReadError::LeavesRepository(root) => write!(
                f,
                "it is reached through a symbolic link that leads outside the repository `{}`, \
                 so it is not read (a link in a repository may point anywhere; pass --follow \
                 if this one is meant)",
                root.display()
            ),
            ReadError::Pseudo(dir) => write!(
                f,
                "it is in `{}`, which holds the system's and processes' state, not files to \
                 read, so it is not read",
                dir.display()
            ),
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
/// (the caller caps the read). Gives the opened file's metadata too.
pub fn open_input(path: &Path) -> std::io::Result<(File, Metadata)> {
    open_input_in(path, &mut Dirs::default())
}

/// The directory a reader opened files in last, kept open: a walk lists
/// a directory's files in turn, and a file opened relative to its open
/// directory costs the kernel one name to look up, not every name of its
/// path (the whole path is still what is opened: the directory was opened
/// by its path, links and all, as an open of the file's path would have).
#[derive(Default)]
pub struct Dirs {
    #[cfg(unix)]
    last: Option<(std::ffi::OsString, std::os::fd::OwnedFd)>,
}

/// [`open_input`], relative to the file's directory held in `dirs`.
pub fn open_input_in(path: &Path, dirs: &mut Dirs) -> std::io::Result<(File, Metadata)> {
    #[cfg(unix)]
    {
        use std::os::fd::AsRawFd;
        let file = match dirs.open(path) {
            Some(file) => file?,
            None => {
                use std::os::unix::fs::OpenOptionsExt;
                let mut options = std::fs::OpenOptions::new();
                options.read(true).custom_flags(libc::O_NONBLOCK);
                options.open(path)?
            }
        };
        let meta = file.metadata()?;
        // A regular file's reads never wait, whatever the flag says (and
        // nearly every input is one: two system calls a file saved).
        if meta.is_file() {
            return Ok((file, meta));
        }
        // Reads block again once open: a pipe's writer may be slow.
        let fd = file.as_raw_fd();
        // SAFETY: fcntl on a descriptor this function owns.
        let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
        if flags < 0 || unsafe { libc::fcntl(fd, libc::F_SETFL, flags & !libc::O_NONBLOCK) } < 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok((file, meta))
    }
    #[cfg(not(unix))]
    {
        let _ = dirs;
        let file = std::fs::OpenOptions::new().read(true).open(path)?;
        let meta = file.metadata()?;
        Ok((file, meta))
    }
}

#[cfg(unix)]
impl Dirs {
    /// The file opened (non-blocking) by its name in its directory, or
    /// `None` when it is to be opened by its path: it has no directory
    /// part, or the directory cannot be opened (one that may be searched
    /// but not listed).
    fn open(&mut self, path: &Path) -> Option<std::io::Result<File>> {
        use std::ffi::CString;
        use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
        use std::os::unix::ffi::OsStrExt;
        let (dir, name) = (path.parent()?, path.file_name()?);
        if dir.as_os_str().is_empty() {
            return None;
        }
        if self.last.as_ref().is_none_or(|(d, _)| d != dir.as_os_str()) {
            self.last = None;
            let c = CString::new(dir.as_os_str().as_bytes()).ok()?;
            // SAFETY: a NUL-terminated path; the descriptor is owned below.
            let fd = unsafe {
                libc::open(
                    c.as_ptr(),
                    libc::O_RDONLY | libc::O_DIRECTORY | libc::O_CLOEXEC,
                )
            };
            if fd < 0 {
                return None;
            }
            // SAFETY: a descriptor just opened, owned by nothing else.
            self.last = Some((dir.as_os_str().to_owned(), unsafe {
                OwnedFd::from_raw_fd(fd)
            }));
        }
        let (_, dir_fd) = self.last.as_ref()?;
        let Ok(c) = CString::new(name.as_bytes()) else {
            return Some(Err(std::io::Error::from(std::io::ErrorKind::InvalidInput)));
        };
        // SAFETY: a directory descriptor held open and a NUL-terminated name.
        let fd = unsafe {
            libc::openat(
                dir_fd.as_raw_fd(),
                c.as_ptr(),
                libc::O_RDONLY | libc::O_NONBLOCK | libc::O_CLOEXEC,
            )
        };
        if fd < 0 {
            return Some(Err(std::io::Error::last_os_error()));
        }
        // SAFETY: a descriptor just opened, owned by nothing else.
        Some(Ok(unsafe { File::from_raw_fd(fd) }))
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

/// `path` made absolute against `cwd`, `.` and `..` resolved by name (links
/// are not followed).
pub fn lexical(path: &Path, cwd: &Path) -> PathBuf {
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        cwd.join(path)
    };
    let mut out = PathBuf::new();
    for c in joined.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// The repositories holding `path` as written, innermost first: each
/// directory above it (by name, links not followed) that holds `.git` and
/// is not itself a symbolic link. A checkout's submodule, or a directory
/// with `.git` that a link in the checkout leads to, is one of them; so is
/// the checkout around it.
pub fn repositories_of(path: &Path, cwd: &Path) -> Vec<PathBuf> {
    let path = lexical(path, cwd);
    path.ancestors()
        .skip(1)
        .filter(|dir| {
            let linked = std::fs::symlink_metadata(dir).is_ok_and(|m| m.file_type().is_symlink());
            !linked && std::fs::symlink_metadata(dir.join(".git")).is_ok()
        })
        .map(Path::to_path_buf)
        .collect()
}

/// Of the repositories holding `path` as written, the outermost one that
/// `real` (where the system resolves it, links followed) is not inside.
/// Every one counts: a link to a directory elsewhere that holds its own
/// `.git` makes that directory a "repository" of the path too, but `real`
/// still leaves the checkout around it.
fn left_repository(path: &Path, real: &Path, cwd: &Path) -> Option<PathBuf> {
    repositories_of(path, cwd).into_iter().rev().find(|root| {
        let real_root = std::fs::canonicalize(root).unwrap_or_else(|_| root.clone());
        !real.starts_with(&real_root)
    })
}

/// The directories whose "files" are the system's state (`/proc/self/environ`
/// is a "regular file" holding the environment): never a limits file.
/// (What `/dev` holds is refused as not a regular file.)
const PSEUDO: [&str; 2] = ["/proc", "/sys"];

/// Whether a file may be read where it is named: inside a repository, the
/// path with its links followed must stay inside the repository (unless
/// `follow`); a limits or configuration file (`data`) is never read from
/// `/proc` or `/sys`. A path that does not resolve is left to the
/// reader to report.
pub fn confined(path: &Path, follow: bool, data: bool) -> Result<(), ReadError> {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
    confined_in(path, &cwd, follow, data)
}

fn confined_in(path: &Path, cwd: &Path, follow: bool, data: bool) -> Result<(), ReadError> {
    // The system's own resolution, `..` after a link included; the
    // repository is found from the path as written.
    let Ok(real) = std::fs::canonicalize(path) else {
        return Ok(());
    };
    if data && let Some(dir) = PSEUDO.iter().find(|d| real.starts_with(d)) {
        return Err(ReadError::Pseudo(PathBuf::from(dir)));
    }
    if follow {
        return Ok(());
    }
    match left_repository(path, &real, cwd) {
        Some(root) => Err(ReadError::LeavesRepository(root)),
        None => Ok(()),
    }
}

/// Whether the directory a file is written into stays, links followed,
/// inside every repository the path is named in ([`repositories_of`]): a
/// pull request that plants `reports -> /somewhere` must not choose where
/// `--output-file reports/x.sarif` lands. Outside any repository a path
/// means what it says. A directory that does not resolve is left to the
/// writer to report. The error is the repository left.
fn dir_confined_in(path: &Path, cwd: &Path) -> Result<(), PathBuf> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let Ok(real) = std::fs::canonicalize(cwd.join(dir)) else {
        return Ok(());
    };
    match left_repository(path, &real, cwd) {
        Some(root) => Err(root),
        None => Ok(()),
    }
}

/// Whether [`replace_file_with`] checks where the file's directory leads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Confine {
    /// A path the user named (a report, a baseline): its directory must not
    /// be led out of the repository by a link ([`dir_confined_in`]).
    Directory,
    /// A file that was read where it is named, under [`confined`] (which
    /// `--follow` may lift): written back where it was read.
    AsRead,
}

/// Write a file by replacing it: the text goes to a new file in the same
/// directory, which is then renamed over `path`. So a symbolic link at
/// `path` is replaced, never written through (a pull request that plants
/// `jobcheck.sarif -> ../tool` changes nothing outside the checkout; a
/// directory link out of the repository on the way is refused, see
/// [`dir_confined_in`]), and
/// an existing file's inode (its other hard links, its mode) is left alone.
/// The new file's mode is 0644 less the umask.
pub fn replace_file(
    path: &Path,
    write: impl FnOnce(&mut (dyn std::io::Write + Send)) -> std::io::Result<()>,
) -> std::io::Result<()> {
    replace_file_with(path, None, Confine::Directory, write)
}

/// [`replace_file`], with the new file given `permissions` (a fixed job
/// file keeps its own) instead of 0644 less the umask. The new file and the
/// rename are flushed to disk, so a reader sees the old file or the new
/// one, never half of one.
pub fn replace_file_with(
    path: &Path,
    permissions: Option<std::fs::Permissions>,
    confine: Confine,
    write: impl FnOnce(&mut (dyn std::io::Write + Send)) -> std::io::Result<()>,
) -> std::io::Result<()> {
    use std::io::Write;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if std::fs::symlink_metadata(path).is_ok_and(|m| m.is_dir()) {
        return Err(std::io::Error::other(format!(
            "`{}` is a directory",
            path.display()
        )));
    }
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
    if confine == Confine::Directory
        && let Err(root) = dir_confined_in(path, &cwd)
    {
        return Err(std::io::Error::new(
            std::io::ErrorKind::PermissionDenied,
            format!(
                "`{}` is reached through a symbolic link that leads outside the repository \
                 `{}`, so nothing is written there (a link in a repository may point \
                 anywhere; name the directory it points to if that is meant)",
                shown(&display_in(path, Some(&cwd))),
                shown(&root.display().to_string())
            ),
        ));
    }
    let mut file = tempfile::Builder::new()
        .prefix(".jobcheck-")
        .suffix(".tmp")
        .tempfile_in(dir)?;
    {
        let mut w = std::io::BufWriter::new(file.as_file_mut());
        write(&mut w)?;
        w.flush()?;
    }
    match permissions {
        Some(permissions) => file.as_file().set_permissions(permissions)?,
        None => {
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                // SAFETY: umask only swaps the process's mask; it is put
                // back at once (no other thread creates files meanwhile).
                let mask = unsafe {
                    let mask = libc::umask(0o022);
                    libc::umask(mask);
                    mask
                };
                let mode = 0o644 & !(mask as u32);
                file.as_file()
                    .set_permissions(std::fs::Permissions::from_mode(mode))?;
            }
        }
    }
    file.as_file().sync_all()?;
    file.persist(path).map_err(|e| e.error)?;
    // The rename itself is made durable with the directory.
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
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

/// A file name as a message may show it: control characters, bidi
/// controls and line breaks escaped (`\n`, `\u{202e}`), by the one escaping
/// function every output uses.
pub fn shown(text: &str) -> String {
    crate::escape::text(text).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Files opened through the directory a reader holds are the files
    /// their paths name, from one directory to another and back, and a
    /// missing one fails as an open of its path does.
    #[test]
    fn inputs_opened_in_a_held_directory_are_the_files_their_paths_name() {
        let dir = tempfile::tempdir().unwrap();
        for (sub, name) in [("a", "1.yaml"), ("a", "2.yaml"), ("b", "1.yaml")] {
            std::fs::create_dir_all(dir.path().join(sub)).unwrap();
            std::fs::write(dir.path().join(sub).join(name), format!("{sub}/{name}")).unwrap();
        }
        let mut dirs = Dirs::default();
        let read = |path: &Path, dirs: &mut Dirs| {
            let (mut file, meta) = open_input_in(path, dirs)?;
            let mut text = String::new();
            file.read_to_string(&mut text)?;
            assert_eq!(meta.len() as usize, text.len());
            Ok::<_, std::io::Error>(text)
        };
        for (sub, name) in [
            ("a", "1.yaml"),
            ("a", "2.yaml"),
            ("b", "1.yaml"),
            ("a", "1.yaml"),
        ] {
            let path = dir.path().join(sub).join(name);
            assert_eq!(read(&path, &mut dirs).unwrap(), format!("{sub}/{name}"));
        }
        let missing = dir.path().join("b").join("3.yaml");
        let (held, by_path) = (
            read(&missing, &mut dirs).unwrap_err(),
            read(&missing, &mut Dirs::default()).unwrap_err(),
        );
        assert_eq!(held.kind(), std::io::ErrorKind::NotFound);
        assert_eq!(held.to_string(), by_path.to_string());
        // A file whose directory is gone fails to open.
        std::fs::remove_dir_all(dir.path().join("a")).unwrap();
        let gone = dir.path().join("a").join("1.yaml");
        assert!(read(&gone, &mut dirs).is_err());
    }

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
