//! What is decided once a document, or the whole run, has been read and
//! judged: required fields that are missing grouped into one diagnostic, the
//! edits that fix diagnostics (written the way the file writes the value).
//! (`quota-exceeded-by-run` is retired: the card quota is per node, judged
//! per job by `accelerators-over-limit`.)

use crate::diag::{Code, Diagnostic, LineIndex, Span};

use crate::limits::{Lookup, Pair};
use crate::request::{AccelType, DocKind, Job, fields};
use crate::vocab::LimitKey;

/// Several `missing-field` diagnostics at the same place of one document
/// become one that lists every missing key (`field` holds them all,
/// joined by `, `, in the order they were found).
pub fn group_missing(diags: &mut Vec<Diagnostic>, kind: Option<DocKind>) {
    let mut by_span: Vec<(Span, Vec<usize>)> = Vec::new();
    for (i, d) in diags.iter().enumerate() {
        if d.code != Code::MissingField {
            continue;
        }
        let Some(span) = d.span else { continue };
        match by_span.iter_mut().find(|(s, _)| *s == span) {
            Some((_, group)) => group.push(i),
            None => by_span.push((span, vec![i])),
        }
    }
    let what = match kind {
        Some(DocKind::JobSpec) => "job spec",
        Some(DocKind::PlatformBody) => "platform body",
        None => "document",
    };
    let mut merged: Vec<(usize, Diagnostic)> = Vec::new();
    let mut drop = vec![false; diags.len()];
    for (_, group) in by_span.into_iter().filter(|(_, g)| g.len() > 1) {
        let keys: Vec<&str> = group
            .iter()
            .filter_map(|&i| diags[i].field.as_deref())
            .collect();
        let quoted: Vec<String> = keys.iter().map(|k| format!("`{k}`")).collect();
        // Each key's own help, naming the key where the help does not.
        let helps: Vec<String> = group
            .iter()
            .filter_map(|&i| {
                let help = diags[i].help.clone()?;
                match diags[i].field.as_deref() {
                    Some(key) if !help.contains(key) => Some(format!("{help} (`{key}`)")),
                    _ => Some(help),
                }
            })
            .collect();
        let first = &diags[group[0]];
        let mut d = Diagnostic::new(
            Code::MissingField,
            first.span,
            format!(
                "this {what} lacks {}, which are required",
                quoted.join(", ")
            ),
        )
        .severity(first.severity)
        .label(format!("{} required fields missing", keys.len()))
        .help(helps.join("\n"))
        .field(keys.join(", "));
        d.document = first.document;
        for &i in &group {
            drop[i] = true;
        }
        merged.push((group[0], d));
    }
    if merged.is_empty() {
        return;
    }
    let old = std::mem::take(diags);
    for (i, d) in old.into_iter().enumerate() {
        if let Some(pos) = merged.iter().position(|(at, _)| *at == i) {
            diags.push(merged.swap_remove(pos).1);
        } else if !drop[i] {
            diags.push(d);
        }
    }
}

/// Fixes for what the reader reports, decided once the document is read:
/// a misspelt key renamed to the one suggested (only when that key is not
/// in the document already), and a bare memory number given the unit it is
/// read in (`16` → `16M`: the reading made explicit, not changed).
pub fn reader_fixes(text: &str, job: Option<&Job>, diags: &mut [Diagnostic]) {
    let absent: Vec<bool> = diags
        .iter()
        .map(|d| match (d.code, suggestion(d)) {
            (Code::UnknownField, Some(near)) => key_absent(near, job, diags),
            _ => false,
        })
        .collect();
    for (d, absent) in diags.iter_mut().zip(absent) {
        if d.fix.is_some() {
            continue;
        }
        let Some(span) = d.span else { continue };
        match d.code {
            Code::UnknownField if absent => {
                if let Some(near) = suggestion(d).map(str::to_string) {
                    d.fix = Some(fix(span, near));
                }
            }
            Code::InvalidValue => {
                if let Some(replacement) = exact_text(d) {
                    d.fix = Some(fix(span, replacement));
                }
            }
            Code::MemoryUnitMissing => {
                let raw = text.get(span.start..span.end).unwrap_or_default();
                let quoted = raw.len() >= 2 && (raw.starts_with('"') || raw.starts_with('\''));
                let end = if quoted { span.end - 1 } else { span.end };
                let digits = text.get(span.start..end).unwrap_or_default();
                let digits = digits.trim_start_matches(['"', '\'']).trim_end();
                if !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit() || c == '.') {
                    let at = span.start + (text[span.start..end].trim_end().len());
                    d.fix = Some(fix(Span::new(at, at), "M".to_string()));
                }
            }
            _ => {}
        }
    }
}

/// The one value an `invalid-value` help tells to write, when it gives
/// exactly one: "did you mean `gpu`?", "write `walltime: 2d`", "write
/// `\"ramSize\": 32768` (…)". `None` where the help offers a choice.
fn exact_text(d: &Diagnostic) -> Option<String> {
    if let Some(near) = suggestion(d) {
        return Some(near.to_string());
    }
    let help = d.help.as_deref()?;
    let key = d.field.as_deref()?;
    let (_, rest) = help.split_once("write `")?;
    let (written, after) = rest.split_once('`')?;
    if after.contains('`') {
        return None;
    }
    let value = written
        .strip_prefix(&format!("{key}: "))
        .or_else(|| written.strip_prefix(&format!("\"{key}\": ")))?;
    // A JSON string is written back in the file's own quotes.
    let value = match value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
        Some(inner) => inner,
        None => value,
    };
    (!value.is_empty()).then(|| value.to_string())
}

/// The platform body's integer fields, whose fix is a bare JSON integer even
/// where a string stood (`"ramSize": "32G"` → `32768`).
fn body_integer_fix(d: &Diagnostic, replacement: &str) -> bool {
    d.code == Code::InvalidValue
        && d.field.as_deref().is_some_and(|key| {
            fields::get(DocKind::PlatformBody, key)
                .is_some_and(|f| matches!(f.ty, fields::Ty::Count { .. } | fields::Ty::Memory))
        })
        && !replacement.is_empty()
        && replacement.bytes().all(|b| b.is_ascii_digit())
}

fn fix(span: Span, replacement: String) -> crate::diag::Fix {
    crate::diag::Fix {
        span,
        replacement,
        position: None,
        safe: true,
    }
}

/// The key a "did you mean `X`?" help suggests.
fn suggestion(d: &Diagnostic) -> Option<&str> {
    let help = d.help.as_deref()?;
    let rest = help.strip_prefix("did you mean `")?;
    let (near, _) = rest.split_once("`?")?;
    Some(near)
}

/// Whether `key` is surely not in the document: reported missing, or a
/// value the job would hold that it does not, with nothing said about it.
fn key_absent(key: &str, job: Option<&Job>, diags: &[Diagnostic]) -> bool {
    let mentioned = |d: &Diagnostic| {
        d.field
            .as_deref()
            .is_some_and(|f| f.split(", ").any(|k| k == key))
    };
    if diags
        .iter()
        .any(|d| d.code == Code::MissingField && mentioned(d))
    {
        return true;
    }
    if diags
        .iter()
        .any(|d| d.code != Code::UnknownField && mentioned(d))
    {
        return false;
    }
    let Some(job) = job else { return false };
    let is = |limit| {
        let row = fields::limit_field(limit);
        key == row.spec_key || key == row.body_key
    };
    match key {
        _ if is(LimitKey::Nodes) => job.nodes().is_none(),
        _ if is(LimitKey::Time) => !job.walltime_given,
        _ if AccelType::of_cards_key(key).is_some() => {
            job.kind == DocKind::JobSpec && job.cards().is_none()
        }
        "name" => job.kind == DocKind::JobSpec && job.name.is_none(),
        _ => false,
    }
}

/// Write each fix's replacement the way the file writes the value it
/// replaces: inside the same quotes, and quoted where a bare number stood
/// (a time in place of `90`), so the file stays valid YAML or JSON.
pub fn quote_fixes(text: &str, diags: &mut [Diagnostic]) {
    for d in diags {
        if d.fix
            .as_ref()
            .is_some_and(|f| body_integer_fix(d, &f.replacement))
        {
            continue;
        }
        let Some(f) = d.fix.as_mut() else { continue };
        if f.span.is_empty() {
            continue;
        }
        let raw = text.get(f.span.start..f.span.end).unwrap_or_default();
        let quote = raw.chars().next().filter(|c| *c == '"' || *c == '\'');
        f.replacement = match quote {
            Some('\'') => format!("'{}'", f.replacement.replace('\'', "''")),
            Some(_) => json_string(&f.replacement),
            None if needs_quotes(raw, &f.replacement) => json_string(&f.replacement),
            None => continue,
        };
    }
}

fn json_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("\"{s}\""))
}

/// A bare replacement is kept bare only where it reads as the same kind of
/// value as the text it replaces.
fn needs_quotes(raw: &str, replacement: &str) -> bool {
    let number = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let plain = |s: &str| {
        s.chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'))
            && !s.starts_with(['-', ':', '.'])
    };
    (number(raw.trim()) && !number(replacement)) || !plain(replacement)
}

/// Compute each fix's line and column.
pub fn place_fixes(index: &LineIndex, diags: &mut [Diagnostic]) {
    for f in diags.iter_mut().filter_map(|d| d.fix.as_mut()) {
        f.position = Some(index.position(f.span));
    }
}

/// "limits unavailable" once per pair, in the order the pairs first appear.
pub fn notices(
    order: &[Pair],
    answers: &std::collections::HashMap<Pair, std::sync::Arc<Lookup>>,
) -> Vec<crate::vocab::Notice> {
    order
        .iter()
        .filter_map(|pair| match answers.get(pair).map(|a| &**a) {
            Some(Lookup::Unavailable { reason }) => Some(crate::vocab::Notice::error(format!(
                "limits unavailable for resource group `{}` ({}): {reason}",
                crate::escape::text(&pair.group),
                pair.accelerator.as_str()
            ))),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::read_documents;

    fn diags(text: &str) -> Vec<Diagnostic> {
        let mut docs = read_documents(text);
        let doc = docs.remove(0);
        let mut d = doc.diagnostics;
        reader_fixes(text, doc.job.as_ref(), &mut d);
        group_missing(&mut d, doc.job.as_ref().map(|j| j.kind));
        quote_fixes(text, &mut d);
        d
    }

    fn apply(text: &str, d: &Diagnostic) -> String {
        let f = d.fix.as_ref().expect("a fix");
        format!(
            "{}{}{}",
            &text[..f.span.start],
            f.replacement,
            &text[f.span.end..]
        )
    }

    #[test]
    fn missing_fields_of_one_document_are_one_diagnostic() {
        let d = diags(r#"{"cpuNumber": 4, "ramSize": 1024, "gpuNumber": 0}"#);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].code, Code::MissingField);
        assert!(
            d[0].message.starts_with(
                "this platform body lacks `instanceServiceName`, `acceleratorType`, `taskType`"
            ),
            "{}",
            d[0].message
        );
        assert_eq!(
            d[0].field.as_deref(),
            Some(
                "instanceServiceName, acceleratorType, taskType, version, imagePath, timeoutLimit, taskNumber, resourceGroup, useStartScript, startScriptActionScope"
            )
        );
        // One missing field stays as it was.
        let d = diags("resourceGroup: G\ncpus: 1\n");
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].field.as_deref(), Some("memory"));
        assert!(d[0].message.contains("has no `memory`"));
    }

    #[test]
    fn a_misspelt_key_is_renamed_only_when_the_name_is_free() {
        let text = "resourceGroup: G\ncpus: 1\nmemroy: 1G\n";
        let d = diags(text);
        let unknown = d.iter().find(|d| d.code == Code::UnknownField).unwrap();
        let fixed = apply(text, unknown);
        assert_eq!(fixed, "resourceGroup: G\ncpus: 1\nmemory: 1G\n");
        assert!(read_documents(&fixed)[0].diagnostics.is_empty());
        // `cpus` is there already: renaming `cpu` would repeat it.
        let d = diags("resourceGroup: G\ncpus: 1\ncpu: 2\nmemory: 1G\n");
        assert!(d[0].fix.is_none(), "{d:?}");
        let text = r#"{"resourceGroup": "G", "cpus": 1, "memory": "1G", "walltim": "1h"}"#;
        let d = diags(text);
        let fixed = apply(text, &d[0]);
        assert!(fixed.contains(r#""walltime": "1h""#), "{fixed}");
    }

    #[test]
    fn a_bare_memory_number_gets_the_unit_it_is_read_in() {
        for (text, want) in [
            ("resourceGroup: G\ncpus: 1\nmemory: 16\n", "memory: 16M\n"),
            (
                "resourceGroup: G\ncpus: 1\nmemory: \"16\"\n",
                "memory: \"16M\"\n",
            ),
            (
                "resourceGroup: G\ncpus: 1\nmemory: 16  # MiB\n",
                "memory: 16M  # MiB\n",
            ),
        ] {
            let d = diags(text);
            let fixed = apply(text, &d[0]);
            assert!(fixed.ends_with(want), "{fixed}");
            let again = read_documents(&fixed);
            assert!(
                again[0].diagnostics.is_empty(),
                "{:?}",
                again[0].diagnostics
            );
        }
    }

    #[test]
    fn replacements_keep_the_file_valid() {
        assert!(needs_quotes("90", "01:30:00"));
        assert!(!needs_quotes("72h", "2-00:00:00"));
        assert!(!needs_quotes("48", "40"));
        assert!(needs_quotes("x", "a: b"));
    }
}
