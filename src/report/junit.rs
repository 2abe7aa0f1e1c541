//! JUnit XML, for CI systems that show test reports (GitLab,
//! Jenkins, Azure Pipelines, …).
//!
//! Layout: one `<testsuites name="jobcheck">` root; one `<testsuite>` per
//! checked file (`name` = the file's path); one `<testcase>` per job
//! (`classname` = the file's path, `name` = the job's name or `document N`).
//! A rejected job has a `<failure>` whose `type` is the code of its first
//! error and whose text lists all its diagnostics
//! (`path:line:col: severity[code]: message`, with the help indented below);
//! an unjudged job is `<skipped>`; an admitted job's warnings go to
//! `<system-out>`. Diagnostics that belong to no job (an empty or non-UTF-8
//! file) make one more testcase named after the file, failing when any of
//! them is an error. `errors` is always 0: jobcheck reports problems in the
//! jobs, not in itself.

use std::io::{self, Write};

use super::stream::{End, FileByFile, Spool, render_all};
use super::{FileReport, JobEntry, Renderer, Report, Verdict};
use crate::diag::{Diagnostic, Severity};

pub struct Junit;

/// Is `c` allowed in an XML 1.0 document?
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r')
        || ('\u{20}'..='\u{D7FF}').contains(&c)
        || ('\u{E000}'..='\u{FFFD}').contains(&c)
        || c >= '\u{10000}'
}

/// Escape text content: the five special characters, and characters that
/// XML 1.0 does not allow are dropped.
pub fn escape_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().filter(|&c| is_xml_char(c)) {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// Escape an attribute value: as text, and line breaks and tabs as character
/// references so attribute normalisation keeps them.
pub fn escape_attr(s: &str) -> String {
    escape_text(s)
        .replace('\n', "&#10;")
        .replace('\r', "&#13;")
        .replace('\t', "&#9;")
}

/// One `path:line:col: severity[code]: message` line (and its help).
fn diagnostic_line(path: &str, d: &Diagnostic) -> String {
    let (line, column) = d.position.map_or((1, 1), |p| (p.line, p.column));
    let mut text = format!(
        "{}:{line}:{column}: {}[{}]: {}\n",
        crate::escape::path(path),
        d.severity.as_str(),
        d.code,
        crate::escape::text(&d.message)
    );
    if let Some(help) = &d.help {
        let help = help.replace('\n', " ");
        text.push_str(&format!("  help: {}\n", crate::escape::text(&help)));
    }
    text
}

enum Outcome<'a> {
    Passed,
    Failed { first: &'a Diagnostic },
    Skipped { reason: String },
}

struct Case<'a> {
    name: String,
    outcome: Outcome<'a>,
    text: String,
}

fn job_case<'a>(f: &'a FileReport, job: &'a JobEntry) -> Case<'a> {
    let diagnostics: Vec<&Diagnostic> = f
        .diagnostics
        .iter()
        .filter(|d| d.document == Some(job.document))
        .collect();
    let text: String = diagnostics
        .iter()
        .map(|d| diagnostic_line(&f.path, d))
        .collect();
    let first = diagnostics
        .iter()
        .find(|d| d.severity == Severity::Error)
        .or(diagnostics.first())
        .copied();
    let outcome = match (job.verdict, first) {
        (Verdict::Admitted, _) => Outcome::Passed,
        (Verdict::Rejected, Some(first)) => Outcome::Failed { first },
        // Rejected without a diagnostic of its own should not happen; keep
        // the verdict visible anyway.
        (Verdict::Rejected, None) => Outcome::Skipped {
            reason: "rejected".to_string(),
        },
        (Verdict::Unjudged, _) => Outcome::Skipped {
            reason: job
                .reason
                .clone()
                .unwrap_or_else(|| "not judged".to_string()),
        },
    };
    Case {
        name: job
            .name
            .clone()
            .unwrap_or_else(|| format!("document {}", job.document)),
        outcome,
        text,
    }
}

/// A file's testcases: one per job, and one for diagnostics of no job.
fn cases_of(f: &FileReport) -> Vec<Case<'_>> {
    let mut cases: Vec<Case> = f.jobs.iter().map(|j| job_case(f, j)).collect();
    cases.extend(file_case(f));
    cases
}

/// Diagnostics that belong to no job of the file, as one testcase.
fn file_case(f: &FileReport) -> Option<Case<'_>> {
    let orphans: Vec<&Diagnostic> = f
        .diagnostics
        .iter()
        .filter(|d| {
            d.document
                .is_none_or(|n| !f.jobs.iter().any(|j| j.document == n))
        })
        .collect();
    if orphans.is_empty() {
        return None;
    }
    let text = orphans
        .iter()
        .map(|d| diagnostic_line(&f.path, d))
        .collect();
    let outcome = match orphans.iter().find(|d| d.severity == Severity::Error) {
        Some(first) => Outcome::Failed { first },
        None => Outcome::Passed,
    };
    Some(Case {
        name: f.path.clone(),
        outcome,
        text,
    })
}

impl Renderer for Junit {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        render_all(&mut JunitStream::default(), report, out)
    }
}

/// A file's cases: how many, failed, skipped.
fn counts(cases: &[Case]) -> (usize, usize, usize) {
    let failures = cases
        .iter()
        .filter(|c| matches!(c.outcome, Outcome::Failed { .. }))
        .count();
    let skipped = cases
        .iter()
        .filter(|c| matches!(c.outcome, Outcome::Skipped { .. }))
        .count();
    (cases.len(), failures, skipped)
}

/// JUnit file by file: the totals come first, so each file's testsuite is
/// written to a spool and copied after them at the end.
#[derive(Default)]
pub(crate) struct JunitStream {
    suites: Spool,
    /// Tests, failures and skipped so far.
    totals: (usize, usize, usize),
}

impl FileByFile for JunitStream {
    fn file(&mut self, f: &FileReport, _out: &mut dyn Write) -> io::Result<()> {
        let out = &mut self.suites;
        let cases = cases_of(f);
        let (t, fl, s) = counts(&cases);
        self.totals.0 += t;
        self.totals.1 += fl;
        self.totals.2 += s;
        let path = escape_attr(&crate::escape::path(&f.path));
        writeln!(
            out,
            r#"  <testsuite name="{path}" tests="{t}" failures="{fl}" errors="0" skipped="{s}">"#
        )?;
        for case in &cases {
            let name = escape_attr(&crate::escape::text(&case.name));
            write!(out, r#"    <testcase classname="{path}" name="{name}""#)?;
            let out_text = (!case.text.is_empty())
                .then(|| format!("<system-out>{}</system-out>", escape_text(&case.text)));
            match &case.outcome {
                Outcome::Passed => match out_text {
                    Some(text) => writeln!(out, ">\n      {text}\n    </testcase>")?,
                    None => writeln!(out, "/>")?,
                },
                Outcome::Failed { first } => writeln!(
                    out,
                    ">\n      <failure message=\"{}\" type=\"{}\">{}</failure>\n    </testcase>",
                    escape_attr(&crate::escape::text(&first.message)),
                    first.code,
                    escape_text(&case.text)
                )?,
                Outcome::Skipped { reason } => {
                    writeln!(
                        out,
                        ">\n      <skipped message=\"{}\"/>",
                        escape_attr(&crate::escape::text(reason))
                    )?;
                    if let Some(text) = out_text {
                        writeln!(out, "      {text}")?;
                    }
                    writeln!(out, "    </testcase>")?;
                }
            }
        }
        let hidden = f.hidden_lines();
        if !hidden.is_empty() {
            writeln!(
                out,
                "    <system-out>{}</system-out>",
                escape_text(&hidden.join("\n"))
            )?;
        }
        writeln!(out, "  </testsuite>")?;
        Ok(())
    }

    fn end(&mut self, _end: &End, out: &mut dyn Write) -> io::Result<()> {
        let (tests, failures, skipped) = self.totals;
        writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
        writeln!(
            out,
            r#"<testsuites name="jobcheck" tests="{tests}" failures="{failures}" errors="0" skipped="{skipped}">"#
        )?;
        self.suites.copy_to(out)?;
        writeln!(out, "</testsuites>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Code;

    #[test]
    fn escaping() {
        assert_eq!(
            escape_text("a & b < c > d \"e\" 'f'"),
            "a &amp; b &lt; c &gt; d &quot;e&quot; &apos;f&apos;"
        );
        assert_eq!(
            escape_text("bell\u{7}nul\u{0}\u{FFFE}ok\u{1F600}"),
            "bellnulok\u{1F600}"
        );
        assert_eq!(escape_attr("a\nb\tc"), "a&#10;b&#9;c");
    }

    #[test]
    fn failure_is_escaped() {
        let mut d = Diagnostic::new(Code::InvalidValue, None, "100% <bad>: a, b\nnext & \u{1}")
            .help("use \"x\"");
        d.document = Some(1);
        d = d.on_line(3, 2, 4);
        let mut orphan = Diagnostic::new(Code::SyntaxError, None, "not UTF-8");
        orphan.document = None;
        let report = Report {
            files: vec![FileReport {
                suppressed: Vec::new(),
                path: "jobs/a,b:c&d.yaml".into(),
                source: None,
                jobs: vec![JobEntry {
                    document: 1,
                    name: Some("x<y>".into()),
                    resource_group: None,
                    accelerator_type: None,
                    verdict: Verdict::Rejected,
                    reason: None,
                    request: None,
                    limits: None,
                }],
                diagnostics: vec![d, orphan],
                hidden: Vec::new(),
            }],
            notices: Vec::new(),
            passed_over: Vec::new(),
        };
        let mut out = Vec::new();
        Junit.render(&report, &mut out).unwrap();
        let xml = String::from_utf8(out).unwrap();
        assert!(xml.contains(r#"<testcase classname="jobs/a,b:c&amp;d.yaml" name="x&lt;y&gt;">"#));
        assert!(xml.contains(
            r#"<failure message="100% &lt;bad&gt;: a, b\nnext &amp; \u{1}" type="invalid-value">"#
        ));
        assert!(xml.contains(
            "jobs/a,b:c&amp;d.yaml:3:2: error[invalid-value]: 100% &lt;bad&gt;: a, b\\nnext &amp; \\u{1}\n  help: use &quot;x&quot;\n"
        ));
        assert!(xml.contains(
            r#"<testcase classname="jobs/a,b:c&amp;d.yaml" name="jobs/a,b:c&amp;d.yaml">"#
        ));
        assert!(xml.contains(r#"tests="2" failures="2" errors="0" skipped="0""#));
        assert!(!xml.contains('\u{1}'));
    }

    #[test]
    fn skipped_and_warnings() {
        let job = |document, verdict, reason: Option<&str>| JobEntry {
            document,
            name: None,
            resource_group: None,
            accelerator_type: None,
            verdict,
            reason: reason.map(String::from),
            request: None,
            limits: None,
        };
        let mut warning = Diagnostic::new(Code::MemoryUnitMissing, None, "no unit");
        warning.document = Some(2);
        let report = Report {
            files: vec![FileReport {
                suppressed: Vec::new(),
                path: "a.yaml".into(),
                source: None,
                jobs: vec![
                    job(1, Verdict::Unjudged, Some("limits unavailable: timeout")),
                    job(2, Verdict::Admitted, None),
                ],
                diagnostics: vec![warning],
                hidden: Vec::new(),
            }],
            notices: Vec::new(),
            passed_over: Vec::new(),
        };
        let mut out = Vec::new();
        Junit.render(&report, &mut out).unwrap();
        let xml = String::from_utf8(out).unwrap();
        assert!(xml.contains(
            "<testcase classname=\"a.yaml\" name=\"document 1\">\n      <skipped message=\"limits unavailable: timeout\"/>"
        ));
        assert!(xml.contains(
            "<testcase classname=\"a.yaml\" name=\"document 2\">\n      <system-out>a.yaml:1:1: warning[memory-unit-missing]: no unit\n</system-out>"
        ));
        assert!(xml.contains(r#"tests="2" failures="0" errors="0" skipped="1""#));
    }
}
