//! The human format: one miette graphical report per file with every
//! diagnostic of the file and its source snippet, then a summary line.

use std::collections::HashMap;
use std::fmt;
use std::io::{self, Write};

use miette::{
    Diagnostic as MietteDiagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan,
    MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents,
};

use super::stream::{Detached, End, FileByFile, PART, Part, render_all};
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

/// A file's text, with where each line starts, from which each
/// diagnostic's [`Snippet`] is cut.
struct Source<'a> {
    name: String,
    text: &'a str,
    /// Where each line starts, a line ending at `\n`, `\r\n` or a lone `\r`
    /// as miette counts them.
    breaks: Vec<usize>,
    /// Where each line starts, a line ending at `\n` as `LineIndex` counts.
    newlines: Vec<usize>,
}

/// A line longer than this (in bytes) is clipped around the spans on it.
const LONG_LINE: usize = 240;
/// How much of a long line is kept on each side of a span's end (bytes).
const KEPT: usize = 60;
/// A span over more lines than this is drawn on its first line only.
const TALL_SPAN: usize = 12;

impl<'a> Source<'a> {
    fn new(name: &str, text: &'a str) -> Source<'a> {
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
            name: crate::escape::path(name).into_owned(),
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
        crate::diag::LineIndex::column_in(self.text, &self.newlines, offset)
    }

    /// Where line `line` ends, before its line break.
    fn line_end(&self, line: usize) -> usize {
        let next = self
            .breaks
            .get(line + 1)
            .copied()
            .unwrap_or(self.text.len());
        let bytes = self.text.as_bytes();
        let mut end = next;
        if end > self.breaks[line] && matches!(bytes.get(end - 1), Some(b'\n' | b'\r')) {
            end -= 1;
            if end > self.breaks[line] && bytes[end - 1] == b'\r' && bytes[end] == b'\n' {
                end -= 1;
            }
        }
        end
    }

    /// The lines around `spans` (`context` lines on each side) as miette is
    /// to draw them: each line escaped (no control or bidi character
    /// reaches the terminal) and, when long, clipped to the parts around
    /// the spans' ends. Returns the snippet and each span moved into it.
    fn snippet(&self, spans: &[(usize, usize)], context: usize) -> (Snippet, Vec<(usize, usize)>) {
        let len = self.text.len();
        let spans: Vec<(usize, usize)> = spans
            .iter()
            .map(|&(s, e)| {
                let s = crate::diag::floor_char_boundary(self.text, s.min(len));
                let e = crate::diag::floor_char_boundary(self.text, e.clamp(s, len));
                // A tall span is drawn on its first line.
                let line = self.line_of(s);
                if self.line_of(e) > line + TALL_SPAN {
                    (s, self.line_end(line).max(s))
                } else {
                    (s, e)
                }
            })
            .collect();
        let first_span = spans.iter().map(|s| self.line_of(s.0)).min().unwrap_or(0);
        let last_span = spans.iter().map(|s| self.line_of(s.1)).max().unwrap_or(0);
        let first = first_span.saturating_sub(context);
        let last = (last_span + context).min(self.breaks.len() - 1);
        let mut points: Vec<usize> = spans.iter().flat_map(|&(s, e)| [s, e]).collect();
        points.sort_unstable();
        points.dedup();
        let mut data = String::new();
        let mut moved: Vec<(usize, usize)> = Vec::with_capacity(points.len());
        for line in first..=last {
            let start = self.breaks[line];
            let end = self.line_end(line);
            let here: Vec<usize> = points
                .iter()
                .copied()
                .filter(|&p| p >= start && p <= end)
                .collect();
            let pieces = if end - start <= LONG_LINE {
                vec![(start, end)]
            } else {
                self.kept(start, end, &here)
            };
            if pieces.first().is_some_and(|p| p.0 > start) {
                data.push('…');
            }
            for (i, &(a, b)) in pieces.iter().enumerate() {
                if i > 0 {
                    data.push_str(" … ");
                }
                self.emit(a, b, &here, &mut data, &mut moved);
            }
            if pieces.last().is_some_and(|p| p.1 < end) {
                data.push('…');
            }
            // Points past the kept text (none when clipping is right).
            for &p in &here {
                if !moved.iter().any(|m| m.0 == p) {
                    moved.push((p, data.len()));
                }
            }
            if line < last {
                data.push('\n');
            }
        }
        let at = |p: usize| moved.iter().find(|m| m.0 == p).map_or(0, |m| m.1);
        let columns = spans
            .iter()
            .map(|&(s, _)| (at(s), self.char_column(s)))
            .collect();
        let spans = spans
            .iter()
            .map(|&(s, e)| (at(s), at(e).saturating_sub(at(s))))
            .collect();
        (
            Snippet {
                name: self.name.clone(),
                data,
                first_line: first,
                columns,
            },
            spans,
        )
    }

    /// The parts of a long line kept around its points, merged.
    fn kept(&self, start: usize, end: usize, here: &[usize]) -> Vec<(usize, usize)> {
        let text = self.text;
        let ceil = |mut i: usize| {
            while i < end && !text.is_char_boundary(i) {
                i += 1;
            }
            i.min(end)
        };
        let mut pieces: Vec<(usize, usize)> = Vec::new();
        let around: Vec<usize> = if here.is_empty() {
            vec![start]
        } else {
            here.to_vec()
        };
        for p in around {
            let a = crate::diag::floor_char_boundary(text, p.saturating_sub(KEPT).max(start));
            let b = ceil((p + KEPT).min(end));
            match pieces.last_mut() {
                Some(last) if a <= last.1 => last.1 = last.1.max(b),
                _ => pieces.push((a, b)),
            }
        }
        pieces
    }

    /// Text `a..b` of one line, escaped, onto `data`, noting where each
    /// point in it lands.
    fn emit(
        &self,
        a: usize,
        b: usize,
        points: &[usize],
        data: &mut String,
        moved: &mut Vec<(usize, usize)>,
    ) {
        let mut next = points
            .iter()
            .copied()
            .filter(|&p| p >= a && p <= b)
            .peekable();
        for (i, c) in self.text[a..b].char_indices() {
            while next.peek().is_some_and(|&p| p <= a + i) {
                moved.push((next.next().unwrap_or(0), data.len()));
            }
            if c != '\t' && crate::escape::is_unsafe(c) {
                data.push_str(&crate::escape::text(c.encode_utf8(&mut [0; 4])));
            } else {
                data.push(c);
            }
        }
        for p in next {
            moved.push((p, data.len()));
        }
    }
}

/// What miette draws for one diagnostic: a few lines of the file, escaped
/// and clipped (see [`Source::snippet`]), read as if they were the file.
struct Snippet {
    name: String,
    data: String,
    /// The 0-based line of the file where `data` starts.
    first_line: usize,
    /// Each span's start in `data`, with its column in the file.
    columns: Vec<(usize, usize)>,
}

impl SourceCode for Snippet {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let contents = self.data.as_bytes().read_span(span, before, after)?;
        let column = if before == 0 && after == 0 {
            // Only the header asks for no context lines: give it the column
            // of the span's start in the file, in characters.
            self.columns
                .iter()
                .find(|c| c.0 == span.offset())
                .map_or(contents.column(), |c| c.1 - 1)
        } else {
            contents.column()
        };
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            contents.data(),
            *contents.span(),
            contents.line() + self.first_line,
            column,
            contents.line_count() + self.first_line,
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
    /// The lines to draw, and the diagnostic's span then its notes' spans
    /// moved into them.
    snippet: Option<(Snippet, Vec<(usize, usize)>)>,
    /// Second labels in other files (a policy cap in jobcheck.toml).
    elsewhere: Vec<Elsewhere>,
}

/// A label in another file, drawn as a related note under its diagnostic.
struct Elsewhere {
    label: String,
    span: (usize, usize),
    snippet: Snippet,
}

impl fmt::Debug for Elsewhere {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label)
    }
}
impl fmt::Display for Elsewhere {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("set here")
    }
}
impl std::error::Error for Elsewhere {}

impl MietteDiagnostic for Elsewhere {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(&self.label))
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(miette::Severity::Advice)
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.snippet)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(std::iter::once(
            LabeledSpan::new_primary_with_span(Some(self.label.clone()), self.span),
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
        f.write_str(&crate::escape::text(&self.diag.message))
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
            .map(|h| Box::new(crate::escape::lines(h).into_owned()) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.snippet.as_ref().map(|s| &s.0 as &dyn SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.diag.span?;
        let spans = &self.snippet.as_ref()?.1;
        let label = (!self.diag.label.is_empty()).then(|| escaped(&self.diag.label));
        let primary = LabeledSpan::new_primary_with_span(label, *spans.first()?);
        let notes = self
            .diag
            .notes
            .iter()
            .filter(|n| n.origin.is_none())
            .zip(spans.iter().skip(1))
            .map(|(n, &span)| LabeledSpan::new_with_span(Some(escaped(&n.label)), span));
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

fn escaped(text: &str) -> String {
    crate::escape::text(text).into_owned()
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
    format!("{}: {}", crate::escape::path(&file.path), parts.join(", "))
}

impl Human {
    /// Every file with diagnostics, without the summary.
    pub fn render_files(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        self.render_files_with(report, out, 1)
    }

    /// Every file with diagnostics, each snippet with `context` lines above
    /// and below its span.
    pub(super) fn render_files_with(
        &self,
        report: &Report,
        out: &mut dyn Write,
        context: usize,
    ) -> io::Result<()> {
        let handler = self.handler().with_context_lines(context);
        for file in &report.files {
            self.render_file(&handler, file, out, context)?;
        }
        Ok(())
    }

    /// One file's report, if it has diagnostics.
    fn render_file(
        &self,
        handler: &GraphicalReportHandler,
        file: &FileReport,
        out: &mut dyn Write,
        context: usize,
    ) -> io::Result<()> {
        {
            if file.diagnostics.is_empty() {
                return Ok(());
            }
            let source = file
                .source
                .as_ref()
                .map(|text| Source::new(&file.path, text));
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
                    .or_insert_with(|| Source::new(&origin.path, &origin.text));
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
                        snippet: source.as_ref().zip(diag.span).map(|(source, span)| {
                            let spans: Vec<(usize, usize)> = std::iter::once(span)
                                .chain(
                                    diag.notes
                                        .iter()
                                        .filter(|n| n.origin.is_none())
                                        .map(|n| n.span),
                                )
                                .map(|s| (s.start, s.end))
                                .collect();
                            source.snippet(&spans, context)
                        }),
                        elsewhere: diag
                            .notes
                            .iter()
                            .filter_map(|n| {
                                let origin = n.origin.as_ref()?;
                                let source = others.get(origin.path.as_str())?;
                                let (snippet, spans) = source
                                    .snippet(&[(origin.span.start, origin.span.end)], context);
                                Some(Elsewhere {
                                    label: escaped(&n.label),
                                    span: spans[0],
                                    snippet,
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
            for line in file.hidden_lines() {
                writeln!(out, "  … {line}")?;
            }
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

/// The human format file by file; with `--table`, each file's jobs are
/// kept (without their text) for the table drawn after the diagnostics.
pub(crate) struct HumanStream {
    human: Human,
    handler: Option<GraphicalReportHandler>,
    table: Vec<FileReport>,
}

impl HumanStream {
    pub(crate) fn new(style: Style, extras: Extras) -> HumanStream {
        HumanStream {
            human: Human { style, extras },
            handler: None,
            table: Vec::new(),
        }
    }
}

impl Detached for Human {
    fn draw(&self, files: &[FileReport], part: &mut Part) -> io::Result<()> {
        let handler = self.handler().with_context_lines(1);
        for f in files {
            self.render_file(&handler, f, &mut part.lists[0], 1)?;
        }
        Ok(())
    }

    /// Snippets are what cost: a batch of clean files is drawn in turn.
    fn worth_sharing(&self, files: &[FileReport]) -> bool {
        files.iter().map(|f| f.diagnostics.len()).sum::<usize>() >= PART
    }
}

impl FileByFile for HumanStream {
    fn file(&mut self, f: &FileReport, out: &mut dyn Write) -> io::Result<()> {
        if self.human.extras.table {
            self.table.push(FileReport {
                source: None,
                ..f.clone()
            });
        }
        if f.diagnostics.is_empty() {
            return Ok(());
        }
        let handler = self
            .handler
            .get_or_insert_with(|| self.human.handler().with_context_lines(1));
        self.human.render_file(handler, f, out, 1)
    }

    fn detached(&self) -> Option<&(dyn Detached + Sync)> {
        // The table keeps every file until the end: rendered in turn.
        (!self.human.extras.table).then_some(&self.human as &(dyn Detached + Sync))
    }

    fn end(&mut self, end: &End, out: &mut dyn Write) -> io::Result<()> {
        let extras = self.human.extras;
        if extras.table {
            let report = Report {
                files: std::mem::take(&mut self.table),
                notices: Vec::new(),
                passed_over: Vec::new(),
            };
            super::table::render(&report, self.human.style.color, out)?;
        }
        if extras.statistics {
            write!(
                out,
                "{}",
                super::statistics_of(end.totals, end.passed_over.len())
            )?;
            writeln!(out)?;
        }
        if extras.quiet {
            return Ok(());
        }
        for notice in end.notices {
            writeln!(out, "{notice}")?;
        }
        writeln!(out, "{}", end.totals.summary.line())
    }
}

impl Renderer for Human {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        render_all(&mut HumanStream::new(self.style, self.extras), report, out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_drawn_on_several_threads_is_what_file_by_file_draws() {
        use crate::diag::Code;
        use crate::report::{Format, Streamer};
        // Files with diagnostics between clean ones, more than one part of
        // a batch, one file whose text holds a line a CI would run.
        let files: Vec<FileReport> = (0..70)
            .map(|i| {
                let text = format!("cpus: {}\n::stop-commands::x\nmemory: 1G\n", 100 + i);
                let diagnostics = if i % 3 == 0 {
                    Vec::new()
                } else {
                    vec![
                        Diagnostic::new(Code::CpusOverLimit, None, format!("{} cpus", 100 + i))
                            .help("ask for 8")
                            .on_line(1, 7, 10),
                    ]
                };
                FileReport {
                    path: format!("jobs/{i:02}.yaml"),
                    source: Some(text),
                    jobs: Vec::new(),
                    diagnostics,
                    suppressed: Vec::new(),
                    hidden: Vec::new(),
                }
            })
            .collect();
        let style = Style {
            color: true,
            unicode: true,
            width: 100,
        };
        let drawn = |batch: usize| {
            let mut out = Vec::new();
            let mut streamer =
                Streamer::new(Format::Human, style, Extras::default(), &mut out).unwrap();
            assert!(streamer.batch() > 16, "the human format draws batches");
            for part in files.chunks(batch) {
                streamer.files(part).unwrap();
            }
            let totals = streamer.finish(&[], &[]).unwrap();
            assert_eq!(totals.summary.files, files.len());
            String::from_utf8(out).unwrap()
        };
        let one_by_one = drawn(1);
        assert_eq!(one_by_one.matches("cpus-over-limit").count(), 46);
        assert!(!one_by_one.contains("\n::stop"), "{one_by_one}");
        for batch in [17, 40, 70] {
            assert_eq!(drawn(batch), one_by_one, "batches of {batch}");
        }
    }

    fn drawn(
        text: &str,
        spans: &[(usize, usize)],
        context: usize,
    ) -> (Snippet, Vec<(usize, usize)>) {
        Source::new("f", text).snippet(spans, context)
    }

    #[test]
    fn a_snippet_is_the_lines_around_its_spans_escaped() {
        let text = "a: 1\nb: \"x\u{1b}]0;t\u{7}\u{202e}y\"\nc: 3\nd: 4\n";
        let at = text.find('x').unwrap();
        let (snippet, spans) = drawn(text, &[(at, at + 1)], 1);
        assert_eq!(
            snippet.data,
            "a: 1\nb: \"x\\u{1b}]0;t\\u{7}\\u{202e}y\"\nc: 3"
        );
        assert_eq!(snippet.first_line, 0);
        assert_eq!(&snippet.data[spans[0].0..spans[0].0 + spans[0].1], "x");
        // Only the offending line, for a bad limits file.
        let (snippet, spans) = drawn(text, &[(at, at + 1)], 0);
        assert_eq!(snippet.first_line, 1);
        assert!(!snippet.data.contains('\n'));
        let header = snippet
            .read_span(&SourceSpan::new(spans[0].0.into(), 1), 0, 0)
            .unwrap();
        assert_eq!((header.line(), header.column()), (1, 4));
    }

    #[test]
    fn a_long_line_is_clipped_around_its_spans() {
        let text = format!(
            "{{\"pad\": \"{}\", \"cpus\": 9999, \"tail\": \"{}\"}}",
            "p".repeat(70_000),
            "t".repeat(5_000)
        );
        let at = text.find("9999").unwrap();
        let (snippet, spans) = drawn(&text, &[(at, at + 4)], 1);
        assert!(snippet.data.len() < 2 * KEPT + 20, "{}", snippet.data);
        assert!(snippet.data.starts_with('…') && snippet.data.ends_with('…'));
        assert_eq!(&snippet.data[spans[0].0..spans[0].0 + spans[0].1], "9999");
        let header = snippet
            .read_span(&SourceSpan::new(spans[0].0.into(), 4), 0, 0)
            .unwrap();
        assert_eq!(header.column(), text[..at].chars().count());
        // Two spans far apart on one line: both kept, the middle left out.
        let far = text.rfind("ttt").unwrap();
        let (snippet, spans) = drawn(&text, &[(at, at + 4), (far, far + 3)], 1);
        assert_eq!(&snippet.data[spans[1].0..spans[1].0 + spans[1].1], "ttt");
        assert!(snippet.data.contains(" … "));
    }
}
