//! The rules: a job and its group's limits in, diagnostics out. No I/O.

use crate::diag::{Code, Diagnostic, Origin, Span};
use crate::limits::{Limits, Lookup};
use crate::request::fields::{self, LimitField};
use crate::request::{AccelType, DocKind, Job, Value};
use crate::units::{Duration, MIB, Memory, TimeLimit, format_mib};
use crate::vocab::{Binds, Cap, CapKey, Caps, LimitKey, Quantity, binding};

/// Judge one job against the answer its limit source gave for its pair, and
/// the local policy's caps for its group (`Caps::default()` for none).
/// An unavailable answer yields `limits-unavailable`, which names the job
/// without rejecting it: the caller marks the job unjudged.
pub fn check(job: &Job, lookup: &Lookup, caps: &Caps) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let Some(group) = &job.group else {
        return out;
    };
    match lookup {
        Lookup::Found(limits) => check_limits(job, limits, caps, &mut out),
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
                        offered.first().map_or(AccelType::Gpu.cards_key(), |o| o.cards_key())
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
        Lookup::Unavailable { reason } => out.push(
            Diagnostic::at(
                Code::LimitsUnavailable,
                group.span,
                format!(
                    "the limits of resource group `{}` ({}) could not be had, so this job was not judged: {reason}",
                    group.value,
                    job.accelerator.as_str()
                ),
            )
            .label("not judged")
            .help("check again once the limits can be had (network, token, `--limits FILE`, or a cached answer)")
            .field(group.key)
            .requested(group.value.clone()),
        ),
    }
    out
}

fn unknown_group(group: &Value<String>, known: &[String]) -> Diagnostic {
    let near = crate::diag::near_name(&group.value, known);
    let help = match near {
        Some(near) => format!("did you mean `{near}`?"),
        None if known.is_empty() => "check the group's name on the platform".to_string(),
        None if known.len() <= 12 => format!("known groups: {}", known.join(", ")),
        None => format!("known groups include {}, …", known[..12].join(", ")),
    };
    let d = Diagnostic::at(
        Code::UnknownResourceGroup,
        group.span,
        format!("resource group `{}` does not exist", group.value),
    )
    .label("unknown group")
    .help(help)
    .field(group.key)
    .requested(group.value.clone());
    match near {
        Some(near) => d.fix(group.span, near),
        None => d,
    }
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

/// The limit that binds a value: the platform's, or a local policy cap when
/// that is stricter (or the platform's is unknown).
struct Bound<'a> {
    value: u64,
    policy: Option<&'a Origin>,
    /// The platform's limit, for the message when the policy binds.
    platform: Option<u64>,
}

fn bound<'a>(platform: Option<u64>, cap: Option<(u64, &'a Origin)>) -> Option<Bound<'a>> {
    let (value, binds) = binding(platform, None, cap.map(|(c, _)| c))?;
    Some(Bound {
        value,
        policy: cap
            .map(|(_, origin)| origin)
            .filter(|_| binds == Binds::Policy),
        platform,
    })
}

/// The shape every limit shares: when the group's limit (`platform`) is
/// missing, `limit-unknown` names the row's field (if `judged` says the
/// value needs it); then the bound that binds, platform or local cap.
#[allow(clippy::too_many_arguments)]
fn limit_bound<'c>(
    job: &Job,
    row: &LimitField,
    span: Span,
    key: &str,
    platform: Option<u64>,
    judged: bool,
    cap: Option<(u64, &'c Origin)>,
    out: &mut Vec<Diagnostic>,
) -> Option<Bound<'c>> {
    // Where a local policy cap judges the value, the missing limit is not
    // worth a second message on the same value.
    if platform.is_none() && judged && cap.is_none() {
        out.push(limit_unknown(job, span, key, row.api_field));
    }
    bound(platform, cap)
}

/// What a rule says about its field, in its own units.
struct Rule<'a> {
    code: Code,
    key: &'a str,
    span: Span,
    requested: String,
    label: String,
    /// "40 cores per node", from a limit value.
    describe: &'a dyn Fn(u64) -> String,
    /// "use at most 40 cores per node", from a limit value.
    fix: &'a dyn Fn(u64) -> String,
    /// The report's `limit` field: "40", "31888 MiB", "2-00:00:00 (48 h)".
    terse: &'a dyn Fn(u64) -> String,
    /// The value to write in place of the requested one (the fix), from a
    /// limit value; `None` when no single edit fixes it.
    edit: &'a dyn Fn(u64) -> Option<String>,
}

fn over(rule: Rule, bound: &Bound) -> Diagnostic {
    let limit = (rule.describe)(bound.value);
    let (message, help) = match bound.policy {
        None => (
            format!(
                "{} {} exceeds the group's {limit}",
                rule.key, rule.requested
            ),
            (rule.fix)(bound.value),
        ),
        Some(origin) => {
            let platform = bound
                .platform
                .map(|p| format!(", stricter than the platform's {}", (rule.describe)(p)))
                .unwrap_or_default();
            (
                format!(
                    "{} {} exceeds the local policy's {limit} ({}){platform}",
                    rule.key, rule.requested, origin.path
                ),
                format!(
                    "{}; the cap is set in {}",
                    (rule.fix)(bound.value),
                    origin.location()
                ),
            )
        }
    };
    let mut d = Diagnostic::at(rule.code, rule.span, message)
        .label(rule.label)
        .help(help)
        .field(rule.key)
        .requested(rule.requested)
        .limit((rule.terse)(bound.value));
    if let Some(replacement) = (rule.edit)(bound.value) {
        // Lowering a request to the limit changes what is asked for.
        d = d.unsafe_fix(rule.span, replacement);
    }
    if let Some(origin) = bound.policy {
        d = d.note_elsewhere(origin.clone(), "local policy cap");
    }
    d
}

/// A cap as the binding-limit function takes it: a count, bytes, or
/// seconds (unlimited the largest).
fn cap_of(cap: Option<&Cap<Quantity>>) -> Option<(u64, &Origin)> {
    cap.map(|c| (c.value.magnitude(), &c.origin))
}

/// Each limit's keys, field, rule and unit, from the one field table.
const CARDS: &LimitField = fields::limit_field(LimitKey::Cards);
const NODES: &LimitField = fields::limit_field(LimitKey::Nodes);
const TIME: &LimitField = fields::limit_field(LimitKey::Time);

/// The limits with no rule of their own: a per-node amount judged by its
/// type, the row giving its keys, field, code and unit. In table order.
fn per_node_limits(job: &Job, limits: &Limits, caps: &Caps, out: &mut Vec<Diagnostic>) {
    for row in fields::LIMITS {
        let key = row.limit;
        if matches!(
            key,
            LimitKey::Cards | LimitKey::Quota | LimitKey::Nodes | LimitKey::Time
        ) {
            continue;
        }
        let cap = cap_of(caps.get(CapKey::Limit(key)));
        let platform = limits.of(key);
        if let Some(v) = job.count(key) {
            per_node_count(job, row, &v, platform, cap, out);
        } else if let Some(m) = job.memory_of(key) {
            let platform = platform.map(|m| m.saturating_mul(MIB));
            per_node_memory(job, row, &m, platform, cap, out);
        }
    }
}

fn per_node_count(
    job: &Job,
    row: &LimitField,
    amount: &Value<u64>,
    platform: Option<u64>,
    cap: Option<(u64, &Origin)>,
    out: &mut Vec<Diagnostic>,
) {
    if let Some(b) = limit_bound(job, row, amount.span, amount.key, platform, true, cap, out)
        && amount.value > b.value
    {
        out.push(over(
            Rule {
                code: row.code,
                key: amount.key,
                span: amount.span,
                requested: amount.value.to_string(),
                label: format!("{} {} requested", amount.value, row.noun),
                describe: &|v| format!("{v} {}", row.unit),
                fix: &|v| {
                    format!(
                        "use at most {v} {} per node, or a group with more {}",
                        row.noun, row.noun
                    )
                },
                terse: &|v| v.to_string(),
                edit: &|v| (v >= 1).then(|| v.to_string()),
            },
            &b,
        ));
    }
}

fn per_node_memory(
    job: &Job,
    row: &LimitField,
    memory: &Value<Memory>,
    platform: Option<u64>,
    cap: Option<(u64, &Origin)>,
    out: &mut Vec<Diagnostic>,
) {
    if let Some(b) = limit_bound(job, row, memory.span, memory.key, platform, true, cap, out)
        && memory.value.bytes > b.value
    {
        let key = memory.key;
        let kind = job.kind;
        out.push(over(
            Rule {
                code: row.code,
                key,
                span: memory.span,
                requested: memory.value.describe(),
                label: format!("{} MiB requested", format_mib(memory.value.bytes)),
                describe: &|bytes| format!("{} {}", format_mib(bytes), row.unit),
                fix: &|bytes| {
                    let m = Memory {
                        bytes,
                        had_unit: true,
                    };
                    match kind {
                        DocKind::JobSpec => {
                            format!("request at most `{key}: {}` per node", m.compact())
                        }
                        DocKind::PlatformBody => format!(
                            "request at most `\"{key}\": {}` per node",
                            format_mib(bytes)
                        ),
                    }
                },
                terse: &|bytes| format!("{} MiB", format_mib(bytes)),
                // The limit in the unit the format reads: a job spec
                // with a unit, a platform body in whole MiB.
                edit: &|bytes| match kind {
                    DocKind::JobSpec => (bytes > 0).then(|| {
                        Memory {
                            bytes,
                            had_unit: true,
                        }
                        .compact()
                    }),
                    DocKind::PlatformBody => (bytes >= MIB).then(|| (bytes / MIB).to_string()),
                },
            },
            &b,
        ));
    }
}

fn check_limits(job: &Job, limits: &Limits, caps: &Caps, out: &mut Vec<Diagnostic>) {
    per_node_limits(job, limits, caps, out);

    // A job spec without `nodes` runs on one node, checked like `nodes: 1`
    // (pointing at the job, as there is no value to point at).
    let default_nodes = Value {
        value: 1,
        span: job.anchor,
        key: "nodes",
    };
    let requested_nodes = job.nodes();
    let nodes = match (&requested_nodes, job.kind) {
        (Some(n), _) => Some(n),
        (None, DocKind::JobSpec) => Some(&default_nodes),
        (None, DocKind::PlatformBody) => None,
    };
    if let Some(nodes) = nodes {
        // One node needs no limit to be judged.
        let judged = nodes.value > 1;
        let cap = cap_of(caps.get(CapKey::Limit(LimitKey::Nodes)));
        if let Some(b) = limit_bound(
            job,
            NODES,
            nodes.span,
            nodes.key,
            limits.of(LimitKey::Nodes),
            judged,
            cap,
            out,
        ) && nodes.value > b.value
        {
            let label = if job.nodes().is_some() {
                format!("{} nodes requested", nodes.value)
            } else {
                "runs on 1 node (`nodes` defaults to 1)".to_string()
            };
            let mut d = over(
                Rule {
                    code: NODES.code,
                    key: nodes.key,
                    span: nodes.span,
                    requested: nodes.value.to_string(),
                    label,
                    describe: &|v| format!("{v} {}", plural(v, "node", "nodes")),
                    fix: &|v| {
                        format!(
                            "use at most {v} {}, or a group with more nodes",
                            plural(v, "node", "nodes")
                        )
                    },
                    terse: &|v| v.to_string(),
                    // A default has no value to replace.
                    edit: &|v| (v >= 1 && job.nodes().is_some()).then(|| v.to_string()),
                },
                &b,
            );
            if job.kind == DocKind::PlatformBody {
                // `taskNumber` counts instances; whether the platform places
                // several on one node is not documented, so it is not refused.
                d.severity = crate::diag::Severity::Warning;
                d.message = format!(
                    "{}; the platform may place several instances on one node, which it does not document",
                    d.message
                );
            }
            out.push(d);
        }
    }

    if let Some(cards) = job.cards().as_ref().filter(|c| c.value > 0) {
        check_cards(job, cards, limits, caps, out);
    }

    // Unlimited is the largest time there is.
    let seconds = |t: TimeLimit| match t {
        TimeLimit::Unlimited => u64::MAX,
        TimeLimit::Finite(d) => d.seconds,
    };
    let time_text = |s: u64| match s {
        u64::MAX => "unlimited".to_string(),
        s => Duration { seconds: s }.describe(),
    };
    let platform = limits.max_time.map(seconds);
    let cap = cap_of(caps.get(CapKey::Limit(LimitKey::Time)));
    let b = match &job.walltime() {
        Some(w) => limit_bound(job, TIME, w.span, w.key, platform, true, cap, out),
        None => bound(platform, cap),
    };
    match (&job.walltime(), b) {
        (Some(w), b) => {
            // Compared in whole minutes, each rounded up, as Slurm does.
            let minutes = |s: u64| match s {
                u64::MAX => u64::MAX,
                s => Duration { seconds: s }.minutes_up(),
            };
            if let Some(b) = b.filter(|b| minutes(seconds(w.value)) > minutes(b.value)) {
                out.push(over(
                    Rule {
                        code: TIME.code,
                        key: w.key,
                        span: w.span,
                        requested: w.value.describe(),
                        label: "longer than allowed".to_string(),
                        describe: &|s| format!("maximum run time {}", time_text(s)),
                        fix: &|s| format!("set {} to {} or less", w.key, written_time(job.kind, s)),
                        terse: &time_text,
                        edit: &|s| (s != u64::MAX && s > 0).then(|| written_time(job.kind, s)),
                    },
                    &b,
                ));
            }
        }
        // An unreadable walltime was reported as such; it is not missing.
        (None, Some(b)) if b.value != u64::MAX && !job.walltime_given => {
            let key = job.field_name("walltime", "timeoutLimit");
            let max = Duration { seconds: b.value };
            let whose = match b.policy {
                None => "the group's maximum run time".to_string(),
                Some(origin) => format!("the local policy's maximum run time ({})", origin.path),
            };
            let mut d = Diagnostic::at(
                Code::WalltimeMissing,
                job.anchor,
                format!("no {key}, while {whose} is {}", max.describe()),
            )
            .label(format!("this job has no {key}"))
            .help(format!(
                "add `{key}: \"{}\"` or less, so the job's length is known before it starts",
                max.slurm()
            ))
            .field(key)
            .limit(max.describe());
            if let Some(origin) = b.policy {
                d = d.note_elsewhere(origin.clone(), "local policy cap");
            }
            out.push(d);
        }
        _ => {}
    }
}

fn check_cards(
    job: &Job,
    cards: &Value<u64>,
    limits: &Limits,
    caps: &Caps,
    out: &mut Vec<Diagnostic>,
) {
    let t = job.accelerator;
    let quota_field = t.quota_field();
    let cap = caps.cards(t);
    if limits.of(LimitKey::Cards).is_none() && cap.is_none() {
        out.push(limit_unknown(job, cards.span, cards.key, CARDS.api_field));
    }
    // The platform's binding limit: the group's cards, or the user's quota
    // when it is set (0 means no separate quota).
    let platform = binding(
        limits.of(LimitKey::Cards),
        quota_field.and(limits.quota(t)),
        None,
    );
    if let (None, Some(field)) = (limits.quota(t), quota_field) {
        let mut d = limit_unknown(job, cards.span, cards.key, field);
        if limits.of(LimitKey::Cards).is_some() {
            // The group's cards are still checked; only the quota is not.
            d.message = format!(
                "the limits for `{}` leave out `{field}` (your {} quota), so `{}` was checked against {} only",
                job.group.as_ref().map_or("?", |g| g.value.as_str()),
                t.as_str(),
                cards.key,
                CARDS.api_field
            );
            d.label = "quota not judged".to_string();
        }
        out.push(d);
    }
    let is_quota = platform.is_some_and(|(_, b)| b == Binds::Quota);
    let Some(b) = bound(platform.map(|(v, _)| v), cap_of(cap)) else {
        return;
    };
    if cards.value <= b.value {
        return;
    }
    let kind = t.as_str();
    let quota_text = |v: u64| match quota_field {
        Some(field) if is_quota => {
            format!("{kind} quota of {v} {} per node ({field})", card_word(v))
        }
        _ => format!("{v} {} per node", card_word(v)),
    };
    let mut d = over(
        Rule {
            code: CARDS.code,
            key: cards.key,
            span: cards.span,
            requested: cards.value.to_string(),
            label: format!(
                "{} {kind} {} requested",
                cards.value,
                card_word(cards.value)
            ),
            describe: &|v| format!("{v} {kind} {} per node", card_word(v)),
            fix: &|v| {
                if v == 0 {
                    match t {
                        AccelType::Cpu => format!("remove `{}`", cards.key),
                        _ => format!(
                            "no {kind} cards are allowed here: use a group with {kind} cards"
                        ),
                    }
                } else {
                    format!("use at most {v} {kind} {} per node", card_word(v))
                }
            },
            terse: &|v| v.to_string(),
            // No cards at all on a card group is no fix: the job needs
            // another group.
            edit: &|v| (v >= 1 || t == AccelType::Cpu).then(|| v.to_string()),
        },
        &b,
    );
    if b.policy.is_none() && is_quota {
        // The user's quota, not the group's size, is what binds.
        d.message = format!(
            "{} {} exceeds your {}",
            cards.key,
            cards.value,
            quota_text(b.value)
        );
    }
    out.push(d);
}

/// "card" or "cards", as the count asks.
fn card_word(n: u64) -> &'static str {
    if n == 1 { "card" } else { "cards" }
}

/// A time as the format writes it: Slurm's form in a job spec, H:MM:SS in
/// a platform body (whose `timeoutLimit` takes no days).
fn written_time(kind: DocKind, s: u64) -> String {
    match kind {
        DocKind::JobSpec => Duration { seconds: s }.slurm(),
        DocKind::PlatformBody => format!("{}:{:02}:{:02}", s / 3600, (s % 3600) / 60, s % 60),
    }
}

fn plural(n: u64, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 { one } else { many }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::read_documents;
    use crate::vocab::CountKey;

    fn limits() -> Limits {
        Limits {
            max_time: Some(TimeLimit::Finite(crate::units::Duration {
                seconds: 2 * 86400,
            })),
            ..Limits::new("TeslaM40")
                .with(LimitKey::Cpus, 40)
                .with(LimitKey::Cards, 8)
                .with(CountKey::Quota(AccelType::Gpu), 0)
                .with(CountKey::Quota(AccelType::Dcu), 4)
                .with(CountKey::Quota(AccelType::Mlu), 0)
                .with(LimitKey::Memory, 31888)
                .with(LimitKey::Nodes, 2)
        }
    }

    fn run(spec: &str, limits: Limits) -> Vec<&'static str> {
        let docs = read_documents(spec);
        let job = docs[0].job.as_ref().unwrap();
        assert!(docs[0].diagnostics.is_empty(), "{:?}", docs[0].diagnostics);
        check(job, &Lookup::Found(limits), &Caps::default())
            .iter()
            .map(|d| d.code.as_str())
            .collect()
    }

    const BASE: &str = "resourceGroup: TeslaM40\nwalltime: 1h\n";

    /// Every limit without a rule of its own is judged from its row alone:
    /// a request above the row's field fires the row's code.
    #[test]
    fn every_per_node_limit_is_judged_from_its_row() {
        use crate::request::fields::Ty;
        let mut judged = 0;
        for row in fields::LIMITS {
            if matches!(
                row.limit,
                LimitKey::Cards | LimitKey::Quota | LimitKey::Nodes | LimitKey::Time
            ) {
                continue;
            }
            let big = match fields::get(DocKind::JobSpec, row.spec_key).map(|f| f.ty) {
                Some(Ty::Count { .. }) => "99",
                Some(Ty::Memory) => "999G",
                other => panic!("{}: no per-node rule for {other:?}", row.spec_key),
            };
            let mut lines = vec![("cpus", "1"), ("memory", "1G")];
            lines.retain(|(k, _)| *k != row.spec_key);
            lines.push((row.spec_key, big));
            let spec: String = lines.iter().map(|(k, v)| format!("{k}: {v}\n")).collect();
            let codes = run(&format!("{BASE}{spec}"), limits().with(row.limit, 1));
            assert_eq!(codes, [row.code.as_str()], "{}", row.spec_key);
            judged += 1;
        }
        assert!(judged >= 2);
    }

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
        l.counts.remove(&LimitKey::Cpus.into());
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
            &Caps::default(),
        );
        assert_eq!(out[0].code, Code::UnknownResourceGroup);
        assert_eq!(out[0].help.as_deref(), Some("did you mean `TeslaM40`?"));
    }
}
