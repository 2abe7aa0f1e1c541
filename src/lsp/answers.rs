//! What the language server has heard from the platform: each pair's
//! answer and when it came, when each pair was last asked for, and how
//! often a pair may be asked again (at most once a minute, at most
//! [`run::MAX_PAIRS`] distinct pairs a session).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use super::{ApiSettings, Pair};
use crate::limits::api::{ApiOptions, ApiSource};
use crate::limits::{LimitSource, Lookup};
use crate::pipeline as run;

/// The least time between two requests for one pair's limits, whatever
/// `cache-ttl` says (a project's configuration cannot make the editor
/// hammer the platform).
pub const MIN_REFETCH: Duration = Duration::from_secs(60);
/// The longest wait before asking again after failures.
pub const MAX_BACKOFF: Duration = Duration::from_secs(15 * 60);

/// How long an answer is used before it is asked for again: the cache's
/// time to live (at least [`MIN_REFETCH`]); after `failures` failures in a
/// row, a backoff from [`MIN_REFETCH`] doubling up to [`MAX_BACKOFF`].
pub fn refresh_after(ttl: Duration, failures: u32) -> Duration {
    if failures == 0 {
        return ttl.max(MIN_REFETCH);
    }
    let doubled = MIN_REFETCH.saturating_mul(1u32 << (failures - 1).min(16));
    doubled.min(MAX_BACKOFF)
}

pub(super) struct Entry {
    pub(super) lookup: Lookup,
    pub(super) at: Instant,
    pub(super) failures: u32,
    pub(super) keep_for: Duration,
}

/// The platform's answers received so far, with when each came, and when
/// each pair was last asked for.
#[derive(Default)]
pub struct Answers {
    pub(super) known: HashMap<Pair, Entry>,
    pub(super) asked: HashMap<Pair, Instant>,
}

/// A batch of answers fetched in the background.
pub struct Fetched(pub(super) Vec<(Pair, Lookup)>);

impl Fetched {
    pub fn pairs(&self) -> Vec<Pair> {
        self.0.iter().map(|(p, _)| p.clone()).collect()
    }
}

impl Answers {
    /// Keep the answers fetched. Limits known already are kept when a
    /// refetch finds the platform unavailable (stale limits beat none); a
    /// failure is asked again after a backoff, not after the whole TTL.
    pub fn absorb(&mut self, fetched: Fetched, ttl: Duration) {
        self.absorb_at(fetched, ttl, Instant::now());
    }

    pub(super) fn absorb_at(&mut self, fetched: Fetched, ttl: Duration, now: Instant) {
        for (pair, lookup) in fetched.0 {
            let failed = matches!(lookup, Lookup::Unavailable { .. });
            let old = self.known.remove(&pair);
            let failures = match (&old, failed) {
                (_, false) => 0,
                (Some(old), true) => old.failures.saturating_add(1),
                (None, true) => 1,
            };
            let lookup = match old {
                Some(old) if failed && matches!(old.lookup, Lookup::Found(_)) => old.lookup,
                _ => lookup,
            };
            self.known.insert(
                pair,
                Entry {
                    lookup,
                    at: now,
                    failures,
                    keep_for: refresh_after(ttl, failures),
                },
            );
        }
    }

    /// Of `wanted`, the pairs that may be asked for now (none asked for
    /// within [`MIN_REFETCH`]), noted as asked.
    pub fn due(&mut self, wanted: Vec<Pair>) -> Vec<Pair> {
        self.due_at(wanted, Instant::now())
    }

    pub(super) fn due_at(&mut self, wanted: Vec<Pair>, now: Instant) -> Vec<Pair> {
        let mut out = Vec::new();
        for pair in wanted {
            match self.asked.get(&pair) {
                // Asked within the minute (or earlier in `wanted`).
                Some(at) if now.saturating_duration_since(*at) < MIN_REFETCH => continue,
                Some(_) => {}
                None if !self.may_ask(&pair) => continue,
                None => {}
            }
            self.asked.insert(pair.clone(), now);
            out.push(pair);
        }
        out
    }

    /// Whether `pair` may ever be asked for: a session asks for the limits
    /// of at most [`run::MAX_PAIRS`] distinct pairs, as a command-line run
    /// does, so a workspace that names more cannot make the editor send a
    /// request for each.
    pub fn may_ask(&self, pair: &Pair) -> bool {
        self.asked.len() < run::MAX_PAIRS || self.asked.contains_key(pair)
    }

    /// The groups the platform answered for.
    pub fn groups(&self) -> Vec<String> {
        self.known
            .iter()
            .filter(|(_, e)| matches!(e.lookup, Lookup::Found(_)))
            .map(|(p, _)| p.group.clone())
            .collect()
    }

    /// The groups the platform said do not exist.
    pub fn unknown_groups(&self) -> Vec<String> {
        self.known
            .iter()
            .filter(|(_, e)| matches!(e.lookup, Lookup::UnknownGroup { .. }))
            .map(|(p, _)| p.group.clone())
            .collect()
    }
}

/// Ask the platform (blocking: call it on a background thread). A setup
/// problem (no token, a bad endpoint) is every pair's answer. The answer
/// and credential caches keep entries at least [`MIN_REFETCH`], so a
/// token is minted at most once in that time however `cache-ttl` is set.
pub fn fetch(settings: &ApiSettings, pairs: &[Pair]) -> Fetched {
    let options = ApiOptions {
        cache_ttl: settings.cache_ttl.max(MIN_REFETCH),
        ..settings.clone()
    };
    let source = ApiSource::from_env(
        options,
        // The editor shows diagnostics, not a log: notices (stale cache, a
        // field that cannot be read) are not forwarded.
        std::sync::Arc::new(crate::platform::notice::Quiet),
    );
    let answers = match source {
        Ok(source) => source.lookup(pairs),
        Err(e) => pairs
            .iter()
            .map(|_| Lookup::Unavailable {
                reason: e.to_string(),
            })
            .collect(),
    };
    Fetched(pairs.iter().cloned().zip(answers).collect())
}
