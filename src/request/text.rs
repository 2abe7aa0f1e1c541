//! Reading the values that are not amounts: text, fixed values, booleans,
//! and the lists of a platform body, each judged as the field table says
//! (a platform body exactly as the platform takes it).

use super::fields::{self, Field, Ty};
use super::{AccelType, DocKind, Entry, Reader, Value};
use crate::diag::{Code, Diagnostic, Span, did_you_mean};
use crate::syntax::{Kind, Node};

impl Reader<'_> {
    fn field_of(&self, key: &str) -> Option<&'static Field> {
        fields::get(self.kind, key)
    }

    /// A text value. A number is taken as its text (as the platform does);
    /// an empty text is refused unless the table says the key may be empty;
    /// `null` counts as absent where the table allows it.
    pub(super) fn text(&mut self, e: &Entry, key: &'static str) -> Option<Value<String>> {
        let (empty_ok, null_ok) = match self.field_of(key).map(|f| f.ty) {
            Some(Ty::Text { empty_ok, null_ok }) => (empty_ok, null_ok),
            _ => (false, false),
        };
        let node = e.value;
        match &node.kind {
            Kind::Null if null_ok => None,
            Kind::Str(_) | Kind::Int(_) | Kind::Float(_) => {
                let text = node.scalar_text(self.file).unwrap_or_default();
                if text.trim().is_empty() && !empty_ok {
                    let what = match self.kind {
                        DocKind::JobSpec => "a job spec",
                        DocKind::PlatformBody => "the platform",
                    };
                    self.invalid(
                        node,
                        key,
                        format!("`{key}` is empty, and {what} needs a value there"),
                        "empty",
                        format!("give `{key}` a value"),
                    );
                    return None;
                }
                Some(Value {
                    value: text.into_owned(),
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

    /// One of the table's fixed values: exactly as written in a platform
    /// body, in any case in a job spec.
    pub(super) fn one_of(&mut self, e: &Entry, key: &'static str) -> Option<Value<&'static str>> {
        let (values, exact) = match self.field_of(key).map(|f| f.ty) {
            Some(Ty::OneOf { values, exact }) => (values, exact),
            _ => return None,
        };
        let node = e.value;
        let list = values.join(", ");
        let text = match &node.kind {
            Kind::Str(s) => s.clone(),
            _ => {
                self.invalid(
                    node,
                    key,
                    format!("`{key}` must be one of {list}, not {}", node.type_name()),
                    "not a known value",
                    format!("write one of {list}"),
                );
                return None;
            }
        };
        if let Some(v) = values.iter().find(|v| **v == text) {
            return Some(Value {
                value: v,
                span: node.span,
                key,
            });
        }
        let loose = values
            .iter()
            .copied()
            .find(|v| v.eq_ignore_ascii_case(text.trim()));
        if !exact && let Some(v) = loose {
            return Some(Value {
                value: v,
                span: node.span,
                key,
            });
        }
        let write = |v: &str| match self.kind {
            DocKind::JobSpec => format!("`{key}: {v}`"),
            DocKind::PlatformBody => format!("`\"{key}\": \"{v}\"`"),
        };
        let (message, help) = match loose {
            Some(v) => (
                format!(
                    "`{key}` must be written exactly `{v}`, not `{text}`: the platform takes only the lower-case values ({list})"
                ),
                format!("did you mean `{v}`? write {}", write(v)),
            ),
            None => (
                format!("`{key}` must be one of {list}, not `{text}`"),
                match did_you_mean(&text, values.iter().copied()) {
                    Some(near) => format!("did you mean `{near}`? write {}", write(near)),
                    None => format!("write one of {list}"),
                },
            ),
        };
        self.invalid(node, key, message, "not a known value", help);
        None
    }

    pub(super) fn accelerator_type(&mut self, e: &Entry) -> Option<Value<AccelType>> {
        let v = self.one_of(e, "acceleratorType")?;
        AccelType::parse(v.value).map(|t| Value {
            value: t,
            span: v.span,
            key: "acceleratorType",
        })
    }

    /// A boolean: `true` or `false`, never the string "true".
    pub(super) fn boolean(&mut self, e: &Entry, key: &'static str) -> Option<Value<bool>> {
        let node = e.value;
        if let Kind::Bool(value) = node.kind {
            return Some(Value {
                value,
                span: node.span,
                key,
            });
        }
        let (message, help) = match &node.kind {
            Kind::Str(s) if matches!(s.trim().to_ascii_lowercase().as_str(), "true" | "false") => {
                let v = s.trim().to_ascii_lowercase();
                (
                    format!(
                        "`{key}` must be the boolean {v}, not the string {}",
                        node.raw(self.file).trim()
                    ),
                    format!("write `\"{key}\": {v}` without quotes"),
                )
            }
            _ => (
                format!("`{key}` must be true or false, not {}", node.type_name()),
                format!("write `\"{key}\": false` or `\"{key}\": true`"),
            ),
        };
        self.invalid(node, key, message, "not a boolean", help);
        None
    }

    /// Every key the table requires and the document lacks.
    pub(super) fn required(&mut self, entries: &[Entry]) {
        for f in fields::of(self.kind).filter(|f| f.required) {
            if !entries.iter().any(|e| e.key == f.key) {
                self.missing(f.key, f.missing_help);
            }
        }
    }

    /// `startScriptContent` is required, and not empty, when the start
    /// script is on; either may be left out or empty when it is off.
    pub(super) fn start_script(&mut self, flag: Option<Value<bool>>, entries: &[Entry]) {
        let Some(flag) = flag.filter(|f| f.value) else {
            return;
        };
        let content = entries
            .iter()
            .find(|e| e.key == "startScriptContent")
            .filter(|e| !matches!(e.value.kind, Kind::Null));
        match content {
            None => self.push(
                Diagnostic::at(
                    Code::MissingField,
                    flag.span,
                    "useStartScript is true, but this platform body has no `startScriptContent`",
                )
                .label("a start script is asked for here")
                .help("add the script in `\"startScriptContent\"`, or set useStartScript to false")
                .field("startScriptContent"),
            ),
            Some(e) if e.value.scalar_text(self.file).is_some_and(|t| t.trim().is_empty()) => {
                self.push(
                    Diagnostic::at(
                        Code::InvalidValue,
                        e.value.span,
                        "useStartScript is true, but `startScriptContent` is empty",
                    )
                    .label("no script")
                    .note(flag.span, "a start script is asked for here")
                    .help("write the script's commands (end each line with \\n), or set useStartScript to false")
                    .field("startScriptContent")
                    .requested("\"\""),
                )
            }
            Some(_) => {}
        }
    }

    /// The items of `mountInfoList` or `containerPortInfoList`, each a
    /// mapping; `null` is no list.
    pub(super) fn list(&mut self, e: &Entry, key: &'static str) {
        let node = e.value;
        let items = match &node.kind {
            Kind::Null => return,
            Kind::Seq(items) => items,
            _ => {
                self.invalid(
                    node,
                    key,
                    format!("`{key}` must be a list, not {}", node.type_name()),
                    "not a list",
                    format!("write `{key}` as a JSON array"),
                );
                return;
            }
        };
        let example = if key == "mountInfoList" {
            "{\"sourcePath\": \"/public/home/<user>/data\", \"targetPath\": \"/mnt/data\", \"type\": \"data\"}"
        } else {
            "{\"protocolType\": \"HTTP\", \"containerPort\": 8888}"
        };
        for (i, item) in items.iter().enumerate() {
            let Kind::Map(pairs) = &item.kind else {
                self.invalid(
                    item,
                    key,
                    format!(
                        "each item of `{key}` must be a mapping, not {}",
                        item.type_name()
                    ),
                    "not a mapping",
                    format!("write the item as {example}"),
                );
                continue;
            };
            if key == "mountInfoList" {
                for path in ["sourcePath", "targetPath"] {
                    self.mount_path(item.span, pairs, i, path);
                }
            } else {
                self.port(item.span, pairs, i);
            }
        }
    }

    fn item_value<'n>(&self, pairs: &'n [(Node, Node)], name: &str) -> Option<&'n Node> {
        pairs
            .iter()
            .find(|(k, _)| k.scalar_text(self.file).as_deref() == Some(name))
            .map(|(_, v)| v)
    }

    fn item_missing(&mut self, item: Span, list: &str, i: usize, name: &str, help: &str) {
        self.push(
            Diagnostic::at(
                Code::MissingField,
                item,
                format!("item {} of `{list}` has no `{name}`", i + 1),
            )
            .label(format!("`{name}` missing"))
            .help(help.to_string())
            .field(format!("{list}[{i}].{name}")),
        );
    }

    fn mount_path(&mut self, item: Span, pairs: &[(Node, Node)], i: usize, name: &'static str) {
        let example = if name == "sourcePath" {
            "/public/home/<user>/data"
        } else {
            "/mnt/data"
        };
        let Some(node) = self.item_value(pairs, name) else {
            let help = format!("add `\"{name}\": \"{example}\"`, an absolute path");
            self.item_missing(item, "mountInfoList", i, name, &help);
            return;
        };
        let field = format!("mountInfoList[{i}].{name}");
        let (message, help) = match &node.kind {
            Kind::Str(s) if s.starts_with('/') => return,
            Kind::Str(s) => (
                format!("`{name}` must be an absolute path (starting with /), not `{s}`"),
                format!(
                    "write the full path, e.g. `\"{name}\": \"{}/{}\"`",
                    example.rsplit_once('/').map_or("", |(dir, _)| dir),
                    s.trim().trim_start_matches("./")
                ),
            ),
            _ => (
                format!("`{name}` must be a path, not {}", node.type_name()),
                format!("write `\"{name}\": \"{example}\"`"),
            ),
        };
        self.invalid(node, &field, message, "not an absolute path", help);
    }

    fn port(&mut self, item: Span, pairs: &[(Node, Node)], i: usize) {
        let Some(node) = self.item_value(pairs, "containerPort") else {
            let help = "add `\"containerPort\": 8888`, the port inside the container";
            self.item_missing(item, "containerPortInfoList", i, "containerPort", help);
            return;
        };
        let number = match &node.kind {
            Kind::Int(n) => Some(*n),
            Kind::Str(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
                Some(s.parse::<i128>().unwrap_or(i128::MAX))
            }
            _ => None,
        };
        if number.is_some_and(|n| (1..=65535).contains(&n)) {
            return;
        }
        let shown = node.raw(self.file).trim().to_string();
        let message = match number {
            Some(_) => format!("`containerPort` {shown} is not a port: ports are 1 to 65535"),
            None => format!(
                "`containerPort` must be a port number (1 to 65535), not {} {shown}",
                node.type_name()
            ),
        };
        let field = format!("containerPortInfoList[{i}].containerPort");
        self.invalid(
            node,
            &field,
            message,
            "not a port",
            "write a port from 1 to 65535, e.g. `\"containerPort\": 8888` or `\"8888\"`".into(),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::request::read_documents;

    const BODY: &str = r#"{"instanceServiceName":"nb","acceleratorType":"gpu","taskType":"ssh","version":"v","imagePath":"i","timeoutLimit":"unlimited","taskNumber":1,"resourceGroup":"G","useStartScript":false,"startScriptActionScope":"all","cpuNumber":3,"ramSize":15360,"gpuNumber":1"#;

    /// (code, field, help) of each diagnostic of a body with `extra` added.
    fn body(extra: &str) -> Vec<(String, String, String)> {
        let file = format!("{BODY}{extra}}}");
        read_documents(&file)[0]
            .diagnostics
            .iter()
            .map(|d| {
                (
                    d.code.as_str().to_string(),
                    d.field.clone().unwrap_or_default(),
                    d.help.clone().unwrap_or_default(),
                )
            })
            .collect()
    }

    #[test]
    fn optional_strings_may_be_empty_null_or_absent() {
        assert_eq!(body(""), []);
        assert_eq!(body(r#","description":"","startScriptContent":"""#), []);
        assert_eq!(body(r#","description":null,"startScriptContent":null"#), []);
        assert_eq!(
            body(r#","mountInfoList":null,"containerPortInfoList":[]"#),
            []
        );
    }

    #[test]
    fn exact_values_in_a_body_any_case_in_a_spec() {
        let file = BODY.replace(r#""taskType":"ssh""#, r#""taskType":"Jupyter""#) + "}";
        let d = &read_documents(&file)[0].diagnostics;
        assert_eq!(d.len(), 1);
        assert_eq!(
            d[0].help.as_deref(),
            Some(r#"did you mean `jupyter`? write `"taskType": "jupyter"`"#)
        );
        let spec = "resourceGroup: G\nacceleratorType: MLU\ncpus: 1\nmlus: 1\nmemory: 1G\n";
        let docs = read_documents(spec);
        assert!(docs[0].diagnostics.is_empty(), "{:?}", docs[0].diagnostics);
        assert_eq!(
            docs[0].job.as_ref().unwrap().accelerator,
            crate::vocab::AccelType::Mlu
        );
    }

    #[test]
    fn list_items_are_named_by_position() {
        let got = body(
            r#","mountInfoList":[{"sourcePath":"/a","targetPath":"/b"},{"sourcePath":"/c"}],"containerPortInfoList":[{"containerPort":"8888"},{"containerPort":65536},"x"]"#,
        );
        let fields: Vec<(&str, &str)> = got
            .iter()
            .map(|(c, f, _)| (c.as_str(), f.as_str()))
            .collect();
        assert_eq!(
            fields,
            [
                ("missing-field", "mountInfoList[1].targetPath"),
                ("invalid-value", "containerPortInfoList[1].containerPort"),
                ("invalid-value", "containerPortInfoList"),
            ]
        );
    }

    #[test]
    fn the_start_script_when_it_is_on() {
        let on = |extra: &str| {
            let file =
                BODY.replace(r#""useStartScript":false"#, r#""useStartScript":true"#) + extra + "}";
            read_documents(&file)[0]
                .diagnostics
                .iter()
                .map(|d| d.code.as_str())
                .collect::<Vec<_>>()
        };
        assert_eq!(on(""), ["missing-field"]);
        assert_eq!(on(r#","startScriptContent":null"#), ["missing-field"]);
        assert_eq!(on(r#","startScriptContent":"  ""#), ["invalid-value"]);
        assert_eq!(
            on(r#","startScriptContent":"echo hi\n""#),
            Vec::<&str>::new()
        );
    }

    #[test]
    fn an_empty_optional_name_is_no_name() {
        let docs = read_documents("name: \"\"\nresourceGroup: G\ncpus: 1\nmemory: 1G\n");
        assert!(docs[0].diagnostics.is_empty());
        assert_eq!(docs[0].job.as_ref().unwrap().name, None);
    }
}
