//! The platform client's error, and the class of failure it is.

/// What kind of failure an error is; the front turns it into an exit code.
/// Ordered by weight: when several things failed, the greatest class wins.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Class {
    /// The resource group (or its accelerator type) asked about does not
    /// exist (exit 1, as a rejected job).
    UnknownGroup,
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
