//! Reports: the outcome of a run as plain data, and one renderer per format.
//! Renderers never decide anything; they only read a `Report`.

pub mod concise;
pub mod github;
pub mod human;
pub mod json;
pub mod junit;
pub mod sarif;

use std::io::{self, Write};

use crate::diag::{Diagnostic, Severity};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Admitted,
    Rejected,
    Unjudged,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Admitted => "admitted",
            Verdict::Rejected => "rejected",
            Verdict::Unjudged => "unjudged",
        }
    }
}

#[derive(Clone, Debug)]
pub struct JobEntry {
    pub document: usize,
    pub name: Option<String>,
    pub resource_group: Option<String>,
    pub accelerator_type: Option<&'static str>,
    pub verdict: Verdict,
    /// Why an unjudged job could not be judged.
    pub reason: Option<String>,
}

#[derive(Clone, Debug)]
pub struct FileReport {
    /// The path as reported: relative to the working directory where it was
    /// given so, with forward slashes.
    pub path: String,
    /// The file's text, kept only when there is something to show in it.
    pub source: Option<String>,
    pub jobs: Vec<JobEntry>,
    pub diagnostics: Vec<Diagnostic>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub files: usize,
    pub jobs: usize,
    pub admitted: usize,
    pub rejected: usize,
    pub unjudged: usize,
    pub errors: usize,
    pub warnings: usize,
}

#[derive(Clone, Debug, Default)]
pub struct Report {
    pub files: Vec<FileReport>,
    /// Run-wide problems (limits unavailable, …), one sentence each.
    pub notices: Vec<String>,
}

impl Report {
    pub fn summary(&self) -> Summary {
        let mut s = Summary {
            files: self.files.len(),
            ..Summary::default()
        };
        for f in &self.files {
            s.jobs += f.jobs.len();
            for j in &f.jobs {
                match j.verdict {
                    Verdict::Admitted => s.admitted += 1,
                    Verdict::Rejected => s.rejected += 1,
                    Verdict::Unjudged => s.unjudged += 1,
                }
            }
            for d in &f.diagnostics {
                match d.severity {
                    Severity::Error => s.errors += 1,
                    Severity::Warning => s.warnings += 1,
                }
            }
        }
        s
    }
}

impl Summary {
    /// `3 jobs in 2 files: 1 admitted, 1 rejected, 1 unjudged (3 errors, 1 warning)`.
    pub fn line(&self) -> String {
        format!(
            "{} in {}: {} admitted, {} rejected, {} unjudged ({}, {})",
            count(self.jobs, "job", "jobs"),
            count(self.files, "file", "files"),
            self.admitted,
            self.rejected,
            self.unjudged,
            count(self.errors, "error", "errors"),
            count(self.warnings, "warning", "warnings"),
        )
    }
}

pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// How the human renderer draws.
#[derive(Clone, Copy, Debug)]
pub struct Style {
    pub color: bool,
    pub unicode: bool,
    pub width: usize,
}

pub trait Renderer {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()>;
}

/// Every output format (DESIGN §5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Concise,
    Json,
    Sarif,
    Github,
    Junit,
}

/// Render a report in a format.
pub fn render(
    format: Format,
    style: Style,
    report: &Report,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Human => human::Human { style }.render(report, out),
        Format::Concise => concise::Concise.render(report, out),
        Format::Json => json::Json.render(report, out),
        Format::Sarif => sarif::Sarif.render(report, out),
        Format::Github => github::Github.render(report, out),
        Format::Junit => junit::Junit.render(report, out),
    }
}

/// A bad limits or configuration file, drawn like a file report (always in
/// the human form: it is a usage error, printed on standard error).
pub fn render_bad_file(bad: &crate::limits::file::BadFile, style: Style, what: &str) -> String {
    let report = Report {
        files: vec![FileReport {
            path: bad.path.clone(),
            source: Some(bad.text.clone()),
            jobs: Vec::new(),
            diagnostics: bad.diagnostics.clone(),
        }],
        notices: Vec::new(),
    };
    let mut out = Vec::new();
    let human = human::Human { style };
    let _ = human.render_files(&report, &mut out);
    let mut text = String::from_utf8_lossy(&out).into_owned();
    text.push_str(&format!(
        "error: the {what} `{}` cannot be used\n",
        bad.path
    ));
    text
}
