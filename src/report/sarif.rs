//! SARIF 2.1.0, for GitHub code scanning and other SARIF readers.
//!
//! One run; every rule of `Code::ALL` in `tool.driver.rules`; one result per
//! diagnostic, located by the report's path relative to `%SRCROOT%` and a
//! region in Unicode code points (`columnKind`). Each result carries a
//! `partialFingerprints["jobcheck/v1"]`: the FNV-1a 64 hash of its code,
//! path, document, field and message, so it stays the same across runs and
//! jobcheck versions as long as those do.

use std::io::{self, Write};

use serde::Serialize;

use super::stream::{End, FileByFile, array_item, close_array, render_all};
use super::{FileReport, Renderer, Report};
use crate::diag::{Code, Diagnostic, Severity};

pub struct Sarif;

const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool,
    invocations: Vec<Invocation>,
    column_kind: &'static str,
    results: Results<'a>,
}

/// The results, serialized straight from the report as the writer takes
/// them, without a list of their own.
struct Results<'a>(&'a Report);

impl Serialize for Results<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.files.iter().flat_map(results_of))
    }
}

/// A file's results: its diagnostics, then its suppressed findings.
fn results_of(f: &FileReport) -> impl Iterator<Item = SarifResult<'static>> + '_ {
    let (uri, absolute) = path_to_uri(&f.path);
    let shown = f.diagnostics.iter().map(|d| (d, None));
    let hidden = f.suppressed.iter().map(|s| (&s.diagnostic, Some(s.by)));
    shown.chain(hidden).map(move |(d, by)| SarifResult {
        rule_id: d.code.as_str(),
        rule_index: rule_index(d.code),
        level: level(d.severity),
        message: Text { text: message(d) },
        locations: vec![Location {
            physical_location: PhysicalLocation {
                artifact_location: ArtifactLocation {
                    uri: uri.clone(),
                    uri_base_id: (!absolute).then_some("%SRCROOT%"),
                },
                region: region(d),
            },
        }],
        partial_fingerprints: Fingerprints {
            v1: fingerprint(&f.path, d),
        },
        fixes: fixes(d, &uri, absolute),
        suppressions: by.map(suppression).into_iter().collect(),
    })
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
struct Driver {
    name: &'static str,
    version: &'static str,
    rules: Vec<Rule>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    id: &'static str,
    short_description: Text,
    full_description: Text,
    help: Help,
    default_configuration: Configuration,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'static str,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: Vec<Location<'a>>,
    partial_fingerprints: Fingerprints,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    fixes: Vec<SarifFix>,
    /// A finding a comment, `per-file-ignores` or the baseline hid: kept,
    /// marked suppressed, as code scanning expects.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suppressions: Vec<Suppression>,
}

#[derive(Serialize)]
struct Suppression {
    kind: &'static str,
    justification: &'static str,
}

fn suppression(by: crate::report::SuppressedBy) -> Suppression {
    use crate::report::SuppressedBy;
    match by {
        SuppressedBy::Comment => Suppression {
            kind: "inSource",
            justification: "a `# jobcheck: ignore[…]` comment",
        },
        SuppressedBy::Configuration => Suppression {
            kind: "external",
            justification: "`per-file-ignores` in jobcheck.toml",
        },
        SuppressedBy::Baseline => Suppression {
            kind: "external",
            justification: "the baseline file",
        },
    }
}

/// A result's fix: one replacement in its file.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifFix {
    description: Text,
    artifact_changes: Vec<ArtifactChange>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactChange {
    artifact_location: ArtifactLocation<'static>,
    replacements: Vec<Replacement>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Replacement {
    deleted_region: Region,
    inserted_content: Text,
}

/// The diagnostic's fix as a SARIF `fix`: its region (in code points, as
/// the run's `columnKind` says) replaced by the new text.
fn fixes(d: &Diagnostic, uri: &str, absolute: bool) -> Vec<SarifFix> {
    let Some((fix, p)) = d.fix.as_ref().and_then(|f| Some((f, f.position?))) else {
        return Vec::new();
    };
    let description = if p.line == p.end_line && p.column == p.end_column {
        format!("insert `{}`", fix.replacement)
    } else {
        format!("replace with `{}`", fix.replacement)
    };
    vec![SarifFix {
        description: Text { text: description },
        artifact_changes: vec![ArtifactChange {
            artifact_location: ArtifactLocation {
                uri: uri.to_string(),
                uri_base_id: (!absolute).then_some("%SRCROOT%"),
            },
            replacements: vec![Replacement {
                deleted_region: Region {
                    start_line: p.line,
                    start_column: Some(p.column),
                    end_line: Some(p.end_line),
                    end_column: Some(p.end_column),
                },
                inserted_content: Text {
                    text: fix.replacement.clone(),
                },
            }],
        }],
    }]
}

#[derive(Serialize)]
struct Fingerprints {
    #[serde(rename = "jobcheck/v1")]
    v1: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location<'a> {
    physical_location: PhysicalLocation<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation<'a> {
    artifact_location: ArtifactLocation<'a>,
    region: Region,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation<'a> {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    start_column: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_column: Option<usize>,
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

fn rule(code: Code) -> Rule {
    let e = crate::explain::explanation(code);
    Rule {
        id: code.as_str(),
        short_description: Text {
            text: code.summary().to_string(),
        },
        full_description: Text {
            text: format!("{} Limit field: {}", e.checks, e.limit),
        },
        help: Help {
            text: crate::explain::explain(code),
            markdown: crate::explain::markdown(code),
        },
        default_configuration: Configuration {
            level: level(code.default_severity()),
        },
    }
}

fn rule_index(code: Code) -> usize {
    Code::ALL.iter().position(|&c| c == code).unwrap_or(0)
}

/// The message of a result: the diagnostic's message, then its help.
fn message(d: &Diagnostic) -> String {
    match &d.help {
        Some(help) => format!("{}\nhelp: {help}", d.message),
        None => d.message.clone(),
    }
}

fn region(d: &Diagnostic) -> Region {
    match d.position {
        Some(p) => Region {
            start_line: p.line,
            start_column: Some(p.column),
            end_line: Some(p.end_line),
            end_column: Some(p.end_column),
        },
        // A file-wide problem: point at the file's first line.
        None => Region {
            start_line: 1,
            start_column: None,
            end_line: None,
            end_column: None,
        },
    }
}

/// FNV-1a, 64 bits: small, and the same on every platform and version
/// (unlike `std`'s `DefaultHasher`).
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

fn fingerprint(path: &str, d: &Diagnostic) -> String {
    let document = d.document.map(|n| n.to_string()).unwrap_or_default();
    let field = d.field.as_deref().unwrap_or_default();
    let key = [d.code.as_str(), path, &document, field, &d.message].join("\u{0}");
    format!("{:016x}", fnv1a64(key.as_bytes()))
}

/// Is this path absolute (`/x`, `C:/x`, `//server/x`)?
fn is_absolute(path: &str) -> bool {
    let bytes = path.as_bytes();
    path.starts_with('/')
        || (bytes.len() >= 3
            && bytes[0].is_ascii_alphabetic()
            && bytes[1] == b':'
            && bytes[2] == b'/')
}

/// A report path as a URI reference: every byte other than an unreserved
/// character or `/` is percent-encoded (so spaces, `%`, `#`, `?` and a `:` that
/// would read as a scheme are safe). Absolute paths become `file:` URIs.
pub fn path_to_uri(path: &str) -> (String, bool) {
    let path = path.replace('\\', "/");
    let mut out = String::with_capacity(path.len());
    let absolute = is_absolute(&path);
    if absolute {
        out.push_str("file://");
        if !path.starts_with('/') {
            out.push('/');
        }
    }
    for (i, &b) in path.as_bytes().iter().enumerate() {
        let keep = b.is_ascii_alphanumeric()
            || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/')
            // The drive letter's colon of an absolute Windows path.
            || (absolute && i == 1 && b == b':');
        if keep {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    (out, absolute)
}

/// The log with the results of `report` (serialized straight from the
/// report as the writer takes them).
fn log(report: &Report) -> Log<'_> {
    Log {
        schema: SCHEMA_URI,
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: "jobcheck",
                    version: env!("CARGO_PKG_VERSION"),
                    rules: Code::ALL.iter().map(|&c| rule(c)).collect(),
                },
            },
            invocations: vec![Invocation {
                execution_successful: true,
            }],
            column_kind: "unicodeCodePoints",
            results: Results(report),
        }],
    }
}

impl Renderer for Sarif {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        render_all(&mut SarifStream::default(), report, out)
    }
}

/// Results sit at this depth (in spaces) in the log.
const RESULT: usize = 8;

/// SARIF file by file: nothing in the log before the results depends on
/// them, so the log is written up to its results, each file's results as
/// the file comes, then the rest (byte for byte what serde_json's pretty
/// printer writes for the whole log).
#[derive(Default)]
pub(crate) struct SarifStream {
    /// The log after its results, once the part before them is written.
    tail: String,
    any: bool,
}

impl FileByFile for SarifStream {
    fn begin(&mut self, out: &mut dyn Write) -> io::Result<()> {
        let empty = Report::default();
        let text = serde_json::to_string_pretty(&log(&empty))?;
        let marker = "\"results\": []";
        let at = text
            .rfind(marker)
            .ok_or_else(|| io::Error::other("the SARIF log has no results list"))?;
        let head = &text[..at + marker.len() - 1];
        self.tail = text[at + marker.len()..].to_string();
        out.write_all(head.as_bytes())
    }

    fn file(&mut self, f: &FileReport, out: &mut dyn Write) -> io::Result<()> {
        for result in results_of(f) {
            array_item(!self.any, &result, RESULT, out)?;
            self.any = true;
        }
        Ok(())
    }

    fn end(&mut self, _end: &End, out: &mut dyn Write) -> io::Result<()> {
        close_array(self.any, RESULT, out)?;
        out.write_all(self.tail.as_bytes())?;
        writeln!(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_by_file_is_what_the_whole_log_serializes_to() {
        use crate::report::{Suppressed, SuppressedBy};
        let whole = |report: &Report| serde_json::to_string_pretty(&log(report)).unwrap() + "\n";
        let rendered = |report: &Report| {
            let mut out = Vec::new();
            Sarif.render(report, &mut out).unwrap();
            String::from_utf8(out).unwrap()
        };
        let empty = Report::default();
        assert_eq!(rendered(&empty), whole(&empty));
        let mut d = Diagnostic::new(Code::CpusOverLimit, None, "too many\ncpus").help("ask 8");
        d.document = Some(1);
        d = d.on_line(2, 7, 9);
        let file = |path: &str| FileReport {
            path: path.into(),
            source: None,
            jobs: Vec::new(),
            diagnostics: vec![d.clone(), d.clone()],
            suppressed: vec![Suppressed {
                diagnostic: d.clone(),
                by: SuppressedBy::Comment,
            }],
            hidden: Vec::new(),
        };
        let report = Report {
            files: vec![file("a.yaml"), file("/abs/b c.yaml")],
            ..Report::default()
        };
        assert_eq!(rendered(&report), whole(&report));
    }

    #[test]
    fn fnv1a_known_values() {
        // Test vectors of the FNV reference implementation.
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn uris() {
        assert_eq!(
            path_to_uri("jobs/a b.yaml"),
            ("jobs/a%20b.yaml".to_string(), false)
        );
        assert_eq!(
            path_to_uri("c:d,e#f%.yaml"),
            ("c%3Ad%2Ce%23f%25.yaml".to_string(), false)
        );
        assert_eq!(
            path_to_uri("jobs/résumé.yaml").0,
            "jobs/r%C3%A9sum%C3%A9.yaml"
        );
        assert_eq!(
            path_to_uri("/tmp/x y.yaml"),
            ("file:///tmp/x%20y.yaml".to_string(), true)
        );
        assert_eq!(
            path_to_uri("C:/jobs/a.yaml"),
            ("file:///C:/jobs/a.yaml".to_string(), true)
        );
    }

    #[test]
    fn fingerprints_are_stable() {
        let d = Diagnostic::new(Code::CpusOverLimit, None, "cpus 48 exceeds 40").field("cpus");
        let a = fingerprint("jobs/a.yaml", &d);
        assert_eq!(a, fingerprint("jobs/a.yaml", &d));
        assert_eq!(a.len(), 16);
        assert_ne!(a, fingerprint("jobs/b.yaml", &d));
    }
}
