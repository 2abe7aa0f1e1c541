//! jobcheck: admission checks for container jobs on the Sugon AC / SCNet
//! platform. Job requests are read with spans (`request`, over the `syntax` tree), limits come from a
//! `limits` source, `check` holds the pure rules, `run` ties a run together
//! and `report` renders the outcome.

pub mod check;
pub mod config;
pub mod diag;
pub mod explain;
pub mod fsread;
pub mod limits;
pub mod man;
pub mod reading;
pub mod report;
pub mod request;
pub mod run;
pub mod runwide;
pub mod select;
pub mod syntax;
pub mod units;
pub mod vocab;
