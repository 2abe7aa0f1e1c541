//! The JSON Schema of the version-1 JSON report (`schemas/report.schema.json`),
//! generated here so that its list of codes is the program's own (`Code::ALL`)
//! and a job's `request` and `limits` members are the limit table's
//! (`vocab::LIMITS`): a new rule or limit changes the schema without a hand
//! edit. A test compares the
//! committed file with this text (`jobcheck schema report > schemas/report.schema.json`).

use serde_json::{Map, Value, json};

use crate::diag::Code;
use crate::vocab::{LIMITS, LimitKey};

/// `schemas/report.schema.json`, as JSON Schema draft-07.
pub fn report_schema() -> String {
    let schema = json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": "jobcheck report, version 1",
        "description": "The report `jobcheck check --format json` prints. Lines and columns are 1-based; columns count Unicode characters; the end is exclusive. Fields without a value are null.",
        "type": "object",
        "required": ["version", "summary", "jobs", "diagnostics", "suppressed"],
        "additionalProperties": false,
        "properties": {
            "version": {
                "const": 1
            },
            "summary": summary(),
            "jobs": {
                "type": "array",
                "items": jobs_items()
            },
            "diagnostics": {
                "type": "array",
                "items": diagnostics_items()
            },
            "suppressed": {
                "type": "array",
                "description": "Findings that a `# jobcheck: ignore[…]` comment, `per-file-ignores` or the `--baseline` file hid. They are not in `diagnostics`, not counted in the summary's errors and warnings and change no verdict; they are listed so that a review sees what is hidden.",
                "items": {
                    "type": "object",
                    "required": ["by", "diagnostic"],
                    "additionalProperties": false,
                    "properties": {
                        "by": {"enum": ["comment", "configuration", "baseline"], "description": "What hid it."},
                        "diagnostic": {"$ref": "#/properties/diagnostics/items"}
                    }
                }
            }
        }
    });
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}

/// Every code a diagnostic may carry.
fn codes() -> Vec<&'static str> {
    Code::ALL.iter().map(|c| c.as_str()).collect()
}

fn diagnostics_items() -> Value {
    json!({
        "type": "object",
        "required": ["code", "severity", "message", "help", "file", "document", "line", "column", "endLine", "endColumn", "field", "requested", "limit", "fix"],
        "additionalProperties": false,
        "properties": {
            "code": {
                "enum": codes(),
                "description": "The rule's stable code; `jobcheck explain CODE` describes it."
            },
            "severity": {
                "enum": ["error", "warning"]
            },
            "message": {
                "type": "string"
            },
            "help": {
                "type": ["string", "null"],
                "description": "What would fix it."
            },
            "file": {
                "type": "string"
            },
            "document": {
                "type": ["integer", "null"],
                "minimum": 1,
                "description": "null for a problem with the whole file (unreadable bytes, empty file)."
            },
            "line": {
                "type": ["integer", "null"],
                "minimum": 1
            },
            "column": {
                "type": ["integer", "null"],
                "minimum": 1
            },
            "endLine": {
                "type": ["integer", "null"],
                "minimum": 1
            },
            "endColumn": {
                "type": ["integer", "null"],
                "minimum": 1,
                "description": "Exclusive."
            },
            "field": {
                "type": ["string", "null"],
                "description": "The key the diagnostic is about, as written. A `missing-field` that groups the required keys missing from one document lists them all, joined by `, ` (e.g. `taskType, version`)."
            },
            "requested": {
                "type": ["string", "null"],
                "description": "The value asked for, normalised (e.g. `48G (49152 MiB)`)."
            },
            "limit": {
                "type": ["string", "null"],
                "description": "The limit it was judged against."
            },
            "fix": diagnostics_items_fix()
        }
    })
}

fn diagnostics_items_fix() -> Value {
    json!({
        "type": ["object", "null"],
        "description": "The one edit that fixes the diagnostic, when there is one: write `replacement` in place of the text from line:column to endLine:endColumn (exclusive; equal positions insert). A fix never changes a value's meaning silently: it sets a value to its limit, spells out the current reading (`16` → `16M`), or renames a key or group to the one suggested.",
        "required": ["replacement", "line", "column", "endLine", "endColumn", "safe"],
        "additionalProperties": false,
        "properties": {
            "replacement": {
                "type": "string"
            },
            "line": {
                "type": "integer",
                "minimum": 1
            },
            "column": {
                "type": "integer",
                "minimum": 1
            },
            "endLine": {
                "type": "integer",
                "minimum": 1
            },
            "endColumn": {
                "type": "integer",
                "minimum": 1
            },
            "safe": {
                "type": "boolean",
                "description": "Whether `check --fix` applies it: true for an edit that keeps what is asked for (a spelling corrected, a reading spelt out), false for one that changes it (a value lowered to its limit), which only `--unsafe-fixes` applies."
            }
        }
    })
}

fn jobs_items() -> Value {
    json!({
        "type": "object",
        "required": ["file", "document", "name", "resourceGroup", "acceleratorType", "verdict", "reason", "request", "limits"],
        "additionalProperties": false,
        "properties": {
            "file": {
                "type": "string",
                "description": "The path as given, relative to the working directory, with forward slashes."
            },
            "document": {
                "type": "integer",
                "minimum": 1,
                "description": "1-based index of the document in its file."
            },
            "name": {
                "type": ["string", "null"],
                "description": "name (job spec) or instanceServiceName (platform body)."
            },
            "resourceGroup": {
                "type": ["string", "null"]
            },
            "acceleratorType": {
                "enum": ["gpu", "dcu", "mlu", "cpu", null],
                "description": "The type whose limits apply: stated, or inferred from the cards."
            },
            "verdict": {
                "enum": ["admitted", "rejected", "unjudged"]
            },
            "reason": {
                "type": ["string", "null"],
                "description": "Why an unjudged job could not be judged."
            },
            "request": jobs_items_request(),
            "limits": jobs_items_limits()
        }
    })
}

/// The members of a job's `limits` (`limits`: true) or `request` object,
/// one per row of the limit table that has one, and the names of those
/// always present (null when absent), in order.
fn amounts(limits: bool) -> (Map<String, Value>, Vec<&'static str>) {
    let mut properties = Map::new();
    let mut names = Vec::new();
    for row in LIMITS {
        let member = match limits {
            true => Some(row.limits_member),
            false => row.request_member,
        };
        let Some(member) = member else { continue };
        // The quota is shown only when above 0.
        let minimum = if row.limit == LimitKey::Quota { 1 } else { 0 };
        // A member shown only when set is never null.
        let kind = match member.when_set {
            true => json!("integer"),
            false => json!(["integer", "null"]),
        };
        let mut property = json!({"type": kind, "minimum": minimum});
        if let Some(doc) = member.doc {
            property["description"] = json!(doc);
        }
        properties.insert(member.name.into(), property);
        if !member.when_set {
            names.push(member.name);
        }
    }
    (properties, names)
}

fn jobs_items_limits() -> Value {
    let (properties, required) = amounts(true);
    json!({
        "type": ["object", "null"],
        "description": "What the job was judged against: the group's limits for its accelerator type, or a local policy cap where that is stricter. A field is null when the limit is unknown (or, for `maxTimeSeconds`, unlimited; for `quota`, when there is no separate quota). null when no limits were found for the job (unjudged, unknown group, no group).",
        "required": required,
        "additionalProperties": false,
        "properties": properties
    })
}

fn jobs_items_request() -> Value {
    let (properties, required) = amounts(false);
    json!({
        "type": ["object", "null"],
        "description": "What the job asks, normalised, as the rules judged it: defaults applied (`nodes` 1 in a job spec, `cards` 0 for a cpu job or a job spec that names no cards). A field is null when absent with no default, or unreadable; `walltimeSeconds` is also null for `unlimited`. null when the document could not be read as a job.",
        "required": required,
        "additionalProperties": false,
        "properties": properties
    })
}

fn summary() -> Value {
    json!({
        "type": "object",
        "required": ["files", "jobs", "admitted", "rejected", "unjudged", "errors", "warnings", "suppressed"],
        "additionalProperties": false,
        "properties": {
            "files": {
                "type": "integer",
                "minimum": 0,
                "description": "Files read."
            },
            "jobs": {
                "type": "integer",
                "minimum": 0,
                "description": "Documents read, each judged as a job."
            },
            "admitted": {
                "type": "integer",
                "minimum": 0
            },
            "rejected": {
                "type": "integer",
                "minimum": 0
            },
            "unjudged": {
                "type": "integer",
                "minimum": 0,
                "description": "Jobs whose limits could not be had."
            },
            "errors": {
                "type": "integer",
                "minimum": 0
            },
            "warnings": {
                "type": "integer",
                "minimum": 0
            },
            "suppressed": {
                "type": "integer",
                "minimum": 0,
                "description": "Findings hidden by a suppression comment, `per-file-ignores` or the baseline (listed in `suppressed`, counted nowhere else)."
            },
            "hidden": {
                "type": "integer",
                "minimum": 1,
                "description": "Diagnostics left out of `diagnostics` (at most 100 are listed per document); absent when none were."
            }
        }
    })
}

/// Whether the committed file at `path` (from the crate's root) holds
/// `text`; with `JOBCHECK_BLESS` set, it is written first. The generated
/// files (both schemas, the rules chapter) are kept current this way, so
/// `JOBCHECK_BLESS=1 cargo test --lib` regenerates them all.
#[cfg(test)]
pub(crate) fn bless(path: &str, text: &str) -> bool {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    if std::env::var_os("JOBCHECK_BLESS").is_some() {
        std::fs::write(&path, text).expect("write a generated file");
    }
    std::fs::read_to_string(&path).unwrap_or_default() == text
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_committed_report_schema_is_current() {
        assert!(
            super::bless("schemas/report.schema.json", &super::report_schema()),
            "schemas/report.schema.json is out of date: run `JOBCHECK_BLESS=1 cargo test --lib` \
             (or `jobcheck schema report > schemas/report.schema.json`)"
        );
    }
}
