//! Syntax errors in plain words, placed at the mistake where it can be
//! found: the tab the parser rejects, the bracket never closed.

use serde_saphyr::{MessageFormatter, UserMessageFormatter};

use super::{SyntaxError, char_to_byte};
use crate::diag::Span;

pub(super) fn syntax_error(err: &serde_saphyr::Error, text: &str, base: usize) -> SyntaxError {
    let err = err.without_snippet();
    let span = match err.location() {
        Some(loc) if loc.line() > 0 => {
            let s = loc.span();
            let start = s
                .byte_offset()
                .map(|b| b as usize)
                .unwrap_or_else(|| char_to_byte(text, s.offset() as usize));
            let len = s
                .byte_len()
                .map(|b| b as usize)
                .unwrap_or_else(|| char_to_byte(&text[start.min(text.len())..], s.len() as usize));
            Span::new(
                base + start.min(text.len()),
                base + (start + len).min(text.len()),
            )
        }
        _ => Span::new(base, base),
    };
    let message = clean_message(&err.to_string(), &UserMessageFormatter.format_message(err));
    let rel = span.start - base;
    if message.contains("tab") {
        return SyntaxError {
            span: offending_tab(text, rel).map_or(span, |i| Span::new(base + i, base + i + 1)),
            message,
        };
    }
    let flow_trouble = ["':'", "flow", "expected ','"]
        .iter()
        .any(|m| message.contains(m));
    if flow_trouble && let Some((open, c)) = unclosed_flow(text, rel) {
        return SyntaxError {
            message: format!(
                "this `{c}` is never closed: add the `{}` where the {} ends",
                if c == '[' { ']' } else { '}' },
                if c == '[' { "list" } else { "mapping" },
            ),
            span: Span::new(base + open, base + open + 1),
        };
    }
    SyntaxError { message, span }
}

/// The tab the parser rejects: the scanner reports it where the token
/// around it starts or ends, so it is the tab at the reported offset, the
/// one just before it (past spaces), or else the first one after it (a
/// plain scalar is reported where it starts, the tab where it would go on).
fn offending_tab(text: &str, at: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let at = at.min(bytes.len());
    if bytes.get(at) == Some(&b'\t') {
        return Some(at);
    }
    let before = bytes[..at]
        .iter()
        .rposition(|&b| b != b' ')
        .filter(|&i| bytes[i] == b'\t');
    before.or_else(|| bytes[at..].iter().position(|&b| b == b'\t').map(|i| at + i))
}

/// A flow collection (`[` or `{`) still open on an earlier line than where
/// the parser stopped: the parser notices the missing `]` only at the next
/// `:`, so the mistake is the opening bracket. A light scan: quoted
/// scalars and comments are skipped, and a bracket counts only where a
/// value can start.
fn unclosed_flow(text: &str, stop: usize) -> Option<(usize, char)> {
    let bytes = &text.as_bytes()[..stop.min(text.len())];
    let mut open: Vec<(usize, char)> = Vec::new();
    let mut i = 0;
    let mut value_start = true;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'"' | b'\'' if value_start || !open.is_empty() => {
                // Skip the quoted scalar; `''` and `\"` stay inside it.
                i += 1;
                while i < bytes.len() {
                    if b == b'"' && bytes[i] == b'\\' {
                        i += 2;
                        continue;
                    }
                    if bytes[i] == b {
                        if b == b'\'' && bytes.get(i + 1) == Some(&b'\'') {
                            i += 2;
                            continue;
                        }
                        break;
                    }
                    i += 1;
                }
                value_start = false;
            }
            b'#' if i == 0 || matches!(bytes[i - 1], b' ' | b'\t' | b'\n' | b'\r') => {
                while i < bytes.len() && bytes[i] != b'\n' && bytes[i] != b'\r' {
                    i += 1;
                }
                continue;
            }
            b'[' | b'{' if value_start || !open.is_empty() => {
                open.push((i, b as char));
                value_start = true;
            }
            b']' | b'}' if !open.is_empty() => {
                open.pop();
                value_start = false;
            }
            b' ' | b'\t' => {}
            b'\n' | b'\r' => value_start = open.is_empty() || value_start,
            b',' if !open.is_empty() => value_start = true,
            b':' | b'-' | b'?' => {
                let next = bytes.get(i + 1).copied();
                value_start = matches!(next, None | Some(b' ' | b'\t' | b'\n' | b'\r'))
                    || (b == b':' && !open.is_empty());
            }
            _ => value_start = false,
        }
        i += 1;
    }
    let (at, c) = open.pop()?;
    let line_break = text[at..stop.min(text.len())].contains(['\n', '\r']);
    line_break.then_some((at, c))
}

/// What went wrong, in plain words: the position is reported separately,
/// the library's own wording (API names, Rust types, option names) never
/// reaches the user. `message` is the library's developer text, which
/// names a breached safety limit; `user` its text meant for end users.
fn clean_message(message: &str, user: &str) -> String {
    let first = message.lines().next().unwrap_or(message);
    let mut rest = first.strip_prefix("error: ").unwrap_or(first);
    if let Some(after) = rest.strip_prefix("line ")
        && let Some((_, tail)) = after.split_once(": ")
    {
        rest = tail;
    }
    // The position is reported separately, and in file coordinates.
    if let Some(at) = rest.rfind(" at line ")
        && rest[at + 9..]
            .chars()
            .all(|c| c.is_ascii_digit() || ", column".contains(c))
    {
        rest = &rest[..at];
    }
    let rest = rest.trim();
    if let Some(breach) = rest.strip_prefix("budget breached: ") {
        let what = breach.split([' ', '{']).next().unwrap_or(breach);
        let why = match what {
            "Depth" => "nests deeper than 64 levels",
            "Nodes" | "Events" | "AliasExpansions" | "Aliases" | "Anchors" => {
                "expands to too many values (aliases are counted as they expand)"
            }
            _ => "is larger than a job request can be",
        };
        return format!("the document {why}, past the reader's safety limit ({what})");
    }
    plain_words(user.lines().next().unwrap_or(user).trim())
}

/// Library texts reworded, and any that would show its API replaced.
pub(super) fn plain_words(message: &str) -> String {
    const REWORDED: &[(&str, &str)] = &[
        (
            "tabs disallowed within this context (block indentation)",
            "a tab is used for indentation here; YAML indents with spaces only",
        ),
        (
            "tab cannot be used as indentation",
            "a tab is used for indentation here; YAML indents with spaces only",
        ),
        (
            "tabs disallowed in this context",
            "a tab stands here, where YAML allows only spaces",
        ),
        (
            "while scanning a plain scalar, found a tab",
            "a tab stands here, where YAML allows only spaces",
        ),
        (
            "a block scalar content cannot start with a tab",
            "the text of this block scalar starts with a tab; indent it with spaces",
        ),
        (
            "while parsing a quoted scalar, found high surrogate",
            "this `\\u` escape is half of a surrogate pair (U+D800 to U+DFFF) with no other half: \
             YAML text cannot hold it; write the character itself, or both halves",
        ),
        (
            "while parsing a quoted scalar, found invalid low surrogate",
            "this `\\u` escape is half of a surrogate pair (U+D800 to U+DFFF) with no other half: \
             YAML text cannot hold it; write the character itself, or both halves",
        ),
        (
            "while parsing a quoted scalar, found unpaired low surrogate",
            "this `\\u` escape is half of a surrogate pair (U+D800 to U+DFFF) with no other half: \
             YAML text cannot hold it; write the character itself, or both halves",
        ),
        (
            "multiple YAML documents detected",
            "a second document starts here; put a `---` line before it",
        ),
        (
            "only single YAML document expected",
            "a second document starts here; put a `---` line before it",
        ),
        (
            "unsupported YAML major version",
            "this `%YAML` directive names a version the reader does not support; files are \
             YAML 1.2 (write `%YAML 1.2`, or leave the directive out)",
        ),
        (
            "the handle wasn't declared",
            "this tag handle is not declared: a `%TAG` directive before the document's `---` \
             must declare it",
        ),
        (
            "reference to unknown value",
            "this alias (`*name`) refers to no anchor (`&name`) written before it",
        ),
    ];
    const LIBRARY_WORDS: &[&str] = &[
        "from_str",
        "Option<",
        "Policy",
        "Options",
        "serde",
        "String",
        "Cow<",
        "&str",
        "u64",
        "i64",
        "u128",
        "i128",
        "f64",
        "usize",
        "enum",
        "struct",
        "deserializ",
        "internal",
    ];
    if let Some((_, plain)) = REWORDED.iter().find(|(lib, _)| message.starts_with(lib)) {
        return plain.to_string();
    }
    if message.is_empty() || LIBRARY_WORDS.iter().any(|w| message.contains(w)) {
        return "the document is not valid YAML here".to_string();
    }
    message.to_string()
}
