//! The one table of the keys jobcheck reads, for both kinds of document.
//! The reader's known keys, required keys and their help, the allowed values
//! and their "did you mean", and `schemas/job.schema.json` all come from it.
//! The keys that request a limit come from the limit table
//! ([`crate::vocab::LIMITS`]): `FIELDS` places them among the others and
//! says which are required; a limit's key it does not place is known all
//! the same, optional, after the others of its kind.

use std::sync::LazyLock;

use super::DocKind;
use crate::vocab::{AccelType, LimitKey, Measure};
pub use crate::vocab::{LIMITS, LimitField, limit_field};

/// The accelerator types, in the order the platform documents them.
pub const ACCELERATOR_TYPES: &[&str] = &["gpu", "dcu", "mlu", "cpu"];
pub const TASK_TYPES: &[&str] = &["ssh", "jupyter", "codeserver", "rstudio"];
pub const SCRIPT_SCOPES: &[&str] = &["all", "header"];

/// What a key's value must be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ty {
    /// Text (a number is taken as its text, as the platform does).
    /// `empty_ok`: `""` is a value; `null_ok`: `null` counts as absent.
    Text { empty_ok: bool, null_ok: bool },
    /// One of fixed values. `exact`: case and spacing must match (a
    /// platform body); otherwise any case is read (a job spec).
    OneOf {
        values: &'static [&'static str],
        exact: bool,
    },
    /// A JSON/YAML boolean, never the string "true".
    Bool,
    /// A whole number of at least `min`.
    Count { min: u64 },
    /// Memory per node: an amount with a unit in a job spec, whole MiB in a
    /// platform body.
    Memory,
    /// A run time: Slurm or suffix forms in a job spec, `unlimited` or
    /// `H:MM:SS` in a platform body.
    Time,
    /// `mountInfoList`: items with absolute `sourcePath` and `targetPath`.
    Mounts,
    /// `containerPortInfoList`: items with `containerPort` 1–65535.
    Ports,
}

/// One key of one kind of document.
#[derive(Clone, Copy, Debug)]
pub struct Field {
    pub key: &'static str,
    pub doc: DocKind,
    pub ty: Ty,
    pub required: bool,
    /// One line for editors and the schema.
    pub description: &'static str,
    /// The help of `missing-field` (required keys).
    pub missing_help: &'static str,
    /// The same setting in the other kind of document.
    pub equivalent: Option<&'static str>,
}

const fn spec(key: &'static str, ty: Ty, description: &'static str) -> Field {
    Field {
        key,
        doc: DocKind::JobSpec,
        ty,
        required: false,
        description,
        missing_help: "",
        equivalent: None,
    }
}

const fn body(key: &'static str, ty: Ty, description: &'static str) -> Field {
    Field {
        key,
        doc: DocKind::PlatformBody,
        ty,
        required: false,
        description,
        missing_help: "",
        equivalent: None,
    }
}

impl Field {
    const fn needed(mut self, help: &'static str) -> Field {
        self.required = true;
        self.missing_help = help;
        self
    }

    const fn same_as(mut self, key: &'static str) -> Field {
        self.equivalent = Some(key);
        self
    }
}

const REQUIRED_TEXT: Ty = Ty::Text {
    empty_ok: false,
    null_ok: false,
};
const OPTIONAL_TEXT: Ty = Ty::Text {
    empty_ok: true,
    null_ok: true,
};

pub const FIELDS: &[Field] = &[
    // The job spec: jobcheck's own, friendly format.
    spec(
        "name",
        Ty::Text {
            empty_ok: true,
            null_ok: false,
        },
        "A name for reports.",
    )
    .same_as("instanceServiceName"),
    spec(
        "resourceGroup",
        REQUIRED_TEXT,
        "The platform's resource group to run in, e.g. TeslaM40.",
    )
    .needed("add `resourceGroup: <group>`, the platform's resource group to run in")
    .same_as("resourceGroup"),
    spec(
        "acceleratorType",
        Ty::OneOf {
            values: ACCELERATOR_TYPES,
            exact: false,
        },
        "The accelerator type (gpu, dcu, mlu or cpu, any case); inferred from gpus/dcus/mlus when absent.",
    )
    .same_as("acceleratorType"),
    spec_limit(LimitKey::Nodes),
    spec_limit(LimitKey::Cpus).needed("add `cpus: N`, the cores per node"),
    spec_limit(LimitKey::Cards),
    spec(AccelType::Dcu.cards_key(), Ty::Count { min: 0 }, "DCU cards per node.").same_as("gpuNumber"),
    spec(AccelType::Mlu.cards_key(), Ty::Count { min: 0 }, "MLU cards per node.").same_as("gpuNumber"),
    spec_limit(LimitKey::Memory).needed("add `memory: 16G`, the memory per node"),
    spec_limit(LimitKey::Time),
    // The platform body: POST /ai/openapi/v2/instance-service/task.
    body("instanceServiceName", REQUIRED_TEXT, "The instance's name.")
        .needed("add the instance's name")
        .same_as("name"),
    body("description", OPTIONAL_TEXT, "A description; may be empty."),
    body(
        "acceleratorType",
        Ty::OneOf {
            values: ACCELERATOR_TYPES,
            exact: true,
        },
        "The accelerator type: mlu, dcu, gpu or cpu, in lower case.",
    )
    .needed("add `\"acceleratorType\": \"gpu\"` (mlu, dcu, gpu or cpu)")
    .same_as("acceleratorType"),
    body(
        "taskType",
        Ty::OneOf {
            values: TASK_TYPES,
            exact: true,
        },
        "The task type: ssh, jupyter, codeserver or rstudio, in lower case.",
    )
    .needed("add `\"taskType\"`: ssh, jupyter, codeserver or rstudio"),
    body("version", REQUIRED_TEXT, "The image name, e.g. jupyter:4.4-py3.7-cpu.")
        .needed("add the image `\"version\"`"),
    body("imagePath", REQUIRED_TEXT, "The image path.")
        .needed("add the `\"imagePath\"` of the container image"),
    body_limit(LimitKey::Time).needed(
        "add `\"timeoutLimit\"`, the longest run time, e.g. \"02:00:00\" or \"unlimited\"",
    ),
    body_limit(LimitKey::Nodes).needed("add `\"taskNumber\"`, the number of nodes"),
    body("resourceGroup", REQUIRED_TEXT, "The resource group to run in.")
        .needed("add the `\"resourceGroup\"` to run in")
        .same_as("resourceGroup"),
    body(
        "useStartScript",
        Ty::Bool,
        "Whether to run startScriptContent: true or false (a JSON boolean).",
    )
    .needed("add `\"useStartScript\": false`"),
    body(
        "startScriptActionScope",
        Ty::OneOf {
            values: SCRIPT_SCOPES,
            exact: true,
        },
        "Where the start script runs: all (every container) or header (the first).",
    )
    .needed("add `\"startScriptActionScope\"`: all or header"),
    body(
        "startScriptContent",
        OPTIONAL_TEXT,
        "The start script; required and non-empty when useStartScript is true.",
    ),
    body_limit(LimitKey::Cpus).needed("add `\"cpuNumber\"`, the cores per node"),
    body_limit(LimitKey::Memory).needed("add `\"ramSize\"`, the memory per node in MiB"),
    body_limit(LimitKey::Cards).needed("add `\"gpuNumber\"`, the cards per node (0 for none)"),
    body(
        "mountInfoList",
        Ty::Mounts,
        "Mounts: items with absolute sourcePath and targetPath.",
    ),
    body(
        "containerPortInfoList",
        Ty::Ports,
        "Ports: items with containerPort 1-65535 (a number or a digit string).",
    ),
    // Sent by public clients (copied from the instance detail), though the
    // create page does not list them: known, never an unknown field.
    body("env", OPTIONAL_TEXT, "Environment settings, as the instance detail gives them."),
    body("headerNotebookId", OPTIONAL_TEXT, "The header notebook's id, from the instance detail."),
    body("headerNotebookIp", OPTIONAL_TEXT, "The header notebook's address, from the instance detail."),
    body("startScriptPath", OPTIONAL_TEXT, "The start script's path, from the instance detail."),
];

/// What a limit's value is in a document: its row's measure.
const fn ty_of(measure: Measure) -> Ty {
    match measure {
        Measure::Count { min } => Ty::Count { min },
        Measure::Memory => Ty::Memory,
        Measure::Time => Ty::Time,
    }
}

/// A limit's key in a job spec, from its row of the limit table.
const fn spec_limit(key: LimitKey) -> Field {
    let row = limit_field(key);
    spec(row.spec_key, ty_of(row.measure), row.spec_doc).same_as(row.body_key)
}

/// A limit's key in a platform body, from its row of the limit table.
const fn body_limit(key: LimitKey) -> Field {
    let row = limit_field(key);
    body(row.body_key, ty_of(row.measure), row.body_doc).same_as(row.spec_key)
}

/// `FIELDS`, then each limit's key that `FIELDS` does not place, for both
/// kinds of document (optional, described by the limit's row).
static ALL: LazyLock<Vec<Field>> = LazyLock::new(|| {
    let mut all = FIELDS.to_vec();
    for row in LIMITS.iter().filter(|r| r.limit != LimitKey::Quota) {
        for field in [spec_limit(row.limit), body_limit(row.limit)] {
            if !all.iter().any(|f| f.doc == field.doc && f.key == field.key) {
                all.push(field);
            }
        }
    }
    all
});

/// Every key of both kinds of document.
pub fn all() -> &'static [Field] {
    &ALL
}

/// The keys of one kind of document, in table order.
pub fn of(doc: DocKind) -> impl Iterator<Item = &'static Field> {
    ALL.iter().filter(move |f| f.doc == doc)
}

/// The key that requests a limit in one kind of document.
pub fn key_in(row: &LimitField, doc: DocKind) -> &'static str {
    match doc {
        DocKind::JobSpec => row.spec_key,
        DocKind::PlatformBody => row.body_key,
    }
}

/// The known keys of one kind of document.
pub fn keys(doc: DocKind) -> Vec<&'static str> {
    of(doc).map(|f| f.key).collect()
}

pub fn get(doc: DocKind, key: &str) -> Option<&'static Field> {
    of(doc).find(|f| f.key == key)
}

/// Whether only a platform body knows `key`.
pub fn body_only(key: &str) -> bool {
    get(DocKind::PlatformBody, key).is_some() && get(DocKind::JobSpec, key).is_none()
}

/// Whether only a job spec knows `key`.
pub fn spec_only(key: &str) -> bool {
    get(DocKind::JobSpec, key).is_some() && get(DocKind::PlatformBody, key).is_none()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_key_once_per_kind_and_equivalents_exist() {
        for doc in [DocKind::JobSpec, DocKind::PlatformBody] {
            let keys = keys(doc);
            for (i, k) in keys.iter().enumerate() {
                assert!(!keys[..i].contains(k), "{k} twice");
            }
        }
        for f in all() {
            let other = match f.doc {
                DocKind::JobSpec => DocKind::PlatformBody,
                DocKind::PlatformBody => DocKind::JobSpec,
            };
            if let Some(e) = f.equivalent {
                assert!(get(other, e).is_some(), "{} → {e}", f.key);
            }
            assert_eq!(f.required, !f.missing_help.is_empty(), "{}", f.key);
        }
    }

    #[test]
    fn the_documented_required_body_keys() {
        let required: Vec<&str> = of(DocKind::PlatformBody)
            .filter(|f| f.required)
            .map(|f| f.key)
            .collect();
        assert_eq!(
            required,
            [
                "instanceServiceName",
                "acceleratorType",
                "taskType",
                "version",
                "imagePath",
                "timeoutLimit",
                "taskNumber",
                "resourceGroup",
                "useStartScript",
                "startScriptActionScope",
                "cpuNumber",
                "ramSize",
                "gpuNumber"
            ]
        );
    }
    #[test]
    fn every_limit_has_its_row_whose_keys_the_reader_knows() {
        // The variants and rows are one list, so each key has one row.
        for row in LIMITS {
            assert_eq!(limit_field(row.limit).limit, row.limit);
            let key = row.limit;
            assert!(get(DocKind::JobSpec, row.spec_key).is_some(), "{key:?}");
            assert!(
                get(DocKind::PlatformBody, row.body_key).is_some(),
                "{key:?}"
            );
        }
    }
}
