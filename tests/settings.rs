//! The settings as the command line resolves them, and the shell's
//! papercuts: each a run of the binary as a user types it.

use crate::support;

use std::path::Path;
use std::process::Command;

use support::cli::Run;

const LIMITS: &str = "- resourceGroup: A100-80G\n  acceleratorType: gpu\n  cpuNumber: 16\n  \
                      gpuNumber: 1\n  nvLimits: 0\n  memorySize: 65536\n  nodeNumber: 2\n  maxTime: \"48:00:00\"\n";

const OVER: &str = "resourceGroup: A100-80G\ncpus: 64\ngpus: 1\nmemory: 8G\nwalltime: 1:00:00\n";

/// The binary in `cwd`, with a private HOME and none of the variables
/// that would change its settings.
fn run(cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let home = cwd.join(".home-for-test");
    let out = support::cli::command()
        .args(args)
        .current_dir(cwd)
        .envs(support::cli::home_env(&home))
        .env("XDG_CONFIG_HOME", home.join("xdg"))
        .env("JOBCHECK_CACHE_DIR", home.join("cache"))
        .envs(env.iter().copied())
        .output()
        .expect("run jobcheck");
    Run::of(out)
}

/// A repository: `.git`, a `jobcheck.toml` naming `limits.yaml`, and
/// `jobs/over.yaml` asking for too many CPUs.
fn repo(config: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::create_dir_all(p.join(".git")).unwrap();
    std::fs::create_dir_all(p.join("jobs")).unwrap();
    std::fs::write(p.join("limits.yaml"), LIMITS).unwrap();
    std::fs::write(p.join("jobcheck.toml"), config).unwrap();
    std::fs::write(p.join("jobs/over.yaml"), OVER).unwrap();
    dir
}

fn settings_json(run: &Run) -> serde_json::Value {
    assert_eq!(run.code, 0, "{}", run.stderr);
    serde_json::from_str(&run.stdout).unwrap()
}

#[test]
fn the_project_configuration_is_found_from_the_paths_given() {
    let outside = tempfile::tempdir().unwrap();
    let repo = repo("limits = \"limits.yaml\"\n");
    let target = repo.path().join("jobs");
    let r = run(outside.path(), &["check", target.to_str().unwrap()], &[]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("cpus-over-limit"), "{}", r.stdout);
}

#[test]
fn without_limits_the_structural_problems_are_still_shown_and_the_exit_is_2() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("job.yaml"),
        "resourceGroup: A\ncpus: many\n",
    )
    .unwrap();
    let r = run(dir.path(), &["check", "job.yaml", "--color", "never"], &[]);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("many"), "{}", r.stdout);
    assert!(r.stderr.contains("no limits"), "{}", r.stderr);
}

#[test]
fn cache_ttl_reads_a_duration_on_the_command_line_as_in_the_file() {
    let repo = repo("limits = \"limits.yaml\"\ncache-ttl = \"10m\"\n");
    let p = repo.path();
    let s = settings_json(&run(p, &["check", "--show-settings"], &[]));
    assert_eq!(s["cache_ttl_seconds"], 600);
    let s = settings_json(&run(
        p,
        &["check", "--show-settings", "--cache-ttl", "15m"],
        &[],
    ));
    assert_eq!(s["cache_ttl_seconds"], 900);
    let s = settings_json(&run(
        p,
        &["check", "--show-settings"],
        &[("JOBCHECK_CACHE_TTL", "1h")],
    ));
    assert_eq!(s["cache_ttl_seconds"], 3600);
    for huge in ["9223372036854775807", "31d"] {
        let r = run(p, &["check", "--cache-ttl", huge, "jobs"], &[]);
        assert_eq!(r.code, 2, "{}", r.stderr);
        assert!(r.stderr.contains("30 days"), "{}", r.stderr);
    }
    std::fs::write(
        p.join("jobcheck.toml"),
        "limits = \"limits.yaml\"\ncache-ttl = 9223372036854775807\n",
    )
    .unwrap();
    let r = run(p, &["check", "jobs", "--color", "never"], &[]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("longer than 30 days"), "{}", r.stderr);
}

#[test]
fn a_bad_timeout_is_the_same_error_from_the_flag_or_the_environment() {
    let repo = repo("limits = \"limits.yaml\"\n");
    let flag = run(repo.path(), &["check", "--timeout", "soon", "jobs"], &[]);
    let env = run(
        repo.path(),
        &["check", "jobs"],
        &[("JOBCHECK_TIMEOUT", "soon")],
    );
    assert_eq!((flag.code, env.code), (2, 2));
    assert!(
        flag.stderr
            .contains("--timeout: `soon` is not a number of seconds")
    );
    assert!(
        env.stderr
            .contains("JOBCHECK_TIMEOUT: `soon` is not a number of seconds")
    );
}

#[test]
fn a_project_configuration_cannot_name_a_file_outside_the_project() {
    for (target, secret_in) in [
        ("/proc/self/environ", None),
        ("../../x", None),
        ("link.yaml", Some("outside")),
    ] {
        let repo = repo(&format!("limits = \"{target}\"\n"));
        let outside = tempfile::tempdir().unwrap();
        let secret = outside.path().join("secret.yaml");
        std::fs::write(&secret, "- resourceGroup: SECRET-VALUE-42\n").unwrap();
        if secret_in.is_some() {
            #[cfg(unix)]
            std::os::unix::fs::symlink(&secret, repo.path().join("link.yaml")).unwrap();
            #[cfg(windows)]
            {
                let link = repo.path().join("link.yaml");
                // Creating links needs a privilege Windows may not grant, and
                // Wine makes a link that does not lead to its target.
                if std::os::windows::fs::symlink_file(&secret, &link).is_err()
                    || std::fs::metadata(&link).is_err()
                {
                    continue;
                }
            }
        }
        let r = run(
            repo.path(),
            &["check", "jobs", "--color", "never"],
            &[("JOBCHECK_PROBE", "ENVIRONMENT-SECRET-17")],
        );
        assert_eq!(r.code, 2, "{target}: {}{}", r.stdout, r.stderr);
        let all = format!("{}{}", r.stdout, r.stderr);
        assert!(all.contains("outside the project"), "{target}: {all}");
        assert!(!all.contains("ENVIRONMENT-SECRET-17"), "{target}: {all}");
        assert!(!all.contains("SECRET-VALUE-42"), "{target}: {all}");
    }
}

#[test]
fn isolated_and_config_pin_the_policy_in_ci() {
    // The pull request switches the rule off in the project's file.
    let repo = repo("limits = \"limits.yaml\"\n[rules]\ncpus-over-limit = \"off\"\n");
    let p = repo.path();
    assert_eq!(run(p, &["check", "jobs"], &[]).code, 0);
    let r = run(
        p,
        &["check", "--isolated", "--limits", "limits.yaml", "jobs"],
        &[],
    );
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    let trusted = tempfile::tempdir().unwrap();
    let pinned = trusted.path().join("jobcheck.toml");
    std::fs::write(&pinned, "format = \"concise\"\n").unwrap();
    let r = run(
        p,
        &[
            "check",
            "--config",
            pinned.to_str().unwrap(),
            "--limits",
            "limits.yaml",
            "jobs",
        ],
        &[],
    );
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("error[cpus-over-limit]"), "{}", r.stdout);
    let s = settings_json(&run(p, &["check", "--isolated", "--show-settings"], &[]));
    assert_eq!(s["project_config"], serde_json::Value::Null);
    let r = run(
        p,
        &["check", "--isolated", "--config", "x.toml", "jobs"],
        &[],
    );
    assert_eq!(r.code, 2);
}

#[test]
fn explain_lists_without_a_code_and_takes_any_case() {
    let dir = tempfile::tempdir().unwrap();
    let r = run(dir.path(), &["explain"], &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("cpus-over-limit"));
    let r = run(dir.path(), &["explain", "CPUS-OVER-LIMIT"], &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.starts_with("cpus-over-limit"), "{}", r.stdout);
    let r = run(dir.path(), &["explain", "cpus_over_limit"], &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
}

#[test]
fn shell_completion_offers_codes_and_accelerator_types() {
    let dir = tempfile::tempdir().unwrap();
    let bash = run(dir.path(), &["completions", "bash"], &[]).stdout;
    assert!(bash.contains("cpus-over-limit"), "no codes for explain");
    let accel = bash
        .split("--accelerator)")
        .nth(1)
        .and_then(|rest| rest.lines().nth(1))
        .unwrap_or_default();
    assert!(accel.contains("gpu dcu mlu cpu"), "{accel}");
    let zsh = run(dir.path(), &["completions", "zsh"], &[]).stdout;
    assert!(zsh.contains("accelerators-over-limit"));
}

#[test]
fn the_table_is_aligned_with_wide_characters() {
    let repo = repo("limits = \"limits.yaml\"\n");
    let p = repo.path();
    std::fs::write(
        p.join("jobs/宽.yaml"),
        "name: 训练任务🚀\nresourceGroup: A100-80G\ncpus: 4\ngpus: 1\nmemory: 8G\nwalltime: 1:00:00\n",
    )
    .unwrap();
    let r = run(p, &["check", "jobs", "--table", "--color", "never"], &[]);
    let rows: Vec<&str> = r
        .stdout
        .lines()
        .skip_while(|l| !l.starts_with("Requests beside limits"))
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .collect();
    assert!(rows.len() >= 3, "{}", r.stdout);
    // Every column starts at the same display column in every row.
    let starts = |line: &str| -> Vec<usize> {
        let mut out = Vec::new();
        let mut width = 0;
        let mut gap = 0;
        for c in line.chars() {
            if c == ' ' {
                gap += 1;
            } else {
                if gap >= 2 {
                    out.push(width);
                }
                gap = 0;
            }
            width += unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        }
        out
    };
    let header = starts(rows[0]);
    for row in &rows[1..] {
        let s = starts(row);
        assert!(
            s.iter().all(|x| header.contains(x)),
            "misaligned:\n{}\n{}",
            rows[0],
            row
        );
    }
}

#[test]
fn options_a_format_ignores_are_named() {
    let repo = repo("limits = \"limits.yaml\"\n");
    let r = run(
        repo.path(),
        &["check", "jobs", "--table", "-f", "concise"],
        &[],
    );
    assert!(
        r.stderr
            .contains("--table is shown in the human format only"),
        "{}",
        r.stderr
    );
    let r = run(
        repo.path(),
        &["check", "jobs", "--statistics", "-f", "json"],
        &[],
    );
    assert!(
        r.stderr
            .contains("--statistics is shown in the human and concise formats only"),
        "{}",
        r.stderr
    );
    let r = run(repo.path(), &["check", "jobs", "--statistics"], &[]);
    assert!(!r.stderr.contains("warning: --statistics"), "{}", r.stderr);
}

#[test]
fn a_dumb_terminal_gets_no_colour() {
    // `script` gives the run a terminal, so that `--color auto` would colour.
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("skipped: no `script` (util-linux) to give the run a terminal");
        return;
    }
    let repo = repo("limits = \"limits.yaml\"\n");
    let bin = env!("CARGO_BIN_EXE_jobcheck");
    let colour = |term: &str| {
        let out = support::cli::hermetic(&mut Command::new("script"))
            .args(["-qec", &format!("{bin} check jobs"), "/dev/null"])
            .current_dir(repo.path())
            .env("TERM", term)
            .envs(support::cli::home_env(repo.path()))
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).contains('\u{1b}')
    };
    assert!(colour("xterm"), "a terminal gets colour");
    assert!(!colour("dumb"), "TERM=dumb gets none");
}

#[test]
fn the_man_page_synopsis_shows_option_values() {
    let dir = tempfile::tempdir().unwrap();
    let r = run(dir.path(), &["man", "--out-dir", "man"], &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let page = std::fs::read_to_string(dir.path().join("man/jobcheck-check.1")).unwrap();
    let synopsis = page.split(".SH SYNOPSIS").nth(1).unwrap();
    let synopsis = synopsis.split(".SH").next().unwrap();
    assert!(synopsis.contains(r"\-\-limits\fR \fIFILE\fR"), "{synopsis}");
    assert!(
        synopsis.contains(r"\-\-cache\-ttl\fR \fIDURATION\fR"),
        "{synopsis}"
    );
}

#[test]
fn a_group_name_that_begins_a_known_one_is_suggested() {
    let repo = repo("limits = \"limits.yaml\"\n");
    std::fs::write(
        repo.path().join("jobs/over.yaml"),
        "resourceGroup: A100\ncpus: 1\nmemory: 1G\nwalltime: 1:00:00\n",
    )
    .unwrap();
    let r = run(repo.path(), &["check", "jobs", "-f", "concise"], &[]);
    assert!(
        r.stdout.contains("resource group `A100` does not exist"),
        "{}",
        r.stdout
    );
    let json = run(repo.path(), &["check", "jobs", "-f", "json"], &[]).stdout;
    assert!(json.contains("did you mean `A100-80G`?"), "{json}");
}

#[test]
fn one_card_is_one_card() {
    let repo = repo("limits = \"limits.yaml\"\n");
    std::fs::write(
        repo.path().join("jobs/over.yaml"),
        "resourceGroup: A100-80G\ncpus: 1\ngpus: 2\nmemory: 1G\nwalltime: 1:00:00\n",
    )
    .unwrap();
    let r = run(repo.path(), &["check", "jobs", "--color", "never"], &[]);
    assert!(
        r.stdout.contains("the group's 1 gpu card per node"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("use at most 1 gpu card per node"),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains("1 gpu cards"), "{}", r.stdout);
    std::fs::write(
        repo.path().join("jobs/over.json"),
        r#"{"resourceGroup": "A100-80G", "acceleratorType": "cpu", "gpuNumber": 1, "cpuNumber": 1, "ramSize": 1024, "nodeNumber": 1}"#,
    )
    .unwrap();
    let r = run(
        repo.path(),
        &["check", "jobs/over.json", "--color", "never"],
        &[],
    );
    assert!(r.stdout.contains("asks for 1 card,"), "{}", r.stdout);
}

#[test]
fn the_rust_version_is_declared_as_the_readme_says() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let declared = manifest
        .lines()
        .find_map(|l| l.strip_prefix("rust-version = \""))
        .and_then(|v| v.strip_suffix('"'))
        .expect("Cargo.toml declares rust-version");
    assert!(
        readme.contains(&format!("{declared} or newer")),
        "README and rust-version {declared} differ"
    );
}
