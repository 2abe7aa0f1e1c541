//! The one HTTP client and the one retry policy for every request that
//! carries a credential (minting, discovery, limits): nothing else in the
//! program builds a client or a runtime.
//!
//! - The client follows no redirect (credentials stay where they were
//!   sent), uses rustls, and never goes through a proxy to a loopback
//!   address (`http_proxy`, `HTTPS_PROXY`, `ALL_PROXY` still apply
//!   elsewhere, as reqwest reads them). Plain `http://` targets (loopback
//!   only) do not load the system's CA certificates at all.
//! - Retries: only transient failures (connection refused or reset, HTTP
//!   5xx and 429, platform code 10012), at most [`MAX_ATTEMPTS`], with
//!   exponential backoff and jitter, honouring `Retry-After` up to
//!   [`MAX_RETRY_AFTER`], and never past the run's deadline: `--timeout`
//!   bounds the whole run, every request and wait together.
//! - Certificate and other TLS failures are final, with what to do.
//!
//! The retry loop is one small function rather than a crate: it must stop
//! at a deadline shared by the whole run, refuse a `Retry-After` longer than
//! the time left, and say which of those ended it, which a general backoff
//! crate would need wrapping for anyway.

use std::future::Future;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::{StatusCode, Url};
use serde_json::Value;
use tokio::time::Instant;

use super::envelope::{self, Envelope, Shape};
use super::error::Error;

/// Attempts per request, the first included.
pub const MAX_ATTEMPTS: u32 = 3;
/// Answers larger than this are refused.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
/// The longest `Retry-After` honoured; a longer wait gives up.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(10);

/// One attempt's result.
pub enum Step<T> {
    Done(T),
    /// A transient failure: worth another attempt, after `retry_after` if
    /// the server said so.
    Retry {
        reason: String,
        retry_after: Option<Duration>,
    },
}

/// The run's deadline and the `--timeout` it came from.
#[derive(Clone, Copy, Debug)]
pub struct Deadline {
    pub at: Instant,
    pub budget: Duration,
}

/// The process's one runtime: a single worker thread that drives every
/// request (minting, discovery, limits lookups, the language server's
/// fetches). Made on first use; callers on plain threads `block_on` it or
/// `spawn` onto it, and nothing blocking (cache files) runs on it.
pub fn runtime() -> Result<&'static tokio::runtime::Runtime, Error> {
    static RUNTIME: OnceLock<Result<tokio::runtime::Runtime, String>> = OnceLock::new();
    RUNTIME
        .get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .thread_name("jobcheck-net")
                .enable_all()
                .build()
                .map_err(|e| format!("cannot start the network runtime: {e}"))
        })
        .as_ref()
        .map_err(|e| Error::Unavailable(e.clone()))
}

/// What about a target decides how its client is built: whether it is a
/// loopback address (no proxy) and whether it is plain http (no CA
/// certificates needed).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct Kind {
    loopback: bool,
    plain: bool,
}

/// The process's HTTP client for requests to `target`, built on first use
/// and shared from then on (a client holds the connection pool). Targets
/// differ only in proxy and trust store, so in a run whose addresses are
/// all https (or all loopback) this is one client. Each request carries its
/// own timeout ([`request_timeout`]); the run's deadline is the real bound.
pub fn client(target: &Url) -> Result<reqwest::Client, Error> {
    static CLIENTS: Mutex<Vec<(Kind, reqwest::Client)>> = Mutex::new(Vec::new());
    let kind = Kind {
        loopback: is_loopback(target),
        plain: target.scheme() == "http",
    };
    let mut clients = CLIENTS.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, client)) = clients.iter().find(|(k, _)| *k == kind) {
        return Ok(client.clone());
    }
    let client = build_client(kind).map_err(Error::Unavailable)?;
    clients.push((kind, client.clone()));
    Ok(client)
}

/// A request's own timeout, as a backstop to the run's deadline.
pub fn request_timeout(budget: Duration) -> Duration {
    budget + Duration::from_secs(1)
}

fn build_client(kind: Kind) -> Result<reqwest::Client, String> {
    // Only the ring provider is built in; a second install is harmless.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut builder = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("jobcheck/", env!("CARGO_PKG_VERSION")));
    if kind.loopback {
        builder = builder.no_proxy();
    }
    if kind.plain {
        // Nothing to verify: do not require the system's CA certificates.
        builder = builder.tls_certs_only(Vec::new());
    }
    builder.build().map_err(|e| {
        let text = error_chain(&e);
        if text.contains("No CA certificates") {
            no_ca_certificates()
        } else {
            format!("cannot set up the HTTP client: {text}")
        }
    })
}

/// The message for a machine without CA certificates.
pub fn no_ca_certificates() -> String {
    "no CA certificates were found on this machine, so no https:// address can be verified; \
     install them (the `ca-certificates` package: apt-get install ca-certificates, \
     dnf install ca-certificates, apk add ca-certificates) or set SSL_CERT_FILE to a PEM bundle \
     of trusted certificates"
        .to_string()
}

/// An error with its causes: "error sending request … : connection reset
/// by peer".
pub fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
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

/// What a TLS failure in an error chain was.
#[derive(Debug, PartialEq, Eq)]
pub enum Tls {
    /// The server's certificate was not accepted.
    Certificate,
    /// No trust store to check it against.
    NoRoots,
    /// The handshake failed otherwise (not TLS on the other side, no
    /// common protocol).
    Handshake,
}

fn tls_kind(e: &rustls::Error) -> Tls {
    match e {
        rustls::Error::InvalidCertificate(_)
        | rustls::Error::NoCertificatesPresented
        | rustls::Error::InvalidCertRevocationList(_) => Tls::Certificate,
        rustls::Error::General(m) if m.contains("No CA certificates") => Tls::NoRoots,
        _ => Tls::Handshake,
    }
}

/// The TLS failure in an error's chain, if any, with rustls' own words for
/// it. `io::Error` hides its inner error from `source()`, so each I/O error
/// is looked into as well.
pub fn tls_failure(e: &(dyn std::error::Error + 'static)) -> Option<(Tls, String)> {
    let found = |t: &rustls::Error| Some((tls_kind(t), t.to_string()));
    let mut next = Some(e);
    while let Some(err) = next {
        if let Some(t) = err.downcast_ref::<rustls::Error>() {
            return found(t);
        }
        if let Some(io) = err.downcast_ref::<std::io::Error>()
            && let Some(inner) = io.get_ref()
        {
            if let Some(t) = inner.downcast_ref::<rustls::Error>() {
                return found(t);
            }
            if let Some(deeper) = tls_failure(inner) {
                return Some(deeper);
            }
        }
        next = err.source();
    }
    let text = error_chain(e);
    if text.contains("No CA certificates") {
        Some((Tls::NoRoots, text))
    } else if text.contains("certificate") {
        Some((Tls::Certificate, text))
    } else {
        None
    }
}

/// A request that could not be sent or got no answer, as a step: TLS
/// failures and malformed requests are final; connection failures are
/// worth retrying. `final_` makes the caller's failure from a message.
pub fn send_failure<T>(e: reqwest::Error, what: &str, final_: impl FnOnce(String) -> T) -> Step<T> {
    let e = e.without_url();
    let cause = error_chain(&e);
    match tls_failure(&e) {
        Some((Tls::Certificate, cause)) => {
            return Step::Done(final_(format!(
                "the certificate of {what} was not accepted ({cause}); check that the address is the \
                 platform's and that this machine's clock is right; if the platform uses a private CA, \
                 set SSL_CERT_FILE to a PEM bundle holding it (certificate errors are not retried)"
            )));
        }
        Some((Tls::NoRoots, _)) => return Step::Done(final_(no_ca_certificates())),
        Some((Tls::Handshake, cause)) => {
            return Step::Done(final_(format!(
                "the TLS handshake with {what} failed ({cause}); check that the address is the \
                 platform's https:// address (not retried)"
            )));
        }
        None => {}
    }
    if e.is_timeout() {
        return Step::Done(final_(format!(
            "no answer from {what} within the timeout (change it with --timeout SECONDS)"
        )));
    }
    if e.is_builder() {
        return Step::Done(final_(format!("cannot build the request: {cause}")));
    }
    if e.is_connect() {
        return Step::Retry {
            reason: format!("cannot connect to {what}: {cause}"),
            retry_after: None,
        };
    }
    // Resets and connections closed before an answer.
    Step::Retry {
        reason: format!("the connection to {what} failed: {cause}"),
        retry_after: None,
    }
}

/// `Retry-After` in seconds (the HTTP-date form is not used by the platform).
pub fn retry_after(response: &reqwest::Response) -> Option<Duration> {
    response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs)
}

static JITTER: AtomicU64 = AtomicU64::new(0x9e37_79b9_7f4a_7c15);

/// Exponential backoff with jitter: ~250 ms, ~500 ms, … plus up to half again.
pub fn backoff(attempt: u32) -> Duration {
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

pub fn seconds_text(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 {
        format!("{s:.0} s")
    } else {
        format!("{s:.1} s")
    }
}

/// Run `attempt` (given the attempt number, from 1) until it is done, a
/// transient failure has been retried [`MAX_ATTEMPTS`] times, or the
/// run's `deadline` comes. `budget` is the `--timeout` the deadline came
/// from, and `what` names the service, for messages; `log` hears about
/// timeouts and retries (`--verbose`; the caller says which request). An
/// `Err` is the reason it failed.
pub async fn retrying<T, F, Fut>(
    deadline: Instant,
    budget: Duration,
    what: &str,
    mut attempt: F,
    mut log: impl FnMut(&str),
) -> Result<T, String>
where
    F: FnMut(u32) -> Fut,
    Fut: Future<Output = Step<T>>,
{
    let timed_out = || {
        format!(
            "no answer from {what} within {} (the timeout for the whole run; change it with --timeout SECONDS)",
            seconds_text(budget)
        )
    };
    let mut n = 0;
    loop {
        n += 1;
        if Instant::now() >= deadline {
            return Err(timed_out());
        }
        let started = Instant::now();
        let step = match tokio::time::timeout_at(deadline, attempt(n)).await {
            Ok(step) => step,
            Err(_) => {
                log(&format!(
                    "(attempt {n} of {MAX_ATTEMPTS}): no complete answer before the deadline, after {} ms",
                    started.elapsed().as_millis()
                ));
                return Err(timed_out());
            }
        };
        let (reason, retry_after) = match step {
            Step::Done(value) => return Ok(value),
            Step::Retry {
                reason,
                retry_after,
            } => (reason, retry_after),
        };
        if n >= MAX_ATTEMPTS {
            return Err(format!("{reason} (gave up after {n} attempts)"));
        }
        if let Some(wait) = retry_after
            && wait > MAX_RETRY_AFTER
        {
            return Err(format!(
                "{reason}; the server asks to wait {} before retrying, so try again later",
                seconds_text(wait)
            ));
        }
        let wait = retry_after.unwrap_or_else(|| backoff(n));
        if Instant::now() + wait >= deadline {
            return Err(format!(
                "{reason} (no time left to retry within the {} timeout)",
                seconds_text(budget)
            ));
        }
        log(&format!("retrying in {} ms ({reason})", wait.as_millis()));
        tokio::time::sleep(wait).await;
    }
}

/// A URL as it may be shown: without user name or password.
pub fn shown(url: &Url) -> String {
    if url.host().is_none() {
        // `user:pw@host` parses as scheme `user` and path `pw@host`.
        return cut_user_information(url.as_str());
    }
    let mut u = url.clone();
    if !u.username().is_empty() || u.password().is_some() {
        let _ = u.set_username("");
        let _ = u.set_password(None);
    }
    u.to_string()
}

/// Text meant as a URL, as it may be shown: what sits between `://` and an
/// `@` in the authority is cut out, even when the text is not a valid URL.
pub fn shown_text(text: &str) -> String {
    match Url::parse(text.trim()) {
        Ok(url) => shown(&url),
        Err(_) => cut_user_information(text.trim()),
    }
}

fn cut_user_information(text: &str) -> String {
    let Some(start) = text.find("://").map(|i| i + 3) else {
        return match text.rfind('@') {
            Some(at) => format!("…{}", &text[at..]),
            None => text.to_string(),
        };
    };
    let rest = &text[start..];
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..end].rfind('@') {
        Some(at) => format!("{}{}", &text[..start], &rest[at + 1..]),
        None => text.to_string(),
    }
}

/// The scheme, host and port of a URL, as messages name a service.
pub fn origin(url: &Url) -> String {
    url.origin().ascii_serialization()
}

/// `base` with `path` appended to its own path, without query or fragment.
pub fn join(base: &Url, path: &str) -> Url {
    let mut url = base.clone();
    url.set_query(None);
    url.set_fragment(None);
    let prefix = base.path().trim_end_matches('/').to_string();
    url.set_path(&format!("{prefix}/{path}"));
    url
}

/// An address that credentials are sent to: https (plain http only to a
/// loopback address), with a host and no user name or password in it.
/// `name` says where it came from (`--endpoint`, `JOBCHECK_AUTH_URL`),
/// `sends` what would be exposed. Messages never echo the user information.
pub fn secure_base(url: &Url, name: &str, sends: &str) -> Result<(), Error> {
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::Usage(format!(
            "{name} `{}` must not carry a user name or password (left out here); \
             credentials come from the environment or --token-file",
            shown(url)
        )));
    }
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(url) => {}
        "http" => {
            return Err(Error::Usage(format!(
                "{name} `{}` uses plain http://, which would send {sends} unencrypted; \
                 use https:// (plain http is allowed only to loopback addresses: \
                 127.0.0.0/8, [::1] and `localhost`)",
                shown(url)
            )));
        }
        other => {
            return Err(Error::Usage(format!(
                "{name} `{}`: the scheme `{other}` is not supported; use https://",
                shown(url)
            )));
        }
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(Error::Usage(format!("{name} `{}` has no host", shown(url))));
    }
    Ok(())
}

/// A loopback address: a literal 127.0.0.0/8 or ::1, or exactly the name
/// `localhost` (which resolvers answer locally). Other names, even under
/// `.localhost`, may be resolved through DNS and are not loopback.
pub fn is_loopback(url: &Url) -> bool {
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

/// Why a body was not read whole.
pub enum BodyError {
    /// Larger than [`MAX_BODY_BYTES`]: final.
    TooLarge,
    /// Cut off (worth another attempt), with the cause.
    CutOff(String),
}

/// The body of an answer, up to [`MAX_BODY_BYTES`] (a declared length over
/// it is refused before anything is read).
pub async fn read_body(mut response: reqwest::Response) -> Result<Vec<u8>, BodyError> {
    if response
        .content_length()
        .is_some_and(|n| n > MAX_BODY_BYTES as u64)
    {
        return Err(BodyError::TooLarge);
    }
    let mut body: Vec<u8> = Vec::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                if body.len() + chunk.len() > MAX_BODY_BYTES {
                    return Err(BodyError::TooLarge);
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok(body),
            Err(e) => return Err(BodyError::CutOff(error_chain(&e.without_url()))),
        }
    }
}

/// One request for an envelope (minting, discovery), through the shared
/// client and retry policy, within the run's deadline. `what` names the
/// service; `hide` blanks secrets out of what the answer may show.
/// Redirects are not followed (credentials stay where they were sent).
pub fn envelope_request(
    what: &str,
    target: &Url,
    deadline: Deadline,
    hide: &dyn Fn(&str) -> String,
    build: impl Fn(&reqwest::Client) -> reqwest::RequestBuilder,
) -> Result<Envelope, Error> {
    let runtime = runtime()?;
    let client = client(target)?;
    let timeout = request_timeout(deadline.budget);
    runtime.block_on(async {
        let attempt = |_| envelope_once(what, build(&client).timeout(timeout), hide);
        retrying(deadline.at, deadline.budget, what, attempt, |_| {})
            .await
            .and_then(|r| r)
            .map_err(Error::Unavailable)
    })
}

async fn envelope_once(
    what: &str,
    request: reqwest::RequestBuilder,
    hide: &dyn Fn(&str) -> String,
) -> Step<Result<Envelope, String>> {
    let response = match request.send().await {
        Ok(r) => r,
        Err(e) => return send_failure(e, what, Err),
    };
    let status = response.status();
    if status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS {
        return Step::Retry {
            reason: format!("{what} answered HTTP {status}"),
            retry_after: retry_after(&response),
        };
    }
    if status.is_redirection() {
        return Step::Done(Err(format!(
            "{what} redirected (HTTP {status}); redirects are not followed so credentials are not sent elsewhere"
        )));
    }
    if !status.is_success() {
        return Step::Done(Err(format!("{what} answered HTTP {status}")));
    }
    let body = match read_body(response).await {
        Ok(body) => body,
        Err(BodyError::TooLarge) => {
            return Step::Done(Err(format!(
                "the answer of {what} is larger than {} MiB; refused",
                MAX_BODY_BYTES / (1024 * 1024)
            )));
        }
        Err(BodyError::CutOff(cause)) => {
            return Step::Retry {
                reason: format!("the answer of {what} was cut off: {cause}"),
                retry_after: None,
            };
        }
    };
    match envelope::parse(&body, hide) {
        Ok(envelope) => Step::Done(Ok(envelope)),
        Err(Shape::NotObject) => {
            Step::Done(Err(format!("the answer of {what} is not a JSON object")))
        }
        Err(Shape::NotJson { error, .. }) => {
            Step::Done(Err(format!("the answer of {what} is not JSON ({error})")))
        }
    }
}

/// A JSON value with `hide` applied to every string and key.
pub fn redact_value(value: Value, hide: &dyn Fn(&str) -> String) -> Value {
    match value {
        Value::String(s) => Value::String(hide(&s)),
        Value::Array(items) => {
            Value::Array(items.into_iter().map(|v| redact_value(v, hide)).collect())
        }
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (hide(&k), redact_value(v, hide)))
                .collect(),
        ),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows() {
        let a = backoff(1);
        let b = backoff(2);
        assert!(a >= Duration::from_millis(250) && a <= Duration::from_millis(375));
        assert!(b >= Duration::from_millis(500) && b <= Duration::from_millis(750));
    }

    #[test]
    fn user_information_is_never_shown() {
        let u = Url::parse("https://user:pw@host:1/p?q").unwrap();
        assert_eq!(shown(&u), "https://host:1/p?q");
        assert_eq!(shown_text("https://u:pw@[bad/x"), "https://[bad/x");
        assert_eq!(shown_text("u:pw@host"), "…@host");
        assert_eq!(shown_text("https://host/a@b"), "https://host/a@b");
        assert!(!shown_text("ftp://a:pw@h@x/").contains("pw"));
    }

    #[test]
    fn certificate_errors_are_final() {
        let cert = rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer);
        assert_eq!(tls_kind(&cert), Tls::Certificate);
        let wrapped = std::io::Error::other(cert);
        let (kind, words) = tls_failure(&wrapped).unwrap();
        assert_eq!(kind, Tls::Certificate);
        assert!(words.contains("UnknownIssuer"), "{words}");
        let roots = std::io::Error::other(rustls::Error::General(
            "No CA certificates were loaded from the system".into(),
        ));
        assert_eq!(tls_failure(&roots).unwrap().0, Tls::NoRoots);
        let corrupt = std::io::Error::other(rustls::Error::InvalidMessage(
            rustls::InvalidMessage::InvalidContentType,
        ));
        assert_eq!(tls_failure(&corrupt).unwrap().0, Tls::Handshake);
        let reset = std::io::Error::from(std::io::ErrorKind::ConnectionReset);
        assert_eq!(tls_failure(&reset), None);
    }

    /// Two requests in one process go through one client (its pool keeps
    /// the connection) and one runtime: the server sees one connection.
    #[test]
    fn one_client_and_runtime_per_process() {
        use std::io::{BufRead, BufReader, Write};
        use std::sync::atomic::AtomicUsize;
        assert!(std::ptr::eq(runtime().unwrap(), runtime().unwrap()));
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let accepted = std::sync::Arc::new(AtomicUsize::new(0));
        let count = accepted.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { return };
                count.fetch_add(1, Ordering::SeqCst);
                std::thread::spawn(move || {
                    let mut reader = BufReader::new(stream.try_clone().unwrap());
                    let mut writer = stream;
                    loop {
                        let mut line = String::new();
                        loop {
                            line.clear();
                            match reader.read_line(&mut line) {
                                Ok(0) | Err(_) => return,
                                Ok(_) if line == "\r\n" => break,
                                Ok(_) => {}
                            }
                        }
                        let body = r#"{"code":"0","msg":"ok","data":{}}"#;
                        let answer = format!(
                            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
                            body.len()
                        );
                        if writer.write_all(answer.as_bytes()).is_err() {
                            return;
                        }
                    }
                });
            }
        });
        let target = Url::parse(&format!("http://127.0.0.1:{port}/x")).unwrap();
        let budget = Duration::from_secs(20);
        const REQUESTS: usize = 5;
        for _ in 0..REQUESTS {
            let deadline = Deadline {
                at: Instant::now() + budget,
                budget,
            };
            let hide = |s: &str| s.to_string();
            envelope_request("the test server", &target, deadline, &hide, |c| {
                c.get(target.clone())
            })
            .unwrap();
            // A connection goes back to the pool a moment after its body is
            // read; on a loaded machine the next request may start first and
            // open another. A client per request would open one every time.
            std::thread::sleep(Duration::from_millis(50));
        }
        let opened = accepted.load(Ordering::SeqCst);
        assert!(
            opened < REQUESTS,
            "{opened} connections for {REQUESTS} requests: no reuse"
        );
    }

    #[test]
    fn retries_stop_at_the_deadline() {
        let rt = runtime().unwrap();
        rt.block_on(async {
            let budget = Duration::from_millis(300);
            let deadline = Instant::now() + budget;
            let mut calls = 0;
            let r: Result<(), String> = retrying(
                deadline,
                budget,
                "x",
                |_| {
                    calls += 1;
                    async {
                        Step::Retry {
                            reason: "busy".into(),
                            retry_after: None,
                        }
                    }
                },
                |_| {},
            )
            .await;
            // Stopped by the deadline: before a retry that would pass it, or
            // (on a loaded machine, where the wait itself ran late) at it.
            let e = r.unwrap_err();
            assert!(e.contains("no time left") || e.contains("no answer"), "{e}");
            // Not a hang (only a hang guard: the machine may be busy).
            assert!(Instant::now() < deadline + Duration::from_secs(60));
            assert!((1..=2).contains(&calls));
            let r: Result<u8, String> = retrying(
                Instant::now() + Duration::from_secs(5),
                budget,
                "x",
                |n| async move {
                    if n < 2 {
                        Step::Retry {
                            reason: "busy".into(),
                            retry_after: Some(Duration::from_millis(1)),
                        }
                    } else {
                        Step::Done(7)
                    }
                },
                |_| {},
            )
            .await;
            assert_eq!(r.unwrap(), 7);
        });
    }
}
