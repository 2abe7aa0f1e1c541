//! `check --diff`: the fixes as a unified diff that `patch -p0` and
//! `git apply` both take.

use similar::TextDiff;

/// A unified diff of one file, three lines of context. Both headers name
/// the file as `./PATH`: `patch -p0` reads that path as is, and `git
/// apply` (which strips one leading component by default) reads `PATH`.
/// A path outside the working directory (absolute, or `../`) is named as
/// it is. Empty when nothing changed.
pub fn unified(display: &str, before: &str, after: &str) -> String {
    if before == after {
        return String::new();
    }
    let name = if display.starts_with('/') || display.starts_with("../") || display == "-" {
        display.to_string()
    } else {
        format!("./{}", display.trim_start_matches("./"))
    };
    let diff = TextDiff::from_lines(before, after);
    let mut out = diff
        .unified_diff()
        .context_radius(3)
        .missing_newline_hint(true)
        .header(&name, &name)
        .to_string();
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_hunk_with_context_and_the_line_endings_kept() {
        let before = "a: 1\r\nb: 2\r\nc: 3\r\n";
        let after = "a: 1\r\nb: 9\r\nc: 3\r\n";
        let d = unified("jobs/x.yaml", before, after);
        assert!(
            d.starts_with("--- ./jobs/x.yaml\n+++ ./jobs/x.yaml\n@@ -1,3 +1,3 @@\n"),
            "{d}"
        );
        assert!(d.contains("-b: 2\r\n+b: 9\r\n"), "{d:?}");
        assert_eq!(unified("x", before, before), "");
    }

    #[test]
    fn a_last_line_without_newline_is_marked() {
        let d = unified("x.yaml", "a: 1", "a: 2");
        assert!(d.contains("\\ No newline at end of file"), "{d}");
    }
}
