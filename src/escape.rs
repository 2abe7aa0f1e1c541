//! Text from a repository or a server is data, never terminal or CI
//! commands. Every human-readable output (human, concise, github and junit
//! text, tables, standard error, hover) shows such text through this module:
//! control characters (C0, DEL, C1), bidi controls (U+202A–U+202E,
//! U+2066–U+2069) and line breaks (also U+2028, U+2029) come out escaped
//! (`\n`, `\u{1b}`, `\u{202e}`), and no line can start with `::`, which
//! GitHub Actions would read as a workflow command (it trims leading white
//! space first).

use std::borrow::Cow;

/// Whether a character may not reach a terminal or a CI log raw.
pub fn is_unsafe(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}'
        | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        | '\u{2028}' | '\u{2029}')
}

fn push_escaped(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
    }
}

/// A value, key, group name or message shown on one line: every unsafe
/// character escaped, line breaks included.
pub fn text(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        if is_unsafe(c) {
            push_escaped(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Text of several lines made by jobcheck (a help, a notice): its line
/// feeds kept, every other unsafe character escaped, and each line kept
/// from starting with `::`.
pub fn lines(s: &str) -> Cow<'_, str> {
    let clean = !s.chars().any(|c| c != '\n' && is_unsafe(c)) && !s.split('\n').any(starts_command);
    if clean {
        return Cow::Borrowed(s);
    }
    let parts: Vec<String> = s
        .split('\n')
        .map(|line| guard(&text(line)).into_owned())
        .collect();
    Cow::Owned(parts.join("\n"))
}

/// Whether GitHub Actions would read this line as a workflow command.
pub fn starts_command(line: &str) -> bool {
    line.trim_start().starts_with("::")
}

/// A line that would start with `::` (after white space) gets a backslash
/// in front, so that it reads as text.
pub fn guard(line: &str) -> Cow<'_, str> {
    if starts_command(line) {
        Cow::Owned(format!("\\{line}"))
    } else {
        Cow::Borrowed(line)
    }
}

/// A file name as reports show it: escaped as [`text`], and `./` in front
/// when it starts with white space or `:`, so that a line beginning with it
/// (`path:line:col: …`) is never a workflow command.
pub fn path(s: &str) -> Cow<'_, str> {
    let escaped = text(s);
    if escaped.starts_with([':', ' ']) {
        Cow::Owned(format!("./{escaped}"))
    } else {
        escaped
    }
}

/// A writer for human-readable output that keeps every line it is handed
/// from starting with `::` (see [`guard`]). Whole lines are checked: a
/// partial line waits for its end (or for `flush`).
pub struct Guarded<W: std::io::Write> {
    inner: W,
    line: Vec<u8>,
}

impl<W: std::io::Write> Guarded<W> {
    pub fn new(inner: W) -> Guarded<W> {
        Guarded {
            inner,
            line: Vec::new(),
        }
    }

    fn write_line(&mut self) -> std::io::Result<()> {
        let trimmed = self
            .line
            .iter()
            .position(|b| !b" \t".contains(b))
            .map_or(&[][..], |i| &self.line[i..]);
        if trimmed.starts_with(b"::") {
            self.inner.write_all(b"\\")?;
        }
        self.inner.write_all(&self.line)?;
        self.line.clear();
        Ok(())
    }
}

impl<W: std::io::Write> std::io::Write for Guarded<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut rest = buf;
        while let Some(i) = rest.iter().position(|&b| b == b'\n' || b == b'\r') {
            self.line.extend_from_slice(&rest[..=i]);
            self.write_line()?;
            rest = &rest[i + 1..];
        }
        self.line.extend_from_slice(rest);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if !self.line.is_empty() {
            self.write_line()?;
        }
        self.inner.flush()
    }
}

impl<W: std::io::Write> Drop for Guarded<W> {
    fn drop(&mut self) {
        let _ = std::io::Write::flush(self);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn controls_bidi_and_line_breaks_are_escaped() {
        assert_eq!(text("plain ünïcode"), "plain ünïcode");
        assert!(matches!(text("plain"), Cow::Borrowed(_)));
        assert_eq!(text("a\nb\r\tc"), "a\\nb\\r\\tc");
        assert_eq!(text("\u{1b}]0;t\u{7}"), "\\u{1b}]0;t\\u{7}");
        assert_eq!(text("\u{7f}\u{85}\u{9b}"), "\\u{7f}\\u{85}\\u{9b}");
        assert_eq!(text("x\u{202e}y\u{2066}"), "x\\u{202e}y\\u{2066}");
        assert_eq!(text("\u{2028}"), "\\u{2028}");
        for c in (0u32..0x20).chain(0x7f..0xa0).filter_map(char::from_u32) {
            assert!(!text(&c.to_string()).chars().any(is_unsafe), "{c:?}");
        }
    }

    #[test]
    fn no_line_starts_a_workflow_command() {
        assert_eq!(
            lines("a\n::error::x\n  ::add-mask::y"),
            "a\n\\::error::x\n\\  ::add-mask::y"
        );
        assert_eq!(lines("fine\nlines"), "fine\nlines");
        assert_eq!(path("::error::x.yaml"), "./::error::x.yaml");
        assert_eq!(path(" ::x"), "./ ::x");
        assert_eq!(path("jobs/a.yaml"), "jobs/a.yaml");
        let mut out = Vec::new();
        {
            let mut g = Guarded::new(&mut out);
            g.write_all(b"ok\n::err").unwrap();
            g.write_all(b"or::x\r  ::warning::y\nlast").unwrap();
        }
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "ok\n\\::error::x\r\\  ::warning::y\nlast"
        );
    }
}
