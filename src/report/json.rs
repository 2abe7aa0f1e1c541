//! The version-1 JSON report (`schemas/report.schema.json`).

use std::io::{self, Write};

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use super::{Renderer, Report, Summary};
use crate::units::{MIB, TimeLimit};
use crate::vocab::{AccelType, Amounts, LIMITS, Quantity};

pub struct Json;

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
        serializer.collect_seq(self.0.files.iter().flat_map(|f| {
            f.jobs.iter().map(move |j| JobOut {
                file: &f.path,
                document: j.document,
                name: j.name.as_deref(),
                resource_group: j.resource_group.as_deref(),
                accelerator_type: j.accelerator_type.map(AccelType::as_str),
                verdict: j.verdict.as_str(),
                reason: j.reason.as_deref(),
                request: j.request.as_ref().map(|r| AmountsOut {
                    amounts: &r.amounts,
                    limits: false,
                }),
                limits: j.limits.as_ref().map(|l| AmountsOut {
                    amounts: l,
                    limits: true,
                }),
            })
        }))
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
}

impl Serialize for AmountsOut<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        for row in LIMITS {
            let member = match self.limits {
                true => Some(row.limits_member),
                false => row.request_member,
            };
            let Some(member) = member else { continue };
            let value = self.amounts.get(row.limit).and_then(|v| match v {
                Quantity::Count(n) => Some(n),
                Quantity::Memory(bytes) => Some(mib(bytes)),
                Quantity::Time(t) => seconds(t),
            });
            if value.is_none() && member.when_set {
                continue;
            }
            map.serialize_entry(member.name, &value)?;
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
        let hidden: usize = report
            .files
            .iter()
            .flat_map(|f| &f.hidden)
            .map(|h| h.1)
            .sum();
        let mut summary: SummaryOut = report.summary().into();
        summary.hidden = (hidden > 0).then_some(hidden);
        let doc = Out {
            version: 1,
            summary,
            jobs: Jobs(report),
            diagnostics: Diags(report),
            suppressed: Hidden(report),
        };
        serde_json::to_writer_pretty(&mut *out, &doc)?;
        writeln!(out)
    }
}
