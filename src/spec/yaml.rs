//! The one module that knows the YAML library: it turns a file's text into a
//! list of documents, each a tree of nodes carrying byte spans into the file.
//!
//! serde-saphyr stops a stream at its first error, so the text is first cut
//! into documents at `---` / `...` lines (which YAML forbids inside scalars)
//! and each document is parsed on its own: a broken document does not hide
//! its neighbours. Every node, key or value, keeps its span, and mappings keep
//! repeated keys so that the reader can report them.

use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::{DuplicateKeyPolicy, NonFiniteFloatPolicy, Spanned};

use crate::diag::Span;

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
    pub fn scalar_text(&self, file: &str) -> Option<String> {
        match &self.kind {
            Kind::Str(s) => Some(s.clone()),
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
                    Some(raw.to_string())
                } else {
                    Some(self.kind_value_text())
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

/// Cut a file into documents and parse each one.
pub fn parse_documents(file: &str) -> Vec<RawDocument> {
    let mut documents = Vec::new();
    for chunk in split_documents(file) {
        if !has_content(&file[chunk.start..chunk.end]) {
            continue;
        }
        let root = parse_one(file, chunk);
        documents.push(RawDocument {
            index: documents.len() + 1,
            span: chunk,
            root,
        });
    }
    documents
}

/// Byte ranges of the documents: a `---` line opens one, a `...` line ends one.
fn split_documents(file: &str) -> Vec<Span> {
    let mut chunks = Vec::new();
    let mut start = 0;
    let mut offset = 0;
    for line in file.split_inclusive('\n') {
        if is_marker(line, "---") && offset > start {
            chunks.push(Span::new(start, offset));
            start = offset;
        } else if is_marker(line, "...") {
            chunks.push(Span::new(start, offset + line.len()));
            start = offset + line.len();
        }
        offset += line.len();
    }
    if start < file.len() || chunks.is_empty() {
        chunks.push(Span::new(start, file.len()));
    }
    chunks
}

fn is_marker(line: &str, marker: &str) -> bool {
    line.strip_prefix(marker)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t', '\r', '\n']))
}

/// Whether a chunk holds anything but markers, directives, comments and blanks.
fn has_content(chunk: &str) -> bool {
    chunk.lines().any(|line| {
        let mut rest = line.trim_start_matches('\u{feff}');
        if is_marker(rest, "---") || is_marker(rest, "...") {
            rest = &rest[3..];
        } else if rest.starts_with('%') {
            return false;
        }
        let rest = rest.trim();
        !rest.is_empty() && !rest.starts_with('#')
    })
}

fn options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        duplicate_keys: DuplicateKeyPolicy::PassThrough,
        strict_booleans: true,
        non_finite_float_policy: NonFiniteFloatPolicy::AsString,
        with_snippet: false,
    }
}

fn parse_one(file: &str, chunk: Span) -> Result<Node, SyntaxError> {
    let text = &file[chunk.start..chunk.end];
    // A byte-order mark is accepted; spans stay relative to the file.
    let (text, base) = match text.strip_prefix('\u{feff}') {
        Some(rest) => (rest, chunk.start + '\u{feff}'.len_utf8()),
        None => (text, chunk.start),
    };
    match serde_saphyr::from_str_with_options::<RawNode>(text, options()) {
        Ok(raw) => Ok(raw.into_node(text, base)),
        Err(err) => Err(syntax_error(&err, text, base)),
    }
}

fn syntax_error(err: &serde_saphyr::Error, text: &str, base: usize) -> SyntaxError {
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
    SyntaxError {
        message: clean_message(&err.to_string()),
        span,
    }
}

/// serde-saphyr's messages start with `error: line N column M: `; the
/// position is reported separately, so keep only what went wrong.
fn clean_message(message: &str) -> String {
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
    if rest.is_empty() {
        "the document is not valid YAML".to_string()
    } else {
        rest.to_string()
    }
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
        let loc = self.0.referenced;
        let s = loc.span();
        let start = s
            .byte_offset()
            .map(|b| b as usize)
            .unwrap_or_else(|| char_to_byte(text, s.offset() as usize))
            .min(text.len());
        let len = s.byte_len().map(|b| b as usize).unwrap_or(0);
        let end = (start + len).min(text.len());
        let span = Span::new(base + start, base + end);
        let kind = match self.0.value {
            RawKind::Null => Kind::Null,
            RawKind::Bool(b) => Kind::Bool(b),
            RawKind::Int(i) => Kind::Int(i),
            RawKind::Float(f) => Kind::Float(f),
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
            .filter_map(|(k, _)| k.scalar_text(file))
            .collect();
        assert!(keys.contains(&"resourceGroup".to_string()), "{keys:?}");
        assert!(keys.contains(&"nodes".to_string()), "{keys:?}");
        let nodes = pairs
            .iter()
            .find(|(k, _)| k.scalar_text(file).as_deref() == Some("nodes"))
            .map(|(_, v)| v.scalar_text(file));
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
