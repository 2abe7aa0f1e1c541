//! Which files are judged as jobs , in a small repository built
//! for each test: jobs, a CI workflow, a limits file and a scratch folder
//! that `.gitignore` leaves out.

use crate::support;

use std::path::Path;

use serde_json::Value;
use support::cli::{jobcheck as command, root};

const GOOD: &str = "resourceGroup: TeslaM40\ncpus: 4\ngpus: 1\nmemory: 8G\nwalltime: 1h\n";

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// A repository: three jobs, a workflow, a limits file, ignored scratch.
fn repository(git: bool) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "jobs/a.yaml", GOOD);
    write(d, "jobs/deep/b.yml", GOOD);
    write(
        d,
        "jobs/c.json",
        r#"{"resourceGroup": "TeslaM40", "cpus": 2, "gpus": 1, "memory": "8G", "walltime": "1h"}"#,
    );
    write(d, "jobs/notes.txt", "not a job");
    write(
        d,
        ".github/workflows/ci.yml",
        "on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n",
    );
    let limits = std::fs::read_to_string(root().join("examples/limits.yaml")).unwrap();
    write(d, "ci/limits.yaml", &limits);
    write(d, "scratch/draft.yaml", "cpus: [\n");
    write(d, ".gitignore", "scratch/\n");
    if git {
        let status = std::process::Command::new("git")
            .args(["init", "-q"])
            .current_dir(d)
            .status();
        if !status.is_ok_and(|s| s.success()) {
            // No git on this machine: a `.git` directory is what the walk looks for.
            std::fs::create_dir_all(d.join(".git")).unwrap();
        }
    }
    dir
}

struct Run {
    code: i32,
    files: Vec<String>,
    stderr: String,
}

fn jobcheck(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = command();
    cmd.current_dir(dir)
        .env("XDG_CONFIG_HOME", dir.join(".no-user-config"))
        .args(["check", "-f", "json"])
        .args(args)
        .envs(env.iter().copied());
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let code = out.status.code().unwrap_or(-1);
    // Every file judged, in report order: those with jobs, then any that
    // only have diagnostics.
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    let mut files: Vec<String> = Vec::new();
    for key in ["jobs", "diagnostics"] {
        for item in report[key].as_array().into_iter().flatten() {
            let file = item["file"].as_str().unwrap_or_default().to_string();
            if !files.contains(&file) {
                files.push(file);
            }
        }
    }
    Run {
        code,
        files,
        stderr,
    }
}

const JOBS: [&str; 3] = ["jobs/a.yaml", "jobs/c.json", "jobs/deep/b.yml"];

#[test]
fn a_walk_skips_hidden_and_gitignored_files_and_what_is_not_yaml_or_json() {
    let repo = repository(true);
    let run = jobcheck(repo.path(), &["--limits", "ci/limits.yaml", "."], &[]);
    // Without narrowing, the limits file is walked into too, and passed
    // over: a list of limit sets is not a job.
    assert_eq!(run.files, JOBS, "{}", run.stderr);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn by_flag_exclude_leaves_out_the_limits_file() {
    let repo = repository(true);
    let run = jobcheck(
        repo.path(),
        &["--limits", "ci/limits.yaml", "--exclude", "ci/", "."],
        &[],
    );
    assert_eq!(run.files, JOBS, "{}", run.stderr);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // Relative to the working directory: from jobs/, `deep` is jobs/deep.
    let run = jobcheck(
        &repo.path().join("jobs"),
        &["--limits", "../ci/limits.yaml", "--exclude", "/deep", "."],
        &[],
    );
    assert_eq!(run.files, ["a.yaml", "c.json"], "{}", run.stderr);
}

#[test]
fn by_config_limits_and_globs_relative_to_the_config() {
    let repo = repository(true);
    write(
        repo.path(),
        "jobcheck.toml",
        "limits = \"ci/limits.yaml\"\nexclude = [\"ci/\"]\n",
    );
    let run = jobcheck(repo.path(), &["."], &[]);
    assert_eq!(run.files, JOBS, "{}", run.stderr);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // From a subdirectory the file's paths still mean the same files.
    let run = jobcheck(&repo.path().join("jobs"), &["."], &[]);
    assert_eq!(
        run.files,
        ["a.yaml", "c.json", "deep/b.yml"],
        "{}",
        run.stderr
    );
    let run = jobcheck(&repo.path().join("ci"), &[".."], &[]);
    assert_eq!(
        run.files,
        ["../jobs/a.yaml", "../jobs/c.json", "../jobs/deep/b.yml"],
        "{}",
        run.stderr
    );
    // `include` narrows to the jobs folder.
    write(
        repo.path(),
        "jobcheck.toml",
        "limits = \"ci/limits.yaml\"\ninclude = [\"jobs/**/*.yaml\", \"jobs/**/*.yml\"]\n",
    );
    let run = jobcheck(repo.path(), &["."], &[]);
    assert_eq!(
        run.files,
        ["jobs/a.yaml", "jobs/deep/b.yml"],
        "{}",
        run.stderr
    );
}

#[test]
fn by_env_jobcheck_limits() {
    let repo = repository(true);
    let run = jobcheck(
        repo.path(),
        &["--exclude", "ci", "."],
        &[("JOBCHECK_LIMITS", "ci/limits.yaml")],
    );
    assert_eq!(run.files, JOBS, "{}", run.stderr);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // The flag wins over the environment, the environment over the config.
    write(repo.path(), "jobcheck.toml", "limits = \"missing.yaml\"\n");
    let run = jobcheck(
        repo.path(),
        &["jobs"],
        &[("JOBCHECK_LIMITS", "ci/limits.yaml")],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = jobcheck(
        repo.path(),
        &["--limits", "nope.yaml", "jobs"],
        &[("JOBCHECK_LIMITS", "ci/limits.yaml")],
    );
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("nope.yaml"), "{}", run.stderr);
}

#[test]
fn named_paths_are_checked_whatever_the_globs_and_ignore_files_say() {
    let repo = repository(true);
    let run = jobcheck(
        repo.path(),
        &[
            "--limits",
            "ci/limits.yaml",
            "--exclude",
            "jobs/",
            "jobs/a.yaml",
            "scratch/draft.yaml",
            ".github/workflows/ci.yml",
        ],
        &[],
    );
    assert_eq!(
        run.files,
        [
            "jobs/a.yaml",
            "scratch/draft.yaml",
            ".github/workflows/ci.yml"
        ],
        "{}",
        run.stderr
    );
    // A named directory is walked even when a glob matches it.
    let run = jobcheck(
        repo.path(),
        &[
            "--limits",
            "ci/limits.yaml",
            "--exclude",
            "deep",
            "jobs/deep",
        ],
        &[],
    );
    assert_eq!(run.files, ["jobs/deep/b.yml"], "{}", run.stderr);
}

#[test]
fn each_file_once() {
    let repo = repository(true);
    let run = jobcheck(
        repo.path(),
        &[
            "--limits",
            "ci/limits.yaml",
            "jobs/a.yaml",
            "./jobs/a.yaml",
            "jobs",
            "jobs/../jobs/c.json",
        ],
        &[],
    );
    assert_eq!(
        run.files,
        ["jobs/a.yaml", "jobs/c.json", "jobs/deep/b.yml"],
        "{}",
        run.stderr
    );
}

#[test]
fn gitignore_counts_in_a_repository_only_and_dot_ignore_everywhere() {
    // As in ripgrep: outside a git repository `.gitignore` is not read.
    let plain = repository(false);
    let run = jobcheck(
        plain.path(),
        &["--limits", "ci/limits.yaml", "--exclude", "ci", "."],
        &[],
    );
    assert_eq!(
        run.files,
        [
            "jobs/a.yaml",
            "jobs/c.json",
            "jobs/deep/b.yml",
            "scratch/draft.yaml"
        ],
        "{}",
        run.stderr
    );
    write(plain.path(), ".ignore", "scratch/\njobs/c.json\n");
    let run = jobcheck(
        plain.path(),
        &["--limits", "ci/limits.yaml", "--exclude", "ci", "."],
        &[],
    );
    assert_eq!(
        run.files,
        ["jobs/a.yaml", "jobs/deep/b.yml"],
        "{}",
        run.stderr
    );
}

#[test]
fn a_bad_exclude_glob_is_a_usage_error() {
    let repo = repository(true);
    let run = jobcheck(
        repo.path(),
        &["--limits", "ci/limits.yaml", "--exclude", "jobs/[z-a]", "."],
        &[],
    );
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("jobs/[z-a]"), "{}", run.stderr);
}

#[test]
fn the_pre_commit_hook_and_ci_examples_point_at_job_files_only() {
    let hooks = std::fs::read_to_string(root().join(".pre-commit-hooks.yaml")).unwrap();
    let files = hooks
        .lines()
        .find_map(|l| l.trim().strip_prefix("files: "))
        .expect("the hook narrows the files");
    let exclude = hooks
        .lines()
        .find_map(|l| l.trim().strip_prefix("exclude: "))
        .expect("the hook leaves files out");
    // The hook's patterns are Python regexes; these two are plain enough
    // to test by their shape.
    assert!(files.contains("jobs/"), "{files}");
    assert!(
        exclude.contains("limits") && exclude.contains(".github"),
        "{exclude}"
    );
    for ci in ["github-actions.yml", "gitlab-ci.yml"] {
        let text = std::fs::read_to_string(root().join("examples/ci").join(ci)).unwrap();
        for line in text.lines().filter(|l| l.contains("jobcheck check")) {
            assert!(line.contains("jobs/"), "{ci}: {line}");
            assert!(
                !line.contains(" ."),
                "{ci} walks the whole repository: {line}"
            );
        }
        assert!(text.contains("JOBCHECK_LIMITS"), "{ci}");
    }
}
