//! Byte offsets to LSP positions and back, in the negotiated encoding:
//! UTF-16 code units (the protocol's default), UTF-8 bytes or UTF-32
//! characters.

use lsp_types::{Position, PositionEncodingKind, Range};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf16,
    Utf32,
}

impl Encoding {
    /// The client's preference among what it offers: UTF-8, then UTF-32
    /// (both cheaper than UTF-16 and as exact), else UTF-16.
    pub fn negotiate(offered: Option<&[PositionEncodingKind]>) -> Encoding {
        let offered = offered.unwrap_or(&[]);
        if offered.contains(&PositionEncodingKind::UTF8) {
            Encoding::Utf8
        } else if offered.contains(&PositionEncodingKind::UTF32) {
            Encoding::Utf32
        } else {
            Encoding::Utf16
        }
    }

    pub fn kind(self) -> PositionEncodingKind {
        match self {
            Encoding::Utf8 => PositionEncodingKind::UTF8,
            Encoding::Utf16 => PositionEncodingKind::UTF16,
            Encoding::Utf32 => PositionEncodingKind::UTF32,
        }
    }

    fn units(self, c: char) -> usize {
        match self {
            Encoding::Utf8 => c.len_utf8(),
            Encoding::Utf16 => c.len_utf16(),
            Encoding::Utf32 => 1,
        }
    }
}

/// Where each line of a text starts, to place offsets quickly.
pub struct Lines<'a> {
    text: &'a str,
    starts: Vec<usize>,
    encoding: Encoding,
}

impl<'a> Lines<'a> {
    pub fn new(text: &'a str, encoding: Encoding) -> Lines<'a> {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Lines {
            text,
            starts,
            encoding,
        }
    }

    /// The position of a byte offset (clamped to the text, and to a
    /// character boundary).
    pub fn position(&self, offset: usize) -> Position {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        let start = self.starts[line];
        let character: usize = self.text[start..offset]
            .chars()
            .map(|c| self.encoding.units(c))
            .sum();
        Position::new(line as u32, character as u32)
    }

    pub fn range(&self, span: (usize, usize)) -> Range {
        Range::new(self.position(span.0), self.position(span.1))
    }

    /// The byte offset of a position. A character past the line's end means
    /// the end of the line; a position inside a character (half of a UTF-16
    /// pair) means its start; a line past the end means the end of the text.
    pub fn offset(&self, position: Position) -> usize {
        let Some(&start) = self.starts.get(position.line as usize) else {
            return self.text.len();
        };
        let line = &self.text[start..];
        let line = &line[..line.find('\n').unwrap_or(line.len())];
        let line = line.strip_suffix('\r').unwrap_or(line);
        let mut units = 0usize;
        for (i, c) in line.char_indices() {
            let next = units + self.encoding.units(c);
            if next > position.character as usize {
                return start + i;
            }
            units = next;
        }
        start + line.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "name: 训练 🚀\ncpus: 64 # 多\n";

    #[test]
    fn utf16_counts_surrogate_pairs_as_two() {
        let lines = Lines::new(TEXT, Encoding::Utf16);
        let rocket = TEXT.find('🚀').unwrap();
        assert_eq!(lines.position(rocket), Position::new(0, 9));
        assert_eq!(lines.position(rocket + 4), Position::new(0, 11));
        assert_eq!(lines.offset(Position::new(0, 11)), rocket + 4);
        // Half a pair is the character's start.
        assert_eq!(lines.offset(Position::new(0, 10)), rocket);
    }

    #[test]
    fn utf8_and_utf32() {
        let rocket = TEXT.find('🚀').unwrap();
        let utf8 = Lines::new(TEXT, Encoding::Utf8);
        assert_eq!(utf8.position(rocket), Position::new(0, rocket as u32));
        let utf32 = Lines::new(TEXT, Encoding::Utf32);
        assert_eq!(utf32.position(rocket + 4), Position::new(0, 10));
        assert_eq!(utf32.offset(Position::new(0, 10)), rocket + 4);
    }

    #[test]
    fn out_of_range_positions_are_clamped() {
        let lines = Lines::new(TEXT, Encoding::Utf16);
        assert_eq!(
            lines.offset(Position::new(0, 999)),
            TEXT.find('\n').unwrap()
        );
        assert_eq!(lines.offset(Position::new(99, 0)), TEXT.len());
        assert_eq!(lines.position(9999), Position::new(2, 0));
        assert_eq!(lines.position(7), Position::new(0, 6));
    }

    #[test]
    fn negotiation_prefers_utf8_then_utf32_else_utf16() {
        use PositionEncodingKind as K;
        assert_eq!(Encoding::negotiate(None), Encoding::Utf16);
        assert_eq!(
            Encoding::negotiate(Some(&[K::UTF16, K::UTF8])),
            Encoding::Utf8
        );
        assert_eq!(Encoding::negotiate(Some(&[K::UTF32])), Encoding::Utf32);
        assert_eq!(Encoding::negotiate(Some(&[K::new("x")])), Encoding::Utf16);
    }
}
