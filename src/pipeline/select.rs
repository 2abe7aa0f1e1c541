//! Which files are job files: paths named on the command line
//! are always checked; directories are walked as ripgrep walks them.
//!
//! In a walked directory, hidden files and directories are skipped,
//! `.ignore` files are honoured everywhere and `.gitignore` (with
//! `.git/info/exclude` and git's global excludes) inside a git repository,
//! as in ripgrep; only `*.yaml`, `*.yml` and `*.json` files are read.
//! `--exclude` globs (relative to the working directory) and the
//! configuration's `include` / `exclude` globs (relative to its directory)
//! narrow the walk further. Globs use the `.gitignore` syntax. Each file is
//! read once, however many times it is named.

use std::collections::HashSet;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex, mpsc};

use ignore::gitignore::{Gitignore, GitignoreBuilder};

use super::input::{Input, Source};
use crate::fsread::display_in;
pub use crate::fsread::display_path;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum UsageError {
    #[error("`{0}` does not exist")]
    NotFound(String),
    #[error("no input files: give files, directories or `-` for standard input")]
    NoInputs,
    #[error("cannot read directory `{0}`: {1}")]
    Unreadable(String, String),
    #[error("`{0}` is not a glob: {1}")]
    BadGlob(String, String),
    #[error("`{0}`: {1}")]
    Refused(String, String),
}

/// What narrows a walk, beside ignore files and hidden names.
#[derive(Clone, Debug, Default)]
pub struct Selection {
    /// The name standard input goes by.
    pub stdin_name: Option<String>,
    /// `--exclude`: globs relative to the working directory.
    pub exclude: Vec<String>,
    /// The configuration's directory, where its globs start.
    pub config_dir: Option<PathBuf>,
    /// The configuration's `include` globs: when any, only files matching
    /// one of them are taken from a walk.
    pub include: Vec<String>,
    /// The configuration's `exclude` globs.
    pub config_exclude: Vec<String>,
    /// `--follow`: read a file or directory named here even when, inside a
    /// repository, a symbolic link takes it outside the repository.
    pub follow: bool,
}

/// Compiled globs, each set with the directory it is relative to.
#[derive(Clone, Default)]
struct Matchers {
    exclude: Vec<Gitignore>,
    include: Option<Gitignore>,
}

fn build(root: &Path, globs: &[String]) -> Result<Gitignore, UsageError> {
    let mut builder = GitignoreBuilder::new(root);
    for glob in globs {
        if let Err(e) = builder.add_line(None, glob) {
            return Err(UsageError::BadGlob(glob.clone(), e.to_string()));
        }
    }
    builder
        .build()
        .map_err(|e| UsageError::BadGlob(globs.join(" "), e.to_string()))
}

/// Whether a set of globs matches the path itself (the walk has already
/// looked at its parents).
fn hits(m: &Gitignore, path: &Path, is_dir: bool) -> bool {
    path.starts_with(m.path()) && path != m.path() && m.matched(path, is_dir).is_ignore()
}

impl Matchers {
    fn new(selection: &Selection, cwd: &Path) -> Result<Matchers, UsageError> {
        let mut m = Matchers::default();
        if !selection.exclude.is_empty() {
            m.exclude.push(build(cwd, &selection.exclude)?);
        }
        if let Some(dir) = &selection.config_dir {
            let dir = absolute(dir, cwd);
            if !selection.config_exclude.is_empty() {
                m.exclude.push(build(&dir, &selection.config_exclude)?);
            }
            if !selection.include.is_empty() {
                m.include = Some(build(&dir, &selection.include)?);
            }
        }
        Ok(m)
    }

    fn excluded(&self, path: &Path, is_dir: bool) -> bool {
        self.exclude.iter().any(|m| hits(m, path, is_dir))
    }

    /// Outside the configuration's directory its `include` says nothing.
    fn included(&self, path: &Path) -> bool {
        match &self.include {
            Some(m) if path.starts_with(m.path()) => {
                m.matched_path_or_any_parents(path, false).is_ignore()
            }
            _ => true,
        }
    }
}

/// Whether the globs (the configuration's `include` and `exclude`, and
/// `exclude` relative to `cwd`) take a file: for one file at a time, as an
/// editor opens it. Ignore files and hidden names are not looked at; bad
/// globs take every file.
pub fn selected(path: &Path, selection: &Selection, cwd: &Path) -> bool {
    let Ok(m) = Matchers::new(selection, cwd) else {
        return true;
    };
    let path = absolute(path, cwd);
    let excluded = m.exclude.iter().any(|g| {
        path.starts_with(g.path()) && g.matched_path_or_any_parents(&path, false).is_ignore()
    });
    !excluded && m.included(&path)
}

/// Whether a walk of `root` would take the file at `path` (for one file at
/// a time, as an editor opens it): a job file name, no hidden name below
/// `root`, not ignored by a `.ignore` file or (inside a git repository) a
/// `.gitignore` file between `root` and the file, and taken by the globs.
/// A file outside `root` is judged by the globs and its name only.
pub fn walk_takes(path: &Path, root: &Path, selection: &Selection) -> bool {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
    let root = absolute(root, &cwd);
    let path = absolute(path, &root);
    if !is_job_file(&path) {
        return false;
    }
    if let Ok(below) = path.strip_prefix(&root) {
        let hidden = below
            .components()
            .any(|c| matches!(c, Component::Normal(n) if n.to_string_lossy().starts_with('.')));
        if hidden || ignored(&path, &root) {
            return false;
        }
    }
    selected(&path, selection, &root)
}

/// Whether the ignore files from `root` down to the file's directory ignore
/// it: the deepest file that says anything decides, `.ignore` before
/// `.gitignore`, as ripgrep reads them.
fn ignored(path: &Path, root: &Path) -> bool {
    let in_git = root.ancestors().any(|d| d.join(".git").exists());
    let Some(parent) = path.parent() else {
        return false;
    };
    for dir in parent.ancestors() {
        let mut names = vec![".ignore"];
        if in_git {
            names.push(".gitignore");
        }
        for name in names {
            let file = dir.join(name);
            if !file.is_file() {
                continue;
            }
            let (matcher, _) = Gitignore::new(&file);
            let m = matcher.matched_path_or_any_parents(path, false);
            if m.is_ignore() {
                return true;
            }
            if m.is_whitelist() {
                return false;
            }
        }
        if dir == root {
            break;
        }
    }
    false
}

/// `path` made absolute against `cwd`, `.` and `..` resolved by name (links
/// are not followed: globs speak of paths as written).
fn absolute(path: &Path, cwd: &Path) -> PathBuf {
    crate::fsread::lexical(path, cwd)
}

/// A path named on the command line, checked before anything of it is
/// read: it exists, and no link takes it out of its repository (a pull
/// request can add `jobs -> /etc`) unless `--follow` says so.
fn named(path: &Path, selection: &Selection, cwd: &Path) -> Result<std::fs::Metadata, UsageError> {
    let meta =
        std::fs::metadata(path).map_err(|_| UsageError::NotFound(display_in(path, Some(cwd))))?;
    crate::fsread::confined(path, selection.follow, false)
        .map_err(|e| UsageError::Refused(display_in(path, Some(cwd)), e.to_string()))?;
    Ok(meta)
}

/// A run's inputs: those listed, then (when one directory is walked
/// while the run reads) those the walk is still finding, in order.
pub struct Inputs {
    listed: Vec<Input>,
    walking: Option<mpsc::Receiver<Result<Input, UsageError>>>,
    failed: Arc<Mutex<Option<UsageError>>>,
}

impl From<Vec<Input>> for Inputs {
    fn from(listed: Vec<Input>) -> Inputs {
        Inputs {
            listed,
            walking: None,
            failed: Arc::default(),
        }
    }
}

/// Files a walk may find ahead of the readers (a bound on its memory).
const WALK_AHEAD: usize = 4096;
/// Files waited for before a run starts: a walk that finds no more than
/// these has ended, and its files are read as a list.
const LISTED_FIRST: usize = 256;

impl Inputs {
    /// How many inputs there are, once the walk has ended.
    pub fn count(&self) -> Option<usize> {
        self.walking.is_none().then_some(self.listed.len())
    }

    /// Where a walk that stops early says why (a directory that cannot be
    /// listed), once the run has taken every input.
    pub fn failure(&self) -> Arc<Mutex<Option<UsageError>>> {
        Arc::clone(&self.failed)
    }

    /// The inputs listed, and those still to come.
    pub fn split(self) -> (Vec<Input>, impl Iterator<Item = Input> + Send) {
        let (mut walking, failed) = (self.walking, self.failed);
        let rest = std::iter::from_fn(move || match walking.as_ref()?.recv() {
            Ok(Ok(input)) => Some(input),
            Ok(Err(e)) => {
                if let Ok(mut f) = failed.lock() {
                    *f = Some(e);
                }
                walking = None;
                None
            }
            Err(_) => None,
        });
        (self.listed, rest)
    }

    /// Every input, once the walk has ended, or why it stopped.
    pub fn into_vec(self) -> Result<Vec<Input>, UsageError> {
        let failed = self.failure();
        let (mut listed, rest) = self.split();
        listed.extend(rest);
        match failed.lock().ok().and_then(|mut f| f.take()) {
            Some(e) => Err(e),
            None => Ok(listed),
        }
    }
}

/// The command line's paths as [`collect_inputs`] lists them; a single
/// directory is walked on a thread of its own while the run reads the
/// files found so far. A walk that finds nothing, or fails among its first
/// files, is an error before the run starts.
pub fn stream_inputs(paths: &[PathBuf], selection: &Selection) -> Result<Inputs, UsageError> {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
    let [dir] = paths else {
        return collect_inputs(paths, selection).map(Inputs::from);
    };
    if dir.as_os_str() == "-" || !std::fs::metadata(dir).is_ok_and(|m| m.is_dir()) {
        return collect_inputs(paths, selection).map(Inputs::from);
    }
    let matchers = Arc::new(Matchers::new(selection, &cwd)?);
    named(dir, selection, &cwd)?;
    let (sender, receiver) = mpsc::sync_channel(WALK_AHEAD);
    let (root, here) = (dir.clone(), cwd.clone());
    let walker = std::thread::Builder::new()
        .name("jobcheck-walk".into())
        .spawn(move || {
            let to = &sender;
            if let Err(e) = walk(&root, &here, &matchers, None, &mut |i| {
                to.send(Ok(i)).is_ok()
            }) {
                let _ = sender.send(Err(e));
            }
        });
    if walker.is_err() {
        return collect_inputs(paths, selection).map(Inputs::from);
    }
    let mut listed = Vec::new();
    while listed.len() < LISTED_FIRST {
        match receiver.recv() {
            Ok(Ok(input)) => listed.push(input),
            Ok(Err(e)) => return Err(e),
            Err(_) if listed.is_empty() => return Err(UsageError::NoInputs),
            Err(_) => return Ok(Inputs::from(listed)),
        }
    }
    Ok(Inputs {
        listed,
        walking: Some(receiver),
        failed: Arc::default(),
    })
}

/// Expand the command line's paths: files as given, directories walked
/// (sorted by name) for job files, and `-` for standard input.
pub fn collect_inputs(paths: &[PathBuf], selection: &Selection) -> Result<Vec<Input>, UsageError> {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
    let matchers = Arc::new(Matchers::new(selection, &cwd)?);
    let mut inputs = Vec::new();
    let mut seen = HashSet::new();
    for path in paths {
        if path.as_os_str() == "-" {
            inputs.push(Input {
                display: selection
                    .stdin_name
                    .clone()
                    .unwrap_or_else(|| "<stdin>".to_string()),
                source: Source::Stdin,
                walked: false,
            });
            continue;
        }
        if named(path, selection, &cwd)?.is_dir() {
            // Alone on the command line, a walk lists each file once (it
            // follows no link): no identity to remember.
            let seen = (paths.len() > 1).then_some(&mut seen);
            walk(path, &cwd, &matchers, seen, &mut |input| {
                inputs.push(input);
                true
            })?;
        } else {
            push_once(path.clone(), &cwd, &mut seen, &mut inputs);
        }
    }
    if inputs.is_empty() {
        return Err(UsageError::NoInputs);
    }
    Ok(inputs)
}

/// Add a file named on the command line unless it was added already under
/// another name.
fn push_once(path: PathBuf, cwd: &Path, seen: &mut HashSet<PathBuf>, inputs: &mut Vec<Input>) {
    let identity = std::fs::canonicalize(&path).unwrap_or_else(|_| absolute(&path, cwd));
    push_as(identity, path, cwd, seen, inputs, false);
}

/// Add a file under its identity (its real path) unless that was added.
fn push_as(
    identity: PathBuf,
    path: PathBuf,
    cwd: &Path,
    seen: &mut HashSet<PathBuf>,
    inputs: &mut Vec<Input>,
    walked: bool,
) {
    if seen.insert(identity) {
        inputs.push(Input {
            display: display_in(&path, Some(cwd)),
            source: Source::File(path),
            walked,
        });
    }
}

/// Walk `dir`, handing each job file found to `emit` in the order of a
/// walk sorted by name (each directory's entries by name, depth first:
/// `a/b` before `a-b`), until `emit` says to stop.
fn walk(
    dir: &Path,
    cwd: &Path,
    matchers: &Arc<Matchers>,
    mut seen: Option<&mut HashSet<PathBuf>>,
    emit: &mut dyn FnMut(Input) -> bool,
) -> Result<(), UsageError> {
    let mut builder = ignore::WalkBuilder::new(dir);
    // ripgrep's defaults: hidden names skipped, `.ignore` everywhere,
    // `.gitignore` and git's excludes inside a repository, links not followed.
    builder
        .standard_filters(true)
        .follow_links(false)
        // Siblings compared by their whole paths' bytes: the same order as
        // by their names, without taking each name apart again at every
        // comparison (three times slower over 10,000 files).
        .sort_by_file_path(walk_order);
    // The walk follows no link, so a file's real path is the directory's
    // real path joined with the file's path below it: one `canonicalize`
    // per walked directory, not one per file.
    let real_root = seen
        .is_some()
        .then(|| std::fs::canonicalize(dir).unwrap_or_else(|_| absolute(dir, cwd)));
    let filter = Arc::clone(matchers);
    let base = cwd.to_path_buf();
    builder.filter_entry(move |entry| {
        // A directory named on the command line is walked whatever the globs.
        entry.depth() == 0 || filter.exclude.is_empty() || {
            let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
            !filter.excluded(&absolute(entry.path(), &base), is_dir)
        }
    });
    for result in builder.build() {
        let entry = match result {
            Ok(entry) => entry,
            Err(e) => match e.io_error() {
                // A directory that cannot be listed; a bad line in an
                // ignore file is skipped, as ripgrep does.
                Some(io) => {
                    return Err(UsageError::Unreadable(
                        display_in(dir, Some(cwd)),
                        io.to_string(),
                    ));
                }
                None => continue,
            },
        };
        let is_file = entry.file_type().is_some_and(|t| t.is_file());
        if !(is_file
            && is_job_file(entry.path())
            && (matchers.include.is_none() || matchers.included(&absolute(entry.path(), cwd))))
        {
            continue;
        }
        let path = entry.into_path();
        if let (Some(seen), Some(real_root)) = (seen.as_deref_mut(), &real_root) {
            let below = path.strip_prefix(dir).unwrap_or(&path);
            if !seen.insert(real_root.join(below)) {
                continue;
            }
        }
        let input = Input {
            display: display_in(&path, Some(cwd)),
            source: Source::File(path),
            walked: true,
        };
        if !emit(input) {
            break;
        }
    }
    Ok(())
}

/// The order of two paths of one directory's entries, as by their names:
/// their bytes compared from the first that differs (past the directory's
/// path they share), a separator below every other byte.
fn walk_order(a: &Path, b: &Path) -> std::cmp::Ordering {
    let (a, b) = (
        a.as_os_str().as_encoded_bytes(),
        b.as_os_str().as_encoded_bytes(),
    );
    // Eight bytes at a time over the common prefix, then byte by byte.
    let n = a.len().min(b.len());
    let mut same = 0;
    while same + 8 <= n && a[same..same + 8] == b[same..same + 8] {
        same += 8;
    }
    while same < n && a[same] == b[same] {
        same += 1;
    }
    let rank = |s: &[u8]| {
        s.get(same).map(|&c| match c {
            c if std::path::is_separator(char::from(c)) => 0,
            c => u16::from(c) + 1,
        })
    };
    rank(a).cmp(&rank(b))
}

/// A name a walk reads as a job file: `*.yaml`, `*.yml`, `*.json`.
pub fn is_job_file(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| matches!(e.to_ascii_lowercase().as_str(), "yaml" | "yml" | "json"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A directory walked while the run reads lists what a walk collected
    /// first lists, in the same order; a small or empty one is known at once.
    #[test]
    fn a_walk_while_reading_lists_what_a_collected_walk_lists() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for i in 0..(LISTED_FIRST * 3) {
            let path = root.join(format!("d{}/s{}/job-{i:04}.yaml", i % 7, i % 3));
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, "cpus: 1\n").unwrap();
        }
        std::fs::write(root.join("d1-x.yaml"), "cpus: 1\n").unwrap();
        let paths = [root.to_path_buf()];
        let selection = Selection::default();
        let streamed = stream_inputs(&paths, &selection).unwrap();
        assert_eq!(streamed.count(), None, "still walking when the run starts");
        let collected = collect_inputs(&paths, &selection).unwrap();
        assert_eq!(collected.len(), LISTED_FIRST * 3 + 1);
        assert_eq!(streamed.into_vec().unwrap(), collected);

        let small = tempfile::tempdir().unwrap();
        for name in ["b.yaml", "a.yaml"] {
            std::fs::write(small.path().join(name), "cpus: 1\n").unwrap();
        }
        let paths = [small.path().to_path_buf()];
        let streamed = stream_inputs(&paths, &selection).unwrap();
        assert_eq!(streamed.count(), Some(2));
        assert_eq!(
            streamed.into_vec().unwrap(),
            collect_inputs(&paths, &selection).unwrap()
        );

        let empty = tempfile::tempdir().unwrap();
        let paths = [empty.path().to_path_buf()];
        assert!(matches!(
            stream_inputs(&paths, &selection),
            Err(UsageError::NoInputs)
        ));
    }

    /// A walk that fails after the run started ends the inputs there, and
    /// says why once they are taken.
    #[test]
    fn a_walk_that_fails_midway_ends_the_inputs_and_says_why() {
        let input = |name: &str| Input {
            display: name.into(),
            source: Source::Bytes(b"cpus: 1\n".to_vec()),
            walked: true,
        };
        let failing = || {
            let (sender, receiver) = mpsc::sync_channel(8);
            sender.send(Ok(input("b.yaml"))).unwrap();
            sender
                .send(Err(UsageError::Unreadable("d".into(), "denied".into())))
                .unwrap();
            sender.send(Ok(input("never.yaml"))).unwrap();
            Inputs {
                listed: vec![input("a.yaml")],
                walking: Some(receiver),
                failed: Arc::default(),
            }
        };
        let inputs = failing();
        let failure = inputs.failure();
        let (listed, rest) = inputs.split();
        let names: Vec<String> = listed.into_iter().chain(rest).map(|i| i.display).collect();
        assert_eq!(names, ["a.yaml", "b.yaml"]);
        assert!(matches!(
            failure.lock().unwrap().take(),
            Some(UsageError::Unreadable(..))
        ));
        assert!(matches!(
            failing().into_vec(),
            Err(UsageError::Unreadable(..))
        ));
    }

    #[test]
    fn a_walk_lists_each_directory_by_name_depth_first() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for name in [
            "ab.yaml",
            "a.yaml",
            "a/z.yaml",
            "a/b/c.yaml",
            "a-b.yaml",
            "a.b/x.yaml",
            "B.yaml",
        ] {
            let path = root.join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, "cpus: 1\n").unwrap();
        }
        let inputs = collect_inputs(&[root.to_path_buf()], &Selection::default()).unwrap();
        let names: Vec<String> = inputs
            .iter()
            .map(|i| match &i.source {
                Source::File(p) => p
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/"),
                _ => panic!("not a file"),
            })
            .collect();
        // Not the order of the whole paths as strings (`a-b.yaml` and
        // `a.b/x.yaml` would come before `a/b/c.yaml`).
        assert_eq!(
            names,
            [
                "B.yaml",
                "a/b/c.yaml",
                "a/z.yaml",
                "a-b.yaml",
                "a.b/x.yaml",
                "a.yaml",
                "ab.yaml"
            ]
        );
    }

    #[test]
    fn selected_applies_include_and_exclude_to_one_file() {
        let selection = Selection {
            config_dir: Some(PathBuf::from("/w/repo")),
            include: vec!["jobs/".into()],
            config_exclude: vec!["jobs/drafts/".into(), "*.tmp.yaml".into()],
            ..Selection::default()
        };
        let cwd = Path::new("/w/repo");
        let take = |p: &str| selected(Path::new(p), &selection, cwd);
        assert!(take("/w/repo/jobs/a.yaml"));
        assert!(take("jobs/deep/b.json"));
        assert!(!take("/w/repo/package.json"));
        assert!(!take("/w/repo/jobs/drafts/c.yaml"));
        assert!(!take("/w/repo/jobs/x.tmp.yaml"));
        // Outside the configuration's directory its include says nothing.
        assert!(take("/elsewhere/d.yaml"));
        assert!(selected(
            Path::new("/w/repo/package.json"),
            &Selection::default(),
            cwd
        ));
    }

    #[test]
    fn absolute_resolves_dots_by_name() {
        let cwd = Path::new("/w/repo");
        assert_eq!(
            absolute(Path::new("./jobs/a.yaml"), cwd),
            Path::new("/w/repo/jobs/a.yaml")
        );
        assert_eq!(absolute(Path::new("../x/./y"), cwd), Path::new("/w/x/y"));
        assert_eq!(absolute(Path::new("/abs"), cwd), Path::new("/abs"));
    }

    #[test]
    fn globs_are_relative_to_their_directory() {
        let selection = Selection {
            exclude: vec!["scratch/".into(), "*.tmp.yaml".into()],
            config_dir: Some(PathBuf::from("/w/repo")),
            include: vec!["jobs/".into()],
            config_exclude: vec!["/jobs/old".into()],
            ..Selection::default()
        };
        let m = Matchers::new(&selection, Path::new("/w/repo/sub")).unwrap();
        assert!(m.excluded(Path::new("/w/repo/sub/scratch"), true));
        assert!(
            !m.excluded(Path::new("/w/repo/scratch"), true),
            "relative to the working directory"
        );
        assert!(m.excluded(Path::new("/w/repo/sub/deep/a.tmp.yaml"), false));
        assert!(m.excluded(Path::new("/w/repo/jobs/old"), true));
        assert!(
            !m.excluded(Path::new("/w/repo/sub/jobs/old"), true),
            "anchored"
        );
        assert!(m.included(Path::new("/w/repo/jobs/a.yaml")));
        assert!(m.included(Path::new("/w/repo/jobs/deep/a.yaml")));
        assert!(!m.included(Path::new("/w/repo/ci/limits.yaml")));
        assert!(
            m.included(Path::new("/elsewhere/a.yaml")),
            "outside the config's directory"
        );
    }

    #[test]
    fn a_bad_glob_is_a_usage_error() {
        let selection = Selection {
            exclude: vec!["jobs/[z-a]".into()],
            ..Selection::default()
        };
        assert!(matches!(
            Matchers::new(&selection, Path::new("/w")),
            Err(UsageError::BadGlob(..))
        ));
    }
}
