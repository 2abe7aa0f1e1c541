//! The shared words: what every part of jobcheck may name. This module
//! uses only the primitives (`units`, `diag`) and nothing else of ours.

use std::fmt;

use std::collections::BTreeMap;

use crate::diag::{Diagnostic, Origin};

mod table;
pub use table::{Amounts, LIMITS, LimitField, LimitKey, Measure, Member, Quantity, limit_field};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AccelType {
    Gpu,
    Dcu,
    Mlu,
    Cpu,
}

impl AccelType {
    pub const ALL: [AccelType; 4] = [
        AccelType::Gpu,
        AccelType::Dcu,
        AccelType::Mlu,
        AccelType::Cpu,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AccelType::Gpu => "gpu",
            AccelType::Dcu => "dcu",
            AccelType::Mlu => "mlu",
            AccelType::Cpu => "cpu",
        }
    }

    pub fn parse(text: &str) -> Option<AccelType> {
        AccelType::ALL
            .into_iter()
            .find(|t| t.as_str().eq_ignore_ascii_case(text.trim()))
    }

    /// The types that have cards, each with its own job-spec card key.
    pub const CARD_TYPES: [AccelType; 3] = [AccelType::Gpu, AccelType::Dcu, AccelType::Mlu];

    /// The job-spec key (and local-policy cap key) for this type's cards:
    /// the one place these keys are written.
    pub const fn cards_key(self) -> &'static str {
        match self {
            AccelType::Gpu => "gpus",
            AccelType::Dcu => "dcus",
            AccelType::Mlu => "mlus",
            AccelType::Cpu => "gpus",
        }
    }

    /// The card type whose job-spec card key is `key`.
    pub fn of_cards_key(key: &str) -> Option<AccelType> {
        AccelType::CARD_TYPES
            .into_iter()
            .find(|t| t.cards_key() == key)
    }

    /// The API field holding the user's per-node quota for this type.
    pub const fn quota_field(self) -> Option<&'static str> {
        match self {
            AccelType::Gpu => Some("nvLimits"),
            AccelType::Dcu => Some("dcuLimits"),
            AccelType::Mlu => Some("mluLimits"),
            AccelType::Cpu => None,
        }
    }
}

/// A (resource group, accelerator type) pair: one question to a source.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pair {
    pub group: String,
    pub accelerator: AccelType,
}

/// A whole-number field of a group's limits: a judged count (cores,
/// cards, memory in MiB, nodes), or one accelerator type's card quota.
/// `Limits::counts` is keyed by it, so a misspelt field does not compile;
/// the field's name in the API comes from the field table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CountKey {
    Limit(LimitKey),
    Quota(AccelType),
}

impl From<LimitKey> for CountKey {
    fn from(key: LimitKey) -> CountKey {
        CountKey::Limit(key)
    }
}

/// Which limit binds a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Binds {
    /// The group's limit from the platform.
    Platform,
    /// The user's per-node card quota (cards only).
    Quota,
    /// A local policy cap.
    Policy,
}

/// The one binding-limit function: the limit a value is judged against,
/// and which limit that is. `group` is the group's own limit; `quota` the
/// user's per-node card quota (cards only; 0 means no separate quota), which
/// binds where it is lower; `cap` a local policy cap, which binds where it is
/// lower still (a cap equal to the platform's limit leaves the platform's
/// binding). `check`, the JSON report's judged limits, the table and the
/// language server's hover all call it.
pub fn binding(group: Option<u64>, quota: Option<u64>, cap: Option<u64>) -> Option<(u64, Binds)> {
    let platform = match (group, quota.filter(|&q| q > 0)) {
        (Some(g), Some(q)) if q < g => Some((q, Binds::Quota)),
        (None, Some(q)) => Some((q, Binds::Quota)),
        (Some(g), _) => Some((g, Binds::Platform)),
        (None, None) => None,
    };
    match (platform, cap) {
        (Some((p, _)), Some(c)) if c < p => Some((c, Binds::Policy)),
        (None, Some(c)) => Some((c, Binds::Policy)),
        (p, _) => p,
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Cap<T> {
    pub value: T,
    pub origin: Origin,
}

/// What a local policy cap bounds: a limit of the table, or one accelerator
/// type's cards (each type has its own cap, under its card key).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CapKey {
    Limit(LimitKey),
    Cards(AccelType),
}

impl CapKey {
    /// Every cap a policy may set, in the table's order, with its key in
    /// `jobcheck.toml` and how its value is read: each limit's own (its
    /// row's `name`), the cards one per card type (the type's card key);
    /// none for the quota, which is the user's own.
    pub fn all() -> Vec<(CapKey, &'static str, Measure)> {
        let mut out = Vec::new();
        for row in LIMITS {
            match row.limit {
                LimitKey::Quota => {}
                LimitKey::Cards => out.extend(
                    AccelType::CARD_TYPES
                        .iter()
                        .map(|&t| (CapKey::Cards(t), t.cards_key(), row.measure)),
                ),
                key => out.push((CapKey::Limit(key), row.name, row.measure)),
            }
        }
        out
    }

    /// The cap key written `name` in `jobcheck.toml`.
    pub fn named(name: &str) -> Option<(CapKey, Measure)> {
        CapKey::all()
            .into_iter()
            .find(|(_, n, _)| *n == name)
            .map(|(key, _, measure)| (key, measure))
    }
}

/// Local caps for a group, by what they bound; absent where the policy
/// says nothing.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Caps {
    caps: BTreeMap<CapKey, Cap<Quantity>>,
}

impl Caps {
    /// `other`'s caps where it has them, else `self`'s.
    pub fn overlay(&self, other: &Caps) -> Caps {
        let mut caps = self.caps.clone();
        caps.extend(other.caps.clone());
        Caps { caps }
    }

    pub fn is_empty(&self) -> bool {
        self.caps.is_empty()
    }

    pub fn set(&mut self, key: CapKey, cap: Option<Cap<Quantity>>) {
        match cap {
            Some(cap) => self.caps.insert(key, cap),
            None => self.caps.remove(&key),
        };
    }

    pub fn get(&self, key: CapKey) -> Option<&Cap<Quantity>> {
        self.caps.get(&key)
    }

    /// The cap on a limit, for a job of type `t`: the cards' cap is the
    /// type's (a cpu job's cards are capped as gpus); the quota has none.
    pub fn of(&self, key: LimitKey, t: AccelType) -> Option<&Cap<Quantity>> {
        match key {
            LimitKey::Cards => self.cards(t),
            LimitKey::Quota => None,
            key => self.get(CapKey::Limit(key)),
        }
    }

    /// The cap on cards of type `t` (a cpu job's cards are capped as gpus).
    pub fn cards(&self, t: AccelType) -> Option<&Cap<Quantity>> {
        let t = match t {
            AccelType::Cpu => AccelType::Gpu,
            t => t,
        };
        self.get(CapKey::Cards(t))
    }
}

/// Every output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Concise,
    Json,
    Sarif,
    Github,
    Junit,
}

/// A limits file that cannot be used: a usage error (exit 2), reported with
/// positions in that file.
#[derive(Debug)]
pub struct BadFile {
    pub path: String,
    pub text: String,
    pub diagnostics: Vec<Diagnostic>,
}

/// How much a notice matters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// `--verbose` only.
    Debug,
    /// Something the user should know; the run goes on.
    Warning,
    /// Something that changes the outcome (limits unavailable: exit 3).
    Error,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Debug => "debug",
            Level::Warning => "warning",
            Level::Error => "error",
        }
    }
}

/// A message about the run as a whole (not about one document), returned
/// to the front as data: library code never prints it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    pub level: Level,
    pub text: String,
}

impl Notice {
    pub fn error(text: impl Into<String>) -> Notice {
        Notice {
            level: Level::Error,
            text: text.into(),
        }
    }

    pub fn warning(text: impl Into<String>) -> Notice {
        Notice {
            level: Level::Warning,
            text: text.into(),
        }
    }

    pub fn debug(text: impl Into<String>) -> Notice {
        Notice {
            level: Level::Debug,
            text: text.into(),
        }
    }
}

/// `error: …`, `warning: …` or `debug: …`, as the terminal shows it.
impl fmt::Display for Notice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Notices name groups, files and servers' words: shown escaped.
        write!(
            f,
            "{}: {}",
            self.level.as_str(),
            crate::escape::lines(&self.text)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_notice_shows_its_level_first() {
        assert_eq!(Notice::error("down").to_string(), "error: down");
        assert_eq!(Notice::warning("slow").to_string(), "warning: slow");
        assert_eq!(Notice::debug("GET").to_string(), "debug: GET");
        assert!(Level::Debug < Level::Warning && Level::Warning < Level::Error);
    }
    #[test]
    fn the_lowest_limit_binds_and_a_zero_quota_is_none() {
        assert_eq!(binding(None, None, None), None);
        assert_eq!(binding(Some(8), None, None), Some((8, Binds::Platform)));
        assert_eq!(binding(Some(8), Some(0), None), Some((8, Binds::Platform)));
        assert_eq!(binding(Some(8), Some(4), None), Some((4, Binds::Quota)));
        assert_eq!(binding(Some(4), Some(4), None), Some((4, Binds::Platform)));
        assert_eq!(binding(None, Some(2), None), Some((2, Binds::Quota)));
        assert_eq!(binding(Some(8), Some(4), Some(4)), Some((4, Binds::Quota)));
        assert_eq!(binding(Some(8), Some(4), Some(3)), Some((3, Binds::Policy)));
        assert_eq!(binding(None, None, Some(3)), Some((3, Binds::Policy)));
        assert_eq!(binding(Some(2), None, Some(3)), Some((2, Binds::Platform)));
    }
}
