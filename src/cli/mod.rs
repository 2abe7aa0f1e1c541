//! The front's own modules (the binary, beside `main.rs`): the terminal
//! side of the notice sink, and command-line values.

pub mod failure;
pub mod stream;
pub mod terminal;
pub mod values;
