//! How `jobcheck check` reads counts, memory and times, as a user sees it:
//! the code, the place, the reading and the spelling to write.

use std::path::Path;

use serde_json::Value;

use crate::support;

use support::cli::{jobcheck, root};

/// Check one file against the example limits: (exit code, stdout).
fn check(dir: &Path, name: &str, text: &str, format: &str) -> (i32, String) {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write the job file");
    let out = jobcheck()
        .args(["check", "--color", "never", "--format", format, "--limits"])
        .arg(root().join("examples/limits.yaml"))
        .arg(&path)
        .output()
        .expect("jobcheck runs");
    (
        out.status.code().expect("exit code"),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

fn check_json(dir: &Path, name: &str, text: &str) -> (i32, Value) {
    let (code, out) = check(dir, name, text, "json");
    let json = serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}"));
    (code, json)
}

/// (code, line, column, help, requested) of every diagnostic.
fn diagnostics(report: &Value) -> Vec<(String, u64, u64, String, String)> {
    report["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| {
            let s = |k: &str| d[k].as_str().unwrap_or_default().to_string();
            (
                s("code"),
                d["line"].as_u64().unwrap_or(0),
                d["column"].as_u64().unwrap_or(0),
                s("help"),
                s("requested"),
            )
        })
        .collect()
}

#[test]
fn a_two_field_walltime_is_judged_as_minutes_and_says_so() {
    let dir = tempfile::tempdir().expect("tempdir");
    // CpuSmall allows 12 hours: `24:00` passes only because it is 24 minutes.
    let job = "resourceGroup: CpuSmall\ncpus: 8\nmemory: 16G\nwalltime: \"24:00\"\n";
    let (code, report) = check_json(dir.path(), "a.yaml", job);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["jobs"][0]["verdict"], "admitted");
    assert_eq!(
        diagnostics(&report),
        [(
            "walltime-ambiguous".to_string(),
            4,
            11,
            "write `24:00:00` for 24 hours, or `24m` for 24 minutes".to_string(),
            "00:24:00 (24 min)".to_string()
        )]
    );
    assert_eq!(report["diagnostics"][0]["severity"], "warning");

    // Written as meant, it is over the group's limit.
    let job = job.replace("\"24:00\"", "\"24:00:00\"");
    let (code, report) = check_json(dir.path(), "b.yaml", &job);
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(diagnostics(&report)[0].0, "walltime-over-limit");

    // The human report shows the reading at the value.
    let (_, human) = check(
        dir.path(),
        "c.yaml",
        "resourceGroup: CpuSmall\ncpus: 8\nmemory: 16G\nwalltime: 90\n",
        "human",
    );
    assert!(human.contains("walltime-ambiguous"), "{human}");
    assert!(
        human.contains("`walltime: 90` is a bare number, read as 90 min"),
        "{human}"
    );
    assert!(human.contains("read as 1.5 h"), "{human}");
    assert!(
        human.contains("write `90m` or `1:30:00` for 90 minutes"),
        "{human}"
    );
}

#[test]
fn words_and_leading_zeros_are_refused_with_the_spelling_to_use() {
    let dir = tempfile::tempdir().expect("tempdir");
    let job = "resourceGroup: CpuSmall\ncpus: 010\nmemory: 010G\nwalltime: 3 days\n";
    let (code, report) = check_json(dir.path(), "a.yaml", job);
    assert_eq!(code, 1, "{report:#}");
    let found: Vec<_> = diagnostics(&report)
        .into_iter()
        .map(|(c, l, col, help, _)| (c, l, col, help))
        .collect();
    let expect = |line, col, help: &str| ("invalid-value".to_string(), line, col, help.to_string());
    assert_eq!(
        found,
        [
            expect(2, 7, "write `cpus: 10`"),
            expect(3, 9, "write `memory: 10G`"),
            expect(4, 11, "write `walltime: 3d`"),
        ]
    );
    let job = "resourceGroup: CpuSmall\ncpus: 8\nmemory: 16G\nwalltime: 010\n";
    let (_, report) = check_json(dir.path(), "b.yaml", job);
    assert_eq!(
        diagnostics(&report)[0].3,
        "write `walltime: 10m` for 10 minutes, or `10h` for 10 hours"
    );
}

#[test]
fn memory_reads_kubernetes_units_and_corrects_near_misses() {
    let dir = tempfile::tempdir().expect("tempdir");
    // TeslaM40 has 31888 MiB per node; 32Gi is 32768 MiB.
    let job = "resourceGroup: TeslaM40\ncpus: 8\nmemory: 32Gi\n";
    let (code, report) = check_json(dir.path(), "a.yaml", job);
    assert_eq!(code, 1, "{report:#}");
    let d = &report["diagnostics"][0];
    assert_eq!(d["code"], "memory-over-limit");
    assert_eq!(d["requested"], "32G (32768 MiB)");
    assert!(
        d["message"].as_str().unwrap().contains("32G (32768 MiB)"),
        "{d:#}"
    );

    let job = "resourceGroup: TeslaM40\ncpus: 8\nmemory: 16Gi\n";
    let (code, report) = check_json(dir.path(), "b.yaml", job);
    assert_eq!(code, 0, "{report:#}");

    let job = "resourceGroup: TeslaM40\ncpus: 8\nmemory: 32 GBs\n";
    let (code, report) = check_json(dir.path(), "c.yaml", job);
    assert_eq!(code, 1, "{report:#}");
    let found = diagnostics(&report);
    assert_eq!(found[0].0, "invalid-value");
    assert_eq!((found[0].1, found[0].2), (3, 9));
    assert!(found[0].3.starts_with("did you mean `32G`?"), "{found:?}");
}

#[test]
fn a_platform_body_takes_json_integers_and_h_mm_ss() {
    let dir = tempfile::tempdir().expect("tempdir");
    let body = |ram: &str, timeout: &str| {
        format!(
            "{{\n  \"instanceServiceName\": \"nb\",\n  \"acceleratorType\": \"gpu\",\n  \"taskType\": \"jupyter\",\n  \"version\": \"1\",\n  \"imagePath\": \"img\",\n  \"timeoutLimit\": {timeout},\n  \"taskNumber\": 1,\n  \"resourceGroup\": \"TeslaM40\",\n  \"useStartScript\": false,\n  \"startScriptActionScope\": \"all\",\n  \"cpuNumber\": 8,\n  \"ramSize\": {ram},\n  \"gpuNumber\": 1\n}}\n"
        )
    };
    let (code, report) = check_json(dir.path(), "ok.json", &body("16384", "\"100:00:00\""));
    assert_eq!(code, 0, "{report:#}");
    let (code, report) = check_json(dir.path(), "ok2.json", &body("16384", "\"unlimited\""));
    assert_eq!(code, 0, "{report:#}");

    let (code, report) = check_json(dir.path(), "bad.json", &body("\"40G\"", "\"2h\""));
    assert_eq!(code, 1, "{report:#}");
    let found: Vec<_> = diagnostics(&report)
        .into_iter()
        .map(|(c, l, col, help, _)| (c, l, col, help))
        .collect();
    assert_eq!(
        found,
        [
            (
                "invalid-value".to_string(),
                7,
                19,
                "write `\"timeoutLimit\": \"2:00:00\"`".to_string()
            ),
            (
                "invalid-value".to_string(),
                13,
                14,
                "write `\"ramSize\": 40960` (40G in MiB, without quotes)".to_string()
            ),
        ]
    );

    let (code, report) = check_json(dir.path(), "frac.json", &body("16.5", "\"2:00:00\""));
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(
        diagnostics(&report)[0].3,
        "the platform takes JSON integers: write `\"ramSize\": 16` or `\"ramSize\": 17`"
    );
}

#[test]
fn explain_describes_the_ambiguity() {
    let out = jobcheck()
        .args(["explain", "walltime-ambiguous"])
        .output()
        .expect("jobcheck runs");
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("minutes:seconds"), "{text}");
    assert!(text.contains("warning by default"), "{text}");
}
