//! Verdicts a user can trust: no false rejection, no self-contradiction,
//! Slurm's own reading of time. Each test runs the binary on files written
//! to a temporary directory, with a limits file of its own.

use std::path::Path;

use serde_json::Value;

use crate::support;

use support::cli::jobcheck;

const LIMITS: &str = "\
- resourceGroup: Cpu64
  acceleratorType: cpu
  cpuNumber: 64
  gpuNumber: 0
  memorySize: 257024
  nodeNumber: 4
  maxTime: \"2-00:00:00\"
- resourceGroup: A800x8
  acceleratorType: gpu
  cpuNumber: 112
  gpuNumber: 8
  nvLimits: 4
  memorySize: 1031168
  nodeNumber: 4
  maxTime: \"7-00:00:00\"
- resourceGroup: TeslaM40
  cpuNumber: 40
  gpuNumber: 2
  nvLimits: 0
  memorySize: 31888
  nodeNumber: 1
  maxTime: unlimited
- resourceGroup: Short
  acceleratorType: cpu
  cpuNumber: 8
  memorySize: 16384
  nodeNumber: 1
  maxTime: \"1:00:10\"
";

/// Run `jobcheck check -f FORMAT --limits limits.yaml FILES…` in `dir`.
fn run(dir: &Path, format: &str, limits: &str, files: &[(&str, &str)]) -> (i32, String) {
    std::fs::write(dir.join("limits.yaml"), limits).expect("write limits");
    let mut cmd = jobcheck();
    cmd.current_dir(dir).args([
        "check",
        "--color",
        "never",
        "-f",
        format,
        "--limits",
        "limits.yaml",
    ]);
    for (name, text) in files {
        std::fs::write(dir.join(name), text).expect("write job");
        cmd.arg(name);
    }
    let out = cmd.output().expect("runs");
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stderr));
    (out.status.code().unwrap_or(-1), text)
}

fn json(files: &[(&str, &str)]) -> (i32, Value) {
    json_with(LIMITS, files)
}

fn json_with(limits: &str, files: &[(&str, &str)]) -> (i32, Value) {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("limits.yaml"), limits).expect("write limits");
    let mut cmd = jobcheck();
    cmd.current_dir(dir.path())
        .args(["check", "-f", "json", "--limits", "limits.yaml"]);
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).expect("write job");
        cmd.arg(name);
    }
    let out = cmd.output().expect("runs");
    let report = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap_or(-1), report)
}

fn codes(report: &Value) -> Vec<(String, String)> {
    report["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap_or_default().to_string(),
                d["severity"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

fn verdicts(report: &Value) -> Vec<String> {
    report["jobs"]
        .as_array()
        .expect("jobs")
        .iter()
        .map(|j| j["verdict"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn zero_cards_without_a_type_is_a_cpu_job_that_fits_a_cpu_group() {
    for cards in ["gpus: 0  # CPU only", "dcus: 0", "mlus: 0"] {
        let job = format!("resourceGroup: Cpu64\ncpus: 8\n{cards}\nmemory: 16G\nwalltime: 1h\n");
        let (code, report) = json(&[("job.yaml", &job)]);
        assert_eq!(code, 0, "{cards}: {report:#}");
        assert_eq!(verdicts(&report), ["admitted"], "{cards}");
        assert_eq!(report["jobs"][0]["acceleratorType"], "cpu", "{cards}");
        assert!(codes(&report).is_empty(), "{cards}: {report:#}");
    }
    // One card is still a gpu job, which a cpu group does not offer.
    let (code, report) = json(&[(
        "job.yaml",
        "resourceGroup: Cpu64\ncpus: 8\ngpus: 1\nmemory: 16G\nwalltime: 1h\n",
    )]);
    assert_eq!(code, 1);
    assert_eq!(codes(&report)[0].0, "accelerator-type-mismatch");
}

#[test]
fn the_card_quota_is_per_node_and_never_summed_over_a_run() {
    // nvLimits 4 per node: 2 nodes × 4 cards fits, and so do two such jobs.
    let job = "resourceGroup: A800x8\ncpus: 16\ngpus: 4\nnodes: 2\nmemory: 64G\nwalltime: 1h\n";
    let (code, report) = json(&[("a.yaml", job), ("b.yaml", job)]);
    assert_eq!(code, 0, "{report:#}");
    assert!(codes(&report).is_empty(), "{report:#}");
    // 5 cards on one node is over the per-node quota.
    let (code, report) = json(&[(
        "a.yaml",
        "resourceGroup: A800x8\ncpus: 16\ngpus: 5\nmemory: 64G\nwalltime: 1h\n",
    )]);
    assert_eq!(code, 1);
    assert_eq!(
        codes(&report),
        [("accelerators-over-limit".into(), "error".into())]
    );
    // `explain` still knows the retired code, and says it is retired.
    let out = jobcheck()
        .args(["explain", "quota-exceeded-by-run"])
        .output()
        .expect("runs");
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("Retired"));
}

const BODY: &str = r#"{
  "instanceServiceName": "t", "acceleratorType": "gpu", "taskType": "jupyter",
  "version": "1", "imagePath": "img", "timeoutLimit": "1:00:00",
  "taskNumber": TASKS, "resourceGroup": "TeslaM40", "useStartScript": false,
  "startScriptActionScope": "all", "cpuNumber": CPUS, "ramSize": RAM, "gpuNumber": 1
}"#;

fn body(tasks: &str, cpus: &str, ram: &str) -> String {
    BODY.replace("TASKS", tasks)
        .replace("CPUS", cpus)
        .replace("RAM", ram)
}

#[test]
fn body_integers_as_digit_strings_or_integral_numbers_are_read_with_a_warning() {
    let (code, report) = json(&[("b.json", &body("\"1\"", "8.0", "\"15360\""))]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(verdicts(&report), ["admitted"]);
    let diags = report["diagnostics"].as_array().unwrap();
    assert_eq!(diags.len(), 3, "{report:#}");
    for d in diags {
        assert_eq!(d["code"], "invalid-value");
        assert_eq!(d["severity"], "warning");
    }
    let ram = diags.iter().find(|d| d["field"] == "ramSize").unwrap();
    assert_eq!(ram["help"], "write `\"ramSize\": 15360`");
    // The fix writes the bare integer, without the quotes.
    assert_eq!(ram["fix"]["replacement"], "15360");
    assert_eq!(report["jobs"][0]["request"]["memoryMiB"], 15360);
    assert_eq!(report["jobs"][0]["request"]["cpus"], 8);
    // What is not an integer stays an error, with the integer to write.
    let (code, report) = json(&[("b.json", &body("1", "8", "\"32G\""))]);
    assert_eq!(code, 1);
    let d = &report["diagnostics"][0];
    assert_eq!(
        (d["code"].as_str(), d["severity"].as_str()),
        (Some("invalid-value"), Some("error"))
    );
    assert_eq!(d["fix"]["replacement"], "32768", "{d}");
    for bad in ["16.5", "\"eight\"", "\"-3\"", "\"08\""] {
        let (code, report) = json(&[("b.json", &body("1", bad, "1024"))]);
        assert_eq!(code, 1, "{bad}: {report:#}");
        assert_eq!(report["diagnostics"][0]["severity"], "error", "{bad}");
    }
}

#[test]
fn task_number_over_node_number_is_a_warning_for_a_body_and_an_error_for_a_spec() {
    let (code, report) = json(&[("b.json", &body("2", "8", "1024"))]);
    assert_eq!(code, 0, "{report:#}");
    let d = &report["diagnostics"][0];
    assert_eq!(d["code"], "nodes-over-limit");
    assert_eq!(d["severity"], "warning");
    assert!(
        d["message"].as_str().unwrap().contains("does not document"),
        "{d}"
    );
    let (code, report) = json(&[(
        "j.yaml",
        "resourceGroup: TeslaM40\ncpus: 8\ngpus: 1\nnodes: 2\nmemory: 1G\n",
    )]);
    assert_eq!(code, 1);
    assert_eq!(
        codes(&report),
        [("nodes-over-limit".into(), "error".into())]
    );
}

#[test]
fn walltime_and_max_time_are_compared_in_whole_minutes_rounded_up() {
    let job = |w: &str| format!("resourceGroup: Short\ncpus: 1\nmemory: 1G\nwalltime: \"{w}\"\n");
    // 1:00:50 and 1:00:10 are both 61 minutes.
    let (code, report) = json(&[("j.yaml", &job("1:00:50"))]);
    assert_eq!(code, 0, "{report:#}");
    let (code, report) = json(&[("j.yaml", &job("1:01:01"))]);
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(codes(&report)[0].0, "walltime-over-limit");
}

fn limit_with_max_time(max: &str) -> String {
    format!(
        "- resourceGroup: G\n  acceleratorType: cpu\n  cpuNumber: 8\n  memorySize: 16384\n  nodeNumber: 1\n  maxTime: {max}\n"
    )
}

#[test]
fn a_max_time_of_zero_or_unreadable_makes_only_that_limit_unknown() {
    for max in [
        "0",
        "\"00:00:00\"",
        "\"0-0\"",
        "\"n/a\"",
        "\"1:2:3:4\"",
        "null",
        "\"-5\"",
    ] {
        let limits = limit_with_max_time(max);
        // A job with a walltime: judged on everything else, warned once.
        let (code, report) = json_with(
            &limits,
            &[(
                "j.yaml",
                "resourceGroup: G\ncpus: 4\nmemory: 1G\nwalltime: 2h\n",
            )],
        );
        assert_eq!(code, 0, "{max}: {report:#}");
        assert_eq!(
            codes(&report),
            [("limit-unknown".into(), "warning".into())],
            "{max}"
        );
        // A job without one is not told to add `walltime: "00:00:00"`.
        let (code, report) = json_with(
            &limits,
            &[("j.yaml", "resourceGroup: G\ncpus: 4\nmemory: 1G\n")],
        );
        assert_eq!(code, 0, "{max}: {report:#}");
        assert!(codes(&report).is_empty(), "{max}: {report:#}");
        // Other limits still bind.
        let (code, _) = json_with(
            &limits,
            &[("j.yaml", "resourceGroup: G\ncpus: 9\nmemory: 1G\n")],
        );
        assert_eq!(code, 1, "{max}");
    }
}

#[test]
fn max_times_slurm_accepts_are_read_with_carries() {
    // (maxTime, a walltime that fits exactly, the next minute that does not)
    for (max, fits, over) in [
        ("\"12:60\"", "13m", "14m"),
        ("\"1-24\"", "2d", "2d1m"),
        ("\"1-\"", "1d", "1d1m"),
        ("\"0:0:61\"", "2m", "3m"),
        ("90", "90m", "91m"),
    ] {
        let limits = limit_with_max_time(max);
        let job = |w: &str| format!("resourceGroup: G\ncpus: 4\nmemory: 1G\nwalltime: {w}\n");
        let (code, report) = json_with(&limits, &[("j.yaml", &job(fits))]);
        assert_eq!(code, 0, "{max} {fits}: {report:#}");
        assert!(codes(&report).is_empty(), "{max}: {report:#}");
        let (code, report) = json_with(&limits, &[("j.yaml", &job(over))]);
        assert_eq!(code, 1, "{max} {over}: {report:#}");
        assert_eq!(
            codes(&report),
            [("walltime-over-limit".into(), "error".into())]
        );
    }
}

#[test]
fn a_limits_file_with_unreadable_fields_is_still_used() {
    let limits = "\
- resourceGroup: G
  acceleratorType: cpu
  cpuNumber: 8
  memorySize: \"n/a\"
  nodeNumber: [1]
  maxTime: \"12:60\"
";
    let (code, report) = json_with(
        limits,
        &[(
            "j.yaml",
            "resourceGroup: G\ncpus: 4\nmemory: 1G\nwalltime: 10m\n",
        )],
    );
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(codes(&report), [("limit-unknown".into(), "warning".into())]);
    assert_eq!(report["jobs"][0]["limits"]["memoryMiB"], Value::Null);
    // What could not be read is named on standard error.
    let dir = tempfile::tempdir().unwrap();
    let (code, out) = run(
        dir.path(),
        "concise",
        limits,
        &[(
            "j.yaml",
            "resourceGroup: G\ncpus: 4\nmemory: 1G\nwalltime: 10m\n",
        )],
    );
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains(
            "warning: the limits file's `memorySize` of resource group `G` cannot be read"
        ),
        "{out}"
    );
    // A file that is no list of limit sets is still bad.
    let (code, out) = run(
        dir.path(),
        "json",
        "just words\n",
        &[("j.yaml", "resourceGroup: G\ncpus: 4\nmemory: 1G\n")],
    );
    assert_eq!(code, 2, "{out}");
}

#[test]
fn memory_is_whole_mib_rounded_up_and_bits_are_refused() {
    let job = |m: &str| format!("resourceGroup: Cpu64\ncpus: 1\nmemory: {m}\nwalltime: 1h\n");
    for (m, mib) in [
        ("512K", 1),
        ("1.3G", 1332),
        ("1.5G", 1536),
        ("1K", 1),
        ("1025K", 2),
    ] {
        let (code, report) = json(&[("j.yaml", &job(m))]);
        assert_eq!(code, 0, "{m}: {report:#}");
        assert_eq!(report["jobs"][0]["request"]["memoryMiB"], mib, "{m}");
    }
    // Over a limit, the report shows whole MiB, never a fraction.
    let limits = "- resourceGroup: G\n  acceleratorType: cpu\n  cpuNumber: 8\n  memorySize: 1331\n  nodeNumber: 1\n  maxTime: unlimited\n";
    let (code, report) = json_with(
        limits,
        &[("j.yaml", "resourceGroup: G\ncpus: 1\nmemory: 1.3G\n")],
    );
    assert_eq!(code, 1);
    let d = &report["diagnostics"][0];
    assert_eq!(d["code"], "memory-over-limit");
    let text = format!("{} {} {}", d["message"], d["requested"], d["label"]);
    assert!(text.contains("1332 MiB"), "{text}");
    assert!(!text.contains("1331.2"), "{text}");
    for (m, suggestion) in [
        ("32Gb", "32G"),
        ("8Mb", "8M"),
        ("1Tb", "1T"),
        ("32 GBs", "32G"),
        ("32Gb/s", "32G"),
    ] {
        let (code, report) = json(&[("j.yaml", &job(m))]);
        assert_eq!(code, 1, "{m}: {report:#}");
        let d = &report["diagnostics"][0];
        assert_eq!(d["code"], "invalid-value", "{m}");
        assert!(
            d["help"]
                .as_str()
                .unwrap()
                .contains(&format!("did you mean `{suggestion}`")),
            "{m}: {d}"
        );
        assert_eq!(d["fix"]["replacement"], suggestion, "{m}: {d}");
    }
}

#[test]
fn an_unjudged_job_is_named_in_every_format() {
    // A set in which no limit can be read is no answer: the job is unjudged.
    let limits = "- resourceGroup: Empty\n  cpuNumber: null\n";
    let job = "resourceGroup: Empty\ncpus: 1\nmemory: 1G\n";
    let (code, report) = json_with(limits, &[("unjudged.yaml", job)]);
    assert_eq!(code, 3, "{report:#}");
    assert_eq!(verdicts(&report), ["unjudged"]);
    let d = &report["diagnostics"][0];
    assert_eq!(d["code"], "limits-unavailable");
    assert_eq!(d["severity"], "error");
    assert_eq!(d["file"], "unjudged.yaml");
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(1), Some(16))
    );
    let dir = tempfile::tempdir().unwrap();
    for (format, needle) in [
        ("concise", "unjudged.yaml:1:16: error[limits-unavailable]"),
        ("github", "::error file=unjudged.yaml,line=1,col=16"),
        ("junit", "limits-unavailable"),
        ("sarif", "\"ruleId\": \"limits-unavailable\""),
    ] {
        let (code, out) = run(dir.path(), format, limits, &[("unjudged.yaml", job)]);
        assert_eq!(code, 3, "{format}");
        assert!(out.contains(needle), "{format}: {out}");
        if format == "junit" {
            assert!(out.contains("unjudged.yaml"), "{out}");
        }
    }
}

#[test]
fn one_message_per_value_where_a_policy_cap_judges_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("jobcheck.toml"),
        "[policy.Nolimit]\nwalltime = \"2-00:00:00\"\n",
    )
    .unwrap();
    let limits = "- resourceGroup: Nolimit\n  acceleratorType: cpu\n  cpuNumber: 8\n  memorySize: 16384\n  nodeNumber: 1\n";
    let (code, out) = run(
        dir.path(),
        "json",
        limits,
        &[(
            "j.yaml",
            "resourceGroup: Nolimit\ncpus: 1\nmemory: 1G\nwalltime: 3d\n",
        )],
    );
    let report: Value = serde_json::from_str(out.lines().next().unwrap_or_default())
        .or_else(|_| serde_json::from_str(&out))
        .unwrap_or_else(|e| panic!("{e}: {out}"));
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(
        codes(&report),
        [("walltime-over-limit".into(), "error".into())],
        "{report:#}"
    );
}

#[test]
fn last_duplicate_is_judged_when_duplicate_key_is_off() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("jobcheck.toml"),
        "[rules]\nduplicate-key = \"off\"\n",
    )
    .unwrap();
    let body = body("1", "8", "1024").replacen(
        "\"gpuNumber\": 1",
        "\"gpuNumber\": 1, \"cpuNumber\": 999",
        1,
    );
    let (code, out) = run(dir.path(), "json", LIMITS, &[("b.json", &body)]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("cpus-over-limit"), "{out}");
    let (code, out) = run(
        dir.path(),
        "json",
        LIMITS,
        &[(
            "j.yaml",
            "resourceGroup: TeslaM40\ncpus: 99\nmemory: 1G\ncpus: 8\n",
        )],
    );
    assert_eq!(code, 0, "{out}");
}

#[test]
fn fixes_where_the_help_gives_the_exact_text() {
    let spec = |line: &str| format!("resourceGroup: TeslaM40\ncpus: 8\nmemory: 16G\n{line}\n");
    for (line, replacement) in [
        ("walltime: 2 days", "2d"),
        ("walltime: 1.5h", "1h30m"),
        ("acceleratorType: gpuu", "gpu"),
        ("memory: 16 GBs", "16G"),
    ] {
        let text = spec(line).replace("memory: 16G\nmemory", "memory");
        let (code, report) = json(&[("j.yaml", &text)]);
        assert_eq!(code, 1, "{line}: {report:#}");
        let d = &report["diagnostics"][0];
        assert_eq!(d["code"], "invalid-value", "{line}: {report:#}");
        assert_eq!(d["fix"]["replacement"], replacement, "{line}: {d}");
        // Applying the fix gives a file that is admitted.
        let (line_no, col, end) = (
            d["fix"]["line"].as_u64().unwrap() as usize,
            d["fix"]["column"].as_u64().unwrap() as usize,
            d["fix"]["endColumn"].as_u64().unwrap() as usize,
        );
        let fixed: Vec<String> = text
            .lines()
            .enumerate()
            .map(|(i, l)| {
                if i + 1 == line_no {
                    format!(
                        "{}{}{}",
                        &l[..col - 1],
                        d["fix"]["replacement"].as_str().unwrap(),
                        &l[end - 1..]
                    )
                } else {
                    l.to_string()
                }
            })
            .collect();
        let (code, report) = json(&[("j.yaml", &(fixed.join("\n") + "\n"))]);
        assert_eq!(code, 0, "{line} fixed: {report:#}");
    }
    // `"ramSize": "32G"` → 32768, a bare JSON integer.
    let text = body("1", "8", "\"16G\"");
    let (code, report) = json(&[("b.json", &text)]);
    assert_eq!(code, 1);
    let d = &report["diagnostics"][0];
    assert_eq!(d["fix"]["replacement"], "16384", "{d}");
    // SARIF carries the same edit.
    let dir = tempfile::tempdir().unwrap();
    let (_, out) = run(dir.path(), "sarif", LIMITS, &[("b.json", &text)]);
    assert!(out.contains("\"fixes\""), "{out}");
    assert!(out.contains("16384"), "{out}");
}

/// Slurm's own readings: each string run through `time_str2secs` and
/// `time_str2mins` of Slurm's `src/common/parse_time.c` (commit 284c3b95,
/// compiled as C with `_is_valid_timespec`), seconds and minutes as printed.
/// `None` is Slurm's `NO_VAL` (invalid); `Some(None)` is `INFINITE`;
/// "overflow" rows leave C's `int` (undefined behaviour in C; unreadable
/// here).
#[allow(clippy::type_complexity)]
const SLURM: &[(&str, Option<Option<(i64, i64)>>)] = &[
    ("0", Some(Some((0, 0)))),
    ("1", Some(Some((60, 1)))),
    ("5", Some(Some((300, 5)))),
    ("60", Some(Some((3600, 60)))),
    ("90", Some(Some((5400, 90)))),
    ("1440", Some(Some((86400, 1440)))),
    ("00:00:00", Some(Some((0, 0)))),
    ("0-0", Some(Some((0, 0)))),
    ("0:0", Some(Some((0, 0)))),
    ("12:60", Some(Some((780, 13)))),
    ("1:00:10", Some(Some((3610, 61)))),
    ("1:00:50", Some(Some((3650, 61)))),
    ("1:01:00", Some(Some((3660, 61)))),
    ("0:0:61", Some(Some((61, 2)))),
    ("0:59", Some(Some((59, 1)))),
    ("1:30", Some(Some((90, 2)))),
    ("24:00", Some(Some((1440, 24)))),
    ("2:00:00", Some(Some((7200, 120)))),
    ("96:00:00", Some(Some((345600, 5760)))),
    ("100:00:00", Some(Some((360000, 6000)))),
    ("1-", Some(Some((86400, 1440)))),
    ("1-0", Some(Some((86400, 1440)))),
    ("1-24", Some(Some((172800, 2880)))),
    ("1-12", Some(Some((129600, 2160)))),
    ("1-2:3", Some(Some((93780, 1563)))),
    ("1-2:3:4", Some(Some((93784, 1564)))),
    ("1-00:00:00", Some(Some((86400, 1440)))),
    ("2-00:00:00", Some(Some((172800, 2880)))),
    ("7-00:00:00", Some(Some((604800, 10080)))),
    ("1-23:59:59", Some(Some((172799, 2880)))),
    ("0-0:0:1", Some(Some((1, 1)))),
    ("1:60:60", Some(Some((7260, 121)))),
    ("30:90", Some(Some((1890, 32)))),
    ("-1", Some(None)),
    ("unlimited", Some(None)),
    ("UNLIMITED", Some(None)),
    ("Infinite", Some(None)),
    ("INFINITE", Some(None)),
    ("-5", Some(Some((-432000, -7199)))),
    ("-0", Some(Some((0, 0)))),
    ("1:2:3:4", None),
    ("1-2-3", None),
    ("1:2-3", None),
    ("1:", None),
    (":5", None),
    ("1-2:", None),
    ("1::5", None),
    ("1-:5", None),
    ("5m", None),
    ("2d", None),
    ("36h", None),
    ("1.5", None),
    (" 10", None),
    ("10 ", None),
    ("n/a", None),
    ("+5", None),
];

/// Overflow rows: C's `int` overflows, so Slurm's answer is undefined.
const OVERFLOW: &[&str] = &["99999999999", "30000-0"];

/// Suffix forms Slurm does not read, which jobcheck reads (nobody misreads
/// them): `5m`, `2d`, `36h`, in seconds.
const SUFFIX: &[(&str, u64)] = &[("5m", 300), ("2d", 172800), ("36h", 129600)];

#[test]
fn max_time_and_walltime_are_read_as_slurm_reads_them() {
    use jobcheck::units::{Duration, TimeLimit, slurm_time_mins, slurm_time_secs};
    assert!(SLURM.len() + OVERFLOW.len() >= 40);
    for &(text, slurm) in SLURM {
        // The port agrees with the C code, minutes included.
        assert_eq!(
            slurm_time_mins(text),
            slurm.map(|s| s.map(|(_, m)| m)),
            "{text:?}"
        );
        assert_eq!(
            slurm_time_secs(text).map(|t| match t {
                jobcheck::units::SlurmTime::Infinite => None,
                jobcheck::units::SlurmTime::Seconds(s) => Some(s),
            }),
            slurm.map(|s| s.map(|(s, _)| s)),
            "{text:?}"
        );
        // A limit: Slurm's reading; zero, negative and unreadable are unknown.
        let suffix = SUFFIX.iter().find(|(t, _)| *t == text).map(|(_, s)| *s);
        let limit = TimeLimit::parse_limit(text);
        match (slurm, suffix) {
            (Some(None), _) => assert_eq!(limit, Ok(TimeLimit::Unlimited), "{text:?}"),
            (Some(Some((s, m))), _) if s > 0 => {
                let Ok(TimeLimit::Finite(d)) = limit else {
                    panic!("{text:?}: {limit:?}")
                };
                assert_eq!(d.seconds as i64, s, "{text:?}");
                assert_eq!(d.minutes_up() as i64, m, "{text:?}");
            }
            (None, Some(s)) => assert_eq!(
                limit,
                Ok(TimeLimit::Finite(Duration { seconds: s })),
                "{text:?}"
            ),
            _ => assert!(limit.is_err(), "{text:?}: {limit:?}"),
        }
        // A job's walltime: Slurm's reading, or refused with invalid-value;
        // never another time.
        let job = format!("resourceGroup: G\ncpus: 1\nmemory: 1G\nwalltime: {text:?}\n");
        let docs = jobcheck::request::read_documents(&job);
        let doc = &docs[0];
        let walltime = doc.job.as_ref().and_then(|j| j.walltime()).map(|w| w.value);
        // A job spec reads a time without the spaces around it (Slurm
        // refuses them): its reading is Slurm's of the trimmed text.
        let slurm = if text.trim() != text {
            slurm_time_secs(text.trim()).map(|t| match t {
                jobcheck::units::SlurmTime::Infinite => None,
                jobcheck::units::SlurmTime::Seconds(s) => Some((s, (s + 59) / 60)),
            })
        } else {
            slurm
        };
        match walltime {
            Some(TimeLimit::Unlimited) => assert_eq!(slurm, Some(None), "{text:?}"),
            Some(TimeLimit::Finite(d)) => match suffix {
                Some(s) => assert_eq!(d.seconds, s, "{text:?}"),
                None => assert_eq!(
                    slurm,
                    Some(Some((d.seconds as i64, d.minutes_up() as i64))),
                    "{text:?}"
                ),
            },
            None => assert!(
                doc.diagnostics
                    .iter()
                    .any(|d| d.code.as_str() == "invalid-value"
                        && d.field.as_deref() == Some("walltime")),
                "{text:?}: {:?}",
                doc.diagnostics
            ),
        }
    }
    for text in OVERFLOW {
        assert_eq!(slurm_time_secs(text), None, "{text}");
        assert!(TimeLimit::parse_limit(text).is_err(), "{text}");
    }
}

#[test]
fn limits_json_reads_back_and_shows_effective_limits() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("limits.yaml"), LIMITS).unwrap();
    let limits = |args: &[&str]| {
        let out = jobcheck()
            .current_dir(dir.path())
            .args(["limits", "--limits"])
            .args(args)
            .output()
            .expect("runs");
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, first, err) = limits(&["limits.yaml", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    std::fs::write(dir.path().join("again.json"), &first).unwrap();
    let (code, second, err) = limits(&["again.json", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(first, second, "the JSON reads back as the same limits");
    let v: Value = serde_json::from_str(&first).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 4);
    // A set for every type is written with a null type, which reads back.
    assert_eq!(v[2]["acceleratorType"], Value::Null);
    // One group, as an object, reads back too.
    let (code, one, _) = limits(&["limits.yaml", "--group", "Short", "--format", "json"]);
    assert_eq!(code, 0);
    std::fs::write(dir.path().join("one.json"), &one).unwrap();
    let (code, back, err) = limits(&["one.json", "--group", "Short", "--format", "json"]);
    assert_eq!((code, back), (0, one), "{err}");

    // The local policy's caps: the effective limits beside the platform's.
    std::fs::write(
        dir.path().join("jobcheck.toml"),
        "[policy.A800x8]\ncpus = 16\nwalltime = \"1-00:00:00\"\n",
    )
    .unwrap();
    let (code, table, err) = limits(&["limits.yaml", "--group", "A800x8"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        table
            .lines()
            .any(|l| l.starts_with("cpu cores ") && l.ends_with(" 112 per node")),
        "{table}"
    );
    assert!(
        table.contains("cpu cores: effective 16 per node (local policy cap"),
        "{table}"
    );
    assert!(
        table.contains("max time: effective 1-00:00:00 (24 h)"),
        "{table}"
    );
    let (_, json, _) = limits(&["limits.yaml", "--group", "A800x8", "--format", "json"]);
    let v: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["cpuNumber"], 112);
    assert_eq!(v["effective"]["cpuNumber"], 16);
    assert_eq!(v["effective"]["maxTime"], "1-00:00:00");
}

#[test]
fn limits_of_a_group_with_no_readable_limit_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("limits.yaml"),
        "- resourceGroup: Empty\n  cpuNumber: null\n  memorySize: null\n- resourceGroup: Full\n  cpuNumber: 8\n",
    )
    .unwrap();
    let out = jobcheck()
        .current_dir(dir.path())
        .args(["limits", "--limits", "limits.yaml", "--group", "Empty"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("`Empty` holds no limit that can be read"),
        "{err}"
    );
    assert!(!String::from_utf8_lossy(&out.stdout).contains("unknown (not reported)"));
}

#[test]
fn yaml_and_json_errors_are_in_our_own_words() {
    let one = |name: &str, text: &str| -> (i32, Vec<Value>) {
        let (code, report) = json(&[(name, text)]);
        (code, report["diagnostics"].as_array().unwrap().clone())
    };
    // A string made so on purpose is named as a string.
    let (_, d) = one(
        "a.yaml",
        "resourceGroup: TeslaM40\ncpus: !!str 8\nmemory: 1G\n",
    );
    let m = d[0]["message"].as_str().unwrap();
    assert!(m.contains("not a string"), "{m}");
    assert!(!m.contains("leading zero"), "{m}");
    // A lone surrogate escape is valid JSON: read.
    let (code, d) = one(
        "b.json",
        r#"{"resourceGroup": "TeslaM40", "cpus": 8, "memory": "1G", "name": "a\ud800b"}"#,
    );
    assert_eq!(code, 0, "{d:?}");
    assert!(d.is_empty(), "{d:?}");
    // In YAML it cannot be held: our words.
    let (_, d) = one(
        "c.yaml",
        "resourceGroup: TeslaM40\ncpus: 8\nmemory: 1G\nname: \"a\\ud800\"\n",
    );
    let m = d[0]["message"].as_str().unwrap();
    assert_eq!(d[0]["code"], "syntax-error");
    assert!(m.contains("half of a surrogate pair"), "{m}");
    // `!!binary` is valid YAML whose value is not text, whatever its bytes.
    for value in ["aGVsbG8=", "/w=="] {
        let text =
            format!("resourceGroup: TeslaM40\ncpus: 8\nmemory: 1G\nname: !!binary {value}\n");
        let (_, d) = one("d.yaml", &text);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0]["code"], "invalid-value", "{d:?}");
        let m = d[0]["message"].as_str().unwrap();
        assert!(m.contains("binary data (`!!binary`)"), "{m}");
        assert!(!m.contains("UTF-8"), "{m}");
    }
    let (_, d) = one(
        "e.yaml",
        "resourceGroup: TeslaM40\ncpus: 8\nmemory: !!binary MTZH\n",
    );
    assert_eq!(d[0]["code"], "invalid-value", "{d:?}");
    // Tabs, in our words.
    for text in [
        "resourceGroup: TeslaM40\ncpus: 8\nmemory: 1G\nx-a:\n\t- 1\n",
        "resourceGroup: TeslaM40\n\tcpus: 8\nmemory: 1G\n",
    ] {
        let (_, d) = one("f.yaml", text);
        let m = d[0]["message"].as_str().unwrap();
        assert_eq!(d[0]["code"], "syntax-error");
        assert!(m.contains("a tab"), "{m}");
        assert!(!m.contains("disallowed") && !m.contains("scanning"), "{m}");
    }
}
