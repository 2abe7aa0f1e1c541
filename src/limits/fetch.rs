//! One limits request: sending it with the token, retrying it within the
//! run's deadline, and reading the platform's answer (leniently, with the
//! token blanked out of whatever may reach a message or the cache).

use std::time::Duration;

use reqwest::{StatusCode, Url};
use serde_json::Value;
use tokio::time::Instant;

use crate::limits::api::{MAX_BODY_BYTES, Outcome, redact, redact_value};
use crate::limits::net::{self, MAX_ATTEMPTS, Step, error_chain, shown_text};
use crate::limits::token::{TOKEN_HELP, Token};
use crate::limits::{Limits, Loose, Pair};

/// One pair's fetch: attempts, retries, and the `--verbose` log.
pub(crate) struct Fetch<'a> {
    pub client: &'a reqwest::Client,
    pub url: &'a Url,
    pub token: &'a Token,
    pub deadline: Instant,
    pub span: Duration,
    pub verbose: bool,
}

impl Fetch<'_> {
    /// A `--verbose` line on stderr, with the token blanked out however it
    /// got there.
    fn log(&self, line: &str) {
        if self.verbose {
            eprintln!("debug: {}", redact(line, self.token));
        }
    }

    pub(crate) async fn run(&self) -> Outcome {
        let (client, url, token) = (self.client, self.url, self.token);
        let what = format!("the platform at {}", origin(url));
        // The same headers go with every attempt.
        let sent = match (self.verbose, build_request(client, url, token)) {
            (true, Ok(request)) => headers_text(&request),
            _ => String::new(),
        };
        let sent = sent.as_str();
        let attempt = |n: u32| async move {
            let started = Instant::now();
            let request = match build_request(client, url, token) {
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
            if self.verbose {
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
        net::retrying(self.deadline, self.span, &what, attempt, |line| {
            self.log(&format!("GET {url} {line}; headers sent: {sent}"))
        })
        .await
        .unwrap_or_else(Outcome::Failed)
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
) -> Step<Outcome> {
    let url = request.url().clone();
    let response = match client.execute(request).await {
        Ok(r) => r,
        Err(e) => return net::send_failure(e, &origin(&url), Outcome::Failed),
    };
    let status = response.status();
    *status_seen = Some(status);
    if status == StatusCode::TOO_MANY_REQUESTS {
        let retry_after = net::retry_after(&response);
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
            clip(&redact(&shown_text(to), token))
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
                return Step::Retry {
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
fn interpret(body: &[u8], token: &Token) -> Step<Outcome> {
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
        return Step::Retry {
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
/// which nothing at all can be read is no answer: [`crate::limits::Lookup::from_limits`]
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
    use crate::vocab::AccelType;
    use serde_json::json;

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
}
