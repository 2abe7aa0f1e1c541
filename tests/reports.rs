//! What the reports show: every human diagnostic names its job, missing
//! fields come as one diagnostic, `--table`, `-q`, `--statistics`, the
//! concise summary line, each job's request and limits in JSON, fixes (and
//! SARIF `fixes`), and the card quota judged per node, never summed over a run.

use crate::support;

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;
use support::cli::{jobcheck, root};

fn limits_file() -> PathBuf {
    root().join("examples/limits.yaml")
}

/// `jobcheck check --limits examples/limits.yaml ARGS…` run in `dir`.
fn run(dir: &Path, args: &[&str]) -> Output {
    jobcheck()
        .current_dir(dir)
        .arg("check")
        .arg("--limits")
        .arg(limits_file())
        .args(args)
        .output()
        .expect("jobcheck runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("UTF-8")
}

fn json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).expect("the output is JSON")
}

/// A small repository of jobs: named and unnamed, one document with an
/// error each, a minimal platform body, fixable problems.
fn jobs() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    };
    write(
        "jobs/train.yaml",
        "name: resnet50-train\nresourceGroup: TeslaM40\ncpus: 48\ngpus: 2\nmemory: 48G\nwalltime: 2d\n",
    );
    write(
        "jobs/batch.yaml",
        "# two documents, the second unnamed\nname: etl\nresourceGroup: CpuSmall\ncpus: 8\nmemory: 16\nwalltime: \"24:00:00\"\n---\nresourceGroup: CpuSmall\ncpus: 8\nmemroy: 8G\nwalltime: 2h\n",
    );
    write(
        "jobs/body.json",
        "{\"cpuNumber\": 4, \"ramSize\": 1024, \"gpuNumber\": 0}\n",
    );
    write(
        "jobs/wide.yaml",
        "name: wide\nresourceGroup: A800x8\ncpus: 16\ngpus: 4\nmemory: 64G\nwalltime: \"8-00:00:00\"\n",
    );
    dir
}

#[test]
fn human_report_names_jobs_groups_missing_fields_and_shows_the_table() {
    let dir = jobs();
    let output = run(
        dir.path(),
        &["jobs", "--color", "never", "--table", "--statistics"],
    );
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    assert!(
        text.contains("cpus-over-limit in job `resnet50-train`"),
        "{text}"
    );
    assert!(
        text.contains("unknown-field in job `jobs/batch.yaml#2`"),
        "{text}"
    );
    assert!(
        text.contains("missing-field in job `jobs/body.json#1`"),
        "{text}"
    );
    assert_eq!(text.matches("missing-field in job").count(), 2, "{text}");
    assert!(text.contains("this platform body lacks `instanceServiceName`, `acceleratorType`"));
    insta::assert_snapshot!("human_table_statistics", text);
}

#[test]
fn table_marks_cells_over_a_limit() {
    let dir = jobs();
    let plain = stdout(&run(
        dir.path(),
        &["jobs", "--color", "never", "--table", "-q"],
    ));
    let row = plain
        .lines()
        .find(|l| l.starts_with("resnet50-train"))
        .expect("a row per job");
    assert!(row.contains("48 > 40"), "{row}");
    assert!(row.contains("48G > 31888M"), "{row}");
    assert!(row.contains("2 gpu / 2"), "{row}");
    assert!(!plain.contains('\u{1b}'));
    // On a terminal (or with --color always) the cell is red instead.
    let coloured = stdout(&run(dir.path(), &["jobs", "--color", "always", "--table"]));
    assert!(
        coloured.contains("\u{1b}[1;31m48 > 40\u{1b}[0m"),
        "{coloured}"
    );
    // Every job has its row, named or `file#document`.
    for job in [
        "resnet50-train",
        "etl",
        "jobs/batch.yaml#2",
        "jobs/body.json#1",
        "wide",
    ] {
        assert!(
            plain.lines().any(|l| l.starts_with(job)),
            "{job} has no row:\n{plain}"
        );
    }
}

#[test]
fn concise_ends_with_the_summary_and_statistics_count_codes() {
    let dir = jobs();
    let output = run(dir.path(), &["jobs", "-f", "concise", "--statistics"]);
    let text = stdout(&output);
    let human = stdout(&run(dir.path(), &["jobs", "--color", "never"]));
    let summary = human.lines().last().expect("a summary line");
    assert_eq!(text.lines().last(), Some(summary));
    insta::assert_snapshot!("concise_statistics", text);

    // -q: the diagnostics only.
    let quiet = stdout(&run(dir.path(), &["jobs", "-f", "concise", "-q"]));
    assert!(!quiet.contains(summary));
    assert_eq!(
        quiet.lines().count(),
        json(&run(dir.path(), &["jobs", "-f", "json"]))["diagnostics"]
            .as_array()
            .expect("diagnostics")
            .len()
    );
    let quiet = stdout(&run(dir.path(), &["jobs", "--color", "never", "-q"]));
    assert!(!quiet.contains(summary), "{quiet}");
    assert!(quiet.contains("cpus-over-limit"));
}

#[test]
fn quiet_sends_notices_to_standard_error() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    std::fs::write(
        dir.path().join("job.yaml"),
        "resourceGroup: G\ncpus: 1\nmemory: 1G\n",
    )
    .expect("write");
    let output = jobcheck()
        .current_dir(dir.path())
        .args([
            "check",
            "-q",
            "--color",
            "never",
            "--endpoint",
            "http://127.0.0.1:9",
            "job.yaml",
        ])
        .env("JOBCHECK_TOKEN", "x.e30.x")
        .args(["--timeout", "2"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(3));
    // The unjudged job is named on stdout; the run-wide notice goes to
    // standard error.
    let out = stdout(&output);
    assert!(out.contains("limits-unavailable"), "{out}");
    assert!(!out.contains("limits unavailable for"), "{out}");
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(err.contains("limits unavailable"), "{err}");
}

fn report_validator() -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/schemas/report.schema.json"
        ))
        .expect("the committed schema"),
    )
    .expect("the report schema is JSON");
    jsonschema::draft7::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the report schema compiles")
}

fn sarif_validator() -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(include_str!("data/sarif-schema-2.1.0.json"))
        .expect("the SARIF schema is JSON");
    jsonschema::draft4::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the SARIF schema compiles")
}

fn errors(validator: &jsonschema::Validator, doc: &Value) -> Vec<String> {
    validator
        .iter_errors(doc)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

#[test]
fn json_carries_each_jobs_request_and_limits() {
    let dir = jobs();
    let report = json(&run(dir.path(), &["jobs", "-f", "json"]));
    assert_eq!(errors(&report_validator(), &report), Vec::<String>::new());
    let job = |name: &str| {
        report["jobs"]
            .as_array()
            .expect("jobs")
            .iter()
            .find(|j| j["name"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("no job {name}"))
    };
    // Each member named here has its value; which members there are is the
    // schema's to say (generated from the limit table, checked above), so
    // a new limit adds a member without an edit here.
    let members = |object: &Value, expected: Value| {
        for (key, value) in expected.as_object().expect("an object") {
            assert_eq!(&object[key], value, "{key} in {object}");
        }
    };
    let train = job("resnet50-train");
    members(
        &train["request"],
        serde_json::json!({"cpus": 48, "cards": 2, "memoryMiB": 49152, "nodes": 1, "walltimeSeconds": 172800}),
    );
    members(
        &train["limits"],
        serde_json::json!({"cpus": 40, "cards": 2, "quota": null, "memoryMiB": 31888, "nodes": 1, "maxTimeSeconds": null}),
    );
    let etl = job("etl");
    members(
        &etl["request"],
        serde_json::json!({"cpus": 8, "cards": 0, "memoryMiB": 16, "nodes": 1, "walltimeSeconds": 86400}),
    );
    assert_eq!(etl["limits"]["maxTimeSeconds"], 43200);
    let wide = job("wide");
    assert_eq!(wide["limits"]["quota"], 4);
    assert_eq!(wide["limits"]["cards"], 8);
    // A body without taskNumber has no nodes; without a group, no limits.
    let body = &report["jobs"]
        .as_array()
        .expect("jobs")
        .iter()
        .find(|j| j["file"] == "jobs/body.json")
        .expect("the body")
        .clone();
    assert_eq!(body["request"]["nodes"], Value::Null);
    assert_eq!(body["request"]["cards"], 0);
    assert_eq!(body["limits"], Value::Null);
    // The schema does check: a request without its walltime fails.
    let mut broken = report.clone();
    broken["jobs"][0]["request"]
        .as_object_mut()
        .expect("request")
        .remove("walltimeSeconds");
    assert!(!report_validator().is_valid(&broken));
}

/// Apply a fix given by line and column (1-based, in characters).
fn apply(text: &str, fix: &Value) -> String {
    let offset = |line: u64, column: u64| -> usize {
        let start: usize = text
            .split_inclusive('\n')
            .take(line as usize - 1)
            .map(str::len)
            .sum();
        start
            + text[start..]
                .chars()
                .take(column as usize - 1)
                .map(char::len_utf8)
                .sum::<usize>()
    };
    let n = |k: &str| fix[k].as_u64().expect("a position");
    let (start, end) = (
        offset(n("line"), n("column")),
        offset(n("endLine"), n("endColumn")),
    );
    format!(
        "{}{}{}",
        &text[..start],
        fix["replacement"].as_str().expect("replacement"),
        &text[end..]
    )
}

/// Each fix, applied alone, makes its diagnostic go away and brings no new
/// error: in the examples and in the small repository, YAML and JSON.
#[test]
fn every_fix_fixes_its_diagnostic() {
    let dir = jobs();
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/jobs");
    let mut fixes = 0;
    for (root, target) in [(dir.path().to_path_buf(), "jobs"), (examples.clone(), ".")] {
        let report = json(&run(&root, &[target, "-f", "json"]));
        for d in report["diagnostics"].as_array().expect("diagnostics") {
            if d["fix"].is_null() {
                continue;
            }
            fixes += 1;
            let file = root.join(d["file"].as_str().expect("file"));
            let text = std::fs::read_to_string(&file).expect("read");
            let scratch = tempfile::tempdir().expect("a temporary directory");
            let name = file.file_name().expect("a name");
            std::fs::write(scratch.path().join(name), apply(&text, &d["fix"])).expect("write");
            let after = json(&run(scratch.path(), &[".", "-f", "json"]));
            let same = |e: &&Value| e["code"] == d["code"] && e["document"] == d["document"];
            let before_errors = report["diagnostics"]
                .as_array()
                .expect("diagnostics")
                .iter()
                .filter(|e| e["file"] == d["file"] && e["severity"] == "error")
                .count();
            let after_diags = after["diagnostics"].as_array().expect("diagnostics");
            assert!(
                !after_diags
                    .iter()
                    .any(|e| same(&e) && e["field"] == d["field"]),
                "the fix of {d} leaves {after_diags:?}"
            );
            let after_errors = after_diags
                .iter()
                .filter(|e| e["severity"] == "error")
                .count();
            if d["severity"] == "error" {
                assert!(after_errors < before_errors, "{d}: {after_diags:?}");
            } else {
                assert!(after_errors <= before_errors, "{d}: {after_diags:?}");
            }
        }
    }
    assert!(fixes >= 8, "only {fixes} fixes");
}

#[test]
fn fixes_are_in_json_and_sarif_and_both_validate() {
    let dir = jobs();
    let report = json(&run(dir.path(), &["jobs", "-f", "json"]));
    assert_eq!(errors(&report_validator(), &report), Vec::<String>::new());
    let fixes: Vec<(String, String)> = report["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter(|d| !d["fix"].is_null())
        .map(|d| {
            (
                d["code"].as_str().unwrap_or_default().to_string(),
                d["fix"]["replacement"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
            )
        })
        .collect();
    let has =
        |code: &str, replacement: &str| fixes.iter().any(|(c, r)| c == code && r == replacement);
    assert!(has("cpus-over-limit", "40"), "{fixes:?}");
    assert!(has("memory-over-limit", "31888M"), "{fixes:?}");
    assert!(has("walltime-over-limit", "\"7-00:00:00\""), "{fixes:?}");
    assert!(has("walltime-over-limit", "\"12:00:00\""), "{fixes:?}");
    assert!(has("memory-unit-missing", "M"), "{fixes:?}");
    assert!(has("unknown-field", "memory"), "{fixes:?}");
    // The grouped missing fields are no single edit.
    assert!(!fixes.iter().any(|(c, _)| c == "missing-field"));

    let sarif = json(&run(dir.path(), &["jobs", "-f", "sarif"]));
    assert_eq!(errors(&sarif_validator(), &sarif), Vec::<String>::new());
    let results = sarif["runs"][0]["results"].as_array().expect("results");
    let with_fixes: Vec<&Value> = results
        .iter()
        .filter(|r| r.get("fixes").is_some())
        .collect();
    assert_eq!(with_fixes.len(), fixes.len());
    let cpus = with_fixes
        .iter()
        .find(|r| r["ruleId"] == "cpus-over-limit")
        .expect("a cpus fix");
    let change = &cpus["fixes"][0]["artifactChanges"][0];
    assert_eq!(change["artifactLocation"]["uri"], "jobs/train.yaml");
    let replacement = &change["replacements"][0];
    assert_eq!(replacement["insertedContent"]["text"], "40");
    assert_eq!(
        replacement["deletedRegion"],
        serde_json::json!({"startLine": 3, "startColumn": 7, "endLine": 3, "endColumn": 9})
    );
    insta::assert_snapshot!(
        "sarif_fixes",
        serde_json::to_string_pretty(&with_fixes).expect("JSON")
    );
}

/// The card quota is per node (nvLimits 4 on A800x8): jobs that fit it one
/// by one are admitted together, however many cards the run asks in all
/// (`quota-exceeded-by-run` is retired).
#[test]
fn the_card_quota_is_not_summed_over_a_run() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let job = |name: &str, gpus: u32, nodes: u32| {
        format!(
            "name: {name}\nresourceGroup: A800x8\nnodes: {nodes}\ncpus: 8\ngpus: {gpus}\nmemory: 64G\nwalltime: 24h\n"
        )
    };
    std::fs::write(dir.path().join("a.yaml"), job("first", 3, 1)).expect("write");
    std::fs::write(dir.path().join("b.yaml"), job("second", 4, 2)).expect("write");
    std::fs::write(dir.path().join("c.yaml"), job("third", 4, 4)).expect("write");
    let output = run(
        dir.path(),
        &[
            "a.yaml",
            "b.yaml",
            "c.yaml",
            "-f",
            "json",
            "--deny-warnings",
        ],
    );
    assert_eq!(output.status.code(), Some(0));
    let report = json(&output);
    assert_eq!(errors(&report_validator(), &report), Vec::<String>::new());
    assert!(
        report["diagnostics"].as_array().expect("d").is_empty(),
        "{report}"
    );
    // Five cards on a node is over the per-node quota, in that job alone.
    std::fs::write(dir.path().join("d.yaml"), job("fourth", 5, 1)).expect("write");
    let report = json(&run(dir.path(), &["a.yaml", "d.yaml", "-f", "json"]));
    let codes: Vec<(&str, &str)> = report["diagnostics"]
        .as_array()
        .expect("d")
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap_or(""),
                d["file"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(codes, [("accelerators-over-limit", "d.yaml")]);
}
