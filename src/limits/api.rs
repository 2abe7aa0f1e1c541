//! The platform API as a limit source:
//! `GET {aiBase}/ai/openapi/v2/instance-service/resources?resourceGroup=…&acceleratorType=…`
//! with header `token`. One request per distinct pair, concurrently (at most
//! [`CONCURRENCY`] at a time), all bounded by one deadline and retried only on
//! transient failures; answers go through a local [`Cache`].

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::io::{IsTerminal, Write};
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::{StatusCode, Url};
use serde_json::Value;
use tokio::time::Instant;

use crate::limits::auth;
use crate::limits::cache::{self, Cache, Cached, Key};
use crate::limits::token::{self, Claims, TOKEN_HELP, Token};
use crate::limits::{LimitSource, Limits, Lookup, Loose, Pair};

/// The path under the AI base.
pub const RESOURCES_PATH: &str = "ai/openapi/v2/instance-service/resources";
/// Requests in flight at once.
pub const CONCURRENCY: usize = 16;
/// Attempts per pair, the first included.
pub const MAX_ATTEMPTS: u32 = 3;
/// Answers larger than this are refused.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
/// The longest `Retry-After` honoured; a longer wait gives up.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(10);
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
pub const DEFAULT_CACHE_TTL: Duration = Duration::from_secs(15 * 60);
/// Fetching longer than this shows a progress line (on a terminal).
const PROGRESS_AFTER: Duration = Duration::from_millis(300);

/// Why the API cannot be used at all (before any job is judged).
#[derive(Debug)]
pub struct SetupError {
    pub message: String,
    pub code: u8,
}

impl fmt::Display for SetupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl SetupError {
    pub fn exit_code(&self) -> u8 {
        self.code
    }

    pub(crate) fn usage(message: impl Into<String>) -> SetupError {
        SetupError {
            message: message.into(),
            code: 2,
        }
    }

    pub(crate) fn unavailable(message: impl Into<String>) -> SetupError {
        SetupError {
            message: message.into(),
            code: 3,
        }
    }
}

/// How the cache is used.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum CacheMode {
    /// Fresh entries answer; the rest is fetched and remembered.
    #[default]
    Normal,
    /// Entries are not read (answers are still remembered).
    Refresh,
    /// Entries only, stale ones too; nothing is fetched.
    Offline,
}

/// Everything but the token, which comes from the environment.
#[derive(Clone, Debug)]
pub struct ApiOptions {
    /// The AI address; `None`: discovered from the token (see [`auth`]).
    pub endpoint: Option<String>,
    /// `cluster` in jobcheck.toml: whose token to mint (`JOBCHECK_CLUSTER` wins).
    pub cluster: Option<String>,
    /// `--token-file` / `JOBCHECK_TOKEN_FILE`; else `JOBCHECK_TOKEN`.
    pub token_file: Option<PathBuf>,
    /// The most the fetch may take, retries included.
    pub timeout: Duration,
    pub cache_ttl: Duration,
    pub cache_mode: CacheMode,
    /// `None`: [`cache::default_dir`].
    pub cache_dir: Option<PathBuf>,
    /// Show a progress line on a terminal.
    pub progress: bool,
    /// Log each request to stderr (`--verbose`): method, URL, status,
    /// attempt, elapsed time and the headers sent, the token redacted.
    pub verbose: bool,
}

impl ApiOptions {
    pub fn new(endpoint: &str) -> ApiOptions {
        ApiOptions {
            endpoint: Some(endpoint.to_string()),
            cluster: None,
            token_file: None,
            timeout: DEFAULT_TIMEOUT,
            cache_ttl: DEFAULT_CACHE_TTL,
            cache_mode: CacheMode::Normal,
            cache_dir: None,
            progress: true,
            verbose: false,
        }
    }
}

pub struct ApiSource {
    /// The resources URL, without query.
    url: Url,
    token: Token,
    claims: Claims,
    timeout: Duration,
    cache: Cache,
    mode: CacheMode,
    progress: bool,
    verbose: bool,
}

impl fmt::Debug for ApiSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiSource")
            .field("url", &self.url.as_str())
            .field("token", &self.token)
            .field("claims", &self.claims)
            .field("timeout", &self.timeout)
            .field("mode", &self.mode)
            .finish()
    }
}

/// The resources URL for an AI base: `https://h:p` and `https://h:p/ai/` both
/// give `https://h:p/ai/openapi/v2/instance-service/resources`. Plain
/// `http://` is refused except to loopback hosts.
pub fn resources_url(endpoint: &str) -> Result<Url, SetupError> {
    let base = Url::parse(endpoint.trim()).map_err(|e| {
        SetupError::usage(format!(
            "--endpoint `{}` is not a URL ({e}); give the platform's AI address, e.g. https://host:port",
            endpoint.trim()
        ))
    })?;
    secure_base(&base, "--endpoint", "the token")?;
    let mut path = base.path().trim_end_matches('/').to_string();
    if path.ends_with("/ai") {
        path.truncate(path.len() - 3);
    }
    let mut url = base.clone();
    url.set_query(None);
    url.set_fragment(None);
    url.set_path(&format!("{path}/{RESOURCES_PATH}"));
    Ok(url)
}

/// An address that credentials are sent to: https (plain http only to a
/// loopback host), with a host and no user name or password in it. `name`
/// says where it came from (`--endpoint`, `JOBCHECK_AUTH_URL`), `sends` what
/// would be exposed.
pub(crate) fn secure_base(url: &Url, name: &str, sends: &str) -> Result<(), SetupError> {
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(url) => {}
        "http" => {
            return Err(SetupError::usage(format!(
                "{name} `{}` uses plain http://, which would send {sends} unencrypted; \
                 use https:// (plain http is allowed only to loopback addresses)",
                url.as_str()
            )));
        }
        other => {
            return Err(SetupError::usage(format!(
                "{name} `{}`: the scheme `{other}` is not supported; use https://",
                url.as_str()
            )));
        }
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(SetupError::usage(format!(
            "{name} `{}` has no host",
            url.as_str()
        )));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(SetupError::usage(format!(
            "{name} must not carry a user name or password; credentials come from the environment or --token-file"
        )));
    }
    Ok(())
}

pub(crate) fn is_loopback(url: &Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = host.parse::<IpAddr>() {
        return ip.is_loopback();
    }
    let d = host.trim_end_matches('.').to_ascii_lowercase();
    d == "localhost" || d.ends_with(".localhost")
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

pub(crate) fn read_token(file: Option<&PathBuf>) -> Result<Token, SetupError> {
    let (text, origin) = match file {
        Some(path) => {
            let meta = std::fs::metadata(path).map_err(|e| {
                SetupError::usage(format!(
                    "cannot read the token file `{}`: {e}",
                    path.display()
                ))
            })?;
            if meta.len() > 64 * 1024 {
                return Err(SetupError::usage(format!(
                    "the token file `{}` is larger than 64 KiB; it should hold just the token",
                    path.display()
                )));
            }
            let bytes = std::fs::read(path).map_err(|e| {
                SetupError::usage(format!(
                    "cannot read the token file `{}`: {e}",
                    path.display()
                ))
            })?;
            let text = String::from_utf8(bytes).map_err(|_| {
                SetupError::usage(format!(
                    "the token file `{}` is not text (UTF-8)",
                    path.display()
                ))
            })?;
            (text, format!("the token file `{}`", path.display()))
        }
        None => match std::env::var("JOBCHECK_TOKEN") {
            Ok(text) => (text, "JOBCHECK_TOKEN".to_string()),
            Err(std::env::VarError::NotUnicode(_)) => {
                return Err(SetupError::usage("JOBCHECK_TOKEN is not valid text"));
            }
            Err(std::env::VarError::NotPresent) => {
                return Err(SetupError::usage(format!(
                    "no token: set JOBCHECK_TOKEN, or give --token-file PATH (or JOBCHECK_TOKEN_FILE); \
                     a token is never taken as a command-line value. To {TOKEN_HELP}"
                )));
            }
        },
    };
    Token::new(&text).map_err(|e| SetupError::usage(format!("{origin}: {e}")))
}

impl ApiSource {
    /// Check the endpoint, get the token (from `JOBCHECK_TOKEN`, the token
    /// file, or minted with an access key), discover the endpoint when none
    /// is given, and refuse an expired token before anything else is sent.
    pub fn from_env(options: ApiOptions) -> Result<ApiSource, SetupError> {
        let auth::Credential { token, endpoint } = auth::credential(&options)?;
        let url = resources_url(&endpoint)?;
        let claims = token.claims();
        if let Some(expiry) = claims.expire_ms
            && expiry <= now_ms()
        {
            let who = match (&claims.user, &claims.cluster_id) {
                (Some(u), Some(c)) => format!(" (user {u}, cluster {c})"),
                (Some(u), None) => format!(" (user {u})"),
                _ => String::new(),
            };
            let message = format!(
                "the token expired on {}{who}; {TOKEN_HELP}",
                token::utc_text(expiry)
            );
            if options.cache_mode == CacheMode::Offline {
                eprintln!("warning: {message}; answering from the cache only (--offline)");
            } else {
                return Err(SetupError::unavailable(message));
            }
        }
        // Only the ring provider is built in; a second install is harmless.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let cache = match options.cache_dir.or_else(cache::default_dir) {
            Some(dir) => Cache::new(Some(dir), options.cache_ttl),
            None => {
                if options.cache_mode == CacheMode::Offline {
                    eprintln!(
                        "warning: no cache directory (set JOBCHECK_CACHE_DIR or HOME), so --offline has nothing to answer from"
                    );
                }
                Cache::disabled()
            }
        };
        Ok(ApiSource {
            url,
            token,
            claims,
            timeout: options.timeout,
            cache,
            mode: options.cache_mode,
            progress: options.progress,
            verbose: options.verbose,
        })
    }

    pub fn claims(&self) -> &Claims {
        &self.claims
    }

    fn identity(&self) -> String {
        match (&self.claims.user, &self.claims.cluster_id) {
            (Some(u), c) => format!("user={u};cluster={}", c.as_deref().unwrap_or("")),
            _ => format!("token-sha256={}", self.token.fingerprint()),
        }
    }

    fn redact(&self, text: &str) -> String {
        redact(text, &self.token)
    }
}

/// `text` with any occurrence of the token (or its JWT parts) blanked out.
pub(crate) fn redact(text: &str, token: &Token) -> String {
    let secret = token.expose();
    let mut out = text.replace(secret, "<redacted>");
    for part in secret.split('.').filter(|p| p.len() >= 16) {
        out = out.replace(part, "<redacted>");
    }
    out
}

/// A JSON value with the token blanked out of every string and key.
fn redact_value(value: Value, token: &Token) -> Value {
    match value {
        Value::String(s) => Value::String(redact(&s, token)),
        Value::Array(items) => {
            Value::Array(items.into_iter().map(|v| redact_value(v, token)).collect())
        }
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (redact(&k, token), redact_value(v, token)))
                .collect(),
        ),
        other => other,
    }
}

/// What one pair came to.
#[derive(Debug)]
enum Outcome {
    Found(Value),
    UnknownGroup,
    Failed(String),
}

/// One attempt's result.
enum Step {
    Done(Outcome),
    Transient {
        reason: String,
        retry_after: Option<Duration>,
    },
}

impl LimitSource for ApiSource {
    fn lookup(&self, pairs: &[Pair]) -> Vec<Lookup> {
        let (tx, rx) = mpsc::channel();
        for pair in pairs {
            let _ = tx.send(pair.clone());
        }
        drop(tx);
        let mut got: HashMap<Pair, Lookup> = HashMap::new();
        self.lookup_stream(rx, &mut |pair, lookup| {
            got.insert(pair, lookup);
        });
        pairs
            .iter()
            .map(|p| {
                got.get(p).cloned().unwrap_or(Lookup::Unavailable {
                    reason: "no answer".into(),
                })
            })
            .collect()
    }

    /// Cached pairs are answered at once; the others are fetched as soon as
    /// they arrive (at most [`CONCURRENCY`] at a time), while the run goes on
    /// reading files.
    fn lookup_stream(&self, pairs: Receiver<Pair>, answer: &mut dyn FnMut(Pair, Lookup)) {
        let endpoint = self.url.as_str().to_string();
        let identity = self.identity();
        let runtime = match tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            Ok(rt) => rt,
            Err(e) => {
                for pair in super::distinct(pairs) {
                    let lookup = self
                        .cached_answer(&pair, &cache_key(&endpoint, &identity, &pair))
                        .unwrap_or_else(|| Lookup::Unavailable {
                            reason: format!("cannot start the network runtime: {e}"),
                        });
                    answer(pair, lookup);
                }
                return;
            }
        };
        // The pairs come from plain threads; a small bridge hands them to the
        // runtime as they come.
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Pair>();
        let bridge = std::thread::spawn(move || {
            for pair in pairs {
                if tx.send(pair).is_err() {
                    break;
                }
            }
        });
        let show_progress = self.progress && std::io::stderr().is_terminal();
        runtime.block_on(async {
            let mut seen: HashSet<Pair> = HashSet::new();
            let mut set = tokio::task::JoinSet::new();
            let mut asked: HashMap<tokio::task::Id, Pair> = HashMap::new();
            // The client, made on the first pair that must be fetched.
            let mut fetch: Option<Result<Fetcher, String>> = None;
            let mut progress: Option<tokio::task::JoinHandle<()>> = None;
            let started = Arc::new(AtomicUsize::new(0));
            let done = Arc::new(AtomicUsize::new(0));
            let mut open = true;
            let mut cache_ok = true;
            loop {
                tokio::select! {
                    received = rx.recv(), if open => {
                        let Some(pair) = received else {
                            open = false;
                            continue;
                        };
                        if !seen.insert(pair.clone()) {
                            continue;
                        }
                        if let Some(lookup) = self.cached_answer(&pair, &cache_key(&endpoint, &identity, &pair)) {
                            answer(pair, lookup);
                            continue;
                        }
                        let fetcher = match fetch.get_or_insert_with(|| self.fetcher()) {
                            Ok(f) => f,
                            Err(reason) => {
                                let reason = reason.clone();
                                answer(pair, Lookup::Unavailable { reason });
                                continue;
                            }
                        };
                        if show_progress && progress.is_none() {
                            progress = Some(tokio::spawn(show(started.clone(), done.clone())));
                        }
                        started.fetch_add(1, Ordering::Relaxed);
                        let client = fetcher.client.clone();
                        let mut url = self.url.clone();
                        url.query_pairs_mut()
                            .append_pair("resourceGroup", &pair.group)
                            .append_pair("acceleratorType", pair.accelerator.as_str());
                        let token = self.token.clone();
                        let limit = fetcher.limit.clone();
                        let (deadline, span) = (fetcher.deadline, self.timeout);
                        let done = done.clone();
                        let verbose = self.verbose;
                        let handle = set.spawn(async move {
                            let outcome = match limit.acquire_owned().await {
                                Ok(_permit) => {
                                    let fetch = Fetch {
                                        client: &client,
                                        url: &url,
                                        token: &token,
                                        deadline,
                                        span,
                                        verbose,
                                    };
                                    fetch.run().await
                                }
                                Err(_) => Outcome::Failed("the request queue closed".into()),
                            };
                            done.fetch_add(1, Ordering::Relaxed);
                            outcome
                        });
                        asked.insert(handle.id(), pair);
                    }
                    Some(joined) = set.join_next_with_id(), if !set.is_empty() => {
                        let (id, outcome) = match joined {
                            Ok((id, outcome)) => (id, outcome),
                            Err(e) => (e.id(), Outcome::Failed("the request task failed".into())),
                        };
                        if let Some(pair) = asked.remove(&id) {
                            let lookup = self.settle(&pair, &cache_key(&endpoint, &identity, &pair), outcome, &mut cache_ok);
                            answer(pair, lookup);
                        }
                    }
                    else => break,
                }
            }
            if let Some(handle) = progress {
                handle.abort();
                let _ = handle.await;
                let mut err = std::io::stderr().lock();
                let _ = write!(err, "\r\x1b[2K");
                let _ = err.flush();
            }
        });
        let _ = bridge.join();
    }
}

fn cache_key<'a>(endpoint: &'a str, identity: &'a str, pair: &'a Pair) -> Key<'a> {
    Key {
        endpoint,
        identity,
        group: &pair.group,
        accelerator: pair.accelerator.as_str(),
    }
}

/// What fetching needs, made once per run on the first pair to fetch.
struct Fetcher {
    client: reqwest::Client,
    limit: Arc<tokio::sync::Semaphore>,
    /// One deadline for the whole fetch: a hung server costs at most
    /// --timeout, however many pairs wait in the queue.
    deadline: Instant,
}

/// The progress line, after [`PROGRESS_AFTER`], until aborted.
async fn show(started: Arc<AtomicUsize>, done: Arc<AtomicUsize>) {
    tokio::time::sleep(PROGRESS_AFTER).await;
    let mut tick = 0usize;
    loop {
        let n = done.load(Ordering::Relaxed);
        let total = started.load(Ordering::Relaxed);
        let spin = ['|', '/', '-', '\\'][tick % 4];
        {
            let mut err = std::io::stderr().lock();
            let _ = write!(
                err,
                "\r\x1b[2K{spin} fetching limits from the platform: {n}/{total} resource groups"
            );
            let _ = err.flush();
        }
        tick += 1;
        tokio::time::sleep(Duration::from_millis(120)).await;
    }
}

impl ApiSource {
    /// The cache's answer for a pair, if it may be used; with --offline, an
    /// answer in every case.
    fn cached_answer(&self, pair: &Pair, key: &Key) -> Option<Lookup> {
        if self.mode != CacheMode::Refresh
            && let Some(entry) = self.cache.get(key)
            && (entry.fresh || self.mode == CacheMode::Offline)
        {
            if !entry.fresh {
                eprintln!(
                    "warning: using a cached answer for resource group `{}` ({}) from {} ago, older than the cache TTL (--offline)",
                    pair.group,
                    pair.accelerator.as_str(),
                    age_text(entry.age)
                );
            }
            return Some(match entry.answer {
                Cached::Found(data) => {
                    Lookup::from_limits(limits_from_data(&data, pair), "the cached answer")
                }
                Cached::UnknownGroup => Lookup::UnknownGroup { known: Vec::new() },
            });
        }
        (self.mode == CacheMode::Offline).then(|| Lookup::Unavailable {
            reason: "--offline, and no cached answer for this pair; run once without --offline to fill the cache".into(),
        })
    }

    /// A fetched outcome as an answer, remembered in the cache when it is a
    /// fact about the group.
    fn settle(&self, pair: &Pair, key: &Key, outcome: Outcome, cache_ok: &mut bool) -> Lookup {
        let (lookup, remember) = match outcome {
            Outcome::Found(data) => (
                Lookup::from_limits(limits_from_data(&data, pair), "the platform's answer"),
                Some(Cached::Found(data)),
            ),
            Outcome::UnknownGroup => (
                Lookup::UnknownGroup { known: Vec::new() },
                Some(Cached::UnknownGroup),
            ),
            Outcome::Failed(reason) => (
                Lookup::Unavailable {
                    reason: self.redact(&reason),
                },
                None,
            ),
        };
        if let Some(entry) = remember
            && *cache_ok
            && !self.holds_token(&entry)
            && let Err(e) = self.cache.put(key, &entry)
        {
            if e.whole_cache {
                eprintln!(
                    "warning: {}; going on without the cache",
                    self.redact(&e.message)
                );
                *cache_ok = false;
            } else {
                eprintln!(
                    "warning: {}; this answer is not cached",
                    self.redact(&e.message)
                );
            }
        }
        lookup
    }

    fn fetcher(&self) -> Result<Fetcher, String> {
        let client = reqwest::Client::builder()
            .connect_timeout(self.timeout.min(Duration::from_secs(10)))
            // A backstop: the fetch deadline normally ends first.
            .timeout(self.timeout + Duration::from_secs(1))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| format!("cannot set up the HTTP client: {}", error_chain(&e)))?;
        Ok(Fetcher {
            client,
            limit: Arc::new(tokio::sync::Semaphore::new(CONCURRENCY)),
            deadline: Instant::now() + self.timeout,
        })
    }

    /// A server that echoes the token back must not get it into the cache.
    fn holds_token(&self, entry: &Cached) -> bool {
        match entry {
            Cached::Found(data) => {
                let text = data.to_string();
                redact(&text, &self.token) != text
            }
            Cached::UnknownGroup => false,
        }
    }
}

fn age_text(age: Duration) -> String {
    let s = age.as_secs();
    match s {
        0..120 => format!("{s} s"),
        120..7200 => format!("{} min", s / 60),
        7200..172_800 => format!("{} h", s / 3600),
        _ => format!("{} days", s / 86_400),
    }
}

/// A reqwest error with its causes: "error sending request … : connection
/// reset by peer". URLs carry no secret (the token is a header).
pub(crate) fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let part = s.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = s.source();
    }
    text
}

static JITTER: AtomicU64 = AtomicU64::new(0x9e37_79b9_7f4a_7c15);

/// Exponential backoff with jitter: ~250 ms, ~500 ms, … plus up to half again.
fn backoff(attempt: u32) -> Duration {
    let base = 250u64 << attempt.saturating_sub(1).min(6);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos() as u64)
        .unwrap_or(0);
    let mut x = JITTER.fetch_add(nanos | 1, Ordering::Relaxed) ^ nanos;
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    Duration::from_millis(base + x % (base / 2 + 1))
}

/// One pair's fetch: attempts, retries, and the `--verbose` log.
struct Fetch<'a> {
    client: &'a reqwest::Client,
    url: &'a Url,
    token: &'a Token,
    deadline: Instant,
    span: Duration,
    verbose: bool,
}

impl Fetch<'_> {
    /// A `--verbose` line on stderr, with the token blanked out however it
    /// got there.
    fn log(&self, line: &str) {
        if self.verbose {
            eprintln!("debug: {}", redact(line, self.token));
        }
    }

    async fn run(&self) -> Outcome {
        let (client, url, token, deadline, span) =
            (self.client, self.url, self.token, self.deadline, self.span);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let started = Instant::now();
            let request = match build_request(client, url, token) {
                Ok(r) => r,
                Err(e) => {
                    return Outcome::Failed(format!(
                        "cannot build the request: {}",
                        error_chain(&e.without_url())
                    ));
                }
            };
            let sent = if self.verbose {
                headers_text(&request)
            } else {
                String::new()
            };
            let mut status = None;
            let step = match tokio::time::timeout_at(
                deadline,
                attempt_once(client, request, token, &mut status),
            )
            .await
            {
                Ok(step) => step,
                Err(_) => {
                    self.log(&format!(
                        "GET {url} (attempt {attempt} of {MAX_ATTEMPTS}): {}, no complete answer within the timeout after {} ms; headers sent: {sent}",
                        status.map_or("no status".to_string(), |s| format!("HTTP {s}")),
                        started.elapsed().as_millis()
                    ));
                    return Outcome::Failed(format!(
                        "no answer from {} within {} (the timeout; change it with --timeout SECONDS)",
                        origin(url),
                        seconds_text(span)
                    ));
                }
            };
            if self.verbose {
                let what = match (&status, &step) {
                    (Some(s), _) => format!("HTTP {s}"),
                    (None, Step::Done(Outcome::Failed(reason)))
                    | (None, Step::Transient { reason, .. }) => format!("no status ({reason})"),
                    (None, _) => "no status".to_string(),
                };
                self.log(&format!(
                    "GET {url} (attempt {attempt} of {MAX_ATTEMPTS}): {what} in {} ms; headers sent: {sent}",
                    started.elapsed().as_millis()
                ));
            }
            let (reason, retry_after) = match step {
                Step::Done(outcome) => return outcome,
                Step::Transient {
                    reason,
                    retry_after,
                } => (reason, retry_after),
            };
            if attempt >= MAX_ATTEMPTS {
                return Outcome::Failed(format!("{reason} (gave up after {attempt} attempts)"));
            }
            if let Some(wait) = retry_after
                && wait > MAX_RETRY_AFTER
            {
                return Outcome::Failed(format!(
                    "{reason}; the server asks to wait {} before retrying, so try again later",
                    seconds_text(wait)
                ));
            }
            let wait = retry_after.unwrap_or_else(|| backoff(attempt));
            if Instant::now() + wait >= deadline {
                return Outcome::Failed(format!(
                    "{reason} (no time left to retry within the {} timeout)",
                    seconds_text(span)
                ));
            }
            self.log(&format!(
                "GET {url}: retrying in {} ms ({reason})",
                wait.as_millis()
            ));
            tokio::time::sleep(wait).await;
        }
    }
}

fn build_request(
    client: &reqwest::Client,
    url: &Url,
    token: &Token,
) -> reqwest::Result<reqwest::Request> {
    client
        .get(url.clone())
        .header("token", token.expose())
        .header("accept", "application/json")
        .header(
            "user-agent",
            concat!("jobcheck/", env!("CARGO_PKG_VERSION")),
        )
        .build()
}

/// The headers a request carries, for `--verbose`: the token's value is
/// never shown.
fn headers_text(request: &reqwest::Request) -> String {
    request
        .headers()
        .iter()
        .map(|(name, value)| {
            if name.as_str().eq_ignore_ascii_case("token") {
                format!("{name}: <redacted>")
            } else {
                format!("{name}: {}", clip(value.to_str().unwrap_or("<not text>")))
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn seconds_text(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 {
        format!("{s:.0} s")
    } else {
        format!("{s:.1} s")
    }
}

pub(crate) fn origin(url: &Url) -> String {
    url.origin().ascii_serialization()
}

/// One request. `status` is set as soon as the answer's head arrives, so a
/// caller that gives up on a slow body can still say what it was.
async fn attempt_once(
    client: &reqwest::Client,
    request: reqwest::Request,
    token: &Token,
    status_seen: &mut Option<StatusCode>,
) -> Step {
    let url = request.url().clone();
    let response = match client.execute(request).await {
        Ok(r) => r,
        Err(e) => {
            if e.is_timeout() {
                return Step::Done(Outcome::Failed(format!(
                    "no answer from {} within the timeout (change it with --timeout SECONDS)",
                    origin(&url)
                )));
            }
            let (connect, builder) = (e.is_connect(), e.is_builder());
            let cause = error_chain(&e.without_url());
            if connect {
                return Step::Transient {
                    reason: format!("cannot connect to {}: {cause}", origin(&url)),
                    retry_after: None,
                };
            }
            if builder {
                return Step::Done(Outcome::Failed(format!(
                    "cannot build the request: {cause}"
                )));
            }
            // Resets and connections closed before an answer.
            return Step::Transient {
                reason: format!("the connection to {} failed: {cause}", origin(&url)),
                retry_after: None,
            };
        }
    };
    let status = response.status();
    *status_seen = Some(status);
    if status == StatusCode::TOO_MANY_REQUESTS {
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        return Step::Transient {
            reason: format!("the platform is rate limiting requests (HTTP {status})"),
            retry_after,
        };
    }
    if status.is_server_error() {
        return Step::Transient {
            reason: format!("the platform answered HTTP {status}"),
            retry_after: None,
        };
    }
    if status.is_redirection() {
        let to = response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("elsewhere");
        return Step::Done(Outcome::Failed(format!(
            "the platform redirected (HTTP {status}) to {}; redirects are not followed so the token is not sent elsewhere: set --endpoint to the platform's AI address",
            clip(&redact(to, token))
        )));
    }
    if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
        return Step::Done(Outcome::Failed(format!(
            "the platform refused the token (HTTP {status}); {TOKEN_HELP}"
        )));
    }
    if !status.is_success() {
        return Step::Done(Outcome::Failed(format!(
            "the platform answered HTTP {status}; check that --endpoint is the platform's AI address"
        )));
    }
    if response
        .content_length()
        .is_some_and(|n| n > MAX_BODY_BYTES as u64)
    {
        return Step::Done(Outcome::Failed(too_large()));
    }
    let mut body: Vec<u8> = Vec::new();
    let mut response = response;
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                if body.len() + chunk.len() > MAX_BODY_BYTES {
                    return Step::Done(Outcome::Failed(too_large()));
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => break,
            Err(e) => {
                return Step::Transient {
                    reason: format!("the answer was cut off: {}", error_chain(&e.without_url())),
                    retry_after: None,
                };
            }
        }
    }
    interpret(&body, token)
}

fn too_large() -> String {
    format!(
        "the platform's answer is larger than {} MiB, which no limits answer is; refused",
        MAX_BODY_BYTES / (1024 * 1024)
    )
}

/// Server text fit for a one-line message: control characters out, clipped.
pub(crate) fn clip(text: &str) -> String {
    let clean: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let clean = clean.trim();
    if clean.chars().count() > 200 {
        format!("{}…", clean.chars().take(200).collect::<String>())
    } else {
        clean.to_string()
    }
}

/// The meaning of a platform error code, and what to do about it.
pub(crate) fn code_meaning(code: &str) -> Option<(&'static str, &'static str)> {
    Some(match code {
        "10001" => ("internal error", "the platform failed; try again later"),
        "10003" => (
            "missing parameters",
            "the request lacked a parameter; check the job's resourceGroup and accelerator type",
        ),
        "10004" => (
            "invalid parameters",
            "the resource group or accelerator type is not valid",
        ),
        "10007" => (
            "user frozen",
            "the account is frozen: ask the platform administrator to unfreeze it",
        ),
        "10008" => (
            "insufficient permission",
            "ask the platform administrator for access to this resource group, or if the token is stale",
        ),
        "10009" => (
            "no permission for this API",
            "ask the platform administrator to grant this user the instance-service API, or if the token is stale",
        ),
        "10010" => ("file check failed", "try again later"),
        "10011" => ("file too large", "try again later"),
        "10012" => (
            "connection interrupted",
            "the platform's connection broke; try again",
        ),
        _ => return None,
    })
}

/// What an answer's body means. Whatever of it may reach a message or the
/// limits has the token blanked out first, so that clipping a long text
/// cannot cut the token in two and slip a piece past [`redact`].
fn interpret(body: &[u8], token: &Token) -> Step {
    let value: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => {
            let text = redact(&String::from_utf8_lossy(body), token);
            let start: String = text.chars().take(80).collect();
            return Step::Done(Outcome::Failed(format!(
                "the platform's answer is not JSON ({e}); it starts with `{}`",
                clip(&start)
            )));
        }
    };
    let Value::Object(map) = &value else {
        return Step::Done(Outcome::Failed(
            "the platform's answer has the wrong shape: expected an object with `code` and `data`"
                .into(),
        ));
    };
    let code = match map.get("code") {
        Some(Value::String(s)) => redact(s.trim(), token),
        Some(Value::Number(n)) => n.to_string(),
        _ => {
            return Step::Done(Outcome::Failed(
                "the platform's answer has the wrong shape: no `code` string".into(),
            ));
        }
    };
    let msg = map
        .get("msg")
        .and_then(Value::as_str)
        .map(|m| clip(&redact(m, token)))
        .filter(|m| !m.is_empty());
    if code == "0" {
        return match map.get("data") {
            Some(data @ Value::Object(_)) => {
                Step::Done(Outcome::Found(redact_value(data.clone(), token)))
            }
            Some(Value::Null) | None => Step::Done(Outcome::Failed(
                "the platform answered success (code \"0\") but without `data`".into(),
            )),
            Some(_) => Step::Done(Outcome::Failed(
                "the platform's answer has the wrong shape: `data` is not an object".into(),
            )),
        };
    }
    if code == "10004" {
        return Step::Done(Outcome::UnknownGroup);
    }
    let said = msg.map(|m| format!(": \"{m}\"")).unwrap_or_default();
    let text = match code_meaning(&code) {
        Some((meaning, todo)) => {
            let todo = if matches!(code.as_str(), "10008" | "10009") {
                format!("{todo}: {TOKEN_HELP}")
            } else {
                todo.to_string()
            };
            format!("the platform answered code {code} ({meaning}){said}; {todo}")
        }
        None => format!(
            "the platform answered error code {}{said}, which jobcheck does not know; the limits could not be had",
            clip(&code)
        ),
    };
    if code == "10012" {
        return Step::Transient {
            reason: text,
            retry_after: None,
        };
    }
    Step::Done(Outcome::Failed(text))
}

fn loose(v: Option<&Value>) -> Loose<'_> {
    match v {
        None => Loose::Missing,
        Some(Value::Null) => Loose::Null,
        Some(Value::Number(n)) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => Loose::Int(i as i128),
            (_, Some(u), _) => Loose::Int(u as i128),
            (_, _, Some(f)) => Loose::Float(f),
            _ => Loose::Other("a number"),
        },
        Some(Value::String(s)) => Loose::Str(s),
        Some(Value::Bool(_)) => Loose::Other("a boolean"),
        Some(Value::Array(_)) => Loose::Other("a list"),
        Some(Value::Object(_)) => Loose::Other("a mapping"),
    }
}

/// A limit set from an answer's `data`, leniently: a field that cannot be
/// read is unknown (`None`, so its rule warns `limit-unknown`), with a note
/// on stderr; a missing `resourceGroup` is the one asked for. An answer in
/// which nothing at all can be read is no answer: [`Lookup::from_limits`]
/// makes its jobs unjudged.
pub fn limits_from_data(data: &Value, pair: &Pair) -> Limits {
    let mut bad: Vec<&'static str> = Vec::new();
    loop {
        let get = |name: &str| {
            if bad.contains(&name) {
                return Loose::Missing;
            }
            match (name, loose(data.get(name))) {
                ("resourceGroup", Loose::Missing | Loose::Null) => Loose::Str(&pair.group),
                ("resourceGroup", Loose::Str(s)) if s.trim().is_empty() => Loose::Str(&pair.group),
                (_, l) => l,
            }
        };
        match Limits::from_fields(get) {
            Ok(mut limits) => {
                if limits.accelerator_type.is_none() {
                    limits.accelerator_type = Some(pair.accelerator);
                }
                return limits;
            }
            Err(errors) => {
                let before = bad.len();
                for (field, message) in errors {
                    if field == "resourceGroup" {
                        continue;
                    }
                    if !bad.contains(&field) {
                        eprintln!(
                            "warning: the platform's `{field}` for resource group `{}` cannot be read ({}); that limit is treated as unknown",
                            pair.group,
                            clip(&message)
                        );
                        bad.push(field);
                    }
                }
                if bad.len() == before {
                    // Only resourceGroup was wrong (e.g. not a string): use the pair's.
                    let mut limits = Limits::from_fields(|name| {
                        if name == "resourceGroup" {
                            Loose::Str(&pair.group)
                        } else if bad.contains(&name) {
                            Loose::Missing
                        } else {
                            loose(data.get(name))
                        }
                    })
                    .unwrap_or_else(|_| empty_limits(pair));
                    if limits.accelerator_type.is_none() {
                        limits.accelerator_type = Some(pair.accelerator);
                    }
                    return limits;
                }
            }
        }
    }
}

fn empty_limits(pair: &Pair) -> Limits {
    Limits {
        resource_group: pair.group.clone(),
        accelerator_type: Some(pair.accelerator),
        cpu_number: None,
        gpu_number: None,
        nv_limits: None,
        dcu_limits: None,
        mlu_limits: None,
        memory_size: None,
        node_number: None,
        max_time: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::AccelType;
    use serde_json::json;

    #[test]
    fn urls() {
        let want = "https://h:8443/ai/openapi/v2/instance-service/resources";
        for base in [
            "https://h:8443",
            "https://h:8443/",
            "https://h:8443/ai",
            "https://h:8443/ai/",
        ] {
            assert_eq!(resources_url(base).unwrap().as_str(), want, "{base}");
        }
        assert_eq!(
            resources_url("https://h/p/ai").unwrap().as_str(),
            "https://h/p/ai/openapi/v2/instance-service/resources"
        );
        assert!(resources_url("http://127.0.0.1:1").is_ok());
        assert!(resources_url("http://[::1]:1").is_ok());
        assert!(resources_url("http://localhost:1").is_ok());
        assert_eq!(resources_url("http://example.invalid").unwrap_err().code, 2);
        assert_eq!(resources_url("ftp://h").unwrap_err().code, 2);
        assert_eq!(resources_url("not a url").unwrap_err().code, 2);
    }

    #[test]
    fn lenient_data() {
        let pair = Pair {
            group: "G".into(),
            accelerator: AccelType::Gpu,
        };
        let l = limits_from_data(
            &json!({"cpuNumber": "40", "gpuNumber": "many", "memorySize": null, "maxTime": [1]}),
            &pair,
        );
        assert_eq!(l.resource_group, "G");
        assert_eq!(l.cpu_number, Some(40));
        assert_eq!(l.gpu_number, None);
        assert_eq!(l.memory_size, None);
        assert_eq!(l.max_time, None);
        let l = limits_from_data(&json!({"resourceGroup": 7, "cpuNumber": 1}), &pair);
        assert_eq!(l.cpu_number, Some(1));
    }

    fn interpret_(body: &[u8]) -> Step {
        interpret(body, &Token::new("unit-test-token-0123456789").unwrap())
    }

    #[test]
    fn codes() {
        assert!(matches!(
            interpret_(br#"{"code":"10004","msg":"x"}"#),
            Step::Done(Outcome::UnknownGroup)
        ));
        assert!(matches!(
            interpret_(br#"{"code":"10012"}"#),
            Step::Transient { .. }
        ));
        let Step::Done(Outcome::Failed(m)) = interpret_(br#"{"code":"99999","msg":"odd"}"#) else {
            panic!()
        };
        assert!(m.contains("99999") && m.contains("odd"));
        assert!(matches!(
            interpret_(br#"{"code":"0","data":{"cpuNumber":1}}"#),
            Step::Done(Outcome::Found(_))
        ));
        assert!(matches!(interpret_(b"[1]"), Step::Done(Outcome::Failed(_))));
    }

    #[test]
    fn backoff_grows() {
        let a = backoff(1);
        let b = backoff(2);
        assert!(a >= Duration::from_millis(250) && a <= Duration::from_millis(375));
        assert!(b >= Duration::from_millis(500) && b <= Duration::from_millis(750));
    }
}
