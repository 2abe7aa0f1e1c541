//! The version-1 JSON report (DESIGN §5, `schemas/report.schema.json`).

use std::io::{self, Write};

use serde::{Serialize, Serializer};

use super::{Renderer, Report, Summary};

pub struct Json;

/// The report document. Jobs and diagnostics are serialized straight from
/// the report as the writer takes them, without a list of their own.
#[derive(Serialize)]
struct Out<'a> {
    version: u32,
    summary: SummaryOut,
    jobs: Jobs<'a>,
    diagnostics: Diags<'a>,
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
                accelerator_type: j.accelerator_type,
                verdict: j.verdict.as_str(),
                reason: j.reason.as_deref(),
            })
        }))
    }
}

struct Diags<'a>(&'a Report);

impl Serialize for Diags<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.files.iter().flat_map(|f| {
            f.diagnostics.iter().map(move |d| DiagOut {
                code: d.code.as_str(),
                severity: d.severity.as_str(),
                message: &d.message,
                help: d.help.as_deref(),
                file: &f.path,
                document: d.document,
                line: d.position.map(|p| p.line),
                column: d.position.map(|p| p.column),
                end_line: d.position.map(|p| p.end_line),
                end_column: d.position.map(|p| p.end_column),
                field: d.field.as_deref(),
                requested: d.requested.as_deref(),
                limit: d.limit.as_deref(),
            })
        }))
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
}

impl Renderer for Json {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        let doc = Out {
            version: 1,
            summary: report.summary().into(),
            jobs: Jobs(report),
            diagnostics: Diags(report),
        };
        serde_json::to_writer_pretty(&mut *out, &doc)?;
        writeln!(out)
    }
}

/// `schemas/report.schema.json`: the contract of this format.
pub const REPORT_SCHEMA: &str = include_str!("../../schemas/report.schema.json");
