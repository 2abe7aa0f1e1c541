//! `jobcheck explain CODE`: what a rule checks and how to fix it.

use crate::diag::Code;

pub fn explain(code: Code) -> String {
    format!(
        "{} ({})\n\n{}\n",
        code.as_str(),
        code.default_severity().as_str(),
        code.summary()
    )
}
