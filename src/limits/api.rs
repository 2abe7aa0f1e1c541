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
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::Url;
use serde_json::Value;
use tokio::time::Instant;

use crate::limits::auth;
use crate::limits::cache::{self, Cache, Cached, Key};
use crate::limits::fetch::Fetch;
use crate::limits::net::{self, shown, shown_text};
use crate::limits::token::{Claims, TOKEN_HELP, Token};

pub use crate::limits::fetch::limits_from_data;
pub(crate) use crate::limits::fetch::{clip, code_meaning, origin};
pub use crate::limits::net::{MAX_ATTEMPTS, MAX_RETRY_AFTER};
use crate::limits::{LimitSource, Lookup, Pair};

/// The path under the AI base.
pub const RESOURCES_PATH: &str = "ai/openapi/v2/instance-service/resources";
/// Requests in flight at once.
pub const CONCURRENCY: usize = 16;
/// Answers larger than this are refused.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
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
    /// The most the whole run's requests may take (minting, discovery and
    /// limits, retries included), counted from [`ApiSource::from_env`].
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
    /// `timeout` after the run's first request could be made.
    deadline: Instant,
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
            clip(&shown_text(endpoint))
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
/// loopback address), with a host and no user name or password in it.
/// `name` says where it came from (`--endpoint`, `JOBCHECK_AUTH_URL`),
/// `sends` what would be exposed. Messages never echo the user information.
pub(crate) fn secure_base(url: &Url, name: &str, sends: &str) -> Result<(), SetupError> {
    if !url.username().is_empty() || url.password().is_some() {
        return Err(SetupError::usage(format!(
            "{name} `{}` must not carry a user name or password (left out here); \
             credentials come from the environment or --token-file",
            shown(url)
        )));
    }
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(url) => {}
        "http" => {
            return Err(SetupError::usage(format!(
                "{name} `{}` uses plain http://, which would send {sends} unencrypted; \
                 use https:// (plain http is allowed only to loopback addresses: \
                 127.0.0.0/8, [::1] and `localhost`)",
                shown(url)
            )));
        }
        other => {
            return Err(SetupError::usage(format!(
                "{name} `{}`: the scheme `{other}` is not supported; use https://",
                shown(url)
            )));
        }
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(SetupError::usage(format!(
            "{name} `{}` has no host",
            shown(url)
        )));
    }
    Ok(())
}

/// A loopback address: a literal 127.0.0.0/8 or ::1, or exactly the name
/// `localhost` (which resolvers answer locally). Other names, even under
/// `.localhost`, may be resolved through DNS and are not loopback.
pub(crate) fn is_loopback(url: &Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    // IPv6 hosts come bracketed; the URL parser has normalised IPv4 ones.
    let literal = host.strip_prefix('[').and_then(|h| h.strip_suffix(']'));
    match literal.unwrap_or(host).parse::<IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => host.eq_ignore_ascii_case("localhost"),
    }
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
            // Regular files only, and only up to a cap: `/dev/zero` or a
            // FIFO is refused at once instead of filling memory or hanging.
            let bytes =
                crate::fsread::read_capped(path, crate::fsread::TOKEN_CAP).map_err(|e| {
                    let why = match e {
                        crate::fsread::ReadError::TooLarge(_) => format!(
                            "it is larger than {}; it should hold just the token",
                            crate::fsread::size_text(crate::fsread::TOKEN_CAP)
                        ),
                        other => other.to_string(),
                    };
                    SetupError::usage(format!(
                        "cannot read the token file `{}`: {why}",
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
        // One deadline for every request of the run.
        let deadline = Instant::now() + options.timeout;
        let auth::Credential { token, endpoint } = auth::credential(&options, deadline)?;
        let url = resources_url(&endpoint)?;
        let claims = token.claims();
        if let Some(message) = token.expired(now_ms()) {
            if options.cache_mode == CacheMode::Offline {
                eprintln!("warning: {message}; answering from the cache only (--offline)");
            } else {
                return Err(SetupError::unavailable(message));
            }
        }
        let cache = match cache::trusted_dir(options.cache_dir).map_err(SetupError::usage)? {
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
            deadline,
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

/// `text` with the token, and any long piece of it, blanked out.
pub(crate) fn redact(text: &str, token: &Token) -> String {
    token.redact(text)
}

/// A JSON value with the token blanked out of every string and key.
pub(crate) fn redact_value(value: Value, token: &Token) -> Value {
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
pub(crate) enum Outcome {
    Found(Value),
    UnknownGroup,
    Failed(String),
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
        let runtime = match net::runtime() {
            Ok(rt) => rt,
            Err(e) => {
                for pair in super::distinct(pairs) {
                    let lookup = self
                        .cached_answer(&pair, &cache_key(&endpoint, &identity, &pair))
                        .unwrap_or_else(|| Lookup::Unavailable { reason: e.clone() });
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
    /// The run's deadline: a hung server costs at most --timeout in all,
    /// however many pairs wait in the queue.
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
        Ok(Fetcher {
            client: net::client(&self.url, self.timeout)?,
            limit: Arc::new(tokio::sync::Semaphore::new(CONCURRENCY)),
            deadline: self.deadline,
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

#[cfg(test)]
mod tests {
    use super::*;

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
        assert!(resources_url("http://127.8.9.10:1").is_ok());
        assert!(resources_url("http://LOCALHOST:1").is_ok());
        for name in [
            "http://foo.localhost:1",
            "http://localhost.:1",
            "http://localhost.example:1",
            "http://[::2]:1",
            "http://0.0.0.0:1",
        ] {
            assert_eq!(resources_url(name).unwrap_err().code, 2, "{name}");
        }
        assert_eq!(resources_url("http://example.invalid").unwrap_err().code, 2);
        assert_eq!(resources_url("ftp://h").unwrap_err().code, 2);
        assert_eq!(resources_url("not a url").unwrap_err().code, 2);
    }
}
