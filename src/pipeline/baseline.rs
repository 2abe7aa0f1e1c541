//! The baseline: findings accepted for now, so a repository with many can
//! adopt the check and fail only on new ones. `check --write-baseline FILE`
//! records a run's findings; `check --baseline FILE` hides those again.
//!
//! An entry is keyed by file, job, code and field, never by line, so edits
//! elsewhere in a file do not break it: the file's path relative to the
//! baseline's directory, the job's `name` (else `#N`, its document), the
//! code, and the field the finding is about. `count` hides that many equal
//! findings; entries that hide fewer than their count are reported, so
//! the file can shrink as findings are fixed.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use serde::{Deserialize, Serialize};

use crate::diag::{Code, Diagnostic};
use crate::report::{Report, Suppressed, SuppressedBy};

pub const VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    version: u32,
    findings: Vec<Entry>,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub file: String,
    /// The job's name, else `#N` (its document); `None` for a finding
    /// about the whole file.
    pub job: Option<String>,
    pub code: String,
    pub field: Option<String>,
    pub count: usize,
}

type Key = (String, Option<String>, String, Option<String>);

/// A baseline read for a run.
#[derive(Debug)]
pub struct Baseline {
    base: PathBuf,
    entries: Vec<Entry>,
    /// How many findings each entry may still hide.
    left: Vec<AtomicUsize>,
    index: HashMap<Key, usize>,
    hidden: AtomicUsize,
}

/// A path made absolute from the working directory, `.` and `..` resolved
/// by their names (not by following links).
fn absolute(path: &Path) -> PathBuf {
    crate::fsread::lexical(path, &std::env::current_dir().unwrap_or_default())
}

/// How a baseline in `base` names the file a report names `display`.
fn file_key(base: &Path, display: &str) -> String {
    let path = absolute(Path::new(display));
    match path.strip_prefix(base) {
        Ok(rel) => rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/"),
        Err(_) => display.to_string(),
    }
}

fn job_key(name: Option<&str>, document: Option<usize>) -> Option<String> {
    match (name, document) {
        (Some(name), _) => Some(name.to_string()),
        (None, Some(i)) => Some(format!("#{i}")),
        (None, None) => None,
    }
}

/// The directory a baseline file's paths are relative to.
pub fn base_of(file: &Path) -> PathBuf {
    absolute(file.parent().unwrap_or(Path::new(".")))
}

impl Baseline {
    /// Read a baseline's text; `base` is the directory its paths start in.
    pub fn parse(text: &str, base: PathBuf) -> Result<Baseline, String> {
        let file: File = serde_json::from_str(text).map_err(|e| {
            format!("it is not a jobcheck baseline ({e}); write one with --write-baseline")
        })?;
        if file.version != VERSION {
            return Err(format!(
                "version {} is not one this jobcheck reads (it reads {VERSION})",
                file.version
            ));
        }
        let mut index = HashMap::new();
        for (i, e) in file.findings.iter().enumerate() {
            if Code::parse(&e.code).is_none() {
                return Err(format!("`{}` is not a rule code", e.code));
            }
            let key = (
                e.file.clone(),
                e.job.clone(),
                e.code.clone(),
                e.field.clone(),
            );
            if index.insert(key, i).is_some() {
                return Err(format!(
                    "{} job {:?} {} is listed twice; give it one entry with a count",
                    e.file, e.job, e.code
                ));
            }
        }
        Ok(Baseline {
            base,
            left: file
                .findings
                .iter()
                .map(|e| AtomicUsize::new(e.count))
                .collect(),
            entries: file.findings,
            index,
            hidden: AtomicUsize::new(0),
        })
    }

    /// Move out of `diags` (one document's) the findings the baseline lists.
    pub fn take(
        &self,
        display: &str,
        name: Option<&str>,
        document: usize,
        diags: &mut Vec<Diagnostic>,
    ) -> Vec<Suppressed> {
        if self.entries.is_empty() || diags.is_empty() {
            return Vec::new();
        }
        let file = file_key(&self.base, display);
        let job = job_key(name, Some(document));
        let mut out = Vec::new();
        diags.retain(|d| {
            let key = (
                file.clone(),
                job.clone(),
                d.code.as_str().to_string(),
                d.field.clone(),
            );
            let Some(&i) = self.index.get(&key) else {
                return true;
            };
            let taken = self.left[i]
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
                .is_ok();
            if taken {
                self.hidden.fetch_add(1, Ordering::Relaxed);
                out.push(Suppressed {
                    diagnostic: d.clone(),
                    by: SuppressedBy::Baseline,
                });
            }
            !taken
        });
        out
    }

    /// How many findings it hid.
    pub fn hidden(&self) -> usize {
        self.hidden.load(Ordering::Relaxed)
    }

    /// The entries that hid fewer findings than their count: (entry, how
    /// many of its count matched nothing).
    pub fn stale(&self) -> Vec<(&Entry, usize)> {
        self.entries
            .iter()
            .zip(&self.left)
            .map(|(e, left)| (e, left.load(Ordering::Relaxed)))
            .filter(|(_, left)| *left > 0)
            .collect()
    }
}

impl Baseline {
    /// What a run with this baseline tells: how many findings it hid, and
    /// each entry that matched nothing (or less than its count).
    pub fn tell(&self, name: &str) -> Vec<String> {
        let hidden = self.hidden();
        let mut lines = vec![format!(
            "the baseline {name} hid {}",
            crate::report::count(hidden, "finding", "findings")
        )];
        let stale = self.stale();
        if stale.is_empty() {
            return lines;
        }
        let (n, verb, them) = match stale.len() {
            1 => ("1 entry".to_string(), "matches", "it"),
            n => (format!("{n} entries"), "match", "them"),
        };
        lines.push(format!(
            "{n} of the baseline no longer {verb} anything (run with --write-baseline to drop {them}):"
        ));
        for (entry, left) in stale {
            let times = if left == entry.count {
                String::new()
            } else {
                format!(" ({left} of {})", entry.count)
            };
            lines.push(format!(
                "  {}{times}",
                crate::fsread::shown(&describe(entry))
            ));
        }
        lines
    }
}

/// One line for an entry: `jobs/a.yaml, job train: cpus-over-limit (cpus)`.
pub fn describe(e: &Entry) -> String {
    let job = e
        .job
        .as_deref()
        .map(|j| format!(", job {j}"))
        .unwrap_or_default();
    let field = e
        .field
        .as_deref()
        .map(|f| format!(" ({f})"))
        .unwrap_or_default();
    format!("{}{job}: {}{field}", e.file, e.code)
}

/// The baseline of a run: every finding it shows, and those a baseline
/// hid (so a baseline written again keeps what still matches and drops
/// what is gone). Findings a comment or `per-file-ignores` hid are left
/// out: they are suppressed already. Paths are relative to `base`.
pub fn render(report: &Report, base: &Path) -> (String, usize) {
    let mut counts: std::collections::BTreeMap<Key, usize> = std::collections::BTreeMap::new();
    for f in &report.files {
        let file = file_key(base, &f.path);
        let name_of = |doc: Option<usize>| {
            let name = doc.and_then(|i| f.jobs.iter().find(|j| j.document == i)?.name.as_deref());
            job_key(name, doc)
        };
        let hidden = f
            .suppressed
            .iter()
            .filter(|s| s.by == SuppressedBy::Baseline)
            .map(|s| &s.diagnostic);
        for d in f.diagnostics.iter().chain(hidden) {
            let key = (
                file.clone(),
                name_of(d.document),
                d.code.as_str().to_string(),
                d.field.clone(),
            );
            *counts.entry(key).or_default() += 1;
        }
    }
    let findings: Vec<Entry> = counts
        .into_iter()
        .map(|((file, job, code, field), count)| Entry {
            file,
            job,
            code,
            field,
            count,
        })
        .collect();
    let total = findings.iter().map(|e| e.count).sum();
    let file = File {
        version: VERSION,
        findings,
    };
    let mut text = serde_json::to_string_pretty(&file).unwrap_or_default();
    text.push('\n');
    (text, total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Span;

    fn finding(code: Code, field: &str) -> Diagnostic {
        Diagnostic::at(code, Span::new(0, 1), "x").field(field)
    }

    #[test]
    fn hides_by_file_job_code_and_field_up_to_the_count() {
        let base = absolute(Path::new("."));
        let text = r##"{"version": 1, "findings": [
            {"file": "jobs/a.yaml", "job": "train", "code": "cpus-over-limit", "field": "cpus", "count": 1},
            {"file": "jobs/a.yaml", "job": "#2", "code": "unknown-field", "field": "gpuu", "count": 2}
        ]}"##;
        let b = Baseline::parse(text, base).unwrap();
        let mut diags = vec![
            finding(Code::CpusOverLimit, "cpus"),
            finding(Code::CpusOverLimit, "cpus"),
            finding(Code::MemoryOverLimit, "memory"),
        ];
        let hid = b.take("jobs/a.yaml", Some("train"), 1, &mut diags);
        assert_eq!(hid.len(), 1);
        assert_eq!(diags.len(), 2);
        let mut other = vec![finding(Code::CpusOverLimit, "cpus")];
        assert!(
            b.take("jobs/b.yaml", Some("train"), 1, &mut other)
                .is_empty()
        );
        let mut second = vec![finding(Code::UnknownField, "gpuu")];
        assert_eq!(b.take("./jobs/a.yaml", None, 2, &mut second).len(), 1);
        assert_eq!(b.hidden(), 2);
        let stale = b.stale();
        assert_eq!(stale.len(), 1);
        assert_eq!(stale[0].1, 1);
        assert_eq!(
            describe(stale[0].0),
            "jobs/a.yaml, job #2: unknown-field (gpuu)"
        );
    }

    #[test]
    fn bad_baselines_say_why() {
        let base = PathBuf::from("/");
        assert!(
            Baseline::parse("[]", base.clone())
                .unwrap_err()
                .contains("not a jobcheck baseline")
        );
        let v2 = r#"{"version": 2, "findings": []}"#;
        assert!(
            Baseline::parse(v2, base.clone())
                .unwrap_err()
                .contains("version 2")
        );
        let bad = r#"{"version": 1, "findings": [{"file": "a", "job": null, "code": "nope", "field": null, "count": 1}]}"#;
        assert!(Baseline::parse(bad, base).unwrap_err().contains("`nope`"));
    }
}
