//! The platform API as a limit source.

use std::fmt;

use crate::limits::{LimitSource, Lookup, Pair};

/// Why the API cannot be used at all (before any job is judged).
#[derive(Debug)]
pub struct SetupError {
    pub message: String,
    pub code: u8,
}

impl fmt::Display for SetupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl SetupError {
    pub fn exit_code(&self) -> u8 {
        self.code
    }
}

pub struct ApiSource {
    endpoint: String,
}

impl ApiSource {
    pub fn from_env(endpoint: &str) -> Result<ApiSource, SetupError> {
        Ok(ApiSource {
            endpoint: endpoint.to_string(),
        })
    }
}

impl LimitSource for ApiSource {
    fn lookup(&self, pairs: &[Pair]) -> Vec<Lookup> {
        pairs
            .iter()
            .map(|_| Lookup::Unavailable {
                reason: format!(
                    "the platform API client is not built yet ({})",
                    self.endpoint
                ),
            })
            .collect()
    }
}
