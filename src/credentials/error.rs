//! Why no credential could be had, and the class of failure it is.

use crate::platform::Class;

/// Why no credential could be had.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// From the platform client (a bad address, a failed request).
    #[error(transparent)]
    Platform(#[from] crate::platform::Error),
    /// What the user gave cannot be used (variables, token file, cluster).
    #[error("{0}")]
    Usage(String),
    /// The credential cannot be had or used now (expired, refused, offline
    /// without a cached one).
    #[error("{0}")]
    Unavailable(String),
}

impl Error {
    pub fn class(&self) -> Class {
        match self {
            Error::Platform(e) => e.class(),
            Error::Usage(_) => Class::Usage,
            Error::Unavailable(_) => Class::Unavailable,
        }
    }
}
