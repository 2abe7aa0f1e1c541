//! Credentials without a hand-made token: minting one with an access key
//! (the AK/SK method), finding the platform's AI address from a token, and a
//! private cache of both.
//!
//! - **Minting**: `POST {authBase}/api/user/v3/tokens` with headers `user`,
//!   `accessKey`, `timestamp` (epoch seconds) and `signature`, the lowercase
//!   hex HMAC-SHA256, keyed with the secret key, of the compact JSON
//!   `{"accessKey":"…","timestamp":"…","user":"…"}` (that key order). The
//!   answer lists one token per cluster; [`choose`] picks the region's.
//! - **Discovery**: `GET {acBase}/ac/openapi/v2/center` with header `token`;
//!   the first `data.aiUrls` entry whose `enable` is "true" gives the AI
//!   address.
//! - **Cache**: one entry per (auth base, user, access key id, cluster asked
//!   for), and one per given token's discovered address, kept until
//!   [`RENEW_MARGIN`] before the token's `expireTime`, sealed as
//!   [`crate::limits::sealed`] describes: no cache file holds a usable token
//!   in clear, and no one without the secret key (or the token) can change
//!   where the token is sent. A changed secret key simply mints again. The
//!   secret key itself is never stored or printed.

use std::fmt;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hmac::{Hmac, KeyInit, Mac};
use reqwest::{StatusCode, Url};
use serde_json::Value;
use sha2::Sha256;
use tokio::time::Instant;

use crate::limits::api::{self, ApiOptions, CacheMode, SetupError, clip, origin};
use crate::limits::cache;
use crate::limits::net::{self, Step, error_chain, shown_text};
use crate::limits::sealed::{Entry, SealKey, Store, entry_name};
use crate::limits::token::{Token, hex};

type HmacSha256 = Hmac<Sha256>;

pub const DEFAULT_AUTH_BASE: &str = "https://api.scnet.cn";
pub const DEFAULT_AC_BASE: &str = "https://www.scnet.cn";
pub const TOKENS_PATH: &str = "api/user/v3/tokens";
pub const CENTER_PATH: &str = "ac/openapi/v2/center";
/// A cached token is renewed this long before it expires.
pub const RENEW_MARGIN: Duration = Duration::from_secs(5 * 60);
/// Answers larger than this are refused.
const MAX_BODY_BYTES: usize = 1024 * 1024;

const AKSK_VARS: [&str; 3] = [
    "JOBCHECK_USER",
    "JOBCHECK_ACCESS_KEY",
    "JOBCHECK_SECRET_KEY",
];

/// A secret key: never shown by `Debug`.
#[derive(Clone)]
pub struct Secret(String);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// An access key pair and the user it belongs to.
#[derive(Clone, Debug)]
pub struct AkSk {
    pub user: String,
    pub access_key: String,
    pub secret: Secret,
}

fn env_text(name: &str) -> Result<Option<String>, SetupError> {
    match std::env::var(name) {
        Ok(v) if v.trim().is_empty() => Ok(None),
        Ok(v) => Ok(Some(v.trim().to_string())),
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => {
            Err(SetupError::usage(format!("{name} is not valid text")))
        }
    }
}

impl AkSk {
    /// `JOBCHECK_USER`, `JOBCHECK_ACCESS_KEY` and `JOBCHECK_SECRET_KEY`; `None`
    /// when none is set, a usage error when only some are.
    pub fn from_env() -> Result<Option<AkSk>, SetupError> {
        let mut values = Vec::new();
        for name in AKSK_VARS {
            values.push(env_text(name)?);
        }
        let missing: Vec<&str> = AKSK_VARS
            .iter()
            .zip(&values)
            .filter(|(_, v)| v.is_none())
            .map(|(n, _)| *n)
            .collect();
        if missing.len() == AKSK_VARS.len() {
            return Ok(None);
        }
        if !missing.is_empty() {
            return Err(SetupError::usage(format!(
                "an access key needs JOBCHECK_USER, JOBCHECK_ACCESS_KEY and JOBCHECK_SECRET_KEY; {} not set",
                missing.join(" and ")
            )));
        }
        let mut values = values.into_iter().flatten();
        let (Some(user), Some(access_key), Some(secret)) =
            (values.next(), values.next(), values.next())
        else {
            return Ok(None);
        };
        Ok(Some(AkSk {
            user,
            access_key,
            secret: Secret(secret),
        }))
    }
}

/// True when some credential is configured: a token (variable or file) or
/// any of the access key variables. Without one, there is nothing to ask
/// the platform with. Empty variables do not count: CI systems set secrets
/// to "" where they are withheld (pull requests from forks).
pub fn credential_configured(token_file: Option<&Path>) -> bool {
    let set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty());
    token_file.is_some() || set("JOBCHECK_TOKEN") || AKSK_VARS.iter().any(|n| set(n))
}

/// The text that is signed: compact JSON with the keys in this order, each
/// value a JSON string (escaped as JSON requires).
pub fn signing_text(access_key: &str, timestamp: &str, user: &str) -> String {
    let s = |v: &str| Value::String(v.to_string()).to_string();
    format!(
        "{{\"accessKey\":{},\"timestamp\":{},\"user\":{}}}",
        s(access_key),
        s(timestamp),
        s(user)
    )
}

fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> Option<Vec<u8>> {
    let mut mac = <HmacSha256 as KeyInit>::new_from_slice(key).ok()?;
    for part in parts {
        mac.update(part);
    }
    Some(mac.finalize().into_bytes().to_vec())
}

/// The `signature` header: lowercase hex HMAC-SHA256 of [`signing_text`].
pub fn signature(secret: &str, access_key: &str, timestamp: &str, user: &str) -> Option<String> {
    hmac_sha256(
        secret.as_bytes(),
        &[signing_text(access_key, timestamp, user).as_bytes()],
    )
    .map(|m| hex(&m))
}

/// One cluster's token, as the token service lists it.
#[derive(Clone)]
pub struct ClusterToken {
    pub id: String,
    pub name: String,
    pub token: Token,
}

impl fmt::Debug for ClusterToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClusterToken")
            .field("id", &self.id)
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

fn list_clusters(clusters: &[ClusterToken]) -> String {
    clusters
        .iter()
        .map(|c| {
            let platform = if c.id == "0" {
                " (the platform token, not for containers)"
            } else {
                ""
            };
            format!("\n  - {} (id {}){platform}", clip(&c.name), clip(&c.id))
        })
        .collect()
}

/// The cluster whose token to use: the one `wanted` names (by id, or by name
/// ignoring case), else the only one whose id is not "0". `from` says where
/// `wanted` came from, for messages.
pub fn choose<'c>(
    clusters: &'c [ClusterToken],
    wanted: Option<(&str, &str)>,
) -> Result<&'c ClusterToken, SetupError> {
    if let Some((wanted, from)) = wanted {
        let w = wanted.trim();
        return clusters
            .iter()
            .find(|c| c.id == w)
            .or_else(|| {
                let lower = w.to_lowercase();
                clusters
                    .iter()
                    .find(|c| c.name.trim().to_lowercase() == lower)
            })
            .ok_or_else(|| {
                SetupError::usage(format!(
                    "{from} is `{}`, which is neither the id nor the name of a cluster this access key has a token for; the clusters are:{}",
                    clip(w),
                    list_clusters(clusters)
                ))
            });
    }
    let regions: Vec<&ClusterToken> = clusters.iter().filter(|c| c.id != "0").collect();
    match regions.as_slice() {
        [one] => Ok(one),
        [] => Err(SetupError::unavailable(format!(
            "the token service gave no region token (only the platform token, clusterId 0, which cannot reach the AI service); ask the platform administrator to open a region for this account. The answer listed:{}",
            list_clusters(clusters)
        ))),
        _ => Err(SetupError::usage(format!(
            "this access key has tokens for several clusters; choose one with JOBCHECK_CLUSTER (its id or name) or `cluster` in jobcheck.toml:{}",
            list_clusters(clusters)
        ))),
    }
}

/// A token and the AI address to use it with.
#[derive(Debug)]
pub struct Credential {
    pub token: Token,
    pub endpoint: String,
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// A service base (`JOBCHECK_AUTH_URL`, `JOBCHECK_AC_URL`): https, or plain
/// http to a loopback address only.
fn base_url(var: &str, default: &str) -> Result<Url, SetupError> {
    let text = env_text(var)?.unwrap_or_else(|| default.to_string());
    let url = Url::parse(&text).map_err(|e| {
        SetupError::usage(format!(
            "{var} `{}` is not a URL ({e})",
            clip(&shown_text(&text))
        ))
    })?;
    api::secure_base(&url, var, "credentials")?;
    Ok(url)
}

fn join(base: &Url, path: &str) -> Url {
    let mut url = base.clone();
    url.set_query(None);
    url.set_fragment(None);
    let prefix = base.path().trim_end_matches('/').to_string();
    url.set_path(&format!("{prefix}/{path}"));
    url
}

/// The run's deadline and the `--timeout` it came from.
#[derive(Clone, Copy, Debug)]
pub struct Deadline {
    pub at: Instant,
    pub budget: Duration,
}

/// Resolve the token and the AI address from the options and environment:
/// a given token (`--token-file`, `JOBCHECK_TOKEN`) wins over an access key;
/// `options.endpoint` wins over discovery. Every request made here ends by
/// `deadline` (`--timeout` counted from the start of the run).
pub fn credential(options: &ApiOptions, deadline: Instant) -> Result<Credential, SetupError> {
    if let Some(endpoint) = &options.endpoint {
        // A bad endpoint is refused before any credential is sent anywhere.
        api::resources_url(endpoint)?;
    }
    let deadline = Deadline {
        at: deadline,
        budget: options.timeout,
    };
    let store = Store {
        dir: cache::trusted_dir(options.cache_dir.clone()).map_err(SetupError::usage)?,
    };
    let given = options.token_file.is_some() || std::env::var_os("JOBCHECK_TOKEN").is_some();
    if given {
        let token = api::read_token(options.token_file.as_ref())?;
        // An expired token is sent nowhere, discovery included.
        if options.cache_mode != CacheMode::Offline
            && let Some(message) = token.expired(now_ms())
        {
            return Err(SetupError::unavailable(message));
        }
        let endpoint = match &options.endpoint {
            Some(e) => e.clone(),
            None => discover_for_given(&token, options, &store, deadline)?,
        };
        return Ok(Credential { token, endpoint });
    }
    let Some(aksk) = AkSk::from_env()? else {
        return Err(SetupError::usage(format!(
            "no credential: set JOBCHECK_TOKEN or give --token-file PATH (or JOBCHECK_TOKEN_FILE), \
             or set JOBCHECK_USER, JOBCHECK_ACCESS_KEY and JOBCHECK_SECRET_KEY to mint tokens with an access key; \
             a token is never taken as a command-line value. To {}",
            crate::limits::token::TOKEN_HELP
        )));
    };
    with_access_key(&aksk, options, &store, deadline)
}

fn cluster_wanted(options: &ApiOptions) -> Result<Option<(String, &'static str)>, SetupError> {
    if let Some(c) = env_text("JOBCHECK_CLUSTER")? {
        return Ok(Some((c, "JOBCHECK_CLUSTER")));
    }
    Ok(options
        .cluster
        .as_ref()
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty())
        .map(|c| (c, "`cluster` in jobcheck.toml")))
}

fn with_access_key(
    aksk: &AkSk,
    options: &ApiOptions,
    store: &Store,
    deadline: Deadline,
) -> Result<Credential, SetupError> {
    let auth_base = base_url("JOBCHECK_AUTH_URL", DEFAULT_AUTH_BASE)?;
    let ac_base = base_url("JOBCHECK_AC_URL", DEFAULT_AC_BASE)?;
    let wanted = cluster_wanted(options)?;
    let name = entry_name(&[
        "aksk",
        auth_base.as_str(),
        &aksk.user,
        &aksk.access_key,
        wanted.as_ref().map(|(c, _)| c.as_str()).unwrap_or(""),
    ]);
    let key = SealKey::new(aksk.secret.0.as_bytes(), &name).ok_or_else(|| {
        SetupError::unavailable("cannot derive the cache key from the secret key")
    })?;
    let now = now_ms();
    let offline = options.cache_mode == CacheMode::Offline;
    let cached = if options.cache_mode == CacheMode::Refresh {
        None
    } else {
        store
            .load(&name, &key)
            .and_then(|(entry, token)| token.map(|t| (entry, t)))
    };
    let (mut entry, token, mut changed) = match cached {
        Some((entry, token)) if offline || now < entry.valid_until => (entry, token, false),
        _ if offline => {
            return Err(SetupError::unavailable(
                "--offline, and no cached token for this access key; run once without --offline to mint one",
            ));
        }
        _ => {
            let clusters = mint(aksk, &auth_base, deadline)?;
            let wanted = wanted.as_ref().map(|(c, from)| (c.as_str(), *from));
            let chosen = choose(&clusters, wanted)?;
            let claims = chosen.token.claims();
            let valid_until = match claims.expire_ms {
                Some(expiry) => expiry - RENEW_MARGIN.as_millis() as i64,
                None => now + options.cache_ttl.as_millis() as i64,
            };
            let entry = Entry {
                valid_until,
                cluster_id: chosen.id.clone(),
                ac_base: None,
                ai_url: None,
            };
            (entry, chosen.token.clone(), true)
        }
    };
    let endpoint = match &options.endpoint {
        Some(e) => e.clone(),
        None => match entry.discovered(ac_base.as_str()) {
            Some(url) => url,
            None if offline => {
                return Err(SetupError::unavailable(
                    "--offline, and the AI address has not been discovered yet; run once without --offline, or give --endpoint",
                ));
            }
            None => {
                let url = discover(&token, &ac_base, deadline)?;
                entry.ac_base = Some(ac_base.as_str().to_string());
                entry.ai_url = Some(url.clone());
                changed = true;
                url
            }
        },
    };
    if changed && let Err(e) = store.save(&name, &key, &entry, Some(&token)) {
        eprintln!("warning: {e}; the token will be minted again next time");
    }
    Ok(Credential { token, endpoint })
}

/// Discovery for a token given by the user, remembered for the token's
/// lifetime (or the cache TTL when it carries no expiry), sealed with a key
/// derived from the token itself.
fn discover_for_given(
    token: &Token,
    options: &ApiOptions,
    store: &Store,
    deadline: Deadline,
) -> Result<String, SetupError> {
    let ac_base = base_url("JOBCHECK_AC_URL", DEFAULT_AC_BASE)?;
    let name = entry_name(&["token", &token.fingerprint()]);
    let key = SealKey::new(token.expose().as_bytes(), &name)
        .ok_or_else(|| SetupError::unavailable("cannot derive the cache key from the token"))?;
    let now = now_ms();
    let offline = options.cache_mode == CacheMode::Offline;
    if options.cache_mode != CacheMode::Refresh
        && let Some((entry, _)) = store.load(&name, &key)
        && (offline || now < entry.valid_until)
        && let Some(url) = entry.discovered(ac_base.as_str())
    {
        return Ok(url);
    }
    if offline {
        return Err(SetupError::unavailable(
            "--offline, and the AI address has not been discovered for this token yet; run once without --offline, or give --endpoint",
        ));
    }
    let url = discover(token, &ac_base, deadline)?;
    let claims = token.claims();
    let entry = Entry {
        valid_until: match claims.expire_ms {
            Some(expiry) => expiry - RENEW_MARGIN.as_millis() as i64,
            None => now + options.cache_ttl.as_millis() as i64,
        },
        cluster_id: claims.cluster_id.unwrap_or_default(),
        ac_base: Some(ac_base.as_str().to_string()),
        ai_url: Some(url.clone()),
    };
    if let Err(e) = store.save(&name, &key, &entry, None) {
        eprintln!("warning: {e}; the AI address will be discovered again next time");
    }
    Ok(url)
}

/// Ask the token service for this access key's tokens.
pub fn mint(
    aksk: &AkSk,
    auth_base: &Url,
    deadline: Deadline,
) -> Result<Vec<ClusterToken>, SetupError> {
    let url = join(auth_base, TOKENS_PATH);
    let timestamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
        .to_string();
    let signature = signature(&aksk.secret.0, &aksk.access_key, &timestamp, &aksk.user)
        .ok_or_else(|| SetupError::unavailable("cannot compute the request signature"))?;
    let header = |name: &str, value: &str| {
        reqwest::header::HeaderValue::from_bytes(value.as_bytes()).map_err(|_| {
            SetupError::usage(format!(
                "{name} holds characters that cannot be sent in a header (line breaks or control characters)"
            ))
        })
    };
    let user = header("JOBCHECK_USER", &aksk.user)?;
    let access_key = header("JOBCHECK_ACCESS_KEY", &aksk.access_key)?;
    let what = format!("the token service at {}", origin(&url));
    let hide = |text: &str| redact_secret(text, aksk);
    let value = http_json(&what, &url, deadline, |client| {
        client
            .post(url.clone())
            .header("user", user.clone())
            .header("accessKey", access_key.clone())
            .header("timestamp", timestamp.as_str())
            .header("signature", signature.as_str())
            .header("content-length", "0")
    })
    .map_err(|e| SetupError::unavailable(hide(&format!("cannot mint a token: {e}"))))?;
    let code = code_of(&value);
    if code.as_deref() != Some("0") {
        return Err(SetupError::unavailable(format!(
            "the token service refused to mint a token: {}; check JOBCHECK_USER, JOBCHECK_ACCESS_KEY and JOBCHECK_SECRET_KEY \
             (a wrong secret key makes a bad signature), and that this computer's clock is right (the timestamp is signed)",
            code_text(code.as_deref(), &value, &hide)
        )));
    }
    let Some(Value::Array(items)) = value.get("data") else {
        return Err(SetupError::unavailable(
            "the token service answered success but without a `data` list of tokens",
        ));
    };
    let mut clusters = Vec::new();
    for item in items {
        let text = |name: &str| match item.get(name) {
            Some(Value::String(s)) => Some(s.trim().to_string()),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        };
        let (Some(id), Some(token)) = (text("clusterId"), text("token")) else {
            continue;
        };
        let Ok(token) = Token::new(&token) else {
            continue;
        };
        clusters.push(ClusterToken {
            id,
            name: text("clusterName").unwrap_or_default(),
            token,
        });
    }
    if clusters.is_empty() {
        return Err(SetupError::unavailable(
            "the token service answered success but listed no usable token",
        ));
    }
    // Names and ids are shown in messages: no token (nor the secret key)
    // may hide in them.
    let tokens: Vec<Token> = clusters.iter().map(|c| c.token.clone()).collect();
    let clean = |text: &str| {
        tokens
            .iter()
            .fold(hide(text), |text, token| token.redact(&text))
    };
    for c in &mut clusters {
        c.name = clean(&c.name);
        c.id = clean(&c.id);
    }
    Ok(clusters)
}

/// The AI address for a token: the first enabled `data.aiUrls` entry.
pub fn discover(token: &Token, ac_base: &Url, deadline: Deadline) -> Result<String, SetupError> {
    let url = join(ac_base, CENTER_PATH);
    let what = format!("the platform's center service at {}", origin(&url));
    let fail = |e: String| {
        SetupError::unavailable(token.redact(&format!(
            "cannot discover the platform's AI address: {e}; give it with --endpoint (or JOBCHECK_ENDPOINT) to skip discovery"
        )))
    };
    let value = http_json(&what, &url, deadline, |client| {
        client
            .get(url.clone())
            .header("token", token.expose())
            .header("accept", "application/json")
    })
    .map_err(fail)?;
    let code = code_of(&value);
    if code.as_deref() != Some("0") {
        return Err(fail(format!(
            "{what} answered {}",
            code_text(code.as_deref(), &value, &|t| token.redact(t))
        )));
    }
    let urls = value.pointer("/data/aiUrls").and_then(Value::as_array);
    let Some(urls) = urls else {
        return Err(fail(format!("{what} answered without `data.aiUrls`")));
    };
    let enabled = urls.iter().find_map(|u| {
        let on = match u.get("enable") {
            Some(Value::String(s)) => s.trim().eq_ignore_ascii_case("true"),
            Some(Value::Bool(b)) => *b,
            _ => false,
        };
        let url = u.get("url").and_then(Value::as_str).map(str::trim);
        url.filter(|s| on && !s.is_empty())
    });
    let Some(found) = enabled else {
        return Err(fail(format!(
            "{what} lists no enabled AI address ({} in `aiUrls`, none with enable \"true\")",
            urls.len()
        )));
    };
    api::resources_url(found).map_err(|e| {
        fail(format!(
            "the discovered AI address cannot be used: {}",
            e.message.replace("--endpoint", "the address")
        ))
    })?;
    Ok(found.to_string())
}

fn code_of(value: &Value) -> Option<String> {
    match value.get("code") {
        Some(Value::String(s)) => Some(s.trim().to_string()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    }
}

/// An error answer in words; `hide` blanks out secrets before anything is
/// shortened.
fn code_text(code: Option<&str>, value: &Value, hide: &dyn Fn(&str) -> String) -> String {
    let said = value
        .get("msg")
        .and_then(Value::as_str)
        .map(|m| clip(&hide(m)))
        .filter(|m| !m.is_empty())
        .map(|m| format!(": \"{m}\""))
        .unwrap_or_default();
    match code.map(hide) {
        None => format!("without a `code`{said}"),
        Some(c) => match api::code_meaning(&c) {
            Some((meaning, _)) => format!("code {c} ({meaning}){said}"),
            None => format!("code {}{said}, which jobcheck does not know", clip(&c)),
        },
    }
}

fn redact_secret(text: &str, aksk: &AkSk) -> String {
    if aksk.secret.0.len() >= 4 {
        text.replace(&aksk.secret.0, "<redacted>")
    } else {
        text.to_string()
    }
}

/// One JSON request through the shared client and retry policy, within the
/// run's deadline. Redirects are not followed (credentials stay where they
/// were sent).
fn http_json(
    what: &str,
    target: &Url,
    deadline: Deadline,
    build: impl Fn(&reqwest::Client) -> reqwest::RequestBuilder,
) -> Result<Value, String> {
    let runtime = net::runtime()?;
    let client = net::client(target, deadline.budget)?;
    runtime.block_on(async {
        let attempt = |_| once(what, build(&client));
        net::retrying(deadline.at, deadline.budget, what, attempt, |_| {})
            .await
            .and_then(|r| r)
    })
}

async fn once(what: &str, request: reqwest::RequestBuilder) -> Step<Result<Value, String>> {
    let response = match request.send().await {
        Ok(r) => r,
        Err(e) => return net::send_failure(e, what, Err),
    };
    let status = response.status();
    if status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS {
        return Step::Retry {
            reason: format!("{what} answered HTTP {status}"),
            retry_after: net::retry_after(&response),
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
    let mut body: Vec<u8> = Vec::new();
    let mut response = response;
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                if body.len() + chunk.len() > MAX_BODY_BYTES {
                    return Step::Done(Err(format!(
                        "the answer of {what} is larger than 1 MiB; refused"
                    )));
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => break,
            Err(e) => {
                return Step::Retry {
                    reason: format!(
                        "the answer of {what} was cut off: {}",
                        error_chain(&e.without_url())
                    ),
                    retry_after: None,
                };
            }
        }
    }
    match serde_json::from_slice::<Value>(&body) {
        Ok(v @ Value::Object(_)) => Step::Done(Ok(v)),
        Ok(_) => Step::Done(Err(format!("the answer of {what} is not a JSON object"))),
        Err(e) => Step::Done(Err(format!("the answer of {what} is not JSON ({e})"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_matches_an_independent_vector() {
        // python3: hmac.new(b'SK', b'{"accessKey":"AK","timestamp":"1700000000","user":"alice"}',
        //                   hashlib.sha256).hexdigest()
        assert_eq!(
            signing_text("AK", "1700000000", "alice"),
            r#"{"accessKey":"AK","timestamp":"1700000000","user":"alice"}"#
        );
        assert_eq!(
            signature("SK", "AK", "1700000000", "alice").unwrap(),
            "28a1ceeb00bbd94a217477d8f2a1e4becc48f3cbaddb5560d3957ec3487a010c"
        );
        // python3: json.dumps({...}, separators=(',', ':'), ensure_ascii=False), key "秘密sk"
        assert_eq!(
            signing_text("ak\"\\1", "1700000000", "李雷\n"),
            "{\"accessKey\":\"ak\\\"\\\\1\",\"timestamp\":\"1700000000\",\"user\":\"李雷\\n\"}"
        );
        assert_eq!(
            signature("秘密sk", "ak\"\\1", "1700000000", "李雷\n").unwrap(),
            "5b03e494da5079c926a82f68cb5c86daa9ce4322df8be09ca3b66c358a2f1854"
        );
    }

    fn cluster(id: &str, name: &str) -> ClusterToken {
        ClusterToken {
            id: id.into(),
            name: name.into(),
            token: Token::new(&format!("tok-{id}")).unwrap(),
        }
    }

    #[test]
    fn chooses_a_cluster() {
        let all = [
            cluster("0", "platform"),
            cluster("11250", "华东一区【昆山】"),
            cluster("11276", "Xi'an"),
        ];
        let from = "JOBCHECK_CLUSTER";
        assert_eq!(choose(&all, Some(("11276", from))).unwrap().id, "11276");
        assert_eq!(choose(&all, Some(("xi'AN", from))).unwrap().id, "11276");
        assert_eq!(
            choose(&all, Some(("华东一区【昆山】", from))).unwrap().id,
            "11250"
        );
        let e = choose(&all, Some(("nowhere", from))).unwrap_err();
        assert_eq!(e.code, 2);
        assert!(
            e.message.contains("11276") && !e.message.contains("tok-"),
            "{}",
            e.message
        );
        let e = choose(&all, None).unwrap_err();
        assert_eq!(e.code, 2);
        assert!(e.message.contains("Xi'an (id 11276)"), "{}", e.message);
        assert_eq!(choose(&all[..2], None).unwrap().id, "11250");
        assert_eq!(choose(&all[..1], None).unwrap_err().code, 3);
    }

    #[test]
    fn joins_paths() {
        let base = Url::parse("http://127.0.0.1:9/").unwrap();
        assert_eq!(
            join(&base, TOKENS_PATH).as_str(),
            "http://127.0.0.1:9/api/user/v3/tokens"
        );
        let base = Url::parse("https://h/prefix/").unwrap();
        assert_eq!(
            join(&base, CENTER_PATH).as_str(),
            "https://h/prefix/ac/openapi/v2/center"
        );
    }
}
