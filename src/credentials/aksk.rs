//! Minting tokens with an access key (the AK/SK method):
//! `POST {authBase}/api/user/v3/tokens` with headers `user`, `accessKey`,
//! `timestamp` (epoch seconds) and `signature`, the lowercase hex
//! HMAC-SHA256, keyed with the secret key, of the compact JSON
//! `{"accessKey":"…","timestamp":"…","user":"…"}` (that key order). The
//! answer lists one token per cluster; [`choose`] picks the region's. The
//! secret key itself is never stored or printed.

use std::fmt;
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use hmac::{Hmac, KeyInit, Mac};
use reqwest::Url;
use serde_json::Value;
use sha2::Sha256;

use super::error::Error;
use crate::platform::clip;
use crate::platform::http::{self, Deadline, join, origin};
use crate::platform::token::Token;

type HmacSha256 = Hmac<Sha256>;

pub const TOKENS_PATH: &str = "api/user/v3/tokens";

const AKSK_VARS: [&str; 3] = [
    "JOBCHECK_USER",
    "JOBCHECK_ACCESS_KEY",
    "JOBCHECK_SECRET_KEY",
];

pub(crate) fn env_text(name: &str) -> Result<Option<String>, Error> {
    match std::env::var(name) {
        Ok(v) if v.trim().is_empty() => Ok(None),
        Ok(v) => Ok(Some(v.trim().to_string())),
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => {
            Err(Error::Usage(format!("{name} is not valid text")))
        }
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

/// A secret key: never shown by `Debug`.
#[derive(Clone)]
pub struct Secret(pub(crate) String);

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

impl AkSk {
    /// `JOBCHECK_USER`, `JOBCHECK_ACCESS_KEY` and `JOBCHECK_SECRET_KEY`; `None`
    /// when none is set, a usage error when only some are.
    pub fn from_env() -> Result<Option<AkSk>, Error> {
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
            return Err(Error::Usage(format!(
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
    .map(hex::encode)
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
) -> Result<&'c ClusterToken, Error> {
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
                Error::Usage(format!(
                    "{from} is `{}`, which is neither the id nor the name of a cluster this access key has a token for; the clusters are:{}",
                    clip(w),
                    list_clusters(clusters)
                ))
            });
    }
    let regions: Vec<&ClusterToken> = clusters.iter().filter(|c| c.id != "0").collect();
    match regions.as_slice() {
        [one] => Ok(one),
        [] => Err(Error::Unavailable(format!(
            "the token service gave no region token (only the platform token, clusterId 0, which cannot reach the AI service); ask the platform administrator to open a region for this account. The answer listed:{}",
            list_clusters(clusters)
        ))),
        _ => Err(Error::Usage(format!(
            "this access key has tokens for several clusters; choose one with JOBCHECK_CLUSTER (its id or name) or `cluster` in jobcheck.toml:{}",
            list_clusters(clusters)
        ))),
    }
}

/// Ask the token service for this access key's tokens.
pub fn mint(aksk: &AkSk, auth_base: &Url, deadline: Deadline) -> Result<Vec<ClusterToken>, Error> {
    let url = join(auth_base, TOKENS_PATH);
    let timestamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
        .to_string();
    let signature = signature(&aksk.secret.0, &aksk.access_key, &timestamp, &aksk.user)
        .ok_or_else(|| Error::Unavailable("cannot compute the request signature".into()))?;
    let header = |name: &str, value: &str| {
        reqwest::header::HeaderValue::from_bytes(value.as_bytes()).map_err(|_| {
            Error::Usage(format!(
                "{name} holds characters that cannot be sent in a header (line breaks or control characters)"
            ))
        })
    };
    let user = header("JOBCHECK_USER", &aksk.user)?;
    let access_key = header("JOBCHECK_ACCESS_KEY", &aksk.access_key)?;
    let what = format!("the token service at {}", origin(&url));
    let hide = |text: &str| redact_secret(text, aksk);
    let answer = http::envelope_request(&what, &url, deadline, &hide, |client| {
        client
            .post(url.clone())
            .header("user", user.clone())
            .header("accessKey", access_key.clone())
            .header("timestamp", timestamp.as_str())
            .header("signature", signature.as_str())
            .header("content-length", "0")
    })
    .map_err(|e| Error::Unavailable(hide(&format!("cannot mint a token: {}", e.message()))))?;
    if !answer.is_success() {
        return Err(Error::Unavailable(format!(
            "the token service refused to mint a token: {}; check JOBCHECK_USER, JOBCHECK_ACCESS_KEY and JOBCHECK_SECRET_KEY \
             (a wrong secret key makes a bad signature), and that this computer's clock is right (the timestamp is signed)",
            answer.code_text()
        )));
    }
    let Some(Value::Array(items)) = &answer.data else {
        return Err(Error::Unavailable(
            "the token service answered success but without a `data` list of tokens".into(),
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
        return Err(Error::Unavailable(
            "the token service answered success but listed no usable token".into(),
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

fn redact_secret(text: &str, aksk: &AkSk) -> String {
    if aksk.secret.0.len() >= 4 {
        text.replace(&aksk.secret.0, "<redacted>")
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::Class;

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
        assert_eq!(e.class(), Class::Usage);
        let message = e.to_string();
        assert!(
            message.contains("11276") && !message.contains("tok-"),
            "{message}"
        );
        let e = choose(&all, None).unwrap_err();
        assert_eq!(e.class(), Class::Usage);
        assert!(e.to_string().contains("Xi'an (id 11276)"), "{e}");
        assert_eq!(choose(&all[..2], None).unwrap().id, "11250");
        assert_eq!(
            choose(&all[..1], None).unwrap_err().class(),
            Class::Unavailable
        );
    }
}
