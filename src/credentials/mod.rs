//! Which credential a run uses, and the AI address to use it with: a token
//! given by the user ([`token`]), or one minted with an access key
//! ([`aksk`]); the address given, or discovered from the token
//! ([`discovery`]); and a private cache of both ([`store`]).
//!
//! This module uses the platform client ([`crate::platform`]) for its
//! requests and the [`Token`] type; the platform client knows nothing of it.
//!
//! - **Cache**: one entry per (auth base, user, access key id, cluster asked
//!   for), and one per given token's discovered address, kept until
//!   [`RENEW_MARGIN`] before the token's `expireTime`, sealed as
//!   [`store`] describes: no cache file holds a usable token
//!   in clear, and no one without the secret key (or the token) can change
//!   where the token is sent. A changed secret key simply mints again. The
//!   secret key itself is never stored or printed.

pub mod aksk;
pub mod discovery;
pub mod error;
pub mod store;
pub mod token;

use std::path::PathBuf;
use std::time::Duration;

use reqwest::Url;

use crate::platform::cache_dir::{self, CacheMode};
use crate::platform::http::{Deadline, secure_base, shown_text};
use crate::platform::notice::{Notice, Sink};
use crate::platform::resources::resources_url;
pub use crate::platform::token::{Claims, TOKEN_HELP, Token};
use crate::platform::{clip, now_ms};
use aksk::env_text;
pub use aksk::{
    AkSk, ClusterToken, Secret, choose, credential_configured, mint, signature, signing_text,
};
pub use discovery::discover;
pub use error::Error;
use store::{Entry, SealKey, Store, entry_name};
pub use token::read_token;

pub const DEFAULT_AUTH_BASE: &str = "https://api.scnet.cn";
pub const DEFAULT_AC_BASE: &str = "https://www.scnet.cn";
/// A cached token is renewed this long before it expires.
pub const RENEW_MARGIN: Duration = Duration::from_secs(5 * 60);

/// Where the credential and the AI address come from.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// The AI address; `None`: discovered from the token.
    pub endpoint: Option<String>,
    /// `cluster` in jobcheck.toml: whose token to mint (`JOBCHECK_CLUSTER` wins).
    pub cluster: Option<String>,
    /// `--token-file` / `JOBCHECK_TOKEN_FILE`; else `JOBCHECK_TOKEN`.
    pub token_file: Option<PathBuf>,
    /// The token service's base (`JOBCHECK_AUTH_URL`, or the user's
    /// `auth-url`), as resolved by the settings; `None`: the default.
    pub auth_url: Option<String>,
    /// The discovery service's base (`JOBCHECK_AC_URL`, or the user's
    /// `ac-url`); `None`: the default.
    pub ac_url: Option<String>,
    /// How long a token without an expiry (or a discovered address) is kept.
    pub cache_ttl: Duration,
    pub cache_mode: CacheMode,
    /// `None`: [`cache_dir::default_dir`].
    pub cache_dir: Option<PathBuf>,
}

/// A token and the AI address to use it with.
#[derive(Debug)]
pub struct Credential {
    pub token: Token,
    pub endpoint: String,
}

/// A service base (`JOBCHECK_AUTH_URL`, `JOBCHECK_AC_URL`, resolved by the
/// settings and passed here as a value): https, or plain http to a loopback
/// address only.
fn base_url(given: Option<&str>, var: &str, default: &str) -> Result<Url, Error> {
    let text = given
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .unwrap_or(default)
        .to_string();
    let url = Url::parse(&text).map_err(|e| {
        Error::Usage(format!(
            "{var} `{}` is not a URL ({e})",
            clip(&shown_text(&text))
        ))
    })?;
    secure_base(&url, var, "credentials")?;
    Ok(url)
}

/// Resolve the token and the AI address from the options and environment:
/// a given token (`--token-file`, `JOBCHECK_TOKEN`) wins over an access key;
/// `options.endpoint` wins over discovery. Every request made here ends by
/// `deadline` (`--timeout` counted from the start of the run). Warnings
/// (a cache entry that could not be kept) go to `sink`.
pub fn credential(
    options: &Options,
    deadline: Deadline,
    sink: &dyn Sink,
) -> Result<Credential, Error> {
    if let Some(endpoint) = &options.endpoint {
        // A bad endpoint is refused before any credential is sent anywhere.
        resources_url(endpoint)?;
    }
    let store = Store {
        dir: cache_dir::trusted_dir(options.cache_dir.clone())?,
    };
    let given = options.token_file.is_some() || std::env::var_os("JOBCHECK_TOKEN").is_some();
    if given {
        let token = read_token(options.token_file.as_ref())?;
        // An expired token is sent nowhere, discovery included.
        if options.cache_mode != CacheMode::Offline
            && let Some(message) = token.expired(now_ms())
        {
            return Err(Error::Unavailable(message));
        }
        let endpoint = match &options.endpoint {
            Some(e) => e.clone(),
            None => discover_for_given(&token, options, &store, deadline, sink)?,
        };
        return Ok(Credential { token, endpoint });
    }
    let Some(aksk) = AkSk::from_env()? else {
        return Err(Error::Usage(format!(
            "no credential: set JOBCHECK_TOKEN or give --token-file PATH (or JOBCHECK_TOKEN_FILE), \
             or set JOBCHECK_USER, JOBCHECK_ACCESS_KEY and JOBCHECK_SECRET_KEY to mint tokens with an access key; \
             a token is never taken as a command-line value. To {}",
            TOKEN_HELP
        )));
    };
    with_access_key(&aksk, options, &store, deadline, sink)
}

fn cluster_wanted(options: &Options) -> Result<Option<(String, &'static str)>, Error> {
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
    options: &Options,
    store: &Store,
    deadline: Deadline,
    sink: &dyn Sink,
) -> Result<Credential, Error> {
    let auth_base = base_url(
        options.auth_url.as_deref(),
        "JOBCHECK_AUTH_URL",
        DEFAULT_AUTH_BASE,
    )?;
    let ac_base = base_url(
        options.ac_url.as_deref(),
        "JOBCHECK_AC_URL",
        DEFAULT_AC_BASE,
    )?;
    let wanted = cluster_wanted(options)?;
    let name = entry_name(&[
        "aksk",
        auth_base.as_str(),
        &aksk.user,
        &aksk.access_key,
        wanted.as_ref().map(|(c, _)| c.as_str()).unwrap_or(""),
    ]);
    let key = SealKey::new(aksk.secret.0.as_bytes(), &name).ok_or_else(|| {
        Error::Unavailable("cannot derive the cache key from the secret key".into())
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
            return Err(Error::Unavailable("--offline, and no cached token for this access key; run once without --offline to mint one".into()));
        }
        _ => {
            let clusters = mint(aksk, &auth_base, deadline)?;
            let wanted = wanted.as_ref().map(|(c, from)| (c.as_str(), *from));
            let chosen = choose(&clusters, wanted)?;
            // A token that was dead when minted goes nowhere, discovery
            // included (a clock far off, or a platform misconfigured).
            if let Some(message) = chosen.token.expired(now_ms()) {
                return Err(Error::Unavailable(format!(
                    "the platform minted a token that has already expired ({message}); \
                     nothing more is asked with it — check this machine's clock"
                )));
            }
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
                return Err(Error::Unavailable("--offline, and the AI address has not been discovered yet; run once without --offline, or give --endpoint".into()));
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
        sink.notice(Notice::warning(format!(
            "{e}; the token will be minted again next time"
        )));
    }
    Ok(Credential { token, endpoint })
}

/// Discovery for a token given by the user, remembered for the token's
/// lifetime (or the cache TTL when it carries no expiry), sealed with a key
/// derived from the token itself.
fn discover_for_given(
    token: &Token,
    options: &Options,
    store: &Store,
    deadline: Deadline,
    sink: &dyn Sink,
) -> Result<String, Error> {
    let ac_base = base_url(
        options.ac_url.as_deref(),
        "JOBCHECK_AC_URL",
        DEFAULT_AC_BASE,
    )?;
    let name = entry_name(&["token", &token.fingerprint()]);
    let key = SealKey::new(token.expose().as_bytes(), &name)
        .ok_or_else(|| Error::Unavailable("cannot derive the cache key from the token".into()))?;
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
        return Err(Error::Unavailable("--offline, and the AI address has not been discovered for this token yet; run once without --offline, or give --endpoint".into()));
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
        sink.notice(Notice::warning(format!(
            "{e}; the AI address will be discovered again next time"
        )));
    }
    Ok(url)
}
