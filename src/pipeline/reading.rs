//! How each job was read: its request normalised, with the defaults the
//! rules apply, and the limits it was judged against (the JSON
//! report's `request` and `limits`).

use crate::diag::Diagnostic;
use crate::limits::Limits;
use crate::report::{JudgedLimits, Request};
use crate::request::fields;
use crate::request::{AccelType, Amount, DocKind, Job};
use crate::vocab::{Amounts, Caps, LIMITS, LimitKey, Quantity};

/// The request as the rules judge it. `diagnostics` are the document's own
/// (a card key that was written but could not be read has no default).
pub fn request(job: &Job, diagnostics: &[Diagnostic]) -> Request {
    let body_cards = fields::limit_field(LimitKey::Cards).body_key;
    let cards_unreadable = diagnostics.iter().any(|d| {
        d.field
            .as_deref()
            .is_some_and(|f| f == body_cards || AccelType::of_cards_key(f).is_some())
    });
    let cards = match (&job.cards(), job.kind) {
        (Some(c), _) => Some(c.value),
        // A cpu job asks for no cards; so does a job spec that names none.
        (None, _) if job.accelerator == AccelType::Cpu && !cards_unreadable => Some(0),
        (None, DocKind::JobSpec) if !cards_unreadable => Some(0),
        (None, _) => None,
    };
    let nodes = match (&job.nodes(), job.kind) {
        (Some(n), _) => Some(n.value),
        (None, DocKind::JobSpec) if !diagnostics.iter().any(|d| is_field(d, "nodes")) => Some(1),
        (None, _) => None,
    };
    let mut amounts = Amounts::default();
    for row in LIMITS {
        let value = match row.limit {
            LimitKey::Quota => None,
            LimitKey::Cards => cards.map(Quantity::Count),
            LimitKey::Nodes => nodes.map(Quantity::Count),
            key => job.amounts.get(&key).map(|v| match v.value {
                Amount::Count(n) => Quantity::Count(n),
                Amount::Memory(m) => Quantity::Memory(m.bytes),
                Amount::Time(t) => Quantity::Time(t),
            }),
        };
        amounts.set(row.limit, value);
    }
    Request {
        amounts,
        cards_span: job.cards().map(|c| c.span),
        cards_key: job.cards().map(|c| c.key),
    }
}

fn is_field(d: &Diagnostic, key: &str) -> bool {
    d.field.as_deref() == Some(key)
}

/// The binding limit of each rule: the group's, or the policy's cap where
/// that is stricter (or the group's is unknown), as `check` judges.
pub fn judged_limits(job: &Job, limits: &Limits, caps: &Caps) -> JudgedLimits {
    let t = job.accelerator;
    let mut judged = JudgedLimits::default();
    for row in LIMITS {
        let value = match row.limit {
            // The quota is the user's own, shown where there is one.
            LimitKey::Quota => limits.quota(t).filter(|&q| q > 0).map(Quantity::Count),
            // The group's cards (or a stricter cap); the quota apart.
            key => limits.bound(key, t, caps, false).map(|(v, _, _)| v),
        };
        judged.set(row.limit, value);
    }
    judged
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::read_documents;
    use crate::units::MIB;

    fn read(text: &str) -> Request {
        let docs = read_documents(text);
        request(docs[0].job.as_ref().unwrap(), &docs[0].diagnostics)
    }

    #[test]
    fn defaults_are_applied() {
        let r = read("resourceGroup: G\ncpus: 8\nmemory: 16G\n");
        let r = r.amounts;
        assert_eq!(r.number(LimitKey::Cpus), Some(8));
        assert_eq!(r.number(LimitKey::Cards), Some(0));
        assert_eq!(r.number(LimitKey::Nodes), Some(1));
        assert_eq!(r.number(LimitKey::Memory), Some(16 * 1024 * MIB));
        assert_eq!(r.get(LimitKey::Time), None);
    }

    #[test]
    fn unreadable_values_have_no_default() {
        let r = read("resourceGroup: G\ncpus: 8\nmemory: 16G\ngpus: many\nnodes: 0\n");
        assert_eq!(r.amounts.get(LimitKey::Cards), None);
        assert_eq!(r.amounts.get(LimitKey::Nodes), None);
    }

    #[test]
    fn a_platform_body_without_task_number_has_no_nodes() {
        let r =
            read(r#"{"cpuNumber": 4, "ramSize": 2048, "gpuNumber": 1, "acceleratorType": "gpu"}"#);
        assert_eq!(r.amounts.get(LimitKey::Nodes), None);
        assert_eq!(r.amounts.number(LimitKey::Cards), Some(1));
        assert_eq!(r.amounts.number(LimitKey::Memory), Some(2048 * MIB));
    }
}
