//! `jobcheck lsp`: a Language Server Protocol 3.17 server on standard
//! input and output, with the checks of `jobcheck check` as one types.
//!
//! - `transport`: framing; a malformed message is answered, never fatal.
//! - `server`: the loop: documents, debounced checks, limits fetched on a
//!   background thread (the loop never waits on the network), shutdown.
//! - `features`: diagnostics, hover, completion and code actions in the
//!   protocol's types; `hover` and `completion` compose their text.
//! - `position`: offsets in the negotiated encoding (UTF-16 by default).
//! - `analysis`: the only file that uses the rest of the library.

pub mod analysis;
mod completion;
mod features;
mod hover;
mod ignore;
pub mod model;
pub mod position;
mod server;
pub mod transport;
mod uri;

pub use server::serve;

/// Where a diagnostic's code links to: `jobcheck-explain:CODE`, whose text
/// is `jobcheck explain CODE` (the server also answers the
/// `jobcheck/explain` request with it).
pub const EXPLAIN_SCHEME: &str = "jobcheck-explain";
