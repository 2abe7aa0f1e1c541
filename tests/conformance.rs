//! The conformance corpus (`tests/conformance/`, see its README): platform
//! bodies the platform takes are admitted by a group they fit, the bodies
//! it refuses are rejected with `invalid-value` at the value and a help
//! saying what to write, and `schemas/job.schema.json` gives every example
//! and corpus document the same structural verdict as the CLI.

use crate::support;

use std::path::{Path, PathBuf};

use jobcheck::diag::{Code, Severity};
use jobcheck::syntax::{self as yaml, Kind, Node};
use serde_json::{Map, Value};
use support::cli::{jobcheck, root};

fn corpus(dir: &str) -> PathBuf {
    root().join("tests/conformance").join(dir)
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("read dir").flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("json" | "yaml" | "yml")
            ) {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

fn check(args: &[&str]) -> (i32, Value) {
    let out = jobcheck()
        .args([
            "check",
            "-f",
            "json",
            "--limits",
            "tests/conformance/limits.yaml",
        ])
        .args(args)
        .output()
        .expect("runs");
    let report = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code().unwrap_or(-1), report)
}

#[test]
fn the_documented_example_and_client_bodies_are_admitted() {
    let (code, report) = check(&["tests/conformance/admitted"]);
    assert_eq!(code, 0, "{report:#}");
    let jobs = report["jobs"].as_array().expect("jobs");
    assert_eq!(jobs.len(), files_under(&corpus("admitted")).len());
    for job in jobs {
        assert_eq!(job["verdict"], "admitted", "{job}");
    }
    for d in report["diagnostics"].as_array().expect("diagnostics") {
        assert_ne!(d["severity"], "error", "{d}");
    }
    // The documented example is read as what it says.
    let (_, report) = check(&["tests/conformance/admitted/documented-example.json"]);
    let job = &report["jobs"][0];
    assert_eq!(job["name"], "Instances_2205113838");
    assert_eq!(job["resourceGroup"], "TeslaM40");
    assert_eq!(job["acceleratorType"], "gpu");
    assert!(report["diagnostics"].as_array().unwrap().is_empty());
}

#[test]
fn a_body_that_does_not_fit_its_group_is_rejected_by_the_limit() {
    let text = std::fs::read_to_string(corpus("admitted/documented-example.json")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.json");
    std::fs::write(
        &path,
        text.replace("\"ramSize\": 15360", "\"ramSize\": 40960"),
    )
    .unwrap();
    let (code, report) = check(&[path.to_str().unwrap()]);
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(report["diagnostics"][0]["code"], "memory-over-limit");
}

/// A refused variant of the documented example: the file, the text written
/// where the platform refuses it (the value that must be pointed at), the
/// diagnostic's field, and what its help must say.
struct Refused {
    file: &'static str,
    written: &'static str,
    field: &'static str,
    help: &'static str,
}

const REFUSED: &[Refused] = &[
    Refused {
        file: "acceleratortype-upper",
        written: "\"acceleratorType\": \"GPU\"",
        field: "acceleratorType",
        help: "did you mean `gpu`",
    },
    Refused {
        file: "acceleratortype-unknown",
        written: "\"acceleratorType\": \"tpu\"",
        field: "acceleratorType",
        help: "gpu",
    },
    Refused {
        file: "tasktype-upper",
        written: "\"taskType\": \"SSH\"",
        field: "taskType",
        help: "did you mean `ssh`",
    },
    Refused {
        file: "tasktype-unknown",
        written: "\"taskType\": \"notebook\"",
        field: "taskType",
        help: "ssh, jupyter, codeserver, rstudio",
    },
    Refused {
        file: "scope-upper",
        written: "\"startScriptActionScope\": \"ALL\"",
        field: "startScriptActionScope",
        help: "did you mean `all`",
    },
    Refused {
        file: "usestartscript-string",
        written: "\"useStartScript\": \"false\"",
        field: "useStartScript",
        help: "`\"useStartScript\": false` without quotes",
    },
    Refused {
        file: "usestartscript-number",
        written: "\"useStartScript\": 0",
        field: "useStartScript",
        help: "`\"useStartScript\": false`",
    },
    Refused {
        file: "start-script-empty",
        written: "\"startScriptContent\": \"\"",
        field: "startScriptContent",
        help: "set useStartScript to false",
    },
    Refused {
        file: "mount-relative-source",
        written: "\"sourcePath\": \"test_mount\"",
        field: "mountInfoList[0].sourcePath",
        help: "\"sourcePath\": \"/public/home/<user>/test_mount\"",
    },
    Refused {
        file: "mount-relative-target",
        written: "\"targetPath\": \"mnt/test_mount\"",
        field: "mountInfoList[0].targetPath",
        help: "\"targetPath\": \"/mnt/mnt/test_mount\"",
    },
    Refused {
        file: "port-too-large",
        written: "\"containerPort\": \"70000\"",
        field: "containerPortInfoList[0].containerPort",
        help: "1 to 65535",
    },
    Refused {
        file: "port-zero",
        written: "\"containerPort\": 0",
        field: "containerPortInfoList[0].containerPort",
        help: "1 to 65535",
    },
    Refused {
        file: "port-not-digits",
        written: "\"containerPort\": \"http\"",
        field: "containerPortInfoList[0].containerPort",
        help: "1 to 65535",
    },
    Refused {
        file: "resourcegroup-empty",
        written: "\"resourceGroup\": \"\"",
        field: "resourceGroup",
        help: "give `resourceGroup` a value",
    },
    Refused {
        file: "imagepath-empty",
        written: "\"imagePath\": \"\"",
        field: "imagePath",
        help: "give `imagePath` a value",
    },
    Refused {
        file: "gpunumber-fraction",
        written: "\"gpuNumber\": 1.5",
        field: "gpuNumber",
        help: "gpuNumber",
    },
];

/// The variants refused by the strict reading of numbers and run times in
/// a platform body.
const REFUSED_NUMBERS: &[Refused] = &[
    Refused {
        file: "ramsize-with-unit",
        written: "\"ramSize\": \"16G\"",
        field: "ramSize",
        help: "16384",
    },
    Refused {
        file: "ramsize-fraction",
        written: "\"ramSize\": 16.5",
        field: "ramSize",
        help: "ramSize",
    },
    Refused {
        file: "timeoutlimit-days",
        written: "\"timeoutLimit\": \"2d\"",
        field: "timeoutLimit",
        help: "48:00:00",
    },
    Refused {
        file: "timeoutlimit-two-fields",
        written: "\"timeoutLimit\": \"01:00\"",
        field: "timeoutLimit",
        help: "timeoutLimit",
    },
];

/// 1-based line and column of the value in `written`, found once in `text`.
fn value_position(text: &str, written: &str) -> (u64, u64) {
    assert_eq!(text.matches(written).count(), 1, "`{written}` once");
    let key_at = text.find(written).unwrap();
    let value_at = key_at + written.find(": ").unwrap() + 2;
    let line_start = text[..value_at].rfind('\n').map_or(0, |i| i + 1);
    let line = text[..value_at].matches('\n').count() as u64 + 1;
    let column = text[line_start..value_at].chars().count() as u64 + 1;
    (line, column)
}

fn assert_refused(cases: &[Refused]) {
    let mut failures = Vec::new();
    for case in cases {
        let rel = format!("tests/conformance/refused/{}.json", case.file);
        let text = std::fs::read_to_string(root().join(&rel)).expect("corpus file");
        let (code, report) = check(&[&rel]);
        let (line, column) = value_position(&text, case.written);
        let diags = report["diagnostics"].as_array().expect("diagnostics");
        let found = diags.iter().find(|d| {
            d["code"] == "invalid-value"
                && d["field"] == case.field
                && d["line"] == line
                && d["column"] == column
        });
        match found {
            Some(d) if code == 1 && d["help"].as_str().is_some_and(|h| h.contains(case.help)) => {}
            Some(d) => failures.push(format!(
                "{}: exit {code}, help {} lacks `{}`",
                case.file, d["help"], case.help
            )),
            None => failures.push(format!(
                "{}: exit {code}, no invalid-value for `{}` at {line}:{column}; got {:#}",
                case.file,
                case.field,
                Value::Array(diags.clone())
            )),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn refused_variants_are_rejected_at_the_value() {
    assert_refused(REFUSED);
}

#[test]
fn refused_numbers_are_rejected_at_the_value() {
    assert_refused(REFUSED_NUMBERS);
}

#[test]
fn every_refused_file_is_listed() {
    let mut listed: Vec<String> = REFUSED
        .iter()
        .chain(REFUSED_NUMBERS)
        .map(|c| format!("{}.json", c.file))
        .collect();
    listed.sort();
    let mut files: Vec<String> = files_under(&corpus("refused"))
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(listed, files);
}

// ---- schema = CLI -------------------------------------------------------

/// A document as the JSON a schema validator sees.
fn to_json(node: &Node, file: &str) -> Value {
    match &node.kind {
        Kind::Null => Value::Null,
        Kind::Bool(b) => Value::Bool(*b),
        Kind::Int(i) => i64::try_from(*i)
            .map(Value::from)
            .or_else(|_| u64::try_from(*i).map(Value::from))
            .unwrap_or_else(|_| Value::from(*i as f64)),
        Kind::Float(f) => serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number),
        Kind::Str(s) => Value::String(s.clone()),
        // Bytes, not text: no JSON string stands for them.
        Kind::Binary(s) => serde_json::json!({ "!!binary": s }),
        Kind::Seq(items) => Value::Array(items.iter().map(|i| to_json(i, file)).collect()),
        Kind::Map(pairs) => {
            let map: Map<String, Value> = pairs
                .iter()
                .map(|(k, v)| {
                    (
                        k.scalar_text(file).unwrap_or_default().into_owned(),
                        to_json(v, file),
                    )
                })
                .collect();
            Value::Object(map)
        }
    }
}

struct Verdicts {
    /// (file, document, schema accepts, CLI accepts, what each said)
    rows: Vec<(String, usize, bool, bool, String)>,
}

fn verdicts(files: &[PathBuf]) -> Verdicts {
    let schema = job_schema();
    let validator = jsonschema::draft7::new(&schema).expect("the job schema compiles");
    let mut rows = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(path).expect("file");
        let json = path.extension().is_some_and(|e| e == "json");
        let read = jobcheck::request::read_file(&text, json);
        let raw = yaml::parse_documents(&text);
        let name = path
            .strip_prefix(root())
            .unwrap_or(path)
            .display()
            .to_string();
        for doc in read {
            // Syntax and repeated keys are below what a schema sees.
            if doc
                .diagnostics
                .iter()
                .any(|d| matches!(d.code, Code::SyntaxError | Code::DuplicateKey))
            {
                continue;
            }
            let Some(Ok(node)) = raw.iter().find(|r| r.index == doc.index).map(|r| &r.root) else {
                continue;
            };
            let value = to_json(node, &text);
            let schema_errors: Vec<String> = validator
                .iter_errors(&value)
                .map(|e| format!("{}: {e}", e.instance_path()))
                .collect();
            let cli_errors: Vec<String> = doc
                .diagnostics
                .iter()
                .filter(|d| d.severity == Severity::Error)
                .map(|d| format!("{}: {}", d.code, d.message))
                .collect();
            rows.push((
                name.clone(),
                doc.index,
                schema_errors.is_empty(),
                cli_errors.is_empty(),
                format!("schema: {schema_errors:?}\ncli: {cli_errors:?}"),
            ));
        }
    }
    Verdicts { rows }
}

fn pending(path: &Path) -> bool {
    let name = path.file_stem().unwrap_or_default().to_string_lossy();
    REFUSED_NUMBERS.iter().any(|c| c.file == name)
}

fn corpus_and_examples() -> Vec<PathBuf> {
    let mut files = files_under(&root().join("examples/jobs"));
    files.extend(files_under(&corpus("admitted")));
    files.extend(files_under(&corpus("refused")));
    files.extend(files_under(&corpus("specs")));
    files
}

#[test]
fn the_schema_and_the_cli_agree_on_every_example_and_corpus_document() {
    let files: Vec<PathBuf> = corpus_and_examples()
        .into_iter()
        .filter(|p| !pending(p))
        .collect();
    let v = verdicts(&files);
    assert!(v.rows.len() > 40, "only {} documents", v.rows.len());
    let disagree: Vec<String> = v
        .rows
        .iter()
        .filter(|r| r.2 != r.3)
        .map(|r| format!("{} #{}: schema {}, cli {}\n{}", r.0, r.1, r.2, r.3, r.4))
        .collect();
    assert!(disagree.is_empty(), "{}", disagree.join("\n\n"));
    // And both give the verdict the corpus expects.
    for (file, doc, schema_ok, _, said) in &v.rows {
        let expect = if file.contains("/admitted/") || file.contains("examples/jobs/good") {
            Some(true)
        } else if file.contains("/refused/") {
            Some(false)
        } else {
            None
        };
        if let Some(expect) = expect {
            assert_eq!(*schema_ok, expect, "{file} #{doc}\n{said}");
        }
    }
}

#[test]
fn spec_documents_get_the_verdict_they_expect() {
    let path = corpus("specs/leniency.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    let v = verdicts(std::slice::from_ref(&path));
    let expects: Vec<bool> = text
        .lines()
        .filter_map(|l| l.strip_prefix("x-expect: "))
        .map(|e| e.trim() == "accept")
        .collect();
    assert_eq!(v.rows.len(), expects.len());
    for ((_, doc, schema_ok, cli_ok, said), expect) in v.rows.iter().zip(expects) {
        assert_eq!((*schema_ok, *cli_ok), (expect, expect), "#{doc}\n{said}");
    }
}

#[test]
fn the_schema_and_the_cli_agree_on_the_strict_numbers() {
    let files: Vec<PathBuf> = corpus_and_examples()
        .into_iter()
        .filter(|p| pending(p))
        .collect();
    let v = verdicts(&files);
    assert_eq!(v.rows.len(), REFUSED_NUMBERS.len());
    for (file, doc, schema_ok, cli_ok, said) in &v.rows {
        assert_eq!(
            (*schema_ok, *cli_ok),
            (false, false),
            "{file} #{doc}\n{said}"
        );
    }
}

/// Documents made from a valid one by replacing one value: the schema and
/// the CLI must agree on each, for every key of both kinds.
fn one_value_at_a_time(base: &str, key: &str, values: &[&str], json: bool) -> Vec<String> {
    let schema = job_schema();
    let validator = jsonschema::draft7::new(&schema).expect("the job schema compiles");
    let mut disagree = Vec::new();
    for v in values {
        let text = base
            .lines()
            .map(|l| {
                let (k, _) = l.split_once(':').unwrap_or((l, ""));
                let k = k.trim().trim_matches('"');
                if k == key {
                    if json {
                        format!("\"{key}\": {v},")
                    } else {
                        format!("{key}: {v}")
                    }
                } else {
                    l.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join("\n");
        let read = jobcheck::request::read_file(&text, json);
        let raw = yaml::parse_documents(&text);
        let Some(Ok(node)) = raw.first().map(|r| &r.root) else {
            continue;
        };
        if read[0]
            .diagnostics
            .iter()
            .any(|d| d.code == Code::SyntaxError)
        {
            continue;
        }
        let schema_ok = validator.is_valid(&to_json(node, &text));
        let cli_errors: Vec<String> = read[0]
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .map(|d| format!("{}: {}", d.code, d.message))
            .collect();
        if schema_ok != cli_errors.is_empty() {
            disagree.push(format!(
                "{key}: {v} → schema {schema_ok}, cli {cli_errors:?}"
            ));
        }
    }
    disagree
}

const SPEC: &str = "name: job\nresourceGroup: TeslaM40\nacceleratorType: gpu\nnodes: 1\ncpus: 8\ngpus: 1\nmemory: 16G\nwalltime: 2d\n";

const BODY: &str = r#"{
"instanceServiceName": "nb",
"description": "",
"taskType": "ssh",
"acceleratorType": "gpu",
"version": "v",
"imagePath": "i",
"timeoutLimit": "01:00:00",
"taskNumber": 1,
"resourceGroup": "TeslaM40",
"useStartScript": false,
"startScriptActionScope": "all",
"startScriptContent": "",
"cpuNumber": 3,
"ramSize": 15360,
"gpuNumber": 1,
"mountInfoList": [],
"containerPortInfoList": [],
"x": 0
}"#;

const COMMON: &[&str] = &["null", "true", "[]", "{}", "\"\"", "\" \""];

#[test]
fn the_schema_and_the_cli_agree_value_by_value() {
    let mut disagree = Vec::new();
    let texts = ["\"x\"", "x", "1", "1.5", "\"G 1\""];
    let counts = [
        "0",
        "1",
        "8",
        "-1",
        "1.5",
        "\"8\"",
        "99999999999999999999999",
    ];
    let spec_cases: &[(&str, &[&str])] = &[
        ("name", &texts),
        ("resourceGroup", &texts),
        (
            "acceleratorType",
            &["gpu", "GPU", "\" Gpu \"", "tpu", "1", "cpu", "dcu"],
        ),
        ("nodes", &counts),
        ("cpus", &counts),
        ("gpus", &counts),
        (
            "memory",
            &[
                "16G", "16 G", "16g", "16GB", "16GiB", "1.5T", "512K", "0", "0G", "0.0M", "-1G",
                "16", "16.5", "\"16\"", "16X", "16.G", ".5G",
            ],
        ),
        (
            "walltime",
            &[
                "2d",
                "36h",
                "90m",
                "1d12h",
                "30s",
                "2-00:00:00",
                "2-12",
                "24:00:00",
                "24:00",
                "90",
                "0",
                "-1",
                "-5",
                "unlimited",
                "UNLIMITED",
                "infinite",
                "00:00:00",
                "0m",
                "soon",
                "1.5",
                "\"2d\"",
            ],
        ),
    ];
    for (key, values) in spec_cases {
        disagree.extend(one_value_at_a_time(SPEC, key, values, false));
        disagree.extend(one_value_at_a_time(SPEC, key, COMMON, false));
    }
    let body_texts = ["\"x\"", "1", "1.5"];
    let body_cases: &[(&str, &[&str])] = &[
        ("instanceServiceName", &body_texts),
        ("description", &body_texts),
        ("version", &body_texts),
        ("imagePath", &body_texts),
        ("resourceGroup", &body_texts),
        ("startScriptContent", &body_texts),
        (
            "acceleratorType",
            &["\"gpu\"", "\"GPU\"", "\"cpu\"", "\"dcu\"", "\" gpu\"", "1"],
        ),
        (
            "taskType",
            &["\"jupyter\"", "\"Jupyter\"", "\"rstudio\"", "\"notebook\""],
        ),
        (
            "startScriptActionScope",
            &["\"header\"", "\"Header\"", "\"first\""],
        ),
        ("useStartScript", &["true", "false", "\"true\"", "0"]),
        ("gpuNumber", &["0", "2", "-1", "1.5"]),
        ("cpuNumber", &["1", "0", "-3", "2.5"]),
        ("taskNumber", &["1", "2", "0"]),
        (
            "mountInfoList",
            &[
                "[{\"sourcePath\": \"/a\", \"targetPath\": \"/b\", \"type\": \"data\"}]",
                "[{\"sourcePath\": \"a\", \"targetPath\": \"/b\"}]",
                "[{\"sourcePath\": \"/a\", \"targetPath\": \"\"}]",
                "[{\"sourcePath\": \"/a\"}]",
                "[{\"sourcePath\": 1, \"targetPath\": \"/b\"}]",
                "[1]",
                "{\"sourcePath\": \"/a\"}",
            ],
        ),
        (
            "containerPortInfoList",
            &[
                "[{\"protocolType\": \"HTTP\", \"containerPort\": 8888}]",
                "[{\"containerPort\": \"8888\"}]",
                "[{\"containerPort\": \"08888\"}]",
                "[{\"containerPort\": 65535}]",
                "[{\"containerPort\": 65536}]",
                "[{\"containerPort\": \"65536\"}]",
                "[{\"containerPort\": 0}]",
                "[{\"containerPort\": -1}]",
                "[{\"containerPort\": \"\"}]",
                "[{\"containerPort\": \"88 88\"}]",
                "[{\"containerPort\": 8888.5}]",
                "[{\"protocolType\": \"HTTP\"}]",
                "[\"8888\"]",
            ],
        ),
    ];
    for (key, values) in body_cases {
        disagree.extend(one_value_at_a_time(BODY, key, values, true));
        disagree.extend(one_value_at_a_time(BODY, key, COMMON, true));
    }
    // Cross-key rules.
    disagree.extend(one_value_at_a_time(BODY, "useStartScript", &["true"], true));
    assert!(disagree.is_empty(), "{}", disagree.join("\n"));
}

#[test]
fn the_schema_and_the_cli_agree_on_the_strict_value_grammar() {
    let mut disagree = Vec::new();
    for (key, values) in [
        // A digit string and `8.0` are read as the integer (the CLI warns);
        // a leading zero is refused by both.
        ("cpuNumber", &["\"8\"", "\"08\"", "8.0", "08"][..]),
        ("gpuNumber", &["\"1\""][..]),
        ("taskNumber", &["\"1\""][..]),
        ("ramSize", &["\"16G\"", "16.5", "\"15360\"", "0"][..]),
        (
            "timeoutLimit",
            &[
                "\"unlimited\"",
                "\"1:00:00\"",
                "\"100:00:00\"",
                "\"2d\"",
                "\"01:00\"",
                "\"1-00:00:00\"",
                "\"01:60:00\"",
                "60",
            ][..],
        ),
    ] {
        disagree.extend(one_value_at_a_time(BODY, key, values, true));
    }
    // Kubernetes units and leading zeros in a job spec.
    disagree.extend(one_value_at_a_time(
        SPEC,
        "memory",
        &["16Gi", "512Mi", "1Ti", "016G", "0.5G", "00.5G"],
        false,
    ));
    disagree.extend(one_value_at_a_time(
        SPEC,
        "walltime",
        // (Unquoted, YAML reads `010` as the number 10: a schema sees the
        // number, the CLI sees how it was written.)
        &["\"010\"", "08h", "08:00:00", "010:00:00", "01-12", "1d08h"],
        false,
    ));
    disagree.extend(one_value_at_a_time(
        BODY,
        "timeoutLimit",
        &[
            "\"1:00:00\"",
            "\"0:00:00\"",
            "\"010:00:00\"",
            "\"100:00:00\"",
        ],
        true,
    ));
    assert!(disagree.is_empty(), "{}", disagree.join("\n"));
}

mod generated {
    //! Generated documents mixing keys of both kinds with good and bad
    //! values: the schema and the CLI agree on every one.

    use super::*;
    use proptest::prelude::*;

    const CASES: &[(&str, &[&str])] = &[
        ("name", &["job", "\"\"", "1", "null"]),
        (
            "resourceGroup",
            &["TeslaM40", "\"\"", "\" \"", "7", "null", "true"],
        ),
        (
            "acceleratorType",
            &["gpu", "GPU", "dcu", "cpu", "mlu", "tpu", "\"\"", "1"],
        ),
        ("nodes", &["1", "2", "0", "-1", "x"]),
        ("cpus", &["8", "0", "1.5", "\"8\""]),
        ("gpus", &["0", "1", "-2"]),
        ("dcus", &["0", "2"]),
        ("mlus", &["1"]),
        ("memory", &["16G", "0G", "16", "1.5T", "16X", "-1G", "[]"]),
        (
            "walltime",
            &[
                "2d",
                "0",
                "-1",
                "24:00:00",
                "soon",
                "00:00",
                "unlimited",
                "90",
            ],
        ),
        ("x-team", &["ml", "{a: 1}"]),
        ("instanceServiceName", &["nb", "\"\"", "null"]),
        ("description", &["\"\"", "null", "d", "[]"]),
        ("taskType", &["ssh", "SSH", "jupyter", "notebook"]),
        ("version", &["v1", "\"\""]),
        ("imagePath", &["img", "\"\"", "1"]),
        (
            "timeoutLimit",
            &["unlimited", "\"01:00:00\"", "bad", "\"\""],
        ),
        ("taskNumber", &["1", "0", "2.5"]),
        ("useStartScript", &["false", "true", "\"true\"", "0"]),
        ("startScriptActionScope", &["all", "header", "ALL", "none"]),
        (
            "startScriptContent",
            &["\"\"", "\"echo hi\"", "null", "\" \""],
        ),
        ("cpuNumber", &["3", "0", "-1"]),
        ("ramSize", &["15360", "0", "-5"]),
        ("gpuNumber", &["0", "1", "-1", "1.5"]),
        (
            "mountInfoList",
            &[
                "[]",
                "null",
                "[{sourcePath: /a, targetPath: /b}]",
                "[{sourcePath: a, targetPath: /b}]",
                "[{targetPath: /b}]",
                "[7]",
                "x",
            ],
        ),
        (
            "containerPortInfoList",
            &[
                "[]",
                "[{containerPort: 8888}]",
                "[{containerPort: \"8888\"}]",
                "[{containerPort: 70000}]",
                "[{containerPort: \"x\"}]",
                "[{protocolType: HTTP}]",
            ],
        ),
        ("cpu", &["4"]),
    ];

    /// A whole platform body, so that generated changes to it are judged
    /// as bodies too.
    const BODY_LINES: &str = "instanceServiceName: nb\ntaskType: ssh\nacceleratorType: gpu\nversion: v\nimagePath: i\ntimeoutLimit: unlimited\ntaskNumber: 1\nresourceGroup: TeslaM40\nuseStartScript: false\nstartScriptActionScope: all\ncpuNumber: 3\nramSize: 15360\ngpuNumber: 1\n";

    fn document(base: &str, picks: &[(usize, usize)]) -> String {
        let mut lines: Vec<(String, String)> = base
            .lines()
            .filter_map(|l| l.split_once(": "))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        for &(k, v) in picks {
            let (key, values) = CASES[k % CASES.len()];
            let value = values[v % values.len()].to_string();
            match lines.iter_mut().find(|(k, _)| k == key) {
                Some(line) => line.1 = value,
                None => lines.push((key.to_string(), value)),
            }
        }
        lines.iter().map(|(k, v)| format!("{k}: {v}\n")).collect()
    }

    static VALIDATOR: std::sync::LazyLock<jsonschema::Validator> = std::sync::LazyLock::new(|| {
        let schema = job_schema();
        jsonschema::draft7::new(&schema).unwrap()
    });

    fn agree(text: &str) -> Result<(), TestCaseError> {
        let validator = &*VALIDATOR;
        let read = jobcheck::request::read_documents(text);
        let raw = yaml::parse_documents(text);
        let (Some(doc), Some(Ok(node))) = (read.first(), raw.first().map(|r| &r.root)) else {
            return Ok(());
        };
        let cli: Vec<String> = doc
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .map(|d| format!("{}: {}", d.code, d.message))
            .collect();
        let schema_errors: Vec<String> = validator
            .iter_errors(&to_json(node, text))
            .map(|e| format!("{}: {e}", e.instance_path()))
            .collect();
        prop_assert_eq!(
            schema_errors.is_empty(),
            cli.is_empty(),
            "\n{}\nschema: {:?}\ncli: {:?}",
            text,
            schema_errors,
            cli
        );
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        #[test]
        fn from_a_job_spec(picks in prop::collection::vec((0..CASES.len(), 0..8usize), 0..6)) {
            agree(&document(SPEC, &picks))?;
        }

        #[test]
        fn from_a_platform_body(picks in prop::collection::vec((0..CASES.len(), 0..8usize), 0..6)) {
            agree(&document(BODY_LINES, &picks))?;
        }

        #[test]
        fn from_nothing(picks in prop::collection::vec((0..CASES.len(), 0..8usize), 0..10)) {
            agree(&document("", &picks))?;
        }
    }
}

/// Run the binary from the repository root; (exit code, stdout, stderr).
fn run_text(args: &[&str]) -> (i32, String, String) {
    let out = jobcheck().args(args).output().expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_walk_passes_over_every_file_that_is_not_a_job() {
    let files = files_under(&corpus("not-jobs"));
    assert!(files.len() >= 10, "{files:?}");
    let (code, report) = check(&["tests/conformance/not-jobs"]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["summary"]["files"], 0, "{report:#}");
    assert!(report["diagnostics"].as_array().unwrap().is_empty());
    // Counted with --statistics, listed with -v.
    let (code, out, err) = run_text(&[
        "check",
        "-f",
        "concise",
        "--statistics",
        "-v",
        "--limits",
        "tests/conformance/limits.yaml",
        "tests/conformance/not-jobs",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains(&format!(
            "{} files passed over (not job files)",
            files.len()
        )),
        "{out}"
    );
    for f in &files {
        let shown = shown(f);
        assert!(
            err.contains(&format!("passed over {shown} (")),
            "{shown}: {err}"
        );
    }
    assert!(
        err.contains("notebook-create.json (it is the body of another platform endpoint"),
        "{err}"
    );
    // A file named on the command line is always judged.
    for f in &files {
        let shown = shown(f);
        let (_, report) = check(&[&shown]);
        assert_eq!(report["summary"]["files"], 1, "{shown}: {report:#}");
    }
}

#[test]
fn a_walk_of_the_whole_corpus_judges_the_jobs_and_only_them() {
    // Every job file of the corpus is judged; the not-jobs and the limits
    // file beside them are passed over.
    let (_, report) = check(&["tests/conformance"]);
    let judged: Vec<&str> = report["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|j| j["file"].as_str())
        .collect();
    for dir in ["admitted", "refused", "specs"] {
        for f in files_under(&corpus(dir)) {
            let shown = shown(&f);
            assert!(judged.contains(&shown.as_str()), "{shown} not judged");
        }
    }
    assert!(
        judged
            .iter()
            .all(|f| !f.contains("not-jobs") && *f != "tests/conformance/limits.yaml"),
        "{judged:?}"
    );
}

/// A corpus file as jobcheck shows it: relative to the repository, with `/`
/// between its parts on every system.
fn shown(f: &Path) -> String {
    let relative = f.strip_prefix(root()).unwrap();
    let parts: Vec<_> = relative.iter().map(|p| p.to_string_lossy()).collect();
    parts.join("/")
}

/// The committed job schema, read when the test runs (so a regeneration in
/// the same run is what is checked).
fn job_schema() -> Value {
    let text = std::fs::read_to_string(root().join("schemas/job.schema.json"))
        .expect("the committed schema");
    serde_json::from_str(&text).unwrap()
}
