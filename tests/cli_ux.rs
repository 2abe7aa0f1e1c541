//! The command line as people meet it: closed pipes, near misses, help,
//! manual pages and the limits listing.

use crate::support;

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use support::cli::{command, jobcheck, root};

fn limits_file() -> String {
    root().join("examples/limits.yaml").display().to_string()
}

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(args: &[&str]) -> Out {
    let out = jobcheck().args(args).output().unwrap();
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Every subcommand that writes to standard output, with its exit code.
fn commands() -> Vec<(Vec<String>, i32)> {
    let l = limits_file();
    let v = |args: &[&str]| args.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    vec![
        (v(&["explain", "--list"]), 0),
        (v(&["explain", "cpus-over-limit"]), 0),
        (v(&["schema"]), 0),
        (v(&["schema", "report"]), 0),
        (v(&["completions", "bash"]), 0),
        (v(&["completions", "zsh"]), 0),
        (v(&["man"]), 0),
        (v(&["limits", "--limits", &l]), 0),
        (v(&["limits", "--limits", &l, "-f", "json"]), 0),
        (v(&["check", "--limits", &l, "examples/jobs/good"]), 0),
        (
            v(&["check", "--limits", &l, "-f", "json", "examples/jobs/bad"]),
            1,
        ),
        (v(&["--help"]), 0),
        (v(&["check", "--help"]), 0),
        (v(&["--version"]), 0),
    ]
}

fn spawn(args: &[String], stdout: Stdio) -> std::process::Child {
    command()
        .args(args)
        .stdout(stdout)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

#[test]
fn a_pipe_closed_before_the_first_write_is_no_panic() {
    for (args, expected) in commands() {
        // The reading end is closed before the command starts: its first
        // write fails with a broken pipe, every time.
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let child = spawn(&args, Stdio::from(writer));
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert_ne!(out.status.code(), Some(101), "{args:?}: {stderr}");
        assert_eq!(out.status.code(), Some(expected), "{args:?}: {stderr}");
        assert!(
            !stderr.contains("Broken pipe"),
            "{args:?} is not quiet: {stderr}"
        );
    }
}

#[test]
fn a_pipe_closed_after_one_line_is_no_panic() {
    for (args, expected) in commands() {
        let mut child = spawn(&args, Stdio::piped());
        let mut first = String::new();
        {
            let mut lines = BufReader::new(child.stdout.take().unwrap());
            lines.read_line(&mut first).unwrap();
        } // `| head -1`: the reader goes away.
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!first.is_empty(), "{args:?} wrote nothing");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert_eq!(out.status.code(), Some(expected), "{args:?}: {stderr}");
    }
}

#[test]
fn a_near_miss_of_a_subcommand_gets_a_suggestion() {
    let out = run(&["chek", "x.yaml"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("did you mean `check`?"),
        "{}",
        out.stderr
    );
    let out = run(&["limit", "--group", "A"]);
    assert!(
        out.stderr.contains("did you mean `limits`?"),
        "{}",
        out.stderr
    );
    let out = run(&["explian", "cpus-over-limit"]);
    assert!(
        out.stderr.contains("did you mean `explain`?"),
        "{}",
        out.stderr
    );
    // A path is still checked as one: `check` is the default command.
    let out = run(&["--limits", &limits_file(), "examples/jobs/good"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let out = run(&["--limits", &limits_file(), "chek.yaml"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("`chek.yaml` does not exist"),
        "{}",
        out.stderr
    );
    // A word near no subcommand is taken as a path.
    let out = run(&["--limits", &limits_file(), "zzzzzz"]);
    assert!(
        out.stderr.contains("`zzzzzz` does not exist"),
        "{}",
        out.stderr
    );
}

#[test]
fn explain_suggests_the_codes_meant_instead_of_listing_every_one() {
    let out = run(&["explain", "memory"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("`memory-over-limit`"), "{}", out.stderr);
    assert!(
        out.stderr.contains("`memory-unit-missing`"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("cpus-over-limit"), "{}", out.stderr);
    assert!(out.stdout.is_empty());
    let out = run(&["explain", "walltime-over-limt"]);
    assert!(
        out.stderr.contains("did you mean `walltime-over-limit`?"),
        "{}",
        out.stderr
    );
    let out = run(&["explain", "qqqq"]);
    assert!(out.stderr.contains("explain --list"), "{}", out.stderr);
    assert!(out.stderr.lines().count() < 5, "{}", out.stderr);
}

#[test]
fn help_has_headings_readable_value_names_and_no_env_values() {
    let out = jobcheck()
        .args(["check", "--help"])
        .env("JOBCHECK_ENDPOINT", "https://secret-host.example")
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    for heading in ["Inputs:", "Limits:", "Credentials:", "Output:"] {
        assert!(help.contains(heading), "{heading}\n{help}");
    }
    assert!(help.contains("-o, --output-file <PATH>"), "{help}");
    assert!(help.contains("--exclude <GLOB>"), "{help}");
    assert!(
        !help.contains("secret-host"),
        "an env value is shown:\n{help}"
    );
    let help = run(&["limits", "--help"]).stdout;
    assert!(help.contains("--group <GROUP>"), "{help}");
    assert!(help.contains("--accelerator <TYPE>"), "{help}");
}

#[test]
fn short_o_writes_the_report_to_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.json");
    let out = run(&[
        "check",
        "--limits",
        &limits_file(),
        "-f",
        "json",
        "-o",
        path.to_str().unwrap(),
        "examples/jobs/good",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.is_empty());
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(report["version"], 1);
}

#[test]
fn man_writes_a_page_per_subcommand_with_options_exit_status_environment_and_examples() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(&["man", "--out-dir", dir.path().to_str().unwrap()]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let pages = [
        ("jobcheck.1", "check"),
        ("jobcheck-check.1", "\\-\\-exclude"),
        ("jobcheck-limits.1", "\\-\\-group"),
        ("jobcheck-explain.1", "\\-\\-list"),
        ("jobcheck-schema.1", "report"),
        ("jobcheck-completions.1", "bash"),
        ("jobcheck-man.1", "\\-\\-out\\-dir"),
        ("jobcheck-lsp.1", "Language Server Protocol"),
    ];
    for (name, mention) in pages {
        let text = std::fs::read_to_string(dir.path().join(name))
            .unwrap_or_else(|e| panic!("{name} was not written: {e}"));
        assert!(
            out.stdout.contains(name),
            "{name} not listed: {}",
            out.stdout
        );
        for section in [
            ".TH",
            "SYNOPSIS",
            "\"EXIT STATUS\"",
            "ENVIRONMENT",
            "EXAMPLES",
        ] {
            assert!(text.contains(section), "{name} lacks {section}");
        }
        assert!(text.contains(mention), "{name} does not mention {mention}");
        assert!(text.contains("JOBCHECK_LIMITS"), "{name}");
    }
    let count = std::fs::read_dir(dir.path()).unwrap().count();
    assert_eq!(count, pages.len());
    // Without a directory, the top page goes to standard output.
    let out = run(&["man"]);
    assert!(
        out.stdout.starts_with(".ie") || out.stdout.contains(".TH jobcheck"),
        "{}",
        &out.stdout[..200.min(out.stdout.len())]
    );
}

#[test]
fn limits_lists_every_group_of_a_file_and_needs_no_type_for_a_one_type_group() {
    let l = limits_file();
    let all = run(&["limits", "--limits", &l]);
    assert_eq!(all.code, 0, "{}", all.stderr);
    let text = std::fs::read_to_string(&l).unwrap();
    let groups: Vec<&str> = text
        .lines()
        .filter_map(|line| {
            line.trim()
                .trim_start_matches("- ")
                .strip_prefix("resourceGroup:")
        })
        .map(|g| g.trim().trim_matches('"'))
        .collect();
    assert!(groups.len() > 2, "{groups:?}");
    for g in &groups {
        assert!(all.stdout.contains(g), "{g} missing:\n{}", all.stdout);
    }
    let json = run(&["limits", "--limits", &l, "-f", "json"]);
    let list: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(list.as_array().map(Vec::len), Some(groups.len()));
    // One group with one type: no --accelerator needed; JSON is one object.
    let one = run(&["limits", "--limits", &l, "--group", "A800x8", "-f", "json"]);
    assert_eq!(one.code, 0, "{}", one.stderr);
    let one: serde_json::Value = serde_json::from_str(&one.stdout).unwrap();
    assert_eq!(one["resourceGroup"], "A800x8");
    assert_eq!(one["acceleratorType"], "gpu");
    let wrong = run(&[
        "limits",
        "--limits",
        &l,
        "--group",
        "A800x8",
        "--accelerator",
        "dcu",
    ]);
    assert_eq!(wrong.code, 1);
    assert!(wrong.stderr.contains("offers gpu"), "{}", wrong.stderr);
    let typo = run(&["limits", "--limits", &l, "--group", "A800x9"]);
    assert_eq!(typo.code, 1);
    assert!(
        typo.stderr.contains("did you mean `A800x8`?"),
        "{}",
        typo.stderr
    );
    let two = run(&[
        "limits", "--limits", &l, "--group", "A800x8", "--group", "K100",
    ]);
    assert!(
        two.stdout.contains("A800x8") && two.stdout.contains("K100"),
        "{}",
        two.stdout
    );
}

#[test]
fn limits_from_the_platform_asks_for_a_group_and_type() {
    let out = run(&[
        "limits",
        "--endpoint",
        "https://127.0.0.1:9",
        "--group",
        "A",
    ]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("--accelerator"), "{}", out.stderr);
}

#[cfg(unix)]
#[test]
fn a_limits_file_that_is_not_a_regular_file_is_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("limits.yaml");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    for path in [fifo.to_str().unwrap(), "/dev/zero"] {
        let out = jobcheck()
            .args(["check", "--limits", path, "examples/jobs/good"])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{path}: {stderr}");
        assert!(stderr.contains("not a regular file"), "{path}: {stderr}");
    }
}
