//! A check run whose report is written as the files are judged: each file
//! is rendered and dropped once it and every file before it are done (the
//! human and JSON formats take them in batches of up to 128, drawn on
//! several threads), so memory does not grow with the number of files.

use std::io::Write;
use std::path::Path;

use super::failure::{Failure, Outcome};
use jobcheck::limits::LimitSource;
use jobcheck::pipeline::verdict;
use jobcheck::pipeline::{self, Inputs, Options, RunEnd, TooManyPairs, UsageError};
use jobcheck::report::{Extras, Format, Notice, Streamer, Style, Totals};

/// How a streamed run ended.
pub enum Streamed {
    /// Every file judged; the report written, or why it could not be (the
    /// totals still count every file).
    Done(Totals, RunEnd, std::io::Result<()>),
    /// The inputs name too many pairs: nothing more was written.
    TooMany(TooManyPairs),
    /// The walk stopped (a directory that cannot be listed): the files
    /// found before were checked, and the report was not finished.
    Unlisted(UsageError),
    /// The report could not be started.
    Failed(std::io::Error),
}

/// What a run renders and where.
pub struct Output<'a> {
    pub format: Format,
    pub style: Style,
    pub extras: Extras,
    /// `--output-file`: a new file renamed over this path once the report is
    /// complete (never written through a planted link); else standard output.
    pub file: Option<&'a Path>,
}

/// Check `inputs` and write the report as the run goes.
pub fn run(
    inputs: Inputs,
    source: &dyn LimitSource,
    options: &Options,
    output: Output,
) -> Streamed {
    let mut outcome = None;
    let unlisted = inputs.failure();
    let render = |out: &mut (dyn Write + Send)| -> std::io::Result<()> {
        let mut streamer = Streamer::new(output.format, output.style, output.extras, out)?;
        let mut failed = None;
        // Files are handed on in batches when the format draws a batch on
        // several threads; the order of the report is the same.
        let batch = streamer.batch();
        let mut pending: Vec<jobcheck::report::FileReport> = Vec::with_capacity(batch);
        let write = |streamer: &mut Streamer<_>, pending: &mut Vec<_>, failed: &mut Option<_>| {
            if failed.is_some() {
                pending.iter().for_each(|f| streamer.count(f));
            } else if let Err(e) = streamer.files(pending) {
                *failed = Some(e);
            }
            pending.clear();
        };
        let result = pipeline::check_streaming(inputs, source, options, &mut |f| {
            pending.push(f);
            if pending.len() >= batch {
                write(&mut streamer, &mut pending, &mut failed);
            }
        });
        write(&mut streamer, &mut pending, &mut failed);
        if let Some(e) = unlisted.lock().ok().and_then(|mut f| f.take()) {
            let message = e.to_string();
            outcome = Some(Streamed::Unlisted(e));
            return Err(std::io::Error::other(message));
        }
        let end = match result {
            Ok(end) => end,
            Err(too_many) => {
                let message = too_many.to_string();
                outcome = Some(Streamed::TooMany(too_many));
                return Err(std::io::Error::other(message));
            }
        };
        let totals = streamer.totals().clone();
        let written = match failed {
            Some(e) => Err(e),
            None => streamer.finish(&end.notices, &end.passed_over).map(drop),
        };
        outcome = Some(Streamed::Done(totals, end, Ok(())));
        written
    };
    let written = match output.file {
        Some(path) => jobcheck::fsread::replace_file(path, render),
        None => {
            let mut out = std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout());
            render(&mut out).and_then(|()| out.flush())
        }
    };
    match (outcome, written) {
        (Some(Streamed::Done(totals, end, _)), written) => Streamed::Done(totals, end, written),
        (Some(other), _) => other,
        (None, Err(e)) => Streamed::Failed(e),
        (None, Ok(())) => Streamed::Failed(std::io::Error::other("the report was not written")),
    }
}

/// `jobcheck check` without `--fix`, `--diff` or `--write-baseline`: the
/// report written as the run goes, then what follows it; the exit status.
pub fn check(
    args: &crate::CheckArgs,
    inputs: Inputs,
    source: &dyn LimitSource,
    options: &Options,
    format: Format,
    no_limits: Option<String>,
) -> Outcome {
    use std::io::IsTerminal;
    let to_terminal = args.output_file.is_none() && std::io::stdout().is_terminal();
    let output = Output {
        format,
        style: crate::style(args.color, to_terminal),
        extras: Extras {
            quiet: args.quiet,
            statistics: args.statistics,
            table: args.table,
        },
        file: args.output_file.as_deref(),
    };
    let cannot_write = |e: std::io::Error| Failure::usage(format!("cannot write the report: {e}"));
    let (totals, end) = match run(inputs, source, options, output) {
        Streamed::Done(totals, end, written) => {
            if let Err(e) = written
                && e.kind() != std::io::ErrorKind::BrokenPipe
            {
                return Err(cannot_write(e));
            }
            (totals, end)
        }
        Streamed::TooMany(too_many) => return Err(Failure::usage(too_many)),
        Streamed::Unlisted(e) => return Err(Failure::usage(e)),
        Streamed::Failed(e) => return Err(cannot_write(e)),
    };
    if args.limits.verbose {
        for p in &end.passed_over {
            eprintln!("passed over {} ({})", p.path, p.reason);
        }
    }
    after_report(args, options, format, &end.notices, no_limits)?;
    Ok(verdict::exit_code_of(
        &totals.summary,
        !end.notices.is_empty(),
        args.deny_warnings,
    ))
}

/// What follows the report: run-wide problems on standard error (machine
/// formats and quiet output stay clean on standard output) and what the
/// fixing flags have to say; a run without limits then ends with a usage
/// error.
pub fn after_report(
    args: &crate::CheckArgs,
    options: &Options,
    format: Format,
    notices: &[Notice],
    no_limits: Option<String>,
) -> Result<(), Failure> {
    if format != Format::Human || args.quiet {
        for notice in notices {
            eprintln!("{notice}");
        }
    }
    args.fixing
        .tell(options)
        .iter()
        .for_each(|l| eprintln!("{l}"));
    match no_limits {
        Some(message) => Err(Failure::usage(message)),
        None => Ok(()),
    }
}
