//! Suppressions, the baseline and `--select`/`--ignore` as a user runs
//! them: every kind of `# jobcheck: ignore`, `unused-suppression`,
//! `per-file-ignores` for JSON, a baseline hiding findings and reporting
//! entries that match nothing, and the JSON/SARIF marks.

use std::path::Path;

use serde_json::Value;

use crate::support;

use support::cli::{jobcheck, root};

fn run(dir: &Path, args: &[&str]) -> (i32, Value, String) {
    let out = jobcheck()
        .current_dir(dir)
        .args(["check", "-f", "json", "--limits"])
        .arg(root().join("examples/limits.yaml"))
        .args(args)
        .output()
        .expect("jobcheck runs");
    let json = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)));
    (
        out.status.code().expect("exit code"),
        json,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// (code, line) of each shown diagnostic.
fn shown(report: &Value) -> Vec<(String, u64)> {
    report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap_or(0),
            )
        })
        .collect()
}

/// (by, code, line) of each suppressed finding.
fn hidden(report: &Value) -> Vec<(String, String, u64)> {
    report["suppressed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["by"].as_str().unwrap().to_string(),
                s["diagnostic"]["code"].as_str().unwrap().to_string(),
                s["diagnostic"]["line"].as_u64().unwrap_or(0),
            )
        })
        .collect()
}

const JOBS: &str = "\
# jobcheck: ignore[memory-unit-missing]
name: a
resourceGroup: TeslaM40
cpus: 64  # jobcheck: ignore[cpus-over-limit]
memory: 16
---
name: b
resourceGroup: TeslaM40
cpus: 64
memory: 8  # no unit, and not suppressed in this document
---
name: c # jobcheck: ignore-file[unknown-field]
resourceGroup: TeslaM40
cpus: 2
gpuu: 1
memory: 1G
";

#[test]
fn a_line_a_document_and_a_file_each_suppress_their_codes() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("jobs.yaml"), JOBS).unwrap();
    let (code, report, _) = run(dir.path(), &["jobs.yaml"]);
    assert_eq!(
        hidden(&report),
        [
            ("comment".into(), "cpus-over-limit".into(), 4),
            ("comment".into(), "memory-unit-missing".into(), 5),
            ("comment".into(), "unknown-field".into(), 15),
        ]
    );
    assert_eq!(
        shown(&report),
        [
            ("cpus-over-limit".into(), 9),
            ("memory-unit-missing".into(), 10)
        ]
    );
    let verdicts: Vec<&str> = report["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["verdict"].as_str().unwrap())
        .collect();
    // Job a's only error is suppressed: it is admitted.
    assert_eq!(verdicts, ["admitted", "rejected", "admitted"]);
    assert_eq!(report["summary"]["suppressed"], 3);
    assert_eq!(report["summary"]["errors"], 1);
    assert_eq!(code, 1);
    // Without the comments, all six show.
    let plain: String = JOBS
        .lines()
        .map(|l| l.split("# jobcheck").next().unwrap().trim_end().to_string() + "\n")
        .collect();
    std::fs::write(dir.path().join("plain.yaml"), plain).unwrap();
    let (_, report, _) = run(dir.path(), &["plain.yaml"]);
    assert_eq!(shown(&report).len(), 5, "{:?}", shown(&report));
    assert!(hidden(&report).is_empty());
}

#[test]
fn unused_bare_and_unknown_suppressions_are_warnings() {
    let dir = tempfile::tempdir().unwrap();
    let text = "\
name: a
resourceGroup: TeslaM40  # jobcheck: ignore
cpus: 4  # jobcheck: ignore[cpus-over-limit]
memory: 1G  # jobcheck: ignore[memroy-over-limit]
# jobcheck: ignore[walltime-missing]
";
    std::fs::write(dir.path().join("a.yaml"), text).unwrap();
    let (code, report, _) = run(dir.path(), &["a.yaml"]);
    let diags = report["diagnostics"].as_array().unwrap();
    assert_eq!(diags.len(), 4, "{diags:#?}");
    assert!(
        diags
            .iter()
            .all(|d| d["code"] == "unused-suppression" && d["severity"] == "warning")
    );
    let message = |line: u64| {
        diags
            .iter()
            .find(|d| d["line"] == line)
            .map(|d| format!("{} {}", d["message"], d["help"]))
            .unwrap_or_default()
    };
    assert!(message(2).contains("names no codes"), "{}", message(2));
    assert!(
        message(3).contains("no `cpus-over-limit` on this line"),
        "{}",
        message(3)
    );
    assert!(
        message(4).contains("did you mean `memory-over-limit`"),
        "{}",
        message(4)
    );
    assert!(message(5).contains("line of its own"), "{}", message(5));
    // Warnings only: admitted, unless warnings are denied.
    assert_eq!(code, 0);
    let (code, report, _) = run(dir.path(), &["--deny-warnings", "a.yaml"]);
    assert_eq!(
        (code, report["jobs"][0]["verdict"].as_str()),
        (1, Some("rejected"))
    );
    // The rule can be turned off like any other.
    let (_, report, _) = run(dir.path(), &["--ignore", "unused-suppression", "a.yaml"]);
    assert!(shown(&report).is_empty());
}

#[test]
fn per_file_ignores_suppress_in_json_files() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("vendor")).unwrap();
    let body = r#"{"instanceServiceName": "x", "resourceGroup": "TeslaM40", "cpuNumber": 64, "gpuNumber": 1, "ramSize": 1024, "extra": 1}"#;
    std::fs::write(dir.path().join("vendor/a.json"), body).unwrap();
    std::fs::write(dir.path().join("b.json"), body).unwrap();
    std::fs::write(
        dir.path().join("jobcheck.toml"),
        "per-file-ignores = { \"vendor/*.json\" = [\"cpus-over-limit\", \"unknown-field\"] }\n",
    )
    .unwrap();
    let (_, report, _) = run(dir.path(), &["vendor/a.json", "b.json"]);
    let in_file = |file: &str| -> Vec<String> {
        report["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["file"] == file)
            .map(|d| d["code"].as_str().unwrap().to_string())
            .collect()
    };
    assert!(!in_file("vendor/a.json").contains(&"cpus-over-limit".to_string()));
    assert!(
        in_file("b.json").contains(&"cpus-over-limit".to_string()),
        "{report:#}"
    );
    assert!(hidden(&report).iter().all(|h| h.0 == "configuration"));
    assert!(hidden(&report).iter().any(|h| h.1 == "cpus-over-limit"));
    // An unknown code in the table is a configuration error, at its place.
    std::fs::write(
        dir.path().join("jobcheck.toml"),
        "per-file-ignores = { \"*.json\" = [\"cpus-over-limt\"] }\n",
    )
    .unwrap();
    let out = jobcheck()
        .current_dir(dir.path())
        .args(["check", "--limits"])
        .arg(root().join("examples/limits.yaml"))
        .arg("b.json")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("did you mean `cpus-over-limit`"), "{err}");
}

#[test]
fn select_and_ignore_on_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("a.yaml"),
        "resourceGroup: TeslaM40\ncpus: 64\ngpuu: 1\nmemory: 16\n",
    )
    .unwrap();
    let codes = |args: &[&str]| -> Vec<String> {
        let mut all = args.to_vec();
        all.push("a.yaml");
        let (_, report, _) = run(dir.path(), &all);
        let mut c: Vec<String> = shown(&report).into_iter().map(|c| c.0).collect();
        c.sort();
        c
    };
    assert_eq!(
        codes(&[]),
        ["cpus-over-limit", "memory-unit-missing", "unknown-field"]
    );
    assert_eq!(codes(&["--select", "cpus-over-limit"]), ["cpus-over-limit"]);
    assert_eq!(
        codes(&["--select", "cpus-over-limit,unknown-field"]),
        ["cpus-over-limit", "unknown-field"]
    );
    assert_eq!(
        codes(&[
            "--select",
            "cpus-over-limit",
            "--select",
            "memory-unit-missing"
        ]),
        ["cpus-over-limit", "memory-unit-missing"]
    );
    assert_eq!(
        codes(&["--ignore", "cpus-over-limit,unknown-field"]),
        ["memory-unit-missing"]
    );
    let out = jobcheck()
        .current_dir(dir.path())
        .args(["check", "--ignore", "cpu-over-limit", "a.yaml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("`cpu-over-limit` is not a rule code")
            && err.contains("did you mean `cpus-over-limit`"),
        "{err}"
    );
}

#[test]
fn a_baseline_hides_what_it_lists_and_names_what_is_gone() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("jobs")).unwrap();
    let a = "name: train\nresourceGroup: TeslaM40\ncpus: 64\ngpuu: 1\nmemory: 8G\n";
    std::fs::write(dir.path().join("jobs/a.yaml"), a).unwrap();
    let out = jobcheck()
        .current_dir(dir.path())
        .args(["check", "--limits"])
        .arg(root().join("examples/limits.yaml"))
        .args(["--write-baseline", "jobcheck-baseline.json", "jobs"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("wrote 2 findings"));
    let baseline: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("jobcheck-baseline.json")).unwrap(),
    )
    .unwrap();
    let entries = baseline["findings"].as_array().unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0]["file"], "jobs/a.yaml");
    assert_eq!(entries[0]["job"], "train");
    assert!(entries.iter().all(|e| e.get("line").is_none()));
    // Lines added above the findings do not matter.
    let moved = format!("# a comment\n# another\n{a}");
    std::fs::write(dir.path().join("jobs/a.yaml"), &moved).unwrap();
    let (code, report, stderr) = run(
        dir.path(),
        &["--baseline", "jobcheck-baseline.json", "jobs"],
    );
    assert_eq!(code, 0, "{report:#}");
    assert!(shown(&report).is_empty());
    assert_eq!(report["summary"]["suppressed"], 2);
    assert!(hidden(&report).iter().all(|h| h.0 == "baseline"));
    assert!(stderr.contains("hid 2 findings"), "{stderr}");
    assert!(!stderr.contains("no longer"), "{stderr}");
    // A new finding shows; a fixed one's entry is named as gone.
    let changed = moved
        .replace("gpuu: 1", "gpus: 1")
        .replace("memory: 8G", "memory: 64G");
    std::fs::write(dir.path().join("jobs/a.yaml"), changed).unwrap();
    let (code, report, stderr) = run(
        dir.path(),
        &["--baseline", "jobcheck-baseline.json", "jobs"],
    );
    assert_eq!(code, 1);
    assert_eq!(shown(&report), [("memory-over-limit".into(), 7)]);
    assert!(stderr.contains("hid 1 finding"), "{stderr}");
    assert!(
        stderr.contains("1 entry of the baseline no longer matches anything"),
        "{stderr}"
    );
    assert!(
        stderr.contains("jobs/a.yaml, job train: unknown-field (gpuu)"),
        "{stderr}"
    );
    // Run from another directory, the paths are still the baseline's.
    let out = jobcheck()
        .current_dir(dir.path().join("jobs"))
        .args(["check", "-f", "json", "--limits"])
        .arg(root().join("examples/limits.yaml"))
        .args(["--baseline", "../jobcheck-baseline.json", "a.yaml"])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["summary"]["suppressed"], 1);
    // A broken baseline is a usage error.
    std::fs::write(dir.path().join("bad.json"), "[1, 2]").unwrap();
    let out = jobcheck()
        .current_dir(dir.path())
        .args(["check", "--limits"])
        .arg(root().join("examples/limits.yaml"))
        .args(["--baseline", "bad.json", "jobs"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a jobcheck baseline"));
}

#[test]
fn sarif_marks_suppressed_results() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("jobs.yaml"), JOBS).unwrap();
    let out = jobcheck()
        .current_dir(dir.path())
        .args(["check", "-f", "sarif", "--limits"])
        .arg(root().join("examples/limits.yaml"))
        .arg("jobs.yaml")
        .output()
        .unwrap();
    let sarif: Value = serde_json::from_slice(&out.stdout).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let suppressed: Vec<&Value> = results
        .iter()
        .filter(|r| r.get("suppressions").is_some())
        .collect();
    assert_eq!(suppressed.len(), 3);
    assert!(
        suppressed
            .iter()
            .all(|r| r["suppressions"][0]["kind"] == "inSource")
    );
    assert_eq!(results.len(), 5);
}
