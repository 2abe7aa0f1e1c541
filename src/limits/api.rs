//! The platform API as a limit source: one limits request
//! ([`crate::platform::resources`]) per distinct pair, concurrently (at most
//! [`CONCURRENCY`] at a time), all bounded by one deadline; answers go
//! through a local [`Cache`]. Warnings, `--verbose` lines and progress go
//! to the [`Sink`] the front gives; nothing here prints.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver};
use std::time::Duration;

use reqwest::Url;
use serde_json::Value;
use tokio::time::Instant;

use crate::credentials::{self, Credential};
use crate::limits::cache::{self, Cache, Cached, Key};
use crate::limits::{LimitSource, Limits, Lookup, Loose, Pair};
use crate::platform::http::{self, Deadline};
use crate::platform::notice::{Notice, Sink};
use crate::platform::resources::{self, Outcome, Request, resources_url};
use crate::platform::token::{Claims, Token};
use crate::platform::{clip, now_ms};

pub use crate::platform::cache_dir::CacheMode;

/// Requests in flight at once. A cold run waits about one round trip per
/// `CONCURRENCY` pairs, so this many pairs are asked in one round (most runs
/// name far fewer); the platform sees one request per pair either way.
pub const CONCURRENCY: usize = 32;
/// The defaults, defined once, by the settings resolver.
pub use crate::config::settings::{DEFAULT_CACHE_TTL, DEFAULT_TIMEOUT};
/// How often progress is reported while requests are in flight.
const PROGRESS_EVERY: Duration = Duration::from_millis(120);

/// Everything but the token, which comes from the environment.
#[derive(Clone, Debug)]
pub struct ApiOptions {
    /// The AI address; `None`: discovered from the token (see [`credentials`]).
    pub endpoint: Option<String>,
    /// `cluster` in jobcheck.toml: whose token to mint (`JOBCHECK_CLUSTER` wins).
    pub cluster: Option<String>,
    /// `--token-file` / `JOBCHECK_TOKEN_FILE`; else `JOBCHECK_TOKEN`.
    pub token_file: Option<PathBuf>,
    /// The token and discovery services' bases; `None`: the defaults.
    pub auth_url: Option<String>,
    pub ac_url: Option<String>,
    /// The most the whole run's requests may take (minting, discovery and
    /// limits, retries included), counted from [`ApiSource::from_env`].
    pub timeout: Duration,
    pub cache_ttl: Duration,
    pub cache_mode: CacheMode,
    /// `None`: [`cache::default_dir`].
    pub cache_dir: Option<PathBuf>,
    /// Report progress to the sink (which shows it on a terminal).
    pub progress: bool,
    /// Report each request to the sink (`--verbose`): method, URL, status,
    /// attempt, elapsed time and the headers sent, the token redacted.
    pub verbose: bool,
}

impl ApiOptions {
    pub fn new(endpoint: &str) -> ApiOptions {
        ApiOptions {
            endpoint: Some(endpoint.to_string()),
            cluster: None,
            token_file: None,
            auth_url: None,
            ac_url: None,
            timeout: DEFAULT_TIMEOUT,
            cache_ttl: DEFAULT_CACHE_TTL,
            cache_mode: CacheMode::Normal,
            cache_dir: None,
            progress: true,
            verbose: false,
        }
    }

    /// The options the resolved settings give (the cache mode, progress
    /// and `--verbose` are the front's to set).
    pub fn from_settings(api: &crate::config::settings::Api) -> ApiOptions {
        ApiOptions {
            endpoint: api.endpoint.clone(),
            cluster: api.cluster.clone(),
            token_file: api.token_file.clone(),
            auth_url: api.auth_url.clone(),
            ac_url: api.ac_url.clone(),
            timeout: api.timeout,
            cache_ttl: api.cache_ttl,
            ..ApiOptions::new("")
        }
    }

    fn credentials(&self) -> credentials::Options {
        credentials::Options {
            endpoint: self.endpoint.clone(),
            cluster: self.cluster.clone(),
            token_file: self.token_file.clone(),
            auth_url: self.auth_url.clone(),
            ac_url: self.ac_url.clone(),
            cache_ttl: self.cache_ttl,
            cache_mode: self.cache_mode,
            cache_dir: self.cache_dir.clone(),
        }
    }
}

pub struct ApiSource {
    /// The resources URL, without query.
    url: Url,
    token: Token,
    claims: Claims,
    /// `--timeout`, ending after the run's first request could be made.
    deadline: Deadline,
    cache: Cache,
    mode: CacheMode,
    progress: bool,
    verbose: bool,
    sink: Arc<dyn Sink>,
}

impl fmt::Debug for ApiSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiSource")
            .field("url", &self.url.as_str())
            .field("token", &self.token)
            .field("claims", &self.claims)
            .field("timeout", &self.deadline.budget)
            .field("mode", &self.mode)
            .finish()
    }
}

impl ApiSource {
    /// Check the endpoint, get the token (from `JOBCHECK_TOKEN`, the token
    /// file, or minted with an access key), discover the endpoint when none
    /// is given, and refuse an expired token before anything else is sent.
    /// Warnings and `--verbose` lines, now and during lookups, go to `sink`.
    pub fn from_env(
        options: ApiOptions,
        sink: Arc<dyn Sink>,
    ) -> Result<ApiSource, credentials::Error> {
        // One deadline for every request of the run.
        let deadline = Deadline {
            at: Instant::now() + options.timeout,
            budget: options.timeout,
        };
        let Credential { token, endpoint } =
            credentials::credential(&options.credentials(), deadline, sink.as_ref())?;
        let url = resources_url(&endpoint)?;
        let claims = token.claims();
        if let Some(message) = token.expired(now_ms()) {
            if options.cache_mode == CacheMode::Offline {
                sink.notice(Notice::warning(format!(
                    "{message}; answering from the cache only (--offline)"
                )));
            } else {
                return Err(credentials::Error::Unavailable(message));
            }
        }
        let cache = match cache::trusted_dir(options.cache_dir)? {
            Some(dir) => Cache::new(Some(dir), options.cache_ttl),
            None => {
                if options.cache_mode == CacheMode::Offline {
                    sink.notice(Notice::warning(
                        "no cache directory (set JOBCHECK_CACHE_DIR or HOME), so --offline has nothing to answer from",
                    ));
                }
                Cache::disabled()
            }
        };
        Ok(ApiSource {
            url,
            token,
            claims,
            deadline,
            cache,
            mode: options.cache_mode,
            progress: options.progress,
            verbose: options.verbose,
            sink,
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
    /// reading files. The process's runtime does only the network: a reader
    /// thread takes the pairs and reads the cache, and this thread answers
    /// and writes the cache, so no request waits on a slow disk.
    fn lookup_stream(&self, pairs: Receiver<Pair>, answer: &mut dyn FnMut(Pair, Lookup)) {
        let endpoint = self.url.as_str().to_string();
        let identity = self.identity();
        let log: Option<Arc<dyn Sink>> = self.verbose.then(|| self.sink.clone());
        let limit = Arc::new(tokio::sync::Semaphore::new(CONCURRENCY));
        let (tx, events) = mpsc::channel::<Event>();
        let (mut started, mut done) = (0usize, 0usize);
        let mut cache_ok = true;
        // When every pair is in already (a run of a few files), the cached
        // ones are answered here, and with all of them cached no thread is
        // started: under load, a hand-over to another thread waits for a core.
        let mut early = Vec::new();
        loop {
            match pairs.try_recv() {
                Ok(pair) => early.push(pair),
                Err(mpsc::TryRecvError::Empty) => break,
                Err(mpsc::TryRecvError::Disconnected) => {
                    let mut seen: HashSet<Pair> = HashSet::new();
                    let mut rest = Vec::new();
                    for pair in early {
                        if !seen.insert(pair.clone()) {
                            continue;
                        }
                        match self.cached_answer(&pair, &cache_key(&endpoint, &identity, &pair)) {
                            Some(lookup) => answer(pair, lookup),
                            None => rest.push(pair),
                        }
                    }
                    if rest.is_empty() {
                        return;
                    }
                    early = rest;
                    break;
                }
            }
        }
        std::thread::scope(|scope| {
            let (endpoint, identity) = (&endpoint, &identity);
            scope.spawn(move || {
                // The runtime and client, got on the first pair to fetch.
                let mut net: Option<
                    Result<(&tokio::runtime::Runtime, reqwest::Client), crate::platform::Error>,
                > = None;
                let mut seen: HashSet<Pair> = HashSet::new();
                for pair in early.into_iter().chain(pairs) {
                    if !seen.insert(pair.clone()) {
                        continue;
                    }
                    if let Some(lookup) =
                        self.cached_answer(&pair, &cache_key(endpoint, identity, &pair))
                    {
                        let _ = tx.send(Event::Answer(pair, lookup));
                        continue;
                    }
                    let net =
                        net.get_or_insert_with(|| Ok((http::runtime()?, http::client(&self.url)?)));
                    let (runtime, client) = match net {
                        Ok((runtime, client)) => (*runtime, client.clone()),
                        Err(e) => {
                            let reason = e.message().to_string();
                            let _ = tx.send(Event::Answer(pair, Lookup::Unavailable { reason }));
                            continue;
                        }
                    };
                    let _ = tx.send(Event::Started);
                    let url = resources::query(&self.url, &pair.group, pair.accelerator.as_str());
                    let token = self.token.clone();
                    let (limit, deadline, log, tx) =
                        (limit.clone(), self.deadline, log.clone(), tx.clone());
                    runtime.spawn(async move {
                        let outcome = match limit.acquire_owned().await {
                            Ok(_permit) => {
                                let request = Request {
                                    client: &client,
                                    url: &url,
                                    token: &token,
                                    deadline,
                                    log: log.as_deref(),
                                };
                                request.run().await
                            }
                            Err(_) => Outcome::Failed("the request queue closed".into()),
                        };
                        let _ = tx.send(Event::Fetched(pair, outcome));
                    });
                }
            });
            // Every sender is the reader's or a request's: the loop ends when
            // the pairs are in and every request has answered.
            loop {
                match events.recv_timeout(PROGRESS_EVERY) {
                    Ok(Event::Answer(pair, lookup)) => answer(pair, lookup),
                    Ok(Event::Started) => {
                        started += 1;
                        self.report_progress(done, started);
                    }
                    Ok(Event::Fetched(pair, outcome)) => {
                        done += 1;
                        self.report_progress(done, started);
                        let key = cache_key(endpoint, identity, &pair);
                        let lookup = self.settle(&pair, &key, outcome, &mut cache_ok);
                        answer(pair, lookup);
                    }
                    Err(mpsc::RecvTimeoutError::Timeout) => {
                        if done < started {
                            self.report_progress(done, started);
                        }
                    }
                    Err(mpsc::RecvTimeoutError::Disconnected) => break,
                }
            }
        });
        if started > 0 && self.progress {
            self.sink.finished();
        }
    }
}

/// What the reader thread and the requests tell the answering thread.
enum Event {
    /// Answered without the network (the cache, or a setup failure).
    Answer(Pair, Lookup),
    /// A request was started.
    Started,
    /// A request's outcome, with the pair it was for.
    Fetched(Pair, Outcome),
}

fn cache_key<'a>(endpoint: &'a str, identity: &'a str, pair: &'a Pair) -> Key<'a> {
    Key {
        endpoint,
        identity,
        group: &pair.group,
        accelerator: pair.accelerator.as_str(),
    }
}

impl ApiSource {
    fn report_progress(&self, done: usize, started: usize) {
        if self.progress {
            self.sink.progress(done, started);
        }
    }

    /// The cache's answer for a pair, if it may be used; with --offline, an
    /// answer in every case.
    fn cached_answer(&self, pair: &Pair, key: &Key) -> Option<Lookup> {
        if self.mode != CacheMode::Refresh
            && let Some(entry) = self.cache.get(key)
            && (entry.fresh || self.mode == CacheMode::Offline)
        {
            if !entry.fresh {
                self.sink.notice(Notice::warning(format!(
                    "using a cached answer for resource group `{}` ({}) from {} ago, older than the cache TTL (--offline)",
                    pair.group,
                    pair.accelerator.as_str(),
                    age_text(entry.age)
                )));
            }
            return Some(match entry.answer {
                Cached::Found(data) => Lookup::from_limits(
                    limits_from_data(&data, pair, self.sink.as_ref()),
                    "the cached answer",
                ),
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
                Lookup::from_limits(
                    limits_from_data(&data, pair, self.sink.as_ref()),
                    "the platform's answer",
                ),
                Some(Cached::Found(data)),
            ),
            Outcome::UnknownGroup => (
                Lookup::UnknownGroup { known: Vec::new() },
                Some(Cached::UnknownGroup),
            ),
            Outcome::Failed(reason) => (
                Lookup::Unavailable {
                    reason: self.token.redact(&reason),
                },
                None,
            ),
        };
        if let Some(entry) = remember
            && *cache_ok
            && !self.holds_token(&entry)
            && let Err(e) = self.cache.put(key, &entry)
        {
            let message = self.token.redact(&e.message);
            if e.whole_cache {
                self.sink.notice(Notice::warning(format!(
                    "{message}; going on without the cache"
                )));
                *cache_ok = false;
            } else {
                self.sink.notice(Notice::warning(format!(
                    "{message}; this answer is not cached"
                )));
            }
        }
        lookup
    }

    /// A server that echoes the token back must not get it into the cache.
    fn holds_token(&self, entry: &Cached) -> bool {
        match entry {
            Cached::Found(data) => {
                let text = data.to_string();
                self.token.redact(&text) != text
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
/// to `sink`; a missing `resourceGroup` is the one asked for. An answer in
/// which nothing at all can be read is no answer: [`crate::limits::Lookup::from_limits`]
/// makes its jobs unjudged.
pub fn limits_from_data(data: &Value, pair: &Pair, sink: &dyn Sink) -> Limits {
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
                        sink.notice(Notice::warning(format!(
                            "the platform's `{field}` for resource group `{}` cannot be read ({}); that limit is treated as unknown",
                            pair.group,
                            clip(&message)
                        )));
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
        accelerator_type: Some(pair.accelerator),
        ..Limits::new(pair.group.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::notice::Collect;
    use crate::vocab::AccelType;
    use serde_json::json;

    #[test]
    fn lenient_data() {
        let pair = Pair {
            group: "G".into(),
            accelerator: AccelType::Gpu,
        };
        let sink = Collect::default();
        let l = limits_from_data(
            &json!({"cpuNumber": "40", "gpuNumber": "many", "memorySize": null, "maxTime": [1]}),
            &pair,
            &sink,
        );
        assert_eq!(l.resource_group, "G");
        assert_eq!(l.cpu_number(), Some(40));
        assert_eq!(l.gpu_number(), None);
        assert_eq!(l.memory_size(), None);
        assert_eq!(l.max_time, None);
        let told: Vec<String> = sink.take().iter().map(ToString::to_string).collect();
        assert_eq!(told.len(), 2, "{told:?}");
        assert!(
            told[0].starts_with("warning: the platform's `gpuNumber`"),
            "{told:?}"
        );
        let l = limits_from_data(&json!({"resourceGroup": 7, "cpuNumber": 1}), &pair, &sink);
        assert_eq!(l.cpu_number(), Some(1));
    }
}
