//! The JSON Schema of job files (`schemas/job.schema.json`), generated from
//! the field table the reader uses, so that what editors accept cannot
//! drift from what the CLI accepts. A document is a job spec or a platform
//! body (`anyOf`); the two cannot both match, since a job spec refuses the
//! body's required keys.

use serde_json::{Map, Value, json};

use super::DocKind;
use super::fields::{self, ACCELERATOR_TYPES, Field, Ty};
use crate::vocab::{AccelType, LimitKey};

/// The value grammars the reader's `units` take, as regular expressions.
/// They mirror `units::Memory::parse` and `units::TimeLimit::parse`: change
/// them together.
pub mod grammar {
    /// Memory in a job spec: a number without a leading zero (`016G` is
    /// refused, `0.5G` is not), an optional unit K, M, G, T, also KB/KiB/Ki
    /// and so on, any case, base 1024.
    pub const MEMORY: &str = r"^\s*(0|[1-9][0-9]*)(\.[0-9]+)?\s*([KkMmGgTt]([Ii]?[Bb]|[Ii])?)?\s*$";
    /// A memory amount of nothing (`0`, `0.0G`): refused.
    pub const MEMORY_ZERO: &str = r"^\s*[0.]+\s*[A-Za-z]*\s*$";
    /// A run time in a job spec: Slurm's forms (`MM`, `MM:SS`, `HH:MM:SS`,
    /// `D-HH`, `D-HH:MM`, `D-HH:MM:SS`; a field may be padded to two digits,
    /// not more), suffix forms (`90m`, `1d12h`), unlimited.
    pub const TIME: &str = concat!(
        r"^\s*(",
        r"([0-9]{1,2}|[1-9][0-9]{2,})-([0-9]{1,2}|[1-9][0-9]{2,})(:([0-9]{1,2}|[1-9][0-9]{2,})){0,2}",
        r"|([0-9]{1,2}|[1-9][0-9]{2,})(:([0-9]{1,2}|[1-9][0-9]{2,})){0,2}",
        r"|([0-9]+[dD])?([0-9]+[hH])?([0-9]+[mM])?([0-9]+[sS])?",
        r"|[Uu][Nn][Ll][Ii][Mm][Ii][Tt][Ee][Dd]|[Ii][Nn][Ff][Ii][Nn][Ii][Tt][Ee]|-1",
        r")\s*$"
    );
    /// A time of no length (`0`, `00:00:00`, `0m`), or no digits: refused.
    pub const TIME_ZERO: &str = r"^[\s0:dDhHmMsS-]*$";
    /// A bare number or a suffix form with a leading zero (`010`, `08h`):
    /// refused (YAML 1.1 reads `010` as octal).
    pub const TIME_LEADING_ZERO: &str = r"^\s*0[0-9][^:-]*$";
    /// `timeoutLimit` in a platform body: `unlimited` or `H:MM:SS` (hours
    /// may exceed 23, padded to two digits at most).
    pub const TIMEOUT: &str = r"^(unlimited|([0-9]{1,2}|[1-9][0-9]{2,}):[0-5][0-9]:[0-5][0-9])$";
    /// A `timeoutLimit` of no length: refused.
    pub const TIMEOUT_ZERO: &str = r"^0{1,2}:00:00$";
    /// A port as a digit string, 1 to 65535 (leading zeros read as the
    /// platform reads them).
    pub const PORT: &str = r"^0*([1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])$";
    /// A body integer written as a digit string, without a leading zero.
    pub const DIGITS: &str = r"^(0|[1-9][0-9]{0,18})$";
    /// The same, at least 1.
    pub const DIGITS_POSITIVE: &str = r"^[1-9][0-9]{0,18}$";
    /// An absolute path.
    pub const ABSOLUTE: &str = "^/";
    /// Text with something in it.
    pub const NOT_BLANK: &str = r"\S";
}

/// `gpu` → `[Gg][Pp][Uu]`: any case, as a job spec reads it.
fn any_case(values: &[&str]) -> String {
    let alternatives: Vec<String> = values
        .iter()
        .map(|v| {
            v.chars()
                .map(|c| {
                    if c.is_ascii_alphabetic() {
                        format!("[{}{}]", c.to_ascii_uppercase(), c.to_ascii_lowercase())
                    } else {
                        regex_escape(c)
                    }
                })
                .collect()
        })
        .collect();
    format!(r"^\s*({})\s*$", alternatives.join("|"))
}

fn regex_escape(c: char) -> String {
    if r"\.+*?()|[]{}^$-".contains(c) {
        format!("\\{c}")
    } else {
        c.to_string()
    }
}

/// A platform body's integer field: a JSON integer, or a digit string the
/// platform reads as one (with a warning from the CLI, not an error).
fn body_integer(min: u64) -> Value {
    let digits = if min == 0 {
        grammar::DIGITS
    } else {
        grammar::DIGITS_POSITIVE
    };
    json!({"anyOf": [
        {"type": "integer", "minimum": min, "maximum": u64::MAX},
        {"type": "string", "pattern": digits}
    ]})
}

fn value_schema(f: &Field) -> Value {
    let spec = f.doc == DocKind::JobSpec;
    let mut v = match f.ty {
        Ty::Text { empty_ok, null_ok } => {
            let mut types = vec!["string", "number"];
            if null_ok {
                types.push("null");
            }
            let mut s = json!({"type": types});
            if !empty_ok {
                s["pattern"] = grammar::NOT_BLANK.into();
            }
            s
        }
        Ty::OneOf {
            values,
            exact: true,
        } => json!({"type": "string", "enum": values}),
        Ty::OneOf {
            values,
            exact: false,
        } => json!({"type": "string", "pattern": any_case(values)}),
        Ty::Bool => json!({"type": "boolean"}),
        Ty::Count { min } if spec => {
            json!({"type": "integer", "minimum": min, "maximum": u64::MAX})
        }
        Ty::Count { min } => body_integer(min),
        Ty::Memory if spec => json!({
            "anyOf": [
                {"type": "string", "pattern": grammar::MEMORY},
                {"type": "number", "exclusiveMinimum": 0}
            ],
            "not": {"type": "string", "pattern": grammar::MEMORY_ZERO}
        }),
        Ty::Memory => body_integer(1),
        Ty::Time if spec => json!({
            "anyOf": [
                {"type": "string", "pattern": grammar::TIME},
                {"type": "integer", "const": -1},
                {"type": "integer", "minimum": 1}
            ],
            "not": {"type": "string", "anyOf": [
                {"pattern": grammar::TIME_ZERO},
                {"pattern": grammar::TIME_LEADING_ZERO}
            ]}
        }),
        Ty::Time => json!({
            "type": "string",
            "pattern": grammar::TIMEOUT,
            "not": {"pattern": grammar::TIMEOUT_ZERO}
        }),
        Ty::Mounts => json!({
            "type": ["array", "null"],
            "items": {
                "type": "object",
                "required": ["sourcePath", "targetPath"],
                "properties": {
                    "sourcePath": {"type": "string", "pattern": grammar::ABSOLUTE, "description": "An absolute path on the platform, e.g. /public/home/<user>/data."},
                    "targetPath": {"type": "string", "pattern": grammar::ABSOLUTE, "description": "An absolute path in the container, e.g. /mnt/data."}
                }
            }
        }),
        Ty::Ports => json!({
            "type": ["array", "null"],
            "items": {
                "type": "object",
                "required": ["containerPort"],
                "properties": {
                    "containerPort": {
                        "anyOf": [
                            {"type": "integer", "minimum": 1, "maximum": 65535},
                            {"type": "string", "pattern": grammar::PORT}
                        ],
                        "description": "The port in the container, 1-65535: a number or a digit string."
                    }
                }
            }
        }),
    };
    v["description"] = f.description.into();
    v
}

/// `{"properties": {key: {"pattern": …}}, "required": [key]}`: the
/// document states `key` with a value matching `schema`.
fn states(key: &str, schema: Value) -> Value {
    json!({"properties": {key: schema}, "required": [key]})
}

/// The rules between keys the reader applies while reading.
fn cross_rules(doc: DocKind) -> Vec<Value> {
    let mut rules = Vec::new();
    match doc {
        DocKind::JobSpec => {
            let cards = AccelType::CARD_TYPES.map(|t| t.cards_key());
            // At most one kind of card.
            let pairs: Vec<Value> = [(0, 1), (0, 2), (1, 2)]
                .iter()
                .map(|&(a, b)| json!({"required": [cards[a], cards[b]]}))
                .collect();
            rules.push(json!({"not": {"anyOf": pairs}}));
            // A stated type takes only its own cards; cpu takes none above 0.
            for t in ACCELERATOR_TYPES {
                let own = match AccelType::parse(t) {
                    Some(AccelType::Cpu) | None => "",
                    Some(card) => card.cards_key(),
                };
                let stated = states(
                    "acceleratorType",
                    json!({"type": "string", "pattern": any_case(&[t])}),
                );
                let then = if own.is_empty() {
                    let zero: Map<String, Value> = cards
                        .iter()
                        .map(|c| (c.to_string(), json!({"maximum": 0})))
                        .collect();
                    json!({"properties": zero})
                } else {
                    let others: Vec<Value> = cards
                        .iter()
                        .filter(|c| *c != &own)
                        .map(|c| json!({"required": [c]}))
                        .collect();
                    json!({"not": {"anyOf": others}})
                };
                rules.push(json!({"if": stated, "then": then}));
            }
        }
        DocKind::PlatformBody => {
            rules.push(json!({
                "if": states("acceleratorType", json!({"const": "cpu"})),
                "then": {"properties": {fields::limit_field(LimitKey::Cards).body_key: {"maximum": 0}}}
            }));
            rules.push(json!({
                "if": states("useStartScript", json!({"const": true})),
                "then": states(
                    "startScriptContent",
                    json!({"type": "string", "pattern": grammar::NOT_BLANK})
                )
            }));
        }
    }
    rules
}

fn kind_schema(doc: DocKind) -> Value {
    let properties: Map<String, Value> = fields::of(doc)
        .map(|f| (f.key.to_string(), value_schema(f)))
        .collect();
    let required: Vec<&str> = fields::of(doc)
        .filter(|f| f.required)
        .map(|f| f.key)
        .collect();
    let mut s = json!({
        "type": "object",
        "properties": properties,
        "required": required,
        "allOf": cross_rules(doc),
    });
    match doc {
        DocKind::JobSpec => {
            s["title"] = "job spec".into();
            s["description"] =
                "jobcheck's own format. Keys starting with `x-` are ignored; any other unknown key is an error."
                    .into();
            s["patternProperties"] = json!({"^x-": {}});
            s["additionalProperties"] = false.into();
        }
        DocKind::PlatformBody => {
            s["title"] = "platform body".into();
            s["description"] =
                "The JSON body of POST /ai/openapi/v2/instance-service/task, judged as the platform takes it. Other keys are warnings, not errors."
                    .into();
        }
    }
    s
}

/// `schemas/job.schema.json`, as JSON Schema draft-07.
pub fn job_schema() -> String {
    let schema = json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": "jobcheck job request",
        "description": "A container job request for the Sugon AC / SCNet platform, checked by jobcheck against the resource group's limits: a job spec, or a platform create-task body.",
        "anyOf": [
            {"$ref": "#/definitions/JobSpec"},
            {"$ref": "#/definitions/PlatformBody"}
        ],
        "definitions": {
            "JobSpec": kind_schema(DocKind::JobSpec),
            "PlatformBody": kind_schema(DocKind::PlatformBody),
        }
    });
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_committed_job_schema_is_current() {
        assert!(
            crate::report::schema::bless("schemas/job.schema.json", &job_schema()),
            "schemas/job.schema.json is out of date: run `JOBCHECK_BLESS=1 cargo test --lib` \
             (or `jobcheck schema job > schemas/job.schema.json`)"
        );
    }

    #[test]
    fn any_case_patterns() {
        assert_eq!(any_case(&["gpu", "x-1"]), r"^\s*([Gg][Pp][Uu]|[Xx]\-1)\s*$");
    }

    #[test]
    fn every_table_key_is_in_the_schema() {
        let schema: Value = serde_json::from_str(&job_schema()).unwrap();
        for f in fields::all() {
            let kind = match f.doc {
                DocKind::JobSpec => "JobSpec",
                DocKind::PlatformBody => "PlatformBody",
            };
            let prop = &schema["definitions"][kind]["properties"][f.key];
            assert_eq!(prop["description"], f.description, "{kind}.{}", f.key);
            let required = schema["definitions"][kind]["required"]
                .as_array()
                .unwrap()
                .contains(&f.key.into());
            assert_eq!(required, f.required, "{kind}.{}", f.key);
        }
    }
}
