//! `jobcheck limits`: limit sets as tables or as JSON.

use serde_json::{Value, json};

use crate::limits::Limits;
use crate::spec::AccelType;
use crate::units::TimeLimit;

const UNKNOWN: &str = "unknown (not reported)";

/// `31888 MiB (31.1G)`; under a GiB just the MiB.
pub fn memory_text(mib: u64) -> String {
    if mib >= 1024 {
        let g = format!("{:.1}", mib as f64 / 1024.0);
        let g = g.strip_suffix(".0").unwrap_or(&g);
        format!("{mib} MiB ({g}G)")
    } else {
        format!("{mib} MiB")
    }
}

fn count(v: Option<u64>, unit: &str) -> String {
    v.map(|n| format!("{n}{unit}"))
        .unwrap_or_else(|| UNKNOWN.to_string())
}

fn quota(v: Option<u64>) -> String {
    match v {
        Some(0) => "0 (no separate quota)".to_string(),
        Some(n) => format!("{n} per node"),
        None => UNKNOWN.to_string(),
    }
}

/// The accelerator type a set is shown with: its own, else the one asked
/// about, else "any" (a set without a type applies to every type).
fn accel_name(limits: &Limits, asked: Option<AccelType>) -> &'static str {
    limits
        .accelerator_type
        .or(asked)
        .map_or("any", |t| t.as_str())
}

/// A readable table of one limit set (`asked`: the type asked about).
pub fn table(limits: &Limits, asked: Option<AccelType>) -> String {
    let mut rows: Vec<(String, String)> = vec![
        ("resource group".into(), limits.resource_group.clone()),
        (
            "accelerator type".into(),
            accel_name(limits, asked).to_string(),
        ),
        ("cpu cores".into(), count(limits.cpu_number, " per node")),
        ("cards".into(), count(limits.gpu_number, " per node")),
    ];
    for t in [AccelType::Gpu, AccelType::Dcu, AccelType::Mlu] {
        if let Some(field) = t.quota_field() {
            rows.push((
                format!("{} quota ({field})", t.as_str()),
                quota(limits.quota(t)),
            ));
        }
    }
    rows.push((
        "memory".into(),
        limits
            .memory_size
            .map(|m| format!("{} per node", memory_text(m)))
            .unwrap_or_else(|| UNKNOWN.to_string()),
    ));
    rows.push(("nodes".into(), count(limits.node_number, "")));
    rows.push((
        "max time".into(),
        limits
            .max_time
            .map(|t| t.describe())
            .unwrap_or_else(|| UNKNOWN.to_string()),
    ));
    let width = rows.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    let mut out = String::new();
    for (k, v) in rows {
        out.push_str(&format!("{k:<width$}  {v}\n"));
    }
    out
}

/// The limit set as JSON, in the API's field names (null where unknown).
pub fn json(limits: &Limits, asked: Option<AccelType>) -> Value {
    let max_time = limits.max_time.map(|t| match t {
        TimeLimit::Unlimited => "unlimited".to_string(),
        TimeLimit::Finite(d) => d.slurm(),
    });
    json!({
        "resourceGroup": limits.resource_group,
        "acceleratorType": accel_name(limits, asked),
        "cpuNumber": limits.cpu_number,
        "gpuNumber": limits.gpu_number,
        "nvLimits": limits.nv_limits,
        "dcuLimits": limits.dcu_limits,
        "mluLimits": limits.mlu_limits,
        "memorySize": limits.memory_size,
        "nodeNumber": limits.node_number,
        "maxTime": max_time,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory() {
        assert_eq!(memory_text(31888), "31888 MiB (31.1G)");
        assert_eq!(memory_text(2048), "2048 MiB (2G)");
        assert_eq!(memory_text(512), "512 MiB");
    }
}
