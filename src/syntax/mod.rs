//! The one module that knows the YAML library: it turns a file's text into a
//! list of documents, each a tree of nodes carrying byte spans into the file.
//!
//! serde-saphyr stops a stream at its first error, so the text is first cut
//! where YAML's documents begin and end (`---` / `...` lines, which YAML
//! forbids inside scalars, at LF, CRLF or CR; directives stay with the
//! document after them) and each chunk is parsed on its own: a broken
//! document does not hide its neighbours. Characters YAML forbids are
//! refused before either reader (the fast one for flat files, or the
//! library) sees the text, so both read it the same. Every node, key or
//! value, keeps the span where it was written, and mappings keep repeated
//! keys so that the reader can report them.

use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::{DuplicateKeyPolicy, NonFiniteFloatPolicy, Spanned};

use crate::diag::Span;

mod encoding;
mod errors;
#[cfg(test)]
mod reading_tests;
mod stream;

pub use encoding::decode;
#[cfg(test)]
use errors::plain_words;
use errors::syntax_error;

#[derive(Debug, Clone)]
pub struct Node {
    pub kind: Kind,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub enum Kind {
    Null,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(String),
    /// A `!!binary` scalar (its base64 text as written): valid YAML whose
    /// value is bytes, not text.
    Binary(String),
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

impl Node {
    /// The node's text exactly as written in the file.
    pub fn raw<'a>(&self, file: &'a str) -> &'a str {
        file.get(self.span.start..self.span.end).unwrap_or("")
    }

    /// For a scalar: the text a person wrote, without quotes. Plain numbers
    /// and booleans give their source text (so `1e3`, `0x10` or `30:00` stay
    /// as written, not as whatever YAML 1.1 would make of them).
    pub fn scalar_text<'a>(&'a self, file: &'a str) -> Option<std::borrow::Cow<'a, str>> {
        use std::borrow::Cow;
        match &self.kind {
            Kind::Str(s) => Some(Cow::Borrowed(s)),
            Kind::Int(_) | Kind::Float(_) | Kind::Bool(_) => {
                let raw = self.raw(file).trim();
                // The span of a value reached through an alias or a merge
                // (`<<`) is where it is used, not its own text: only a plain
                // scalar's own text is taken as written.
                let own_text = raw
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
                    && !raw.contains([' ', '\t', ',', '{', '}', '[', ']', '#', '\n']);
                if own_text {
                    Some(Cow::Borrowed(raw))
                } else {
                    Some(Cow::Owned(self.kind_value_text()))
                }
            }
            _ => None,
        }
    }

    fn kind_value_text(&self) -> String {
        match &self.kind {
            Kind::Int(i) => i.to_string(),
            Kind::Float(f) => f.to_string(),
            Kind::Bool(b) => b.to_string(),
            Kind::Str(s) => s.clone(),
            _ => String::new(),
        }
    }

    /// The node's value as YAML compares mapping keys: by value, not by
    /// spelling. `1` and `0x1` are one key; `1` and `"1"` are two (an
    /// integer and a string). Two nodes are the same key exactly when their
    /// identities are equal.
    pub fn key_identity(&self) -> String {
        match &self.kind {
            Kind::Null => "~".to_string(),
            Kind::Bool(b) => format!("b:{b}"),
            Kind::Int(i) => format!("i:{i}"),
            Kind::Float(f) if *f == 0.0 => "f:0".to_string(),
            Kind::Float(f) => format!("f:{:x}", f.to_bits()),
            Kind::Str(s) => format!("s:{s:?}"),
            Kind::Binary(s) => format!("x:{s:?}"),
            Kind::Seq(items) => {
                let items: Vec<_> = items.iter().map(Node::key_identity).collect();
                format!("[{}]", items.join(","))
            }
            Kind::Map(pairs) => {
                let pairs: Vec<_> = pairs
                    .iter()
                    .map(|(k, v)| format!("{}:{}", k.key_identity(), v.key_identity()))
                    .collect();
                format!("{{{}}}", pairs.join(","))
            }
        }
    }

    /// Whether the scalar was written in quotes.
    pub fn is_quoted(&self, file: &str) -> bool {
        self.raw(file).starts_with(['"', '\''])
    }

    pub fn type_name(&self) -> &'static str {
        match self.kind {
            Kind::Null => "null",
            Kind::Bool(_) => "a boolean",
            Kind::Int(_) => "an integer",
            Kind::Float(_) => "a decimal number",
            Kind::Str(_) => "a string",
            Kind::Binary(_) => "binary data (`!!binary`)",
            Kind::Seq(_) => "a list",
            Kind::Map(_) => "a mapping",
        }
    }
}

/// One document of a file: its 1-based index, and its tree or why it could
/// not be read.
#[derive(Debug)]
pub struct RawDocument {
    pub index: usize,
    /// The whole document's text range in the file.
    pub span: Span,
    pub root: Result<Node, SyntaxError>,
}

#[derive(Debug, Clone)]
pub struct SyntaxError {
    pub message: String,
    pub span: Span,
}

/// Cut a file into documents and parse each one. Every chunk of the stream
/// goes to a reader, comment-only and directive-only ones included; a
/// document is reported when it has content or cannot be read. `index`
/// counts every document of the stream as YAML does, empty ones (a lone
/// `---`) included.
pub fn parse_documents(file: &str) -> Vec<RawDocument> {
    let mut documents = Vec::new();
    let mut index = 0;
    for chunk in stream::split(file) {
        let root = parse_one(file, chunk.span, true);
        let failed = root.is_err();
        if chunk.document || failed {
            index += 1;
        }
        if chunk.content || failed {
            documents.push(RawDocument {
                index: index.max(1),
                span: chunk.span,
                root,
            });
        }
    }
    documents
}

/// The fast reader and the library on one chunk of a stream, as `Debug`
/// text: `Some((fast, library))` when the fast reader answers, `None` when
/// it declines (or when the text holds a character YAML forbids, which is
/// refused before either reader runs). The two must be equal: the
/// differential fuzz target and property test check it.
#[doc(hidden)]
pub fn differential(text: &str) -> Option<(String, String)> {
    let (text, base) = match text.strip_prefix('\u{feff}') {
        Some(rest) => (rest, '\u{feff}'.len_utf8()),
        None => (text, 0),
    };
    if stream::forbidden_character(text).is_some() {
        return None;
    }
    let fast = Ok::<_, SyntaxError>(parse_flat(text, base)?);
    Some((
        format!("{fast:?}"),
        format!("{:?}", parse_library(text, base)),
    ))
}

fn options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        duplicate_keys: DuplicateKeyPolicy::PassThrough,
        strict_booleans: true,
        non_finite_float_policy: NonFiniteFloatPolicy::AsString,
        with_snippet: false,
        // `!!binary` is valid YAML whatever its bytes: kept as written and
        // marked as binary here, never decoded into text.
        ignore_binary_tag_for_string: true,
    }
}

fn parse_one(file: &str, chunk: Span, fast: bool) -> Result<Node, SyntaxError> {
    let text = &file[chunk.start..chunk.end];
    // A byte-order mark is accepted; spans stay relative to the file.
    let (text, base) = match text.strip_prefix('\u{feff}') {
        Some(rest) => (rest, chunk.start + '\u{feff}'.len_utf8()),
        None => (text, chunk.start),
    };
    // Both readers see only text free of what YAML forbids.
    if let Some((at, c)) = stream::forbidden_character(text) {
        return Err(SyntaxError {
            message: stream::forbidden_message(c),
            span: Span::new(base + at, base + at + c.len_utf8()),
        });
    }
    if fast && let Some(node) = parse_flat(text, base) {
        return Ok(node);
    }
    parse_library(text, base)
}

fn parse_library(text: &str, base: usize) -> Result<Node, SyntaxError> {
    match serde_saphyr::from_str_with_options::<RawNode>(text, options()) {
        Ok(raw) => Ok(raw.into_node(text, base)),
        Err(err) => Err(syntax_error(&err, text, base)),
    }
}

/// The shape nearly every job file has, read without the YAML library (which
/// costs some 20 µs a document): a mapping of `key: value` lines at column 0,
/// with comments, blank lines and a leading `---`, where each key is a plain
/// word and each value a single-line plain scalar whose type cannot be in
/// doubt, or a quoted string without escapes. A chunk of only comments,
/// blanks and a `---` is an empty document (null). Anything else
/// (indentation, tabs, flow or block collections, anchors, tags, escapes,
/// directives, `true`, `null`, numbers in any form but a plain decimal, …)
/// gives `None`, and the library reads the document. Lines end at LF, CRLF
/// or CR. Called only on text free of the characters YAML forbids. The tree
/// and its spans are exactly the library's (a property test and a fuzz
/// target compare the two).
fn parse_flat(text: &str, base: usize) -> Option<Node> {
    if text.contains('\t') {
        return None;
    }
    let mut pairs: Vec<(Node, Node)> = Vec::new();
    let mut marker = None;
    for (at, line, _) in stream::lines(text) {
        let start = base + at;
        let content = line.trim_start_matches(' ');
        if content.is_empty() || content.starts_with('#') {
            continue;
        }
        if pairs.is_empty() && marker.is_none() && line.trim_end_matches(' ') == "---" {
            marker = Some(start);
            continue;
        }
        if content.len() != line.len() {
            return None;
        }
        let key_len = line
            .bytes()
            .position(|b| !(b.is_ascii_alphanumeric() || b == b'_' || b == b'-'))
            .unwrap_or(line.len());
        let key = &line[..key_len];
        if !key.starts_with(|c: char| c.is_ascii_alphabetic()) || reserved(key) {
            return None;
        }
        let rest = line[key_len..].strip_prefix(':')?;
        let after = rest.trim_start_matches(' ');
        if after.len() == rest.len() {
            return None;
        }
        let (kind, len) = flat_value(after)?;
        let tail = &after[len..];
        let comment = tail.trim_start_matches(' ');
        if !(comment.is_empty() || (comment.starts_with('#') && comment.len() < tail.len())) {
            return None;
        }
        let value_start = start + key_len + 1 + (rest.len() - after.len());
        pairs.push((
            Node {
                kind: Kind::Str(key.to_string()),
                span: Span::new(start, start + key_len),
            },
            Node {
                kind,
                span: Span::new(value_start, value_start + len),
            },
        ));
    }
    let Some(first) = pairs.first().map(|(k, _)| k.span.start) else {
        // An empty document: the library places its null right after the
        // `---`, or at the end of the text.
        let at = marker.map_or(base + text.len(), |m| m + 3);
        return Some(Node {
            kind: Kind::Null,
            span: Span::new(at, at),
        });
    };
    Some(Node {
        kind: Kind::Map(pairs),
        span: Span::new(first, first),
    })
}

/// Plain words the library reads as something other than a string.
fn reserved(word: &str) -> bool {
    ["true", "false", "null"]
        .iter()
        .any(|r| r.eq_ignore_ascii_case(word))
}

/// A value on a `key: value` line: its kind and its length in bytes (quotes
/// included), or `None` when only the library can tell.
fn flat_value(s: &str) -> Option<(Kind, usize)> {
    let quote = s.chars().next()?;
    if quote == '"' || quote == '\'' {
        let end = s[1..].find(quote)? + 1;
        let inner = &s[1..end];
        if inner.contains('\\') || inner.chars().any(char::is_control) {
            return None;
        }
        if s[end + 1..].starts_with(quote) {
            return None;
        }
        return Some((Kind::Str(inner.to_string()), end + 1));
    }
    // Byte pairs, not substring searches: a value is a few bytes, and
    // setting up a searcher costs more than looking at them.
    let comment = s.as_bytes().windows(2).position(|w| w == b" #");
    let plain = comment.map_or(s, |i| &s[..i]).trim_end_matches(' ');
    let pair = |p: &[u8]| plain.as_bytes().windows(2).any(|w| w == p);
    if plain.is_empty()
        || !plain.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'/' | b':' | b'+' | b'-' | b' ')
        })
        || pair(b": ")
        || pair(b"  ")
        || plain.ends_with(':')
    {
        return None;
    }
    let first = plain.as_bytes()[0];
    let decimal = plain.len() <= 18
        && plain.bytes().all(|b| b.is_ascii_digit())
        && (first != b'0' || plain.len() == 1);
    if decimal {
        return Some((Kind::Int(plain.parse().ok()?), plain.len()));
    }
    let text = if first.is_ascii_alphabetic() {
        !reserved(plain)
    } else if first.is_ascii_digit() {
        // No number of any YAML form has a `:`, a `-` without an exponent,
        // or a letter past `f` other than the base markers o and x.
        plain.contains(':')
            || (plain.contains('-') && !plain.contains(['e', 'E']))
            || plain.bytes().any(|b| {
                b.is_ascii_alphabetic() && b.to_ascii_lowercase() > b'f' && !b"oOxX".contains(&b)
            })
    } else {
        false
    };
    text.then(|| (Kind::Str(plain.to_string()), plain.len()))
}

/// Whether the scalar starting at `start` carries the `!!binary` tag (or
/// its long forms), written just before it.
fn binary_tagged(text: &str, start: usize) -> bool {
    let before = text[..start.min(text.len())].trim_end_matches([' ', '\t', '\n', '\r']);
    ["!!binary", "!binary", "!<tag:yaml.org,2002:binary>"]
        .iter()
        .any(|t| before.ends_with(t))
}

fn char_to_byte(text: &str, chars: usize) -> usize {
    text.char_indices()
        .nth(chars)
        .map(|(i, _)| i)
        .unwrap_or(text.len())
}

/// The tree as serde-saphyr hands it over: spans in document coordinates.
struct RawNode(Spanned<RawKind>);

enum RawKind {
    Null,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(String),
    Seq(Vec<RawNode>),
    Map(Vec<(RawNode, RawNode)>),
}

impl RawNode {
    fn into_node(self, text: &str, base: usize) -> Node {
        // `defined` is where the value was written: for a value reached
        // through an alias or a merge key (`<<`), the anchored node, not the
        // `*name` that uses it. Elsewhere it is the same as `referenced`.
        let loc = self.0.defined;
        let s = loc.span();
        let start = s
            .byte_offset()
            .map(|b| b as usize)
            .unwrap_or_else(|| char_to_byte(text, s.offset() as usize))
            .min(text.len());
        let len = s.byte_len().map(|b| b as usize).unwrap_or(0);
        let end = (start + len).min(text.len());
        let mut span = Span::new(base + start, base + end);
        if !matches!(self.0.value, RawKind::Seq(_) | RawKind::Map(_)) {
            // A block scalar's span runs on over its line break.
            let kept = text[start..end].trim_end().len();
            span.end = span.start + kept;
        }
        let kind = match self.0.value {
            RawKind::Null => Kind::Null,
            RawKind::Bool(b) => Kind::Bool(b),
            RawKind::Int(i) => Kind::Int(i),
            RawKind::Float(f) => Kind::Float(f),
            RawKind::Str(s) if binary_tagged(text, start) => Kind::Binary(s),
            RawKind::Str(s) => Kind::Str(s),
            RawKind::Seq(items) => {
                Kind::Seq(items.into_iter().map(|n| n.into_node(text, base)).collect())
            }
            RawKind::Map(pairs) => Kind::Map(
                pairs
                    .into_iter()
                    .map(|(k, v)| (k.into_node(text, base), v.into_node(text, base)))
                    .collect(),
            ),
        };
        Node { kind, span }
    }
}

impl<'de> Deserialize<'de> for RawNode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Spanned::<RawKind>::deserialize(d).map(RawNode)
    }
}

impl<'de> Deserialize<'de> for RawKind {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(KindVisitor)
    }
}

struct KindVisitor;

impl<'de> Visitor<'de> for KindVisitor {
    type Value = RawKind;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_unit<E>(self) -> Result<RawKind, E> {
        Ok(RawKind::Null)
    }
    fn visit_none<E>(self) -> Result<RawKind, E> {
        Ok(RawKind::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<RawKind, D::Error> {
        d.deserialize_any(KindVisitor)
    }
    fn visit_bool<E>(self, v: bool) -> Result<RawKind, E> {
        Ok(RawKind::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<RawKind, E> {
        Ok(RawKind::Int(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<RawKind, E> {
        Ok(RawKind::Int(v.into()))
    }
    fn visit_i128<E>(self, v: i128) -> Result<RawKind, E> {
        Ok(RawKind::Int(v))
    }
    fn visit_u128<E>(self, v: u128) -> Result<RawKind, E> {
        Ok(i128::try_from(v).map_or(RawKind::Float(v as f64), RawKind::Int))
    }
    fn visit_f64<E>(self, v: f64) -> Result<RawKind, E> {
        Ok(RawKind::Float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<RawKind, E> {
        Ok(RawKind::Str(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<RawKind, E> {
        Ok(RawKind::Str(v))
    }
    fn visit_bytes<E>(self, v: &[u8]) -> Result<RawKind, E> {
        Ok(RawKind::Str(String::from_utf8_lossy(v).into_owned()))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawKind, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<RawNode>()? {
            items.push(item);
        }
        Ok(RawKind::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawKind, A::Error> {
        let mut pairs = Vec::new();
        while let Some(key) = map.next_key::<RawNode>()? {
            let value = map.next_value::<RawNode>()?;
            pairs.push((key, value));
        }
        Ok(RawKind::Map(pairs))
    }
}

#[cfg(test)]
mod tests {
    /// The fast reader gives exactly the library's tree, spans included,
    /// whenever it answers at all.
    #[test]
    fn flat_reader_agrees_with_the_library() {
        let samples = [
            "1",
            "0",
            "08",
            "+1",
            "-1",
            "1_000",
            "0x10",
            "0o17",
            "0b11",
            "1.5",
            ".5",
            "1e3",
            "1E3",
            "1e-3",
            "16G",
            "16E",
            "16e",
            "36h",
            "1d12h",
            "2-00:00:00",
            "12:00:00",
            "30:00",
            "1:30",
            "2001-12-14",
            "0x1G",
            "1.5G",
            "120GiB",
            "bench-000001",
            "true",
            "True",
            "FALSE",
            "yes",
            "no",
            "null",
            "Null",
            "~",
            ".inf",
            "nan",
            "inf",
            "\"2-00:00:00\"",
            "'x'",
            "'it''s'",
            "\"a\\nb\"",
            "a b",
            "1 2",
            "16 G",
            "123456789012345678",
            "1234567890123456789",
            "G16",
            "unlimited",
            "-",
            "a:b",
            "a/b",
            "x-owner",
            "1-2",
            "2d",
            "a #c",
            "a#c",
            "\"q\" #c",
            "\"q\"x",
            "",
            "[1, 2]",
            "{a: 1}",
            "&a x",
            "*a",
            "!tag x",
            "|",
            ">",
            "@x",
            "`x",
        ];
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = move |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        let alphabet: Vec<char> = "0123456789abcdefghoxGMKiBTtrunl.:-+/ _#\"'eE~"
            .chars()
            .collect();
        let keys = [
            "cpus", "memory", "x-owner", "name", "true", "a_b", "Null", "k9",
        ];
        let mut checked = 0;
        for round in 0..40_000 {
            let mut text = String::new();
            if next(5) == 0 {
                text.push_str("---\n");
            }
            for _ in 0..1 + next(4) {
                match next(12) {
                    0 => text.push_str("# a comment\n"),
                    1 => text.push('\n'),
                    2 => text.push_str("  indented: 1\n"),
                    _ => {}
                }
                let key = keys[next(keys.len())];
                let value = if round % 2 == 0 {
                    samples[next(samples.len())].to_string()
                } else {
                    (0..1 + next(7))
                        .map(|_| alphabet[next(alphabet.len())])
                        .collect()
                };
                let gap = [" ", "  ", ""][next(3)];
                let tail = ["", "   ", " # c", "#c"][next(4)];
                text.push_str(&format!("{key}:{gap}{value}{tail}\n"));
            }
            let base = next(3);
            if let Some(fast) = parse_flat(&text, base) {
                let library = parse_library(&text, base);
                assert_eq!(
                    format!("{:?}", Ok::<_, SyntaxError>(fast)),
                    format!("{library:?}"),
                    "for {text:?}"
                );
                checked += 1;
            }
        }
        assert!(
            checked > 1000,
            "only {checked} documents took the fast path"
        );
    }

    #[test]
    fn flat_reader_takes_job_files() {
        let text = "# yaml-language-server: $schema=x\nname: a-job\nresourceGroup: TeslaM40\ncpus: 8\ngpus: 2\nmemory: 16G   # per node\nwalltime: \"2-00:00:00\"\nx-owner: nlp\n";
        assert!(parse_flat(text, 0).is_some());
        assert!(parse_flat("a:\n  b: 1\n", 0).is_none());
        assert!(parse_flat("{\"a\": 1}", 0).is_none());
    }

    use super::*;

    fn at<'a>(file: &'a str, node: &Node) -> &'a str {
        node.raw(file)
    }

    fn pairs_of(doc: &RawDocument) -> &[(Node, Node)] {
        match &doc.root {
            Ok(Node {
                kind: Kind::Map(pairs),
                ..
            }) => pairs,
            other => panic!("not a mapping: {other:?}"),
        }
    }

    #[test]
    fn spans_point_into_the_file_across_documents() {
        let file = "# jobs\ncpus: 8\n---\nname: \"b\"\ncpus: 9\n";
        let docs = parse_documents(file);
        assert_eq!(docs.len(), 2);
        let Ok(Node {
            kind: Kind::Map(pairs),
            ..
        }) = &docs[1].root
        else {
            panic!("second document is not a mapping: {:?}", docs[1].root);
        };
        assert_eq!(docs[1].index, 2);
        assert_eq!(at(file, &pairs[0].1), "\"b\"");
        assert_eq!(at(file, &pairs[1].0), "cpus");
        assert_eq!(at(file, &pairs[1].1), "9");
    }

    #[test]
    fn a_broken_document_does_not_hide_its_neighbours() {
        let file = "cpus: 8\n---\ncpus: [1, 2\nmemory: 3\n---\ncpus: 9\n";
        let docs = parse_documents(file);
        assert_eq!(docs.len(), 3);
        assert!(docs[0].root.is_ok());
        let err = docs[1].root.as_ref().unwrap_err();
        assert!(err.span.start >= file.find("cpus: [").unwrap());
        assert!(docs[2].root.is_ok());
    }

    #[test]
    fn duplicate_keys_are_kept() {
        let file = "cpus: 8\ncpus: 9\n";
        let docs = parse_documents(file);
        let pairs = pairs_of(&docs[0]);
        assert_eq!(pairs.len(), 2);
    }

    #[test]
    fn scalar_text_keeps_what_was_written() {
        let file = "a: 1e3\nb: 30:00\nc: \"16G\"\nd: n\n";
        let docs = parse_documents(file);
        let pairs = pairs_of(&docs[0]);
        let texts: Vec<_> = pairs
            .iter()
            .map(|(_, v)| v.scalar_text(file).unwrap())
            .collect();
        assert_eq!(texts, ["1e3", "30:00", "16G", "n"]);
    }

    #[test]
    fn merged_and_aliased_values_keep_their_own_text() {
        let file = "x: &d {memory: 8G, cpus: 3}\n<<: {resourceGroup: A, nodes: 2}\ncpus: *d\n";
        let docs = parse_documents(file);
        let pairs = pairs_of(&docs[0]);
        let keys: Vec<_> = pairs
            .iter()
            .filter_map(|(k, _)| k.scalar_text(file).map(|t| t.into_owned()))
            .collect();
        assert!(keys.contains(&"resourceGroup".to_string()), "{keys:?}");
        assert!(keys.contains(&"nodes".to_string()), "{keys:?}");
        let nodes = pairs
            .iter()
            .find(|(k, _)| k.scalar_text(file).as_deref() == Some("nodes"))
            .map(|(_, v)| v.scalar_text(file).map(|t| t.into_owned()));
        assert_eq!(nodes, Some(Some("2".to_string())));
    }

    #[test]
    fn empty_and_comment_only_documents_are_skipped() {
        assert!(parse_documents("").is_empty());
        assert!(parse_documents("# nothing\n---\n---\n").is_empty());
        assert_eq!(parse_documents("---\na: 1\n---\n").len(), 1);
    }

    #[test]
    fn bom_is_accepted() {
        let file = "\u{feff}cpus: 8\n";
        let docs = parse_documents(file);
        let pairs = pairs_of(&docs[0]);
        assert_eq!(at(file, &pairs[0].1), "8");
    }
}
