//! The human format: one miette graphical report per file with every
//! diagnostic of the file and its source snippet, then a summary line.

use std::collections::HashMap;
use std::fmt;
use std::io::{self, Write};

use miette::{
    Diagnostic as MietteDiagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan,
    MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents,
};

use super::{Extras, FileReport, Renderer, Report, Style, count};
use crate::diag::{Diagnostic, Severity};

pub struct Human {
    pub style: Style,
    pub extras: Extras,
}

impl Human {
    fn handler(&self) -> GraphicalReportHandler {
        let theme = match (self.style.unicode, self.style.color) {
            (true, true) => GraphicalTheme::unicode(),
            (true, false) => GraphicalTheme::unicode_nocolor(),
            (false, true) => GraphicalTheme::ascii(),
            (false, false) => GraphicalTheme::none(),
        };
        GraphicalReportHandler::new_themed(theme)
            .with_width(self.style.width)
            .with_links(false)
            .with_context_lines(1)
    }
}

/// A file's text for miette, whose header (`file:line:col`) then counts
/// columns in characters, as every other format does (miette counts bytes).
///
/// miette finds a span's lines by reading the text from its start, once per
/// label and header: with thousands of diagnostics in a big file that is
/// quadratic. The line starts are found once here, and miette is handed
/// only the few lines around a span.
struct Source {
    name: String,
    text: String,
    /// Where each line starts, a line ending at `\n`, `\r\n` or a lone `\r`
    /// as miette counts them.
    breaks: Vec<usize>,
    /// Where each line starts, a line ending at `\n` as `LineIndex` counts.
    newlines: Vec<usize>,
}

impl Source {
    fn new(name: &str, text: String) -> Source {
        let bytes = text.as_bytes();
        let mut breaks = vec![0];
        let mut newlines = vec![0];
        for (i, &b) in bytes.iter().enumerate() {
            if b == b'\n' {
                breaks.push(i + 1);
                newlines.push(i + 1);
            } else if b == b'\r' && bytes.get(i + 1) != Some(&b'\n') {
                breaks.push(i + 1);
            }
        }
        Source {
            name: name.to_string(),
            text,
            breaks,
            newlines,
        }
    }

    /// The 0-based line (as miette counts) holding byte `offset`.
    fn line_of(&self, offset: usize) -> usize {
        self.breaks.partition_point(|&s| s <= offset) - 1
    }

    /// The column of `offset` in characters, 1-based (as `LineIndex` counts).
    fn char_column(&self, offset: usize) -> usize {
        crate::diag::LineIndex::column_in(&self.text, &self.newlines, offset)
    }
}

impl SourceCode for Source {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        // A window of whole lines from `before` + 1 lines above the span (an
        // empty span ends on the byte before it) to a few more than `after`
        // lines below it reads, for miette, as the whole text does; its
        // positions are then moved back into the file.
        let first = self.line_of(span.offset()).saturating_sub(before + 1);
        let last = self.line_of(span.offset() + span.len()) + after + 3;
        let start = self.breaks[first];
        let end = self.breaks.get(last).copied().unwrap_or(self.text.len());
        let window = &self.text.as_bytes()[start..end];
        let local = SourceSpan::new(span.offset().saturating_sub(start).into(), span.len());
        let contents = window.read_span(&local, before, after)?;
        let column = if before == 0 && after == 0 {
            // Only the header asks for no context lines: give it the column
            // of the span's start in characters.
            self.char_column(span.offset()) - 1
        } else {
            contents.column()
        };
        let found = contents.span();
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            contents.data(),
            SourceSpan::new((found.offset() + start).into(), found.len()),
            contents.line() + first,
            column,
            contents.line_count() + first,
        )))
    }
}

/// One file, as one miette report whose related items are its diagnostics.
struct FileItem<'a> {
    title: String,
    severity: Severity,
    items: Vec<Item<'a>>,
}

struct Item<'a> {
    diag: &'a Diagnostic,
    /// `cpus-over-limit in job `train``: the code, and whose it is.
    header: String,
    source: Option<&'a Source>,
    /// Second labels in other files (a policy cap in jobcheck.toml).
    elsewhere: Vec<Elsewhere<'a>>,
}

/// A label in another file, drawn as a related note under its diagnostic.
struct Elsewhere<'a> {
    label: String,
    span: crate::diag::Span,
    source: &'a Source,
}

impl fmt::Debug for Elsewhere<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label)
    }
}
impl fmt::Display for Elsewhere<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("set here")
    }
}
impl std::error::Error for Elsewhere<'_> {}

impl MietteDiagnostic for Elsewhere<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(&self.label))
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(miette::Severity::Advice)
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(self.source)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(std::iter::once(
            LabeledSpan::new_primary_with_span(
                Some(self.label.clone()),
                (self.span.start, self.span.len()),
            ),
        )))
    }
}

impl fmt::Debug for FileItem<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.title)
    }
}
impl fmt::Display for FileItem<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.title)
    }
}
impl std::error::Error for FileItem<'_> {}

impl MietteDiagnostic for FileItem<'_> {
    fn severity(&self) -> Option<miette::Severity> {
        Some(severity(self.severity))
    }
    fn related<'b>(&'b self) -> Option<Box<dyn Iterator<Item = &'b dyn MietteDiagnostic> + 'b>> {
        Some(Box::new(
            self.items.iter().map(|i| i as &dyn MietteDiagnostic),
        ))
    }
}

impl fmt::Debug for Item<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diag.message)
    }
}
impl fmt::Display for Item<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diag.message)
    }
}
impl std::error::Error for Item<'_> {}

fn severity(s: Severity) -> miette::Severity {
    match s {
        Severity::Error => miette::Severity::Error,
        Severity::Warning => miette::Severity::Warning,
    }
}

impl MietteDiagnostic for Item<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(&self.header))
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(severity(self.diag.severity))
    }
    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.diag
            .help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.map(|s| s as &dyn SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let span = self.diag.span?;
        self.source?;
        let label = (!self.diag.label.is_empty()).then(|| self.diag.label.clone());
        let primary = LabeledSpan::new_primary_with_span(label, (span.start, span.len()));
        let notes = self
            .diag
            .notes
            .iter()
            .filter(|n| n.origin.is_none())
            .map(|n| {
                LabeledSpan::new_with_span(Some(n.label.clone()), (n.span.start, n.span.len()))
            });
        Some(Box::new(std::iter::once(primary).chain(notes)))
    }
    fn related<'b>(&'b self) -> Option<Box<dyn Iterator<Item = &'b dyn MietteDiagnostic> + 'b>> {
        if self.elsewhere.is_empty() {
            return None;
        }
        Some(Box::new(
            self.elsewhere.iter().map(|e| e as &dyn MietteDiagnostic),
        ))
    }
}

fn title(file: &FileReport) -> String {
    let errors = file.diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = file.diagnostics.len() - errors;
    let mut parts = Vec::new();
    if errors > 0 {
        parts.push(count(errors, "error", "errors"));
    }
    if warnings > 0 {
        parts.push(count(warnings, "warning", "warnings"));
    }
    format!("{}: {}", file.path, parts.join(", "))
}

impl Human {
    /// Every file with diagnostics, without the summary.
    pub fn render_files(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        let handler = self.handler();
        for file in report.files.iter().filter(|f| !f.diagnostics.is_empty()) {
            let source = file
                .source
                .as_ref()
                .map(|text| Source::new(&file.path, text.clone()));
            // Each other file once, however many notes point into it.
            let mut others: HashMap<&str, Source> = HashMap::new();
            for origin in file
                .diagnostics
                .iter()
                .flat_map(|d| &d.notes)
                .filter_map(|n| n.origin.as_ref())
            {
                others
                    .entry(origin.path.as_str())
                    .or_insert_with(|| Source::new(&origin.path, origin.text.to_string()));
            }
            let item = FileItem {
                title: title(file),
                severity: if file.diagnostics.iter().any(|d| d.is_error()) {
                    Severity::Error
                } else {
                    Severity::Warning
                },
                items: file
                    .diagnostics
                    .iter()
                    .map(|diag| Item {
                        diag,
                        header: header(file, diag),
                        source: source.as_ref(),
                        elsewhere: diag
                            .notes
                            .iter()
                            .filter_map(|n| {
                                let origin = n.origin.as_ref()?;
                                Some(Elsewhere {
                                    label: n.label.clone(),
                                    span: origin.span,
                                    source: others.get(origin.path.as_str())?,
                                })
                            })
                            .collect(),
                    })
                    .collect(),
            };
            let mut text = String::new();
            handler
                .render_report(&mut text, &item)
                .map_err(|e| io::Error::other(e.to_string()))?;
            writeln!(out, "{}", text.trim_end())?;
            writeln!(out)?;
        }
        Ok(())
    }
}

/// The code of a diagnostic and the job it belongs to: the job's `name`,
/// else `file#document`.
fn header(file: &FileReport, diag: &Diagnostic) -> String {
    let Some(document) = diag.document else {
        return diag.code.as_str().to_string();
    };
    // Jobs are in document order.
    let job = match file.jobs.binary_search_by_key(&document, |j| j.document) {
        Ok(i) => file.jobs[i].label(&file.path),
        // Not a job file (a limits or configuration file): the code alone.
        Err(_) => return diag.code.as_str().to_string(),
    };
    format!("{} in {job}", diag.code)
}

impl Renderer for Human {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        self.render_files(report, out)?;
        if self.extras.table {
            super::table::render(report, self.style.color, out)?;
        }
        if self.extras.statistics {
            write!(out, "{}", super::statistics(report))?;
            writeln!(out)?;
        }
        if self.extras.quiet {
            return Ok(());
        }
        for notice in &report.notices {
            writeln!(out, "{notice}")?;
        }
        writeln!(out, "{}", report.summary().line())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// What miette reads for a span from the whole text.
    fn whole(text: &str, span: &SourceSpan, before: usize, after: usize) -> Option<Seen> {
        let c = text.as_bytes().read_span(span, before, after).ok()?;
        Some(Seen::of(&*c))
    }

    #[derive(Debug, PartialEq)]
    struct Seen {
        data: Vec<u8>,
        offset: usize,
        len: usize,
        line: usize,
        column: usize,
        line_count: usize,
    }

    impl Seen {
        fn of(c: &dyn SpanContents<'_>) -> Seen {
            Seen {
                data: c.data().to_vec(),
                offset: c.span().offset(),
                len: c.span().len(),
                line: c.line(),
                column: c.column(),
                line_count: c.line_count(),
            }
        }
    }

    proptest! {
        /// The windowed read gives miette what the whole text gives it
        /// (but the header's column, counted in characters on purpose).
        #[test]
        fn a_window_reads_as_the_whole_text(
            text in "([a-c é]{0,6}(\n|\r\n|\r)){0,30}[a-c]{0,4}",
            at in 0usize..300,
            len in 0usize..40,
            context in 1usize..3,
        ) {
            let source = Source::new("f", text.clone());
            let span = SourceSpan::new(at.min(text.len()).into(), len);
            let expected = whole(&text, &span, context, context);
            let got = source.read_span(&span, context, context).ok().map(|c| Seen::of(&*c));
            prop_assert_eq!(got, expected);
            let expected = whole(&text, &span, 0, 0).map(|s| (s.data, s.offset, s.line, s.line_count));
            let got = source
                .read_span(&span, 0, 0)
                .ok()
                .map(|c| (c.data().to_vec(), c.span().offset(), c.line(), c.line_count()));
            prop_assert_eq!(got, expected);
        }
    }
}
