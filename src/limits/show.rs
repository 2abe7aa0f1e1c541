//! `jobcheck limits`: limit sets as tables or as JSON.

use serde_json::{Value, json};

use crate::diag::did_you_mean;
use crate::limits::{Limits, Lookup, Pair, count_fields};
use crate::platform::Class;
use crate::units::{MIB, TimeLimit};
use crate::vocab::{AccelType, Caps, LIMITS, LimitField, LimitKey, Quantity};

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

/// The limits the rules apply, in the limit table's order (the quota
/// within the cards): each of the platform's, or the local policy's cap
/// where that is stricter (or the platform's is unknown), with the cap's
/// location where the cap binds; `None` where neither says anything.
pub type Effective = Vec<(&'static LimitField, Option<Quantity>, Option<String>)>;

/// The effective limits of a set under the local policy's caps.
pub fn effective(limits: &Limits, asked: Option<AccelType>, caps: &Caps) -> Effective {
    let t = limits.accelerator_type.or(asked);
    LIMITS
        .iter()
        .filter(|r| r.limit != LimitKey::Quota)
        .map(|row| {
            // The cards are bound by the user's quota too, where the type
            // is known; a set for any type is capped as gpus.
            match limits.bound(row.limit, t.unwrap_or(AccelType::Gpu), caps, t.is_some()) {
                Some((value, _, origin)) => (row, Some(value), origin.map(|o| o.location())),
                None => (row, None, None),
            }
        })
        .collect()
}

/// A limit's value as `jobcheck limits` writes it ("8 per node").
fn value_text(row: &LimitField, value: Quantity) -> String {
    let per_node = if row.per_node { " per node" } else { "" };
    match value {
        Quantity::Count(n) => format!("{n}{per_node}"),
        Quantity::Memory(bytes) => format!("{}{per_node}", memory_text(bytes / MIB)),
        Quantity::Time(t) => t.describe(),
    }
}

/// A readable table of one limit set (`asked`: the type asked about), with
/// the effective limit beside each one a local policy cap lowers.
pub fn table_with(limits: &Limits, asked: Option<AccelType>, caps: &Caps) -> String {
    let mut out = table(limits, asked);
    let lines: Vec<String> = effective(limits, asked, caps)
        .into_iter()
        .filter_map(|(row, value, origin)| {
            Some(format!(
                "{}: effective {} (local policy cap, {})\n",
                row.title,
                value_text(row, value?),
                origin?
            ))
        })
        .collect();
    if !lines.is_empty() {
        out.push_str("effective limits (the local policy is stricter):\n");
        for line in lines {
            out.push_str("  ");
            out.push_str(&line);
        }
    }
    out
}

/// A readable table of one limit set (`asked`: the type asked about).
pub fn table(limits: &Limits, asked: Option<AccelType>) -> String {
    let mut rows: Vec<(String, String)> = vec![
        (
            "resource group".into(),
            crate::escape::text(&limits.resource_group).into_owned(),
        ),
        (
            "accelerator type".into(),
            accel_name(limits, asked).to_string(),
        ),
    ];
    for row in LIMITS {
        if row.limit == LimitKey::Quota {
            for t in AccelType::CARD_TYPES {
                if let Some(field) = t.quota_field() {
                    rows.push((
                        format!("{} quota ({field})", t.as_str()),
                        quota(limits.quota(t)),
                    ));
                }
            }
            continue;
        }
        let value = limits.quantity(row.limit, AccelType::Gpu);
        rows.push((
            row.title.into(),
            value.map_or_else(|| UNKNOWN.to_string(), |v| value_text(row, v)),
        ));
    }
    let width = rows.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    let mut out = String::new();
    for (k, v) in rows {
        out.push_str(&format!("{k:<width$}  {v}\n"));
    }
    out
}

/// The limit set as JSON, in the API's field names (null where unknown).
pub fn json(limits: &Limits, asked: Option<AccelType>) -> Value {
    let max_time = limits.max_time.map(time_text);
    let mut out = serde_json::Map::new();
    out.insert("resourceGroup".into(), json!(limits.resource_group));
    // A set for every type has no type: null, as a limits file writes it.
    out.insert(
        "acceleratorType".into(),
        json!(limits.accelerator_type.or(asked).map(|t| t.as_str())),
    );
    for (key, field) in count_fields() {
        out.insert(field.into(), json!(limits.count(key)));
    }
    out.insert("maxTime".into(), json!(max_time));
    Value::Object(out)
}

/// A run time as a limits file writes it.
fn time_text(t: TimeLimit) -> String {
    match t {
        TimeLimit::Unlimited => "unlimited".to_string(),
        TimeLimit::Finite(d) => d.slurm(),
    }
}

/// Limit sets to show, each with the type it is shown under.
pub type Shown = Vec<(Limits, Option<AccelType>)>;

/// A listing that cannot be given: what to say, and what kind of failure
/// it is (the front makes it an exit code).
#[derive(Debug, PartialEq, Eq)]
pub struct Refusal {
    pub messages: Vec<String>,
    pub class: Class,
}

fn refuse(message: String) -> Refusal {
    Refusal {
        messages: vec![message],
        class: Class::UnknownGroup,
    }
}

fn offers(sets: &[&Limits]) -> String {
    let offered: Vec<&str> = sets
        .iter()
        .filter_map(|s| s.accelerator_type.map(|t| t.as_str()))
        .collect();
    offered.join(", ")
}

/// The sets of a limits file: every one, or those of the groups named; of
/// the type given, or every type the group has (one, usually).
pub fn from_file(
    sets: &[Limits],
    groups: &[String],
    accelerator: Option<AccelType>,
) -> Result<Shown, Refusal> {
    let fits = |s: &Limits| match (accelerator, s.accelerator_type) {
        (Some(a), Some(t)) => a == t,
        _ => true,
    };
    if groups.is_empty() {
        return Ok(sets
            .iter()
            .filter(|s| fits(s))
            .map(|s| (s.clone(), s.accelerator_type.or(accelerator)))
            .collect());
    }
    let mut shown = Vec::new();
    for group in groups {
        let own: Vec<&Limits> = sets.iter().filter(|s| &s.resource_group == group).collect();
        if own.is_empty() {
            let hint = did_you_mean(group, sets.iter().map(|s| s.resource_group.as_str()))
                .map(|n| format!(" (did you mean `{n}`?)"))
                .unwrap_or_default();
            return Err(refuse(format!("unknown resource group `{group}`{hint}")));
        }
        let matching: Vec<&&Limits> = own.iter().filter(|s| fits(s)).collect();
        if matching.is_empty() {
            return Err(refuse(format!(
                "resource group `{group}`: the group does not offer this accelerator type (it offers {})",
                offers(&own)
            )));
        }
        for s in matching {
            shown.push(((*s).clone(), s.accelerator_type.or(accelerator)));
        }
    }
    Ok(shown)
}

/// The platform's answers for the pairs asked about.
pub fn from_answers(pairs: &[Pair], answers: Vec<Lookup>) -> Result<Shown, Refusal> {
    let mut shown = Vec::new();
    let mut messages = Vec::new();
    let mut worst: Option<Class> = None;
    for (pair, answer) in pairs.iter().zip(answers) {
        let what = format!(
            "resource group `{}` ({})",
            pair.group,
            pair.accelerator.as_str()
        );
        let (message, class) = match answer {
            Lookup::Found(limits) => {
                shown.push((limits, Some(pair.accelerator)));
                continue;
            }
            Lookup::UnknownGroup { known } => {
                let hint = did_you_mean(&pair.group, known.iter().map(String::as_str))
                    .map(|n| format!(" (did you mean `{n}`?)"))
                    .unwrap_or_default();
                (format!("unknown {what}{hint}"), Class::UnknownGroup)
            }
            Lookup::UnsupportedType { offered } => {
                let offered: Vec<&str> = offered.iter().map(|t| t.as_str()).collect();
                let offered = offered.join(", ");
                (
                    format!(
                        "{what}: the group does not offer this accelerator type (it offers {offered})"
                    ),
                    Class::UnknownGroup,
                )
            }
            Lookup::Unavailable { reason } => (
                format!("limits unavailable for {what}: {reason}"),
                Class::Unavailable,
            ),
        };
        messages.push(message);
        worst = worst.max(Some(class));
    }
    match worst {
        Some(class) => Err(Refusal { messages, class }),
        None => Ok(shown),
    }
}

/// The sets in which no limit at all can be read (every field missing,
/// null or unreadable), taken out of `shown`: such a set is no answer, as
/// in `check`, where its jobs are unjudged. One message for each.
pub fn take_unreadable(shown: &mut Shown) -> Vec<String> {
    let mut messages = Vec::new();
    shown.retain(|(limits, _)| {
        let readable = limits.any_readable();
        if !readable {
            messages.push(format!(
                "resource group `{}` holds no limit that can be read ({} are all missing, \
                 null or unreadable), so its jobs are not judged",
                limits.resource_group,
                crate::limits::limit_fields_text()
            ));
        }
        readable
    });
    messages
}

/// Tables one after another, or JSON: one object when `one` (a single
/// group asked for and found once), else an array. `caps` gives a group's
/// local policy caps: the table shows the effective limits beside the
/// platform's; JSON adds them as `effective` (which `--limits` ignores, so
/// the output reads back as the platform's limits).
pub fn render(shown: &Shown, json_format: bool, one: bool, caps: &dyn Fn(&str) -> Caps) -> String {
    if !json_format {
        return shown
            .iter()
            .map(|(limits, accel)| table_with(limits, *accel, &caps(&limits.resource_group)))
            .collect::<Vec<_>>()
            .join("\n");
    }
    let items: Vec<Value> = shown
        .iter()
        .map(|(l, a)| {
            let mut v = json(l, *a);
            let e = effective(l, *a, &caps(&l.resource_group));
            if e.iter().any(|(_, _, origin)| origin.is_some()) {
                // Each under the limits' own field name; the cards, bound
                // by the quota too, as `cards`.
                let members: serde_json::Map<String, Value> = e
                    .iter()
                    .map(|(row, value, _)| {
                        let name = match row.limit {
                            LimitKey::Cards => row.name,
                            _ => row.api_field,
                        };
                        let value = match *value {
                            None => Value::Null,
                            Some(Quantity::Count(n)) => json!(n),
                            Some(Quantity::Memory(bytes)) => json!(bytes / MIB),
                            Some(Quantity::Time(t)) => json!(time_text(t)),
                        };
                        (name.to_string(), value)
                    })
                    .collect();
                v["effective"] = Value::Object(members);
            }
            v
        })
        .collect();
    let value = match (one, items.len()) {
        (true, 1) => items.into_iter().next().unwrap_or_default(),
        _ => Value::Array(items),
    };
    format!("{value:#}\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocab::{CountKey, LimitKey};

    #[test]
    fn memory() {
        assert_eq!(memory_text(31888), "31888 MiB (31.1G)");
        assert_eq!(memory_text(2048), "2048 MiB (2G)");
        assert_eq!(memory_text(512), "512 MiB");
    }

    fn set(group: &str, t: Option<AccelType>) -> Limits {
        Limits {
            accelerator_type: t,
            ..Limits::new(group)
                .with(LimitKey::Cpus, 8)
                .with(LimitKey::Cards, 1)
                .with(CountKey::Quota(AccelType::Gpu), 0)
                .with(CountKey::Quota(AccelType::Dcu), 0)
                .with(CountKey::Quota(AccelType::Mlu), 0)
                .with(LimitKey::Memory, 1024)
                .with(LimitKey::Nodes, 1)
        }
    }

    #[test]
    fn listing_a_file() {
        let sets = [
            set("A", Some(AccelType::Gpu)),
            set("B", None),
            set("C", Some(AccelType::Dcu)),
            set("C", Some(AccelType::Gpu)),
        ];
        assert_eq!(from_file(&sets, &[], None).unwrap().len(), 4);
        assert_eq!(
            from_file(&sets, &[], Some(AccelType::Dcu)).unwrap().len(),
            2
        );
        let a = from_file(&sets, &["A".into()], None).unwrap();
        assert_eq!(a[0].1, Some(AccelType::Gpu));
        assert_eq!(from_file(&sets, &["C".into()], None).unwrap().len(), 2);
        let b = from_file(&sets, &["B".into()], None).unwrap();
        assert!(table(&b[0].0, b[0].1).contains("any"));
        let e = from_file(&sets, &["A".into()], Some(AccelType::Mlu)).unwrap_err();
        assert!(e.messages[0].contains("offers gpu"), "{e:?}");
        let e = from_file(&sets, &["a".into()], None).unwrap_err();
        assert!(e.messages[0].contains("did you mean `A`?"), "{e:?}");
        let none = |_: &str| Caps::default();
        assert!(render(&a, true, true, &none).starts_with('{'));
        assert!(render(&a, true, false, &none).starts_with('['));
    }

    #[test]
    fn a_refusal_takes_the_weightiest_class() {
        let pair = |g: &str| Pair {
            group: g.into(),
            accelerator: AccelType::Gpu,
        };
        let pairs = [pair("A"), pair("B"), pair("C")];
        let unknown = || Lookup::UnknownGroup { known: vec![] };
        let down = || Lookup::Unavailable {
            reason: "down".into(),
        };
        let found = || Lookup::Found(set("A", Some(AccelType::Gpu)));
        let e = from_answers(&pairs, vec![found(), unknown(), down()]).unwrap_err();
        assert_eq!(e.class, Class::Unavailable);
        assert_eq!(e.messages.len(), 2);
        let e = from_answers(&pairs[..2], vec![found(), unknown()]).unwrap_err();
        assert_eq!(e.class, Class::UnknownGroup);
        assert_eq!(from_answers(&pairs[..1], vec![found()]).unwrap().len(), 1);
    }
}
