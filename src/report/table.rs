//! `check --table`: one row per job, each value it asks beside the limit it
//! was judged against (`8 / 40`), a value over its limit marked (`48 > 40`,
//! in red on a terminal).

use std::collections::HashSet;
use std::io::{self, Write};
use unicode_width::UnicodeWidthStr;

use super::{JobEntry, Report};
use crate::diag::Code;
use crate::units::{Duration, Memory, TimeLimit};
use crate::vocab::{AccelType, LIMITS, LimitField, LimitKey, Quantity};

/// The limits with a column: every limit of the limit table (the quota is
/// shown in the cards' limit), but one whose report members are shown only
/// when set only when a job of the report asks for it or is judged against
/// it.
fn columns(report: &Report) -> Vec<&'static LimitField> {
    let jobs = || report.files.iter().flat_map(|f| &f.jobs);
    LIMITS
        .iter()
        .filter(|r| r.limit != LimitKey::Quota)
        .filter(|r| {
            let always = !r.limits_member.when_set || r.request_member.is_some_and(|m| !m.when_set);
            always
                || jobs().any(|job| {
                    let asked = job.request.as_ref().map(|q| q.amounts.get(r.limit));
                    let limit = job.limits.as_ref().map(|l| l.get(r.limit));
                    asked.flatten().is_some() || limit.flatten().is_some()
                })
        })
        .collect()
}

/// The columns: the job, its group, one per limit (by its name), its
/// verdict.
fn headers(columns: &[&LimitField]) -> Vec<&'static str> {
    let mut out = vec!["job", "group"];
    out.extend(columns.iter().map(|r| r.name));
    out.push("verdict");
    out
}

/// One cell: its text and whether it is over its limit.
struct Cell {
    text: String,
    over: bool,
}

fn plain(text: impl Into<String>) -> Cell {
    Cell {
        text: text.into(),
        over: false,
    }
}

fn pair(request: Option<String>, limit: Option<String>, judged: bool, over: bool) -> Cell {
    let request = request.unwrap_or_else(|| "-".into());
    let text = match (judged, limit) {
        (false, _) => request,
        (true, None) => format!("{request} / ?"),
        (true, Some(limit)) if over => format!("{request} > {limit}"),
        (true, Some(limit)) => format!("{request} / {limit}"),
    };
    Cell { text, over }
}

fn memory(bytes: u64) -> String {
    Memory {
        bytes,
        had_unit: true,
    }
    .compact()
}

fn time(t: TimeLimit) -> String {
    match t {
        TimeLimit::Unlimited => "unlimited".into(),
        TimeLimit::Finite(d) => Duration { seconds: d.seconds }.slurm(),
    }
}

/// A value as the table writes it.
fn text(q: Quantity) -> String {
    match q {
        Quantity::Count(n) => n.to_string(),
        Quantity::Memory(bytes) => memory(bytes),
        Quantity::Time(t) => time(t),
    }
}

fn row(
    path: &str,
    job: &JobEntry,
    columns: &[&LimitField],
    over: &dyn Fn(&[Code]) -> bool,
) -> Vec<Cell> {
    let r = job.request.clone().unwrap_or_default().amounts;
    let judged = job.limits.is_some();
    let l = job.limits.clone().unwrap_or_default();
    let name = match &job.name {
        Some(name) => crate::escape::text(name).into_owned(),
        None => format!("{}#{}", crate::escape::path(path), job.document),
    };
    let kind = job
        .accelerator_type
        .filter(|t| *t != AccelType::Cpu)
        .map(AccelType::as_str);
    let mut cells = vec![
        plain(name),
        plain(
            job.resource_group
                .as_deref()
                .map_or_else(|| "-".into(), |g| crate::escape::text(g).into_owned()),
        ),
    ];
    for row in columns {
        let (request, limit) = match row.limit {
            // The cards with their type, beside the group's cards or the
            // user's quota, whichever binds.
            LimitKey::Cards => (
                r.number(row.limit).map(|c| match kind {
                    Some(kind) if c > 0 => format!("{c} {kind}"),
                    _ => c.to_string(),
                }),
                crate::vocab::binding(l.number(LimitKey::Cards), l.number(LimitKey::Quota), None)
                    .map(|b| b.0.to_string()),
            ),
            key => (r.get(key).map(text), l.get(key).map(text)),
        };
        cells.push(pair(request, limit, judged, over(&[row.code])));
    }
    cells.push(plain(job.verdict.as_str()));
    cells
}

/// The table, with a heading line.
pub fn render(report: &Report, color: bool, out: &mut dyn Write) -> io::Result<()> {
    let columns = columns(report);
    let headers = headers(&columns);
    let mut rows: Vec<Vec<Cell>> = vec![headers.iter().map(|h| plain(*h)).collect()];
    for file in &report.files {
        let found: HashSet<(Option<usize>, Code)> = file
            .diagnostics
            .iter()
            .map(|d| (d.document, d.code))
            .collect();
        for job in &file.jobs {
            let over = |codes: &[Code]| {
                codes
                    .iter()
                    .any(|c| found.contains(&(Some(job.document), *c)))
            };
            rows.push(row(&file.path, job, &columns, &over));
        }
    }
    let widths: Vec<usize> = (0..headers.len())
        .map(|i| {
            rows.iter()
                .map(|r| UnicodeWidthStr::width(r[i].text.as_str()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    writeln!(
        out,
        "Requests beside limits, per node (`a / b` within, `a > b` over, `?` unknown):"
    )?;
    for (n, row) in rows.iter().enumerate() {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            let pad = widths[i].saturating_sub(UnicodeWidthStr::width(cell.text.as_str()));
            let last = i + 1 == row.len();
            let text = match (color, cell.over, n == 0) {
                (true, true, _) => format!("\u{1b}[1;31m{}\u{1b}[0m", cell.text),
                (true, _, true) => format!("\u{1b}[1m{}\u{1b}[0m", cell.text),
                _ => cell.text.clone(),
            };
            line.push_str(&text);
            if !last {
                line.push_str(&" ".repeat(pad + 2));
            }
        }
        writeln!(out, "{}", line.trim_end())?;
    }
    writeln!(out)
}
