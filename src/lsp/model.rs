//! The plain data the library adapter (`analysis`) hands to the protocol
//! side: findings with byte offsets, hover facts, key documentation.

use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use crate::vocab::{Amounts, LimitKey};

/// How serious a finding is, in the protocol's terms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Error,
    Warning,
    Information,
}

/// A second place a finding points at.
#[derive(Clone, Debug)]
pub struct Related {
    pub label: String,
    /// `None`: in the document itself.
    pub file: Option<PathBuf>,
    /// The other file's text (to place `span` in it).
    pub text: Option<Arc<str>>,
    pub span: (usize, usize),
}

/// One diagnostic of a document, with byte offsets into its text.
#[derive(Clone, Debug)]
pub struct Finding {
    pub span: (usize, usize),
    pub level: Level,
    /// The rule code (`cpus-over-limit`); `None` for notices.
    pub code: Option<&'static str>,
    pub message: String,
    pub related: Vec<Related>,
    /// The edit that fixes it: replace `span` with the text.
    pub fix: Option<((usize, usize), String)>,
}

/// The bytes of the line that holds `offset`.
pub fn line_bounds(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    (start, end)
}

/// Which setting a hover is on: a limit's key (by the limit table), the
/// group, or the accelerator type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hovered {
    Limit(LimitKey),
    Group,
    Accelerator,
}

/// What a hover on a setting shows, in plain data.
#[derive(Debug)]
pub struct Facts {
    pub what: Hovered,
    /// The key as written (`cpus`, `cpuNumber`, …).
    pub key: &'static str,
    /// The value's bytes.
    pub span: (usize, usize),
    pub description: Option<&'static str>,
    pub group: Option<String>,
    pub accelerator: &'static str,
    /// Memory as written and read (`8G (8192 MiB)`), when the hovered
    /// limit is memory.
    pub memory_read: Option<String>,
    /// The request as the rules judge it (defaults applied; memory in
    /// bytes).
    pub request: Amounts,
    /// The binding limits (the group's, or a stricter local cap), with the
    /// card quota when above 0.
    pub limits: Option<Amounts>,
    /// Why there are no limits (no such group, being fetched, …).
    pub status: Option<String>,
    /// Bytes as MiB text, as the reports write them.
    pub mib: fn(u64) -> String,
}

/// A key of the field table, for completion.
#[derive(Debug)]
pub struct KeyDoc {
    pub key: &'static str,
    pub description: &'static str,
    pub required: bool,
    pub equivalent: Option<&'static str>,
}

/// Whether a document is JSON (by its name).
pub fn is_json(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
}
