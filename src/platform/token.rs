//! The platform token: kept out of every output, and read locally for the
//! user, cluster and expiry its JWT payload carries (not verified here; the
//! platform verifies it).

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// Where tokens come from, for messages that tell the user what to do.
pub const TOKEN_HELP: &str = "get a new token from https://www.scnet.cn/ac/openapi/v2/tokens \
     (or the AK/SK method, POST https://api.scnet.cn/api/user/v3/tokens) and put it in \
     JOBCHECK_TOKEN or a file named by --token-file / JOBCHECK_TOKEN_FILE";

/// Runs of this many characters of a token are never shown.
pub const REDACT_RUN: usize = 12;

/// A secret token. Its `Debug` and `Display` never show the value; the only
/// way to the text is [`Token::expose`], used to build the request header.
#[derive(Clone)]
pub struct Token(String);

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// What the token's payload says about itself.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Claims {
    pub user: Option<String>,
    pub cluster_id: Option<String>,
    /// Epoch milliseconds.
    pub expire_ms: Option<i64>,
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("the token is empty")]
    Empty,
    /// The token holds characters an HTTP header cannot carry.
    #[error(
        "the token holds characters that cannot be sent in a header \
         (spaces, line breaks or control characters inside it)"
    )]
    BadCharacters,
}

impl Token {
    /// A token from text as it was stored: surrounding whitespace (a file's
    /// trailing newline) is trimmed.
    pub fn new(text: &str) -> Result<Token, TokenError> {
        let t = text.trim();
        if t.is_empty() {
            return Err(TokenError::Empty);
        }
        if !t.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(TokenError::BadCharacters);
        }
        Ok(Token(t.to_string()))
    }

    /// The secret itself, for the request header only.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// `text` with the token blanked out: the whole token, and any run of
    /// [`REDACT_RUN`] or more of its characters (a server that echoes part
    /// of it, a message clipped in its middle). Linear in `text`.
    pub fn redact(&self, text: &str) -> String {
        let secret = self.0.as_bytes();
        if secret.len() < REDACT_RUN {
            return text.replace(&self.0, "<redacted>");
        }
        let windows: std::collections::HashSet<&[u8]> = secret.windows(REDACT_RUN).collect();
        let bytes = text.as_bytes();
        // Mark every byte inside a window that is also a window of the token.
        let mut covered_until = 0usize;
        let mut ranges: Vec<(usize, usize)> = Vec::new();
        for i in 0..bytes.len().saturating_sub(REDACT_RUN - 1) {
            if windows.contains(&bytes[i..i + REDACT_RUN]) {
                let end = i + REDACT_RUN;
                match ranges.last_mut() {
                    Some(last) if i <= covered_until => last.1 = end,
                    _ => ranges.push((i, end)),
                }
                covered_until = end;
            }
        }
        if ranges.is_empty() {
            return text.to_string();
        }
        // The token is ASCII, so every range starts and ends on a character
        // boundary.
        let mut out = String::with_capacity(text.len());
        let mut at = 0;
        for (start, end) in ranges {
            out.push_str(&text[at..start]);
            out.push_str("<redacted>");
            at = end;
        }
        out.push_str(&text[at..]);
        out
    }

    /// When the token carries an expiry that has passed (at `now_ms`), what
    /// to tell the user.
    pub fn expired(&self, now_ms: i64) -> Option<String> {
        let claims = self.claims();
        let expiry = claims.expire_ms.filter(|e| *e <= now_ms)?;
        let who = match (&claims.user, &claims.cluster_id) {
            (Some(u), Some(c)) => format!(" (user {u}, cluster {c})"),
            (Some(u), None) => format!(" (user {u})"),
            _ => String::new(),
        };
        Some(format!(
            "the token expired on {}{who}; {TOKEN_HELP}",
            utc_text(expiry)
        ))
    }

    /// A digest of the token, to tell tokens apart without keeping them.
    pub fn fingerprint(&self) -> String {
        hex::encode(Sha256::digest(self.0.as_bytes()))
    }

    /// The claims of a JWT payload; all `None` when the token is not a JWT.
    pub fn claims(&self) -> Claims {
        let mut parts = self.0.split('.');
        let (Some(_), Some(payload), Some(_), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Claims::default();
        };
        let payload = payload.trim_end_matches('=');
        let Ok(bytes) = URL_SAFE_NO_PAD.decode(payload) else {
            return Claims::default();
        };
        let Ok(serde_json::Value::Object(map)) = serde_json::from_slice(&bytes) else {
            return Claims::default();
        };
        let text = |name: &str| match map.get(name) {
            Some(serde_json::Value::String(s)) if !s.trim().is_empty() => {
                Some(s.trim().to_string())
            }
            Some(serde_json::Value::Number(n)) => Some(n.to_string()),
            _ => None,
        };
        let expire_ms = text("expireTime").and_then(|t| {
            t.parse::<i64>()
                .ok()
                .or_else(|| t.parse::<f64>().ok().map(|f| f as i64))
        });
        Claims {
            user: text("user"),
            cluster_id: text("clusterId"),
            expire_ms,
        }
    }
}

/// Now, in epoch milliseconds (token expiry and cache validity).
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Epoch milliseconds as `2026-11-26 05:23:03 UTC`.
pub fn utc_text(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02} UTC",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// Days since 1970-01-01 to a proleptic Gregorian date (H. Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(payload: &str) -> String {
        format!(
            "{}.{}.sig",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"HS256"}"#),
            URL_SAFE_NO_PAD.encode(payload)
        )
    }

    #[test]
    fn reads_claims_as_strings_or_numbers() {
        let t = Token::new(&format!(
            "{}\n",
            jwt(r#"{"user":"alice","clusterId":"11250","expireTime":"1700000000000"}"#)
        ))
        .unwrap();
        let c = t.claims();
        assert_eq!(c.user.as_deref(), Some("alice"));
        assert_eq!(c.cluster_id.as_deref(), Some("11250"));
        assert_eq!(c.expire_ms, Some(1_700_000_000_000));
        let t = Token::new(&jwt(r#"{"clusterId":11250,"expireTime":1700000000000}"#)).unwrap();
        assert_eq!(t.claims().cluster_id.as_deref(), Some("11250"));
        assert_eq!(t.claims().expire_ms, Some(1_700_000_000_000));
    }

    #[test]
    fn not_a_jwt_is_still_a_token() {
        let t = Token::new("plain-opaque-token").unwrap();
        assert_eq!(t.claims(), Claims::default());
        assert!(matches!(Token::new(" \n"), Err(TokenError::Empty)));
        assert!(Token::new("a b").is_err());
    }

    #[test]
    fn never_shows_itself() {
        let t = Token::new("s3cr3t").unwrap();
        assert!(!format!("{t:?} {t}").contains("s3cr3t"));
    }

    #[test]
    fn redacts_the_token_and_any_long_piece_of_it() {
        let t = Token::new("aaaa.0123456789abcdefghij.zzzz").unwrap();
        assert_eq!(
            t.redact("x aaaa.0123456789abcdefghij.zzzz y"),
            "x <redacted> y"
        );
        // A piece cut by clipping, and one inside other text.
        assert_eq!(t.redact("…3456789abcdef"), "…<redacted>");
        assert_eq!(t.redact("é0123456789abé"), "é<redacted>é");
        // Eleven characters are not a run.
        assert_eq!(t.redact("0123456789a"), "0123456789a");
        assert_eq!(
            Token::new("short").unwrap().redact("a short b"),
            "a <redacted> b"
        );
        assert_eq!(t.redact(""), "");
    }

    #[test]
    fn expiry() {
        let t = Token::new(&jwt(r#"{"user":"u","expireTime":"1000"}"#)).unwrap();
        assert!(t.expired(1000).unwrap().contains("expired on 1970-01-01"));
        assert!(t.expired(999).is_none());
        assert!(Token::new("opaque").unwrap().expired(i64::MAX).is_none());
    }

    #[test]
    fn utc() {
        assert_eq!(utc_text(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc_text(1_700_000_000_000), "2023-11-14 22:13:20 UTC");
    }
}
