//! The limits request:
//! `GET {aiBase}/ai/openapi/v2/instance-service/resources?resourceGroup=…&acceleratorType=…`
//! with header `token`. One request, retried within the run's deadline; the
//! answer read leniently, with the token blanked out of whatever may reach
//! a message or a cache.

use reqwest::{StatusCode, Url};
use serde_json::Value;
use tokio::time::Instant;

use super::envelope::{self, Shape, clip};
use super::error::Error;
use super::http::{
    self, BodyError, Deadline, MAX_ATTEMPTS, MAX_BODY_BYTES, Step, error_chain, origin, shown_text,
};
use super::notice::{Notice, Sink};
use super::token::{TOKEN_HELP, Token};

/// The path under the AI base.
pub const RESOURCES_PATH: &str = "ai/openapi/v2/instance-service/resources";

/// The resources URL for an AI base: `https://h:p` and `https://h:p/ai/` both
/// give `https://h:p/ai/openapi/v2/instance-service/resources`. Plain
/// `http://` is refused except to loopback hosts.
pub fn resources_url(endpoint: &str) -> Result<Url, Error> {
    let base = Url::parse(endpoint.trim()).map_err(|e| {
        Error::Usage(format!(
            "--endpoint `{}` is not a URL ({e}); give the platform's AI address, e.g. https://host:port",
            clip(&shown_text(endpoint))
        ))
    })?;
    http::secure_base(&base, "--endpoint", "the token")?;
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

/// The request URL for one (group, accelerator type).
pub fn query(resources: &Url, group: &str, accelerator: &str) -> Url {
    let mut url = resources.clone();
    url.query_pairs_mut()
        .append_pair("resourceGroup", group)
        .append_pair("acceleratorType", accelerator);
    url
}

/// What one request came to.
#[derive(Debug)]
pub enum Outcome {
    /// `data`, with the token blanked out of it.
    Found(Value),
    /// Code 10004: no such group (or type).
    UnknownGroup,
    /// No answer, and why (the token blanked out).
    Failed(String),
}

/// One limits request: attempts, retries, and the `--verbose` log.
pub struct Request<'a> {
    pub client: &'a reqwest::Client,
    /// From [`query`].
    pub url: &'a Url,
    pub token: &'a Token,
    pub deadline: Deadline,
    /// `--verbose`: where the request's log lines go.
    pub log: Option<&'a dyn Sink>,
}

impl Request<'_> {
    /// A `--verbose` line, with the token blanked out however it got there.
    fn log(&self, line: &str) {
        if let Some(sink) = self.log {
            sink.notice(Notice::debug(self.token.redact(line)));
        }
    }

    pub async fn run(&self) -> Outcome {
        let (client, url, token) = (self.client, self.url, self.token);
        let what = format!("the platform at {}", origin(url));
        // The same headers go with every attempt.
        let sent = match (
            self.log.is_some(),
            build_request(client, url, token, self.deadline),
        ) {
            (true, Ok(request)) => headers_text(&request),
            _ => String::new(),
        };
        let sent = sent.as_str();
        let attempt = |n: u32| async move {
            let started = Instant::now();
            let request = match build_request(client, url, token, self.deadline) {
                Ok(r) => r,
                Err(e) => {
                    return Step::Done(Outcome::Failed(format!(
                        "cannot build the request: {}",
                        error_chain(&e.without_url())
                    )));
                }
            };
            let mut status = None;
            let step = attempt_once(client, request, token, &mut status).await;
            if self.log.is_some() {
                let what = match (&status, &step) {
                    (Some(s), _) => format!("HTTP {s}"),
                    (None, Step::Done(Outcome::Failed(reason)))
                    | (None, Step::Retry { reason, .. }) => format!("no status ({reason})"),
                    (None, _) => "no status".to_string(),
                };
                self.log(&format!(
                    "GET {url} (attempt {n} of {MAX_ATTEMPTS}): {what} in {} ms; headers sent: {sent}",
                    started.elapsed().as_millis()
                ));
            }
            step
        };
        let outcome = http::retrying(
            self.deadline.at,
            self.deadline.budget,
            &what,
            attempt,
            |line| self.log(&format!("GET {url} {line}; headers sent: {sent}")),
        )
        .await
        .unwrap_or_else(Outcome::Failed);
        match outcome {
            Outcome::Failed(reason) => Outcome::Failed(token.redact(&reason)),
            other => other,
        }
    }
}

fn build_request(
    client: &reqwest::Client,
    url: &Url,
    token: &Token,
    deadline: Deadline,
) -> reqwest::Result<reqwest::Request> {
    client
        .get(url.clone())
        .timeout(http::request_timeout(deadline.budget))
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

/// One request. `status` is set as soon as the answer's head arrives, so a
/// caller that gives up on a slow body can still say what it was.
async fn attempt_once(
    client: &reqwest::Client,
    request: reqwest::Request,
    token: &Token,
    status_seen: &mut Option<StatusCode>,
) -> Step<Outcome> {
    let url = request.url().clone();
    let response = match client.execute(request).await {
        Ok(r) => r,
        Err(e) => return http::send_failure(e, &origin(&url), Outcome::Failed),
    };
    let status = response.status();
    *status_seen = Some(status);
    if status == StatusCode::TOO_MANY_REQUESTS {
        let retry_after = http::retry_after(&response);
        return Step::Retry {
            reason: format!("the platform is rate limiting requests (HTTP {status})"),
            retry_after,
        };
    }
    if status.is_server_error() {
        return Step::Retry {
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
            clip(&token.redact(&shown_text(to)))
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
    match http::read_body(response).await {
        Ok(body) => interpret(&body, token),
        Err(BodyError::TooLarge) => Step::Done(Outcome::Failed(too_large())),
        Err(BodyError::CutOff(cause)) => Step::Retry {
            reason: format!("the answer was cut off: {cause}"),
            retry_after: None,
        },
    }
}

fn too_large() -> String {
    format!(
        "the platform's answer is larger than {} MiB, which no limits answer is; refused",
        MAX_BODY_BYTES / (1024 * 1024)
    )
}

/// What an answer's body means.
fn interpret(body: &[u8], token: &Token) -> Step<Outcome> {
    let hide = |t: &str| token.redact(t);
    let answer = match envelope::parse(body, &hide) {
        Ok(answer) => answer,
        Err(Shape::NotJson { error, start }) => {
            return Step::Done(Outcome::Failed(format!(
                "the platform's answer is not JSON ({error}); it starts with `{start}`"
            )));
        }
        Err(Shape::NotObject) => {
            return Step::Done(Outcome::Failed(
                "the platform's answer has the wrong shape: expected an object with `code` and `data`"
                    .into(),
            ));
        }
    };
    let Some(code) = answer.code.as_deref() else {
        return Step::Done(Outcome::Failed(
            "the platform's answer has the wrong shape: no `code` string".into(),
        ));
    };
    if answer.is_success() {
        return match answer.data {
            Some(data @ Value::Object(_)) => {
                Step::Done(Outcome::Found(http::redact_value(data, &hide)))
            }
            None => Step::Done(Outcome::Failed(
                "the platform answered success (code \"0\") but without `data`".into(),
            )),
            Some(_) => Step::Done(Outcome::Failed(
                "the platform's answer has the wrong shape: `data` is not an object".into(),
            )),
        };
    }
    if code == envelope::INVALID_PARAMETERS {
        return Step::Done(Outcome::UnknownGroup);
    }
    let said = answer.said();
    let text = match envelope::code_meaning(code) {
        Some((meaning, todo)) => {
            let todo = if envelope::is_permission(code) {
                format!("{todo}: {TOKEN_HELP}")
            } else {
                todo.to_string()
            };
            format!("the platform answered code {code} ({meaning}){said}; {todo}")
        }
        None => format!(
            "the platform answered error code {}{said}, which jobcheck does not know; the limits could not be had",
            clip(code)
        ),
    };
    if code == envelope::INTERRUPTED {
        return Step::Retry {
            reason: text,
            retry_after: None,
        };
    }
    Step::Done(Outcome::Failed(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn interpret_(body: &[u8]) -> Step<Outcome> {
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
            Step::Retry { .. }
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
            assert!(
                matches!(resources_url(name), Err(Error::Usage(_))),
                "{name}"
            );
        }
        for name in ["http://example.invalid", "ftp://h", "not a url"] {
            assert!(
                matches!(resources_url(name), Err(Error::Usage(_))),
                "{name}"
            );
        }
    }
}
