//! What is decided once a document, or the whole run, has been read and
//! judged: required fields that are missing grouped into one diagnostic, the
//! edits that fix diagnostics (written the way the file writes the value),
//! and `quota-exceeded-by-run` across the jobs of a run.

use std::collections::HashMap;

use crate::diag::{Code, Diagnostic, LineIndex, Span};
use crate::report::{FileReport, JobEntry, Verdict};
use crate::request::{DocKind, Job};
use crate::vocab::AccelType;

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
    match key {
        "nodes" | "taskNumber" => job.nodes().is_none(),
        "walltime" | "timeoutLimit" => !job.walltime_given,
        "gpus" | "dcus" | "mlus" => job.kind == DocKind::JobSpec && job.cards().is_none(),
        "name" => job.kind == DocKind::JobSpec && job.name.is_none(),
        _ => false,
    }
}

/// Write each fix's replacement the way the file writes the value it
/// replaces: inside the same quotes, and quoted where a bare number stood
/// (a time in place of `90`), so the file stays valid YAML or JSON.
pub fn quote_fixes(text: &str, diags: &mut [Diagnostic]) {
    for d in diags {
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

/// Whether a job's cards count against a quota summed over the run.
pub fn claims_quota(job: &JobEntry) -> bool {
    let cards = job.request.as_ref().and_then(|r| r.cards).unwrap_or(0);
    let quota = job.limits.as_ref().and_then(|l| l.quota);
    cards > 0 && quota.is_some() && job.request.as_ref().is_some_and(|r| r.cards_span.is_some())
}

/// `quota-exceeded-by-run`: the admitted jobs of a run that ask one group
/// for more cards of a type (cards × nodes, summed in report order) than the
/// user's quota, when that is above 0. One warning per group and type, at
/// the card value of the job whose cards cross the quota. `adjust` applies
/// the configuration's rule levels; `deny_warnings` rejects the job warned.
pub fn quota_by_run(
    files: &mut [FileReport],
    adjust: &dyn Fn(&mut Vec<Diagnostic>),
    deny_warnings: bool,
) {
    // (group, type) → (total so far, jobs counted, crossed)
    let mut totals: HashMap<(String, &'static str), (u64, Vec<String>, bool)> = HashMap::new();
    let mut found: Vec<(usize, usize, Diagnostic)> = Vec::new();
    for (fi, file) in files.iter().enumerate() {
        for (ji, job) in file.jobs.iter().enumerate() {
            if job.verdict != Verdict::Admitted || !claims_quota(job) {
                continue;
            }
            let (Some(group), Some(kind), Some(request), Some(limits)) = (
                &job.resource_group,
                job.accelerator_type.map(AccelType::as_str),
                &job.request,
                &job.limits,
            ) else {
                continue;
            };
            let (Some(cards), Some(quota), Some(span)) =
                (request.cards, limits.quota, request.cards_span)
            else {
                continue;
            };
            let nodes = request.nodes.unwrap_or(1);
            let asked = cards.saturating_mul(nodes);
            let entry = totals
                .entry((group.clone(), kind))
                .or_insert((0, Vec::new(), false));
            let before = entry.0;
            entry.0 = before.saturating_add(asked);
            if !entry.2 && entry.0 > quota {
                entry.2 = true;
                let others = match entry.1.len() {
                    0 => String::new(),
                    1..=3 => format!(" on top of {before} from {}", entry.1.join(", ")),
                    n => format!(
                        " on top of {before} from {} and {} more",
                        entry.1[..2].join(", "),
                        n - 2
                    ),
                };
                let field = match kind {
                    "gpu" => "nvLimits",
                    "dcu" => "dcuLimits",
                    _ => "mluLimits",
                };
                let mut d = Diagnostic::at(
                    Code::QuotaExceededByRun,
                    span,
                    format!(
                        "together, the jobs of this run ask `{group}` for {} {kind} cards, more than your {kind} quota of {quota} ({field})",
                        entry.0
                    ),
                )
                .label(format!(
                    "{asked} {kind} cards ({cards} × {nodes} {}){others}",
                    if nodes == 1 { "node" } else { "nodes" }
                ))
                .help(match quota.saturating_sub(before) / nodes.max(1) {
                    0 => format!(
                        "the jobs cannot all run at once: the jobs before this one already ask for {before} of the {quota}; submit this job after them, or ask for fewer cards"
                    ),
                    room => format!(
                        "the jobs cannot all run at once: ask for at most {room} {kind} {} here, or submit the jobs one after another",
                        if room == 1 { "card" } else { "cards" }
                    ),
                })
                .field(request.cards_key.unwrap_or("gpus"))
                .requested(entry.0.to_string())
                .limit(quota.to_string());
                d.document = Some(job.document);
                found.push((fi, ji, d));
            }
            // Only the jobs before the crossing are named.
            if !entry.2 {
                entry.1.push(job.label(&file.path));
            }
        }
    }
    for (fi, ji, d) in found {
        let file = &mut files[fi];
        let mut new = vec![d];
        adjust(&mut new);
        let Some(mut d) = new.pop() else { continue };
        if let Some(text) = &file.source {
            let index = LineIndex::new(text);
            d.position = d.span.map(|s| index.position(s));
        }
        if super::verdict::rejects(&d, deny_warnings) {
            file.jobs[ji].verdict = Verdict::Rejected;
        }
        file.diagnostics.push(d);
        file.diagnostics
            .sort_by_key(|d| (d.document, d.span.map(|s| s.start)));
    }
    for file in files.iter_mut() {
        if file.diagnostics.is_empty() {
            file.source = None;
        }
    }
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
