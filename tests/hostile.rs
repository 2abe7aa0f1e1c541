//! Hostile documents: each gets a clear diagnostic naming the
//! file, in bounded time and memory, with exit 1 and never a panic.

use crate::support;

use std::path::Path;

use serde_json::Value;
use support::cli::{jobcheck, root};
#[cfg(unix)]
use support::peak_child_rss_kib;

struct Outcome {
    code: i32,
    report: Value,
    stderr: String,
}

/// "Bounded time" is the hang guard (`support::cli::HANG_GUARD`), not a
/// deadline: a run still going after it is killed and the test fails.
fn run(dir: &Path, name: &str) -> Outcome {
    let out = jobcheck()
        .current_dir(dir)
        .args(["check", "-f", "json", "--limits"])
        .arg(root().join("examples/limits.yaml"))
        .arg(name)
        .output()
        .expect("jobcheck runs");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{name} panicked: {stderr}");
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{name}: stdout is not JSON ({e}); stderr: {stderr}"));
    Outcome {
        code: out.status.code().unwrap_or(-1),
        report,
        stderr,
    }
}

fn codes(report: &Value) -> Vec<String> {
    report["diagnostics"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|d| d["code"].as_str().unwrap_or("?").to_string())
                .collect()
        })
        .unwrap_or_default()
}

fn alias_bomb() -> String {
    let mut text = String::from(
        "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    let mut prev = 'a';
    for name in "bcdefghi".chars() {
        let refs = vec![format!("*{prev}"); 9].join(",");
        text.push_str(&format!("{name}: &{name} [{refs}]\n"));
        prev = name;
    }
    text.push_str("resourceGroup: *i\ncpus: 1\nmemory: 1G\n");
    text
}

fn deep_block(levels: usize) -> String {
    let mut text = String::new();
    for i in 0..levels {
        text.push_str(&" ".repeat(i));
        text.push_str(&format!("k{i}:\n"));
    }
    text.push_str(&" ".repeat(levels));
    text.push_str("v\n");
    text
}

#[test]
fn hostile_documents_are_bounded_and_diagnosed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let mut random = Vec::with_capacity(64 * 1024);
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for _ in 0..64 * 1024 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        random.push((x >> 24) as u8);
    }
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("alias-bomb.yaml", alias_bomb().into_bytes(), "syntax-error"),
        (
            "deep-flow.yaml",
            format!("a: {}{}\n", "[".repeat(200_000), "]".repeat(200_000)).into_bytes(),
            "syntax-error",
        ),
        (
            "deep-block.yaml",
            deep_block(5_000).into_bytes(),
            "syntax-error",
        ),
        ("random.json", random, "syntax-error"),
        (
            "latin1.yaml",
            b"name: caf\xe9\nresourceGroup: TeslaM40\n".to_vec(),
            "syntax-error",
        ),
        (
            "tabs.yaml",
            b"resourceGroup: TeslaM40\ncpus: 1\n\tmemory: 1G\n".to_vec(),
            "syntax-error",
        ),
        ("empty.yaml", Vec::new(), "invalid-value"),
        ("tilde.yaml", b"~\n".to_vec(), "invalid-value"),
        ("scalar.yaml", b"42\n".to_vec(), "invalid-value"),
        ("list.yaml", b"[1, 2, 3]\n".to_vec(), "invalid-value"),
        (
            "beyond-i64.yaml",
            b"resourceGroup: TeslaM40\ncpus: 18446744073709551616000\nmemory: 1G\n".to_vec(),
            "invalid-value",
        ),
        (
            "float-count.yaml",
            b"resourceGroup: TeslaM40\ncpus: 1.5\nmemory: 1G\n".to_vec(),
            "invalid-value",
        ),
    ];
    for (name, bytes, want) in &cases {
        std::fs::write(d.join(name), bytes).expect("write");
        let o = run(d, name);
        assert_eq!(o.code, 1, "{name}: {:#}\n{}", o.report, o.stderr);
        assert!(
            codes(&o.report).iter().any(|c| c == want),
            "{name}: {:#}",
            o.report
        );
        assert_eq!(o.report["diagnostics"][0]["file"], *name);
    }
    #[cfg(unix)]
    assert!(
        peak_child_rss_kib() < 512 * 1024,
        "peak memory {} KiB",
        peak_child_rss_kib()
    );
}

#[test]
fn a_huge_file_is_refused_with_a_clear_message() {
    let dir = tempfile::tempdir().expect("tempdir");
    let line = "# padding padding padding padding padding padding padding padding\n";
    let text = line.repeat(60 * 1024 * 1024 / line.len() + 1);
    std::fs::write(dir.path().join("huge.yaml"), text).expect("write");
    let o = run(dir.path(), "huge.yaml");
    assert_eq!(o.code, 1);
    let message = o.report["diagnostics"][0]["message"]
        .as_str()
        .unwrap_or_default();
    assert!(message.contains("larger than 16 MiB"), "{message}");
}

#[test]
fn bom_and_non_ascii_keep_positions() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("bom.yaml"),
        "\u{feff}name: \"训练-ünï\"\nresourceGroup: TeslaM40\ncpus: 8\nmemory: 99G\n",
    )
    .expect("write");
    let o = run(dir.path(), "bom.yaml");
    assert_eq!(o.code, 1);
    let d = &o.report["diagnostics"][0];
    assert_eq!(d["code"], "memory-over-limit");
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(4), Some(9))
    );
    assert_eq!(o.report["jobs"][0]["name"], "训练-ünï");
}

#[test]
fn twenty_thousand_documents_are_all_judged() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut text = String::new();
    for i in 0..20_000 {
        text.push_str(&format!(
            "---\nname: job-{i}\nresourceGroup: TeslaM40\ncpus: {}\nmemory: 1G\n",
            i % 50 + 1
        ));
    }
    std::fs::write(dir.path().join("many.yaml"), text).expect("write");
    let o = run(dir.path(), "many.yaml");
    assert_eq!(o.code, 1);
    let s = &o.report["summary"];
    assert_eq!(s["jobs"], 20_000);
    // cpus 41..=50 exceed TeslaM40's 40 cores: 10 of every 50 documents.
    assert_eq!(s["rejected"], 4_000);
    assert_eq!(s["admitted"], 16_000);
    let last = &o.report["diagnostics"][3_999];
    assert_eq!(last["document"], 20_000);
    assert_eq!(last["line"], 19_999 * 5 + 4);
}

/// Deep nesting is read on the readers' own large stack, never on the main
/// thread's: on Windows that is 1 MiB, and `ulimit -s` can make it as small
/// on Unix. Run with a 1 MiB main stack, one deeply nested file (the path
/// for a few files) is still refused with a diagnostic, not a crash.
#[cfg(unix)]
#[test]
fn deep_nesting_needs_no_large_main_thread_stack() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("deep.yaml"), deep_block(5_000)).unwrap();
    let mut sh = std::process::Command::new("sh");
    support::cli::hermetic(&mut sh)
        .current_dir(dir.path())
        .args([
            "-c",
            "ulimit -s 1024 && exec \"$0\" check -f json --limits \"$1\" deep.yaml",
            env!("CARGO_BIN_EXE_jobcheck"),
        ]);
    sh.arg(root().join("examples/limits.yaml"));
    let out = sh.output().expect("sh runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("overflow"), "{stderr}");
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}); stderr: {stderr}"));
    assert_eq!(codes(&report), ["syntax-error"], "{report:#}");
}
