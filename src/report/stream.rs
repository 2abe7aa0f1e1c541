//! Rendering file by file: each format writes a file's part as soon as the
//! file is judged, and its end (summary, notices, statistics) once the run
//! is over, so a run keeps no file after it is written. JSON and JUnit put
//! totals before the files: they write each file's part to a [`Spool`] (in
//! memory, then a temporary file once it grows) and copy it out at the end.

use std::collections::BTreeMap;
use std::io::{self, Read, Seek, Write};

use super::{Extras, FileReport, Format, Notice, PassedOver, Report, Style, Summary, Verdict};
use crate::diag::{Code, Severity};

/// What a run adds up to, counted file by file: the summary, the
/// diagnostics left out, and a count per code for `--statistics`.
#[derive(Clone, Debug, Default)]
pub struct Totals {
    pub summary: Summary,
    /// Diagnostics left out (at most 100 are shown per document).
    pub hidden: usize,
    /// Per code: how many, how many with a fix, the highest severity.
    pub codes: BTreeMap<Code, (usize, usize, Severity)>,
}

impl Totals {
    pub fn add(&mut self, f: &FileReport) {
        let s = &mut self.summary;
        s.files += 1;
        s.jobs += f.jobs.len();
        s.suppressed += f.suppressed.len();
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
            let entry = self.codes.entry(d.code).or_insert((0, 0, d.severity));
            entry.0 += 1;
            entry.1 += usize::from(d.fix.is_some());
            entry.2 = entry.2.max(d.severity);
        }
        self.hidden += f.hidden.iter().map(|h| h.1).sum::<usize>();
    }

    pub fn of(report: &Report) -> Totals {
        let mut totals = Totals::default();
        report.files.iter().for_each(|f| totals.add(f));
        totals
    }
}

/// What a format writes after the last file.
pub struct End<'a> {
    pub totals: &'a Totals,
    pub notices: &'a [Notice],
    pub passed_over: &'a [PassedOver],
}

/// A format that renders file by file.
pub(crate) trait FileByFile {
    /// Written before the first file.
    fn begin(&mut self, _out: &mut dyn Write) -> io::Result<()> {
        Ok(())
    }
    fn file(&mut self, f: &FileReport, out: &mut dyn Write) -> io::Result<()>;
    fn end(&mut self, end: &End, out: &mut dyn Write) -> io::Result<()>;
    /// The format's rendering of a run of files when it needs none of the
    /// stream's state: the same bytes as [`FileByFile::file`] on each in
    /// turn, so parts of a batch may be rendered on several threads and
    /// written in order. `None` (the default): files are rendered in turn.
    fn detached(&self) -> Option<&(dyn Detached + Sync)> {
        None
    }
    /// Take a part drawn by [`FileByFile::detached`], in report order: by
    /// default its first list is written out as it is.
    fn put(&mut self, part: Part, out: &mut dyn Write) -> io::Result<()> {
        out.write_all(&part.lists[0])
    }
}

/// See [`FileByFile::detached`].
pub(crate) trait Detached {
    /// Draw a run of consecutive files into `part`.
    fn draw(&self, files: &[FileReport], part: &mut Part) -> io::Result<()>;
    /// Whether a batch is worth handing to other threads (by default, any
    /// batch of more than one part).
    fn worth_sharing(&self, _files: &[FileReport]) -> bool {
        true
    }
}

/// What [`Detached::draw`] drew: up to three lists of bytes (a format that
/// keeps its jobs, diagnostics and suppressed findings apart until the end
/// uses each), and how many items each holds.
#[derive(Default)]
pub(crate) struct Part {
    pub lists: [Vec<u8>; 3],
    pub items: [usize; 3],
}

/// Files per part of a batch rendered on one thread.
pub(crate) const PART: usize = 16;

/// Render a whole report with a file-by-file format.
pub(crate) fn render_all(
    format: &mut dyn FileByFile,
    report: &Report,
    out: &mut dyn Write,
) -> io::Result<()> {
    format.begin(out)?;
    let mut totals = Totals::default();
    for f in &report.files {
        totals.add(f);
        format.file(f, out)?;
    }
    format.end(
        &End {
            totals: &totals,
            notices: &report.notices,
            passed_over: &report.passed_over,
        },
        out,
    )
}

/// The writer of the formats for people: no line they print can be read
/// by GitHub as a workflow command (the github format writes its own,
/// escaped as GitHub says, and JSON puts every string in quotes).
enum Target<W: Write> {
    Plain(W),
    Guarded(crate::escape::Guarded<W>),
}

impl<W: Write> Write for Target<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Target::Plain(w) => w.write(buf),
            Target::Guarded(w) => w.write(buf),
        }
    }
    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match self {
            Target::Plain(w) => w.write_all(buf),
            Target::Guarded(w) => w.write_all(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Target::Plain(w) => w.flush(),
            Target::Guarded(w) => w.flush(),
        }
    }
}

/// A report rendered as the run goes: [`Streamer::file`] for each file in
/// order, then [`Streamer::finish`]. The output is the same as rendering the
/// whole report with [`super::render_with`].
pub struct Streamer<W: Write> {
    format: Box<dyn FileByFile + Send>,
    out: Target<W>,
    totals: Totals,
}

impl<W: Write> Streamer<W> {
    pub fn new(format: Format, style: Style, extras: Extras, out: W) -> io::Result<Streamer<W>> {
        let (format, guarded): (Box<dyn FileByFile + Send>, bool) = match format {
            Format::Json => (Box::new(super::json::JsonStream::default()), false),
            Format::Sarif => (Box::new(super::sarif::SarifStream::default()), false),
            Format::Github => (Box::new(super::github::Github), false),
            Format::Human => (
                Box::new(super::human::HumanStream::new(style, extras)),
                true,
            ),
            Format::Concise => (Box::new(super::concise::Concise { extras }), true),
            Format::Junit => (Box::new(super::junit::JunitStream::default()), true),
        };
        let mut out = match guarded {
            true => Target::Guarded(crate::escape::Guarded::new(out)),
            false => Target::Plain(out),
        };
        let mut format = format;
        format.begin(&mut out)?;
        Ok(Streamer {
            format,
            out,
            totals: Totals::default(),
        })
    }

    /// Render one file (files come in report order).
    pub fn file(&mut self, f: &FileReport) -> io::Result<()> {
        self.totals.add(f);
        self.format.file(f, &mut self.out)
    }

    /// How many files [`Streamer::files`] is best handed at once: more than
    /// one when the format renders a batch on several threads (the human
    /// format, whose snippets cost the most to draw, and JSON).
    pub fn batch(&self) -> usize {
        match self.format.detached() {
            Some(_) => 8 * PART,
            None => 1,
        }
    }

    /// Render files in report order: the same output as [`Streamer::file`]
    /// on each in turn. Every file is counted, even when writing fails.
    pub fn files(&mut self, files: &[FileReport]) -> io::Result<()> {
        for f in files {
            self.totals.add(f);
        }
        let shared = self
            .format
            .detached()
            .filter(|d| files.len() > PART && d.worth_sharing(files));
        let (Some(detached), Some(pool)) = (shared, drawing_pool()) else {
            for f in files {
                self.format.file(f, &mut self.out)?;
            }
            return Ok(());
        };
        use rayon::prelude::*;
        let parts: Vec<io::Result<Part>> = pool.install(|| {
            files
                .par_chunks(PART)
                .map(|run| {
                    let mut part = Part::default();
                    detached.draw(run, &mut part).map(|()| part)
                })
                .collect()
        });
        for part in parts {
            self.format.put(part?, &mut self.out)?;
        }
        Ok(())
    }

    /// Count a file without rendering it (once the output has failed).
    pub fn count(&mut self, f: &FileReport) {
        self.totals.add(f);
    }

    /// The totals of the files so far.
    pub fn totals(&self) -> &Totals {
        &self.totals
    }

    /// The end of the report; the totals of every file rendered.
    pub fn finish(mut self, notices: &[Notice], passed_over: &[PassedOver]) -> io::Result<Totals> {
        let end = End {
            totals: &self.totals,
            notices,
            passed_over,
        };
        self.format.end(&end, &mut self.out)?;
        self.out.flush()?;
        Ok(self.totals)
    }
}

/// The threads a batch is drawn on, made on first use; none when they
/// cannot be made (too little memory, too few threads allowed), and the
/// batch is drawn in turn. Not rayon's global pool, which panics when it
/// cannot be made; nor the readers', which may be waiting for this writer.
fn drawing_pool() -> Option<&'static rayon::ThreadPool> {
    static POOL: std::sync::OnceLock<Option<rayon::ThreadPool>> = std::sync::OnceLock::new();
    POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .thread_name(|i| format!("jobcheck-draw-{i}"))
            .build()
            .ok()
    })
    .as_ref()
}

/// Spaces to indent with.
const PAD: &[u8] = b"                                ";

/// Bytes kept in memory before a spool moves to a temporary file.
const SPOOL_IN_MEMORY: usize = 1 << 20;

/// Rendered parts kept until the end of the report: in memory while small,
/// then in an unnamed temporary file (in memory still if none can be made).
#[derive(Default)]
pub(crate) struct Spool {
    memory: Vec<u8>,
    file: Option<io::BufWriter<std::fs::File>>,
}

impl Spool {
    /// Copy everything written to `out`, and start over.
    pub fn copy_to(&mut self, out: &mut dyn Write) -> io::Result<()> {
        if let Some(file) = self.file.take() {
            let mut file = file.into_inner().map_err(|e| e.into_error())?;
            file.rewind()?;
            let mut buf = vec![0u8; 64 * 1024];
            loop {
                let n = file.read(&mut buf)?;
                if n == 0 {
                    break;
                }
                out.write_all(&buf[..n])?;
            }
        }
        out.write_all(&self.memory)?;
        self.memory = Vec::new();
        Ok(())
    }
}

impl Write for Spool {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if let Some(file) = &mut self.file {
            return file.write(buf);
        }
        self.memory.extend_from_slice(buf);
        if self.memory.len() > SPOOL_IN_MEMORY
            && let Ok(file) = tempfile::tempfile()
        {
            let mut file = io::BufWriter::with_capacity(64 * 1024, file);
            file.write_all(&self.memory)?;
            self.memory = Vec::new();
            self.file = Some(file);
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Write `value` as serde_json's pretty printer does at `indent` spaces of
/// depth, straight into `out`: the printer is first taken `indent / 2`
/// levels down (its indentation is its depth), so no line of the text is
/// copied again to be indented.
pub(crate) fn pretty_at<W: Write + ?Sized>(
    value: &impl serde::Serialize,
    indent: usize,
    out: &mut W,
) -> io::Result<()> {
    use serde_json::ser::{Formatter, PrettyFormatter};
    let mut formatter = PrettyFormatter::new();
    for _ in 0..indent / 2 {
        formatter.begin_array(&mut io::sink())?;
    }
    let mut serializer = serde_json::Serializer::with_formatter(out, formatter);
    value.serialize(&mut serializer).map_err(io::Error::from)
}

/// One item of a pretty JSON array whose items sit at `indent` spaces:
/// the separator (none before the first), a line break, the item.
pub(crate) fn array_item<W: Write + ?Sized>(
    first: bool,
    value: &impl serde::Serialize,
    indent: usize,
    out: &mut W,
) -> io::Result<()> {
    out.write_all(if first { b"\n" } else { b",\n" })?;
    out.write_all(&PAD[..indent])?;
    pretty_at(value, indent, out)
}

/// Close a pretty JSON array whose items sit at `indent` spaces (`[]` when
/// it had none).
pub(crate) fn close_array(any: bool, indent: usize, out: &mut dyn Write) -> io::Result<()> {
    if any {
        out.write_all(b"\n")?;
        out.write_all(&PAD[..indent - 2])?;
    }
    out.write_all(b"]")
}
