//! The inputs of a run and how one is read into text.

use std::io::Read;
use std::path::PathBuf;

use crate::diag::{Code, Diagnostic};

/// Files larger than this are refused with a diagnostic instead of read.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    Stdin,
    File(PathBuf),
    /// Text already in memory (tests, fuzzing, benchmarks).
    Bytes(Vec<u8>),
}

/// One file to check, with the name reports give it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Input {
    pub display: String,
    pub source: Source,
    /// Found by walking a directory (not named on the command line): a
    /// file that is not a job file is passed over, not judged.
    pub walked: bool,
}

/// Read a file's text, or say why it cannot be a job file. A file is
/// opened relative to the directory `dirs` holds (a reader keeps one for
/// the files it reads in turn).
pub fn load(input: &Input, dirs: &mut crate::fsread::Dirs) -> Result<String, Box<Diagnostic>> {
    let mut bytes = Vec::new();
    let read = match &input.source {
        Source::Stdin => std::io::stdin()
            .lock()
            .take(MAX_FILE_BYTES + 1)
            .read_to_end(&mut bytes),
        Source::File(path) => crate::fsread::open_input_in(path, dirs).and_then(|(f, meta)| {
            // Sized from the file's length, the read takes one call (and one
            // more to see the end) instead of growing by probes.
            let len = meta.len();
            bytes.reserve(len.min(MAX_FILE_BYTES + 1) as usize + 1);
            f.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes)
        }),
        Source::Bytes(data) => {
            (&data[..data.len().min(MAX_FILE_BYTES as usize + 1)]).read_to_end(&mut bytes)
        }
    };
    if let Err(e) = read {
        return Err(Box::new(Diagnostic::new(
            Code::SyntaxError,
            None,
            format!("cannot read the file: {e}"),
        )));
    }
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(Box::new(
            Diagnostic::new(
                Code::SyntaxError,
                None,
                format!(
                    "the file is larger than {} MiB; job files are small, so it is not read",
                    MAX_FILE_BYTES / (1024 * 1024)
                ),
            )
            .help("split it into smaller files"),
        ));
    }
    // UTF-8, or UTF-16/UTF-32 with a byte-order mark: positions are
    // reported in the decoded text.
    crate::syntax::decode(bytes).map_err(|message| {
        Box::new(
            Diagnostic::new(Code::SyntaxError, None, message)
                .help("save the file as UTF-8 (or as UTF-16 or UTF-32 with a byte-order mark)"),
        )
    })
}
