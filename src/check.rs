//! The rules: a job and its group's limits in, diagnostics out. No I/O.

use crate::diag::{Code, Diagnostic, Span, did_you_mean};
use crate::limits::{Limits, Lookup};
use crate::spec::{AccelType, DocKind, Job, Value};
use crate::units::{Memory, TimeLimit, format_mib};

/// Judge one job against the answer its limit source gave for its pair.
/// An unavailable answer yields nothing: the caller marks the job unjudged.
pub fn check(job: &Job, lookup: &Lookup) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let Some(group) = &job.group else {
        return out;
    };
    match lookup {
        Lookup::Found(limits) => check_limits(job, limits, &mut out),
        Lookup::UnknownGroup { known } => out.push(unknown_group(group, known)),
        Lookup::UnsupportedType { offered } => {
            let offered_text: Vec<&str> = offered.iter().map(|t| t.as_str()).collect();
            let t = job.accelerator.as_str();
            let (message, span, label, help) = match job.accelerator_span {
                Some(span) => (
                    format!(
                        "resource group `{}` has no {t} limits; it offers {}",
                        group.value,
                        offered_text.join(", ")
                    ),
                    span,
                    format!("{t} requested"),
                    format!(
                        "use acceleratorType {} in this group, or a group with {t} resources",
                        offered_text.join(" or ")
                    ),
                ),
                None => (
                    format!(
                        "this job asks for no accelerator cards, so it is a cpu job, but resource group `{}` offers {}",
                        group.value,
                        offered_text.join(", ")
                    ),
                    group.span,
                    "not a cpu group".to_string(),
                    format!(
                        "add the cards it needs (e.g. `{}: 1`), or use a cpu group",
                        offered.first().map_or("gpus", |o| o.cards_key())
                    ),
                ),
            };
            let mut d = Diagnostic::at(Code::AcceleratorTypeMismatch, span, message)
                .label(label)
                .help(help)
                .field("acceleratorType")
                .requested(t)
                .limit(offered_text.join(", "));
            if span != group.span {
                d = d.note(group.span, "in this group");
            }
            out.push(d);
        }
        Lookup::Unavailable { .. } => {}
    }
    out
}

fn unknown_group(group: &Value<String>, known: &[String]) -> Diagnostic {
    let help = match did_you_mean(&group.value, known.iter().map(String::as_str)) {
        Some(near) => format!("did you mean `{near}`?"),
        None if known.is_empty() => "check the group's name on the platform".to_string(),
        None if known.len() <= 12 => format!("known groups: {}", known.join(", ")),
        None => format!("known groups include {}, …", known[..12].join(", ")),
    };
    Diagnostic::at(
        Code::UnknownResourceGroup,
        group.span,
        format!("resource group `{}` does not exist", group.value),
    )
    .label("unknown group")
    .help(help)
    .field(group.key)
    .requested(group.value.clone())
}

fn limit_unknown(job: &Job, span: Span, key: &str, field: &str) -> Diagnostic {
    let group = job.group.as_ref().map(|g| g.value.as_str()).unwrap_or("?");
    Diagnostic::at(
        Code::LimitUnknown,
        span,
        format!("the limits for `{group}` leave out `{field}`, so `{key}` was not checked"),
    )
    .label("not judged")
    .help(format!(
        "check `{key}` by hand, or ask the platform's administrators for `{field}`"
    ))
    .field(key)
}

fn check_limits(job: &Job, limits: &Limits, out: &mut Vec<Diagnostic>) {
    if let Some(cpus) = &job.cpus {
        match limits.cpu_number {
            Some(max) if cpus.value > max => out.push(
                Diagnostic::at(
                    Code::CpusOverLimit,
                    cpus.span,
                    format!(
                        "{} {} exceeds the group's {max} cores per node",
                        cpus.key, cpus.value
                    ),
                )
                .label(format!("{} cores requested", cpus.value))
                .help(format!(
                    "use at most {max} cores per node, or a group with more cores"
                ))
                .field(cpus.key)
                .requested(cpus.value.to_string())
                .limit(max.to_string()),
            ),
            Some(_) => {}
            None => out.push(limit_unknown(job, cpus.span, cpus.key, "cpuNumber")),
        }
    }

    if let Some(memory) = &job.memory {
        match limits.memory_size {
            Some(max) if memory.value.bytes > max.saturating_mul(crate::units::MIB) => {
                let suggestion = Memory::from_mib(max)
                    .map(|m| match job.kind {
                        DocKind::JobSpec => format!("`{}: {}`", memory.key, m.compact()),
                        DocKind::PlatformBody => format!("`\"{}\": {max}`", memory.key),
                    })
                    .unwrap_or_else(|| format!("{max} MiB"));
                out.push(
                    Diagnostic::at(
                        Code::MemoryOverLimit,
                        memory.span,
                        format!(
                            "{} {} exceeds the group's {max} MiB per node",
                            memory.key,
                            memory.value.describe()
                        ),
                    )
                    .label(format!("{} MiB requested", format_mib(memory.value.bytes)))
                    .help(format!("request at most {suggestion} per node"))
                    .field(memory.key)
                    .requested(memory.value.describe())
                    .limit(format!("{max} MiB")),
                )
            }
            Some(_) => {}
            None => out.push(limit_unknown(job, memory.span, memory.key, "memorySize")),
        }
    }

    if let Some(nodes) = &job.nodes {
        match limits.node_number {
            Some(max) if nodes.value > max => out.push(
                Diagnostic::at(
                    Code::NodesOverLimit,
                    nodes.span,
                    format!(
                        "{} {} exceeds the group's {max} {}",
                        nodes.key,
                        nodes.value,
                        plural(max, "node", "nodes")
                    ),
                )
                .label(format!("{} nodes requested", nodes.value))
                .help(format!(
                    "use at most {max} {}, or a group with more nodes",
                    plural(max, "node", "nodes")
                ))
                .field(nodes.key)
                .requested(nodes.value.to_string())
                .limit(max.to_string()),
            ),
            Some(_) => {}
            None if nodes.value > 1 => {
                out.push(limit_unknown(job, nodes.span, nodes.key, "nodeNumber"))
            }
            None => {}
        }
    }

    if let Some(cards) = job.cards.as_ref().filter(|c| c.value > 0) {
        check_cards(job, cards, limits, out);
    }

    match (limits.max_time, &job.walltime) {
        (Some(TimeLimit::Finite(max)), Some(w)) => {
            let over = match w.value {
                TimeLimit::Unlimited => true,
                TimeLimit::Finite(d) => d > max,
            };
            if over {
                out.push(
                    Diagnostic::at(
                        Code::WalltimeOverLimit,
                        w.span,
                        format!(
                            "{} {} exceeds the group's maximum run time {}",
                            w.key,
                            w.value.describe(),
                            max.describe()
                        ),
                    )
                    .label("longer than the group allows")
                    .help(format!("set {} to {} or less", w.key, max.slurm()))
                    .field(w.key)
                    .requested(w.value.describe())
                    .limit(max.describe()),
                );
            }
        }
        (Some(TimeLimit::Finite(max)), None) => {
            let key = job.field_name("walltime", "timeoutLimit");
            out.push(
                Diagnostic::at(
                    Code::WalltimeMissing,
                    job.anchor,
                    format!(
                        "no {key}, while the group's maximum run time is {}",
                        max.describe()
                    ),
                )
                .label(format!("this job has no {key}"))
                .help(format!(
                    "add `{key}: \"{}\"` or less, so the job's length is known before it starts",
                    max.slurm()
                ))
                .field(key)
                .limit(max.describe()),
            );
        }
        (None, Some(w)) => out.push(limit_unknown(job, w.span, w.key, "maxTime")),
        _ => {}
    }
}

fn check_cards(job: &Job, cards: &Value<u64>, limits: &Limits, out: &mut Vec<Diagnostic>) {
    let t = job.accelerator;
    let quota_field = t.quota_field();
    let quota = limits.quota(t);
    // The binding limit: the group's cards, or the user's quota when it is set.
    let mut binding: Option<(u64, String)> = None;
    match limits.gpu_number {
        Some(max) => binding = Some((max, format!("the group's {max} cards per node"))),
        None => out.push(limit_unknown(job, cards.span, cards.key, "gpuNumber")),
    }
    match (quota, quota_field) {
        (Some(q), Some(field)) if q > 0 && binding.as_ref().is_none_or(|(b, _)| q < *b) => {
            binding = Some((
                q,
                format!("your {} quota of {q} cards per node ({field})", t.as_str()),
            ));
        }
        (None, Some(field)) => out.push(limit_unknown(job, cards.span, cards.key, field)),
        _ => {}
    }
    if let Some((max, what)) = binding
        && cards.value > max
    {
        let help = if max == 0 {
            match t {
                AccelType::Cpu => format!("remove `{}`", cards.key),
                _ => format!(
                    "this group has no {} cards for you: use a group with {} cards",
                    t.as_str(),
                    t.as_str()
                ),
            }
        } else {
            format!("use at most {max} {} cards per node", t.as_str())
        };
        out.push(
            Diagnostic::at(
                Code::AcceleratorsOverLimit,
                cards.span,
                format!("{} {} exceeds {what}", cards.key, cards.value),
            )
            .label(format!("{} {} cards requested", cards.value, t.as_str()))
            .help(help)
            .field(cards.key)
            .requested(cards.value.to_string())
            .limit(max.to_string()),
        );
    }
}

fn plural(n: u64, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 { one } else { many }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::read_documents;

    fn limits() -> Limits {
        Limits {
            resource_group: "TeslaM40".into(),
            accelerator_type: None,
            cpu_number: Some(40),
            gpu_number: Some(8),
            nv_limits: Some(0),
            dcu_limits: Some(4),
            mlu_limits: Some(0),
            memory_size: Some(31888),
            node_number: Some(2),
            max_time: Some(TimeLimit::Finite(crate::units::Duration {
                seconds: 2 * 86400,
            })),
        }
    }

    fn run(spec: &str, limits: Limits) -> Vec<&'static str> {
        let docs = read_documents(spec);
        let job = docs[0].job.as_ref().unwrap();
        assert!(docs[0].diagnostics.is_empty(), "{:?}", docs[0].diagnostics);
        check(job, &Lookup::Found(limits))
            .iter()
            .map(|d| d.code.as_str())
            .collect()
    }

    const BASE: &str = "resourceGroup: TeslaM40\nwalltime: 1h\n";

    #[test]
    fn equal_to_the_limit_is_allowed() {
        let spec = format!("{BASE}cpus: 40\nmemory: 31888M\nnodes: 2\ngpus: 8\nwalltime: 2d\n");
        let spec = spec.replacen("walltime: 1h\n", "", 1);
        assert!(run(&spec, limits()).is_empty());
    }

    #[test]
    fn each_limit_is_enforced() {
        assert_eq!(
            run(&format!("{BASE}cpus: 41\nmemory: 1G\n"), limits()),
            ["cpus-over-limit"]
        );
        assert_eq!(
            run(&format!("{BASE}cpus: 1\nmemory: 31889M\n"), limits()),
            ["memory-over-limit"]
        );
        assert_eq!(
            run(&format!("{BASE}cpus: 1\nmemory: 1G\nnodes: 3\n"), limits()),
            ["nodes-over-limit"]
        );
        assert_eq!(
            run(&format!("{BASE}cpus: 1\nmemory: 1G\ngpus: 9\n"), limits()),
            ["accelerators-over-limit"]
        );
        let spec = "resourceGroup: TeslaM40\ncpus: 1\nmemory: 1G\nwalltime: 2-00:00:01\n";
        assert_eq!(run(spec, limits()), ["walltime-over-limit"]);
        let spec = "resourceGroup: TeslaM40\ncpus: 1\nmemory: 1G\nwalltime: unlimited\n";
        assert_eq!(run(spec, limits()), ["walltime-over-limit"]);
    }

    #[test]
    fn zero_quota_means_no_separate_quota() {
        // nvLimits 0: only gpuNumber binds; dcuLimits 4: the quota binds.
        assert!(run(&format!("{BASE}cpus: 1\nmemory: 1G\ngpus: 8\n"), limits()).is_empty());
        assert_eq!(
            run(&format!("{BASE}cpus: 1\nmemory: 1G\ndcus: 5\n"), limits()),
            ["accelerators-over-limit"]
        );
        assert!(run(&format!("{BASE}cpus: 1\nmemory: 1G\ndcus: 4\n"), limits()).is_empty());
    }

    #[test]
    fn missing_limits_are_warnings_not_guesses() {
        let mut l = limits();
        l.cpu_number = None;
        l.max_time = None;
        assert_eq!(
            run(&format!("{BASE}cpus: 99\nmemory: 1G\n"), l),
            ["limit-unknown", "limit-unknown"]
        );
    }

    #[test]
    fn walltime_missing_only_when_limited() {
        let spec = "resourceGroup: TeslaM40\ncpus: 1\nmemory: 1G\n";
        assert_eq!(run(spec, limits()), ["walltime-missing"]);
        let mut l = limits();
        l.max_time = Some(TimeLimit::Unlimited);
        assert!(run(spec, l).is_empty());
    }

    #[test]
    fn unknown_group_suggests_a_near_name() {
        let docs = read_documents("resourceGroup: TeslaM4\ncpus: 1\nmemory: 1G\n");
        let job = docs[0].job.as_ref().unwrap();
        let out = check(
            job,
            &Lookup::UnknownGroup {
                known: vec!["TeslaM40".into(), "Dcu".into()],
            },
        );
        assert_eq!(out[0].code, Code::UnknownResourceGroup);
        assert_eq!(out[0].help.as_deref(), Some("did you mean `TeslaM40`?"));
    }
}
