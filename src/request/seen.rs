//! The keys of a mapping seen so far, for finding repeated keys.

use std::collections::HashMap;

use crate::diag::Span;

/// The keys of one mapping seen so far, with where each was first given
/// and its entry: a list while the mapping is small, else a hash map.
pub(super) enum Seen<'n> {
    Few(Vec<(Identity<'n>, (Span, usize))>),
    Many(HashMap<Identity<'n>, (Span, usize)>),
}

/// A key's identity: a string key is its own (borrowed, not copied: a file
/// may hold a million keys); other keys go by `key_identity`.
pub(super) type Identity<'n> = (bool, std::borrow::Cow<'n, str>);

impl<'n> Seen<'n> {
    /// Up to this many keys, a list.
    const FEW: usize = 32;

    pub(super) fn new(keys: usize) -> Seen<'n> {
        // Sized once: growing by doubling keeps two tables alive at the
        // peak, which for a file of a million keys is most of the memory.
        if keys <= Self::FEW {
            Seen::Few(Vec::with_capacity(keys))
        } else {
            Seen::Many(HashMap::with_capacity(keys))
        }
    }

    pub(super) fn get(&self, identity: &Identity<'n>) -> Option<(Span, usize)> {
        match self {
            Seen::Few(list) => list.iter().find(|(k, _)| k == identity).map(|(_, v)| *v),
            Seen::Many(map) => map.get(identity).copied(),
        }
    }

    pub(super) fn insert(&mut self, identity: Identity<'n>, at: (Span, usize)) {
        match self {
            Seen::Few(list) => list.push((identity, at)),
            Seen::Many(map) => {
                map.insert(identity, at);
            }
        }
    }
}
