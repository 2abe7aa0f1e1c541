//! The one table of the keys jobcheck reads, for both kinds of document.
//! The reader's known keys, required keys and their help, the allowed values
//! and their "did you mean", and `schemas/job.schema.json` all come from it.

use super::DocKind;
use crate::diag::Code;
use crate::vocab::{AccelType, LimitKey};

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
    spec(
        "nodes",
        Ty::Count { min: 1 },
        "Nodes; default 1.",
    )
    .same_as("taskNumber"),
    spec("cpus", Ty::Count { min: 1 }, "CPU cores per node.")
        .needed("add `cpus: N`, the cores per node")
        .same_as("cpuNumber"),
    spec(
        AccelType::Gpu.cards_key(),
        Ty::Count { min: 0 },
        "GPU cards per node (at most one of gpus, dcus, mlus).",
    )
    .same_as("gpuNumber"),
    spec(AccelType::Dcu.cards_key(), Ty::Count { min: 0 }, "DCU cards per node.").same_as("gpuNumber"),
    spec(AccelType::Mlu.cards_key(), Ty::Count { min: 0 }, "MLU cards per node.").same_as("gpuNumber"),
    spec(
        "memory",
        Ty::Memory,
        "Memory per node: a number with a unit K, M, G or T (also KB/KiB, …; base 1024), e.g. 16G. A bare number is MiB.",
    )
    .needed("add `memory: 16G`, the memory per node")
    .same_as("ramSize"),
    spec(
        "walltime",
        Ty::Time,
        "The longest run time: D-HH:MM:SS, HH:MM:SS, MM:SS, MM, a suffix form (90m, 36h, 2d, 1d12h) or unlimited.",
    )
    .same_as("timeoutLimit"),
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
    body(
        "timeoutLimit",
        Ty::Time,
        "When the instance stops: unlimited, or H:MM:SS (hours may exceed 23).",
    )
    .needed("add `\"timeoutLimit\"`, the longest run time, e.g. \"02:00:00\" or \"unlimited\"")
    .same_as("walltime"),
    body("taskNumber", Ty::Count { min: 1 }, "Nodes (instance tasks), a JSON integer.")
        .needed("add `\"taskNumber\"`, the number of nodes")
        .same_as("nodes"),
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
    body("cpuNumber", Ty::Count { min: 1 }, "CPU cores per node, a JSON integer.")
        .needed("add `\"cpuNumber\"`, the cores per node")
        .same_as("cpus"),
    body("ramSize", Ty::Memory, "Memory per node in MiB, a JSON integer.")
        .needed("add `\"ramSize\"`, the memory per node in MiB")
        .same_as("memory"),
    body(
        "gpuNumber",
        Ty::Count { min: 0 },
        "Accelerator cards per node (of acceleratorType), a JSON integer.",
    )
    .needed("add `\"gpuNumber\"`, the cards per node (0 for none)")
    .same_as("gpus"),
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

/// The keys of one kind of document, in table order.
pub fn of(doc: DocKind) -> impl Iterator<Item = &'static Field> {
    FIELDS.iter().filter(move |f| f.doc == doc)
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

/// One limit the rules judge: the keys that request it, the field of the
/// group's limits that bounds it, the rule that fires, and how a value is
/// worded. `check_limits`, `explain` (through its tests) and the reader's
/// keys meet here.
#[derive(Clone, Copy, Debug)]
pub struct LimitField {
    pub limit: LimitKey,
    /// The key in a job spec (the card keys are the accelerator type's).
    pub spec_key: &'static str,
    /// The key in a platform body.
    pub body_key: &'static str,
    /// The field of the group's limits (the API's `data`, a limits file).
    pub api_field: &'static str,
    /// The rule that fires when the request exceeds the limit.
    pub code: Code,
    /// The unit of one limit value, as messages write it.
    pub unit: &'static str,
    /// What a request's whole number counts (`cores`), for the reader's
    /// messages; empty for amounts that are not counts.
    pub noun: &'static str,
}

impl LimitField {
    /// The key that requests this limit in one kind of document.
    pub fn key_in(&self, doc: DocKind) -> &'static str {
        match doc {
            DocKind::JobSpec => self.spec_key,
            DocKind::PlatformBody => self.body_key,
        }
    }
}

const fn limit(
    limit: LimitKey,
    spec_key: &'static str,
    body_key: &'static str,
    api_field: &'static str,
    code: Code,
    unit: &'static str,
    noun: &'static str,
) -> LimitField {
    LimitField {
        limit,
        spec_key,
        body_key,
        api_field,
        code,
        unit,
        noun,
    }
}

/// Every limit the rules judge. The card quota's field depends on the
/// accelerator type (`AccelType::quota_field`).
pub const LIMITS: &[LimitField] = &[
    limit(
        LimitKey::Cpus,
        "cpus",
        "cpuNumber",
        "cpuNumber",
        Code::CpusOverLimit,
        "cores per node",
        "cores",
    ),
    limit(
        LimitKey::Cards,
        "gpus",
        "gpuNumber",
        "gpuNumber",
        Code::AcceleratorsOverLimit,
        "cards per node",
        "cards",
    ),
    limit(
        LimitKey::Quota,
        "gpus",
        "gpuNumber",
        "nvLimits",
        Code::AcceleratorsOverLimit,
        "cards per node",
        "cards",
    ),
    limit(
        LimitKey::Memory,
        "memory",
        "ramSize",
        "memorySize",
        Code::MemoryOverLimit,
        "MiB per node",
        "",
    ),
    limit(
        LimitKey::Nodes,
        "nodes",
        "taskNumber",
        "nodeNumber",
        Code::NodesOverLimit,
        "nodes",
        "nodes",
    ),
    limit(
        LimitKey::Time,
        "walltime",
        "timeoutLimit",
        "maxTime",
        Code::WalltimeOverLimit,
        "run time",
        "",
    ),
];

/// The table's row for a limit (evaluated at compile time where the
/// rules name a limit, so a missing row does not build).
pub const fn limit_field(key: LimitKey) -> &'static LimitField {
    let mut i = 0;
    while i < LIMITS.len() {
        if LIMITS[i].limit as u8 == key as u8 {
            return &LIMITS[i];
        }
        i += 1;
    }
    panic!("every limit key has a row in LIMITS")
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
        for f in FIELDS {
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
    fn every_limit_has_one_row_whose_keys_the_reader_knows() {
        for key in [
            LimitKey::Cpus,
            LimitKey::Cards,
            LimitKey::Quota,
            LimitKey::Memory,
            LimitKey::Nodes,
            LimitKey::Time,
        ] {
            assert_eq!(
                LIMITS.iter().filter(|l| l.limit == key).count(),
                1,
                "{key:?}"
            );
            let row = limit_field(key);
            assert!(get(DocKind::JobSpec, row.spec_key).is_some(), "{key:?}");
            assert!(
                get(DocKind::PlatformBody, row.body_key).is_some(),
                "{key:?}"
            );
        }
    }
}
