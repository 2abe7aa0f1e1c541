//! jobcheck: admission checks for container jobs on the Sugon AC / SCNet
//! platform. Job requests are read with spans (`request`, over the `syntax` tree), limits come from a
//! `limits` source, `check` holds the pure rules, `pipeline` ties a run together
//! and `report` renders the outcome.

pub mod check;
pub mod config;
pub mod credentials;
pub mod diag;
pub mod escape;
pub mod explain;
pub mod fix;
pub mod fsread;
mod limit_table;
pub mod limits;
pub mod lsp;
pub mod man;
pub mod pipeline;
pub mod platform;
pub mod report;
pub mod request;
pub mod syntax;
pub mod units;
pub mod vocab;
