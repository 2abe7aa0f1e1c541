//! The limit table's rows: every limit the rules judge, written once, as
//! tokens. Two layers read them and neither reads the other for it:
//! `vocab/table.rs` makes `LimitKey` and `LIMITS` of them, and `diag.rs`
//! takes the rules a new limit declares (literals only). It uses no module
//! of ours: the names in a row resolve where the macro is expanded.

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
