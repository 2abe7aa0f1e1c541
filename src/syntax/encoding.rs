//! The encodings YAML allows: UTF-8, and UTF-16 or UTF-32 (little or big
//! endian) with a byte-order mark, as PowerShell 5's `>` writes them. The
//! text is decoded once; every span, line and column after that refers to
//! the decoded text, which is what an editor shows.

/// Decode a file's bytes. The byte-order mark stays at the front of the
/// text as U+FEFF, where the readers skip it as they do in UTF-8 files.
pub fn decode(bytes: Vec<u8>) -> Result<String, String> {
    let (width, big_endian, name) = match bytes.as_slice() {
        [0, 0, 0xfe, 0xff, ..] => (4, true, "UTF-32"),
        [0xff, 0xfe, 0, 0, ..] => (4, false, "UTF-32"),
        [0xfe, 0xff, ..] => (2, true, "UTF-16"),
        [0xff, 0xfe, ..] => (2, false, "UTF-16"),
        _ => return utf8(bytes),
    };
    let mut text = String::with_capacity(bytes.len() / width * 2);
    let units = bytes.chunks(width);
    let bad = |text: &str, what: String| {
        let (line, column) = line_and_column(text);
        Err(format!(
            "the file is not valid {name} ({what} at line {line}, column {column})"
        ))
    };
    if width == 4 {
        for unit in units {
            let Ok(quad) = <[u8; 4]>::try_from(unit) else {
                return bad(&text, "it ends in the middle of a character".to_string());
            };
            let n = if big_endian {
                u32::from_be_bytes(quad)
            } else {
                u32::from_le_bytes(quad)
            };
            match char::from_u32(n) {
                Some(c) => text.push(c),
                None => return bad(&text, format!("0x{n:08X} is not a character")),
            }
        }
    } else {
        let mut odd = false;
        let code_units = units.filter_map(|unit| match <[u8; 2]>::try_from(unit) {
            Ok(pair) if big_endian => Some(u16::from_be_bytes(pair)),
            Ok(pair) => Some(u16::from_le_bytes(pair)),
            Err(_) => {
                odd = true;
                None
            }
        });
        for c in char::decode_utf16(code_units) {
            match c {
                Ok(c) => text.push(c),
                Err(e) => {
                    let what = format!("a lone surrogate U+{:04X}", e.unpaired_surrogate());
                    return bad(&text, what);
                }
            }
        }
        if odd {
            return bad(&text, "it ends in the middle of a character".to_string());
        }
    }
    Ok(text)
}

fn utf8(bytes: Vec<u8>) -> Result<String, String> {
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let good = String::from_utf8_lossy(&e.as_bytes()[..at]);
        let (line, column) = line_and_column(&good);
        format!(
            "the file is not valid UTF-8 (byte {at} at line {line}, column {column}); it may be \
             binary, or in another encoding without a byte-order mark"
        )
    })
}

/// Where the end of `text` is: the line and column of the next character.
fn line_and_column(text: &str) -> (usize, usize) {
    let index = crate::diag::LineIndex::new(text);
    index.line_col(text.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16(text: &str, big_endian: bool) -> Vec<u8> {
        text.encode_utf16()
            .flat_map(|u| {
                if big_endian {
                    u.to_be_bytes()
                } else {
                    u.to_le_bytes()
                }
            })
            .collect()
    }

    fn utf32(text: &str, big_endian: bool) -> Vec<u8> {
        text.chars()
            .flat_map(|c| {
                if big_endian {
                    (c as u32).to_be_bytes()
                } else {
                    (c as u32).to_le_bytes()
                }
            })
            .collect()
    }

    #[test]
    fn utf16_and_utf32_with_a_byte_order_mark_are_decoded() {
        let text = "\u{feff}cpus: 8\r\nname: \"jöb 🚀\"\r\n";
        for big_endian in [false, true] {
            assert_eq!(decode(utf16(text, big_endian)).as_deref(), Ok(text));
            assert_eq!(decode(utf32(text, big_endian)).as_deref(), Ok(text));
        }
        assert_eq!(decode(text.as_bytes().to_vec()).as_deref(), Ok(text));
    }

    #[test]
    fn broken_encodings_say_where() {
        let mut lone = utf16("\u{feff}a: 1\nb: ", false);
        lone.extend([0x00, 0xd8, b'x', 0]);
        let err = decode(lone).unwrap_err();
        assert!(err.contains("UTF-16") && err.contains("U+D800"), "{err}");
        assert!(err.contains("line 2, column 4"), "{err}");
        let mut odd = utf16("\u{feff}a", true);
        odd.push(0);
        assert!(decode(odd).unwrap_err().contains("middle of a character"));
        let mut bad32 = utf32("\u{feff}a", false);
        bad32.extend(0xd800u32.to_le_bytes());
        assert!(decode(bad32).unwrap_err().contains("0x0000D800"));
        let err = decode(b"a: 1\nb: \xff".to_vec()).unwrap_err();
        assert!(
            err.contains("UTF-8") && err.contains("line 2, column 4"),
            "{err}"
        );
    }
}
