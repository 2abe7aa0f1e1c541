//! The command builder of `tests/support/cli.rs` is hermetic: whatever the
//! developer's shell holds, the binary under test sees none of it.
//!
//! The test process must not change its own environment (tests run in
//! parallel threads), so the proof runs this test binary again, as a child
//! with a poisoned environment, filtered to one test that checks a run of
//! the binary. A control run shows that the poison does change what the
//! binary does when it is passed on, so the proof cannot pass vacuously.

use crate::support;

use std::path::Path;
use std::process::Command;

use support::cli::{HOME_VARS, command, home, jobcheck, passed_on, root};

/// Set by the parent in the child's environment.
const POISONED: &str = "JOBCHECK_TEST_POISONED";

const ARGS: &[&str] = &[
    "check",
    "--limits",
    "examples/limits.yaml",
    "examples/jobs/good",
];

/// What `ARGS` print from the repository root in a clean environment.
const CLEAN: &str =
    "5 jobs in 4 files: 5 admitted, 0 rejected, 0 unjudged (0 errors, 0 warnings)\n";

/// Every variable that changes what jobcheck does, or that a developer
/// could have set for the platform, with a value that would show.
fn poison(user_config: &Path) -> Vec<(String, String)> {
    let nowhere = "http://127.0.0.1:9";
    let mut vars: Vec<(&str, &str)> = vec![
        ("JOBCHECK_LIMITS", "/nonexistent/limits.yaml"),
        ("JOBCHECK_FORMAT", "sarif"),
        ("JOBCHECK_CONFIG", "/nonexistent/jobcheck.toml"),
        ("JOBCHECK_TOKEN", "bogus.e30.token"),
        ("JOBCHECK_TOKEN_FILE", "/nonexistent/token"),
        ("JOBCHECK_ENDPOINT", nowhere),
        ("JOBCHECK_AUTH_URL", nowhere),
        ("JOBCHECK_AC_URL", nowhere),
        ("JOBCHECK_CLUSTER", "Atlantis"),
        ("JOBCHECK_USER", "mallory"),
        ("JOBCHECK_ACCESS_KEY", "AKID-poison"),
        ("JOBCHECK_SECRET_KEY", "SK-poison"),
        ("JOBCHECK_TIMEOUT", "not-a-number"),
        ("JOBCHECK_CACHE_TTL", "not-a-duration"),
        ("JOBCHECK_CACHE_DIR", "/nonexistent/cache"),
        ("SCNET_TOKEN", "bogus"),
        ("AC_TOKEN", "bogus"),
        ("GITHUB_ACTIONS", "true"),
        ("NO_COLOR", "1"),
        ("TERM", "xterm-256color"),
        ("http_proxy", nowhere),
        ("HTTPS_PROXY", nowhere),
        ("ALL_PROXY", nowhere),
        ("NO_PROXY", ""),
    ];
    let user_config = user_config.to_str().expect("a UTF-8 temporary path");
    vars.push(("XDG_CONFIG_HOME", user_config));
    vars.push(("HOME", user_config));
    vars.into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

/// A user configuration that no run can read without failing.
fn broken_user_config() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for sub in ["jobcheck", ".config/jobcheck"] {
        std::fs::create_dir_all(dir.path().join(sub)).unwrap();
        std::fs::write(dir.path().join(sub).join("config.toml"), "[rules\n").unwrap();
    }
    dir
}

/// Run in the child only in earnest; in a normal run it checks the same
/// thing in whatever environment `cargo test` was given.
#[test]
fn child_the_builders_run_as_in_a_clean_environment() {
    if std::env::var_os(POISONED).is_some() {
        // The poison did reach this process: the builder has work to do.
        assert_eq!(std::env::var("JOBCHECK_FORMAT").as_deref(), Ok("sarif"));
        assert_eq!(std::env::var("GITHUB_ACTIONS").as_deref(), Ok("true"));
    }
    let out = jobcheck().args(ARGS).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(String::from_utf8_lossy(&out.stdout), CLEAN, "{stderr}");
    assert_eq!(stderr, "");
    let out = command().args(ARGS).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stdout), CLEAN);
}

#[test]
fn nothing_of_the_developers_environment_reaches_the_binary() {
    let user_config = broken_user_config();
    let poison = poison(user_config.path());

    // Control: passed on, the poison changes the outcome.
    let out = Command::new(env!("CARGO_BIN_EXE_jobcheck"))
        .current_dir(root())
        .args(ARGS)
        .envs(poison.iter().map(|(k, v)| (k, v)))
        .output()
        .unwrap();
    assert_ne!(
        (out.status.code(), String::from_utf8_lossy(&out.stdout)),
        (Some(0), CLEAN.into()),
        "the poison changes nothing, so this test would prove nothing"
    );

    // The child: this test binary, one test, the poison on top of
    // everything this process has.
    let test = module_path!()
        .split_once("::")
        .map_or(module_path!(), |(_, m)| m);
    let name = format!("{test}::child_the_builders_run_as_in_a_clean_environment");
    let out = Command::new(std::env::current_exe().unwrap())
        .args([name.as_str(), "--exact", "--test-threads", "1"])
        .envs(poison.iter().map(|(k, v)| (k, v)))
        .env(POISONED, "1")
        .output()
        .unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{said}");
    assert!(
        said.contains("test result: ok. 1 passed"),
        "the filter must select exactly the child test: {said}"
    );
}

/// What `command` sets explicitly is the allow-list and the home
/// variables, nothing else (`env_clear` drops the rest, as the test above
/// shows by running it).
#[test]
fn the_builder_sets_only_the_allow_list_and_the_home() {
    let cmd = command();
    for (name, value) in cmd.get_envs() {
        let name = name.to_str().unwrap();
        if let Some((_, below)) = HOME_VARS.iter().find(|(n, _)| *n == name) {
            let value = Path::new(value.expect("set, not removed"));
            assert!(value.starts_with(home()), "{name}={value:?}");
            assert!(value.ends_with(below), "{name}={value:?}");
        } else {
            assert!(passed_on(name), "{name} is passed on");
        }
    }
    assert!(home().is_dir());
    assert_eq!(cmd.get_current_dir(), Some(root().as_path()));
}
