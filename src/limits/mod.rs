//! Limit sources. A source answers, for each distinct (resource group,
//! accelerator type) pair of a run, with the group's limits, "no such
//! group", or "unavailable". The rules never see where an answer came from.
//!
//! - [`file`](mod@file): `--limits FILE`.
//! - [`api`]: the platform's API, through [`cache`], with the platform
//!   client ([`crate::platform`]) and a credential ([`crate::credentials`]).
//! - [`show`]: `jobcheck limits`.

pub mod api;
pub mod cache;
pub mod file;
pub mod show;

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::sync::mpsc::Receiver;

use crate::diag::Origin;
use crate::units::{MIB, TimeLimit};
pub use crate::vocab::{AccelType, Pair};
use crate::vocab::{
    Binds, Caps, CountKey, LIMITS, LimitKey, Measure, Quantity, binding, limit_field,
};

/// One resource group's limits, as the platform reports them in `data`.
/// A field missing or null is not judged.
#[derive(Clone, Debug, PartialEq)]
pub struct Limits {
    pub resource_group: String,
    /// The type these limits apply to; `None` for every type.
    pub accelerator_type: Option<AccelType>,
    /// The whole-number limits read (`cpuNumber`, `memorySize` in MiB per
    /// node, …), by a typed key; the names come from the field table
    /// ([`count_fields`]), so a new limit needs no member here.
    pub counts: BTreeMap<CountKey, u64>,
    pub max_time: Option<TimeLimit>,
}

/// The whole-number fields of a limit set, in the table's order, each with
/// its name in the API: each judged limit's field, and every accelerator
/// type's quota field.
pub fn count_fields() -> Vec<(CountKey, &'static str)> {
    let mut out = Vec::new();
    for row in LIMITS {
        match row.limit {
            LimitKey::Time => {}
            LimitKey::Quota => out.extend(
                AccelType::ALL
                    .iter()
                    .filter_map(|&t| Some((CountKey::Quota(t), t.quota_field()?))),
            ),
            key => out.push((CountKey::Limit(key), row.api_field)),
        }
    }
    out
}

/// "cpuNumber, gpuNumber, memorySize, nodeNumber and maxTime": the limits'
/// fields (the quotas aside), as messages list them.
pub fn limit_fields_text() -> String {
    let names: Vec<&str> = LIMITS
        .iter()
        .filter(|r| r.limit != LimitKey::Quota)
        .map(|r| r.api_field)
        .collect();
    match names.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => names.concat(),
    }
}

/// Every field of a limit set that jobcheck reads.
pub fn known_fields() -> Vec<&'static str> {
    let mut out = vec!["resourceGroup", "acceleratorType"];
    out.extend(count_fields().into_iter().map(|(_, field)| field));
    out.push(limit_field(LimitKey::Time).api_field);
    out
}

impl Limits {
    /// A limit set for a group with no limit read yet.
    pub fn new(resource_group: impl Into<String>) -> Limits {
        Limits {
            resource_group: resource_group.into(),
            accelerator_type: None,
            counts: BTreeMap::new(),
            max_time: None,
        }
    }

    /// The same limits with the whole-number field `key` set to `value`.
    pub fn with(mut self, key: impl Into<CountKey>, value: u64) -> Limits {
        self.counts.insert(key.into(), value);
        self
    }

    /// A whole-number field.
    pub fn count(&self, key: CountKey) -> Option<u64> {
        self.counts.get(&key).copied()
    }

    /// The limit bounding `key` (not the quota, which depends on the
    /// type: [`Limits::quota`]; not the run time: `max_time`).
    pub fn of(&self, key: LimitKey) -> Option<u64> {
        self.count(CountKey::Limit(key))
    }

    pub fn cpu_number(&self) -> Option<u64> {
        self.of(LimitKey::Cpus)
    }

    pub fn gpu_number(&self) -> Option<u64> {
        self.of(LimitKey::Cards)
    }

    /// MiB per node.
    pub fn memory_size(&self) -> Option<u64> {
        self.of(LimitKey::Memory)
    }

    pub fn node_number(&self) -> Option<u64> {
        self.of(LimitKey::Nodes)
    }

    pub fn quota(&self, t: AccelType) -> Option<u64> {
        match t.quota_field() {
            Some(_) => self.count(CountKey::Quota(t)),
            None => Some(0),
        }
    }

    /// A limit in its row's measure: a count, memory in bytes, the run
    /// time; the quota is type `t`'s.
    pub fn quantity(&self, key: LimitKey, t: AccelType) -> Option<Quantity> {
        match (key, limit_field(key).measure) {
            (LimitKey::Quota, _) => self.quota(t).map(Quantity::Count),
            (LimitKey::Time, _) => self.max_time.map(Quantity::Time),
            (_, Measure::Memory) => self
                .of(key)
                .map(|mib| Quantity::Memory(mib.saturating_mul(MIB))),
            (_, Measure::Count { .. }) => self.of(key).map(Quantity::Count),
            (_, Measure::Time) => None,
        }
    }

    /// The limit that binds `key` for a job of type `t` under `caps`, by
    /// the one binding-limit function ([`binding`]): the group's, the
    /// user's card quota where `with_quota` and it is lower (cards only),
    /// or a local policy cap where that is lower still; with the cap's
    /// origin when the cap binds. `check`, the JSON report's judged limits,
    /// `jobcheck limits` and the hover all take it from here or `binding`.
    pub fn bound<'c>(
        &self,
        key: LimitKey,
        t: AccelType,
        caps: &'c Caps,
        with_quota: bool,
    ) -> Option<(Quantity, Binds, Option<&'c Origin>)> {
        let group = self.quantity(key, t);
        let quota = match key {
            LimitKey::Cards if with_quota => t.quota_field().and(self.quota(t)),
            _ => None,
        };
        let cap = caps.of(key, t);
        let (_, binds) = binding(
            group.map(Quantity::magnitude),
            quota,
            cap.map(|c| c.value.magnitude()),
        )?;
        match binds {
            Binds::Platform => group.map(|g| (g, binds, None)),
            Binds::Quota => quota.map(|q| (Quantity::Count(q), binds, None)),
            Binds::Policy => cap.map(|c| (c.value, binds, Some(&c.origin))),
        }
    }

    /// Whether any limit at all can be read: cores, cards, memory, nodes, a
    /// run time (`unlimited` included), or a card quota above 0 (a quota of 0
    /// only says there is no separate quota).
    pub fn any_readable(&self) -> bool {
        self.max_time.is_some()
            || self
                .counts
                .iter()
                .any(|(key, v)| !matches!(key, CountKey::Quota(_)) || *v > 0)
    }

    /// Read a limit set from a JSON-like object, field by field. Numbers may
    /// arrive as strings; a value that cannot be read is an error naming the
    /// field (the caller decides whether that is fatal).
    pub fn from_fields<'v>(
        get: impl Fn(&str) -> Loose<'v>,
    ) -> Result<Limits, Vec<(&'static str, String)>> {
        let mut errors = Vec::new();
        let mut counts = BTreeMap::new();
        for (key, field) in count_fields() {
            match get(field).count() {
                Ok(Some(v)) => {
                    counts.insert(key, v);
                }
                Ok(None) => {}
                Err(e) => errors.push((field, e)),
            }
        }
        let time_field = limit_field(LimitKey::Time).api_field;
        let max_time = match get(time_field).time() {
            Ok(v) => v,
            Err(e) => {
                errors.push((time_field, e));
                None
            }
        };
        let resource_group = match get("resourceGroup") {
            Loose::Str(s) if !s.trim().is_empty() => s.trim().to_string(),
            Loose::Int(i) => i.to_string(),
            _ => {
                errors.push((
                    "resourceGroup",
                    "every limit set needs its resourceGroup".into(),
                ));
                String::new()
            }
        };
        let accelerator_type = match get("acceleratorType") {
            Loose::Missing | Loose::Null => None,
            Loose::Str(s) => match AccelType::parse(s) {
                Some(t) => Some(t),
                None => {
                    errors.push((
                        "acceleratorType",
                        format!("`{s}` is not an accelerator type (gpu, dcu, mlu or cpu)"),
                    ));
                    None
                }
            },
            other => {
                errors.push((
                    "acceleratorType",
                    format!("expected a string, found {other}"),
                ));
                None
            }
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Limits {
            resource_group,
            accelerator_type,
            counts,
            max_time,
        })
    }
}

/// A field's value as a lenient reader sees it, whatever the document format.
#[derive(Clone, Copy, Debug)]
pub enum Loose<'v> {
    Missing,
    Null,
    Int(i128),
    Float(f64),
    Str(&'v str),
    Other(&'static str),
}

impl fmt::Display for Loose<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Loose::Missing => f.write_str("nothing"),
            Loose::Null => f.write_str("null"),
            Loose::Int(i) => write!(f, "{i}"),
            Loose::Float(x) => write!(f, "{x}"),
            Loose::Str(s) => write!(f, "\"{s}\""),
            Loose::Other(what) => f.write_str(what),
        }
    }
}

impl Loose<'_> {
    pub fn count(self) -> Result<Option<u64>, String> {
        let n: i128 = match self {
            Loose::Missing | Loose::Null => return Ok(None),
            Loose::Int(i) => i,
            Loose::Float(x) if x.fract() == 0.0 && x >= 0.0 && x < u64::MAX as f64 => x as i128,
            Loose::Str(s) if s.trim().is_empty() => return Ok(None),
            Loose::Str(s) => s
                .trim()
                .parse::<i128>()
                .map_err(|_| format!("expected a whole number, found \"{s}\""))?,
            other => return Err(format!("expected a whole number, found {other}")),
        };
        u64::try_from(n)
            .map(Some)
            .map_err(|_| format!("expected a whole number of at least 0, found {n}"))
    }

    pub fn time(self) -> Result<Option<TimeLimit>, String> {
        let text = match self {
            Loose::Missing | Loose::Null => return Ok(None),
            Loose::Str(s) if s.trim().is_empty() => return Ok(None),
            Loose::Str(s) => s.to_string(),
            Loose::Int(i) => i.to_string(),
            other => return Err(format!("expected a time, found {other}")),
        };
        TimeLimit::parse_limit(&text).map(Some)
    }
}

/// A source's answer for one pair.
#[derive(Clone, Debug, PartialEq)]
pub enum Lookup {
    Found(Limits),
    /// The group does not exist; `known` lists groups for suggestions.
    UnknownGroup {
        known: Vec<String>,
    },
    /// The group exists, but not for this accelerator type.
    UnsupportedType {
        offered: Vec<AccelType>,
    },
    /// No answer could be had: the job is unjudged.
    Unavailable {
        reason: String,
    },
}

impl Lookup {
    /// A limit set as an answer. One in which no limit at all can be read is
    /// no answer (fail closed): its jobs are unjudged, never admitted on
    /// `limit-unknown` warnings alone. `what` names the answer, e.g. "the
    /// platform's answer".
    pub fn from_limits(limits: Limits, what: &str) -> Lookup {
        if limits.any_readable() {
            return Lookup::Found(limits);
        }
        Lookup::Unavailable {
            reason: format!(
                "{what} for resource group `{}` holds no limit that can be read \
                 ({} are all missing, null or unreadable), so its jobs are not judged",
                limits.resource_group,
                limit_fields_text()
            ),
        }
    }
}

pub trait LimitSource {
    /// Answer every pair, in order. Implementations ask once per pair.
    fn lookup(&self, pairs: &[Pair]) -> Vec<Lookup>;

    /// Answer pairs as they arrive, until every sender of `pairs` is gone,
    /// calling `answer` once for each distinct pair as soon as its answer is
    /// known. A run sends each pair when it first sees it while the files
    /// are still being read, so that slow answers (the network) overlap the
    /// reading. Pairs may repeat; each distinct pair is asked once.
    ///
    /// The default waits for every pair and makes one [`LimitSource::lookup`]
    /// call.
    fn lookup_stream(&self, pairs: Receiver<Pair>, answer: &mut dyn FnMut(Pair, Lookup)) {
        let unique = distinct(pairs);
        if unique.is_empty() {
            return;
        }
        let answers = self.lookup(&unique);
        for (pair, lookup) in unique.into_iter().zip(answers) {
            answer(pair, lookup);
        }
    }
}

/// The distinct pairs of a stream, in the order first received.
pub fn distinct(pairs: Receiver<Pair>) -> Vec<Pair> {
    let mut seen = HashSet::new();
    pairs
        .into_iter()
        .filter(|p| seen.insert(p.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn empty() -> Limits {
        Limits::new("G")
            .with(CountKey::Quota(AccelType::Gpu), 0)
            .with(CountKey::Quota(AccelType::Dcu), 0)
    }

    #[test]
    fn no_readable_limit_is_no_answer() {
        let answer = Lookup::from_limits(empty(), "the answer");
        assert!(
            matches!(&answer, Lookup::Unavailable { reason } if reason.contains("`G`")),
            "{answer:?}"
        );
        for one in [
            empty().with(LimitKey::Cpus, 1),
            Limits {
                max_time: Some(TimeLimit::Unlimited),
                ..empty()
            },
            empty().with(CountKey::Quota(AccelType::Mlu), 2),
        ] {
            assert!(matches!(
                Lookup::from_limits(one, "the answer"),
                Lookup::Found(_)
            ));
        }
    }

    #[test]
    fn the_limit_set_fields_come_from_the_table_in_the_documented_order() {
        // The platform's documented fields, in its order; a field the table
        // adds later may come anywhere after resourceGroup and type.
        let documented = [
            "resourceGroup",
            "acceleratorType",
            "cpuNumber",
            "gpuNumber",
            "nvLimits",
            "dcuLimits",
            "mluLimits",
            "memorySize",
            "nodeNumber",
            "maxTime",
        ];
        let known = known_fields();
        let mut at = known.iter();
        for field in documented {
            assert!(at.any(|k| *k == field), "{field} out of order in {known:?}");
        }
        assert_eq!(known[..2], documented[..2]);
        let l = Limits::new("G")
            .with(LimitKey::Cpus, 1)
            .with(LimitKey::Cards, 2)
            .with(LimitKey::Memory, 3)
            .with(LimitKey::Nodes, 4)
            .with(CountKey::Quota(AccelType::Dcu), 5);
        assert_eq!(
            [
                l.cpu_number(),
                l.gpu_number(),
                l.memory_size(),
                l.node_number()
            ],
            [Some(1), Some(2), Some(3), Some(4)]
        );
        assert_eq!(l.quota(AccelType::Dcu), Some(5));
        assert_eq!(l.quota(AccelType::Gpu), None);
        assert_eq!(l.quota(AccelType::Cpu), Some(0));
    }
}
