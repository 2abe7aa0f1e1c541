//! The one way the tests run the binary: from the repository root, with an
//! environment that holds nothing of the developer's.
//!
//! [`command`] clears the whole environment and passes on only an
//! allow-list ([`PASSED_ON`]: the search path, where temporary files go, and
//! what Windows needs to start a process at all). `HOME`, the XDG
//! directories and their Windows counterparts point into an empty directory
//! of this test run, so neither a user configuration nor a user cache is
//! read. A developer's own `JOBCHECK_*`, `SCNET_*`, `AC_*`, `XDG_*`,
//! proxy, `NO_COLOR`, `TERM` or `GITHUB_ACTIONS` can never reach a test: a
//! test that wants one sets it on the command. `tests/hermetic.rs` proves
//! this by running a test in a poisoned environment.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

use assert_cmd::Command;

/// The variables passed on from the test's own environment, when set. None
/// of them is read by jobcheck; they let a process start and find programs.
pub const PASSED_ON: &[&str] = &[
    "PATH",
    "TMPDIR",
    // Windows: a process cannot start without SYSTEMROOT; TEMP/TMP are its TMPDIR.
    "SYSTEMROOT",
    "SYSTEMDRIVE",
    "TEMP",
    "TMP",
    // Coverage runs: where an instrumented binary writes its profile.
    "LLVM_PROFILE_FILE",
];

/// Whether the variable `name` is passed on ([`PASSED_ON`]).
pub fn passed_on(name: &str) -> bool {
    PASSED_ON.contains(&name)
}

/// The variables that name the user's home and its configuration and cache
/// directories, each with where it points inside [`home`].
pub const HOME_VARS: &[(&str, &str)] = &[
    ("HOME", ""),
    ("XDG_CONFIG_HOME", ".config"),
    ("XDG_CACHE_HOME", ".cache"),
    ("XDG_DATA_HOME", ".local/share"),
    ("XDG_STATE_HOME", ".local/state"),
    ("USERPROFILE", ""),
    ("APPDATA", "AppData/Roaming"),
    ("LOCALAPPDATA", "AppData/Local"),
];

/// A hang guard, not a deadline: [`jobcheck`] kills a run still going
/// after this long, and its exit code (none: -1 in [`Run`]) fails the test.
/// Generous: the slowest run in the tests takes about 7 s on a quiet
/// machine and 33 s on a loaded one. No test asserts an upper bound on
/// wall time otherwise; they count events (requests, attempts, mints).
pub const HANG_GUARD: Duration = Duration::from_secs(120);

pub fn root() -> PathBuf {
    native(env!("CARGO_MANIFEST_DIR"))
}

/// A path cargo gave at build time, made absolute here. The same on Unix;
/// for the Windows build cross-compiled here and run under Wine, cargo's
/// `/work/...` has no drive, and a process whose current directory is on
/// another drive (a temporary directory on `C:`) would look for it there.
fn native(path: &str) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| PathBuf::from(path))
}

/// An empty directory of this test run (one per test process, under
/// cargo's `target/tmp`) that stands for the user's home. A test process
/// cannot remove it when it ends, so the homes of runs more than a day old
/// are removed when a new one is made.
pub fn home() -> &'static Path {
    static HOME: OnceLock<PathBuf> = OnceLock::new();
    HOME.get_or_init(|| {
        let tmp = &native(env!("CARGO_TARGET_TMPDIR"));
        let day = Duration::from_secs(24 * 3600);
        for entry in std::fs::read_dir(tmp).into_iter().flatten().flatten() {
            let old = entry
                .metadata()
                .and_then(|m| m.modified())
                .is_ok_and(|t| t.elapsed().is_ok_and(|age| age > day));
            if old && entry.file_name().to_string_lossy().starts_with("home-") {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
        tempfile::Builder::new()
            .prefix("home-")
            .tempdir_in(tmp)
            .expect("a temporary home under target/tmp")
            .keep()
    })
}

/// The binary as a `std::process::Command` (for spawning with pipes),
/// hermetic and run from the repository root.
pub fn command() -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_jobcheck"));
    hermetic(&mut cmd).current_dir(root());
    cmd
}

/// Clear `cmd`'s environment but for what is [`passed_on`], with the home
/// variables pointing into [`home`]: for the binary, or for a program that
/// runs it (as `script` does).
pub fn hermetic(cmd: &mut std::process::Command) -> &mut std::process::Command {
    cmd.env_clear();
    for (name, value) in std::env::vars_os() {
        if name.to_str().is_some_and(passed_on) {
            cmd.env(name, value);
        }
    }
    cmd.envs(home_env(home()))
}

/// [`HOME_VARS`] pointing into `dir`: for a test with a home of its own, so
/// that the configuration and cache directories move with it.
pub fn home_env(dir: &Path) -> Vec<(&'static str, PathBuf)> {
    HOME_VARS
        .iter()
        .map(|(name, below)| match *below {
            "" => (*name, dir.to_path_buf()),
            below => (*name, dir.join(below)),
        })
        .collect()
}

/// The binary as an `assert_cmd::Command`: [`command`], with assert_cmd's
/// output helpers, under the [`HANG_GUARD`].
pub fn jobcheck() -> Command {
    let mut cmd = Command::from_std(command());
    cmd.timeout(HANG_GUARD);
    cmd
}

/// What a finished run said.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// A run killed by a signal (as a hang guard kills one) has code -1.
    pub fn of(out: std::process::Output) -> Run {
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Standard output, then standard error.
    pub fn all(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }
}
