//! The language server's one door into the library: configuration and
//! limits found from the workspace root, a document checked as `check`
//! checks a file, and what hover and completion need to know. The protocol
//! side (`super::*`) sees only the plain types defined here, so that moving
//! library modules touches this file alone.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::config::{Config, Places};
use crate::diag::{Diagnostic, Severity};
use crate::limits::api::{ApiOptions, ApiSource, CacheMode};
use crate::limits::file::FileSource;
use crate::limits::{LimitSource, Lookup};
use crate::pipeline::{self as run, Input, Options, Source};
use crate::report::{JudgedLimits, Request};
use crate::request::{self as spec, DocKind, Job, fields};
use crate::units::{TimeLimit, format_mib};

use super::env::{env_path, env_text};
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

/// Settings for the platform API, as `check` reads them.
#[derive(Clone, Debug)]
pub struct ApiSettings {
    endpoint: Option<String>,
    cluster: Option<String>,
    token_file: Option<PathBuf>,
    timeout: Duration,
    cache_ttl: Duration,
}

enum LimitsFrom {
    None(String),
    File(FileSource),
    Api(ApiSettings),
}

/// Configuration and limits for one workspace root.
pub struct Workspace {
    config: Config,
    limits: LimitsFrom,
    /// Problems met while loading (shown to the user once).
    pub problems: Vec<String>,
    /// The limits file, to reload when it is saved.
    pub limits_file: Option<PathBuf>,
}

impl Workspace {
    /// Find the configuration from `root` as `check` finds it from the
    /// working directory (`JOBCHECK_CONFIG` and the other variables too),
    /// then choose the limits as `check` does: `JOBCHECK_LIMITS`, then
    /// `JOBCHECK_ENDPOINT`, then `limits` in the configuration, then the
    /// configured endpoint or a token alone.
    pub fn load(root: Option<&Path>) -> Workspace {
        let mut places = Places::from_env(env_path("JOBCHECK_CONFIG", root));
        if let Some(root) = root {
            places.cwd = Some(root.to_path_buf());
        }
        let mut problems = Vec::new();
        let config = match Config::load_all(&places) {
            Ok(config) => config,
            Err((bad, _)) => {
                let mut text = format!("jobcheck: cannot use the configuration `{}`", bad.path);
                for d in &bad.diagnostics {
                    text.push_str(&format!("; {}", d.message));
                }
                problems.push(text);
                Config::default()
            }
        };
        let mut limits_file = None;
        let api = |endpoint: Option<String>| {
            let ttl = env_text("JOBCHECK_CACHE_TTL")
                .and_then(|t| t.trim().parse().ok())
                .or(config.cache_ttl)
                .unwrap_or(900);
            let timeout = env_text("JOBCHECK_TIMEOUT")
                .and_then(|t| t.trim().parse::<f64>().ok())
                .filter(|s| *s > 0.0 && *s <= 3600.0)
                .unwrap_or(30.0);
            LimitsFrom::Api(ApiSettings {
                endpoint,
                cluster: config.cluster.clone(),
                token_file: env_path("JOBCHECK_TOKEN_FILE", root),
                timeout: Duration::from_secs_f64(timeout),
                cache_ttl: Duration::from_secs(ttl),
            })
        };
        let file = env_path("JOBCHECK_LIMITS", root).or_else(|| {
            env_text("JOBCHECK_ENDPOINT")
                .is_none()
                .then(|| config.limits.clone())
                .flatten()
        });
        let limits = if let Some(path) = file {
            limits_file = Some(path.clone());
            read_limits(&path, &mut problems)
        } else if let Some(endpoint) = env_text("JOBCHECK_ENDPOINT") {
            api(Some(endpoint))
        } else if config.endpoint.is_some()
            || crate::credentials::credential_configured(
                env_path("JOBCHECK_TOKEN_FILE", root).as_deref(),
            )
        {
            api(config.endpoint.clone())
        } else {
            LimitsFrom::None(
                "no limits configured: set `limits = \"FILE\"` in jobcheck.toml, or \
                 JOBCHECK_LIMITS, or JOBCHECK_ENDPOINT with a token"
                    .into(),
            )
        };
        Workspace {
            config,
            limits,
            problems,
            limits_file,
        }
    }

    /// Pass the configuration's token and discovery service addresses on
    /// through the environment, where it leaves them unset, as `check`
    /// does. Only before any thread is started: the server does it once,
    /// while handling `initialize` (a later change to them needs a restart).
    pub fn export_service_urls(&self) {
        // SAFETY: the server calls this once, while handling `initialize`,
        // before it starts any thread.
        unsafe { self.config.export_service_urls() };
    }

    /// Whether the configuration's `include` / `exclude` globs take this
    /// file (when it names none, every YAML or JSON file is checked).
    pub fn selects(&self, path: &Path) -> bool {
        let selection = crate::pipeline::select::Selection {
            config_dir: self.config.dir.clone(),
            include: self.config.include.clone(),
            config_exclude: self.config.exclude.clone(),
            ..Default::default()
        };
        let cwd = self
            .config
            .dir
            .clone()
            .unwrap_or_else(|| PathBuf::from("/"));
        crate::pipeline::select::selected(path, &selection, &cwd)
    }

    /// Read the limits file again (after it was saved).
    pub fn reload_limits(&mut self) {
        if let Some(path) = &self.limits_file {
            self.limits = read_limits(path, &mut self.problems);
        }
    }

    /// The API settings, when limits come from the platform (fetched in
    /// the background).
    pub fn api(&self) -> Option<&ApiSettings> {
        match &self.limits {
            LimitsFrom::Api(api) => Some(api),
            _ => None,
        }
    }

    /// The resource groups known without asking: the limits file's, or
    /// those the platform's answers in the cache hold.
    pub fn known_groups(&self) -> Vec<String> {
        match &self.limits {
            LimitsFrom::File(file) => file
                .sets()
                .iter()
                .map(|s| s.resource_group.clone())
                .collect(),
            LimitsFrom::Api(api) => {
                let dir = crate::platform::cache_dir::trusted_dir(None).ok().flatten();
                // Entries are keyed by the resources URL of the endpoint.
                let url = api
                    .endpoint
                    .as_deref()
                    .and_then(|e| crate::platform::resources::resources_url(e).ok());
                crate::limits::cache::Cache::new(dir, api.cache_ttl)
                    .groups(url.as_ref().map(|u| u.as_str()), 1000)
            }
            LimitsFrom::None(_) => Vec::new(),
        }
    }
}

fn read_limits(path: &Path, problems: &mut Vec<String>) -> LimitsFrom {
    let shown = path.display().to_string();
    let parsed = crate::fsread::read_small(path)
        .map_err(|e| format!("cannot read limits file `{shown}`: {e}"))
        .and_then(|text| {
            FileSource::parse(&shown, &text).map_err(|bad| {
                let messages: Vec<&str> = bad.diagnostics.iter().map(|d| &*d.message).collect();
                format!("cannot use limits file `{shown}`: {}", messages.join("; "))
            })
        });
    match parsed {
        Ok(file) => LimitsFrom::File(file),
        Err(message) => {
            problems.push(format!("jobcheck: {message}"));
            LimitsFrom::None(message)
        }
    }
}

/// The platform's answers received so far, with when each came.
#[derive(Default)]
pub struct Answers {
    known: HashMap<Pair, (Lookup, Instant)>,
}

/// A batch of answers fetched in the background.
pub struct Fetched(Vec<(Pair, Lookup)>);

impl Fetched {
    pub fn pairs(&self) -> Vec<Pair> {
        self.0.iter().map(|(p, _)| p.clone()).collect()
    }
}

impl Answers {
    /// Keep the answers fetched. Limits known already are kept when a
    /// refetch finds the platform unavailable (stale limits beat none); they
    /// are asked for again when they expire once more.
    pub fn absorb(&mut self, fetched: Fetched) {
        let now = Instant::now();
        for (pair, lookup) in fetched.0 {
            let keep_old = matches!(lookup, Lookup::Unavailable { .. })
                && matches!(self.known.get(&pair), Some((Lookup::Found(_), _)));
            match self.known.get_mut(&pair) {
                Some(old) if keep_old => old.1 = now,
                _ => {
                    self.known.insert(pair, (lookup, now));
                }
            }
        }
    }

    /// The groups the platform answered for.
    pub fn groups(&self) -> Vec<String> {
        self.known
            .iter()
            .filter(|(_, (l, _))| matches!(l, Lookup::Found(_)))
            .map(|(p, _)| p.group.clone())
            .collect()
    }
}

/// Ask the platform (blocking: call it on a background thread). A setup
/// problem (no token, a bad endpoint) is every pair's answer.
pub fn fetch(settings: &ApiSettings, pairs: &[Pair]) -> Fetched {
    let source = ApiSource::from_env(
        ApiOptions {
            endpoint: settings.endpoint.clone(),
            cluster: settings.cluster.clone(),
            token_file: settings.token_file.clone(),
            timeout: settings.timeout,
            cache_ttl: settings.cache_ttl,
            cache_mode: CacheMode::Normal,
            progress: false,
            ..ApiOptions::new("")
        },
        // The editor shows diagnostics, not a log: notices (stale cache, a
        // field that cannot be read) are not forwarded.
        std::sync::Arc::new(crate::platform::notice::Quiet),
    );
    let answers = match source {
        Ok(source) => source.lookup(pairs),
        Err(e) => pairs
            .iter()
            .map(|_| Lookup::Unavailable {
                reason: e.to_string(),
            })
            .collect(),
    };
    Fetched(pairs.iter().cloned().zip(answers).collect())
}

const PENDING: &str = "\u{0}pending";

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
            LimitsFrom::Api(api) => pairs
                .iter()
                .map(|p| match self.answers.known.get(p) {
                    Some((lookup, at)) => {
                        if at.elapsed() >= api.cache_ttl
                            && let Ok(mut stale) = self.stale.lock()
                        {
                            stale.push(p.clone());
                        } else if let Ok(mut expires) = self.expires.lock() {
                            let at = *at + api.cache_ttl;
                            *expires = Some(expires.map_or(at, |e| e.min(at)));
                        }
                        lookup.clone()
                    }
                    None => {
                        if let Ok(mut missing) = self.missing.lock() {
                            missing.push(p.clone());
                        }
                        Lookup::Unavailable {
                            reason: PENDING.into(),
                        }
                    }
                })
                .collect(),
        }
    }
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
    let options = Options {
        deny_warnings: false,
        config: workspace.config.clone(),
    };
    let display = path
        .file_name()
        .map_or_else(|| "document".into(), |n| n.to_string_lossy().into_owned());
    let input = Input {
        display,
        source: Source::Bytes(text.as_bytes().to_vec()),
        walked: false,
    };
    let report = run::check_inputs(vec![input], &source, &options);
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
    if jobs
        .filter_map(|j| j.reason.as_deref())
        .any(|r| r != PENDING)
    {
        // Where each unjudged job names its group.
        let mut told = HashSet::new();
        for doc in spec::read_file(text, is_json(path)) {
            let Some(job) = doc.job else { continue };
            let Some(group) = &job.group else { continue };
            let pair = job.pair();
            let reason = pair
                .as_ref()
                .and_then(|p| match source_answer(workspace, answers, p) {
                    Some(Lookup::Unavailable { reason }) if reason != PENDING => Some(reason),
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

fn source_answer(workspace: &Workspace, answers: &Answers, pair: &Pair) -> Option<Lookup> {
    match &workspace.limits {
        LimitsFrom::File(file) => file.lookup(std::slice::from_ref(pair)).pop(),
        LimitsFrom::None(reason) => Some(Lookup::Unavailable {
            reason: reason.clone(),
        }),
        LimitsFrom::Api(_) => answers.known.get(pair).map(|(l, _)| l.clone()),
    }
}

fn time(t: TimeLimit) -> Time {
    Time {
        seconds: match t {
            TimeLimit::Unlimited => None,
            TimeLimit::Finite(d) => Some(d.seconds),
        },
        text: t.describe(),
    }
}

fn hovered_fields(job: &Job) -> Vec<(Hovered, &'static str, crate::diag::Span)> {
    let mut out = Vec::new();
    let mut add = |h, v: Option<(&'static str, crate::diag::Span)>| {
        if let Some((key, span)) = v {
            out.push((h, key, span));
        }
    };
    add(Hovered::Cpus, job.cpus().map(|v| (v.key, v.span)));
    add(Hovered::Cards, job.cards().map(|v| (v.key, v.span)));
    add(Hovered::Memory, job.memory().map(|v| (v.key, v.span)));
    add(Hovered::Nodes, job.nodes().map(|v| (v.key, v.span)));
    add(Hovered::Walltime, job.walltime().map(|v| (v.key, v.span)));
    add(Hovered::Group, job.group.as_ref().map(|v| (v.key, v.span)));
    add(
        Hovered::Accelerator,
        job.accelerator_span.map(|s| ("acceleratorType", s)),
    );
    out
}

fn amounts(r: &Request) -> Amounts {
    Amounts {
        cpus: r.cpus,
        cards: r.cards,
        memory: r.memory,
        nodes: r.nodes,
        time: r.walltime.map(time),
    }
}

fn limit_amounts(l: &JudgedLimits) -> Amounts {
    Amounts {
        cpus: l.cpus,
        cards: l.cards,
        memory: l.memory,
        nodes: l.nodes,
        time: l.max_time.map(time),
    }
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
        let answer = pair
            .as_ref()
            .and_then(|p| source_answer(workspace, answers, p));
        let group = job.group.as_ref().map(|g| g.value.clone());
        let (limits, status) = match &answer {
            Some(Lookup::Found(found)) => {
                let caps = workspace.config.caps(group.as_deref().unwrap_or(""));
                (
                    Some(crate::pipeline::reading::judged_limits(job, found, &caps)),
                    None,
                )
            }
            Some(Lookup::UnknownGroup { .. }) => (None, Some("no such resource group".into())),
            Some(Lookup::UnsupportedType { .. }) => (
                None,
                Some(format!(
                    "the group has no {} limits",
                    job.accelerator.as_str()
                )),
            ),
            Some(Lookup::Unavailable { reason }) if reason != PENDING => {
                (None, Some(format!("limits unavailable: {reason}")))
            }
            _ if pair.is_none() => (None, Some("no resourceGroup: no limits apply".into())),
            _ => (None, Some("limits not known yet (being fetched)".into())),
        };
        return Some(Facts {
            what,
            key,
            span: (span.start, span.end),
            description: fields::get(job.kind, key).map(|f| f.description),
            group,
            accelerator: job.accelerator.as_str(),
            memory_read: job.memory().map(|m| m.value.describe()),
            request: amounts(&request),
            quota: limits.as_ref().and_then(|l| l.quota),
            limits: limits.as_ref().map(limit_amounts),
            status,
            mib: format_mib,
        });
    }
    None
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

/// The values a key allows (`acceleratorType`: gpu, dcu, mlu, cpu; the
/// known resource groups for `resourceGroup`: the limits file's, the
/// platform's answers and `seen`).
pub fn values(
    workspace: &Workspace,
    answers: &Answers,
    seen: &[String],
    path: &Path,
    text: &str,
    key: &str,
) -> Vec<String> {
    if key == "resourceGroup" {
        let groups: BTreeSet<String> = workspace
            .known_groups()
            .into_iter()
            .chain(answers.groups())
            .chain(seen.iter().cloned())
            .filter(|g| !g.is_empty())
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

#[cfg(test)]
#[path = "analysis_tests.rs"]
mod tests;
