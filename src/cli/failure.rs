//! Why a command stopped before its verdict: what to tell the user and the
//! exit status. Every error path returns one; `main` prints it, once.

use jobcheck::escape;
use jobcheck::pipeline::verdict::USAGE;

#[derive(Debug)]
pub struct Failure {
    /// What goes to standard error, whole lines, already escaped.
    text: String,
    /// The exit status.
    pub code: u8,
}

impl Failure {
    /// `error: MESSAGE`, exit 2.
    pub fn usage(message: impl std::fmt::Display) -> Failure {
        Failure::error(message, USAGE)
    }

    /// `error: MESSAGE` with the given exit status.
    pub fn error(message: impl std::fmt::Display, code: u8) -> Failure {
        Failure::errors([message.to_string()], code)
    }

    /// One `error:` line per message.
    pub fn errors(messages: impl IntoIterator<Item = String>, code: u8) -> Failure {
        let text = messages
            .into_iter()
            .map(|m| format!("error: {}\n", escape::lines(&m)))
            .collect();
        Failure { text, code }
    }

    /// Text rendered elsewhere (a bad file's snippet, a message with its
    /// own tips), shown as it is.
    pub fn shown(text: String, code: u8) -> Failure {
        Failure { text, code }
    }

    pub fn text(&self) -> &str {
        &self.text
    }
}

/// The outcome of a command: its exit status, or why it stopped.
pub type Outcome = Result<u8, Failure>;
