//! The output formats end to end: the `jobcheck` binary over the examples.

use crate::support;

use std::path::Path;
use std::process::Output;

use jobcheck::diag::Code;
use serde_json::Value;
use support::cli::jobcheck;

const FORMATS: [&str; 6] = ["human", "concise", "json", "sarif", "github", "junit"];

/// `jobcheck check --limits examples/limits.yaml PATH -f FORMAT`.
fn check(path: &str, format: &str) -> Output {
    let mut cmd = jobcheck();
    cmd.args([
        "check",
        "--limits",
        "examples/limits.yaml",
        path,
        "-f",
        format,
    ]);
    if format == "human" {
        cmd.args(["--color", "never"]);
    }
    cmd.output().expect("jobcheck runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("the output is UTF-8")
}

fn json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).expect("the output is JSON")
}

#[test]
fn snapshots_of_every_format() {
    for format in FORMATS {
        let output = check("examples/jobs", format);
        assert_eq!(output.status.code(), Some(1), "{format}");
        insta::assert_snapshot!(format!("examples_{format}"), stdout(&output));
    }
}

#[test]
fn exit_codes_are_the_same_in_every_format() {
    for format in FORMATS {
        assert_eq!(
            check("examples/jobs", format).status.code(),
            Some(1),
            "{format}"
        );
        assert_eq!(
            check("examples/jobs/good", format).status.code(),
            Some(0),
            "{format}"
        );
        let missing = check("examples/no-such-dir", format);
        assert_eq!(missing.status.code(), Some(2), "{format}");
    }
}

#[test]
fn sarif_validates_against_the_official_schema() {
    let validator = sarif_validator();
    let sarif = json(&check("examples/jobs", "sarif"));
    let errors: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "SARIF is not valid:\n{}",
        errors.join("\n")
    );
    // The validator does check: a bad level fails, and so does a fix with
    // no change or a replacement region before the first line.
    let mut broken = sarif.clone();
    broken["runs"][0]["results"][0]["level"] = Value::from("fatal");
    assert!(!validator.is_valid(&broken));
    let results = sarif["runs"][0]["results"].as_array().expect("results");
    let fixed = results
        .iter()
        .position(|r| r.get("fixes").is_some())
        .expect("some result carries a fix");
    let mut broken = sarif.clone();
    broken["runs"][0]["results"][fixed]["fixes"][0]["artifactChanges"] = Value::Array(Vec::new());
    assert!(!validator.is_valid(&broken));
    let mut broken = sarif.clone();
    broken["runs"][0]["results"][fixed]["fixes"][0]["artifactChanges"][0]["replacements"][0]["deletedRegion"]
        ["startLine"] = Value::from(0);
    assert!(!validator.is_valid(&broken));
    // Draft-04 knows no `uri-reference` format: URIs are checked here.
    for r in results {
        let uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .expect("uri");
        assert!(
            uri.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._~/%".contains(&b)),
            "{uri}"
        );
    }

    // A file-wide diagnostic without a position still validates.
    let dir = tempfile::tempdir().expect("a temporary directory");
    std::fs::write(dir.path().join("empty job.yaml"), "").expect("write");
    std::fs::write(dir.path().join("binary.yaml"), b"name: \xff\xfe\n").expect("write");
    // Named, so judged (a walk passes over a file with no job key).
    let output = jobcheck()
        .args(["check", "--limits", "examples/limits.yaml", "-f", "sarif"])
        .arg(dir.path().join("empty job.yaml"))
        .arg(dir.path().join("binary.yaml"))
        .output()
        .expect("jobcheck runs");
    assert_eq!(output.status.code(), Some(1));
    let sarif = json(&output);
    let errors: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "SARIF is not valid:\n{}",
        errors.join("\n")
    );
    let uris: Vec<&str> = sarif["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter_map(|r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str())
        .collect();
    assert!(
        uris.iter().any(|u| u.ends_with("/empty%20job.yaml")),
        "{uris:?}"
    );
}

/// The official SARIF 2.1.0 schema (OASIS, errata 01; draft-04), a byte
/// for byte copy of `../shared/data/sarif-schema-2.1.0.json`, used as it is:
/// its root is the log object.
fn sarif_validator() -> jsonschema::Validator {
    let schema_path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sarif-schema-2.1.0.json");
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(schema_path).expect("the SARIF schema copy is readable"),
    )
    .expect("the SARIF schema is JSON");
    assert!(
        schema["properties"]["runs"].is_object(),
        "the schema's root is the log"
    );
    jsonschema::draft4::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the SARIF schema compiles")
}

#[test]
fn sarif_matches_the_json_report() {
    let sarif = json(&check("examples/jobs", "sarif"));
    let report = json(&check("examples/jobs", "json"));
    let run = &sarif["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "jobcheck");
    assert_eq!(run["tool"]["driver"]["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    assert_eq!(run["invocations"][0]["executionSuccessful"], true);

    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    assert_eq!(rules.len(), Code::ALL.len());
    for (rule, code) in rules.iter().zip(Code::ALL) {
        assert_eq!(rule["id"], code.as_str());
        for key in ["shortDescription", "fullDescription"] {
            assert!(rule[key]["text"].is_string(), "{code} {key}");
        }
        assert!(rule["help"]["text"].is_string(), "{code}");
        assert!(rule["help"]["markdown"].is_string(), "{code}");
        assert_eq!(
            rule["defaultConfiguration"]["level"],
            code.default_severity().as_str()
        );
        assert!(rule.get("helpUri").is_none());
    }

    let results = run["results"].as_array().expect("results");
    let diagnostics = report["diagnostics"].as_array().expect("diagnostics");
    assert_eq!(results.len(), diagnostics.len());
    for (r, d) in results.iter().zip(diagnostics) {
        assert_eq!(r["ruleId"], d["code"]);
        let index = r["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(rules[index]["id"], d["code"]);
        assert_eq!(r["level"], d["severity"]);
        let message = r["message"]["text"].as_str().expect("message");
        assert!(message.starts_with(d["message"].as_str().expect("message")));
        let location = &r["locations"][0]["physicalLocation"];
        assert_eq!(location["artifactLocation"]["uri"], d["file"]);
        assert_eq!(location["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        let region = &location["region"];
        assert_eq!(region["startLine"], d["line"]);
        assert_eq!(region["startColumn"], d["column"]);
        assert_eq!(region["endLine"], d["endLine"]);
        assert_eq!(region["endColumn"], d["endColumn"]);
        let fingerprint = r["partialFingerprints"]["jobcheck/v1"]
            .as_str()
            .expect("fingerprint");
        assert_eq!(fingerprint.len(), 16);
    }
    // Fingerprints are the same from one run to the next.
    assert_eq!(sarif, json(&check("examples/jobs", "sarif")));
}

#[test]
fn junit_reports_file_level_problems() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    std::fs::write(dir.path().join("empty.yaml"), "# nothing here\n").expect("write");
    // Named, so judged (a walk passes over a file with no job key).
    let output = jobcheck()
        .args(["check", "--limits", "examples/limits.yaml", "-f", "junit"])
        .arg(dir.path().join("empty.yaml"))
        .output()
        .expect("jobcheck runs");
    assert_eq!(output.status.code(), Some(1));
    let xml = stdout(&output);
    assert!(
        xml.contains(r#"tests="1" failures="1" errors="0" skipped="0""#),
        "{xml}"
    );
    assert!(xml.contains("empty.yaml\" name=\""), "{xml}");
    assert!(xml.contains("<failure message="), "{xml}");
}

#[test]
fn output_file_works_for_every_format() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    for format in FORMATS {
        let path = dir.path().join(format!("report.{format}"));
        let mut cmd = jobcheck();
        cmd.args(["check", "--limits", "examples/limits.yaml", "examples/jobs"])
            .args(["-f", format, "--output-file"])
            .arg(&path);
        if format == "human" {
            cmd.args(["--color", "never"]);
        }
        let output = cmd.output().expect("jobcheck runs");
        assert_eq!(output.status.code(), Some(1), "{format}");
        assert!(output.stdout.is_empty(), "{format}: stdout is not empty");
        let written = std::fs::read_to_string(&path).expect("the report is written");
        assert_eq!(written, stdout(&check("examples/jobs", format)), "{format}");
    }
}

#[test]
fn jobcheck_format_env_chooses_the_format() {
    let output = jobcheck()
        .env("JOBCHECK_FORMAT", "sarif")
        .args(["check", "--limits", "examples/limits.yaml", "examples/jobs"])
        .output()
        .expect("jobcheck runs");
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(json(&output)["version"], "2.1.0");

    // The flag wins over the variable.
    let output = jobcheck()
        .env("JOBCHECK_FORMAT", "sarif")
        .args([
            "check",
            "--limits",
            "examples/limits.yaml",
            "examples/jobs",
            "-f",
            "github",
        ])
        .output()
        .expect("jobcheck runs");
    assert!(stdout(&output).starts_with("::error file="));

    let output = jobcheck()
        .env("JOBCHECK_FORMAT", "junit")
        .args(["--limits", "examples/limits.yaml", "examples/jobs/good"])
        .output()
        .expect("jobcheck runs");
    assert_eq!(output.status.code(), Some(0));
    assert!(stdout(&output).starts_with("<?xml"));

    let output = jobcheck()
        .env("JOBCHECK_FORMAT", "yaml")
        .args(["check", "--limits", "examples/limits.yaml", "examples/jobs"])
        .output()
        .expect("jobcheck runs");
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn explain_every_code() {
    for code in Code::ALL {
        let output = jobcheck()
            .args(["explain", code.as_str()])
            .output()
            .expect("jobcheck runs");
        assert_eq!(output.status.code(), Some(0), "{code}");
        let text = stdout(&output);
        assert!(text.contains(code.as_str()), "{code}");
        assert!(text.contains("Example"), "{code}");
    }
    let output = jobcheck()
        .args(["explain", "--list"])
        .output()
        .expect("jobcheck runs");
    assert_eq!(output.status.code(), Some(0));
    let list = stdout(&output);
    for code in Code::ALL {
        assert!(list.contains(code.as_str()), "{code}");
    }
}

#[test]
fn explain_unknown_code_exits_2_with_the_nearest_codes() {
    let output = jobcheck()
        .args(["explain", "cpu-over-limit"])
        .output()
        .expect("jobcheck runs");
    assert_eq!(output.status.code(), Some(2));
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(err.contains("did you mean `cpus-over-limit`"), "{err}");
    // The nearest code, and where the full list is; not every code.
    assert!(err.contains("jobcheck explain --list"), "{err}");
    assert!(!err.contains("memory-unit-missing"), "{err}");
}

/// The limits an explanation's examples are judged against: those of
/// `examples/limits.yaml`, with the fields the failing example's first line
/// states (`# group TeslaM40: cpuNumber 40, shmSize 1024 (MiB); …`) set in
/// that group's set. So a new limit's example says its limit where a reader
/// sees it, and the examples' limits file need not have it.
fn example_limits(bad: &str) -> String {
    let base =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/limits.yaml"))
            .expect("examples/limits.yaml is readable");
    let Some(header) = bad.lines().next().and_then(|l| l.strip_prefix("# group ")) else {
        return base;
    };
    let (group, fields) = header
        .split_once(": ")
        .expect("`# group NAME: field value, …`");
    let mut lines: Vec<String> = base.lines().map(String::from).collect();
    let start = lines
        .iter()
        .position(|l| *l == format!("- resourceGroup: {group}"))
        .unwrap_or_else(|| panic!("no group {group} in examples/limits.yaml"));
    for field in fields.split(';').next().unwrap_or_default().split(", ") {
        let mut words = field.split_whitespace();
        let (Some(name), Some(value)) = (words.next(), words.next()) else {
            panic!("`{field}` in `{header}` is not `field value`");
        };
        let value = match value.bytes().all(|b| b.is_ascii_digit()) {
            true => value.to_string(),
            false => format!("{value:?}"),
        };
        let end = lines[start + 1..]
            .iter()
            .position(|l| !l.starts_with("  "))
            .map_or(lines.len(), |n| start + 1 + n);
        let line = format!("  {name}: {value}");
        match lines[start + 1..end]
            .iter()
            .position(|l| l.starts_with(&format!("  {name}:")))
        {
            Some(n) => lines[start + 1 + n] = line,
            None => lines.insert(start + 1, line),
        }
    }
    lines.join("\n") + "\n"
}

#[test]
fn example_limits_set_the_fields_the_example_states() {
    let limits =
        example_limits("# group CpuSmall: maxTime 1:00:00, shmSize 64 (MiB); why\ncpus: 1");
    let set = limits
        .split("\n\n")
        .find(|s| s.contains("- resourceGroup: CpuSmall"))
        .expect("the CpuSmall set");
    assert!(set.contains("\n  shmSize: 64\n"), "{set}");
    assert!(set.contains("\n  maxTime: \"1:00:00\""), "{set}");
    assert!(!set.contains("12:00:00"), "{set}");
    assert_eq!(
        limits.matches("shmSize").count(),
        1,
        "only the named group changes"
    );
}

/// Each explanation's failing example fails with its code against the
/// limits it states (`example_limits`), and the fixed one does not.
#[test]
fn explain_examples_are_true() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut wrong = Vec::new();
    for &code in Code::ALL {
        if matches!(
            code,
            // Its example is a limits file, not a job.
            Code::LimitUnknown
            // Its example needs limits that cannot be had.
            | Code::LimitsUnavailable
            // Retired: never reported.
            | Code::QuotaExceededByRun
        ) {
            continue;
        }
        let e = jobcheck::explain::explanation(code);
        let limits = dir.path().join(format!("{code}-limits.yaml"));
        std::fs::write(&limits, example_limits(e.bad)).expect("write");
        let codes_of = |name: &str, text: &str| -> Vec<String> {
            let path = dir.path().join(name);
            std::fs::write(&path, text).expect("write");
            let output = jobcheck()
                .args(["check", "-f", "json", "--limits"])
                .arg(&limits)
                .arg(&path)
                .output()
                .expect("jobcheck runs");
            json(&output)["diagnostics"]
                .as_array()
                .expect("diagnostics")
                .iter()
                .filter_map(|d| d["code"].as_str().map(String::from))
                .collect()
        };
        let bad = codes_of(&format!("{code}-bad.yaml"), e.bad);
        if !bad.iter().any(|c| c == code.as_str()) {
            wrong.push(format!("{code}: the failing example gives {bad:?}"));
        }
        let good = codes_of(&format!("{code}-good.yaml"), e.good);
        if !good.is_empty() {
            wrong.push(format!("{code}: the fixed example gives {good:?}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn committed_schemas_are_current() {
    for (which, file) in [
        ("job", "schemas/job.schema.json"),
        ("report", "schemas/report.schema.json"),
    ] {
        let output = jobcheck()
            .args(["schema", which])
            .output()
            .expect("jobcheck runs");
        assert_eq!(output.status.code(), Some(0));
        let committed = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(file))
            .expect("the committed schema is readable");
        assert_eq!(
            stdout(&output).trim_end(),
            committed.trim_end(),
            "{file} is out of date: run `jobcheck schema {which} > {file}`"
        );
    }
}

#[test]
fn completions_and_man_page() {
    for shell in ["bash", "zsh", "fish"] {
        let output = jobcheck()
            .args(["completions", shell])
            .output()
            .expect("jobcheck runs");
        assert_eq!(output.status.code(), Some(0), "{shell}");
        let text = stdout(&output);
        assert!(text.contains("jobcheck"), "{shell}");
        assert!(text.contains("explain"), "{shell}");
    }
    let output = jobcheck().arg("man").output().expect("jobcheck runs");
    assert_eq!(output.status.code(), Some(0));
    let man = stdout(&output);
    assert!(man.contains(".TH jobcheck 1"), "{man}");
    assert!(man.contains("completions"));
}
