//! The platform's answer envelope, `{"code": "0", "msg": "…", "data": …}`,
//! read in one place for every service (limits, minting, discovery) and for
//! saved answers in a limits file, with the meaning of its error codes.
//!
//! `code` may come as a string or a number; `"0"` is success. Whatever of
//! the envelope may reach a message passes through the caller's `hide`
//! (which blanks out the token or secret key) before it is clipped, so that
//! clipping cannot cut a secret in two and slip a piece past redaction.

use serde_json::Value;

/// The code of success.
pub const SUCCESS: &str = "0";
/// "invalid parameters": for a limits request, no such resource group.
pub const INVALID_PARAMETERS: &str = "10004";
/// "connection interrupted": worth another attempt.
pub const INTERRUPTED: &str = "10012";

/// An envelope's parts, as read.
#[derive(Clone, Debug, PartialEq)]
pub struct Envelope<D = Value> {
    /// Trimmed; `None` when missing or neither a string nor a number.
    pub code: Option<String>,
    /// Hidden and clipped; `None` when missing or empty.
    pub msg: Option<String>,
    /// `None` when missing or null.
    pub data: Option<D>,
}

/// Why a body is no envelope at all.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Shape {
    /// Not JSON: the parser's words, and the body's first 80 characters
    /// (hidden and clipped).
    NotJson { error: String, start: String },
    /// JSON, but not an object.
    NotObject,
}

/// Read a JSON body as an envelope. `hide` blanks out secrets in text.
pub fn parse(body: &[u8], hide: &dyn Fn(&str) -> String) -> Result<Envelope, Shape> {
    let value: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => {
            let text = hide(&String::from_utf8_lossy(body));
            let start: String = text.chars().take(80).collect();
            return Err(Shape::NotJson {
                error: e.to_string(),
                start: clip(&start),
            });
        }
    };
    let Value::Object(mut map) = value else {
        return Err(Shape::NotObject);
    };
    let code = match map.get("code") {
        Some(Value::String(s)) => Some(s.as_str()),
        _ => None,
    }
    .map(|s| hide(s.trim()))
    .or_else(|| match map.get("code") {
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    });
    let msg = map.get("msg").and_then(Value::as_str).map(str::to_string);
    let data = map.remove("data").filter(|d| !d.is_null());
    Ok(Envelope::from_parts(code, msg, data, hide))
}

impl<D> Envelope<D> {
    /// An envelope from parts read elsewhere (a saved answer in a limits
    /// file). `msg` is hidden and clipped here.
    pub fn from_parts(
        code: Option<String>,
        msg: Option<String>,
        data: Option<D>,
        hide: &dyn Fn(&str) -> String,
    ) -> Envelope<D> {
        Envelope {
            code: code.map(|c| c.trim().to_string()),
            msg: msg.map(|m| clip(&hide(&m))).filter(|m| !m.is_empty()),
            data,
        }
    }

    pub fn is_success(&self) -> bool {
        self.code.as_deref() == Some(SUCCESS)
    }

    /// `: "the message"`, or nothing.
    pub fn said(&self) -> String {
        self.msg
            .as_ref()
            .map(|m| format!(": \"{m}\""))
            .unwrap_or_default()
    }

    /// An error answer in words: `code 10007 (user frozen): "…"`.
    pub fn code_text(&self) -> String {
        let said = self.said();
        match self.code.as_deref() {
            None => format!("without a `code`{said}"),
            Some(c) => match code_meaning(c) {
                Some((meaning, _)) => format!("code {c} ({meaning}){said}"),
                None => format!("code {}{said}, which jobcheck does not know", clip(c)),
            },
        }
    }
}

/// Server text fit for a one-line message: control characters out, clipped.
pub fn clip(text: &str) -> String {
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
pub fn code_meaning(code: &str) -> Option<(&'static str, &'static str)> {
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

/// Whether a code says the token lacks a permission (so the user should
/// also be told where tokens come from).
pub fn is_permission(code: &str) -> bool {
    matches!(code, "10008" | "10009")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(t: &str) -> String {
        t.replace("SECRET", "<redacted>")
    }

    #[test]
    fn codes_as_strings_or_numbers() {
        let e = parse(br#"{"code":" 0 ","data":{"a":1}}"#, &plain).unwrap();
        assert!(e.is_success());
        assert!(e.data.is_some());
        let e = parse(
            br#"{"code":10007,"msg":"frozen SECRET","data":null}"#,
            &plain,
        )
        .unwrap();
        assert_eq!(e.code.as_deref(), Some("10007"));
        assert_eq!(e.data, None);
        assert_eq!(
            e.code_text(),
            "code 10007 (user frozen): \"frozen <redacted>\""
        );
        let e = parse(br#"{"msg":""}"#, &plain).unwrap();
        assert_eq!(e.code_text(), "without a `code`");
        let e = parse(br#"{"code":"77"}"#, &plain).unwrap();
        assert!(e.code_text().contains("does not know"));
    }

    #[test]
    fn shapes() {
        assert_eq!(parse(b"[1]", &plain), Err(Shape::NotObject));
        let Err(Shape::NotJson { start, .. }) = parse(b"<html>SECRET\n", &plain) else {
            panic!()
        };
        assert_eq!(start, "<html><redacted>");
    }
}
