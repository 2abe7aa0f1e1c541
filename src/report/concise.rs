//! `path:line:col: severity[code]: message`, one line per diagnostic, then
//! (unless quiet) the summary line the human format ends with.

use std::io::{self, Write};

use super::{Extras, Renderer, Report};

pub struct Concise {
    pub extras: Extras,
}

impl Renderer for Concise {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        for f in &report.files {
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
        }
        if self.extras.statistics {
            write!(out, "{}", super::statistics(report))?;
        }
        if !self.extras.quiet {
            writeln!(out, "{}", report.summary().line())?;
        }
        Ok(())
    }
}
