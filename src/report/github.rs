//! GitHub Actions workflow commands: one `::error` or `::warning`
//! annotation per diagnostic, then the summary as a plain line.
//!
//! Escaping follows the Actions runner: in the message (the command's data)
//! `%`, `\r` and `\n` are percent-encoded; in properties `:` and `,` are too.

use std::io::{self, Write};

use super::stream::{End, FileByFile, render_all};
use super::{FileReport, Renderer, Report};
use crate::diag::Severity;

pub struct Github;

/// GitHub shows at most this many annotations of each type per step.
pub const SHOWN_PER_TYPE: usize = 10;

/// Escape the data of a workflow command (the text after `::`).
pub fn escape_data(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            c => out.push(c),
        }
    }
    out
}

/// Escape a property value of a workflow command (`file=…`, `title=…`).
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

impl FileByFile for Github {
    fn file(&mut self, f: &FileReport, out: &mut dyn Write) -> io::Result<()> {
        for d in &f.diagnostics {
            let command = match d.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            };
            let mut properties = vec![format!(
                "file={}",
                escape_property(&crate::escape::text(&f.path))
            )];
            if let Some(p) = d.position {
                properties.push(format!("line={}", p.line));
                properties.push(format!("col={}", p.column));
                properties.push(format!("endLine={}", p.end_line));
                properties.push(format!("endColumn={}", p.end_column));
            }
            properties.push(format!(
                "title={}",
                escape_property(&format!("jobcheck: {}", d.code))
            ));
            let message = crate::escape::text(&d.message);
            let message = match &d.help {
                Some(help) => format!("{message}\nhelp: {}", crate::escape::lines(help)),
                None => message.into_owned(),
            };
            writeln!(
                out,
                "::{command} {}::{}",
                properties.join(","),
                escape_data(&message)
            )?;
        }
        for line in f.hidden_lines() {
            writeln!(out, "{}", crate::escape::guard(&line))?;
        }
        Ok(())
    }

    fn end(&mut self, end: &End, out: &mut dyn Write) -> io::Result<()> {
        let summary = end.totals.summary;
        let (errors, warnings) = (summary.errors, summary.warnings);
        let mut line = summary.line();
        if errors > SHOWN_PER_TYPE || warnings > SHOWN_PER_TYPE {
            line.push_str(&format!(
                " ({} annotations; GitHub shows the first {SHOWN_PER_TYPE} of each type)",
                errors + warnings
            ));
        }
        writeln!(out, "{line}")
    }
}

impl Renderer for Github {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        render_all(&mut Github, report, out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::{Code, Diagnostic};
    use crate::report::FileReport;

    #[test]
    fn escaping() {
        assert_eq!(escape_data("50% a:b, c\r\nd"), "50%25 a:b, c%0D%0Ad");
        assert_eq!(
            escape_property("50% a:b, c\r\nd"),
            "50%25 a%3Ab%2C c%0D%0Ad"
        );
    }

    #[test]
    fn annotation_is_escaped() {
        let mut d = Diagnostic::new(Code::InvalidValue, None, "100% wrong: a, b\nnext")
            .help("fix: it, now");
        d = d.on_line(2, 3, 5);
        let warning = Diagnostic::new(Code::LimitUnknown, None, "no memorySize");
        let report = Report {
            files: vec![FileReport {
                suppressed: Vec::new(),
                path: "jobs/a,b:c.yaml".into(),
                source: None,
                jobs: Vec::new(),
                diagnostics: vec![d, warning],
                hidden: Vec::new(),
            }],
            notices: Vec::new(),
            passed_over: Vec::new(),
        };
        let mut out = Vec::new();
        Github.render(&report, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "::error file=jobs/a%2Cb%3Ac.yaml,line=2,col=3,endLine=2,endColumn=5,\
             title=jobcheck%3A invalid-value::100%25 wrong: a, b\\nnext%0Ahelp: fix: it, now"
        );
        assert_eq!(
            lines[1],
            "::warning file=jobs/a%2Cb%3Ac.yaml,title=jobcheck%3A limit-unknown::no memorySize"
        );
        assert_eq!(lines.len(), 3);
        assert!(!lines[2].contains("GitHub shows"));
    }

    #[test]
    fn says_when_github_hides_annotations() {
        let diagnostics = (0..11)
            .map(|i| Diagnostic::new(Code::InvalidValue, None, format!("bad {i}")))
            .collect();
        let report = Report {
            files: vec![FileReport {
                suppressed: Vec::new(),
                path: "a.yaml".into(),
                source: None,
                jobs: Vec::new(),
                diagnostics,
                hidden: Vec::new(),
            }],
            notices: Vec::new(),
            passed_over: Vec::new(),
        };
        let mut out = Vec::new();
        Github.render(&report, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.trim_end()
                .ends_with("(11 annotations; GitHub shows the first 10 of each type)")
        );
    }
}
