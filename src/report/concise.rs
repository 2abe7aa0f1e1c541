//! `path:line:col: severity[code]: message`, one line per diagnostic.

use std::io::{self, Write};

use super::{Renderer, Report};

pub struct Concise;

impl Renderer for Concise {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        for f in &report.files {
            for d in &f.diagnostics {
                let (line, column) = d.position.map_or((1, 1), |p| (p.line, p.column));
                let message = d.message.replace('\n', " ");
                writeln!(
                    out,
                    "{}:{line}:{column}: {}[{}]: {message}",
                    f.path,
                    d.severity.as_str(),
                    d.code
                )?;
            }
        }
        Ok(())
    }
}
