//! JSON-RPC framing over a byte stream: `Content-Length` headers, then the
//! body. Unlike `lsp_server`'s own stdio transport, a malformed frame or
//! body does not end the connection: it becomes an error to answer.

use std::io::{self, BufRead, Write};

use lsp_server::{ErrorCode, Message};
use serde_json::Value;

/// The largest body read; beyond it the stream cannot be trusted.
const MAX_BODY: usize = 64 * 1024 * 1024;

/// What one frame of the input held.
#[derive(Debug)]
pub enum Incoming {
    Message(Message),
    /// Answer with this error (`id` null when it could not be read).
    Malformed {
        id: Value,
        code: ErrorCode,
        message: String,
    },
    /// The end of the input, or a stream past saving.
    Closed,
}

fn malformed(id: Value, code: ErrorCode, message: impl Into<String>) -> Incoming {
    Incoming::Malformed {
        id,
        code,
        message: message.into(),
    }
}

/// Read one frame.
pub fn read(input: &mut impl BufRead) -> Incoming {
    let mut length: Option<usize> = None;
    let mut bad_header = None;
    let mut saw_header = false;
    loop {
        let mut line = String::new();
        match input.read_line(&mut line) {
            Ok(0) => return Incoming::Closed,
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::InvalidData => {
                bad_header = Some("a header that is not UTF-8".to_string());
                continue;
            }
            Err(_) => return Incoming::Closed,
        }
        let line = line.trim_end_matches(['\r', '\n']);
        if line.is_empty() {
            if saw_header {
                break;
            }
            continue;
        }
        saw_header = true;
        match line.split_once(':') {
            Some((name, value)) if name.trim().eq_ignore_ascii_case("content-length") => {
                match value.trim().parse::<usize>() {
                    Ok(n) => length = Some(n),
                    Err(_) => bad_header = Some(format!("a bad Content-Length `{}`", value.trim())),
                }
            }
            Some(_) => {}
            None => bad_header = Some(format!("a malformed header line `{line}`")),
        }
    }
    let Some(length) = length else {
        let why = bad_header.unwrap_or_else(|| "no Content-Length header".into());
        return malformed(
            Value::Null,
            ErrorCode::ParseError,
            format!("frame with {why}"),
        );
    };
    if length > MAX_BODY {
        return Incoming::Closed;
    }
    let mut body = vec![0; length];
    if input.read_exact(&mut body).is_err() {
        return Incoming::Closed;
    }
    parse(&body)
}

/// Read a frame's body as a message.
pub fn parse(body: &[u8]) -> Incoming {
    let value: Value = match serde_json::from_slice(body) {
        Ok(value) => value,
        Err(e) => return malformed(Value::Null, ErrorCode::ParseError, format!("not JSON: {e}")),
    };
    let id = match value.get("id") {
        Some(id @ (Value::Number(_) | Value::String(_))) => id.clone(),
        _ => Value::Null,
    };
    if !value.is_object() || value.get("method").is_some_and(|m| !m.is_string()) {
        return malformed(
            id,
            ErrorCode::InvalidRequest,
            "not a JSON-RPC request or notification",
        );
    }
    match serde_json::from_value::<Message>(value) {
        Ok(message) => Incoming::Message(message),
        Err(e) => malformed(
            id,
            ErrorCode::InvalidRequest,
            format!("not a JSON-RPC message: {e}"),
        ),
    }
}

/// Write a message with its header (lsp-server adds the `jsonrpc` member).
pub fn write(output: &mut dyn Write, message: &Message) -> io::Result<()> {
    message.write(&mut &mut *output)
}

/// An error answer to a message that could not be read as one: its id may
/// be any JSON value (or null), which lsp-server's `Response` cannot carry.
pub fn write_error(
    output: &mut dyn Write,
    id: Value,
    code: ErrorCode,
    message: &str,
) -> io::Result<()> {
    #[derive(serde::Serialize)]
    struct Failure<'a> {
        code: i32,
        message: &'a str,
    }
    #[derive(serde::Serialize)]
    struct Answer<'a> {
        jsonrpc: &'static str,
        id: Value,
        error: Failure<'a>,
    }
    let body = Answer {
        jsonrpc: "2.0",
        id,
        error: Failure {
            code: code as i32,
            message,
        },
    };
    let text = serde_json::to_string(&body).map_err(io::Error::other)?;
    write!(output, "Content-Length: {}\r\n\r\n{text}", text.len())?;
    output.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn frames(text: &str) -> Vec<Incoming> {
        let mut input = io::Cursor::new(text.as_bytes().to_vec());
        let mut out = Vec::new();
        loop {
            match read(&mut input) {
                Incoming::Closed => return out,
                other => out.push(other),
            }
        }
    }

    #[test]
    fn bad_frames_become_errors_and_reading_goes_on() {
        let ok = r#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#;
        let text = format!(
            "Content-Length: 5\r\n\r\n{{bad}}Content-Length: 7\r\n\r\n[1,2,3]Content-Length: 11\r\n\r\n{{\"id\":true}}\
             Content-Length: {}\r\n\r\n{ok}",
            ok.len()
        );
        let got = frames(&text);
        assert_eq!(got.len(), 4, "{got:?}");
        assert!(matches!(
            &got[0],
            Incoming::Malformed {
                code: ErrorCode::ParseError,
                ..
            }
        ));
        assert!(matches!(
            &got[1],
            Incoming::Malformed {
                code: ErrorCode::InvalidRequest,
                ..
            }
        ));
        assert!(matches!(
            &got[2],
            Incoming::Malformed {
                code: ErrorCode::InvalidRequest,
                ..
            }
        ));
        assert!(
            matches!(&got[3], Incoming::Message(Message::Notification(n)) if n.method == "initialized")
        );
    }

    #[test]
    fn a_frame_without_length_is_an_error_and_a_short_body_ends_the_stream() {
        let got = frames("X-Other: 1\r\n\r\nContent-Length: 100\r\n\r\n{}");
        assert_eq!(got.len(), 1, "{got:?}");
        assert!(matches!(
            &got[0],
            Incoming::Malformed {
                id: Value::Null,
                ..
            }
        ));
    }

    #[test]
    fn the_id_of_a_bad_request_is_kept() {
        let got = parse(br#"{"jsonrpc":"2.0","id":7,"method":3}"#);
        assert!(matches!(got, Incoming::Malformed { id, .. } if id == json!(7)));
    }
}
