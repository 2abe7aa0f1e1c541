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

// The rows themselves are in `src/limit_table.rs` (`limit_table!`), a file
// of literals that `diag.rs` reads too; this file makes `LimitKey` and
// `LIMITS` of them.
crate::limit_table!(limits);

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
