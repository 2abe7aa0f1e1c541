//! Reading job requests: job specs and platform create-task bodies, each
//! value with the span it came from. Every structural problem of a document
//! is reported at once; nothing here knows about limits.

pub mod schema;
pub mod yaml;

use std::collections::HashMap;

use crate::diag::{Code, Diagnostic, Severity, Span, did_you_mean};
use crate::units::{Memory, TimeLimit};
use yaml::{Kind, Node};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AccelType {
    Gpu,
    Dcu,
    Mlu,
    Cpu,
}

impl AccelType {
    pub const ALL: [AccelType; 4] = [
        AccelType::Gpu,
        AccelType::Dcu,
        AccelType::Mlu,
        AccelType::Cpu,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AccelType::Gpu => "gpu",
            AccelType::Dcu => "dcu",
            AccelType::Mlu => "mlu",
            AccelType::Cpu => "cpu",
        }
    }

    pub fn parse(text: &str) -> Option<AccelType> {
        AccelType::ALL
            .into_iter()
            .find(|t| t.as_str().eq_ignore_ascii_case(text.trim()))
    }

    /// The job-spec key for this type's cards.
    pub fn cards_key(self) -> &'static str {
        match self {
            AccelType::Gpu => "gpus",
            AccelType::Dcu => "dcus",
            AccelType::Mlu => "mlus",
            AccelType::Cpu => "gpus",
        }
    }

    /// The API field holding the user's per-node quota for this type.
    pub fn quota_field(self) -> Option<&'static str> {
        match self {
            AccelType::Gpu => Some("nvLimits"),
            AccelType::Dcu => Some("dcuLimits"),
            AccelType::Mlu => Some("mluLimits"),
            AccelType::Cpu => None,
        }
    }
}

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
    pub cards: Option<Value<u64>>,
    pub cpus: Option<Value<u64>>,
    pub memory: Option<Value<Memory>>,
    pub nodes: Option<Value<u64>>,
    pub walltime: Option<Value<TimeLimit>>,
    /// Whether a walltime was written at all (it may have been unreadable).
    pub walltime_given: bool,
    /// Where job-wide diagnostics point (the document's first key).
    pub anchor: Span,
}

impl Job {
    /// The (group, accelerator type) pair whose limits apply, when the
    /// group is known.
    pub fn pair(&self) -> Option<crate::limits::Pair> {
        self.group.as_ref().map(|g| crate::limits::Pair {
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
}

const SPEC_KEYS: &[&str] = &[
    "name",
    "resourceGroup",
    "acceleratorType",
    "nodes",
    "cpus",
    "gpus",
    "dcus",
    "mlus",
    "memory",
    "walltime",
];

const BODY_KEYS: &[&str] = &[
    "instanceServiceName",
    "description",
    "acceleratorType",
    "taskType",
    "version",
    "imagePath",
    "timeoutLimit",
    "taskNumber",
    "resourceGroup",
    "useStartScript",
    "startScriptActionScope",
    "startScriptContent",
    "cpuNumber",
    "ramSize",
    "gpuNumber",
    "mountInfoList",
    "containerPortInfoList",
];

/// Keys that only a platform body has, and what a job spec calls them.
const BODY_TO_SPEC: &[(&str, &str)] = &[
    ("cpuNumber", "cpus"),
    ("ramSize", "memory"),
    ("gpuNumber", "gpus"),
    ("taskNumber", "nodes"),
    ("timeoutLimit", "walltime"),
    ("instanceServiceName", "name"),
];

/// Read a file: a `.json` file must be strict JSON (single quotes, bare
/// keys, comments or trailing commas, which YAML would let pass, are a
/// `syntax-error`); then every document is read.
pub fn read_file(file: &str, json: bool) -> Vec<Document> {
    if json && let Some(problem) = json_syntax_error(file) {
        return vec![Document {
            index: 1,
            job: None,
            diagnostics: vec![problem],
        }];
    }
    read_documents(file)
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
            let job = match raw.root {
                Ok(root) => read_job(file, &root, &mut diagnostics),
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
            }
        })
        .collect()
}

fn read_job(file: &str, root: &Node, diags: &mut Vec<Diagnostic>) -> Option<Job> {
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
    };
    Some(match kind {
        DocKind::JobSpec => reader.job_spec(&keys),
        DocKind::PlatformBody => reader.platform_body(&keys),
    })
}

struct Entry<'n> {
    key: String,
    key_span: Span,
    value: &'n Node,
}

/// The string keys of a mapping, each once; repeated keys are reported and
/// only their first occurrence is used.
fn keys_of<'n>(
    file: &str,
    pairs: &'n [(Node, Node)],
    diags: &mut Vec<Diagnostic>,
) -> Vec<Entry<'n>> {
    let mut seen: HashMap<String, Span> = HashMap::new();
    let mut entries = Vec::new();
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
        if let Some(first) = seen.get(&key.key_identity()) {
            diags.push(
                duplicate_key(&name, key.span, *first)
                    .help(format!("keep one `{name}`; the first is the one checked")),
            );
            continue;
        }
        seen.insert(key.key_identity(), key.span);
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
                    if let Some(first) = seen.get(&key.key_identity()) {
                        diags.push(duplicate_key(&name, key.span, *first));
                    } else {
                        seen.insert(key.key_identity(), key.span);
                    }
                }
                nested_duplicates(file, value, diags);
            }
        }
        _ => {}
    }
}

fn detect_kind(entries: &[Entry]) -> DocKind {
    let is_body_only = |k: &str| BODY_KEYS.contains(&k) && !SPEC_KEYS.contains(&k);
    let is_spec_only = |k: &str| SPEC_KEYS.contains(&k) && !BODY_KEYS.contains(&k);
    let body = entries.iter().filter(|e| is_body_only(&e.key)).count();
    let spec = entries.iter().filter(|e| is_spec_only(&e.key)).count();
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

    fn unknown(&mut self, entry: &Entry, known: &[&str]) {
        let key = entry.key.as_str();
        let (severity, what) = match self.kind {
            DocKind::JobSpec => (Severity::Error, "a job spec"),
            DocKind::PlatformBody => (Severity::Warning, "a platform body"),
        };
        let help = if let Some((_, spec)) = BODY_TO_SPEC
            .iter()
            .find(|(b, _)| *b == key)
            .filter(|_| self.kind == DocKind::JobSpec)
        {
            format!("`{key}` belongs to a platform body; a job spec writes `{spec}`")
        } else if let Some(near) = did_you_mean(key, known.iter().copied()) {
            format!("did you mean `{near}`?")
        } else {
            format!(
                "known keys: {}; keys starting with `x-` are ignored",
                known.join(", ")
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

    /// A whole number of at least `min`. Numeric strings are accepted in a
    /// platform body (the platform accepts them), not in a job spec.
    fn count(&mut self, e: &Entry, key: &'static str, min: u64, unit: &str) -> Option<Value<u64>> {
        let node = e.value;
        let text = node.scalar_text(self.file).unwrap_or_default();
        let number: Option<i128> = match &node.kind {
            Kind::Int(i) => Some(*i),
            Kind::Str(s) if self.kind == DocKind::PlatformBody => s.trim().parse::<i128>().ok(),
            _ => None,
        };
        let Some(number) = number else {
            let digits = text.trim_start_matches(['-', '+']);
            let (message, help) = if !digits.is_empty()
                && digits.bytes().all(|b| b.is_ascii_digit())
                && !node.is_quoted(self.file)
            {
                match digits.parse::<u64>() {
                    // YAML and JSON read `017` as no number at all.
                    Ok(n) if digits.len() > 1 && digits.starts_with('0') => (
                        format!("`{key}` {text} has a leading zero, so it is not read as a number"),
                        format!("write `{key}: {n}`"),
                    ),
                    _ => (
                        format!("`{key}` {text} is too large"),
                        format!("{key} is a count of {unit}"),
                    ),
                }
            } else if let Kind::Str(s) = &node.kind {
                if s.trim().parse::<i128>().is_ok() {
                    (
                        format!(
                            "`{key}` must be a number, not the string {}",
                            node.raw(self.file).trim()
                        ),
                        format!("write `{key}: {}` without quotes", s.trim()),
                    )
                } else {
                    (
                        format!("`{key}` must be a whole number of {unit}, not `{s}`"),
                        format!("write a whole number, e.g. `{key}: {}`", min.max(1)),
                    )
                }
            } else if matches!(node.kind, Kind::Null) {
                (
                    format!("`{key}` has no value"),
                    format!("write a whole number, e.g. `{key}: {}`", min.max(1)),
                )
            } else {
                (
                    format!(
                        "`{key}` must be a whole number of {unit}, not {} ({})",
                        node.type_name(),
                        text.trim()
                    ),
                    format!("write a whole number, e.g. `{key}: {}`", min.max(1)),
                )
            };
            self.invalid(node, key, message, "not a whole number", help);
            return None;
        };
        if number < min as i128 {
            let message = if number < 0 {
                format!("`{key}` cannot be negative ({number})")
            } else {
                format!("`{key}` must be at least {min}, found {number}")
            };
            self.invalid(
                node,
                key,
                message,
                "too small",
                format!("request at least {min} {}", singular_if_one(min, unit)),
            );
            return None;
        }
        let Ok(value) = u64::try_from(number) else {
            self.invalid(
                node,
                key,
                format!("`{key}` {number} is too large"),
                "too large",
                format!("{key} is a count of {unit}"),
            );
            return None;
        };
        Some(Value {
            value,
            span: node.span,
            key,
        })
    }

    fn string(&mut self, e: &Entry, key: &'static str) -> Option<Value<String>> {
        let node = e.value;
        match &node.kind {
            Kind::Str(_) | Kind::Int(_) | Kind::Float(_) => {
                let text = node.scalar_text(self.file).unwrap_or_default();
                if text.trim().is_empty() {
                    self.invalid(
                        node,
                        key,
                        format!("`{key}` is empty"),
                        "empty",
                        format!("give `{key}` a value"),
                    );
                    return None;
                }
                Some(Value {
                    value: text,
                    span: node.span,
                    key,
                })
            }
            _ => {
                self.invalid(
                    node,
                    key,
                    format!("`{key}` must be a string, not {}", node.type_name()),
                    "not a string",
                    format!("write `{key}` as text"),
                );
                None
            }
        }
    }

    fn one_of(&mut self, e: &Entry, key: &'static str, allowed: &[&str]) -> Option<Value<String>> {
        let v = self.string(e, key)?;
        if let Some(found) = allowed
            .iter()
            .find(|a| a.eq_ignore_ascii_case(v.value.trim()))
        {
            return Some(Value {
                value: found.to_string(),
                ..v
            });
        }
        let help = match did_you_mean(&v.value, allowed.iter().copied()) {
            Some(near) => format!("did you mean `{near}`? (one of {})", allowed.join(", ")),
            None => format!("use one of {}", allowed.join(", ")),
        };
        self.invalid(
            e.value,
            key,
            format!(
                "`{key}` must be one of {}, not `{}`",
                allowed.join(", "),
                v.value
            ),
            "not a known value",
            help,
        );
        None
    }

    fn boolean(&mut self, e: &Entry, key: &'static str) -> Option<Value<bool>> {
        let node = e.value;
        let value = match &node.kind {
            Kind::Bool(b) => Some(*b),
            Kind::Str(s) if s.eq_ignore_ascii_case("true") => Some(true),
            Kind::Str(s) if s.eq_ignore_ascii_case("false") => Some(false),
            _ => None,
        };
        match value {
            Some(value) => Some(Value {
                value,
                span: node.span,
                key,
            }),
            None => {
                self.invalid(
                    node,
                    key,
                    format!("`{key}` must be true or false, not {}", node.type_name()),
                    "not a boolean",
                    format!("write `{key}: true` or `{key}: false`"),
                );
                None
            }
        }
    }

    fn memory(&mut self, e: &Entry, key: &'static str) -> Option<Value<Memory>> {
        let node = e.value;
        let text = match &node.kind {
            Kind::Str(_) | Kind::Int(_) | Kind::Float(_) => {
                node.scalar_text(self.file).unwrap_or_default()
            }
            _ => {
                self.invalid(
                    node,
                    key,
                    format!(
                        "`{key}` must be an amount such as 16G, not {}",
                        node.type_name()
                    ),
                    "not a memory amount",
                    "write a number with a unit K, M, G or T (base 1024), e.g. 16G".into(),
                );
                return None;
            }
        };
        match Memory::parse(&text) {
            Ok(m) => {
                if !m.had_unit && self.kind == DocKind::JobSpec {
                    self.push(
                        Diagnostic::at(
                            Code::MemoryUnitMissing,
                            node.span,
                            format!("`{key}: {text}` has no unit, so it is read as {text} MiB"),
                        )
                        .label("no unit")
                        .help(format!(
                            "write `{text}M` if MiB is meant, or `{text}G` for GiB"
                        ))
                        .field(key)
                        .requested(m.describe()),
                    );
                }
                Some(Value {
                    value: m,
                    span: node.span,
                    key,
                })
            }
            Err(err) => {
                self.invalid(
                    node,
                    key,
                    format!("`{key}`: {err}"),
                    "not a memory amount",
                    "write a number with a unit K, M, G or T (base 1024), e.g. 16G or 1.5T".into(),
                );
                None
            }
        }
    }

    fn time(&mut self, e: &Entry, key: &'static str) -> Option<Value<TimeLimit>> {
        let node = e.value;
        let text = match &node.kind {
            Kind::Str(_) | Kind::Int(_) | Kind::Float(_) => {
                node.scalar_text(self.file).unwrap_or_default()
            }
            _ => String::new(),
        };
        match TimeLimit::parse(&text) {
            Ok(TimeLimit::Finite(d)) if d.seconds == 0 => {
                self.invalid(
                    node,
                    key,
                    format!("`{key}` must be longer than zero"),
                    "no time at all",
                    "write the longest time the job may run, e.g. \"2-00:00:00\" or 36h".into(),
                );
                None
            }
            Ok(t) => Some(Value {
                value: t,
                span: node.span,
                key,
            }),
            Err(err) => {
                let message = if text.is_empty() {
                    format!(
                        "`{key}` must be a time such as 2-00:00:00, not {}",
                        node.type_name()
                    )
                } else {
                    format!("`{key}`: {err}")
                };
                self.invalid(
                    node,
                    key,
                    message,
                    "not a time",
                    "write D-HH:MM:SS (e.g. \"2-00:00:00\"), HH:MM:SS, minutes, or 36h / 2d / 1d12h".into(),
                );
                None
            }
        }
    }

    fn accelerator_type(&mut self, e: &Entry) -> Option<Value<AccelType>> {
        let allowed: Vec<&str> = AccelType::ALL.iter().map(|t| t.as_str()).collect();
        let v = self.one_of(e, "acceleratorType", &allowed)?;
        AccelType::parse(&v.value).map(|t| Value {
            value: t,
            span: v.span,
            key: "acceleratorType",
        })
    }

    fn job_spec(&mut self, entries: &[Entry]) -> Job {
        let mut name = None;
        let mut group = None;
        let mut explicit = None;
        let mut cards: Vec<(AccelType, Span, Option<Value<u64>>)> = Vec::new();
        let (mut cpus, mut memory, mut nodes, mut walltime) = (None, None, None, None);
        for e in entries {
            match e.key.as_str() {
                "name" => name = self.string(e, "name").map(|v| v.value),
                "resourceGroup" => group = self.string(e, "resourceGroup"),
                "acceleratorType" => explicit = self.accelerator_type(e),
                "nodes" => nodes = self.count(e, "nodes", 1, "nodes"),
                "cpus" => cpus = self.count(e, "cpus", 1, "cores"),
                "gpus" => cards.push((
                    AccelType::Gpu,
                    e.key_span,
                    self.count(e, "gpus", 0, "cards"),
                )),
                "dcus" => cards.push((
                    AccelType::Dcu,
                    e.key_span,
                    self.count(e, "dcus", 0, "cards"),
                )),
                "mlus" => cards.push((
                    AccelType::Mlu,
                    e.key_span,
                    self.count(e, "mlus", 0, "cards"),
                )),
                "memory" => memory = self.memory(e, "memory"),
                "walltime" => walltime = self.time(e, "walltime"),
                k if k.starts_with("x-") => {}
                _ => self.unknown(e, SPEC_KEYS),
            }
        }
        if group.is_none() && !entries.iter().any(|e| e.key == "resourceGroup") {
            self.missing(
                "resourceGroup",
                "add `resourceGroup: <group>`, the platform's resource group to run in",
            );
        }
        if cpus.is_none() && !entries.iter().any(|e| e.key == "cpus") {
            self.missing("cpus", "add `cpus: N`, the cores per node");
        }
        if memory.is_none() && !entries.iter().any(|e| e.key == "memory") {
            self.missing("memory", "add `memory: 16G`, the memory per node");
        }

        // At most one card kind; it must match a stated type.
        let mut chosen: Option<(AccelType, Span, Option<Value<u64>>)> = None;
        for (kind, key_span, value) in cards {
            match &chosen {
                None => chosen = Some((kind, key_span, value)),
                Some((first, _, _)) => self.push(
                    Diagnostic::at(
                        Code::AcceleratorTypeMismatch,
                        key_span,
                        format!(
                            "`{}` and `{}` are both given, but a job uses one accelerator type",
                            first.cards_key(),
                            kind.cards_key()
                        ),
                    )
                    .label("second accelerator kind")
                    .help(format!(
                        "keep only `{}` or `{}`",
                        first.cards_key(),
                        kind.cards_key()
                    ))
                    .field(kind.cards_key()),
                ),
            }
        }
        let accelerator = match (&explicit, &chosen) {
            (Some(t), _) => t.value,
            (None, Some((kind, _, _))) => *kind,
            (None, None) => AccelType::Cpu,
        };
        let accelerator_span = explicit
            .as_ref()
            .map(|t| t.span)
            .or(chosen.as_ref().map(|(_, key_span, _)| *key_span));
        let mut job_cards = None;
        if let Some((kind, key_span, value)) = chosen {
            let stated = explicit.as_ref().map(|t| t.value);
            let conflicting = match stated {
                Some(AccelType::Cpu) => value.as_ref().is_some_and(|v| v.value > 0),
                Some(t) => t != kind,
                None => false,
            };
            if conflicting {
                let t = explicit.as_ref().map(|t| t.value).unwrap_or(AccelType::Cpu);
                let help = if t == AccelType::Cpu {
                    format!(
                        "remove `{}`, or set acceleratorType to {}",
                        kind.cards_key(),
                        kind.as_str()
                    )
                } else {
                    format!(
                        "write `{}:` for {} cards, or set `acceleratorType: {}`",
                        t.cards_key(),
                        t.as_str(),
                        kind.as_str()
                    )
                };
                let mut d = Diagnostic::at(
                    Code::AcceleratorTypeMismatch,
                    key_span,
                    format!(
                        "`{}` asks for {} cards, but acceleratorType is {}",
                        kind.cards_key(),
                        kind.as_str(),
                        t.as_str()
                    ),
                )
                .label(format!("{} cards", kind.as_str()))
                .help(help)
                .field(kind.cards_key());
                if let Some(t) = &explicit {
                    d = d.note(t.span, "type stated here");
                }
                self.push(d);
            } else {
                job_cards = value;
            }
        }
        Job {
            kind: DocKind::JobSpec,
            name,
            group,
            accelerator,
            accelerator_span,
            cards: job_cards,
            cpus,
            memory,
            nodes,
            walltime,
            walltime_given: entries.iter().any(|e| e.key == "walltime"),
            anchor: self.anchor,
        }
    }

    fn platform_body(&mut self, entries: &[Entry]) -> Job {
        let mut job = Job {
            kind: DocKind::PlatformBody,
            name: None,
            group: None,
            accelerator: AccelType::Cpu,
            accelerator_span: None,
            cards: None,
            cpus: None,
            memory: None,
            nodes: None,
            walltime: None,
            walltime_given: entries.iter().any(|e| e.key == "timeoutLimit"),
            anchor: self.anchor,
        };
        let mut explicit = None;
        let mut use_start_script = None;
        for e in entries {
            match e.key.as_str() {
                "instanceServiceName" => {
                    job.name = self.string(e, "instanceServiceName").map(|v| v.value)
                }
                "description" if matches!(e.value.kind, Kind::Null) => {}
                "description" => {
                    self.string(e, "description");
                }
                "version" => {
                    self.string(e, "version");
                }
                "imagePath" => {
                    self.string(e, "imagePath");
                }
                "startScriptContent" => {
                    self.string(e, "startScriptContent");
                }
                "acceleratorType" => explicit = self.accelerator_type(e),
                "taskType" => {
                    self.one_of(e, "taskType", &["ssh", "jupyter", "codeserver", "rstudio"]);
                }
                "startScriptActionScope" => {
                    self.one_of(e, "startScriptActionScope", &["all", "header"]);
                }
                "useStartScript" => use_start_script = self.boolean(e, "useStartScript"),
                "timeoutLimit" => job.walltime = self.time(e, "timeoutLimit"),
                "taskNumber" => job.nodes = self.count(e, "taskNumber", 1, "nodes"),
                "resourceGroup" => job.group = self.string(e, "resourceGroup"),
                "cpuNumber" => job.cpus = self.count(e, "cpuNumber", 1, "cores"),
                "ramSize" => job.memory = self.memory(e, "ramSize"),
                "gpuNumber" => job.cards = self.count(e, "gpuNumber", 0, "cards"),
                "mountInfoList" | "containerPortInfoList" => {
                    if !matches!(e.value.kind, Kind::Seq(_) | Kind::Null) {
                        let key = if e.key == "mountInfoList" {
                            "mountInfoList"
                        } else {
                            "containerPortInfoList"
                        };
                        self.invalid(
                            e.value,
                            key,
                            format!("`{key}` must be a list, not {}", e.value.type_name()),
                            "not a list",
                            format!("write `{key}` as a JSON array"),
                        );
                    }
                }
                _ => self.unknown(e, BODY_KEYS),
            }
        }
        let required: &[(&str, &str)] = &[
            ("instanceServiceName", "add the instance's name"),
            (
                "acceleratorType",
                "add `\"acceleratorType\": \"gpu\"` (mlu, dcu, gpu or cpu)",
            ),
            (
                "taskType",
                "add `\"taskType\"`: ssh, jupyter, codeserver or rstudio",
            ),
            ("version", "add the image `\"version\"`"),
            (
                "imagePath",
                "add the `\"imagePath\"` of the container image",
            ),
            (
                "timeoutLimit",
                "add `\"timeoutLimit\"`, the longest run time, e.g. \"02:00:00\"",
            ),
            ("taskNumber", "add `\"taskNumber\"`, the number of nodes"),
            ("resourceGroup", "add the `\"resourceGroup\"` to run in"),
            ("useStartScript", "add `\"useStartScript\": false`"),
            (
                "startScriptActionScope",
                "add `\"startScriptActionScope\"`: all or header",
            ),
            ("cpuNumber", "add `\"cpuNumber\"`, the cores per node"),
            ("ramSize", "add `\"ramSize\"`, the memory per node in MiB"),
            (
                "gpuNumber",
                "add `\"gpuNumber\"`, the cards per node (0 for none)",
            ),
        ];
        for (key, help) in required {
            if !entries.iter().any(|e| e.key == *key) {
                self.missing(key, help);
            }
        }
        if let Some(flag) = use_start_script.filter(|v| v.value)
            && !entries.iter().any(|e| e.key == "startScriptContent")
        {
            self.push(
                Diagnostic::at(
                    Code::MissingField,
                    flag.span,
                    "useStartScript is true, but this platform body has no `startScriptContent`",
                )
                .label("a start script is asked for here")
                .help("add the script in `\"startScriptContent\"`, or set useStartScript to false")
                .field("startScriptContent"),
            );
        }
        if let Some(t) = &explicit {
            job.accelerator = t.value;
            job.accelerator_span = Some(t.span);
            if t.value == AccelType::Cpu
                && let Some(cards) = job.cards.take_if(|c| c.value > 0)
            {
                self.push(
                    Diagnostic::at(
                        Code::AcceleratorTypeMismatch,
                        cards.span,
                        format!(
                            "`gpuNumber` asks for {} cards, but acceleratorType is cpu",
                            cards.value
                        ),
                    )
                    .label("cards on a cpu job")
                    .note(t.span, "type stated here")
                    .help("set `\"gpuNumber\": 0`, or choose acceleratorType gpu, dcu or mlu")
                    .field("gpuNumber")
                    .requested(cards.value.to_string()),
                );
            }
        }
        job
    }
}

/// `cores` → `core` when there is one.
fn singular_if_one(n: u64, unit: &str) -> &str {
    if n == 1 {
        unit.strip_suffix('s').unwrap_or(unit)
    } else {
        unit
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
        assert_eq!(job.cards.as_ref().unwrap().value, 2);
        assert_eq!(job.cpus.as_ref().unwrap().value, 8);
        assert_eq!(
            &file[job.cpus.as_ref().unwrap().span.start..job.cpus.as_ref().unwrap().span.end],
            "8"
        );
    }

    #[test]
    fn reads_a_platform_body() {
        let file = r#"{"instanceServiceName":"nb","acceleratorType":"dcu","taskType":"jupyter","version":"1","imagePath":"img","timeoutLimit":"01:00:00","taskNumber":1,"resourceGroup":"G","useStartScript":false,"startScriptActionScope":"all","cpuNumber":"8","ramSize":16384,"gpuNumber":1}"#;
        let docs = read_documents(file);
        assert!(docs[0].diagnostics.is_empty(), "{:?}", docs[0].diagnostics);
        let job = docs[0].job.as_ref().unwrap();
        assert_eq!(job.kind, DocKind::PlatformBody);
        assert_eq!(job.accelerator, AccelType::Dcu);
        assert_eq!(job.cpus.as_ref().unwrap().value, 8);
        assert_eq!(job.memory.as_ref().unwrap().value.mib(), 16384.0);
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
