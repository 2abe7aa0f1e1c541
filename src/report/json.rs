//! The version-1 JSON report (`schemas/report.schema.json`).

use std::io::{self, Write};

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use super::stream::{
    Detached, End, FileByFile, Part, Spool, array_item, close_array, pretty_at, render_all,
};
use super::{FileReport, JobEntry, Renderer, Report, Summary};
use crate::units::{MIB, TimeLimit};
use crate::vocab::{AccelType, Amounts, LIMITS, LimitField, Quantity};

pub struct Json;

#[derive(Serialize)]
struct HiddenOut<'a> {
    by: &'static str,
    diagnostic: DiagOut<'a>,
}

fn diag_out<'a>(path: &'a str, d: &'a crate::diag::Diagnostic) -> DiagOut<'a> {
    DiagOut {
        code: d.code.as_str(),
        severity: d.severity.as_str(),
        message: &d.message,
        help: d.help.as_deref(),
        file: path,
        document: d.document,
        line: d.position.map(|p| p.line),
        column: d.position.map(|p| p.column),
        end_line: d.position.map(|p| p.end_line),
        end_column: d.position.map(|p| p.end_column),
        field: d.field.as_deref(),
        requested: d.requested.as_deref(),
        limit: d.limit.as_deref(),
        fix: d.fix.as_ref().and_then(|f| {
            let p = f.position?;
            Some(FixOut {
                replacement: &f.replacement,
                line: p.line,
                column: p.column,
                end_line: p.end_line,
                end_column: p.end_column,
                safe: f.safe,
            })
        }),
    }
}

#[derive(Serialize)]
struct SummaryOut {
    files: usize,
    jobs: usize,
    admitted: usize,
    rejected: usize,
    unjudged: usize,
    errors: usize,
    warnings: usize,
    suppressed: usize,
    /// Diagnostics left out (at most 100 are listed per document); only
    /// when some were.
    #[serde(skip_serializing_if = "Option::is_none")]
    hidden: Option<usize>,
}

impl From<Summary> for SummaryOut {
    fn from(s: Summary) -> Self {
        SummaryOut {
            files: s.files,
            jobs: s.jobs,
            admitted: s.admitted,
            rejected: s.rejected,
            unjudged: s.unjudged,
            errors: s.errors,
            warnings: s.warnings,
            suppressed: s.suppressed,
            hidden: None,
        }
    }
}

/// MiB as a JSON number: whole when it is whole.
/// Whole MiB, rounded up: every amount is read as whole MiB already, so
/// this never rounds in practice, and a report never shows a fraction.
fn mib(bytes: u64) -> u64 {
    bytes.div_ceil(MIB)
}

/// Seconds; `None` for unlimited.
fn seconds(t: TimeLimit) -> Option<u64> {
    match t {
        TimeLimit::Unlimited => None,
        TimeLimit::Finite(d) => Some(d.seconds),
    }
}

/// A job's `request` (`limits`: false) or `limits` object: one member per
/// row of the limit table that has one, in the table's order, null where
/// the value is absent (left out, for a member only shown when set).
struct AmountsOut<'a> {
    amounts: &'a Amounts,
    limits: bool,
    /// The limit table's rows ([`LIMITS`]; a test gives others).
    rows: &'a [LimitField],
}

impl AmountsOut<'_> {
    /// The object's members in order: name and value (`None` for null).
    fn members(&self) -> impl Iterator<Item = (&'static str, Option<u64>)> + '_ {
        self.rows.iter().filter_map(|row| {
            let member = match self.limits {
                true => Some(row.limits_member),
                false => row.request_member,
            }?;
            let value = self.amounts.get(row.limit).and_then(|v| match v {
                Quantity::Count(n) => Some(n),
                Quantity::Memory(bytes) => Some(mib(bytes)),
                Quantity::Time(t) => seconds(t),
            });
            (value.is_some() || !member.when_set).then_some((member.name, value))
        })
    }

    /// The object written at a job's members' depth, as serde_json's pretty
    /// printer writes it.
    fn put(&self, out: &mut Vec<u8>) {
        let mut any = false;
        for (name, value) in self.members() {
            out.extend_from_slice(if any {
                b",\n        \""
            } else {
                b"{\n        \""
            });
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(b"\": ");
            put_number(value, out);
            any = true;
        }
        out.extend_from_slice(if any { b"\n      }" } else { b"{}" });
    }
}

impl Serialize for AmountsOut<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        for (name, value) in self.members() {
            map.serialize_entry(name, &value)?;
        }
        map.end()
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct FixOut<'a> {
    replacement: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    safe: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DiagOut<'a> {
    code: &'static str,
    severity: &'static str,
    message: &'a str,
    help: Option<&'a str>,
    file: &'a str,
    document: Option<usize>,
    line: Option<usize>,
    column: Option<usize>,
    end_line: Option<usize>,
    end_column: Option<usize>,
    field: Option<&'a str>,
    requested: Option<&'a str>,
    limit: Option<&'a str>,
    fix: Option<FixOut<'a>>,
}

impl Renderer for Json {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        render_all(&mut JsonStream::default(), report, out)
    }
}

/// The JSON report file by file. The summary comes first in the document,
/// so each file's jobs, diagnostics and suppressed findings are written to
/// a spool of their own, and the document is put together at the end
/// (byte for byte what serde_json's pretty printer writes for [`Out`]).
#[derive(Default)]
pub(crate) struct JsonStream {
    jobs: Spool,
    diagnostics: Spool,
    suppressed: Spool,
    counts: [usize; 3],
}

/// Items of the three lists sit at this depth (in spaces).
const ITEM: usize = 4;

impl FileByFile for JsonStream {
    fn file(&mut self, f: &FileReport, out: &mut dyn Write) -> io::Result<()> {
        // One file is drawn as a batch's part is: one way to write an item.
        let mut part = Part::default();
        JsonDraw.draw(std::slice::from_ref(f), &mut part)?;
        self.put(part, out)
    }

    fn detached(&self) -> Option<&(dyn Detached + Sync)> {
        Some(&JsonDraw)
    }

    fn put(&mut self, part: Part, _out: &mut dyn Write) -> io::Result<()> {
        let spools = [&mut self.jobs, &mut self.diagnostics, &mut self.suppressed];
        for (k, spool) in spools.into_iter().enumerate() {
            if part.items[k] == 0 {
                continue;
            }
            // Drawn as later items: the list's first item has no comma.
            let text = &part.lists[k][..];
            spool.write_all(if self.counts[k] == 0 {
                &text[1..]
            } else {
                text
            })?;
            self.counts[k] += part.items[k];
        }
        Ok(())
    }

    fn end(&mut self, end: &End, out: &mut dyn Write) -> io::Result<()> {
        let mut summary: SummaryOut = end.totals.summary.into();
        summary.hidden = (end.totals.hidden > 0).then_some(end.totals.hidden);
        out.write_all(b"{\n  \"version\": 1,\n  \"summary\": ")?;
        pretty_at(&summary, 2, out)?;
        let lists = [
            ("jobs", &mut self.jobs),
            ("diagnostics", &mut self.diagnostics),
            ("suppressed", &mut self.suppressed),
        ];
        for ((name, spool), count) in lists.into_iter().zip(self.counts) {
            write!(out, ",\n  \"{name}\": [")?;
            spool.copy_to(out)?;
            close_array(count > 0, ITEM, out)?;
        }
        out.write_all(b"\n}\n")
    }
}

/// The JSON lists' items drawn apart from the stream (each as a later
/// item, after a comma), for [`JsonStream::put`] to take in order.
struct JsonDraw;

impl Detached for JsonDraw {
    fn draw(&self, files: &[FileReport], part: &mut Part) -> io::Result<()> {
        let [jobs, diagnostics, suppressed] = &mut part.lists;
        for f in files {
            for j in &f.jobs {
                put_job(&f.path, j, jobs);
            }
            for d in &f.diagnostics {
                array_item(false, &diag_out(&f.path, d), ITEM, diagnostics)?;
            }
            for s in &f.suppressed {
                let hidden = HiddenOut {
                    by: s.by.as_str(),
                    diagnostic: diag_out(&f.path, &s.diagnostic),
                };
                array_item(false, &hidden, ITEM, suppressed)?;
            }
            part.items[0] += f.jobs.len();
            part.items[1] += f.diagnostics.len();
            part.items[2] += f.suppressed.len();
        }
        Ok(())
    }
}

/// A job as a later item of the `jobs` list (after a comma), written by
/// hand: byte for byte what serde_json's pretty printer writes for the
/// member list below (a test compares the two), at a fraction of the cost,
/// since a report of many files is mostly this list.
///
/// `file`, `document`, `name`, `resourceGroup`, `acceleratorType`,
/// `verdict`, `reason` (strings or null), then the `request` and `limits`
/// objects ([`AmountsOut`]) or null.
fn put_job(path: &str, j: &JobEntry, out: &mut Vec<u8>) {
    out.extend_from_slice(b",\n    {\n      \"file\": ");
    put_str(Some(path), out);
    put_key("document", out);
    put_number(Some(j.document as u64), out);
    let strings = [
        ("name", j.name.as_deref()),
        ("resourceGroup", j.resource_group.as_deref()),
        ("acceleratorType", j.accelerator_type.map(AccelType::as_str)),
        ("verdict", Some(j.verdict.as_str())),
        ("reason", j.reason.as_deref()),
    ];
    for (name, value) in strings {
        put_key(name, out);
        put_str(value, out);
    }
    let objects = [
        ("request", j.request.as_ref().map(|r| (&r.amounts, false))),
        ("limits", j.limits.as_ref().map(|l| (l, true))),
    ];
    for (name, value) in objects {
        put_key(name, out);
        match value {
            Some((amounts, limits)) => AmountsOut {
                amounts,
                limits,
                rows: LIMITS,
            }
            .put(out),
            None => out.extend_from_slice(b"null"),
        }
    }
    out.extend_from_slice(b"\n    }");
}

/// A later member of a job, up to its value: `,`, a line break, the
/// members' indent, the key (ours: nothing in it to escape) and `: `.
fn put_key(name: &str, out: &mut Vec<u8>) {
    out.extend_from_slice(b",\n      \"");
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b"\": ");
}

/// A JSON string, or null.
fn put_str(value: Option<&str>, out: &mut Vec<u8>) {
    let Some(s) = value else {
        out.extend_from_slice(b"null");
        return;
    };
    if s.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
    } else {
        // Escapes written by serde_json itself (writing to memory cannot fail).
        let _ = serde_json::to_writer(&mut *out, s);
    }
}

/// A JSON number, or null.
fn put_number(value: Option<u64>, out: &mut Vec<u8>) {
    match value {
        Some(n) => out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes()),
        None => out.extend_from_slice(b"null"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Serializer;

    /// A job as serde writes it: what [`put_job`] must write by hand.
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct JobOut<'a> {
        file: &'a str,
        document: usize,
        name: Option<&'a str>,
        resource_group: Option<&'a str>,
        accelerator_type: Option<&'a str>,
        verdict: &'static str,
        reason: Option<&'a str>,
        request: Option<AmountsOut<'a>>,
        limits: Option<AmountsOut<'a>>,
    }

    fn job_out<'a>(path: &'a str, j: &'a JobEntry) -> JobOut<'a> {
        JobOut {
            file: path,
            document: j.document,
            name: j.name.as_deref(),
            resource_group: j.resource_group.as_deref(),
            accelerator_type: j.accelerator_type.map(AccelType::as_str),
            verdict: j.verdict.as_str(),
            reason: j.reason.as_deref(),
            request: j.request.as_ref().map(|r| AmountsOut {
                amounts: &r.amounts,
                limits: false,
                rows: LIMITS,
            }),
            limits: j.limits.as_ref().map(|l| AmountsOut {
                amounts: l,
                limits: true,
                rows: LIMITS,
            }),
        }
    }

    /// The report document. Jobs and diagnostics are serialized straight from
    /// the report as the writer takes them, without a list of their own.
    #[derive(Serialize)]
    struct Out<'a> {
        version: u32,
        summary: SummaryOut,
        jobs: Jobs<'a>,
        diagnostics: Diags<'a>,
        suppressed: Hidden<'a>,
    }

    struct Jobs<'a>(&'a Report);

    impl Serialize for Jobs<'_> {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            serializer.collect_seq(
                self.0
                    .files
                    .iter()
                    .flat_map(|f| f.jobs.iter().map(move |j| job_out(&f.path, j))),
            )
        }
    }

    struct Diags<'a>(&'a Report);

    impl Serialize for Diags<'_> {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            serializer.collect_seq(
                self.0
                    .files
                    .iter()
                    .flat_map(|f| f.diagnostics.iter().map(move |d| diag_out(&f.path, d))),
            )
        }
    }

    /// Suppressed findings: listed apart, so that `diagnostics` and the
    /// summary stay what decides the run, while a review still sees what a
    /// comment, `per-file-ignores` or the baseline hid.
    struct Hidden<'a>(&'a Report);

    impl Serialize for Hidden<'_> {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            serializer.collect_seq(self.0.files.iter().flat_map(|f| {
                f.suppressed.iter().map(move |s| HiddenOut {
                    by: s.by.as_str(),
                    diagnostic: diag_out(&f.path, &s.diagnostic),
                })
            }))
        }
    }

    fn whole(report: &Report) -> String {
        let mut summary: SummaryOut = report.summary().into();
        let hidden: usize = report
            .files
            .iter()
            .flat_map(|f| &f.hidden)
            .map(|h| h.1)
            .sum();
        summary.hidden = (hidden > 0).then_some(hidden);
        let doc = Out {
            version: 1,
            summary,
            jobs: Jobs(report),
            diagnostics: Diags(report),
            suppressed: Hidden(report),
        };
        serde_json::to_string_pretty(&doc).unwrap() + "\n"
    }

    fn rendered(report: &Report) -> String {
        let mut out = Vec::new();
        Json.render(report, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    fn amounts(cpus: u64) -> crate::vocab::Amounts {
        let mut amounts = crate::vocab::Amounts::default();
        amounts.set(crate::vocab::LimitKey::Cpus, Some(Quantity::Count(cpus)));
        amounts.set(
            crate::vocab::LimitKey::Memory,
            Some(Quantity::Memory(3 * MIB)),
        );
        amounts
    }

    #[test]
    fn file_by_file_is_what_the_whole_document_serializes_to() {
        use crate::diag::{Code, Diagnostic};
        use crate::report::{FileReport, JobEntry, Request, Suppressed, SuppressedBy, Verdict};
        let empty = Report::default();
        assert_eq!(rendered(&empty), whole(&empty));
        let mut d = Diagnostic::new(Code::CpusOverLimit, None, "too \"many\"\ncpus")
            .help("ask for 8")
            .field("cpus");
        d.document = Some(1);
        d = d.on_line(2, 7, 9);
        let job = JobEntry {
            document: 1,
            name: Some("train".into()),
            resource_group: Some("g".into()),
            accelerator_type: Some(AccelType::Gpu),
            verdict: Verdict::Rejected,
            reason: None,
            request: Some(Request {
                amounts: amounts(48),
                ..Request::default()
            }),
            limits: Some(amounts(8)),
        };
        let file = |path: &str, diags: bool, suppressed: bool| FileReport {
            path: path.into(),
            source: None,
            jobs: vec![
                job.clone(),
                JobEntry {
                    document: 2,
                    name: None,
                    ..job.clone()
                },
            ],
            diagnostics: if diags {
                vec![d.clone(), d.clone()]
            } else {
                Vec::new()
            },
            suppressed: if suppressed {
                vec![Suppressed {
                    diagnostic: d.clone(),
                    by: SuppressedBy::Baseline,
                }]
            } else {
                Vec::new()
            },
            hidden: if diags { vec![(1, 3)] } else { Vec::new() },
        };
        for files in [
            vec![file("a.yaml", false, false)],
            vec![file("a.yaml", true, false), file("b.yaml", false, true)],
            vec![file("a.yaml", true, true), file("b\"c.yaml", true, true)],
        ] {
            let report = Report {
                files,
                ..Report::default()
            };
            assert_eq!(rendered(&report), whole(&report));
        }
        // Batches drawn on several threads: the first diagnostic and the
        // first suppressed finding come late, in another part of a batch.
        let report = Report {
            files: (0..60)
                .map(|i| file(&format!("f{i:02}.yaml"), i >= 30, i >= 45))
                .collect(),
            ..Report::default()
        };
        let want = whole(&report);
        for batch in [1, 17, 60] {
            let mut out = Vec::new();
            let style = crate::report::Style {
                color: false,
                unicode: false,
                width: 80,
            };
            let mut streamer = crate::report::Streamer::new(
                crate::report::Format::Json,
                style,
                crate::report::Extras::default(),
                &mut out,
            )
            .unwrap();
            assert!(streamer.batch() > 16);
            for run in report.files.chunks(batch) {
                streamer.files(run).unwrap();
            }
            streamer.finish(&[], &[]).unwrap();
            assert_eq!(String::from_utf8(out).unwrap(), want, "batches of {batch}");
        }
    }

    #[test]
    fn a_large_report_spools_to_a_file_and_comes_back_whole() {
        use crate::report::{FileReport, JobEntry, Request, Verdict};
        let files: Vec<FileReport> = (0..8000)
            .map(|i| FileReport {
                path: format!("jobs/job-{i:05}.yaml"),
                source: None,
                jobs: vec![JobEntry {
                    document: 1,
                    name: Some(format!("job {i}")),
                    resource_group: Some("g".into()),
                    accelerator_type: Some(AccelType::Dcu),
                    verdict: Verdict::Admitted,
                    reason: None,
                    request: Some(Request::default()),
                    limits: None,
                }],
                diagnostics: Vec::new(),
                suppressed: Vec::new(),
                hidden: Vec::new(),
            })
            .collect();
        let report = Report {
            files,
            ..Report::default()
        };
        let text = rendered(&report);
        assert!(text.len() > 2 * (1 << 20), "{}", text.len());
        assert_eq!(text, whole(&report));
    }

    /// A job written by hand is what serde_json writes for it, whatever
    /// its strings hold and whichever members are null or empty.
    #[test]
    fn a_job_written_by_hand_is_what_serde_writes() {
        use crate::report::{JobEntry, Request, Verdict};
        let serde = |path: &str, j: &JobEntry| {
            let mut out = Vec::new();
            array_item(false, &job_out(path, j), ITEM, &mut out).unwrap();
            String::from_utf8(out).unwrap()
        };
        let by_hand = |path: &str, j: &JobEntry| {
            let mut out = Vec::new();
            put_job(path, j, &mut out);
            String::from_utf8(out).unwrap()
        };
        let mut limits = amounts(u64::MAX);
        limits.set(
            crate::vocab::LimitKey::Time,
            Some(Quantity::Time(TimeLimit::Unlimited)),
        );
        let full = JobEntry {
            document: 12,
            name: Some("train".into()),
            resource_group: Some("gpu-a".into()),
            accelerator_type: Some(AccelType::Gpu),
            verdict: Verdict::Rejected,
            reason: Some("no limits".into()),
            request: Some(Request {
                amounts: amounts(0),
                ..Request::default()
            }),
            limits: Some(limits),
        };
        let bare = JobEntry {
            document: 1,
            name: None,
            resource_group: None,
            accelerator_type: None,
            verdict: Verdict::Unjudged,
            reason: None,
            request: None,
            limits: None,
        };
        let strings = [
            "plain",
            "",
            "a \"quoted\" name",
            "back\\slash",
            "line\nbreak\ttab\r\u{8}\u{c}",
            "\u{0}\u{1f}\u{7f}",
            "名前 ✓ \u{1F600}",
        ];
        for text in strings {
            let odd = JobEntry {
                name: Some(text.into()),
                resource_group: Some(text.into()),
                reason: Some(text.into()),
                ..full.clone()
            };
            for j in [&full, &bare, &odd] {
                for path in ["jobs/a.yaml", text] {
                    assert_eq!(by_hand(path, j), serde(path, j), "{text:?}");
                }
            }
        }
        let empty = Request::default();
        let j = JobEntry {
            request: Some(empty),
            limits: Some(Amounts::default()),
            ..bare.clone()
        };
        assert_eq!(by_hand("a", &j), serde("a", &j));
        // An object with no member at all: every member shown only when set.
        let rows: Vec<LimitField> = LIMITS
            .iter()
            .map(|r| LimitField {
                limits_member: crate::vocab::Member {
                    when_set: true,
                    ..r.limits_member
                },
                ..*r
            })
            .collect();
        let none = AmountsOut {
            amounts: &Amounts::default(),
            limits: true,
            rows: &rows,
        };
        let mut hand = Vec::new();
        none.put(&mut hand);
        let mut want = Vec::new();
        pretty_at(&none, 6, &mut want).unwrap();
        assert_eq!(String::from_utf8(hand).unwrap(), "{}");
        assert_eq!(String::from_utf8(want).unwrap(), "{}");
    }

    /// A limit whose members are shown only when set (a new limit's) is
    /// left out when absent, never null; the others stay, null or not.
    #[test]
    fn a_member_shown_only_when_set_is_left_out_when_absent() {
        use crate::vocab::{LimitKey, Member};
        let mut rows = LIMITS.to_vec();
        let memory = rows
            .iter_mut()
            .find(|r| r.limit == LimitKey::Memory)
            .unwrap();
        for m in [&mut memory.limits_member]
            .into_iter()
            .chain(memory.request_member.as_mut())
        {
            *m = Member {
                when_set: true,
                ..*m
            };
        }
        let show = |amounts: &Amounts, limits: bool| {
            serde_json::to_value(AmountsOut {
                amounts,
                limits,
                rows: &rows,
            })
            .unwrap()
        };
        let mut amounts = Amounts::default();
        amounts.set(LimitKey::Cpus, Some(Quantity::Count(8)));
        for limits in [false, true] {
            let out = show(&amounts, limits);
            assert!(out.get("memoryMiB").is_none(), "{out}");
            assert_eq!(out["cpus"], 8);
            // A member always shown is null when absent.
            assert!(out["nodes"].is_null(), "{out}");
        }
        amounts.set(LimitKey::Memory, Some(Quantity::Memory(2 * MIB)));
        assert_eq!(show(&amounts, false)["memoryMiB"], 2);
        assert_eq!(show(&amounts, true)["memoryMiB"], 2);
    }
}
