//! Configuration trust, played as an attacker would: a
//! repository's `jobcheck.toml` trying to send the token elsewhere, a file
//! someone else owns or can write, a configuration above the repository.

use crate::support;

use std::path::Path;

use support::cli::{Run, home_env, jobcheck};
use support::{Server, good_token, teslam40};

const JOB: &str = "resourceGroup: TeslaM40\ncpus: 4\ngpus: 1\nmemory: 8G\nwalltime: 1h\n";

fn platform() -> Server {
    Server::platform(vec![("TeslaM40", teslam40())])
}

/// A repository with one job; `user` is the XDG config home.
fn repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("repo/.git")).unwrap();
    std::fs::create_dir_all(dir.path().join("repo/jobs")).unwrap();
    std::fs::write(dir.path().join("repo/jobs/a.yaml"), JOB).unwrap();
    dir
}

fn run(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = in_repo(dir);
    cmd.env("JOBCHECK_TOKEN", good_token())
        .args(["check", "-f", "json"])
        .args(args)
        .envs(env.iter().copied());
    Run::of(cmd.output().unwrap())
}

/// The binary in `dir/repo`, with `dir/xdg` as the user's configuration
/// home, `dir/home` as home and `dir/cache` as the cache.
fn in_repo(dir: &Path) -> assert_cmd::Command {
    let mut cmd = jobcheck();
    cmd.current_dir(dir.join("repo"))
        .env("JOBCHECK_CACHE_DIR", dir.join("cache"))
        .envs(home_env(&dir.join("home")))
        .env("XDG_CONFIG_HOME", dir.join("xdg"));
    cmd
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
}

#[test]
fn a_project_config_may_not_say_where_credentials_go() {
    for key in ["endpoint", "auth-url", "ac-url"] {
        let server = platform();
        let dir = repo();
        write(
            &dir.path().join("repo/jobcheck.toml"),
            &format!("format = \"json\"\n{key} = \"{}\"\n", server.url()),
        );
        // Access keys too, so that minting would have somewhere to go.
        let out = run(
            dir.path(),
            &["jobs"],
            &[
                ("JOBCHECK_USER", "alice"),
                ("JOBCHECK_ACCESS_KEY", "ak"),
                ("JOBCHECK_SECRET_KEY", "sk"),
            ],
        );
        assert_eq!(out.code, 2, "{key}: {}", out.stderr);
        assert!(
            out.stderr.contains(&format!("may not set `{key}`")),
            "{key}: {}",
            out.stderr
        );
        assert!(
            out.stderr.contains("jobcheck.toml:2:1"),
            "{key}: {}",
            out.stderr
        );
        assert!(
            out.stderr.contains("send your token elsewhere"),
            "{}",
            out.stderr
        );
        assert_eq!(server.count(), 0, "{key}: a request left");
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn the_users_own_config_may_name_the_endpoint() {
    let server = platform();
    let dir = repo();
    write(
        &dir.path().join("xdg/jobcheck/config.toml"),
        &format!("endpoint = \"{}\"\n", server.url()),
    );
    let out = run(dir.path(), &["jobs"], &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(server.count(), 1);
    // Without XDG_CONFIG_HOME, ~/.config is read.
    let server = platform();
    let dir = repo();
    write(
        &dir.path().join("home/.config/jobcheck/config.toml"),
        &format!("endpoint = \"{}\"\n", server.url()),
    );
    let out = run(dir.path(), &["jobs"], &[("XDG_CONFIG_HOME", "")]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(server.count(), 1);
}

#[test]
fn the_project_overrides_the_user_and_flags_override_both() {
    let server = platform();
    let dir = repo();
    write(
        &dir.path().join("xdg/jobcheck/config.toml"),
        &format!(
            "endpoint = \"{}\"\nformat = \"concise\"\n[policy.TeslaM40]\ncpus = 2\n",
            server.url()
        ),
    );
    // The user's policy (cpus 2) rejects the 4-cpu job.
    let out = run(dir.path(), &["jobs"], &[]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    // `-f json` (the flag) wins over the user's `format = "concise"`.
    assert!(
        serde_json::from_str::<serde_json::Value>(&out.stdout).is_ok(),
        "{}",
        out.stdout
    );
    // The project's policy wins: 8 cpus allowed.
    write(
        &dir.path().join("repo/jobcheck.toml"),
        "format = \"json\"\n[policy.TeslaM40]\ncpus = 8\n",
    );
    let out = run(dir.path(), &["jobs"], &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    // The endpoint still comes from the user (the answer may be cached).
    assert!(server.count() >= 1);
}

#[test]
fn the_search_stops_at_the_repository_root() {
    let dir = repo();
    // Above the repository: not read (it would be a usage error if it were).
    write(
        &dir.path().join("jobcheck.toml"),
        "this is not toml = = =\n",
    );
    let limits = support::cli::root().join("examples/limits.yaml");
    let out = run(
        dir.path(),
        &["--limits", limits.to_str().unwrap(), "jobs"],
        &[],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    // In the repository: read.
    write(
        &dir.path().join("repo/jobcheck.toml"),
        "this is not toml = = =\n",
    );
    let out = run(
        dir.path(),
        &["--limits", limits.to_str().unwrap(), "jobs"],
        &[],
    );
    assert_eq!(out.code, 2, "{}", out.stderr);
}

#[cfg(unix)]
#[test]
fn configs_others_own_or_can_write_are_refused() {
    use std::os::unix::fs::PermissionsExt;
    let limits = support::cli::root().join("examples/limits.yaml");
    let l = limits.to_str().unwrap();
    for (which, path) in [
        ("project", "repo/jobcheck.toml"),
        ("user", "xdg/jobcheck/config.toml"),
    ] {
        let dir = repo();
        let file = dir.path().join(path);
        write(&file, "format = \"json\"\n");
        assert_eq!(run(dir.path(), &["--limits", l, "jobs"], &[]).code, 0);
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o666)).unwrap();
        let out = run(dir.path(), &["--limits", l, "jobs"], &[]);
        assert_eq!(out.code, 2, "{which}: {}", out.stderr);
        assert!(
            out.stderr.contains("writable by everyone"),
            "{which}: {}",
            out.stderr
        );
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        // Owned by someone else (only root can hand a file over).
        let mine = unsafe { libc::geteuid() };
        if mine == 0 {
            let c = std::ffi::CString::new(file.to_str().unwrap()).unwrap();
            assert_eq!(unsafe { libc::chown(c.as_ptr(), 4242, 4242) }, 0);
            let out = run(dir.path(), &["--limits", l, "jobs"], &[]);
            assert_eq!(out.code, 2, "{which}: {}", out.stderr);
            assert!(
                out.stderr.contains("another user (uid 4242)"),
                "{which}: {}",
                out.stderr
            );
        }
    }
}

#[cfg(unix)]
#[test]
fn a_fifo_as_config_is_refused_without_hanging() {
    let dir = repo();
    let fifo = dir.path().join("repo/jobcheck.toml");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let out = jobcheck()
        .current_dir(dir.path().join("repo"))
        .env("XDG_CONFIG_HOME", dir.path().join("xdg"))
        .args(["check", "--limits", "x.yaml", "jobs"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("not a regular file"), "{stderr}");
}

#[test]
fn every_config_error_is_reported_at_once_each_at_its_place() {
    let dir = repo();
    write(
        &dir.path().join("repo/jobcheck.toml"),
        "formt = \"json\"\ncache-ttl = -1\n[policy.A]\ncpus = 0\nmemroy = \"1G\"\nmemory = \"16X\"\n\
         [rules]\ncpus-over-limt = \"warning\"\nmemory-over-limit = \"loud\"\n",
    );
    let out = run(dir.path(), &["--limits", "x.yaml", "jobs"], &[]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    for place in [
        "jobcheck.toml:1:1",
        "jobcheck.toml:2:13",
        "jobcheck.toml:4:8",
        "jobcheck.toml:5:1",
        "jobcheck.toml:6:10",
        "jobcheck.toml:8:1",
        "jobcheck.toml:9:21",
    ] {
        assert!(
            out.stderr.contains(place),
            "{place} missing:\n{}",
            out.stderr
        );
    }
    assert!(
        out.stderr.contains("did you mean `format`?"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("did you mean `memory`?"),
        "{}",
        out.stderr
    );
}

#[test]
fn the_users_own_config_may_name_the_token_service_and_the_environment_wins() {
    let mine = platform();
    let env = platform();
    let dir = repo();
    write(
        &dir.path().join("xdg/jobcheck/config.toml"),
        &format!(
            "auth-url = \"{}\"\nac-url = \"{}\"\n",
            mine.url(),
            mine.url()
        ),
    );
    let keys = [
        ("JOBCHECK_USER", "alice"),
        ("JOBCHECK_ACCESS_KEY", "ak"),
        ("JOBCHECK_SECRET_KEY", "sk"),
    ];
    let mut cmd_env: Vec<(&str, &str)> = keys.to_vec();
    // No token: one is minted at the user's token service.
    let out = run_without_token(dir.path(), &cmd_env);
    assert!(mine.count() >= 1, "{}", out.stderr);
    let before = mine.count();
    let env_url = env.url();
    cmd_env.push(("JOBCHECK_AUTH_URL", &env_url));
    cmd_env.push(("JOBCHECK_AC_URL", &env_url));
    let out = run_without_token(dir.path(), &cmd_env);
    assert!(env.count() >= 1, "{}", out.stderr);
    assert_eq!(
        mine.count(),
        before,
        "the environment wins over the user's file"
    );
}

fn run_without_token(dir: &Path, env: &[(&str, &str)]) -> Run {
    let mut cmd = in_repo(dir);
    cmd.args(["check", "--timeout", "10", "jobs"])
        .envs(env.iter().copied());
    Run::of(cmd.output().unwrap())
}
