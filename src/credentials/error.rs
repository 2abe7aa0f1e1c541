//! Why no credential could be had: the platform client's own [`Error`]
//! (a bad address or value is `Usage`; a failed request, an expired or
//! refused credential, offline without a cached one is `Unavailable`), so
//! one error type crosses the `credentials → platform` boundary and the
//! front maps its [`Class`] to an exit code in one place.

pub use crate::platform::error::{Class, Error};
