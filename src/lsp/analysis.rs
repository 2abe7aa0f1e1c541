//! The language server's one door into the library: configuration and
//! limits found from the workspace root, a document checked as `check`
//! checks a file, and what hover and completion need to know. The protocol
//! side (`super::*`) sees only the plain types defined here, so that moving
//! library modules touches this file alone.

use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

use crate::diag::{Diagnostic, Severity};
use crate::limits::{LimitSource, Lookup};
use crate::pipeline::{self as run, Input, Options, Source};
use crate::request::{self as spec, DocKind, Job, fields};
use crate::units::format_mib;

pub use super::model::*;
/// A (resource group, accelerator type) question to a limit source.
pub use crate::limits::Pair;

/// The result of checking one document.
#[derive(Debug, Default)]
pub struct Analysis {
    pub findings: Vec<Finding>,
    /// Pairs whose limits are not known yet (to fetch in the background).
    pub missing: Vec<Pair>,
    /// Pairs whose answer is older than the cache's time to live.
    pub stale: Vec<Pair>,
    /// The resource groups the document names.
    pub groups: Vec<String>,
    /// When the first answer used expires (to check again then).
    pub expires: Option<Instant>,
}

#[path = "workspace.rs"]
mod workspace;
use workspace::LimitsFrom;
pub use workspace::{ApiSettings, FileFindings, Workspace};

#[path = "answers.rs"]
mod answers;
pub use answers::*;

/// What the editor knows of a pair's limits.
enum Answer {
    /// Asked for (or about to be), not answered yet.
    Pending,
    /// The answer (from the limits file, the platform, or why there is none).
    Known(Lookup),
}

/// What a run sees for a pair whose answer is still being fetched: the
/// pair is noted in [`Known::missing`], which is what says it is pending;
/// this text is never compared against.
const BEING_FETCHED: &str = "limits not known yet (being fetched)";

/// Why a pair past the session's bound has no limits.
fn too_many_pairs() -> String {
    format!(
        "not asked: this editor session has asked for the limits of {} (resource group, \
         accelerator type) pairs, the most one session asks for; restart the language server \
         to ask for others",
        run::MAX_PAIRS
    )
}

/// The run's limit source: the limits file, or the answers fetched so far
/// (the rest are noted as missing and judged later).
struct Known<'a> {
    workspace: &'a Workspace,
    answers: &'a Answers,
    missing: Mutex<Vec<Pair>>,
    stale: Mutex<Vec<Pair>>,
    expires: Mutex<Option<Instant>>,
}

impl LimitSource for Known<'_> {
    fn lookup(&self, pairs: &[Pair]) -> Vec<Lookup> {
        match &self.workspace.limits {
            LimitsFrom::File(file) => file.lookup(pairs),
            LimitsFrom::None(reason) => pairs
                .iter()
                .map(|_| Lookup::Unavailable {
                    reason: reason.clone(),
                })
                .collect(),
            LimitsFrom::Api(_) => pairs
                .iter()
                .map(|p| match self.answers.known.get(p) {
                    Some(entry) => {
                        if entry.at.elapsed() >= entry.keep_for
                            && let Ok(mut stale) = self.stale.lock()
                        {
                            stale.push(p.clone());
                        } else if let Ok(mut expires) = self.expires.lock() {
                            let at = entry.at + entry.keep_for;
                            *expires = Some(expires.map_or(at, |e| e.min(at)));
                        }
                        entry.lookup.clone()
                    }
                    None if !self.answers.may_ask(p) => Lookup::Unavailable {
                        reason: too_many_pairs(),
                    },
                    None => {
                        if let Ok(mut missing) = self.missing.lock() {
                            missing.push(p.clone());
                        }
                        Lookup::Unavailable {
                            reason: BEING_FETCHED.into(),
                        }
                    }
                })
                .collect(),
        }
    }
}

/// The server's exit status (0 when `exit` came after `shutdown`, else 1),
/// decided where every exit status is.
pub fn exit_status(shut_down: bool) -> u8 {
    crate::pipeline::verdict::of_server(shut_down)
}

/// Whether a file is one the server checks (`*.yaml`, `*.yml`, `*.json`).
pub fn is_job_file(path: &Path) -> bool {
    run::is_job_file(path)
}

fn finding(d: &Diagnostic) -> Finding {
    let mut message = d.message.clone();
    if !d.label.is_empty() && !message.contains(&d.label) {
        message.push_str(&format!(" ({})", d.label));
    }
    if let Some(help) = &d.help {
        message.push_str(&format!("\nhelp: {help}"));
    }
    let related = d
        .notes
        .iter()
        .map(|n| match &n.origin {
            Some(origin) => Related {
                label: n.label.clone(),
                file: Some(resolve(&origin.path)),
                text: Some(origin.text.clone()),
                span: (origin.span.start, origin.span.end),
            },
            None => Related {
                label: n.label.clone(),
                file: None,
                text: None,
                span: (n.span.start, n.span.end),
            },
        })
        .collect();
    Finding {
        span: d.span.map_or((0, 0), |s| (s.start, s.end)),
        level: match d.severity {
            Severity::Error => Level::Error,
            Severity::Warning => Level::Warning,
        },
        code: Some(d.code.as_str()),
        message,
        related,
        fix: d
            .fix
            .as_ref()
            .map(|f| ((f.span.start, f.span.end), f.replacement.clone())),
    }
}

/// A path as the reports show it (relative to the working directory when
/// inside it), made absolute again.
fn resolve(shown: &str) -> PathBuf {
    let cwd = std::env::current_dir().unwrap_or_default();
    cwd.join(shown)
}

/// Check one document's text as `check` checks a file (a run of one file).
pub fn analyse(workspace: &Workspace, answers: &Answers, path: &Path, text: &str) -> Analysis {
    let source = Known {
        workspace,
        answers,
        missing: Mutex::new(Vec::new()),
        stale: Mutex::new(Vec::new()),
        expires: Mutex::new(None),
    };
    let mut config = workspace.config.clone();
    config.ignores_only_for(path);
    let options = Options {
        deny_warnings: false,
        config,
        ..Options::default()
    };
    let display = path
        .file_name()
        .map_or_else(|| "document".into(), |n| n.to_string_lossy().into_owned());
    let input = Input {
        display,
        source: Source::Bytes(text.as_bytes().to_vec()),
        walked: false,
    };
    let report = match run::check_bounded(vec![input], &source, &options) {
        Ok(report) => report,
        // Nothing is judged, so nothing is fetched for it either.
        Err(too_many) => {
            return Analysis {
                findings: vec![Finding {
                    span: (0, 0),
                    level: Level::Error,
                    code: None,
                    message: format!(
                        "this document names {} distinct (resource group, accelerator type) \
                         pairs; a check asks for the limits of at most {}, so nothing in it \
                         was judged",
                        too_many.0,
                        run::MAX_PAIRS
                    ),
                    related: Vec::new(),
                    fix: None,
                }],
                ..Analysis::default()
            };
        }
    };
    let mut findings: Vec<Finding> = report
        .files
        .iter()
        .flat_map(|f| &f.diagnostics)
        // An unjudged job is told below, as information, once its answer
        // is in (not while it is being fetched).
        .filter(|d| d.code != crate::diag::Code::LimitsUnavailable)
        .map(finding)
        .collect();
    let missing = source.missing.into_inner().unwrap_or_default();
    let stale = source.stale.into_inner().unwrap_or_default();
    let expires = source.expires.into_inner().unwrap_or_default();
    let jobs = report.files.iter().flat_map(|f| &f.jobs);
    let groups: Vec<String> = jobs.filter_map(|j| j.resource_group.clone()).collect();
    let jobs = report.files.iter().flat_map(|f| &f.jobs);
    // Unjudged jobs are told where their group is named, unless their
    // pair's answer is pending.
    if jobs.into_iter().any(|j| j.reason.is_some()) {
        // Where each unjudged job names its group.
        let mut told = HashSet::new();
        for doc in spec::read_file(text, is_json(path)) {
            let Some(job) = doc.job else { continue };
            let Some(group) = &job.group else { continue };
            let pair = job.pair();
            let reason = pair
                .as_ref()
                .and_then(|p| match source_answer(workspace, answers, p) {
                    Answer::Known(Lookup::Unavailable { reason }) => Some(reason),
                    _ => None,
                });
            if let Some(reason) = reason
                && told.insert(group.span)
            {
                findings.push(Finding {
                    span: (group.span.start, group.span.end),
                    level: Level::Information,
                    code: None,
                    message: format!(
                        "limits unavailable for resource group `{}` ({}): {reason}; the limits are not judged",
                        group.value,
                        job.accelerator.as_str()
                    ),
                    related: Vec::new(),
                    fix: None,
                });
            }
        }
    }
    Analysis {
        findings,
        missing,
        stale,
        groups,
        expires,
    }
}

fn source_answer(workspace: &Workspace, answers: &Answers, pair: &Pair) -> Answer {
    match &workspace.limits {
        LimitsFrom::File(file) => match file.lookup(std::slice::from_ref(pair)).pop() {
            Some(lookup) => Answer::Known(lookup),
            None => Answer::Pending,
        },
        LimitsFrom::None(reason) => Answer::Known(Lookup::Unavailable {
            reason: reason.clone(),
        }),
        LimitsFrom::Api(_) => match answers.known.get(pair) {
            Some(entry) => Answer::Known(entry.lookup.clone()),
            None if !answers.may_ask(pair) => Answer::Known(Lookup::Unavailable {
                reason: too_many_pairs(),
            }),
            None => Answer::Pending,
        },
    }
}

fn hovered_fields(job: &Job) -> Vec<(Hovered, &'static str, crate::diag::Span)> {
    // Each limit's value, in the limit table's order.
    let mut out: Vec<_> = job
        .amounts
        .iter()
        .map(|(key, v)| (Hovered::Limit(*key), v.key, v.span))
        .collect();
    if let Some(g) = &job.group {
        out.push((Hovered::Group, g.key, g.span));
    }
    if let Some(s) = job.accelerator_span {
        out.push((Hovered::Accelerator, "acceleratorType", s));
    }
    out
}

/// The setting at `offset` (its value, or its key on the same line) with
/// how it was read and the limits it is judged against.
pub fn hover(
    workspace: &Workspace,
    answers: &Answers,
    path: &Path,
    text: &str,
    offset: usize,
) -> Option<Facts> {
    let (start, end) = line_bounds(text, offset);
    for doc in spec::read_file(text, is_json(path)) {
        let Some(job) = &doc.job else { continue };
        let on_line: Vec<_> = hovered_fields(job)
            .into_iter()
            .filter(|(_, _, s)| s.start >= start && s.start <= end)
            // A type read from a cards key (`gpus:`) is not a hover on
            // `acceleratorType`: the key under the cursor is described.
            .filter(|(h, _, s)| {
                *h != Hovered::Accelerator
                    || text.get(s.start..s.end).is_some_and(|t| {
                        crate::request::AccelType::parse(t.trim_matches(['"', '\''])).is_some()
                    })
            })
            .collect();
        // The value under the cursor, else the next one on the line (the
        // cursor is on its key), else the last before it.
        let chosen = on_line
            .iter()
            .find(|(_, _, s)| s.start <= offset && offset <= s.end)
            .or_else(|| {
                on_line
                    .iter()
                    .filter(|(_, _, s)| s.start > offset)
                    .min_by_key(|x| x.2.start)
            })
            .or_else(|| on_line.iter().max_by_key(|x| x.2.start));
        let Some(&(what, key, span)) = chosen else {
            continue;
        };
        let request = crate::pipeline::reading::request(job, &doc.diagnostics);
        let pair = job.pair();
        let answer = pair.as_ref().map(|p| source_answer(workspace, answers, p));
        let group = job.group.as_ref().map(|g| g.value.clone());
        let (limits, status) = match &answer {
            Some(Answer::Known(Lookup::Found(found))) => {
                let caps = workspace.config.caps(group.as_deref().unwrap_or(""));
                (
                    Some(crate::pipeline::reading::judged_limits(job, found, &caps)),
                    None,
                )
            }
            Some(Answer::Known(Lookup::UnknownGroup { .. })) => {
                (None, Some("no such resource group".into()))
            }
            Some(Answer::Known(Lookup::UnsupportedType { .. })) => (
                None,
                Some(format!(
                    "the group has no {} limits",
                    job.accelerator.as_str()
                )),
            ),
            Some(Answer::Known(Lookup::Unavailable { reason })) => {
                (None, Some(format!("limits unavailable: {reason}")))
            }
            None => (None, Some("no resourceGroup: no limits apply".into())),
            Some(Answer::Pending) => (None, Some(BEING_FETCHED.into())),
        };
        return Some(Facts {
            what,
            key,
            span: (span.start, span.end),
            description: fields::get(job.kind, key).map(|f| f.description),
            group,
            accelerator: job.accelerator.as_str(),
            memory_read: match what {
                Hovered::Limit(key) => job.memory_of(key).map(|m| m.value.describe()),
                _ => None,
            },
            request: request.amounts,
            limits,
            status,
            mib: format_mib,
        });
    }
    // No value read on this line: describe its key.
    let docs = spec::read_file(text, is_json(path));
    let job = docs.iter().find_map(|d| d.job.as_ref());
    let diagnostics: Vec<Diagnostic> = docs.iter().flat_map(|d| d.diagnostics.clone()).collect();
    key_only(
        job,
        kind_of(text, is_json(path)),
        &diagnostics,
        text,
        start,
        end,
    )
}

/// A hover on a line whose value could not be read (`memorySize: "32G"`):
/// the key's description and what is wrong with the value.
fn key_only(
    job: Option<&Job>,
    kind: DocKind,
    diagnostics: &[Diagnostic],
    text: &str,
    start: usize,
    end: usize,
) -> Option<Facts> {
    let line = text.get(start..end)?;
    let lead = line.len() - line.trim_start_matches([' ', '-', '{', ',']).len();
    let rest = &line[lead..];
    let (key, _) = rest.split_once(':')?;
    let key = key.trim().trim_matches(['"', '\'']);
    let field =
        fields::get(job.map_or(kind, |j| j.kind), key).or_else(|| fields::get(kind, key))?;
    let limit = fields::LIMITS
        .iter()
        .filter(|r| r.limit != LimitKey::Quota)
        .find(|r| [r.spec_key, r.body_key, r.api_field].contains(&field.key));
    let what = match (limit, field.key) {
        (_, k) if crate::request::AccelType::of_cards_key(k).is_some() => {
            Hovered::Limit(LimitKey::Cards)
        }
        (Some(row), _) => Hovered::Limit(row.limit),
        (None, "acceleratorType") => Hovered::Accelerator,
        (None, _) => Hovered::Group,
    };
    let problem = diagnostics
        .iter()
        .find(|d| d.span.is_some_and(|s| s.start >= start && s.start <= end))
        .map(|d| format!("the value is not judged: {}", d.message));
    let key_start = start + lead;
    Some(Facts {
        what,
        key: field.key,
        span: (key_start, key_start + key.len()),
        description: Some(field.description),
        group: job.and_then(|j| j.group.as_ref()).map(|g| g.value.clone()),
        accelerator: job.map_or("gpu", |j| j.accelerator.as_str()),
        memory_read: None,
        request: Amounts::default(),
        limits: None,
        status: problem,
        mib: format_mib,
    })
}

/// The kind of document being written: as read, except that a JSON file
/// with no key of a job spec yet is taken for a platform body.
fn kind_of(text: &str, json: bool) -> DocKind {
    let read = spec::read_file(text, json)
        .into_iter()
        .find_map(|d| d.job.map(|j| j.kind));
    let spec_key = || {
        fields::of(DocKind::JobSpec)
            .filter(|f| fields::spec_only(f.key))
            .any(|f| text.contains(&format!("\"{}\"", f.key)))
    };
    match read {
        Some(DocKind::PlatformBody) => DocKind::PlatformBody,
        _ if json && !spec_key() => DocKind::PlatformBody,
        Some(kind) => kind,
        None => DocKind::JobSpec,
    }
}

/// The keys of the document's kind (a job spec or a platform body).
pub fn keys(path: &Path, text: &str) -> Vec<KeyDoc> {
    fields::of(kind_of(text, is_json(path)))
        .map(|f| KeyDoc {
            key: f.key,
            description: f.description,
            required: f.required,
            equivalent: f.equivalent,
        })
        .collect()
}

/// The keys written in the document, exactly as written (a near miss such
/// as `memroy` is not its key: `memory` is still offered).
pub fn present_keys(path: &Path, text: &str) -> Vec<String> {
    let json = is_json(path);
    text.lines()
        .filter_map(|line| {
            let line = line.trim_start().trim_start_matches(['-', '{', ',', ' ']);
            let (key, _) = line.split_once(':')?;
            let key = key.trim().trim_matches(['"', '\'']);
            let plain = !key.is_empty()
                && key
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
            (plain && (!json || line.starts_with('"'))).then(|| key.to_string())
        })
        .chain(
            // JSON members on one line: `"key":` anywhere.
            json.then(|| {
                text.split('"')
                    .collect::<Vec<_>>()
                    .windows(2)
                    .filter(|w| w[1].trim_start().starts_with(':'))
                    .map(|w| w[0].to_string())
                    .collect::<Vec<_>>()
            })
            .into_iter()
            .flatten(),
        )
        .collect()
}

/// The values a key allows (`acceleratorType`: gpu, dcu, mlu, cpu; for
/// `resourceGroup`, only groups known to exist: the limits file's and
/// those the platform answered for, never one it said is unknown).
pub fn values(
    workspace: &Workspace,
    answers: &Answers,
    path: &Path,
    text: &str,
    key: &str,
) -> Vec<String> {
    if key == "resourceGroup" {
        let unknown = answers.unknown_groups();
        let groups: BTreeSet<String> = workspace
            .known_groups()
            .into_iter()
            .chain(answers.groups())
            .filter(|g| !g.is_empty() && !unknown.contains(g))
            .collect();
        return groups.into_iter().collect();
    }
    match fields::get(kind_of(text, is_json(path)), key).map(|f| f.ty) {
        Some(fields::Ty::OneOf { values, .. }) => values.iter().map(|v| v.to_string()).collect(),
        Some(fields::Ty::Bool) => vec!["true".into(), "false".into()],
        _ => Vec::new(),
    }
}

/// The text of `jobcheck explain CODE`, for a code's link.
pub fn explain(code: &str) -> Option<String> {
    crate::diag::Code::parse(code).map(crate::explain::explain)
}

/// Whether a walk would pass over a file with this text as not a job file
/// (no job key, exact or a near miss, in any of its documents).
pub fn not_a_job(text: &str) -> bool {
    crate::pipeline::notajob::passed_over(text).is_some()
}

#[cfg(test)]
#[path = "analysis_tests.rs"]
mod tests;
