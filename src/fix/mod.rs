//! `check --fix` and `--diff`: the diagnostics' edits applied to the files'
//! text, byte for byte everywhere else (comments, quoting, key order,
//! indentation, line endings and the file's encoding stay as they were).
//!
//! A run of fixes reads each file once, then checks, applies every fix it
//! may (safe ones, and unsafe ones with `--unsafe-fixes`) and checks the new
//! text again, until no fix is left to apply (at most [`MAX_ROUNDS`]
//! rounds). The last check is the report of what remains. Nothing here
//! writes to a terminal: `main` prints, writes ([`write`]) or shows the
//! difference ([`diff`]).

mod args;
pub mod diff;
pub mod write;

pub use args::Flags;

use std::collections::HashMap;
use std::io::Read;
use std::sync::Mutex;
use std::sync::mpsc::Receiver;

use crate::diag::{Diagnostic, Fix};
use crate::limits::{LimitSource, Lookup, Pair};
use crate::pipeline::{self, Input, MAX_FILE_BYTES, Options, Source};
use crate::report::Report;

/// How many times a run checks and fixes again at most: a fix that makes
/// room for another (two edits of one value) is applied in a later round.
pub const MAX_ROUNDS: usize = 10;

/// How a file's bytes encode its text, so that fixed text is written back
/// the same way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8, with or without a byte-order mark (the mark is in the text).
    Utf8,
    Utf16 {
        big_endian: bool,
    },
    Utf32 {
        big_endian: bool,
    },
}

impl Encoding {
    /// The encoding the reader sees in a file's first bytes.
    pub fn of(bytes: &[u8]) -> Encoding {
        match bytes {
            [0, 0, 0xfe, 0xff, ..] => Encoding::Utf32 { big_endian: true },
            [0xff, 0xfe, 0, 0, ..] => Encoding::Utf32 { big_endian: false },
            [0xfe, 0xff, ..] => Encoding::Utf16 { big_endian: true },
            [0xff, 0xfe, ..] => Encoding::Utf16 { big_endian: false },
            _ => Encoding::Utf8,
        }
    }

    /// The text (its byte-order mark included, as decoded) in this encoding.
    pub fn encode(self, text: &str) -> Vec<u8> {
        match self {
            Encoding::Utf8 => text.as_bytes().to_vec(),
            Encoding::Utf16 { big_endian } => text
                .encode_utf16()
                .flat_map(|u| {
                    if big_endian {
                        u.to_be_bytes()
                    } else {
                        u.to_le_bytes()
                    }
                })
                .collect(),
            Encoding::Utf32 { big_endian } => text
                .chars()
                .flat_map(|c| {
                    if big_endian {
                        (c as u32).to_be_bytes()
                    } else {
                        (c as u32).to_le_bytes()
                    }
                })
                .collect(),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Encoding::Utf8 => "UTF-8",
            Encoding::Utf16 { .. } => "UTF-16",
            Encoding::Utf32 { .. } => "UTF-32",
        }
    }
}

pub use crate::fsread::shown;

/// Which fixes a run applies.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Mode {
    /// Also the fixes that change what is asked for.
    pub unsafe_fixes: bool,
}

impl Mode {
    pub fn takes(self, fix: &Fix) -> bool {
        fix.safe || self.unsafe_fixes
    }
}

/// Apply the fixes of `diagnostics` that `mode` takes to `text`. Edits that
/// overlap one already taken (or touch it, where one of them inserts) are
/// left for a later round. Returns the new text and how many were applied.
pub fn apply(text: &str, diagnostics: &[Diagnostic], mode: Mode) -> (String, usize) {
    let mut fixes: Vec<&Fix> = diagnostics
        .iter()
        .filter_map(|d| d.fix.as_ref())
        .filter(|f| mode.takes(f))
        .filter(|f| {
            f.span.end <= text.len()
                && text.is_char_boundary(f.span.start)
                && text.is_char_boundary(f.span.end)
        })
        .collect();
    fixes.sort_by_key(|f| (f.span.start, f.span.end));
    fixes.dedup_by(|a, b| a.span == b.span && a.replacement == b.replacement);
    let mut taken: Vec<&Fix> = Vec::with_capacity(fixes.len());
    for f in fixes {
        if let Some(last) = taken.last() {
            let touches =
                f.span.start == last.span.end && (f.span.is_empty() || last.span.is_empty());
            if f.span.start < last.span.end || touches {
                continue;
            }
        }
        taken.push(f);
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut at = 0;
    for f in &taken {
        out.push_str(&text[at..f.span.start]);
        out.push_str(&f.replacement);
        at = f.span.end;
    }
    out.push_str(&text[at..]);
    (out, taken.len())
}

/// One input after a run of fixes.
#[derive(Clone, Debug)]
pub struct Fixed {
    /// Where it came from (a path, or standard input).
    pub source: Source,
    /// The name reports give it.
    pub display: String,
    /// The bytes as read (empty when the file could not be read).
    pub original: Vec<u8>,
    pub encoding: Encoding,
    /// The text as read and after the fixes (equal when none applied).
    pub before: String,
    pub after: String,
    /// How many fixes were applied.
    pub count: usize,
    /// Why the file was left alone although it may have had fixes.
    pub refused: Option<String>,
    /// Whether its text could be read (else the check says why).
    read: bool,
    have_bytes: bool,
    /// Found by a walk (so passed over when it is not a job file).
    walked: bool,
}

impl Fixed {
    /// The fixed text in the file's own encoding.
    pub fn bytes(&self) -> Vec<u8> {
        self.encoding.encode(&self.after)
    }

    pub fn changed(&self) -> bool {
        self.count > 0 && self.before != self.after
    }
}

/// Read an input's bytes as the pipeline would, or `None` when it cannot be
/// read (the check then reports why).
fn read_bytes(input: &Input) -> Option<Vec<u8>> {
    match &input.source {
        Source::Bytes(b) => Some(b.clone()),
        Source::Stdin => {
            let mut bytes = Vec::new();
            std::io::stdin()
                .lock()
                .take(MAX_FILE_BYTES + 1)
                .read_to_end(&mut bytes)
                .ok()?;
            Some(bytes)
        }
        Source::File(path) => crate::fsread::read_capped(path, MAX_FILE_BYTES).ok(),
    }
}

/// Why a file on disk may not be rewritten, if it may not.
fn refusal(source: &Source) -> Option<String> {
    let Source::File(path) = source else {
        return None;
    };
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => Some(
            "it is a symbolic link; a fix is never written through a link (fix the file it points to)"
                .into(),
        ),
        _ => None,
    }
}

/// Check the inputs, apply the fixes `mode` takes and check again until
/// none is left. Returns the report of the last check (what remains) and
/// each input's outcome, in input order.
pub fn run(
    inputs: Vec<Input>,
    source: &dyn LimitSource,
    options: &Options,
    mode: Mode,
) -> (Report, Vec<Fixed>) {
    let memo = Memo::new(source);
    let mut fixed: Vec<Fixed> = inputs
        .into_iter()
        .map(|input| {
            let refused = refusal(&input.source);
            let original = read_bytes(&input);
            let encoding = original.as_deref().map_or(Encoding::Utf8, Encoding::of);
            let text = original.clone().and_then(|b| crate::syntax::decode(b).ok());
            Fixed {
                walked: input.walked,
                read: text.is_some(),
                have_bytes: original.is_some(),
                source: input.source,
                display: input.display,
                original: original.unwrap_or_default(),
                encoding,
                before: text.clone().unwrap_or_default(),
                after: text.unwrap_or_default(),
                count: 0,
                refused,
            }
        })
        .collect();
    let mut report = Report::default();
    for round in 0..MAX_ROUNDS {
        // Every round checks the text in memory: each file is read once.
        let inputs: Vec<Input> = fixed
            .iter()
            .map(|f| Input {
                walked: f.walked,
                display: f.display.clone(),
                source: if f.read && round > 0 {
                    Source::Bytes(f.after.as_bytes().to_vec())
                } else if f.have_bytes {
                    Source::Bytes(f.original.clone())
                } else {
                    f.source.clone()
                },
            })
            .collect();
        report = pipeline::check_inputs(inputs, &memo, options);
        let mut applied = 0;
        for (f, file) in fixed.iter_mut().zip(&report.files) {
            if f.refused.is_some() || !f.read {
                continue;
            }
            let Some(text) = &file.source else { continue };
            if *text != f.after {
                continue;
            }
            let (new, n) = apply(text, &file.diagnostics, mode);
            if n > 0 && new != f.after {
                f.after = new;
                f.count += n;
                applied += n;
            }
        }
        if applied == 0 {
            break;
        }
    }
    (report, fixed)
}

/// What is left to do after a run of fixes: messages for standard error,
/// the diff (with `--diff`) and the fixed text of standard input.
#[derive(Debug, Default)]
pub struct Finish {
    pub messages: Vec<String>,
    pub diff: String,
    pub stdin: Option<Vec<u8>>,
    /// Whether a file could not be written.
    pub failed: bool,
}

/// Write each changed file (or, with `diff`, only describe the change),
/// and say what was done.
pub fn finish(fixed: &[Fixed], report: &Report, mode: Mode, diff: bool) -> Finish {
    let mut done = Finish::default();
    let noun = |n: usize| crate::report::count(n, "fix", "fixes");
    for f in fixed {
        let name = shown(&f.display);
        if let Some(why) = &f.refused {
            let pending = report.files.iter().any(|r| {
                r.path == f.display
                    && r.diagnostics
                        .iter()
                        .any(|d| d.fix.as_ref().is_some_and(|x| mode.takes(x)))
            });
            if pending {
                done.messages
                    .push(format!("warning: `{name}` not fixed: {why}"));
            }
            continue;
        }
        if diff {
            if f.changed() {
                if f.encoding != Encoding::Utf8 {
                    done.messages.push(format!(
                        "note: `{name}` is {}; the diff shows its text as UTF-8",
                        f.encoding.name()
                    ));
                }
                done.diff
                    .push_str(&diff::unified(&f.display, &f.before, &f.after));
                done.messages
                    .push(format!("would apply {} to {name}", noun(f.count)));
            }
            continue;
        }
        match &f.source {
            Source::Stdin => done.stdin = Some(f.bytes()),
            // Written back where it was read (and allowed to be read).
            Source::File(path) if f.changed() => {
                match write::atomic(path, &f.bytes(), write::Confine::AsRead) {
                    Ok(()) => done
                        .messages
                        .push(format!("applied {} to {name}", noun(f.count))),
                    Err(e) => {
                        done.messages
                            .push(format!("error: cannot write the fixes to `{name}`: {e}"));
                        done.failed = true;
                    }
                }
            }
            _ => {}
        }
    }
    let waiting = report
        .files
        .iter()
        .flat_map(|f| &f.diagnostics)
        .filter(|d| d.fix.as_ref().is_some_and(|f| !mode.takes(f)))
        .count();
    if waiting > 0 {
        let (is, them) = if waiting == 1 {
            ("fix is", "it")
        } else {
            ("fixes are", "them")
        };
        done.messages.push(format!(
            "{waiting} more {is} unsafe (they change what is asked for): --unsafe-fixes applies {them}"
        ));
    }
    done
}

/// `--fix` / `--diff`: the run of fixes, then the files written (or, with
/// `--diff`, the difference made). Returns the report of what remains.
pub fn fix_files(
    flags: &Flags,
    inputs: Vec<Input>,
    source: &dyn LimitSource,
    options: &Options,
) -> (Report, Finish) {
    let mode = Mode {
        unsafe_fixes: flags.unsafe_fixes,
    };
    let (report, fixed) = run(inputs, source, options, mode);
    let done = finish(&fixed, &report, mode, flags.diff);
    (report, done)
}

/// Read `--baseline FILE`, or say why it cannot be used.
pub fn read_baseline(path: &std::path::Path) -> Result<pipeline::baseline::Baseline, String> {
    let name = shown(&pipeline::display_path(path));
    let text = crate::fsread::read_small(path)
        .map_err(|e| format!("cannot read the baseline `{name}`: {e}"))?;
    pipeline::baseline::Baseline::parse(&text, pipeline::baseline::base_of(path))
        .map_err(|e| format!("the baseline `{name}` cannot be used: {e}"))
}

/// `--write-baseline FILE`: the run's findings, written atomically. Returns
/// what to tell and the exit status (3 when some job was not judged, so
/// the baseline lacks its limit findings), or why it could not be written.
pub fn write_baseline(
    path: &std::path::Path,
    report: &Report,
) -> Result<(Vec<String>, u8), String> {
    use crate::pipeline::verdict::{ADMITTED, UNAVAILABLE};
    let name = shown(&pipeline::display_path(path));
    let (text, count) = pipeline::baseline::render(report, &pipeline::baseline::base_of(path));
    write::atomic(path, text.as_bytes(), write::Confine::Directory)
        .map_err(|e| format!("cannot write the baseline `{name}`: {e}"))?;
    let mut lines = vec![format!(
        "wrote {} to the baseline {name}",
        crate::report::count(count, "finding", "findings")
    )];
    let unjudged = report.summary().unjudged;
    if unjudged == 0 && report.notices.is_empty() {
        return Ok((lines, ADMITTED));
    }
    lines.extend(report.notices.iter().map(|n| n.to_string()));
    lines.push(format!(
        "warning: {} could not be judged, so the baseline lacks their limit findings",
        crate::report::count(unjudged, "job", "jobs")
    ));
    Ok((lines, UNAVAILABLE))
}

/// A limit source that answers each pair once for the whole run of fixes:
/// every later round is answered from what the first one was told.
struct Memo<'a> {
    inner: &'a dyn LimitSource,
    known: Mutex<HashMap<Pair, Lookup>>,
}

impl<'a> Memo<'a> {
    fn new(inner: &'a dyn LimitSource) -> Memo<'a> {
        Memo {
            inner,
            known: Mutex::new(HashMap::new()),
        }
    }

    fn remember(&self, pair: &Pair, lookup: &Lookup) {
        if let Ok(mut known) = self.known.lock() {
            known.insert(pair.clone(), lookup.clone());
        }
    }
}

impl LimitSource for Memo<'_> {
    fn lookup(&self, pairs: &[Pair]) -> Vec<Lookup> {
        let known = self.known.lock().map(|k| k.clone()).unwrap_or_default();
        let missing: Vec<Pair> = pairs
            .iter()
            .filter(|p| !known.contains_key(*p))
            .cloned()
            .collect();
        let mut fresh: HashMap<Pair, Lookup> = HashMap::new();
        if !missing.is_empty() {
            for (p, l) in missing.iter().zip(self.inner.lookup(&missing)) {
                self.remember(p, &l);
                fresh.insert(p.clone(), l);
            }
        }
        pairs
            .iter()
            .map(|p| {
                known
                    .get(p)
                    .or_else(|| fresh.get(p))
                    .cloned()
                    .unwrap_or_else(|| Lookup::Unavailable {
                        reason: "the limit source gave no answer".into(),
                    })
            })
            .collect()
    }

    fn lookup_stream(&self, pairs: Receiver<Pair>, answer: &mut dyn FnMut(Pair, Lookup)) {
        let first = self.known.lock().map(|k| k.is_empty()).unwrap_or(false);
        if first {
            // The first round streams, as a plain check does.
            self.inner.lookup_stream(pairs, &mut |pair, lookup| {
                self.remember(&pair, &lookup);
                answer(pair, lookup);
            });
            return;
        }
        let unique = crate::limits::distinct(pairs);
        if unique.is_empty() {
            return;
        }
        for (pair, lookup) in unique.iter().cloned().zip(self.lookup(&unique)) {
            answer(pair, lookup);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::{Code, Span};

    fn diag(start: usize, end: usize, replacement: &str, safe: bool) -> Diagnostic {
        let d = Diagnostic::new(Code::InvalidValue, Some(Span::new(start, end)), "x");
        if safe {
            d.fix(Span::new(start, end), replacement)
        } else {
            d.unsafe_fix(Span::new(start, end), replacement)
        }
    }

    #[test]
    fn edits_apply_from_the_text_untouched_elsewhere() {
        let text = "a: 1  # one\r\nb: 2\r\n";
        let d = [diag(3, 4, "9", true), diag(16, 17, "8", true)];
        let (out, n) = apply(text, &d, Mode::default());
        assert_eq!((out.as_str(), n), ("a: 9  # one\r\nb: 8\r\n", 2));
    }

    #[test]
    fn unsafe_edits_wait_for_the_flag_and_overlaps_for_a_later_round() {
        let text = "cpus: 16\n";
        let d = [diag(6, 8, "8", false), diag(8, 8, "M", true)];
        assert_eq!(apply(text, &d, Mode::default()), ("cpus: 16M\n".into(), 1));
        let all = Mode { unsafe_fixes: true };
        assert_eq!(apply(text, &d, all), ("cpus: 8\n".into(), 1));
        let broken = [diag(6, 99, "x", true)];
        assert_eq!(apply(text, &broken, all), (text.into(), 0));
    }

    #[test]
    fn encodings_round_trip() {
        let text = "\u{feff}a: 1\r\nb: \"ö 🚀\"\r\n";
        for enc in [
            Encoding::Utf8,
            Encoding::Utf16 { big_endian: true },
            Encoding::Utf16 { big_endian: false },
            Encoding::Utf32 { big_endian: true },
            Encoding::Utf32 { big_endian: false },
        ] {
            let bytes = enc.encode(text);
            assert_eq!(Encoding::of(&bytes), enc);
            assert_eq!(crate::syntax::decode(bytes).as_deref(), Ok(text));
        }
    }
}
