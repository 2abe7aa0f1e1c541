//! The limit table: every limit the rules judge, one row each, with all
//! that is said about it anywhere: the keys that request it in a job spec
//! and a platform body (with their descriptions), the field of the group's
//! limits that bounds it, how its values are measured, the rule that fires,
//! its policy cap key, and its members and words in every output (the JSON
//! report and its schema, `check --table`, `jobcheck limits`, the language
//! server's hover). A new limit is a variant of [`LimitKey`] and a row of
//! [`LIMITS`], both here; the reader, the rules, the caps and the outputs
//! take it from the row.

use super::AccelType;
use crate::diag::Code;
use std::collections::BTreeMap;

use crate::units::TimeLimit;

/// Defines [`LimitKey`] and [`LIMITS`] from the table's rows (the list in
/// [`limit_table!`](crate::limit_table)): each variant with its row, in the
/// same order (so a key's row is `LIMITS[key as usize]`). A row that
/// declares its rule (`=> rule Name = "name", Severity { … }`) has that
/// code as its `code`.
macro_rules! limits {
    ($(
        $(#[doc = $doc:literal])* $key:ident { $($row:tt)* }
        $(=> rule $rule:ident = $rule_name:literal, $sev:ident { $($text:tt)* })?
    )*) => {
        /// A limit the rules judge, whichever source or field it came from.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum LimitKey {
            $($(#[doc = $doc])* $key,)*
        }

        /// Every limit the rules judge, one row per [`LimitKey`], in its order.
        pub const LIMITS: &[LimitField] = &[$(LimitField {
            limit: LimitKey::$key,
            $(code: Code::$rule,)?
            $($row)*
        },)*];
    };
}

/// How a limit's values are measured and read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Measure {
    /// A whole number of at least `min` (cores, cards, nodes).
    Count { min: u64 },
    /// Memory: whole MiB in the limits, an amount with a unit in a job spec.
    Memory,
    /// A run time (`unlimited` included).
    Time,
}

/// One value of a limit or of a request, in its row's measure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Quantity {
    Count(u64),
    /// Bytes.
    Memory(u64),
    Time(TimeLimit),
}

impl Quantity {
    /// The value as one number, for comparing and for the binding-limit
    /// function: a count, bytes, or seconds (unlimited the largest).
    pub fn magnitude(self) -> u64 {
        match self {
            Quantity::Count(n) | Quantity::Memory(n) => n,
            Quantity::Time(TimeLimit::Unlimited) => u64::MAX,
            Quantity::Time(TimeLimit::Finite(d)) => d.seconds,
        }
    }
}

/// A member of the JSON report's `request` or `limits` object: its name
/// and its description in the report's schema (`None`: none).
#[derive(Clone, Copy, Debug)]
pub struct Member {
    pub name: &'static str,
    pub doc: Option<&'static str>,
    /// Whether the member is left out when its value is absent (a limit
    /// added to the version-1 report after its first members: a report
    /// without the value stays as it was, and valid against the schema it
    /// was written for); otherwise it is null. A limit whose members are
    /// all left out has a `check --table` column only when a job of the
    /// report asks for it or is judged against it.
    pub when_set: bool,
}

/// One limit the rules judge, and everything said about it.
#[derive(Clone, Copy, Debug)]
pub struct LimitField {
    pub limit: LimitKey,
    /// The limit's short name: the column of `check --table` and the key
    /// of its cap in a `[policy]` table of `jobcheck.toml` (the card caps
    /// are the accelerator types' card keys).
    pub name: &'static str,
    /// Its words in `jobcheck limits` ("cpu cores").
    pub title: &'static str,
    /// The key in a job spec (the card keys are the accelerator type's),
    /// and its description for editors and the schema.
    pub spec_key: &'static str,
    pub spec_doc: &'static str,
    /// The key in a platform body, and its description.
    pub body_key: &'static str,
    pub body_doc: &'static str,
    /// The field of the group's limits (the API's `data`, a limits file).
    pub api_field: &'static str,
    pub measure: Measure,
    /// Whether the limit is per node (not nodes, not the run time).
    pub per_node: bool,
    /// The rule that fires when the request exceeds the limit.
    pub code: Code,
    /// The unit of one limit value, as messages write it.
    pub unit: &'static str,
    /// What a request's whole number counts (`cores`), for the reader's
    /// messages; empty for amounts that are not counts.
    pub noun: &'static str,
    /// The JSON report's member in `request` (`None`: not requested as
    /// such, the quota) and in `limits`.
    pub request_member: Option<Member>,
    pub limits_member: Member,
}

impl LimitField {
    /// The words a hover puts before the limit's value ("cpus per node").
    pub fn hover_label(&self) -> String {
        match (self.measure, self.per_node) {
            (Measure::Time, _) => self.api_field.to_string(),
            (_, true) => format!("{} per node", self.name),
            (_, false) => self.name.to_string(),
        }
    }
}

/// A member that is null when its value is absent.
const fn member(name: &'static str, doc: &'static str) -> Member {
    Member {
        name,
        doc: Some(doc),
        when_set: false,
    }
}

/// A member that is left out when its value is absent (see
/// [`Member::when_set`]): the members of a new limit. Unused while every
/// limit is one of the report's first members.
#[allow(dead_code)]
const fn member_when_set(name: &'static str, doc: &'static str) -> Member {
    Member {
        name,
        doc: Some(doc),
        when_set: true,
    }
}

/// The limit table: every limit the rules judge, in the order every output
/// lists them, each a variant of `LimitKey` with its row of `LIMITS`
/// (`limits!` below): written once, so a key without a row cannot be. The
/// card quota's field depends on the accelerator type
/// (`AccelType::quota_field`); its row names the gpu one.
///
/// A row's `code` names a rule of `diag.rs`'s `codes!` table; a new limit
/// instead declares its own rule after its row (`=> rule ShmOverLimit =
/// "shm-over-limit", Error { summary, checks, limit, bad, good, fix }`,
/// the fields of a `codes!` entry), and `diag.rs` appends each such rule
/// to `Code`, after its own codes, in the table's order. The rows are
/// handed to the macro `$then`, after the tokens `$pre`: this file makes
/// `LimitKey` and `LIMITS` of them, and `diag.rs` takes the rules' text
/// (literals only: `diag` names no type of `vocab`).
#[doc(hidden)]
#[macro_export]
macro_rules! limit_table {
    ($then:ident $($pre:tt)*) => { $then! { $($pre)*
    /// CPU cores per node.
    Cpus {
        name: "cpus",
        title: "cpu cores",
        spec_key: "cpus",
        spec_doc: "CPU cores per node.",
        body_key: "cpuNumber",
        body_doc: "CPU cores per node, a JSON integer.",
        api_field: "cpuNumber",
        measure: Measure::Count { min: 1 },
        per_node: true,
        code: Code::CpusOverLimit,
        unit: "cores per node",
        noun: "cores",
        request_member: Some(member("cpus", "Cores per node.")),
        limits_member: member("cpus", "Cores per node (cpuNumber)."),
    }
    /// Accelerator cards per node.
    Cards {
        name: "cards",
        title: "cards",
        spec_key: AccelType::Gpu.cards_key(),
        spec_doc: "GPU cards per node (at most one of gpus, dcus, mlus).",
        body_key: "gpuNumber",
        body_doc: "Accelerator cards per node (of acceleratorType), a JSON integer.",
        api_field: "gpuNumber",
        measure: Measure::Count { min: 0 },
        per_node: true,
        code: Code::AcceleratorsOverLimit,
        unit: "cards per node",
        noun: "cards",
        request_member: Some(member(
            "cards",
            "Accelerator cards per node, of `acceleratorType`.",
        )),
        limits_member: member("cards", "Cards per node in the group (gpuNumber)."),
    }
    /// The user's per-node card quota for the type.
    Quota {
        name: "quota",
        title: "card quota",
        spec_key: AccelType::Gpu.cards_key(),
        spec_doc: "",
        body_key: "gpuNumber",
        body_doc: "",
        api_field: match AccelType::Gpu.quota_field() {
            Some(field) => field,
            None => "",
        },
        measure: Measure::Count { min: 1 },
        per_node: true,
        code: Code::AcceleratorsOverLimit,
        unit: "cards per node",
        noun: "cards",
        request_member: None,
        limits_member: member(
            "quota",
            "Your per-node quota for the job's card type (nvLimits, dcuLimits or mluLimits) when above 0.",
        ),
    }
    /// Memory per node.
    Memory {
        name: "memory",
        title: "memory",
        spec_key: "memory",
        spec_doc: "Memory per node: a number with a unit K, M, G or T (also KB/KiB, …; base 1024), e.g. 16G. A bare number is MiB.",
        body_key: "ramSize",
        body_doc: "Memory per node in MiB, a JSON integer.",
        api_field: "memorySize",
        measure: Measure::Memory,
        per_node: true,
        code: Code::MemoryOverLimit,
        unit: "MiB per node",
        noun: "",
        request_member: Some(member(
            "memoryMiB",
            "Memory per node in whole MiB (base 1024), rounded up as Slurm rounds it (`512K` is 1 MiB).",
        )),
        limits_member: member("memoryMiB", "Memory per node in MiB (memorySize)."),
    }
    /// Nodes per job.
    Nodes {
        name: "nodes",
        title: "nodes",
        spec_key: "nodes",
        spec_doc: "Nodes; default 1.",
        body_key: "taskNumber",
        body_doc: "Nodes (instance tasks), a JSON integer.",
        api_field: "nodeNumber",
        measure: Measure::Count { min: 1 },
        per_node: false,
        code: Code::NodesOverLimit,
        unit: "nodes",
        noun: "nodes",
        request_member: Some(Member {
            name: "nodes",
            doc: None,
            when_set: false,
        }),
        limits_member: member("nodes", "Nodes per job (nodeNumber)."),
    }
    /// Run time.
    Time {
        name: "walltime",
        title: "max time",
        spec_key: "walltime",
        spec_doc: "The longest run time: D-HH:MM:SS, HH:MM:SS, MM:SS, MM, a suffix form (90m, 36h, 2d, 1d12h) or unlimited.",
        body_key: "timeoutLimit",
        body_doc: "When the instance stops: unlimited, or H:MM:SS (hours may exceed 23).",
        api_field: "maxTime",
        measure: Measure::Time,
        per_node: false,
        code: Code::WalltimeOverLimit,
        unit: "run time",
        noun: "",
        request_member: Some(member("walltimeSeconds", "null when absent or unlimited.")),
        limits_member: member(
            "maxTimeSeconds",
            "The longest run time (maxTime); null when unlimited or unknown.",
        ),
    }
    } };
}

limit_table!(limits);

/// The table's row for a limit.
pub const fn limit_field(key: LimitKey) -> &'static LimitField {
    &LIMITS[key as usize]
}

/// Values by limit: what a job asks, or the limits it is judged against.
/// A limit without a value (absent, unknown) has no entry.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Amounts(BTreeMap<LimitKey, Quantity>);

impl Amounts {
    pub fn get(&self, key: LimitKey) -> Option<Quantity> {
        self.0.get(&key).copied()
    }

    pub fn set(&mut self, key: LimitKey, value: Option<Quantity>) {
        match value {
            Some(v) => self.0.insert(key, v),
            None => self.0.remove(&key),
        };
    }

    /// A count or memory (bytes) as a number; `None` for a run time.
    pub fn number(&self, key: LimitKey) -> Option<u64> {
        match self.get(key)? {
            Quantity::Count(n) | Quantity::Memory(n) => Some(n),
            Quantity::Time(_) => None,
        }
    }

    pub fn time(&self, key: LimitKey) -> Option<TimeLimit> {
        match self.get(key)? {
            Quantity::Time(t) => Some(t),
            _ => None,
        }
    }
}
