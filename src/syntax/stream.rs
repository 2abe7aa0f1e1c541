//! The stream level of YAML, before any parser: lines (LF, CRLF or CR),
//! the characters YAML forbids, and where documents begin and end.

use crate::diag::Span;

/// The lines of a text, each as (start offset, text without its line break,
/// offset of the next line). LF, CRLF and a bare CR each end a line, as in
/// YAML; NEL, LS and PS do not (YAML 1.2 reads them as ordinary characters).
pub(super) fn lines(text: &str) -> Lines<'_> {
    Lines { text, at: 0 }
}

pub(super) struct Lines<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Iterator for Lines<'a> {
    type Item = (usize, &'a str, usize);

    fn next(&mut self) -> Option<Self::Item> {
        let start = self.at;
        if start >= self.text.len() {
            return None;
        }
        let bytes = &self.text.as_bytes()[start..];
        let (len, next) = match bytes.iter().position(|&b| b == b'\n' || b == b'\r') {
            Some(i) if bytes[i] == b'\r' && bytes.get(i + 1) == Some(&b'\n') => (i, i + 2),
            Some(i) => (i, i + 1),
            None => (bytes.len(), bytes.len()),
        };
        self.at = start + next;
        Some((start, &self.text[start..start + len], start + next))
    }
}

/// The first character YAML forbids anywhere in a stream, comments
/// included: C0 controls other than tab, LF and CR; DEL; C1 controls other
/// than NEL; U+FFFE and U+FFFF. (Surrogates cannot occur in decoded text:
/// decoding rejects them.) One pass over the bytes.
pub(super) fn forbidden_character(text: &str) -> Option<(usize, char)> {
    let bytes = text.as_bytes();
    // Most text is printable ASCII and line breaks: skipped 32 bytes at a
    // time (a check without branches, which the compiler vectorises), the
    // rest looked at byte by byte. A skipped block holds no lead byte, so
    // the byte-by-byte scan starts on a character boundary.
    let plain = |b: u8| (0x20..0x7f).contains(&b) || b == b'\n';
    let skip = bytes
        .chunks(32)
        .take_while(|c| c.iter().fold(true, |all, &b| all & plain(b)))
        .count()
        * 32;
    let at = skip
        + bytes[skip.min(bytes.len())..]
            .iter()
            .enumerate()
            .position(|(i, &b)| {
                let i = skip + i;
                match b {
                    b'\t' | b'\n' | b'\r' => false,
                    0..=0x1f | 0x7f => true,
                    // U+0080..U+009F are C2 80..C2 9F; U+0085 (NEL) is allowed.
                    0xc2 => matches!(bytes.get(i + 1), Some(0x80..=0x84 | 0x86..=0x9f)),
                    // U+FFFE and U+FFFF are EF BF BE and EF BF BF.
                    0xef => {
                        bytes.get(i + 1) == Some(&0xbf)
                            && matches!(bytes.get(i + 2), Some(0xbe | 0xbf))
                    }
                    _ => false,
                }
            })?;
    // A lead byte or an ASCII byte: always a character boundary.
    text[at..].chars().next().map(|c| (at, c))
}

/// Why a forbidden character is forbidden, in plain words.
pub(super) fn forbidden_message(c: char) -> String {
    let what = match c {
        '\u{0}' => {
            "a NUL character, which YAML does not allow (a file with NUL bytes may be UTF-16 or \
             UTF-32 saved without a byte-order mark)"
        }
        '\u{fffe}' | '\u{ffff}' => "a noncharacter, which YAML does not allow anywhere",
        _ => "a control character, which YAML does not allow anywhere, not even in a comment",
    };
    format!("U+{:04X} is {what}", c as u32)
}

/// A stretch of the stream handed to a reader on its own: a document with
/// the directives and comments before it, or what trails the last one.
#[derive(Debug, Clone, Copy)]
pub(super) struct Chunk {
    pub span: Span,
    /// YAML counts it as a document: it has a `---` or some content.
    pub document: bool,
    /// It holds content (not only markers, directives, comments and blanks).
    pub content: bool,
}

/// Cut a stream where YAML's documents begin and end. A `---` line opens a
/// document (after the directives of its prefix, which stay with it); a
/// `...` line ends one; a content line outside a document opens a bare one.
/// Every chunk, documents or not, still goes to a reader: directives and
/// comments are checked there like anything else.
pub(super) fn split(text: &str) -> Vec<Chunk> {
    let mut chunks = Vec::new();
    let (mut start, mut open, mut content) = (0, false, false);
    for (at, line, next) in lines(text) {
        let line = if at == 0 {
            line.strip_prefix('\u{feff}').unwrap_or(line)
        } else {
            line
        };
        if is_marker(line, "---") {
            if open {
                chunks.push(Chunk {
                    span: Span::new(start, at),
                    document: true,
                    content,
                });
                start = at;
            }
            open = true;
            content = !blank_or_comment(&line[3..]);
        } else if is_marker(line, "...") {
            chunks.push(Chunk {
                span: Span::new(start, next),
                document: open,
                content: content || !blank_or_comment(&line[3..]),
            });
            (start, open, content) = (next, false, false);
        } else if !open && line.starts_with('%') {
            // A directive: it belongs to the document that follows.
        } else if !blank_or_comment(line) {
            (open, content) = (true, true);
        }
    }
    if start < text.len() || chunks.is_empty() {
        chunks.push(Chunk {
            span: Span::new(start, text.len()),
            document: open,
            content,
        });
    }
    chunks
}

pub(super) fn is_marker(line: &str, marker: &str) -> bool {
    line.strip_prefix(marker)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t']))
}

fn blank_or_comment(s: &str) -> bool {
    let s = s.trim_start_matches([' ', '\t']);
    s.is_empty() || s.starts_with('#')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line_texts(text: &str) -> Vec<&str> {
        lines(text).map(|(_, l, _)| l).collect()
    }

    #[test]
    fn lf_crlf_and_cr_each_end_a_line() {
        assert_eq!(line_texts("a\nb\r\nc\rd"), ["a", "b", "c", "d"]);
        assert_eq!(line_texts("a\r\r\nb\n"), ["a", "", "b"]);
        assert_eq!(
            line_texts("a\u{85}b\u{2028}c\u{2029}d"),
            ["a\u{85}b\u{2028}c\u{2029}d"]
        );
    }

    #[test]
    fn every_forbidden_character_is_found() {
        let forbidden = (0..0x20u32)
            .filter(|c| ![0x9, 0xa, 0xd].contains(c))
            .chain([0x7f])
            .chain((0x80..0xa0).filter(|&c| c != 0x85))
            .chain([0xfffe, 0xffff]);
        for c in forbidden.map(|c| char::from_u32(c).unwrap()) {
            let text = format!("a: 1 # é{c}x");
            assert_eq!(forbidden_character(&text), Some((9, c)), "{c:?}");
        }
        for ok in [
            '\t', '\n', '\r', '\u{85}', '\u{a0}', '\u{2028}', '\u{feff}', '\u{fffd}',
        ] {
            assert_eq!(forbidden_character(&format!("a: \"{ok}\"")), None, "{ok:?}");
        }
    }

    #[test]
    fn a_forbidden_character_is_found_wherever_it_is_after_plain_text() {
        // Past the blocks of plain text skipped at once, and across their
        // edges (a three-byte character may start in the last byte of one).
        for before in 0..100 {
            let plain = "ab: c\n".repeat(20);
            let plain = &plain[..before];
            for c in ['\u{0}', '\u{1b}', '\u{7f}', '\u{9b}', '\u{fffe}'] {
                let text = format!("{plain}{c}zz");
                assert_eq!(
                    forbidden_character(&text),
                    Some((before, c)),
                    "{before} {c:?}"
                );
            }
            for ok in ['\t', '\r', 'é', '\u{85}', '\u{fffd}', '\u{feff}'] {
                let text = format!("{plain}{ok}zz{}", "y".repeat(40));
                assert_eq!(forbidden_character(&text), None, "{before} {ok:?}");
            }
        }
    }

    #[test]
    fn directives_and_comments_stay_with_the_document_after_them() {
        let text = "# head\n%YAML 1.2\n%TAG !e! tag:e.com:\n---\na: 1\n...\n# tail\n";
        let chunks = split(text);
        assert_eq!(chunks.len(), 2);
        assert_eq!(
            &text[chunks[0].span.start..chunks[0].span.end],
            &text[..text.len() - 7]
        );
        assert!(chunks[0].document && chunks[0].content);
        assert!(!chunks[1].document && !chunks[1].content);
    }

    #[test]
    fn markers_split_at_any_line_break() {
        let text = "a: 1\r---\rb: 2\r\n---\r\n";
        let chunks = split(text);
        let flags: Vec<_> = chunks.iter().map(|c| (c.document, c.content)).collect();
        assert_eq!(flags, [(true, true), (true, true), (true, false)]);
        assert_eq!(chunks[1].span, Span::new(5, 15));
    }
}
