//! Reading job requests: job specs and platform create-task bodies, each
//! value with the span it came from. Every structural problem of a document
//! is reported at once; nothing here knows about limits.

mod cards;
pub mod fields;
pub mod schema;
mod seen;
mod text;
mod values;

use std::collections::{BTreeMap, HashMap};

pub use crate::vocab::AccelType;
use crate::vocab::LimitKey;

use crate::diag::{Code, Diagnostic, Severity, Span, did_you_mean};
use crate::syntax::{self as yaml, Kind, Node};
use crate::units::{Memory, TimeLimit};
use fields::Ty;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DocKind {
    JobSpec,
    PlatformBody,
}

/// A value read from a document, with where it was written.
#[derive(Clone, Debug, PartialEq)]
pub struct Value<T> {
    pub value: T,
    pub span: Span,
    /// The key as written (`cpus`, `cpuNumber`, …).
    pub key: &'static str,
}

#[derive(Clone, Debug)]
pub struct Job {
    pub kind: DocKind,
    pub name: Option<String>,
    pub group: Option<Value<String>>,
    /// The type whose limits apply: stated, or inferred from the cards.
    pub accelerator: AccelType,
    /// Where the type was stated or implied (acceleratorType, or the cards).
    pub accelerator_span: Option<Span>,
    /// The amounts the rules judge (cores, cards, memory, nodes, run time),
    /// by the limit that bounds them. Which keys fill them, and how each is
    /// read, comes from the field table (`fields::LIMITS`, `fields::FIELDS`),
    /// so a new limit needs no member here.
    pub amounts: BTreeMap<LimitKey, Value<Amount>>,
    /// Whether a walltime was written at all (it may have been unreadable).
    pub walltime_given: bool,
    /// Where job-wide diagnostics point (the document's first key).
    pub anchor: Span,
}

/// An amount read from a request, of the type its field's row gives.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Amount {
    Count(u64),
    Memory(Memory),
    Time(TimeLimit),
}

impl<T> Value<T> {
    fn map<U>(self, f: impl FnOnce(T) -> U) -> Value<U> {
        Value {
            value: f(self.value),
            span: self.span,
            key: self.key,
        }
    }
}

impl Job {
    fn amount<T>(&self, key: LimitKey, of: impl FnOnce(Amount) -> Option<T>) -> Option<Value<T>> {
        let v = self.amounts.get(&key)?;
        Some(Value {
            value: of(v.value)?,
            span: v.span,
            key: v.key,
        })
    }

    /// A whole-number amount (cores, cards, nodes, …).
    pub fn count(&self, key: LimitKey) -> Option<Value<u64>> {
        self.amount(key, |a| match a {
            Amount::Count(n) => Some(n),
            _ => None,
        })
    }

    /// A memory amount (memory per node, …).
    pub fn memory_of(&self, key: LimitKey) -> Option<Value<Memory>> {
        self.amount(key, |a| match a {
            Amount::Memory(m) => Some(m),
            _ => None,
        })
    }

    /// A run time.
    pub fn time_of(&self, key: LimitKey) -> Option<Value<TimeLimit>> {
        self.amount(key, |a| match a {
            Amount::Time(t) => Some(t),
            _ => None,
        })
    }

    /// Set or clear an amount.
    pub fn set(&mut self, key: LimitKey, value: Option<Value<Amount>>) {
        match value {
            Some(v) => self.amounts.insert(key, v),
            None => self.amounts.remove(&key),
        };
    }

    pub fn cpus(&self) -> Option<Value<u64>> {
        self.count(LimitKey::Cpus)
    }

    /// Accelerator cards per node, of the job's type.
    pub fn cards(&self) -> Option<Value<u64>> {
        self.count(LimitKey::Cards)
    }

    pub fn nodes(&self) -> Option<Value<u64>> {
        self.count(LimitKey::Nodes)
    }

    pub fn memory(&self) -> Option<Value<Memory>> {
        self.memory_of(LimitKey::Memory)
    }

    pub fn walltime(&self) -> Option<Value<TimeLimit>> {
        self.time_of(LimitKey::Time)
    }

    /// The (group, accelerator type) pair whose limits apply, when the
    /// group is known.
    pub fn pair(&self) -> Option<crate::vocab::Pair> {
        self.group.as_ref().map(|g| crate::vocab::Pair {
            group: g.value.clone(),
            accelerator: self.accelerator,
        })
    }

    pub fn field_name(&self, spec: &'static str, body: &'static str) -> &'static str {
        match self.kind {
            DocKind::JobSpec => spec,
            DocKind::PlatformBody => body,
        }
    }
}

/// One document of a file, read: the job (when it could be read as one) and
/// every problem found while reading it.
#[derive(Debug)]
pub struct Document {
    pub index: usize,
    pub job: Option<Job>,
    pub diagnostics: Vec<Diagnostic>,
    /// Diagnostics not made, beyond [`KEPT_UNKNOWN`] unknown keys: counted
    /// only, so that a file of a million unknown keys stays small.
    pub hidden: usize,
}

/// At most this many `unknown-field` diagnostics are made per document; the
/// rest are counted (reports show at most 100 diagnostics per document).
pub const KEPT_UNKNOWN: usize = 100;

/// Read a file: a `.json` file must be strict JSON (single quotes, bare
/// keys, comments or trailing commas, which YAML would let pass, are a
/// `syntax-error`); then every document is read.
pub fn read_file(file: &str, json: bool) -> Vec<Document> {
    if json && let Some(problem) = json_syntax_error(file) {
        return vec![Document {
            index: 1,
            job: None,
            diagnostics: vec![problem],
            hidden: 0,
        }];
    }
    if json {
        return read_documents(&lone_surrogates_replaced(file));
    }
    read_documents(file)
}

/// A lone surrogate escape (`\ud800` with no other half) is valid JSON,
/// which YAML cannot hold: each is read as U+FFFD (`\ufffd`, the same six
/// bytes, so every position stays where it was).
fn lone_surrogates_replaced(file: &str) -> std::borrow::Cow<'_, str> {
    if !file.contains("\\u") && !file.contains("\\U") {
        return std::borrow::Cow::Borrowed(file);
    }
    let b = file.as_bytes();
    let hex = |at: usize| -> Option<u32> {
        let digits = file.get(at..at + 4)?;
        if !digits.bytes().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        u32::from_str_radix(digits, 16).ok()
    };
    let escape = |at: usize| -> Option<u32> {
        (b.get(at) == Some(&b'\\') && b.get(at + 1) == Some(&b'u'))
            .then(|| hex(at + 2))
            .flatten()
    };
    let mut lone: Vec<usize> = Vec::new();
    let (mut i, mut in_string) = (0, false);
    while i < b.len() {
        match b[i] {
            b'"' => in_string = !in_string,
            b'\\' if in_string => {
                if let Some(code) = escape(i) {
                    match code {
                        0xD800..=0xDBFF if matches!(escape(i + 6), Some(0xDC00..=0xDFFF)) => {
                            i += 12;
                            continue;
                        }
                        0xD800..=0xDFFF => lone.push(i),
                        _ => {}
                    }
                    i += 6;
                    continue;
                }
                i += 2;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    if lone.is_empty() {
        return std::borrow::Cow::Borrowed(file);
    }
    let mut out = file.to_string();
    for at in lone {
        out.replace_range(at..at + 6, "\\ufffd");
    }
    std::borrow::Cow::Owned(out)
}

fn json_syntax_error(file: &str) -> Option<Diagnostic> {
    let text = file.strip_prefix('\u{feff}').unwrap_or(file);
    if text.trim().is_empty() {
        return None;
    }
    let err = serde_json::from_str::<serde::de::IgnoredAny>(text).err()?;
    let base = file.len() - text.len();
    let line_start: usize = text
        .split_inclusive('\n')
        .take(err.line().saturating_sub(1))
        .map(str::len)
        .sum();
    let line = text[line_start..].split('\n').next().unwrap_or("");
    let at = crate::diag::floor_char_boundary(line, err.column().saturating_sub(1).min(line.len()));
    let mut start = base + line_start + at;
    let mut width = line[at..].chars().next().map_or(0, char::len_utf8);
    let mut message = err.to_string();
    // serde_json notices a trailing comma at the bracket after it.
    let before = file[..start].trim_end();
    if file[start..].starts_with(['}', ']']) && before.ends_with(',') {
        (start, width) = (before.len() - 1, 1);
        message = "a comma before the closing bracket (JSON allows no trailing comma)".into();
    }
    let message = message
        .rsplit_once(" at line ")
        .map_or(message.as_str(), |(m, _)| m);
    let mut d = Diagnostic::at(
        Code::SyntaxError,
        Span::new(start, start + width),
        format!("not valid JSON: {message}"),
    )
    .label("here")
    .help("a .json file must be strict JSON: double-quoted keys and strings, no comments, no trailing commas");
    d.document = Some(1);
    Some(d)
}

/// Read every document of a file.
pub fn read_documents(file: &str) -> Vec<Document> {
    yaml::parse_documents(file)
        .into_iter()
        .map(|raw| {
            let mut diagnostics = Vec::new();
            let mut hidden = 0;
            let job = match raw.root {
                Ok(root) => read_job(file, &root, &mut diagnostics, &mut hidden),
                Err(err) => {
                    diagnostics.push(
                        Diagnostic::at(Code::SyntaxError, err.span, err.message)
                            .label("here")
                            .help("fix the YAML/JSON syntax; the other documents of the file are still checked"),
                    );
                    None
                }
            };
            for d in &mut diagnostics {
                d.document = Some(raw.index);
            }
            Document {
                index: raw.index,
                job,
                diagnostics,
                hidden,
            }
        })
        .collect()
}

fn read_job(
    file: &str,
    root: &Node,
    diags: &mut Vec<Diagnostic>,
    hidden: &mut usize,
) -> Option<Job> {
    let Kind::Map(pairs) = &root.kind else {
        // A block list starts with no width: underline its first line.
        let mut span = root.span;
        if span.is_empty() {
            let rest = &file[span.start..];
            span.end = span.start + rest.find('\n').unwrap_or(rest.len());
            span.end = span.start + file[span.start..span.end].trim_end().len();
        }
        diags.push(
            Diagnostic::at(
                Code::InvalidValue,
                span,
                format!(
                    "a job request must be a mapping of keys to values, but this document is {}",
                    root.type_name()
                ),
            )
            .label("expected a mapping")
            .help("write the job as `key: value` lines (resourceGroup, cpus, memory, …)"),
        );
        return None;
    };
    let keys = keys_of(file, pairs, diags);
    for (_, value) in pairs {
        nested_duplicates(file, value, diags);
    }
    let kind = detect_kind(&keys);
    let anchor = keys
        .first()
        .map(|k| k.key_span)
        .filter(|s| !s.is_empty())
        .unwrap_or(root.span);
    let mut reader = Reader {
        file,
        kind,
        diags,
        anchor,
        unknown: 0,
    };
    let job = match kind {
        DocKind::JobSpec => reader.job_spec(&keys),
        DocKind::PlatformBody => reader.platform_body(&keys),
    };
    *hidden += reader.unknown.saturating_sub(KEPT_UNKNOWN);
    Some(job)
}

struct Entry<'n> {
    key: std::borrow::Cow<'n, str>,
    key_span: Span,
    value: &'n Node,
}

/// The string keys of a mapping, each once; repeated keys are reported and
/// the last occurrence is used (in the first one's place), as JSON and YAML
/// readers take it.
fn keys_of<'n>(
    file: &'n str,
    pairs: &'n [(Node, Node)],
    diags: &mut Vec<Diagnostic>,
) -> Vec<Entry<'n>> {
    // A job file has a few keys: those are compared one by one, which costs
    // less than hashing each; a large mapping is hashed.
    let mut seen = seen::Seen::new(pairs.len());
    let mut entries = Vec::with_capacity(pairs.len());
    for (key, value) in pairs {
        let name = match (&key.kind, key.scalar_text(file)) {
            (Kind::Str(_) | Kind::Int(_) | Kind::Float(_) | Kind::Bool(_), Some(text)) => text,
            _ => {
                diags.push(
                    Diagnostic::at(
                        Code::InvalidValue,
                        key.span,
                        format!("a key must be a plain name, not {}", key.type_name()),
                    )
                    .label("not a name"),
                );
                continue;
            }
        };
        let identity = match &key.kind {
            Kind::Str(s) => (true, std::borrow::Cow::Borrowed(s.as_str())),
            _ => (false, std::borrow::Cow::Owned(key.key_identity())),
        };
        if let Some((first, at)) = seen.get(&identity) {
            diags.push(duplicate_key(&name, key.span, first).help(format!(
                "keep one `{name}`; the last is the one checked, as JSON and YAML readers take it"
            )));
            // The last one wins, in the place of the first.
            entries[at] = Entry {
                key: name,
                key_span: key.span,
                value,
            };
            continue;
        }
        seen.insert(identity, (key.span, entries.len()));
        entries.push(Entry {
            key: name,
            key_span: key.span,
            value,
        });
    }
    entries
}

fn duplicate_key(name: &str, span: Span, first: Span) -> Diagnostic {
    Diagnostic::at(
        Code::DuplicateKey,
        span,
        format!("`{name}` is given twice in this mapping"),
    )
    .label("repeated here")
    .note(first, "first given here")
    .help(format!("keep one `{name}`"))
    .field(name)
}

/// Repeated keys in mappings inside values (`mountInfoList` items, `x-`
/// blocks): reported too, as YAML and JSON forbid them everywhere.
fn nested_duplicates(file: &str, node: &Node, diags: &mut Vec<Diagnostic>) {
    match &node.kind {
        Kind::Seq(items) => items
            .iter()
            .for_each(|item| nested_duplicates(file, item, diags)),
        Kind::Map(pairs) => {
            let mut seen: HashMap<String, Span> = HashMap::new();
            for (key, value) in pairs {
                if let Some(name) = key.scalar_text(file) {
                    let identity = key.key_identity();
                    if let Some(first) = seen.get(&identity) {
                        diags.push(duplicate_key(&name, key.span, *first));
                    } else {
                        seen.insert(identity, key.span);
                    }
                }
                nested_duplicates(file, value, diags);
            }
        }
        _ => {}
    }
}

fn detect_kind(entries: &[Entry]) -> DocKind {
    let body = entries.iter().filter(|e| fields::body_only(&e.key)).count();
    let spec = entries.iter().filter(|e| fields::spec_only(&e.key)).count();
    if body > spec {
        DocKind::PlatformBody
    } else {
        DocKind::JobSpec
    }
}

struct Reader<'a> {
    file: &'a str,
    kind: DocKind,
    diags: &'a mut Vec<Diagnostic>,
    anchor: Span,
    /// Unknown keys met so far.
    unknown: usize,
}

impl Reader<'_> {
    fn push(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    fn invalid(&mut self, node: &Node, key: &str, message: String, label: &str, help: String) {
        self.push(
            Diagnostic::at(Code::InvalidValue, node.span, message)
                .label(label)
                .help(help)
                .field(key)
                .requested(match &node.kind {
                    Kind::Seq(_) | Kind::Map(_) | Kind::Null => node.type_name().to_string(),
                    _ => node.raw(self.file).trim().to_string(),
                }),
        );
    }

    fn missing(&mut self, key: &str, help: &str) {
        let what = match self.kind {
            DocKind::JobSpec => "job spec",
            DocKind::PlatformBody => "platform body",
        };
        self.push(
            Diagnostic::at(
                Code::MissingField,
                self.anchor,
                format!("this {what} has no `{key}`, which is required"),
            )
            .label(format!("`{key}` missing in this document"))
            .help(help.to_string())
            .field(key),
        );
    }

    fn unknown(&mut self, entry: &Entry) {
        self.unknown += 1;
        if self.unknown > KEPT_UNKNOWN {
            return;
        }
        let key = &*entry.key;
        let known = fields::keys(self.kind);
        let (severity, what, other, other_what) = match self.kind {
            DocKind::JobSpec => (
                Severity::Error,
                "a job spec",
                DocKind::PlatformBody,
                "a platform body",
            ),
            DocKind::PlatformBody => (
                Severity::Warning,
                "a platform body",
                DocKind::JobSpec,
                "a job spec",
            ),
        };
        let help = if let Some(same) = fields::get(other, key).and_then(|f| f.equivalent) {
            format!("`{key}` belongs to {other_what}; {what} writes `{same}`")
        } else if let Some(near) = did_you_mean(key, known.iter().copied()) {
            format!("did you mean `{near}`?")
        } else if self.kind == DocKind::JobSpec {
            format!(
                "known keys: {}; keys starting with `x-` are ignored",
                known.join(", ")
            )
        } else {
            format!(
                "`{key}` is not a documented key of the create-task body, so jobcheck does not check it; make sure the platform expects it"
            )
        };
        self.push(
            Diagnostic::at(
                Code::UnknownField,
                entry.key_span,
                format!("unknown key `{key}` in {what}"),
            )
            .severity(severity)
            .label("unknown key")
            .help(help)
            .field(key),
        );
    }

    /// A judged amount (a row of `fields::LIMITS`, other than the card
    /// keys, which depend on the type), read by its field's type: `None`
    /// when `e` is not one.
    fn judged(&mut self, e: &Entry) -> Option<(LimitKey, Option<Value<Amount>>)> {
        let row = fields::LIMITS
            .iter()
            .find(|l| l.limit != LimitKey::Quota && fields::key_in(l, self.kind) == e.key)?;
        let field = fields::get(self.kind, &e.key)?;
        let key = field.key;
        let value = match field.ty {
            Ty::Count { min } => self
                .count(e, key, min, row.noun)
                .map(|v| v.map(Amount::Count)),
            Ty::Memory => self.memory(e, key).map(|v| v.map(Amount::Memory)),
            Ty::Time => self.time(e, key).map(|v| v.map(Amount::Time)),
            _ => return None,
        };
        Some((row.limit, value))
    }

    fn job_spec(&mut self, entries: &[Entry]) -> Job {
        let mut name = None;
        let mut group = None;
        let mut explicit = None;
        let mut cards: Vec<cards::Cards> = Vec::new();
        let mut amounts = BTreeMap::new();
        for e in entries {
            if let Some(t) = AccelType::of_cards_key(&e.key) {
                cards.push((t, e.key_span, self.count(e, t.cards_key(), 0, "cards")));
                continue;
            }
            match &*e.key {
                "name" => {
                    name = self
                        .text(e, "name")
                        .map(|v| v.value)
                        .filter(|n| !n.trim().is_empty())
                }
                "resourceGroup" => group = self.text(e, "resourceGroup"),
                "acceleratorType" => explicit = self.accelerator_type(e),
                k if k.starts_with("x-") => {}
                _ => match self.judged(e) {
                    Some((limit, Some(v))) => {
                        amounts.insert(limit, v);
                    }
                    Some((_, None)) => {}
                    None => self.unknown(e),
                },
            }
        }
        self.required(entries);

        let (accelerator, accelerator_span, job_cards) = self.spec_cards(cards, &explicit);
        let time_key = fields::limit_field(LimitKey::Time).spec_key;
        let mut job = Job {
            kind: DocKind::JobSpec,
            name,
            group,
            accelerator,
            accelerator_span,
            amounts,
            walltime_given: entries.iter().any(|e| e.key == time_key),
            anchor: self.anchor,
        };
        job.set(LimitKey::Cards, job_cards.map(|v| v.map(Amount::Count)));
        job
    }

    fn platform_body(&mut self, entries: &[Entry]) -> Job {
        let time_key = fields::limit_field(LimitKey::Time).body_key;
        let mut job = Job {
            kind: DocKind::PlatformBody,
            name: None,
            group: None,
            accelerator: AccelType::Cpu,
            accelerator_span: None,
            amounts: BTreeMap::new(),
            walltime_given: entries.iter().any(|e| e.key == time_key),
            anchor: self.anchor,
        };
        let mut explicit = None;
        let mut use_start_script = None;
        for e in entries {
            match &*e.key {
                "instanceServiceName" => {
                    job.name = self.text(e, "instanceServiceName").map(|v| v.value)
                }
                "description" | "version" | "imagePath" | "startScriptContent" | "env"
                | "headerNotebookId" | "headerNotebookIp" | "startScriptPath" => {
                    let key = fields::get(DocKind::PlatformBody, &e.key).map_or("", |f| f.key);
                    self.text(e, key);
                }
                "acceleratorType" => explicit = self.accelerator_type(e),
                "taskType" => {
                    self.one_of(e, "taskType");
                }
                "startScriptActionScope" => {
                    self.one_of(e, "startScriptActionScope");
                }
                "useStartScript" => use_start_script = self.boolean(e, "useStartScript"),
                "resourceGroup" => job.group = self.text(e, "resourceGroup"),
                "mountInfoList" => self.list(e, "mountInfoList"),
                "containerPortInfoList" => self.list(e, "containerPortInfoList"),
                _ => match self.judged(e) {
                    Some((limit, v)) => job.set(limit, v),
                    None => self.unknown(e),
                },
            }
        }
        self.required(entries);
        self.start_script(use_start_script, entries);
        self.body_cards(&mut job, &explicit);
        job
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(file: &str) -> Vec<(usize, &'static str)> {
        read_documents(file)
            .iter()
            .flat_map(|d| {
                d.diagnostics
                    .iter()
                    .map(move |x| (d.index, x.code.as_str()))
            })
            .collect()
    }

    #[test]
    fn every_structural_problem_at_once() {
        let file = "resourceGroup: TeslaM40\ncpu: 8\nmemroy: 16G\nmemory: 16X\n";
        assert_eq!(
            codes(file),
            [
                (1, "unknown-field"),
                (1, "unknown-field"),
                (1, "invalid-value"),
                (1, "missing-field")
            ]
        );
    }

    #[test]
    fn reads_a_job_spec() {
        let file = "name: a\nresourceGroup: G\ncpus: 8\ngpus: 2\nmemory: 16G\nwalltime: \"2-00:00:00\"\nx-team: ml\n";
        let docs = read_documents(file);
        assert!(docs[0].diagnostics.is_empty(), "{:?}", docs[0].diagnostics);
        let job = docs[0].job.as_ref().unwrap();
        assert_eq!(job.accelerator, AccelType::Gpu);
        assert_eq!(job.cards().as_ref().unwrap().value, 2);
        assert_eq!(job.cpus().as_ref().unwrap().value, 8);
        assert_eq!(
            &file[job.cpus().as_ref().unwrap().span.start..job.cpus().as_ref().unwrap().span.end],
            "8"
        );
    }

    #[test]
    fn reads_a_platform_body() {
        let file = r#"{"instanceServiceName":"nb","acceleratorType":"dcu","taskType":"jupyter","version":"1","imagePath":"img","timeoutLimit":"01:00:00","taskNumber":1,"resourceGroup":"G","useStartScript":false,"startScriptActionScope":"all","cpuNumber":8,"ramSize":16384,"gpuNumber":1}"#;
        let docs = read_documents(file);
        assert!(docs[0].diagnostics.is_empty(), "{:?}", docs[0].diagnostics);
        let job = docs[0].job.as_ref().unwrap();
        assert_eq!(job.kind, DocKind::PlatformBody);
        assert_eq!(job.accelerator, AccelType::Dcu);
        assert_eq!(job.cpus().as_ref().unwrap().value, 8);
        assert_eq!(job.memory().as_ref().unwrap().value.mib(), 16384.0);
    }

    /// Every judged amount is read into the job by its table row, in both
    /// kinds of document.
    #[test]
    fn every_limit_row_is_read_into_the_job() {
        let body = r#"{"instanceServiceName":"nb","acceleratorType":"dcu","taskType":"jupyter","version":"1","imagePath":"img","timeoutLimit":"01:00:00","taskNumber":2,"resourceGroup":"G","useStartScript":false,"startScriptActionScope":"all","cpuNumber":8,"ramSize":16384,"gpuNumber":1}"#;
        let mut spec = String::from("resourceGroup: G\n");
        for row in fields::LIMITS.iter().filter(|r| r.limit != LimitKey::Quota) {
            let value = match fields::get(DocKind::JobSpec, row.spec_key).map(|f| f.ty) {
                Some(Ty::Count { .. }) => "2",
                Some(Ty::Memory) => "2G",
                Some(Ty::Time) => "2h",
                other => panic!("{}: {other:?}", row.spec_key),
            };
            spec.push_str(&format!("{}: {value}\n", row.spec_key));
        }
        let mut body: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(body).unwrap();
        for row in fields::LIMITS.iter().filter(|r| r.limit != LimitKey::Quota) {
            let value = match fields::get(DocKind::PlatformBody, row.body_key).map(|f| f.ty) {
                Some(Ty::Count { .. }) => serde_json::json!(2),
                Some(Ty::Memory) => serde_json::json!(2048),
                Some(Ty::Time) => serde_json::json!("02:00:00"),
                other => panic!("{}: {other:?}", row.body_key),
            };
            body.entry(row.body_key).or_insert(value);
        }
        let body = serde_json::Value::Object(body).to_string();
        for (file, kind) in [
            (spec.as_str(), DocKind::JobSpec),
            (body.as_str(), DocKind::PlatformBody),
        ] {
            let docs = read_documents(file);
            assert!(docs[0].diagnostics.is_empty(), "{:?}", docs[0].diagnostics);
            let job = docs[0].job.as_ref().unwrap();
            for row in fields::LIMITS.iter().filter(|r| r.limit != LimitKey::Quota) {
                let got = job.amounts.get(&row.limit);
                assert_eq!(
                    got.map(|v| v.key),
                    Some(fields::key_in(row, kind)),
                    "{:?}",
                    row.limit
                );
            }
        }
    }

    #[test]
    fn bad_values() {
        let file = "resourceGroup: G\ncpus: 0\nnodes: -1\ngpus: 2.5\nmemory: 16\nwalltime: soon\n";
        assert_eq!(
            codes(file),
            [
                (1, "invalid-value"),
                (1, "invalid-value"),
                (1, "invalid-value"),
                (1, "memory-unit-missing"),
                (1, "invalid-value")
            ]
        );
    }

    #[test]
    fn type_mismatch() {
        let file = "resourceGroup: G\nacceleratorType: gpu\ncpus: 1\ndcus: 2\nmemory: 1G\n";
        assert_eq!(codes(file), [(1, "accelerator-type-mismatch")]);
        let file = "resourceGroup: G\nacceleratorType: cpu\ncpus: 1\ngpus: 1\nmemory: 1G\n";
        assert_eq!(codes(file), [(1, "accelerator-type-mismatch")]);
        let file = "resourceGroup: G\ncpus: 1\ngpus: 1\nmlus: 1\nmemory: 1G\n";
        assert_eq!(codes(file), [(1, "accelerator-type-mismatch")]);
    }

    #[test]
    fn repeated_keys_inside_values_are_reported() {
        let file = "resourceGroup: G\ncpus: 1\nmemory: 1G\nx-meta: {a: 1, a: 2}\n";
        assert_eq!(codes(file), [(1, "duplicate-key")]);
    }

    #[test]
    fn not_a_mapping() {
        assert_eq!(codes("- a\n- b\n"), [(1, "invalid-value")]);
        assert_eq!(codes("just text\n"), [(1, "invalid-value")]);
        assert_eq!(codes("~\n"), [(1, "invalid-value")]);
    }

    mod props {
        use super::super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn reading_never_panics(text in "\\PC{0,200}") {
                let _ = read_documents(&text);
            }

            #[test]
            fn reading_yaml_like_text_never_panics(
                lines in prop::collection::vec(
                    "( {0,4})(resourceGroup|cpus|gpus|dcus|memory|walltime|nodes|name|x-a|---|- |<<|&a|\\*a)(: ?)([0-9a-zA-Z.:\"'{}\\[\\],-]{0,12})",
                    0..12,
                )
            ) {
                let text = lines.join("\n");
                for doc in read_documents(&text) {
                    for d in doc.diagnostics {
                        if let Some(span) = d.span {
                            prop_assert!(span.start <= span.end && span.end <= text.len());
                            prop_assert!(text.is_char_boundary(span.start) && text.is_char_boundary(span.end));
                        }
                    }
                }
            }
        }
    }
}
