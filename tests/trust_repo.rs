//! A repository is untrusted input: these tests play the pull request that
//! tries to make jobcheck read a secret into the logs (symbolic links out of
//! the checkout), write through a planted link (`--output-file`), forge CI
//! workflow commands or terminal escapes (control and bidi characters in
//! values, keys, group names and file names), or make the run unbounded
//! (diagnostics, pairs, long lines).

// Symbolic links, /proc and Unix permission bits: the attacks played here
// are built with Unix calls, so this file is compiled on Unix only.
#![cfg(unix)]

use crate::support;

use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::{Path, PathBuf};

use serde_json::json;

use support::cli::{Run, jobcheck as command};
use support::{Reply, Server, good_token, jwt};

/// What the environment holds that must never come out.
const CANARY: &str = "CANARY-7f3a9c1e-environment-secret";

fn jobcheck(args: &[&str], env: &[(&str, &str)], cwd: &Path) -> Run {
    let mut cmd = command();
    cmd.args(args)
        .current_dir(cwd)
        .env("JOBCHECK_CACHE_DIR", cwd.join(".cache-for-test"))
        .env("XDG_CONFIG_HOME", cwd.join(".no-user-config"))
        .env("THE_CANARY", CANARY)
        .envs(env.iter().copied());
    Run::of(cmd.output().unwrap())
}

const FORMATS: [&str; 6] = ["human", "concise", "json", "sarif", "github", "junit"];

const LIMITS: &str = "- resourceGroup: CpuSmall\n  acceleratorType: cpu\n  cpuNumber: 64\n  \
                      memorySize: 257024\n  nodeNumber: 16\n  maxTime: \"12:00:00\"\n";

const JOB: &str = "name: small\nresourceGroup: CpuSmall\ncpus: 4\nmemory: 8G\nwalltime: 1h\n";

/// A checkout: `outside/` beside `repo/` (which holds `.git`), a job in
/// `repo/jobs/`, a trusted limits file in `outside/`.
struct Checkout {
    _dir: tempfile::TempDir,
    repo: PathBuf,
    outside: PathBuf,
}

fn checkout() -> Checkout {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    let outside = dir.path().join("outside");
    std::fs::create_dir_all(repo.join(".git")).unwrap();
    std::fs::create_dir_all(repo.join("jobs")).unwrap();
    std::fs::create_dir_all(repo.join("ci")).unwrap();
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(repo.join("jobs/small.yaml"), JOB).unwrap();
    std::fs::write(outside.join("limits.yaml"), LIMITS).unwrap();
    Checkout {
        _dir: dir,
        repo,
        outside,
    }
}

/// A token file outside the repository, holding a JWT with a canary in it.
fn token_file(outside: &Path) -> (PathBuf, String) {
    let token = jwt(&format!(
        r#"{{"user":"alice","clusterId":"11250","expireTime":"4102444800000","c":"{CANARY}"}}"#
    ));
    let path = outside.join("token");
    std::fs::write(&path, &token).unwrap();
    (path, token)
}

fn assert_secret_free(run: &Run, secrets: &[&str], what: &str) {
    for secret in secrets {
        assert!(
            !run.all().contains(secret),
            "{what}: a secret came out:\n{}",
            run.all()
        );
    }
    // Not even part of the environment: any `NAME=value` of this process.
    assert!(!run.all().contains("THE_CANARY"), "{what}: {}", run.all());
    assert!(!run.all().contains("PATH=/"), "{what}: {}", run.all());
}

#[test]
fn a_limits_link_to_the_environment_shows_nothing_of_it() {
    let c = checkout();
    symlink("/proc/self/environ", c.repo.join("ci/limits.yaml")).unwrap();
    for format in FORMATS {
        for via_env in [false, true] {
            let mut args = vec!["check", "jobs", "--format", format];
            let mut env = vec![];
            if via_env {
                env.push(("JOBCHECK_LIMITS", "ci/limits.yaml"));
            } else {
                args.extend(["--limits", "ci/limits.yaml"]);
            }
            let run = jobcheck(&args, &env, &c.repo);
            let what = format!("{format}, env {via_env}");
            assert_eq!(run.code, 2, "{what}: {}", run.all());
            assert_secret_free(&run, &[CANARY], &what);
            assert!(
                run.stderr.contains("ci/limits.yaml") && run.stderr.contains("not read"),
                "{what}: the refusal names the file and says why: {}",
                run.stderr
            );
        }
    }
    // `jobcheck limits` reads the same file the same way.
    let run = jobcheck(&["limits", "--limits", "ci/limits.yaml"], &[], &c.repo);
    assert_eq!(run.code, 2, "{}", run.all());
    assert_secret_free(&run, &[CANARY], "limits");
}

#[test]
fn a_configuration_planted_as_a_link_is_not_read() {
    let c = checkout();
    std::fs::write(c.repo.join("ci/limits.yaml"), LIMITS).unwrap();
    // To the environment, and to a file outside the repository whose text
    // would show in the error snippet.
    let (token, jwt_text) = token_file(&c.outside);
    for target in [PathBuf::from("/proc/self/environ"), token] {
        let _ = std::fs::remove_file(c.repo.join("jobcheck.toml"));
        symlink(&target, c.repo.join("jobcheck.toml")).unwrap();
        for format in FORMATS {
            let run = jobcheck(
                &[
                    "check",
                    "jobs",
                    "--limits",
                    "ci/limits.yaml",
                    "--format",
                    format,
                ],
                // The child's environment is sorted by name: this one comes
                // first, where a TOML error snippet of it would be.
                &[("AAAA_FIRST_VARIABLE", CANARY)],
                &c.repo,
            );
            let what = format!("{} ({format})", target.display());
            assert_eq!(run.code, 2, "{what}: {}", run.all());
            assert_secret_free(&run, &[CANARY, &jwt_text], &what);
            // Not a piece of either: no `NAME=` of this process's
            // environment, no 12 characters of the token.
            for name in [
                "NO_COLOR=",
                "XDG_CONFIG_HOME=",
                "JOBCHECK_CACHE_DIR=",
                "HOME=",
            ] {
                assert!(!run.all().contains(name), "{what}: {}", run.all());
            }
            let runs = support::secret_runs(&jwt_text, &run.all(), 12);
            assert!(runs.is_empty(), "{what}: {runs:?}");
            assert!(run.all().contains("jobcheck.toml"), "{what}: {}", run.all());
        }
        // --isolated reads no configuration: the run goes on.
        let run = jobcheck(
            &["check", "jobs", "--limits", "ci/limits.yaml", "--isolated"],
            &[],
            &c.repo,
        );
        assert_ne!(run.code, 2, "{}", run.all());
    }
}

#[test]
fn a_limits_link_to_the_token_file_shows_no_token() {
    let c = checkout();
    let (token_path, token) = token_file(&c.outside);
    symlink(&token_path, c.repo.join("ci/limits.yaml")).unwrap();
    let token_arg = token_path.to_str().unwrap();
    for format in FORMATS {
        let run = jobcheck(
            &[
                "check",
                "jobs",
                "--limits",
                "ci/limits.yaml",
                "--format",
                format,
            ],
            &[("JOBCHECK_TOKEN_FILE", token_arg)],
            &c.repo,
        );
        assert_eq!(run.code, 2, "{format}: {}", run.all());
        assert_secret_free(&run, &[CANARY, &token, &token[..20]], format);
    }
}

#[test]
fn a_link_out_of_the_repository_is_refused_unless_followed() {
    let c = checkout();
    // A directory of "jobs" outside the checkout, one of them broken so that
    // its text would be shown as a snippet.
    let secret_dir = c.outside.join("secret-jobs");
    std::fs::create_dir_all(&secret_dir).unwrap();
    std::fs::write(
        secret_dir.join("leak.yaml"),
        format!("resourceGroup: CpuSmall\ncpus: [{CANARY}\n"),
    )
    .unwrap();
    symlink(&secret_dir, c.repo.join("linked-jobs")).unwrap();
    symlink(secret_dir.join("leak.yaml"), c.repo.join("jobs/leak.yaml")).unwrap();
    let limits = c.outside.join("limits.yaml");
    let limits = limits.to_str().unwrap();
    for format in FORMATS {
        for target in ["linked-jobs", "jobs/leak.yaml"] {
            let run = jobcheck(
                &["check", target, "--limits", limits, "--format", format],
                &[],
                &c.repo,
            );
            let what = format!("{format} {target}");
            assert_eq!(run.code, 2, "{what}: {}", run.all());
            assert_secret_free(&run, &[CANARY], &what);
            assert!(
                run.stderr.contains(target) && run.stderr.contains("--follow"),
                "{what}: {}",
                run.stderr
            );
        }
        // In a walk, the linked file is passed over (links are not followed
        // in a walk, as ripgrep does), and nothing of it is shown.
        let run = jobcheck(
            &["check", "jobs", "--limits", limits, "--format", format],
            &[],
            &c.repo,
        );
        assert_eq!(run.code, 0, "{format} walk: {}", run.all());
        assert_secret_free(&run, &[CANARY], format);
    }
    // `--follow`: the user says the link is meant.
    let run = jobcheck(
        &["check", "linked-jobs", "--limits", limits, "--follow"],
        &[],
        &c.repo,
    );
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.stdout.contains("leak.yaml"), "{}", run.all());
    // A link that stays inside the repository is fine.
    symlink(c.repo.join("jobs/small.yaml"), c.repo.join("alias.yaml")).unwrap();
    let run = jobcheck(&["check", "alias.yaml", "--limits", limits], &[], &c.repo);
    assert_eq!(run.code, 0, "{}", run.all());
}

#[test]
fn outside_any_repository_links_to_proc_are_refused_as_limits() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("job.yaml"), JOB).unwrap();
    symlink("/proc/self/environ", dir.path().join("limits.yaml")).unwrap();
    let run = jobcheck(
        &["check", "job.yaml", "--limits", "limits.yaml"],
        &[],
        dir.path(),
    );
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(run.stderr.contains("`/proc`"), "{}", run.stderr);
    assert_secret_free(&run, &[CANARY], "no repository");
    // Given by its own name, too.
    let run = jobcheck(
        &["check", "job.yaml", "--limits", "/proc/self/environ"],
        &[],
        dir.path(),
    );
    assert_eq!(run.code, 2, "{}", run.all());
    assert_secret_free(&run, &[CANARY], "/proc by name");
}

#[test]
fn a_bad_limits_file_shows_only_its_offending_line_clipped() {
    let c = checkout();
    // A long line holding a secret-looking run far from the error, and
    // the lines around the error that must not be shown.
    let before = format!("# above {CANARY}\n");
    let long_tail = "x".repeat(5000);
    let text = format!(
        "{before}- resourceGroup: A\n  cpuNumber: [unclosed {long_tail} {CANARY}\n# below {CANARY}\n"
    );
    std::fs::write(c.repo.join("ci/limits.yaml"), text).unwrap();
    let run = jobcheck(
        &["check", "jobs", "--limits", "ci/limits.yaml"],
        &[],
        &c.repo,
    );
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(!run.stderr.contains(CANARY), "{}", run.stderr);
    assert!(run.stderr.contains("ci/limits.yaml"), "{}", run.stderr);
    let longest = run.stderr.lines().map(|l| l.chars().count()).max().unwrap();
    assert!(
        longest <= 200,
        "a line of {longest} characters: {}",
        run.stderr
    );
}

#[test]
fn a_planted_link_at_the_output_path_leaves_its_target_unchanged() {
    let c = checkout();
    let tool = c.outside.join("tool");
    let original = b"#!/bin/sh\necho the runner's own tool\n";
    std::fs::write(&tool, original).unwrap();
    std::fs::set_permissions(&tool, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = c.repo.join("jobcheck.sarif");
    symlink("../outside/tool", &out).unwrap();
    let limits = c.outside.join("limits.yaml");
    let run = jobcheck(
        &[
            "check",
            "jobs",
            "--limits",
            limits.to_str().unwrap(),
            "--format",
            "sarif",
            "--output-file",
            "jobcheck.sarif",
        ],
        &[],
        &c.repo,
    );
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(std::fs::read(&tool).unwrap(), original);
    let mode = std::fs::metadata(&tool).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o755);
    // The link was replaced by a regular file holding the report.
    let meta = std::fs::symlink_metadata(&out).unwrap();
    assert!(meta.file_type().is_file(), "{meta:?}");
    assert_eq!(meta.permissions().mode() & 0o111, 0, "not executable");
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    // An existing file is replaced, not written in place: a hard link to it
    // keeps the old bytes.
    let hard = c.outside.join("hard");
    std::fs::hard_link(&out, &hard).unwrap();
    let before = std::fs::read(&hard).unwrap();
    let run = jobcheck(
        &[
            "check",
            "jobs",
            "--limits",
            limits.to_str().unwrap(),
            "--format",
            "json",
            "--output-file",
            "jobcheck.sarif",
        ],
        &[],
        &c.repo,
    );
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(std::fs::read(&hard).unwrap(), before);
    let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode & !0o644, 0, "mode {mode:o}");
    assert!(
        std::fs::read_to_string(&out)
            .unwrap()
            .contains("\"version\": 1")
    );
}

#[test]
fn a_planted_directory_link_on_the_output_path_is_refused() {
    // `reports -> ../outside`: the report would land outside the checkout,
    // over a file the pull request chose the directory of.
    let c = checkout();
    let victim = c.outside.join("jobcheck.sarif");
    std::fs::write(&victim, b"the runner's own file\n").unwrap();
    symlink("../outside", c.repo.join("reports")).unwrap();
    std::fs::create_dir_all(c.repo.join("real/deeper")).unwrap();
    symlink("real", c.repo.join("inside")).unwrap();
    let limits = c.outside.join("limits.yaml");
    let limits = limits.to_str().unwrap();
    let report = |out: &str, extra: &[&str]| {
        let mut args = vec!["check", "jobs", "--limits", limits, "--output-file", out];
        args.extend_from_slice(extra);
        jobcheck(&args, &[], &c.repo)
    };
    for (out, extra) in [
        ("reports/jobcheck.sarif", &["--format", "sarif"][..]),
        ("jobs/../reports/jobcheck.sarif", &["--format", "sarif"][..]),
        (
            "reports/jobcheck.sarif",
            &["--format", "sarif", "--fix"][..],
        ),
    ] {
        let run = report(out, extra);
        assert_eq!(run.code, 2, "{out} {extra:?}: {}", run.all());
        assert!(
            run.stderr.contains("outside the repository"),
            "{out}: {}",
            run.stderr
        );
        assert!(run.stdout.is_empty(), "{out}: {}", run.stdout);
        assert_eq!(
            std::fs::read(&victim).unwrap(),
            b"the runner's own file\n",
            "{out}"
        );
        let left: Vec<_> = std::fs::read_dir(&c.outside)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(left.len(), 2, "{out}: nothing new outside: {left:?}");
    }
    // A baseline is a written file too.
    let run = jobcheck(
        &[
            "check",
            "jobs",
            "--limits",
            limits,
            "--write-baseline",
            "reports/baseline.json",
        ],
        &[],
        &c.repo,
    );
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(!c.outside.join("baseline.json").exists());
    // A link that stays inside the checkout is a directory like another.
    let run = report("inside/deeper/jobcheck.sarif", &["--format", "sarif"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(c.repo.join("real/deeper/jobcheck.sarif").is_file());
    // Outside any repository, a path means what it says.
    let elsewhere = c.outside.join("elsewhere.sarif");
    let run = report(elsewhere.to_str().unwrap(), &["--format", "sarif"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(elsewhere.is_file());
}

#[test]
fn a_link_to_another_repository_does_not_make_its_inside_the_checkout() {
    // `reports -> ../outside`, and `outside/sub` holds a `.git` of its own:
    // `reports/sub/…` is in "a repository", but not in the checkout.
    let c = checkout();
    std::fs::create_dir_all(c.outside.join("sub/.git")).unwrap();
    std::fs::write(c.outside.join("sub/job.yaml"), JOB).unwrap();
    symlink("../outside", c.repo.join("reports")).unwrap();
    let limits = c.outside.join("limits.yaml");
    let limits = limits.to_str().unwrap();
    let refused = |args: &[&str]| {
        let run = jobcheck(args, &[], &c.repo);
        assert_eq!(run.code, 2, "{args:?}: {}", run.all());
        assert!(
            run.stderr.contains("outside the repository"),
            "{args:?}: {}",
            run.stderr
        );
    };
    let written = [
        "check",
        "jobs",
        "--limits",
        limits,
        "-o",
        "reports/sub/x.sarif",
    ];
    refused(&written);
    assert!(!c.outside.join("sub/x.sarif").exists());
    // Nor is it read.
    refused(&["check", "reports/sub/job.yaml", "--limits", limits]);
}

#[test]
fn with_follow_a_fix_is_written_where_the_file_was_read() {
    // `--follow` lets a job behind a link out of the checkout be read; its
    // fix goes back to it (the link is followed on purpose).
    let c = checkout();
    std::fs::create_dir_all(c.outside.join("shared")).unwrap();
    let job = c.outside.join("shared/a.yaml");
    std::fs::write(
        &job,
        "name: a\nresourceGroup: CpuSmall\ncpus: 4\nmemory: 8\n",
    )
    .unwrap();
    symlink("../outside/shared", c.repo.join("linked")).unwrap();
    let limits = c.outside.join("limits.yaml");
    let limits = limits.to_str().unwrap();
    let args = ["check", "linked", "--limits", limits, "--fix"];
    let run = jobcheck(&args, &[], &c.repo);
    assert_eq!(
        run.code,
        2,
        "without --follow it is not read: {}",
        run.all()
    );
    assert!(
        std::fs::read_to_string(&job)
            .unwrap()
            .contains("memory: 8\n")
    );
    let mut args = args.to_vec();
    args.push("--follow");
    let run = jobcheck(&args, &[], &c.repo);
    assert!(run.stderr.contains("applied 1 fix"), "{}", run.all());
    assert!(
        std::fs::read_to_string(&job)
            .unwrap()
            .contains("memory: 8M\n"),
        "{}",
        run.all()
    );
}

/// Every C0 control, DEL, every C1 control, every bidi control, and line
/// breaks that forge workflow commands.
fn hostile_chars() -> Vec<char> {
    let mut chars: Vec<char> = (0u32..0x20)
        .chain(0x7f..0xa0)
        .filter_map(char::from_u32)
        .collect();
    chars.extend(['\u{202a}', '\u{202b}', '\u{202c}', '\u{202d}', '\u{202e}']);
    chars.extend(['\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}']);
    chars
}

/// A YAML double-quoted string holding `s` (every character escaped).
fn yaml_quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        if c.is_ascii_alphanumeric() || " :=,.-_".contains(c) {
            out.push(c);
        } else {
            out.push_str(&format!("\\U{:08x}", c as u32));
        }
    }
    out.push('"');
    out
}

const FORGED: [&str; 3] = [
    "\n::error file=README.md,line=1::forged",
    "\n::add-mask::x",
    "\r\n  ::warning::indented",
];

/// A text carrying every hostile character and the forged commands.
fn hostile_text(tag: &str) -> String {
    let mut s = tag.to_string();
    for c in hostile_chars() {
        s.push(c);
        s.push('z');
    }
    for f in FORGED {
        s.push_str(f);
    }
    s
}

/// What may not appear in human-readable output: any control but the line
/// feed, any bidi control.
fn raw_hostile(text: &str) -> Option<char> {
    text.chars()
        .find(|&c| c != '\n' && hostile_chars().contains(&c))
}

/// A line that GitHub would read as a workflow command (it trims leading
/// white space first).
fn forged_command(line: &str) -> bool {
    line.trim_start().starts_with("::")
}

/// jobcheck's own annotations: `::error file=…,title=jobcheck%3A code::…`.
fn own_command(line: &str) -> bool {
    let Some(rest) = line
        .strip_prefix("::error ")
        .or_else(|| line.strip_prefix("::warning "))
        .filter(|rest| rest.starts_with("file="))
    else {
        return false;
    };
    let Some((props, _message)) = rest.split_once("::") else {
        return false;
    };
    props.contains("title=jobcheck%3A ")
        && !props.contains('\n')
        && props
            .split(',')
            .all(|p| p.contains('=') && !p.contains(' ') || p.starts_with("title=jobcheck%3A "))
}

fn assert_clean(run: &Run, format: &str, what: &str) {
    let human = !matches!(format, "json" | "sarif");
    let outputs = [("stdout", &run.stdout), ("stderr", &run.stderr)];
    for (name, text) in outputs {
        // Standard error is always for people.
        if (human || name == "stderr")
            && let Some(c) = raw_hostile(text)
        {
            panic!("{what} {format} {name}: raw U+{:04X} in\n{text}", c as u32);
        }
        if !human && name == "stdout" {
            // JSON escapes every C0 control itself; the rest is data there,
            // kept exactly for the program that reads it.
            assert!(
                !text.chars().any(|c| c < ' ' && c != '\n'),
                "{what} {format}: {text}"
            );
        }
        for line in text.split(['\n', '\r']) {
            if forged_command(line) {
                assert!(
                    format == "github" && name == "stdout" && own_command(line),
                    "{what} {format} {name}: a workflow command: {line:?}\n{text}"
                );
            }
        }
        assert!(!text.contains("\n::add-mask"), "{what} {format} {name}");
    }
}

#[test]
fn repository_text_never_becomes_a_terminal_or_ci_command() {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path();
    let group = hostile_text("G");
    let key = hostile_text("K");
    let value = hostile_text("V");
    let name = hostile_text("N");
    // A job in a hostile group; an unknown hostile key; a hostile value in a
    // field the rules read; a hostile job name.
    std::fs::write(
        work.join("values.yaml"),
        format!(
            "name: {}\nresourceGroup: {}\n{}: 1\ncpus: {}\nmemory: 8G\nwalltime: 1h\n",
            yaml_quoted(&name),
            yaml_quoted(&group),
            yaml_quoted(&key),
            yaml_quoted(&value)
        ),
    )
    .unwrap();
    // A file whose name forges a command and carries escapes.
    let file_name = "::error::x\u{1b}]0;title\u{7}\u{202e}.yaml";
    std::fs::write(
        work.join(file_name),
        "name: n\nresourceGroup: Nowhere\ncpus: 9999\nmemory: 8G\nwalltime: 1h\n",
    )
    .unwrap();
    // Raw escapes in the source itself (a syntax error is shown with its line).
    let mut raw = String::from("resourceGroup: CpuSmall\ncpus: 1\nx: \"");
    raw.extend(hostile_chars().iter().filter(|c| **c != '\n'));
    raw.push_str("\"\n");
    std::fs::write(work.join("raw.yaml"), raw).unwrap();
    // The limits file holds a hostile group too, for `jobcheck limits`.
    let limits = format!(
        "{LIMITS}- resourceGroup: {}\n  acceleratorType: cpu\n  cpuNumber: 8\n  \
         memorySize: 1000\n  nodeNumber: 1\n  maxTime: \"1:00:00\"\n",
        yaml_quoted(&group)
    );
    std::fs::write(work.join("limits.yaml"), limits).unwrap();
    let inputs = ["values.yaml", file_name, "raw.yaml"];
    for format in FORMATS {
        let mut args = vec!["check", "--limits", "limits.yaml", "--format", format];
        args.extend(inputs);
        let run = jobcheck(&args, &[], work);
        assert!(run.code == 1, "{format}: {}", run.all());
        assert_clean(&run, format, "limits file");
        // The hostile text did come out, escaped (JSON in its own way).
        let escaped = if matches!(format, "json" | "sarif") {
            "\\u001b"
        } else {
            "\\u{1b}"
        };
        assert!(run.stdout.contains(escaped), "{format}: {}", run.stdout);
        // The table, statistics and the human summary.
        if format == "human" || format == "concise" {
            let mut args = args.clone();
            args.extend(["--table", "--statistics"]);
            let run = jobcheck(&args, &[], work);
            assert_clean(&run, format, "table");
        }
    }
    // `jobcheck limits`: the table of every group.
    let run = jobcheck(&["limits", "--limits", "limits.yaml"], &[], work);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_clean(&run, "human", "limits table");
    assert!(run.stdout.contains("\\u{202e}"), "{}", run.stdout);
    // A group asked for by a near name (no NUL can be an argument): the
    // refusal suggests the hostile name, escaped.
    let near: String = group.chars().filter(|&c| c != '\0').collect();
    let run = jobcheck(
        &["limits", "--limits", "limits.yaml", "--group", &near],
        &[],
        work,
    );
    assert_eq!(run.code, 1, "{}", run.all());
    assert_clean(&run, "human", "limits refusal");
    // Limits unavailable: the notices on standard error name the group.
    let server = Server::start(|_| Reply::Http(503, Vec::new(), "down".into()));
    let token = good_token();
    for format in FORMATS {
        let url = server.url();
        let args = vec![
            "check",
            "--endpoint",
            &url,
            "--format",
            format,
            "--timeout",
            "5",
            "values.yaml",
        ];
        let run = jobcheck(&args, &[("JOBCHECK_TOKEN", &token)], work);
        assert_eq!(run.code, 3, "{format}: {}", run.all());
        assert!(run.all().contains("unavailable"), "{}", run.all());
        assert_clean(&run, format, "unavailable");
    }
}

#[test]
fn a_server_answer_never_becomes_a_command_either() {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path();
    std::fs::write(work.join("job.yaml"), JOB).unwrap();
    let hostile = hostile_text("M");
    // An error code jobcheck does not know: its message is quoted.
    let body = json!({"code": "99999", "msg": hostile, "data": null}).to_string();
    let server = Server::start(move |_| Reply::json(body.clone()));
    let token = good_token();
    let url = server.url();
    for format in FORMATS {
        let run = jobcheck(
            &["check", "job.yaml", "--endpoint", &url, "--format", format],
            &[("JOBCHECK_TOKEN", &token)],
            work,
        );
        assert_eq!(run.code, 3, "{}", run.all());
        assert!(run.all().contains("99999"), "{}", run.all());
        assert_clean(&run, format, "server message");
    }
    let run = jobcheck(
        &[
            "limits",
            "--endpoint",
            &url,
            "--group",
            "CpuSmall",
            "--accelerator",
            "cpu",
        ],
        &[("JOBCHECK_TOKEN", &token)],
        work,
    );
    assert_ne!(run.code, 0, "{}", run.all());
    assert_clean(&run, "human", "limits from server");
}

#[test]
fn at_most_a_hundred_diagnostics_are_shown_per_document() {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path();
    let mut text = String::from(JOB);
    for i in 0..350 {
        text.push_str(&format!("unknownKey{i:04}: 1\n"));
    }
    std::fs::write(work.join("many.yaml"), &text).unwrap();
    std::fs::write(work.join("limits.yaml"), LIMITS).unwrap();
    for format in ["human", "concise", "github", "junit"] {
        let run = jobcheck(
            &[
                "check",
                "many.yaml",
                "--limits",
                "limits.yaml",
                "-f",
                format,
            ],
            &[],
            work,
        );
        let shown = run.stdout.matches("unknown key `unknownKey").count();
        assert!(
            (100..=101).contains(&shown),
            "{format}: {shown} shown\n{}",
            run.stdout
        );
        assert!(run.stdout.contains("250 more"), "{format}: {}", run.stdout);
    }
}

#[test]
fn a_violation_past_column_65535_renders_in_the_human_format() {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path();
    let mut body = serde_json::Map::new();
    body.insert("resourceGroup".into(), json!("CpuSmall"));
    body.insert("acceleratorType".into(), json!("cpu"));
    body.insert("padding".into(), json!("p".repeat(70_000)));
    body.insert("cpuNumber".into(), json!(9999));
    body.insert("ramSize".into(), json!(1024));
    body.insert("nodeNumber".into(), json!(1));
    body.insert("timeLimit".into(), json!("01:00:00"));
    std::fs::write(
        work.join("body.json"),
        serde_json::Value::Object(body).to_string(),
    )
    .unwrap();
    std::fs::write(work.join("limits.yaml"), LIMITS).unwrap();
    let run = jobcheck(
        &["check", "body.json", "--limits", "limits.yaml"],
        &[],
        work,
    );
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.stdout.contains("cpus-over-limit"), "{}", run.stdout);
    let longest = run.stdout.lines().map(|l| l.chars().count()).max().unwrap();
    assert!(longest <= 400, "a line of {longest} characters");
}

#[test]
fn more_than_a_thousand_pairs_is_a_usage_error_with_no_request_beyond() {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path();
    let mut text = String::new();
    for i in 0..1_200 {
        text.push_str(&format!(
            "---\nresourceGroup: G{i}\ncpus: 1\nmemory: 1G\nwalltime: 1h\n"
        ));
    }
    std::fs::write(work.join("many.yaml"), text).unwrap();
    let server = Server::platform(vec![]);
    let token = good_token();
    let url = server.url();
    let run = jobcheck(
        &["check", "many.yaml", "--endpoint", &url, "-f", "json"],
        &[("JOBCHECK_TOKEN", &token)],
        work,
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("1000") || run.stderr.contains("1,000"),
        "{}",
        run.stderr
    );
    assert!(server.count() <= 1_000, "{} requests", server.count());
}

#[test]
fn a_token_minted_already_expired_goes_nowhere_else() {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path();
    std::fs::write(work.join("job.yaml"), JOB).unwrap();
    let server = Server::start(|req| {
        if req.target.starts_with("/api/user/v3/tokens") {
            let token = jwt(r#"{"user":"alice","clusterId":"1","expireTime":"1000"}"#);
            Reply::json(
                json!({"code":"0","msg":"success",
                       "data":[{"clusterName":"one","clusterId":"1","token":token}]})
                .to_string(),
            )
        } else {
            Reply::json(r#"{"code":"0","msg":"success","data":null}"#)
        }
    });
    let url = server.url();
    let run = jobcheck(
        &["check", "job.yaml"],
        &[
            ("JOBCHECK_USER", "alice"),
            ("JOBCHECK_ACCESS_KEY", "AKID0123456789"),
            ("JOBCHECK_SECRET_KEY", "sk-0123456789abcdef"),
            ("JOBCHECK_AUTH_URL", &url),
            ("JOBCHECK_AC_URL", &url),
        ],
        work,
    );
    assert_eq!(run.code, 3, "{}", run.all());
    assert!(run.stderr.contains("expired"), "{}", run.stderr);
    let targets: Vec<String> = server.requests().into_iter().map(|r| r.target).collect();
    assert_eq!(targets.len(), 1, "only the mint: {targets:?}");
}
