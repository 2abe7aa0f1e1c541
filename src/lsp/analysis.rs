//! The language server's one door into the library: configuration and
//! limits found from the workspace root, a document checked as `check`
//! checks a file, and what hover and completion need to know. The protocol
//! side (`super::*`) sees only the plain types defined here, so that moving
//! library modules touches this file alone.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::config::{Config, Places};
use crate::diag::{Diagnostic, Severity};
use crate::limits::api::{ApiOptions, ApiSource, CacheMode};
use crate::limits::file::FileSource;
use crate::limits::{LimitSource, Lookup};
use crate::report::{JudgedLimits, Request};
use crate::run::{self, Input, Options, Source};
use crate::spec::{self, DocKind, Job, fields};
use crate::units::{TimeLimit, format_mib};

/// A (resource group, accelerator type) question to a limit source.
pub use crate::limits::Pair;

/// How serious a finding is, in the protocol's terms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Error,
    Warning,
    Information,
}

/// A second place a finding points at.
#[derive(Clone, Debug)]
pub struct Related {
    pub label: String,
    /// `None`: in the document itself.
    pub file: Option<PathBuf>,
    /// The other file's text (to place `span` in it).
    pub text: Option<Arc<str>>,
    pub span: (usize, usize),
}

/// One diagnostic of a document, with byte offsets into its text.
#[derive(Clone, Debug)]
pub struct Finding {
    pub span: (usize, usize),
    pub level: Level,
    /// The rule code (`cpus-over-limit`); `None` for notices.
    pub code: Option<&'static str>,
    pub message: String,
    pub related: Vec<Related>,
    /// The edit that fixes it: replace `span` with the text.
    pub fix: Option<((usize, usize), String)>,
}

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

fn env_path(name: &str, root: Option<&Path>) -> Option<PathBuf> {
    let value = std::env::var_os(name).filter(|v| !v.is_empty())?;
    let path = PathBuf::from(value);
    Some(match root {
        Some(root) if path.is_relative() => root.join(path),
        _ => path,
    })
}

fn env_text(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
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
        pass_service_urls(&config);
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
            || crate::limits::auth::credential_configured(
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

    /// The resource groups the limits file names.
    pub fn file_groups(&self) -> Vec<String> {
        match &self.limits {
            LimitsFrom::File(file) => file
                .sets()
                .iter()
                .map(|s| s.resource_group.clone())
                .collect(),
            _ => Vec::new(),
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

/// The token and discovery services' addresses from the user's
/// configuration, where the environment leaves them unset (as `check`).
fn pass_service_urls(config: &Config) {
    for (var, value) in [
        ("JOBCHECK_AUTH_URL", &config.auth_url),
        ("JOBCHECK_AC_URL", &config.ac_url),
    ] {
        if let Some(value) = value
            && std::env::var_os(var).is_none()
        {
            // SAFETY: the server loads the workspace while handling
            // `initialize`, before it starts any thread (`super::serve`).
            unsafe { std::env::set_var(var, value) };
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
    pub fn absorb(&mut self, fetched: Fetched) {
        let now = Instant::now();
        for (pair, lookup) in fetched.0 {
            self.known.insert(pair, (lookup, now));
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
    let source = ApiSource::from_env(ApiOptions {
        endpoint: settings.endpoint.clone(),
        cluster: settings.cluster.clone(),
        token_file: settings.token_file.clone(),
        timeout: settings.timeout,
        cache_ttl: settings.cache_ttl,
        cache_mode: CacheMode::Normal,
        progress: false,
        ..ApiOptions::new("")
    });
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

fn is_json(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
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

/// A path as the reports show it, made absolute again.
fn resolve(shown: &str) -> PathBuf {
    let path = PathBuf::from(shown);
    if path.is_absolute() {
        return path;
    }
    std::env::current_dir()
        .map(|cwd| cwd.join(&path))
        .unwrap_or(path)
}

/// Check one document's text as `check` checks a file (a run of one file).
pub fn analyse(workspace: &Workspace, answers: &Answers, path: &Path, text: &str) -> Analysis {
    let source = Known {
        workspace,
        answers,
        missing: Mutex::new(Vec::new()),
        stale: Mutex::new(Vec::new()),
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
    };
    let report = run::check_inputs(vec![input], &source, &options);
    let mut findings: Vec<Finding> = report
        .files
        .iter()
        .flat_map(|f| &f.diagnostics)
        .map(finding)
        .collect();
    let missing = source.missing.into_inner().unwrap_or_default();
    let stale = source.stale.into_inner().unwrap_or_default();
    let jobs = report.files.iter().flat_map(|f| &f.jobs);
    let groups: Vec<String> = jobs.filter_map(|j| j.resource_group.clone()).collect();
    let unjudged: Vec<&str> = report
        .files
        .iter()
        .flat_map(|f| &f.jobs)
        .filter_map(|j| j.reason.as_deref())
        .filter(|r| *r != PENDING)
        .collect();
    if !unjudged.is_empty() {
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

/// What a hover shows: the range hovered and its text (Markdown).
#[derive(Debug)]
pub struct HoverInfo {
    pub span: (usize, usize),
    pub markdown: String,
}

/// The bytes of the line that holds `offset`.
fn line_bounds(text: &str, offset: usize) -> (usize, usize) {
    let offset = crate::diag::floor_char_boundary(text, offset.min(text.len()));
    let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    (start, end)
}

#[derive(Clone, Copy, PartialEq)]
enum Hovered {
    Cpus,
    Cards,
    Memory,
    Nodes,
    Walltime,
    Group,
    Accelerator,
}

fn hovered_fields(job: &Job) -> Vec<(Hovered, &'static str, crate::diag::Span)> {
    let mut out = Vec::new();
    let mut add = |h, key: Option<&'static str>, span: Option<crate::diag::Span>| {
        if let (Some(key), Some(span)) = (key, span) {
            out.push((h, key, span));
        }
    };
    add(
        Hovered::Cpus,
        job.cpus.as_ref().map(|v| v.key),
        job.cpus.as_ref().map(|v| v.span),
    );
    add(
        Hovered::Cards,
        job.cards.as_ref().map(|v| v.key),
        job.cards.as_ref().map(|v| v.span),
    );
    add(
        Hovered::Memory,
        job.memory.as_ref().map(|v| v.key),
        job.memory.as_ref().map(|v| v.span),
    );
    add(
        Hovered::Nodes,
        job.nodes.as_ref().map(|v| v.key),
        job.nodes.as_ref().map(|v| v.span),
    );
    add(
        Hovered::Walltime,
        job.walltime.as_ref().map(|v| v.key),
        job.walltime.as_ref().map(|v| v.span),
    );
    add(
        Hovered::Group,
        job.group.as_ref().map(|v| v.key),
        job.group.as_ref().map(|v| v.span),
    );
    add(
        Hovered::Accelerator,
        Some("acceleratorType"),
        job.accelerator_span,
    );
    out
}

fn headroom(request: Option<u64>, limit: Option<u64>, show: &dyn Fn(u64) -> String) -> String {
    match (request, limit) {
        (Some(r), Some(l)) if r <= l => format!("headroom **{}**", show(l - r)),
        (Some(r), Some(l)) => format!("**over the limit by {}**", show(r - l)),
        (None, Some(_)) => "the value could not be read".into(),
        (_, None) => "no limit known for this rule".into(),
    }
}

fn seconds(t: TimeLimit) -> Option<u64> {
    match t {
        TimeLimit::Unlimited => None,
        TimeLimit::Finite(d) => Some(d.seconds),
    }
}

fn hms(s: u64) -> String {
    format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

fn mib(bytes: u64) -> String {
    format!("{} MiB", format_mib(bytes))
}

fn count(n: Option<u64>) -> String {
    n.map_or_else(|| "unknown".into(), |n| n.to_string())
}

/// One line per limit of a group (for a hover on `resourceGroup`).
fn limits_table(l: &JudgedLimits) -> String {
    let mut out = String::new();
    let mut row = |name: &str, value: String| out.push_str(&format!("- {name}: {value}\n"));
    row("cpus per node", count(l.cpus));
    row("cards per node", count(l.cards));
    if let Some(q) = l.quota {
        row("card quota", q.to_string());
    }
    row(
        "memory per node",
        l.memory.map_or_else(|| "unknown".into(), mib),
    );
    row("nodes", count(l.nodes));
    row(
        "maxTime",
        l.max_time
            .map_or_else(|| "unknown".into(), |t| t.describe()),
    );
    out
}

fn describe(what: Hovered, job: &Job, request: &Request, limits: Option<&JudgedLimits>) -> String {
    let Some(l) = limits else {
        return match what {
            Hovered::Memory => job.memory.as_ref().map_or(String::new(), |m| {
                format!("read as {} per node", m.value.describe())
            }),
            Hovered::Walltime => job
                .walltime
                .as_ref()
                .map_or(String::new(), |w| format!("read as {}", w.value.describe())),
            _ => String::new(),
        };
    };
    match what {
        Hovered::Cpus => format!(
            "read as {} cores per node · limit {} · {}",
            count(request.cpus),
            count(l.cpus),
            headroom(request.cpus, l.cpus, &|n| n.to_string())
        ),
        Hovered::Cards => {
            let limit = match (l.cards, l.quota) {
                (Some(c), Some(q)) => Some(c.min(q)),
                (c, q) => c.or(q),
            };
            let quota = l.quota.map_or(String::new(), |q| format!(" (quota {q})"));
            format!(
                "read as {} {} cards per node · limit {}{quota} · {}",
                count(request.cards),
                job.accelerator.as_str(),
                count(l.cards),
                headroom(request.cards, limit, &|n| n.to_string())
            )
        }
        Hovered::Memory => format!(
            "read as {} per node · limit {} · {}",
            job.memory
                .as_ref()
                .map_or_else(|| "unknown".into(), |m| m.value.describe()),
            l.memory.map_or_else(|| "unknown".into(), mib),
            headroom(request.memory, l.memory, &mib)
        ),
        Hovered::Nodes => format!(
            "read as {} nodes · limit {} · {}",
            count(request.nodes),
            count(l.nodes),
            headroom(request.nodes, l.nodes, &|n| n.to_string())
        ),
        Hovered::Walltime => {
            let wanted = request.walltime.and_then(seconds);
            let room = match l.max_time {
                Some(TimeLimit::Unlimited) => "no time limit".into(),
                Some(t) => headroom(wanted, seconds(t), &hms),
                None => "no limit known for this rule".into(),
            };
            format!(
                "read as {} · maxTime {} · {room}",
                request
                    .walltime
                    .map_or_else(|| "unknown".into(), |w| w.describe()),
                l.max_time
                    .map_or_else(|| "unknown".into(), |t| t.describe()),
            )
        }
        Hovered::Group | Hovered::Accelerator => format!(
            "accelerator type `{}`; the limits judged:\n\n{}",
            job.accelerator.as_str(),
            limits_table(l)
        ),
    }
}

/// The hover at `offset`: the field's description, how its value was read,
/// the group's limit (or a local policy's stricter cap) and the headroom.
pub fn hover(
    workspace: &Workspace,
    answers: &Answers,
    path: &Path,
    text: &str,
    offset: usize,
) -> Option<HoverInfo> {
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
        let request = crate::reading::request(job, &doc.diagnostics);
        let pair = job.pair();
        let answer = pair
            .as_ref()
            .and_then(|p| source_answer(workspace, answers, p));
        let group = job.group.as_ref().map(|g| g.value.as_str()).unwrap_or("?");
        let (limits, status) = match &answer {
            Some(Lookup::Found(found)) => {
                let caps = workspace.config.caps(group);
                (Some(crate::reading::judged_limits(job, found, &caps)), None)
            }
            Some(Lookup::UnknownGroup { .. }) => (None, Some("no such resource group".to_string())),
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
        let mut md = format!("**{key}**");
        if let Some(field) = fields::get(job.kind, key) {
            md.push_str(&format!(" — {}", field.description));
        }
        md.push_str(&format!(
            "\n\nGroup `{group}` ({}). ",
            job.accelerator.as_str()
        ));
        if let Some(status) = status {
            md.push_str(&status);
            md.push_str(". ");
        }
        md.push_str(&describe(what, job, &request, limits.as_ref()));
        return Some(HoverInfo {
            span: (span.start, span.end),
            markdown: md.trim_end().to_string(),
        });
    }
    None
}

/// One completion: a key (with its description) or a value.
#[derive(Debug)]
pub struct Item {
    pub label: String,
    pub insert: String,
    pub detail: Option<String>,
    pub is_key: bool,
}

fn kind_of(text: &str, json: bool) -> DocKind {
    spec::read_file(text, json)
        .into_iter()
        .find_map(|d| d.job.map(|j| j.kind))
        .unwrap_or(if json {
            DocKind::PlatformBody
        } else {
            DocKind::JobSpec
        })
}

/// Completions at `offset`: a key's allowed values (`acceleratorType`, the
/// known resource groups: limits file, answers, `seen` in open documents)
/// after `key:`, else the keys of the document's kind not yet written.
pub fn complete(
    workspace: &Workspace,
    answers: &Answers,
    seen: &[String],
    path: &Path,
    text: &str,
    offset: usize,
) -> Vec<Item> {
    let json = is_json(path);
    let (start, _) = line_bounds(text, offset);
    let offset = crate::diag::floor_char_boundary(text, offset.min(text.len()));
    let prefix = &text[start..offset];
    // A JSON line may hold several members: the last one counts.
    let member = prefix.rsplit([',', '{']).next().unwrap_or(prefix);
    let kind = kind_of(text, json);
    if let Some((key, value)) = member.split_once(':') {
        let key = key
            .trim()
            .trim_start_matches("- ")
            .trim_matches(['"', '\'', ' ']);
        let quoted = json && !value.contains('"');
        let quote = |v: &str| {
            if quoted {
                format!("\"{v}\"")
            } else {
                v.to_string()
            }
        };
        let values: Vec<String> = if key == "resourceGroup" {
            let groups: BTreeSet<String> = workspace
                .file_groups()
                .into_iter()
                .chain(answers.groups())
                .chain(seen.iter().cloned())
                .filter(|g| !g.is_empty())
                .collect();
            groups.into_iter().collect()
        } else {
            match fields::get(kind, key).map(|f| f.ty) {
                Some(fields::Ty::OneOf { values, .. }) => {
                    values.iter().map(|v| v.to_string()).collect()
                }
                Some(fields::Ty::Bool) => vec!["true".into(), "false".into()],
                _ => Vec::new(),
            }
        };
        return values
            .into_iter()
            .map(|v| Item {
                insert: quote(&v),
                label: v,
                detail: Some(format!("{key} value")),
                is_key: false,
            })
            .collect();
    }
    let in_quotes = member.contains('"');
    fields::of(kind)
        .filter(|f| {
            !text.contains(&format!("\n{}:", f.key))
                && !text.starts_with(&format!("{}:", f.key))
                && !text.contains(&format!("\"{}\"", f.key))
        })
        .map(|f| {
            let mut detail = f.description.to_string();
            if f.required {
                detail.push_str(" (required)");
            }
            if let Some(same) = f.equivalent {
                detail.push_str(&format!(" The same as `{same}` in the other format."));
            }
            Item {
                label: f.key.to_string(),
                insert: match (json, in_quotes) {
                    (true, true) => f.key.to_string(),
                    (true, false) => format!("\"{}\": ", f.key),
                    (false, _) => format!("{}: ", f.key),
                },
                detail: Some(detail),
                is_key: true,
            }
        })
        .collect()
}

/// The text of `jobcheck explain CODE`, for a code's link.
pub fn explain(code: &str) -> Option<String> {
    crate::diag::Code::parse(code).map(crate::explain::explain)
}
