//! Discovery: `GET {acBase}/ac/openapi/v2/center` with header `token`; the
//! first `data.aiUrls` entry whose `enable` is "true" gives the AI address.

use reqwest::Url;
use serde_json::Value;

use super::error::Error;
use crate::platform::http::{self, Deadline, join, origin};
use crate::platform::resources::resources_url;
use crate::platform::token::Token;

pub const CENTER_PATH: &str = "ac/openapi/v2/center";

/// The AI address for a token: the first enabled `data.aiUrls` entry.
pub fn discover(token: &Token, ac_base: &Url, deadline: Deadline) -> Result<String, Error> {
    let url = join(ac_base, CENTER_PATH);
    let what = format!("the platform's center service at {}", origin(&url));
    let fail = |e: String| {
        Error::Unavailable(token.redact(&format!(
            "cannot discover the platform's AI address: {e}; give it with --endpoint (or JOBCHECK_ENDPOINT) to skip discovery"
        )))
    };
    let hide = |t: &str| token.redact(t);
    let answer = http::envelope_request(&what, &url, deadline, &hide, |client| {
        client
            .get(url.clone())
            .header("token", token.expose())
            .header("accept", "application/json")
    })
    .map_err(|e| fail(e.message().to_string()))?;
    if !answer.is_success() {
        return Err(fail(format!("{what} answered {}", answer.code_text())));
    }
    let urls = answer
        .data
        .as_ref()
        .and_then(|d| d.get("aiUrls"))
        .and_then(Value::as_array);
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
    resources_url(found).map_err(|e| {
        fail(format!(
            "the discovered AI address cannot be used: {}",
            e.to_string().replace("--endpoint", "the address")
        ))
    })?;
    Ok(found.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::aksk::TOKENS_PATH;

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
