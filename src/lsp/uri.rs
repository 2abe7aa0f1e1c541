//! `file:` URIs to paths and back.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use lsp_types::Uri;

/// The path of a `file:` URI (percent-escapes decoded); `None` for other
/// schemes (`untitled:`), which are still checked, by their name.
pub fn to_path(uri: &Uri) -> Option<PathBuf> {
    let text = uri.as_str();
    let rest = text.strip_prefix("file://")?;
    // `file://host/path`: only an empty or local host is a local file.
    let path = match rest.find('/') {
        Some(0) => rest,
        Some(i) if &rest[..i] == "localhost" => &rest[i..],
        _ => return None,
    };
    let path = path.split(['?', '#']).next().unwrap_or(path);
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(byte) = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    let decoded = String::from_utf8(out).ok()?;
    Some(PathBuf::from(native(decoded)))
}

/// Windows: the URI path `/C:/dir/file` (or `/c%3A/dir/file`, decoded) is
/// the path `C:\dir\file`.
#[cfg(windows)]
fn native(decoded: String) -> String {
    let b = decoded.as_bytes();
    let drive = b.len() >= 3 && b[0] == b'/' && b[1].is_ascii_alphabetic() && b[2] == b':';
    let path = if drive { &decoded[1..] } else { &decoded[..] };
    path.replace('/', "\\")
}

#[cfg(not(windows))]
fn native(decoded: String) -> String {
    decoded
}

/// A name for a document that is not a file: the URI's last segment.
pub fn name_of(uri: &Uri) -> PathBuf {
    to_path(uri).unwrap_or_else(|| {
        let text = uri.as_str();
        PathBuf::from(text.rsplit(['/', ':']).next().unwrap_or(text))
    })
}

/// The `file:` URI of a path.
pub fn from_path(path: &Path) -> Option<Uri> {
    let mut text = String::from("file://");
    let shown = path.to_string_lossy();
    // Windows: `C:\dir\file` is `file:///C:/dir/file`.
    #[cfg(windows)]
    let shown = shown.replace('\\', "/");
    if !shown.starts_with('/') {
        text.push('/');
    }
    for byte in shown.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                text.push(byte as char)
            }
            b':' if cfg!(windows) => text.push(':'),
            _ => text.push_str(&format!("%{byte:02X}")),
        }
    }
    Uri::from_str(&text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(windows)]
    #[test]
    fn windows_paths_have_drive_letters_and_backslashes() {
        let path = Path::new(r"C:\作业 1\job.yaml");
        let uri = from_path(path).unwrap();
        assert!(uri.as_str().starts_with("file:///C:/"), "{}", uri.as_str());
        assert_eq!(to_path(&uri).unwrap(), path);
        // VS Code escapes the drive's colon.
        let vscode = Uri::from_str("file:///c%3A/Users/x/job.yaml").unwrap();
        assert_eq!(to_path(&vscode).unwrap(), Path::new(r"c:\Users\x\job.yaml"));
    }

    #[test]
    fn round_trip_with_spaces_and_cjk() {
        let path = Path::new("/tmp/作业 1/job.yaml");
        let uri = from_path(path).unwrap();
        assert_eq!(to_path(&uri).unwrap(), path);
        let plain = Uri::from_str("file:///a/b%20c.json").unwrap();
        assert_eq!(to_path(&plain).unwrap(), Path::new("/a/b c.json"));
    }

    #[test]
    fn other_schemes_have_no_path() {
        let uri = Uri::from_str("untitled:Untitled-1").unwrap();
        assert_eq!(to_path(&uri), None);
        assert_eq!(name_of(&uri), Path::new("Untitled-1"));
        let remote = Uri::from_str("file://server/share/a.yaml").unwrap();
        assert_eq!(to_path(&remote), None);
    }
}
