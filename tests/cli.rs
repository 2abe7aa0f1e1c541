//! The `jobcheck check` command as a user runs it: examples, exit codes,
//! positions in the JSON report, and rendered output (insta snapshots).

use std::path::Path;

use serde_json::Value;

use crate::support;

use support::cli::{jobcheck, root};

/// Run `check` with the example limits and return (exit code, JSON report).
fn check_json(paths: &[&str], dir: Option<&Path>) -> (i32, Value) {
    let mut cmd = jobcheck();
    cmd.args(["check", "--format", "json", "--limits"])
        .arg(root().join("examples/limits.yaml"));
    if let Some(dir) = dir {
        cmd.current_dir(dir);
    }
    cmd.args(paths);
    let out = cmd.output().expect("jobcheck runs");
    let code = out.status.code().expect("exit code");
    let json: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (code, json)
}

/// (code, line, column) of every diagnostic.
fn found(report: &Value) -> Vec<(String, u64, u64)> {
    report["diagnostics"]
        .as_array()
        .expect("diagnostics array")
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap_or("?").to_string(),
                d["line"].as_u64().unwrap_or(0),
                d["column"].as_u64().unwrap_or(0),
            )
        })
        .collect()
}

fn verdicts(report: &Value) -> Vec<String> {
    report["jobs"]
        .as_array()
        .expect("jobs array")
        .iter()
        .map(|j| j["verdict"].as_str().unwrap_or("?").to_string())
        .collect()
}

fn write(dir: &Path, name: &str, text: &[u8]) {
    std::fs::write(dir.join(name), text).expect("write fixture");
}

#[test]
fn good_examples_are_admitted() {
    let (code, report) = check_json(&["examples/jobs/good"], None);
    assert_eq!(code, 0, "{report:#}");
    assert!(found(&report).is_empty(), "{report:#}");
    assert_eq!(report["summary"]["admitted"], 5);
    assert!(verdicts(&report).iter().all(|v| v == "admitted"));
}

#[test]
fn each_bad_example_shows_its_mistake_where_it_is() {
    type Expected = &'static [(&'static str, u64, u64)];
    let cases: &[(&str, i32, Expected)] = &[
        ("cpus-over-limit.yaml", 1, &[("cpus-over-limit", 4, 7)]),
        ("memory-over-limit.yaml", 1, &[("memory-over-limit", 6, 9)]),
        ("gpu-quota.yaml", 1, &[("accelerators-over-limit", 5, 7)]),
        (
            "walltime-over-limit.yaml",
            1,
            &[("walltime-over-limit", 6, 11)],
        ),
        (
            "unknown-group.yaml",
            1,
            &[("unknown-resource-group", 3, 16)],
        ),
        (
            "duplicate-key.yaml",
            1,
            &[("duplicate-key", 6, 1), ("cpus-over-limit", 6, 7)],
        ),
        ("syntax-error.yaml", 1, &[("syntax-error", 8, 16)]),
        (
            "typo-key.yaml",
            1,
            &[("missing-field", 2, 1), ("unknown-field", 6, 1)],
        ),
        (
            "bad-values.yaml",
            1,
            &[
                ("invalid-value", 4, 7),
                ("invalid-value", 5, 7),
                ("invalid-value", 6, 9),
                ("invalid-value", 7, 11),
            ],
        ),
        (
            "type-mismatch.yaml",
            1,
            &[
                ("accelerator-type-mismatch", 4, 18),
                ("accelerator-type-mismatch", 6, 1),
            ],
        ),
        (
            "platform-body.json",
            1,
            &[
                ("walltime-over-limit", 7, 19),
                ("missing-field", 10, 21),
                ("memory-over-limit", 13, 14),
            ],
        ),
        (
            "memory-unit-missing.yaml",
            0,
            &[("memory-unit-missing", 6, 9)],
        ),
    ];
    for (file, want_code, want) in cases {
        let path = format!("examples/jobs/bad/{file}");
        let (code, report) = check_json(&[&path], None);
        let want: Vec<(String, u64, u64)> = want
            .iter()
            .map(|(c, l, col)| (c.to_string(), *l, *col))
            .collect();
        assert_eq!(found(&report), want, "{file}: {report:#}");
        assert_eq!(code, *want_code, "{file}");
    }
}

#[test]
fn the_json_report_carries_values_and_limits() {
    let (_, report) = check_json(&["examples/jobs/bad/memory-over-limit.yaml"], None);
    let d = &report["diagnostics"][0];
    assert_eq!(d["file"], "examples/jobs/bad/memory-over-limit.yaml");
    assert_eq!(d["document"], 1);
    assert_eq!(d["field"], "memory");
    assert_eq!(d["requested"], "48G (49152 MiB)");
    assert_eq!(d["limit"], "31888 MiB");
    assert_eq!(
        (d["endLine"].as_u64(), d["endColumn"].as_u64()),
        (Some(6), Some(12))
    );
    assert_eq!(
        d["message"],
        "memory 48G (49152 MiB) exceeds the group's 31888 MiB per node"
    );
    assert_eq!(report["jobs"][0]["name"], "big-batch");
    assert_eq!(report["jobs"][0]["verdict"], "rejected");
}

#[test]
fn report_validates_against_its_schema() {
    let (_, report) = check_json(&["examples/jobs"], None);
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/schemas/report.schema.json"
        ))
        .expect("the committed schema"),
    )
    .expect("schema is JSON");
    // The schema's required keys are exactly what the report has.
    let required = |v: &Value| -> Vec<String> {
        let mut r: Vec<String> = v["required"]
            .as_array()
            .expect("required")
            .iter()
            .map(|s| s.as_str().unwrap_or_default().to_string())
            .collect();
        r.sort();
        r
    };
    let keys = |v: &Value| -> Vec<String> {
        let mut k: Vec<String> = v.as_object().expect("object").keys().cloned().collect();
        k.sort();
        k
    };
    assert_eq!(keys(&report), required(&schema));
    assert_eq!(
        keys(&report["jobs"][0]),
        required(&schema["properties"]["jobs"]["items"])
    );
    assert_eq!(
        keys(&report["diagnostics"][0]),
        required(&schema["properties"]["diagnostics"]["items"])
    );
}

#[test]
fn multi_document_files_and_positions_after_non_ascii() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "multi.yaml",
        "name: \"résumé-训练\"\nresourceGroup: TeslaM40\ncpus: 8\nmemory: 8G\n---\n# 二\nname: \"ünïcode\"  # ok\nresourceGroup: TeslaM40\ncpus: 41\nmemory: 8G\n---\nname: c\nresourceGroup: TeslaM40\ncpus: 4\nmemory: 8G\n"
            .as_bytes(),
    );
    let (code, report) = check_json(&["multi.yaml"], Some(dir.path()));
    assert_eq!(code, 1);
    assert_eq!(found(&report), [("cpus-over-limit".to_string(), 9, 7)]);
    assert_eq!(report["diagnostics"][0]["document"], 2);
    assert_eq!(verdicts(&report), ["admitted", "rejected", "admitted"]);

    // Columns count characters, not bytes.
    write(
        dir.path(),
        "wide.yaml",
        "{name: \"训练训练\", resourceGroup: TeslaM40, cpus: 99, memory: 8G}\n".as_bytes(),
    );
    let (_, report) = check_json(&["wide.yaml"], Some(dir.path()));
    assert_eq!(found(&report), [("cpus-over-limit".to_string(), 1, 47)]);
}

#[test]
fn json_files_get_positions_too() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "job.json",
        b"{\n  \"resourceGroup\": \"TeslaM40\",\n  \"cpus\": 8,\n  \"gpus\": 3,\n  \"memory\": \"8G\"\n}\n",
    );
    let (code, report) = check_json(&["job.json"], Some(dir.path()));
    assert_eq!(code, 1);
    assert_eq!(
        found(&report),
        [("accelerators-over-limit".to_string(), 4, 11)]
    );
}

#[test]
fn every_structural_problem_is_reported_at_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "three.yaml",
        b"resourceGroup: TeslaM40\ncpu: 8\nmemory: 16Q\ngpuz: 1\n",
    );
    let (code, report) = check_json(&["three.yaml"], Some(dir.path()));
    assert_eq!(code, 1);
    assert_eq!(
        found(&report),
        [
            ("missing-field".to_string(), 1, 1),
            ("unknown-field".to_string(), 2, 1),
            ("invalid-value".to_string(), 3, 9),
            ("unknown-field".to_string(), 4, 1),
        ]
    );
    let helps: Vec<&str> = report["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter_map(|d| d["help"].as_str())
        .collect();
    assert!(helps.contains(&"did you mean `cpus`?"), "{helps:?}");
    assert!(helps.contains(&"did you mean `gpus`?"), "{helps:?}");
}

#[test]
fn bad_input_gives_diagnostics_not_panics() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cases: &[(&str, &[u8], &str)] = &[
        ("empty.yaml", b"", "invalid-value"),
        ("comments.yaml", b"# nothing here\n", "invalid-value"),
        (
            "latin1.yaml",
            b"name: r\xe9sum\xe9\ncpus: 1\n",
            "syntax-error",
        ),
        ("binary.json", b"\x00\x01\x02\xff\xfe", "syntax-error"),
        (
            "list.yaml",
            b"- resourceGroup: TeslaM40\n- cpus: 1\n",
            "invalid-value",
        ),
        ("scalar.yaml", b"hello\n", "invalid-value"),
        ("null.yaml", b"~\n", "invalid-value"),
        (
            "huge.yaml",
            b"resourceGroup: TeslaM40\ncpus: 99999999999999999999999\nmemory: 1G\n",
            "invalid-value",
        ),
        (
            "float.yaml",
            b"resourceGroup: TeslaM40\ncpus: 2.5\nmemory: 1G\n",
            "invalid-value",
        ),
        (
            "zero.yaml",
            b"resourceGroup: TeslaM40\ncpus: 0\nmemory: 1G\nnodes: -2\n",
            "invalid-value",
        ),
        (
            "types.yaml",
            b"resourceGroup: [a]\ncpus: true\nmemory: {a: 1}\n",
            "invalid-value",
        ),
        (
            "tabs.yaml",
            b"resourceGroup: TeslaM40\n\tcpus: 1\n",
            "syntax-error",
        ),
    ];
    for (name, bytes, want) in cases {
        write(dir.path(), name, bytes);
        let (code, report) = check_json(&[name], Some(dir.path()));
        assert_eq!(code, 1, "{name}: {report:#}");
        let codes: Vec<String> = found(&report).into_iter().map(|(c, _, _)| c).collect();
        assert!(codes.iter().any(|c| c == want), "{name}: {report:#}");
        assert!(
            !verdicts(&report).iter().any(|v| v == "admitted"),
            "{name}: {report:#}"
        );
    }
}

#[test]
fn a_bom_is_accepted() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "bom.yaml",
        b"\xef\xbb\xbfresourceGroup: TeslaM40\ncpus: 50\nmemory: 1G\n",
    );
    let (_, report) = check_json(&["bom.yaml"], Some(dir.path()));
    assert_eq!(found(&report), [("cpus-over-limit".to_string(), 2, 7)]);
}

#[test]
fn stdin_is_read_and_named() {
    let out = jobcheck()
        .args([
            "check",
            "-q",
            "-f",
            "concise",
            "--limits",
            "examples/limits.yaml",
            "--stdin-filename",
            "jobs/train.yaml",
            "-",
        ])
        .write_stdin("resourceGroup: TeslaM40\ncpus: 64\nmemory: 1G\n")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "jobs/train.yaml:2:7: error[cpus-over-limit]: cpus 64 exceeds the group's 40 cores per node\n"
    );
}

#[test]
fn directories_are_searched_for_job_files_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("a/b")).expect("mkdir");
    std::fs::create_dir_all(dir.path().join(".hidden")).expect("mkdir");
    let ok = b"resourceGroup: TeslaM40\ncpus: 1\nmemory: 1G\n";
    write(&dir.path().join("a"), "one.yaml", ok);
    write(&dir.path().join("a/b"), "two.yml", ok);
    write(
        &dir.path().join("a/b"),
        "three.json",
        b"{\"resourceGroup\": \"TeslaM40\", \"cpus\": 1, \"memory\": \"1G\"}",
    );
    write(&dir.path().join("a"), "notes.txt", b"not a job");
    write(&dir.path().join(".hidden"), "x.yaml", b"broken: [");
    let (code, report) = check_json(&["a", ".hidden/x.yaml"], Some(dir.path()));
    assert_eq!(code, 1, "{report:#}");
    let files: Vec<&str> = report["jobs"]
        .as_array()
        .expect("jobs")
        .iter()
        .filter_map(|j| j["file"].as_str())
        .collect();
    assert_eq!(
        files,
        [
            "a/b/three.json",
            "a/b/two.yml",
            "a/one.yaml",
            ".hidden/x.yaml"
        ]
    );
}

#[test]
fn usage_errors_exit_2() {
    let out = jobcheck()
        .args([
            "check",
            "--limits",
            "examples/limits.yaml",
            "no/such/file.yaml",
        ])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not exist"));

    let out = jobcheck()
        .args(["check", "--limits", "examples/limits.yaml"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));

    let out = jobcheck()
        .args(["check", "examples/jobs"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2), "no limit source");

    let out = jobcheck()
        .args(["check", "--bogus"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));

    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "limits.yaml",
        b"- resourceGroup: A\n  acceleratorType: tpu\n",
    );
    let out = jobcheck()
        .args(["check", "--color", "never", "--limits"])
        .arg(dir.path().join("limits.yaml"))
        .arg("examples/jobs/good")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("limits.yaml:2:20"), "{err}");
    assert!(err.contains("acceleratorType"), "{err}");
}

#[test]
fn check_is_the_default_command() {
    let out = jobcheck()
        .args(["--limits", "examples/limits.yaml", "examples/jobs/good"])
        .output()
        .expect("runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = jobcheck()
        .args([
            "examples/jobs/bad/cpus-over-limit.yaml",
            "--limits",
            "examples/limits.yaml",
        ])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn deny_warnings_turns_warnings_into_failure() {
    let args = [
        "check",
        "--limits",
        "examples/limits.yaml",
        "examples/jobs/bad/memory-unit-missing.yaml",
    ];
    assert_eq!(
        jobcheck().args(args).output().expect("runs").status.code(),
        Some(0)
    );
    let out = jobcheck()
        .args(args)
        .arg("--deny-warnings")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn unreachable_endpoint_is_unjudged_not_admitted() {
    // Port 9 on loopback: nothing listens there.
    let out = jobcheck()
        .args([
            "check",
            "-f",
            "json",
            "--endpoint",
            "http://127.0.0.1:9",
            "examples/jobs/good/resnet50.yaml",
        ])
        .env("JOBCHECK_TOKEN", "not-a-real-token")
        .env(
            "JOBCHECK_CACHE_DIR",
            tempfile::tempdir().expect("tempdir").path(),
        )
        .env("JOBCHECK_TIMEOUT", "5")
        .output()
        .expect("runs");
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(verdicts(&report), ["unjudged"]);
}

#[test]
fn schema_command_matches_the_committed_file() {
    let out = jobcheck().args(["schema", "job"]).output().expect("runs");
    assert_eq!(out.status.code(), Some(0));
    let committed =
        std::fs::read_to_string(root().join("schemas/job.schema.json")).expect("schema file");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim_end(),
        committed.trim_end(),
        "schemas/job.schema.json is stale: run `cargo run -- schema job > schemas/job.schema.json`"
    );
}

#[test]
fn examples_follow_the_job_schema() {
    let whole: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/schemas/job.schema.json"
        ))
        .expect("the committed schema"),
    )
    .expect("schema is JSON");
    let schema = &whole["definitions"]["JobSpec"];
    let props = schema["properties"].as_object().expect("properties");
    for key in [
        "name",
        "resourceGroup",
        "acceleratorType",
        "nodes",
        "cpus",
        "gpus",
        "dcus",
        "mlus",
        "memory",
        "walltime",
    ] {
        assert!(props.contains_key(key), "{key} missing from the schema");
    }
    let mut required: Vec<&str> = schema["required"]
        .as_array()
        .expect("required")
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    required.sort();
    assert_eq!(required, ["cpus", "memory", "resourceGroup"]);
    assert_eq!(schema["additionalProperties"], false);
}

#[test]
fn no_color_is_honoured() {
    let out = jobcheck()
        .args([
            "check",
            "--color",
            "always",
            "--limits",
            "examples/limits.yaml",
            "examples/jobs/bad/cpus-over-limit.yaml",
        ])
        .output()
        .expect("runs");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains('\u{1b}'),
        "--color always colours"
    );
    let out = jobcheck()
        .args([
            "check",
            "--limits",
            "examples/limits.yaml",
            "examples/jobs/bad/cpus-over-limit.yaml",
        ])
        .env("NO_COLOR", "1")
        .output()
        .expect("runs");
    assert!(!String::from_utf8_lossy(&out.stdout).contains('\u{1b}'));
}

#[test]
fn policy_caps_and_rule_levels_change_verdicts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let job = b"name: train\nresourceGroup: TeslaM40\ncpus: 24\nmemory: 16\nwalltime: 10h\n";
    write(dir.path(), "job.yaml", job);
    // Without a policy: admitted, with a memory-unit-missing warning.
    let (code, report) = check_json(&["job.yaml"], Some(dir.path()));
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(found(&report), [("memory-unit-missing".to_string(), 4, 9)]);

    // A stricter local cap rejects it, at the job's value.
    write(
        dir.path(),
        "jobcheck.toml",
        b"[policy.\"*\"]\nwalltime = \"8h\"\n\n[policy.TeslaM40]\ncpus = 16\n\n[rules]\nmemory-unit-missing = \"off\"\n",
    );
    let (code, report) = check_json(&["job.yaml"], Some(dir.path()));
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(
        found(&report),
        [
            ("cpus-over-limit".to_string(), 3, 7),
            ("walltime-over-limit".to_string(), 5, 11)
        ]
    );
    let message = report["diagnostics"][0]["message"]
        .as_str()
        .unwrap_or_default();
    assert!(message.contains("local policy"), "{message}");
    assert!(
        report["diagnostics"][0]["help"]
            .as_str()
            .unwrap_or_default()
            .contains("jobcheck.toml:5:8"),
        "{report:#}"
    );
    assert_eq!(report["diagnostics"][0]["limit"], "16");

    // A rule turned into a warning no longer rejects.
    write(
        dir.path(),
        "jobcheck.toml",
        b"[policy.TeslaM40]\ncpus = 16\n\n[rules]\ncpus-over-limit = \"warning\"\nmemory-unit-missing = \"error\"\n",
    );
    let (code, report) = check_json(&["job.yaml"], Some(dir.path()));
    assert_eq!(code, 1, "memory-unit-missing is now an error: {report:#}");
    let severities: Vec<&str> = report["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter_map(|d| d["severity"].as_str())
        .collect();
    assert_eq!(severities, ["warning", "error"]);
}

#[test]
fn a_bad_config_is_a_usage_error_at_its_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "job.yaml",
        b"resourceGroup: TeslaM40\ncpus: 1\nmemory: 1G\n",
    );
    write(
        dir.path(),
        "jobcheck.toml",
        b"[policy.TeslaM40]\ncpus = 4\nmemory = \"4X\"\n",
    );
    let out = jobcheck()
        .current_dir(dir.path())
        .args(["check", "--color", "never", "--limits"])
        .arg(root().join("examples/limits.yaml"))
        .arg("job.yaml")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("jobcheck.toml:3:10"), "{err}");
    assert!(err.contains("unknown memory unit"), "{err}");
}

/// Findings of a review by someone who had only the documentation.
#[test]
fn contract_review_regressions() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "limits.yaml",
        b"- {resourceGroup: Q, cpuNumber: 8, gpuNumber: 0, memorySize: 1024, nodeNumber: 0, maxTime: 90m}\n- {resourceGroup: P, cpuNumber: 8, gpuNumber: 4, memorySize: 1024, nodeNumber: 2, maxTime: unlimited}\n",
    );
    let run = |name: &str, text: &[u8]| {
        write(dir.path(), name, text);
        let out = jobcheck()
            .current_dir(dir.path())
            .args(["check", "-f", "json", "--limits", "limits.yaml", name])
            .output()
            .expect("runs");
        let report: Value = serde_json::from_slice(&out.stdout).expect("json");
        (out.status.code(), report)
    };

    // A BOM is not a column.
    let (_, r) = run(
        "bom.yaml",
        b"\xef\xbb\xbfcpus: 17\nresourceGroup: Q\nmemory: 1G\nnodes: 0\nwalltime: 1h\n",
    );
    assert!(
        found(&r).contains(&("cpus-over-limit".to_string(), 1, 7)),
        "{r:#}"
    );

    // An unreadable walltime is reported once, not also as missing.
    let (_, r) = run(
        "wt.yaml",
        b"resourceGroup: P\ncpus: 1\nmemory: 1G\nwalltime: \"1:60\"\n",
    );
    assert_eq!(found(&r), [("invalid-value".to_string(), 4, 11)]);

    // A leading zero is not "too large".
    let (_, r) = run("lz.yaml", b"resourceGroup: P\ncpus: 017\nmemory: 1G\n");
    let message = r["diagnostics"][0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("leading zero"), "{message}");

    // `nodes` defaults to 1 and is checked as such.
    let (code, r) = run(
        "nodes.yaml",
        b"resourceGroup: Q\ncpus: 1\nmemory: 1G\nwalltime: 1h\n",
    );
    assert_eq!(code, Some(1));
    assert_eq!(found(&r), [("nodes-over-limit".to_string(), 1, 1)]);

    // Strict JSON in a .json file.
    let (code, r) = run(
        "sq.json",
        b"{'resourceGroup': 'P', 'cpus': 1, 'memory': '1G'}\n",
    );
    assert_eq!(code, Some(1));
    assert_eq!(found(&r), [("syntax-error".to_string(), 1, 2)]);

    // Just over a limit never reads as equal to it.
    let (_, r) = run(
        "mem.yaml",
        b"resourceGroup: P\ncpus: 1\nmemory: 1.0000001G\n",
    );
    let message = r["diagnostics"][0]["message"].as_str().unwrap_or_default();
    assert_eq!(
        message,
        "memory 1025M (1025 MiB) exceeds the group's 1024 MiB per node"
    );

    // A tab in indentation is pointed at where it is.
    let (_, r) = run("tab.yaml", b"resourceGroup: P\ncpus: 1\n\tmemory: 1G\n");
    assert_eq!(found(&r), [("syntax-error".to_string(), 3, 1)]);

    // Negative memory says so.
    let (_, r) = run("neg.yaml", b"resourceGroup: P\ncpus: 1\nmemory: -4G\n");
    let message = r["diagnostics"][0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("cannot be negative"), "{message}");

    // Zero time and out-of-range suffix parts are invalid.
    let (_, r) = run(
        "t0.yaml",
        b"resourceGroup: P\ncpus: 1\nmemory: 1G\nwalltime: 00:00\n",
    );
    assert_eq!(found(&r), [("invalid-value".to_string(), 4, 11)]);
    let (_, r) = run(
        "t1.yaml",
        b"resourceGroup: P\ncpus: 1\nmemory: 1G\nwalltime: 1d25h\n",
    );
    assert_eq!(found(&r), [("invalid-value".to_string(), 4, 11)]);
}
