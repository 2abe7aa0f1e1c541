//! The platform client: everything that talks to the Sugon AC / SCNet
//! services, with no knowledge of limits or of where credentials come from.
//!
//! - [`http`]: the one HTTP client and runtime, the retry policy (backoff,
//!   `Retry-After`, one deadline for the run), the body cap, redaction of
//!   URLs, and the rule that plain `http://` goes to loopback only.
//! - [`envelope`]: the one reader of the platform's `{code, msg, data}`
//!   envelope and the meaning of its error codes.
//! - [`resources`]: the limits request for one (group, accelerator type).
//! - [`token`]: the token that redacts itself. It lives here, not in
//!   [`crate::credentials`], because every request carries it: the layers
//!   go `limits → credentials → platform`, never back, so no file here
//!   imports `credentials` or `limits`.
//! - [`cache_dir`]: the private directory where answers and credentials are
//!   kept between runs, and how the caches are used ([`CacheMode`]).
//! - [`notice`]: what the layers have to say besides their answers
//!   (warnings, `--verbose` lines, progress), handed to the front as data:
//!   nothing here prints.

pub mod cache_dir;
pub mod envelope;
pub mod http;
pub mod notice;
pub mod resources;
pub mod token;

use std::time::{SystemTime, UNIX_EPOCH};

pub use cache_dir::CacheMode;
pub use http::{MAX_ATTEMPTS, MAX_BODY_BYTES, MAX_RETRY_AFTER};
pub use notice::{Level, Notice, Sink};
pub use token::{Claims, TOKEN_HELP, Token};

/// What kind of failure an error is; the front turns it into an exit code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    /// What the user gave cannot be used (exit 2).
    Usage,
    /// The platform cannot be asked, or gave no usable answer (exit 3).
    Unavailable,
}

/// Why the platform client cannot do what was asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// An address, directory or value the user gave cannot be used.
    #[error("{0}")]
    Usage(String),
    /// The platform could not be reached or gave no usable answer.
    #[error("{0}")]
    Unavailable(String),
}

impl Error {
    pub fn class(&self) -> Class {
        match self {
            Error::Usage(_) => Class::Usage,
            Error::Unavailable(_) => Class::Unavailable,
        }
    }

    /// The message alone.
    pub fn message(&self) -> &str {
        match self {
            Error::Usage(m) | Error::Unavailable(m) => m,
        }
    }
}

/// Now, in epoch milliseconds (token expiry and cache validity).
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Server text fit for a one-line message: control characters out, clipped.
pub fn clip(text: &str) -> String {
    let clean: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let clean = clean.trim();
    if clean.chars().count() > 200 {
        format!("{}…", clean.chars().take(200).collect::<String>())
    } else {
        clean.to_string()
    }
}
