//! Environment variables, read as `check` reads them (an empty value is
//! unset; a relative path is relative to the workspace root).

use std::path::{Path, PathBuf};

pub fn env_path(name: &str, root: Option<&Path>) -> Option<PathBuf> {
    let value = std::env::var_os(name).filter(|v| !v.is_empty())?;
    let path = PathBuf::from(value);
    Some(match root {
        Some(root) if path.is_relative() => root.join(path),
        _ => path,
    })
}

pub fn env_text(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}
