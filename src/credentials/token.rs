//! A token given by the user: from the file `--token-file` /
//! `JOBCHECK_TOKEN_FILE` names, else from `JOBCHECK_TOKEN`. The [`Token`]
//! type itself is the platform client's (every request carries one).

use std::path::PathBuf;

use super::error::Error;
pub use crate::platform::token::{TOKEN_HELP, Token};

pub fn read_token(file: Option<&PathBuf>) -> Result<Token, Error> {
    let (text, origin) = match file {
        Some(path) => {
            // Regular files only, and only up to a cap: `/dev/zero` or a
            // FIFO is refused at once instead of filling memory or hanging.
            let bytes =
                crate::fsread::read_capped(path, crate::fsread::TOKEN_CAP).map_err(|e| {
                    let why = match e {
                        crate::fsread::ReadError::TooLarge(_) => format!(
                            "it is larger than {}; it should hold just the token",
                            crate::fsread::size_text(crate::fsread::TOKEN_CAP)
                        ),
                        other => other.to_string(),
                    };
                    Error::Usage(format!(
                        "cannot read the token file `{}`: {why}",
                        path.display()
                    ))
                })?;
            let text = String::from_utf8(bytes).map_err(|_| {
                Error::Usage(format!(
                    "the token file `{}` is not text (UTF-8)",
                    path.display()
                ))
            })?;
            (text, format!("the token file `{}`", path.display()))
        }
        None => match std::env::var("JOBCHECK_TOKEN") {
            Ok(text) => (text, "JOBCHECK_TOKEN".to_string()),
            Err(std::env::VarError::NotUnicode(_)) => {
                return Err(Error::Usage("JOBCHECK_TOKEN is not valid text".into()));
            }
            Err(std::env::VarError::NotPresent) => {
                return Err(Error::Usage(format!(
                    "no token: set JOBCHECK_TOKEN, or give --token-file PATH (or JOBCHECK_TOKEN_FILE); \
                     a token is never taken as a command-line value. To {TOKEN_HELP}"
                )));
            }
        },
    };
    Token::new(&text).map_err(|e| Error::Usage(format!("{origin}: {e}")))
}
