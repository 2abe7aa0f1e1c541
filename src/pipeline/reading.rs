//! How each job was read: its request normalised, with the defaults the
//! rules apply, and the limits it was judged against (the JSON
//! report's `request` and `limits`).

use crate::diag::Diagnostic;
use crate::limits::Limits;
use crate::report::{JudgedLimits, Request};
use crate::request::fields;
use crate::request::{AccelType, DocKind, Job};
use crate::units::{MIB, TimeLimit};
use crate::vocab::{Caps, LimitKey, binding};

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
    Request {
        cpus: job.cpus().map(|c| c.value),
        cards,
        cards_span: job.cards().map(|c| c.span),
        cards_key: job.cards().map(|c| c.key),
        memory: job.memory().map(|m| m.value.bytes),
        nodes,
        walltime: job.walltime().map(|w| w.value),
    }
}

fn is_field(d: &Diagnostic, key: &str) -> bool {
    d.field.as_deref() == Some(key)
}

/// The binding limit of each rule: the group's, or the policy's cap where
/// that is stricter (or the group's is unknown), as `check` judges.
pub fn judged_limits(job: &Job, limits: &Limits, caps: &Caps) -> JudgedLimits {
    let min = |platform: Option<u64>, cap: Option<u64>| binding(platform, None, cap).map(|b| b.0);
    let t = job.accelerator;
    let card_cap = caps.cards(t);
    let seconds = |t: TimeLimit| match t {
        TimeLimit::Unlimited => u64::MAX,
        TimeLimit::Finite(d) => d.seconds,
    };
    let max_time = match (limits.max_time, caps.walltime.as_ref().map(|c| c.value)) {
        (Some(p), Some(c)) if seconds(c) < seconds(p) => Some(c),
        (None, Some(c)) => Some(c),
        (p, _) => p,
    };
    JudgedLimits {
        cpus: min(limits.cpu_number(), caps.cpus.as_ref().map(|c| c.value)),
        cards: min(limits.gpu_number(), card_cap.as_ref().map(|c| c.value)),
        quota: limits.quota(t).filter(|&q| q > 0),
        memory: min(
            limits.memory_size().map(|m| m.saturating_mul(MIB)),
            caps.memory.as_ref().map(|c| c.value.bytes),
        ),
        nodes: min(limits.node_number(), caps.nodes.as_ref().map(|c| c.value)),
        max_time,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::read_documents;

    fn read(text: &str) -> Request {
        let docs = read_documents(text);
        request(docs[0].job.as_ref().unwrap(), &docs[0].diagnostics)
    }

    #[test]
    fn defaults_are_applied() {
        let r = read("resourceGroup: G\ncpus: 8\nmemory: 16G\n");
        assert_eq!(r.cpus, Some(8));
        assert_eq!(r.cards, Some(0));
        assert_eq!(r.nodes, Some(1));
        assert_eq!(r.memory, Some(16 * 1024 * MIB));
        assert_eq!(r.walltime, None);
    }

    #[test]
    fn unreadable_values_have_no_default() {
        let r = read("resourceGroup: G\ncpus: 8\nmemory: 16G\ngpus: many\nnodes: 0\n");
        assert_eq!(r.cards, None);
        assert_eq!(r.nodes, None);
    }

    #[test]
    fn a_platform_body_without_task_number_has_no_nodes() {
        let r =
            read(r#"{"cpuNumber": 4, "ramSize": 2048, "gpuNumber": 1, "acceleratorType": "gpu"}"#);
        assert_eq!(r.nodes, None);
        assert_eq!(r.cards, Some(1));
        assert_eq!(r.memory, Some(2048 * MIB));
    }
}
