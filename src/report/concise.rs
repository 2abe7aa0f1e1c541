//! `path:line:col: severity[code]: message`, one line per diagnostic, then
//! (unless quiet) the summary line the human format ends with.

use std::io::{self, Write};

use super::stream::{End, FileByFile, render_all};
use super::{Extras, FileReport, Renderer, Report};

pub struct Concise {
    pub extras: Extras,
}

impl FileByFile for Concise {
    fn file(&mut self, f: &FileReport, out: &mut dyn Write) -> io::Result<()> {
        for d in &f.diagnostics {
            let (line, column) = d.position.map_or((1, 1), |p| (p.line, p.column));
            let message = crate::escape::text(&d.message);
            writeln!(
                out,
                "{}:{line}:{column}: {}[{}]: {message}",
                crate::escape::path(&f.path),
                d.severity.as_str(),
                d.code
            )?;
        }
        for line in f.hidden_lines() {
            writeln!(out, "{line}")?;
        }
        Ok(())
    }

    fn end(&mut self, end: &End, out: &mut dyn Write) -> io::Result<()> {
        if self.extras.statistics {
            let text = super::statistics_of(end.totals, end.passed_over.len());
            write!(out, "{text}")?;
        }
        if !self.extras.quiet {
            writeln!(out, "{}", end.totals.summary.line())?;
        }
        Ok(())
    }
}

impl Renderer for Concise {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        render_all(
            &mut Concise {
                extras: self.extras,
            },
            report,
            out,
        )
    }
}
