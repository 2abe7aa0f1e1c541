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
//! - [`error`]: [`Error`] and its [`Class`], which the front turns into an
//!   exit code.
//! - [`notice`]: what the layers have to say besides their answers
//!   (warnings, `--verbose` lines, progress), handed to the front as data:
//!   nothing here prints.

pub mod cache_dir;
pub mod envelope;
pub mod error;
pub mod http;
pub mod notice;
pub mod resources;
pub mod token;

pub use cache_dir::CacheMode;
pub use envelope::clip;
pub use error::{Class, Error};
pub use http::{MAX_ATTEMPTS, MAX_BODY_BYTES, MAX_RETRY_AFTER};
pub use notice::{Level, Notice, Sink};
pub use token::{Claims, TOKEN_HELP, Token, now_ms};
