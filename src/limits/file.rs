//! `--limits FILE`: limit sets from a YAML/JSON file, either a list of limit
//! sets as the API returns them in `data`, or one saved API response.

use std::collections::HashSet;
use std::sync::mpsc::Receiver;

use crate::diag::{Code, Diagnostic, LineIndex, Severity, Span, did_you_mean};
use crate::limits::{LimitSource, Limits, Lookup, Loose, Pair, known_fields};
use crate::platform::envelope::Envelope;
use crate::syntax::{self as yaml, Kind, Node};
use crate::vocab::AccelType;
pub use crate::vocab::BadFile;

#[derive(Debug, Clone)]
pub struct FileSource {
    sets: Vec<Limits>,
    /// Limits that could not be read, each now unknown, and misspelt keys
    /// (warnings at their place): said once, on standard error, by the
    /// caller, and shown in the file by the language server.
    warnings: Vec<Diagnostic>,
}

impl FileSource {
    pub fn new(sets: Vec<Limits>) -> FileSource {
        FileSource {
            sets,
            warnings: Vec::new(),
        }
    }

    /// What could not be read from the file, each a limit now unknown.
    pub fn warnings(&self) -> Vec<String> {
        self.warnings.iter().map(|d| d.message.clone()).collect()
    }

    /// The same, as warnings at their place in the file.
    pub fn warning_diagnostics(&self) -> &[Diagnostic] {
        &self.warnings
    }

    pub fn sets(&self) -> &[Limits] {
        &self.sets
    }

    pub fn parse(path: &str, text: &str) -> Result<FileSource, BadFile> {
        let mut diagnostics = Vec::new();
        let mut sets = Vec::new();
        let mut warnings = Vec::new();
        let docs = yaml::parse_documents(text);
        if docs.is_empty() {
            diagnostics.push(Diagnostic::new(
                Code::InvalidValue,
                None,
                "the limits file is empty: it needs a list of limit sets or a saved API response",
            ));
        }
        for doc in &docs {
            match &doc.root {
                Err(e) => diagnostics.push(
                    Diagnostic::at(Code::SyntaxError, e.span, e.message.clone()).label("here"),
                ),
                Ok(root) => read_root(text, root, &mut sets, &mut diagnostics, &mut warnings),
            }
        }
        if diagnostics.is_empty() {
            return Ok(FileSource { sets, warnings });
        }
        let index = LineIndex::new(text);
        for d in &mut diagnostics {
            d.position = d.span.map(|s| index.position(s));
        }
        Err(BadFile {
            path: path.to_string(),
            text: text.to_string(),
            diagnostics,
        })
    }
}

fn field<'n>(pairs: &'n [(Node, Node)], name: &str) -> Option<&'n (Node, Node)> {
    pairs
        .iter()
        .find(|(k, _)| matches!(&k.kind, Kind::Str(s) if s == name))
}

fn loose(node: Option<&Node>) -> Loose<'_> {
    match node.map(|n| &n.kind) {
        None => Loose::Missing,
        Some(Kind::Null) => Loose::Null,
        Some(Kind::Int(i)) => Loose::Int(*i),
        Some(Kind::Float(f)) => Loose::Float(*f),
        Some(Kind::Str(s)) => Loose::Str(s),
        Some(_) => Loose::Other(node.map(|n| n.type_name()).unwrap_or("a value")),
    }
}

fn read_root(
    text: &str,
    root: &Node,
    sets: &mut Vec<Limits>,
    diags: &mut Vec<Diagnostic>,
    warnings: &mut Vec<Diagnostic>,
) {
    match &root.kind {
        Kind::Seq(items) => {
            for item in items {
                read_set(text, item, sets, diags, warnings);
            }
        }
        Kind::Map(pairs) if field(pairs, "data").is_some() || field(pairs, "code").is_some() => {
            if let Some((_, code)) = field(pairs, "code") {
                let code_text = code.scalar_text(text).unwrap_or_default().into_owned();
                let msg = field(pairs, "msg")
                    .and_then(|(_, m)| m.scalar_text(text))
                    .map(std::borrow::Cow::into_owned);
                let saved: Envelope<()> =
                    Envelope::from_parts(Some(code_text), msg, None, &|m| m.to_string());
                if !saved.is_success() {
                    let code_text = saved.code.unwrap_or_default();
                    let msg = saved.msg.unwrap_or_default();
                    diags.push(
                        Diagnostic::at(
                            Code::InvalidValue,
                            code.span,
                            format!("this saved API response is an error (code {code_text}: {msg}), not limits"),
                        )
                        .label("not a success code")
                        .help("save a response whose code is \"0\""),
                    );
                    return;
                }
            }
            match field(pairs, "data") {
                Some((_, data)) => match &data.kind {
                    Kind::Seq(items) => items
                        .iter()
                        .for_each(|i| read_set(text, i, sets, diags, warnings)),
                    _ => read_set(text, data, sets, diags, warnings),
                },
                None => diags.push(
                    Diagnostic::at(
                        Code::MissingField,
                        root.span,
                        "this saved API response has no `data`",
                    )
                    .label("no data"),
                ),
            }
        }
        Kind::Map(_) => read_set(text, root, sets, diags, warnings),
        _ => diags.push(
            Diagnostic::at(
                Code::InvalidValue,
                root.span,
                format!(
                    "a limits file holds a list of limit sets, not {}",
                    root.type_name()
                ),
            )
            .label("expected a list"),
        ),
    }
}

fn read_set(
    text: &str,
    node: &Node,
    sets: &mut Vec<Limits>,
    diags: &mut Vec<Diagnostic>,
    warnings: &mut Vec<Diagnostic>,
) {
    let Kind::Map(pairs) = &node.kind else {
        diags.push(
            Diagnostic::at(
                Code::InvalidValue,
                node.span,
                format!(
                    "a limit set is a mapping (resourceGroup, cpuNumber, …), not {}",
                    node.type_name()
                ),
            )
            .label("expected a mapping"),
        );
        return;
    };
    // Saved API answers carry other fields (`id`, `userName`, …), so only a
    // key that looks like a misspelt limit is worth a word: the limit it
    // meant is unknown, which would otherwise pass unnoticed.
    let known = known_fields();
    for (key, _) in pairs {
        if let Kind::Str(name) = &key.kind
            && !known.contains(&name.as_str())
            && let Some(near) = did_you_mean(name, known.iter().copied())
        {
            let line = LineIndex::new(text).position(key.span).line;
            warnings.push(
                Diagnostic::at(
                    Code::UnknownField,
                    key.span,
                    format!(
                        "unknown field `{name}` in a limit set of the limits file (line {line}): did you mean `{near}`? It is not read"
                    ),
                )
                .severity(Severity::Warning)
                .label("not a limit field")
                .help(format!("did you mean `{near}`?"))
                .fix(key.span, near),
            );
        }
    }
    // A limit that cannot be read is unknown, not a bad file: its rule warns
    // `limit-unknown`. Only a set with no group, or a type that is none, is
    // refused.
    let mut unknown: Vec<&'static str> = Vec::new();
    let read = |unknown: &[&str]| {
        Limits::from_fields(|name| {
            if unknown.contains(&name) {
                Loose::Missing
            } else {
                loose(field(pairs, name).map(|(_, v)| v))
            }
        })
    };
    let mut result = read(&unknown);
    while let Err(errors) = &result {
        let before = unknown.len();
        for (name, message) in errors {
            if !matches!(*name, "resourceGroup" | "acceleratorType") && !unknown.contains(name) {
                let group = match field(pairs, "resourceGroup").map(|(_, v)| &v.kind) {
                    Some(Kind::Str(g)) => format!(" of resource group `{g}`"),
                    _ => String::new(),
                };
                let span = field(pairs, name)
                    .map(|(_, v)| v.span)
                    .unwrap_or_else(|| Span::new(node.span.start, node.span.start));
                warnings.push(
                    Diagnostic::at(
                        Code::InvalidValue,
                        span,
                        format!(
                            "the limits file's `{name}`{group} cannot be read ({message}); that limit is unknown"
                        ),
                    )
                    .severity(Severity::Warning)
                    .label("cannot be read"),
                );
                unknown.push(name);
            }
        }
        if unknown.len() == before {
            break;
        }
        result = read(&unknown);
    }
    match result {
        Ok(limits) => sets.push(limits),
        Err(errors) => {
            for (name, message) in errors {
                let span = field(pairs, name)
                    .map(|(_, v)| v.span)
                    .unwrap_or_else(|| Span::new(node.span.start, node.span.start));
                diags.push(
                    Diagnostic::at(Code::InvalidValue, span, format!("`{name}`: {message}"))
                        .label("cannot be read")
                        .field(name),
                );
            }
        }
    }
}

impl LimitSource for FileSource {
    fn lookup(&self, pairs: &[Pair]) -> Vec<Lookup> {
        pairs.iter().map(|pair| self.answer(pair)).collect()
    }

    /// Answers are in memory: each pair is answered the moment it arrives.
    fn lookup_stream(&self, pairs: Receiver<Pair>, answer: &mut dyn FnMut(Pair, Lookup)) {
        let mut seen = HashSet::new();
        for pair in pairs {
            if !seen.contains(&pair) {
                let lookup = self.answer(&pair);
                seen.insert(pair.clone());
                answer(pair, lookup);
            }
        }
    }
}

impl FileSource {
    fn answer(&self, pair: &Pair) -> Lookup {
        let in_group: Vec<&Limits> = self
            .sets
            .iter()
            .filter(|s| s.resource_group == pair.group)
            .collect();
        if in_group.is_empty() {
            let mut known: Vec<String> =
                self.sets.iter().map(|s| s.resource_group.clone()).collect();
            known.sort();
            known.dedup();
            return Lookup::UnknownGroup { known };
        }
        let exact = in_group
            .iter()
            .find(|s| s.accelerator_type == Some(pair.accelerator));
        let any = in_group.iter().find(|s| s.accelerator_type.is_none());
        match exact.or(any) {
            Some(limits) => Lookup::from_limits((*limits).clone(), "the limits file's set"),
            None => {
                let mut offered: Vec<AccelType> =
                    in_group.iter().filter_map(|s| s.accelerator_type).collect();
                offered.sort();
                offered.dedup();
                Lookup::UnsupportedType { offered }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::units::{Duration, TimeLimit};

    #[test]
    fn reads_a_list_and_an_envelope() {
        let list = "- resourceGroup: A\n  cpuNumber: \"40\"\n  memorySize: 31888\n  maxTime: unlimited\n- resourceGroup: B\n  acceleratorType: dcu\n";
        let src = FileSource::parse("l.yaml", list).unwrap();
        assert_eq!(src.sets().len(), 2);
        assert_eq!(src.sets()[0].cpu_number(), Some(40));
        assert_eq!(src.sets()[1].cpu_number(), None);
        let env = r#"{"code":"0","msg":"success","data":{"id":null,"cpuNumber":40,"mluLimits":0,"dcuLimits":0,"nvLimits":0,"gpuNumber":2,"memorySize":31888,"resourceGroup":"TeslaM40","userName":null,"nodeNumber":1,"maxTime":"unlimited"}}"#;
        let src = FileSource::parse("e.json", env).unwrap();
        assert_eq!(src.sets()[0].gpu_number(), Some(2));
    }

    #[test]
    fn bad_values_are_unknown_limits_and_bad_sets_point_at_their_line() {
        let text =
            "- resourceGroup: A\n  cpuNumber: many\n  memorySize: \"n/a\"\n  maxTime: \"1-24\"\n";
        let src = FileSource::parse("l.yaml", text).unwrap();
        assert_eq!(src.sets()[0].cpu_number(), None);
        assert_eq!(src.sets()[0].memory_size(), None);
        assert_eq!(
            src.sets()[0].max_time,
            Some(TimeLimit::Finite(Duration { seconds: 2 * 86400 }))
        );
        assert_eq!(src.warnings().len(), 2, "{:?}", src.warnings());
        assert!(src.warnings()[0].contains("`cpuNumber` of resource group `A`"));
        let text = "- resourceGroup: A\n  acceleratorType: tpu\n";
        let err = FileSource::parse("l.yaml", text).unwrap_err();
        let pos = err.diagnostics[0].position.unwrap();
        assert_eq!((pos.line, pos.column), (2, 20));
    }

    #[test]
    fn a_misspelt_limit_is_a_warning_other_fields_are_not() {
        let text = "- resourceGroup: A\n  cpuNumbr: 4\n  userName: bob\n  id: 7\n";
        let src = FileSource::parse("l.yaml", text).unwrap();
        assert_eq!(src.warnings().len(), 1);
        assert!(src.warnings()[0].contains("(line 2): did you mean `cpuNumber`?"));
        assert!(FileSource::parse("l.yaml", "- {resourceGroup: A, userName: b, id: 1}\n").is_ok());
    }

    #[test]
    fn lookup_by_group_and_type() {
        let text = "- {resourceGroup: A, acceleratorType: gpu, cpuNumber: 1}\n- {resourceGroup: B, cpuNumber: 2}\n";
        let src = FileSource::parse("l.yaml", text).unwrap();
        let pairs = [
            Pair {
                group: "A".into(),
                accelerator: AccelType::Gpu,
            },
            Pair {
                group: "A".into(),
                accelerator: AccelType::Dcu,
            },
            Pair {
                group: "B".into(),
                accelerator: AccelType::Mlu,
            },
            Pair {
                group: "C".into(),
                accelerator: AccelType::Gpu,
            },
        ];
        let answers = src.lookup(&pairs);
        assert!(matches!(&answers[0], Lookup::Found(l) if l.cpu_number() == Some(1)));
        assert_eq!(
            answers[1],
            Lookup::UnsupportedType {
                offered: vec![AccelType::Gpu]
            }
        );
        assert!(matches!(&answers[2], Lookup::Found(l) if l.cpu_number() == Some(2)));
        assert_eq!(
            answers[3],
            Lookup::UnknownGroup {
                known: vec!["A".into(), "B".into()]
            }
        );
    }
}
