//! Reports: the outcome of a run as plain data, and one renderer per format.
//! Renderers never decide anything; they only read a `Report`.

pub mod concise;
pub mod github;
pub mod human;
pub mod json;
pub mod junit;
pub mod sarif;
pub mod schema;
pub mod stream;
pub mod table;

pub use stream::{Streamer, Totals};

use std::io::{self, Write};

use crate::diag::Diagnostic;
use crate::vocab::{AccelType, Amounts, Pair};
pub use crate::vocab::{Format, Notice};

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
    pub accelerator_type: Option<AccelType>,
    pub verdict: Verdict,
    /// Why an unjudged job could not be judged.
    pub reason: Option<String>,
    /// What the job asks, normalised (`None` when the document is no job).
    pub request: Option<Request>,
    /// What it was judged against (`None` when no limits were found).
    pub limits: Option<JudgedLimits>,
}

impl JobEntry {
    /// The (group, type) pair whose limits judged the job, if it names one.
    pub fn pair(&self) -> Option<Pair> {
        Some(Pair {
            group: self.resource_group.clone()?,
            accelerator: self.accelerator_type?,
        })
    }

    /// How reports name the job: its `name`, else `file#document`.
    pub fn label(&self, path: &str) -> String {
        match &self.name {
            Some(name) => format!("job `{}`", crate::escape::text(name)),
            None => format!("job `{}#{}`", crate::escape::path(path), self.document),
        }
    }
}

/// A job's request as the rules judged it, defaults applied (`nodes` 1 in a
/// job spec, no cards for a cpu job), by limit; absent where absent with no
/// default or unreadable. Memory is in bytes per node.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Request {
    pub amounts: Amounts,
    /// Where the cards were written, and under which key (for run-wide
    /// checks).
    pub cards_span: Option<crate::diag::Span>,
    pub cards_key: Option<&'static str>,
}

/// The limits a job was judged against, by limit: the group's, or a local
/// policy's cap where it is stricter. Absent where unknown (or, for the
/// quota, where there is no separate quota). Memory is in bytes per node.
pub type JudgedLimits = Amounts;

#[derive(Clone, Debug)]
pub struct FileReport {
    /// The path as reported: relative to the working directory where it was
    /// given so, with forward slashes.
    pub path: String,
    /// The file's text, kept only when there is something to show in it.
    pub source: Option<String>,
    pub jobs: Vec<JobEntry>,
    pub diagnostics: Vec<Diagnostic>,
    /// Findings a suppression or the baseline hid: not counted, not shown
    /// in the text formats, marked as suppressed in JSON and SARIF.
    pub suppressed: Vec<Suppressed>,
    /// Documents with more diagnostics than are shown (at most 100 each):
    /// the document's index and how many were left out.
    pub hidden: Vec<(usize, usize)>,
}

impl FileReport {
    /// One line per document with diagnostics left out:
    /// `jobs/a.yaml#1: 250 more diagnostics not shown (at most 100 per document)`.
    pub fn hidden_lines(&self) -> Vec<String> {
        self.hidden
            .iter()
            .map(|(document, more)| {
                format!(
                    "{}#{document}: {} not shown (at most 100 per document)",
                    crate::escape::path(&self.path),
                    count(*more, "more diagnostic", "more diagnostics")
                )
            })
            .collect()
    }
}

/// A finding that was hidden, and what hid it.
#[derive(Clone, Debug)]
pub struct Suppressed {
    pub diagnostic: Diagnostic,
    pub by: SuppressedBy,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SuppressedBy {
    /// A `# jobcheck: ignore[…]` comment in the file.
    Comment,
    /// `per-file-ignores` in `jobcheck.toml`.
    Configuration,
    /// An entry of the `--baseline` file.
    Baseline,
}

impl SuppressedBy {
    pub fn as_str(self) -> &'static str {
        match self {
            SuppressedBy::Comment => "comment",
            SuppressedBy::Configuration => "configuration",
            SuppressedBy::Baseline => "baseline",
        }
    }
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
    /// Findings hidden by a suppression or the baseline.
    pub suppressed: usize,
}

#[derive(Clone, Debug, Default)]
pub struct Report {
    pub files: Vec<FileReport>,
    /// Run-wide problems (limits unavailable, …), one sentence each.
    pub notices: Vec<Notice>,
    /// Walked files that are not job files, passed over (not judged).
    pub passed_over: Vec<PassedOver>,
}

/// A walked file that is not a job file, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PassedOver {
    pub path: String,
    pub reason: &'static str,
}

impl Report {
    pub fn summary(&self) -> Summary {
        Totals::of(self).summary
    }
}

impl Summary {
    /// `3 jobs in 2 files: 1 admitted, 1 rejected, 1 unjudged (3 errors, 1 warning)`.
    pub fn line(&self) -> String {
        let hidden = match self.suppressed {
            0 => String::new(),
            n => format!("; {n} suppressed"),
        };
        format!(
            "{} in {}: {} admitted, {} rejected, {} unjudged ({}, {}{hidden})",
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

/// `--statistics`: one line per code with its count, most frequent first,
/// as ruff prints them (`   3  cpus-over-limit  error`); fixable counts noted.
pub fn statistics(report: &Report) -> String {
    statistics_of(&Totals::of(report), report.passed_over.len())
}

/// [`statistics`] from a run's totals and how many files were passed over.
pub fn statistics_of(totals: &Totals, passed_over: usize) -> String {
    let counts = totals.codes.clone();
    let mut rows: Vec<_> = counts.into_iter().collect();
    rows.sort_by(|a, b| b.1.0.cmp(&a.1.0).then(a.0.cmp(&b.0)));
    let width = rows
        .iter()
        .map(|(_, c)| c.0.to_string().len())
        .max()
        .unwrap_or(1);
    let code_width = rows
        .iter()
        .map(|(c, _)| c.as_str().len())
        .max()
        .unwrap_or(0);
    let mut text = String::new();
    for (code, (n, fixable, severity)) in rows {
        let fixable = match fixable {
            0 => String::new(),
            f if f == n => "  [fixable]".to_string(),
            f => format!("  [{f} fixable]"),
        };
        let line = format!(
            "{n:>width$}  {:<code_width$}  {:<7}{fixable}\n",
            code.as_str(),
            severity.as_str()
        );
        text.push_str(line.trim_end());
        text.push('\n');
    }
    if passed_over > 0 {
        text.push_str(&format!(
            "{} passed over (not job files)\n",
            count(passed_over, "file", "files")
        ));
    }
    text
}

/// How the human renderer draws.
#[derive(Clone, Copy, Debug)]
pub struct Style {
    pub color: bool,
    pub unicode: bool,
    pub width: usize,
}

/// What the text formats (human, concise) add to the diagnostics.
#[derive(Clone, Copy, Debug, Default)]
pub struct Extras {
    /// `-q`: the diagnostics only, no summary line or notices.
    pub quiet: bool,
    /// `--statistics`: a count per code after the diagnostics.
    pub statistics: bool,
    /// `--table`: each job's request beside its limits (human only).
    pub table: bool,
}

pub trait Renderer {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()>;
}

/// Render a report in a format.
pub fn render(
    format: Format,
    style: Style,
    report: &Report,
    out: &mut dyn Write,
) -> io::Result<()> {
    render_with(format, style, Extras::default(), report, out)
}

/// Render a report in a format, with the text formats' extras.
pub fn render_with(
    format: Format,
    style: Style,
    extras: Extras,
    report: &Report,
    out: &mut dyn Write,
) -> io::Result<()> {
    let mut streamer = Streamer::new(format, style, extras, out)?;
    for f in &report.files {
        streamer.file(f)?;
    }
    streamer.finish(&report.notices, &report.passed_over)?;
    Ok(())
}

/// A bad limits or configuration file, drawn like a file report (always in
/// the human form: it is a usage error, printed on standard error).
pub fn render_bad_file(bad: &crate::vocab::BadFile, style: Style, what: &str) -> String {
    let report = Report {
        files: vec![FileReport {
            suppressed: Vec::new(),
            path: bad.path.clone(),
            source: Some(bad.text.clone()),
            jobs: Vec::new(),
            diagnostics: bad.diagnostics.clone(),
            hidden: Vec::new(),
        }],
        notices: Vec::new(),
        passed_over: Vec::new(),
    };
    let mut out = Vec::new();
    let human = human::Human {
        style,
        extras: Extras::default(),
    };
    // Only the offending line of the file, clipped: it may be anything
    // (a link to a secret), and is not a job file the user wants to read.
    let _ = human.render_files_with(&report, &mut crate::escape::Guarded::new(&mut out), 0);
    let mut text = String::from_utf8_lossy(&out).into_owned();
    text.push_str(&format!(
        "error: the {what} `{}` cannot be used\n",
        crate::escape::path(&bad.path)
    ));
    text
}
