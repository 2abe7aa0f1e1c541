//! Reading YAML as a user meets it: files saved in UTF-16 or UTF-32, with
//! CR line breaks, with a stray control character or directive, and JSON
//! with a trailing comma, each reported at the right line and column.

use crate::support;

use std::path::Path;

use serde_json::Value;
use support::cli::{jobcheck, root};

/// Check one file holding `bytes`; return (exit code, JSON report).
fn check_bytes(name: &str, bytes: &[u8]) -> (i32, Value) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).expect("the file is written");
    check(&path)
}

fn check(path: &Path) -> (i32, Value) {
    let out = jobcheck()
        .args(["check", "--format", "json", "--limits"])
        .arg(root().join("examples/limits.yaml"))
        .arg(path)
        .output()
        .expect("jobcheck runs");
    let json = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().expect("an exit code"), json)
}

/// (code, document, line, column) of every diagnostic.
fn found(report: &Value) -> Vec<(String, u64, u64, u64)> {
    report["diagnostics"]
        .as_array()
        .expect("a diagnostics array")
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap_or("?").to_string(),
                d["document"].as_u64().unwrap_or(0),
                d["line"].as_u64().unwrap_or(0),
                d["column"].as_u64().unwrap_or(0),
            )
        })
        .collect()
}

fn diag(code: &str, document: u64, line: u64, column: u64) -> (String, u64, u64, u64) {
    (code.to_string(), document, line, column)
}

const TYPO: &str = "# memróy is a typo\nname: typo-key\nresourceGroup: TeslaM40\ncpus: 8\ngpus: 1\nmemróy: 16G\nwalltime: 4h\n";

#[test]
fn utf16_and_utf32_files_are_read_and_positions_are_the_decoded_text_s() {
    let want = vec![
        diag("missing-field", 1, 2, 1),
        diag("unknown-field", 1, 6, 1),
    ];
    let (code, report) = check_bytes("job.yaml", TYPO.as_bytes());
    assert_eq!((code, found(&report)), (1, want.clone()));
    let text = format!("\u{feff}{}", TYPO.replace('\n', "\r\n"));
    let utf16le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let utf16be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
    let utf32le: Vec<u8> = text
        .chars()
        .flat_map(|c| (c as u32).to_le_bytes())
        .collect();
    let utf32be: Vec<u8> = text
        .chars()
        .flat_map(|c| (c as u32).to_be_bytes())
        .collect();
    for bytes in [utf16le, utf16be, utf32le, utf32be] {
        let (code, report) = check_bytes("job.yaml", &bytes);
        assert_eq!((code, found(&report)), (1, want.clone()), "{report:#}");
    }
    // A good job in UTF-16 is admitted.
    let good = std::fs::read_to_string(root().join("examples/jobs/good/resnet50.yaml")).unwrap();
    let bytes: Vec<u8> = format!("\u{feff}{good}")
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    let (code, report) = check_bytes("good.yaml", &bytes);
    assert_eq!(code, 0, "{report:#}");
}

#[test]
fn cr_line_breaks_count_as_lines() {
    let (code, report) = check_bytes("job.yaml", TYPO.replace('\n', "\r").as_bytes());
    assert_eq!(
        (code, found(&report)),
        (
            1,
            vec![
                diag("missing-field", 1, 2, 1),
                diag("unknown-field", 1, 6, 1)
            ]
        )
    );
    let two = format!("{}---\r{}", TYPO, TYPO).replace('\n', "\r");
    let (_, report) = check_bytes("two.yaml", two.as_bytes());
    assert_eq!(found(&report)[3], diag("unknown-field", 2, 14, 1));
}

#[test]
fn a_control_character_in_a_comment_is_a_syntax_error_where_it_is() {
    let text = TYPO.replace("is a typo", "is a \u{1b}typo");
    let (code, report) = check_bytes("job.yaml", text.as_bytes());
    assert_eq!(
        (code, found(&report)),
        (1, vec![diag("syntax-error", 1, 1, 15)])
    );
    let message = report["diagnostics"][0]["message"].as_str().unwrap();
    assert!(message.contains("U+001B"), "{message}");
}

#[test]
fn directives_and_document_numbers_follow_yaml() {
    let text = format!("---\n---\n{TYPO}...\n%YAML 2.0\n---\ncpus: 1\n");
    let (_, report) = check_bytes("job.yaml", text.as_bytes());
    assert_eq!(
        found(&report),
        vec![
            diag("missing-field", 2, 4, 1),
            diag("unknown-field", 2, 8, 1),
            diag("syntax-error", 3, 11, 1),
        ]
    );
}

#[test]
fn a_trailing_comma_in_json_is_reported_at_the_comma() {
    let text = "{\n  \"cpuNumber\": 8,\n  \"ramSize\": 1024,\n}\n";
    let (code, report) = check_bytes("body.json", text.as_bytes());
    assert_eq!(
        (code, found(&report)),
        (1, vec![diag("syntax-error", 1, 3, 18)])
    );
}
