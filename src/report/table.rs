//! `check --table`: one row per job, each value it asks beside the limit it
//! was judged against (`8 / 40`), a value over its limit marked (`48 > 40`,
//! in red on a terminal).

use std::collections::HashSet;
use std::io::{self, Write};
use unicode_width::UnicodeWidthStr;

use super::{JobEntry, Report};
use crate::diag::Code;
use crate::units::{Duration, Memory, TimeLimit};
use crate::vocab::AccelType;

const HEADERS: [&str; 8] = [
    "job", "group", "cpus", "cards", "memory", "nodes", "walltime", "verdict",
];

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

fn row(path: &str, job: &JobEntry, over: &dyn Fn(&[Code]) -> bool) -> Vec<Cell> {
    let r = job.request.clone().unwrap_or_default();
    let judged = job.limits.is_some();
    let l = job.limits.clone().unwrap_or_default();
    let name = match &job.name {
        Some(name) => crate::escape::text(name).into_owned(),
        None => format!("{}#{}", crate::escape::path(path), job.document),
    };
    let cards_limit = crate::vocab::binding(l.cards, l.quota, None).map(|b| b.0);
    let kind = job
        .accelerator_type
        .filter(|t| *t != AccelType::Cpu)
        .map(AccelType::as_str);
    let cards = r.cards.map(|c| match kind {
        Some(kind) if c > 0 => format!("{c} {kind}"),
        _ => c.to_string(),
    });
    vec![
        plain(name),
        plain(
            job.resource_group
                .as_deref()
                .map_or_else(|| "-".into(), |g| crate::escape::text(g).into_owned()),
        ),
        pair(
            r.cpus.map(|c| c.to_string()),
            l.cpus.map(|c| c.to_string()),
            judged,
            over(&[Code::CpusOverLimit]),
        ),
        pair(
            cards,
            cards_limit.map(|c| c.to_string()),
            judged,
            over(&[Code::AcceleratorsOverLimit]),
        ),
        pair(
            r.memory.map(memory),
            l.memory.map(memory),
            judged,
            over(&[Code::MemoryOverLimit]),
        ),
        pair(
            r.nodes.map(|n| n.to_string()),
            l.nodes.map(|n| n.to_string()),
            judged,
            over(&[Code::NodesOverLimit]),
        ),
        pair(
            r.walltime.map(time),
            l.max_time.map(time),
            judged,
            over(&[Code::WalltimeOverLimit]),
        ),
        plain(job.verdict.as_str()),
    ]
}

/// The table, with a heading line.
pub fn render(report: &Report, color: bool, out: &mut dyn Write) -> io::Result<()> {
    let mut rows: Vec<Vec<Cell>> = vec![HEADERS.iter().map(|h| plain(*h)).collect()];
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
            rows.push(row(&file.path, job, &over));
        }
    }
    let widths: Vec<usize> = (0..HEADERS.len())
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
