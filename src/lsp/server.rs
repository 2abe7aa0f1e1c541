//! The server loop: the `initialize` handshake, open documents, checks
//! debounced per document, limits fetched on background threads, and a
//! clean `shutdown`/`exit`.

use std::collections::{HashMap, HashSet};
use std::io::{BufReader, Read, Write};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use lsp_server::{ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::{
    CodeActionKind, CodeActionOptions, CodeActionParams, CodeActionProviderCapability,
    CompletionOptions, CompletionParams, DidChangeTextDocumentParams, DidChangeWatchedFilesParams,
    DidCloseTextDocumentParams, DidOpenTextDocumentParams, DidSaveTextDocumentParams, HoverParams,
    HoverProviderCapability, InitializeResult, MessageType, PositionEncodingKind,
    PublishDiagnosticsParams, SaveOptions, ServerCapabilities, ServerInfo, ShowMessageParams,
    TextDocumentSyncCapability, TextDocumentSyncKind, TextDocumentSyncOptions,
    TextDocumentSyncSaveOptions, Uri,
};
use serde_json::Value;

use super::analysis::{self, Answers, Fetched, Finding, Pair, Workspace};
use super::features;
use super::position::{Encoding, Lines};
use super::transport::{self, Incoming};
use super::uri;
use crate::pipeline::verdict;

/// After a check, further changes within this time are checked together
/// at its end (`initializationOptions.debounceMs` sets it).
const DEBOUNCE: Duration = Duration::from_millis(150);

enum Event {
    Incoming(Incoming),
    Fetched(Fetched),
}

struct Doc {
    uri: Uri,
    path: PathBuf,
    text: String,
    version: i32,
    /// Whether the document is YAML or JSON.
    job_like: bool,
    /// Whether it is checked: YAML or JSON, and taken by the
    /// configuration's `include` / `exclude`.
    checked: bool,
    findings: Vec<Finding>,
    groups: Vec<String>,
    due: Option<Instant>,
    last_check: Option<Instant>,
}

struct Server<W: Write> {
    out: W,
    encoding: Encoding,
    root: Option<PathBuf>,
    workspace: Workspace,
    answers: Answers,
    in_flight: HashSet<Pair>,
    /// Pairs wanted while a fetch was under way (one fetch at a time).
    queued: Vec<Pair>,
    /// Files other than the open documents that hold diagnostics (a
    /// configuration or limits file that cannot be used).
    published: HashSet<String>,
    docs: HashMap<String, Doc>,
    events: mpsc::Sender<Event>,
    debounce: Duration,
    shut_down: bool,
}

/// Serve the protocol on `input`/`output` until `exit` (or the end of the
/// input). Returns the exit code: 0 after `shutdown`, else 1.
///
/// Settings are resolved by the library's one resolver, as `check`
/// resolves them; nothing is written to the environment.
pub fn serve(input: impl Read + Send + 'static, mut out: impl Write) -> u8 {
    let mut input = BufReader::new(input);
    let (id, params) = loop {
        match transport::read(&mut input) {
            Incoming::Closed => return 1,
            Incoming::Malformed { id, code, message } => {
                let _ = transport::write_error(&mut out, id, code, &message);
            }
            // Only the few settings used are read from the parameters, so
            // that a client's capability this crate's types do not know
            // cannot fail the handshake.
            Incoming::Message(Message::Request(req)) if req.method == "initialize" => {
                if req.params.is_object() {
                    break (req.id, req.params);
                }
                let response = Response::new_err(
                    req.id,
                    ErrorCode::InvalidParams as i32,
                    "the initialize params must be an object".into(),
                );
                let _ = transport::write(&mut out, &response.into());
            }
            Incoming::Message(Message::Request(req)) => {
                let response = Response::new_err(
                    req.id,
                    ErrorCode::ServerNotInitialized as i32,
                    "the server is not initialized yet".into(),
                );
                let _ = transport::write(&mut out, &response.into());
            }
            Incoming::Message(Message::Notification(n)) if n.method == "exit" => {
                return verdict::of_server(false);
            }
            Incoming::Message(_) => {}
        }
    };
    let offered: Option<Vec<PositionEncodingKind>> = params
        .pointer("/capabilities/general/positionEncodings")
        .and_then(Value::as_array)
        .map(|kinds| {
            kinds
                .iter()
                .filter_map(Value::as_str)
                .filter_map(|k| match k {
                    "utf-8" => Some(PositionEncodingKind::UTF8),
                    "utf-16" => Some(PositionEncodingKind::UTF16),
                    "utf-32" => Some(PositionEncodingKind::UTF32),
                    _ => None,
                })
                .collect()
        });
    let encoding = Encoding::negotiate(offered.as_deref());
    let root = root_of(&params);
    let debounce = params
        .pointer("/initializationOptions/debounceMs")
        .and_then(Value::as_u64)
        .map_or(DEBOUNCE, |ms| Duration::from_millis(ms.min(10_000)));
    let workspace = Workspace::load(root.as_deref());
    let result = InitializeResult {
        capabilities: capabilities(encoding),
        server_info: Some(ServerInfo {
            name: "jobcheck".into(),
            version: Some(env!("CARGO_PKG_VERSION").into()),
        }),
    };
    let response = Response::new_ok(id, result);
    if transport::write(&mut out, &response.into()).is_err() {
        return 1;
    }
    let (events, received) = mpsc::channel();
    let reader = events.clone();
    let started = std::thread::Builder::new()
        .name("jobcheck-lsp-reader".into())
        .spawn(move || {
            loop {
                let incoming = transport::read(&mut input);
                let end = match &incoming {
                    Incoming::Closed => true,
                    Incoming::Message(Message::Notification(n)) => n.method == "exit",
                    _ => false,
                };
                if reader.send(Event::Incoming(incoming)).is_err() || end {
                    return;
                }
            }
        });
    if started.is_err() {
        return 1;
    }
    let mut server = Server {
        out,
        encoding,
        root,
        workspace,
        answers: Answers::default(),
        in_flight: HashSet::new(),
        queued: Vec::new(),
        published: HashSet::new(),
        docs: HashMap::new(),
        events,
        debounce,
        shut_down: false,
    };
    server.tell_problems();
    server.publish_broken();
    server.run(received)
}

/// The workspace root: the first workspace folder, else `rootUri`, else
/// `rootPath`.
fn root_of(params: &Value) -> Option<PathBuf> {
    let uri_at = |pointer: &str| {
        params
            .pointer(pointer)
            .and_then(Value::as_str)
            .and_then(|u| Uri::from_str(u).ok())
            .and_then(|u| uri::to_path(&u))
    };
    uri_at("/workspaceFolders/0/uri")
        .or_else(|| uri_at("/rootUri"))
        .or_else(|| {
            params
                .pointer("/rootPath")
                .and_then(Value::as_str)
                .map(PathBuf::from)
        })
}

fn capabilities(encoding: Encoding) -> ServerCapabilities {
    ServerCapabilities {
        position_encoding: Some(encoding.kind()),
        text_document_sync: Some(TextDocumentSyncCapability::Options(
            TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(TextDocumentSyncKind::FULL),
                save: Some(TextDocumentSyncSaveOptions::SaveOptions(SaveOptions {
                    include_text: Some(false),
                })),
                ..TextDocumentSyncOptions::default()
            },
        )),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(vec![":".into(), "\"".into()]),
            ..CompletionOptions::default()
        }),
        code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
            code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
            ..CodeActionOptions::default()
        })),
        ..ServerCapabilities::default()
    }
}

/// A request's answer: a result, or an error code and message.
type Answer = Result<Value, (ErrorCode, String)>;

fn params<P: serde::de::DeserializeOwned>(req: &Request) -> Result<P, (ErrorCode, String)> {
    serde_json::from_value(req.params.clone()).map_err(|e| {
        (
            ErrorCode::InvalidParams,
            format!("bad params for {}: {e}", req.method),
        )
    })
}

impl<W: Write> Server<W> {
    fn run(&mut self, events: mpsc::Receiver<Event>) -> u8 {
        loop {
            let due = self.docs.values().filter_map(|d| d.due).min();
            let event = match due {
                Some(due) => events.recv_timeout(due.saturating_duration_since(Instant::now())),
                None => events
                    .recv()
                    .map_err(|_| mpsc::RecvTimeoutError::Disconnected),
            };
            match event {
                Ok(Event::Incoming(Incoming::Closed))
                | Err(mpsc::RecvTimeoutError::Disconnected) => return 1,
                Ok(Event::Incoming(Incoming::Malformed { id, code, message })) => {
                    let _ = transport::write_error(&mut self.out, id, code, &message);
                }
                Ok(Event::Incoming(Incoming::Message(message))) => {
                    if let Some(code) = self.handle(message) {
                        return code;
                    }
                }
                Ok(Event::Fetched(fetched)) => {
                    let pairs = fetched.pairs();
                    for p in &pairs {
                        self.in_flight.remove(p);
                    }
                    let ttl = self
                        .workspace
                        .api()
                        .map_or(analysis::MIN_REFETCH, |a| a.cache_ttl);
                    self.answers.absorb(fetched, ttl);
                    let queued = std::mem::take(&mut self.queued);
                    self.fetch(queued);
                    let now = Instant::now();
                    for doc in self.docs.values_mut().filter(|d| d.checked) {
                        doc.due = Some(now);
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {}
            }
            self.check_due();
        }
    }

    fn send(&mut self, message: Message) {
        let _ = transport::write(&mut self.out, &message);
    }

    fn notify(&mut self, method: &str, params: impl serde::Serialize) {
        self.send(Message::Notification(Notification::new(
            method.into(),
            params,
        )));
    }

    fn tell_problems(&mut self) {
        for message in std::mem::take(&mut self.workspace.problems) {
            self.notify(
                "window/showMessage",
                ShowMessageParams {
                    typ: MessageType::WARNING,
                    message,
                },
            );
        }
    }

    /// One message; `Some(code)` when the server is to exit.
    fn handle(&mut self, message: Message) -> Option<u8> {
        match message {
            Message::Request(req) => {
                let id = req.id.clone();
                let answer = catch_unwind(AssertUnwindSafe(|| self.request(&req)))
                    .unwrap_or_else(|_| Err((ErrorCode::InternalError, "internal error".into())));
                self.respond(id, answer);
                None
            }
            Message::Notification(n) if n.method == "exit" => {
                Some(verdict::of_server(self.shut_down))
            }
            Message::Notification(n) => {
                let _ = catch_unwind(AssertUnwindSafe(|| self.notification(n)));
                None
            }
            Message::Response(_) => None,
        }
    }

    fn respond(&mut self, id: RequestId, answer: Answer) {
        let response = match answer {
            Ok(result) => Response::new_ok(id, result),
            Err((code, message)) => Response::new_err(id, code as i32, message),
        };
        self.send(Message::Response(response));
    }

    fn request(&mut self, req: &Request) -> Answer {
        if self.shut_down {
            return Err((
                ErrorCode::InvalidRequest,
                "the server is shutting down".into(),
            ));
        }
        let json = |v: Result<Value, serde_json::Error>| {
            v.map_err(|e| (ErrorCode::InternalError, e.to_string()))
        };
        match req.method.as_str() {
            "shutdown" => {
                self.shut_down = true;
                Ok(Value::Null)
            }
            "initialize" => Err((ErrorCode::InvalidRequest, "already initialized".into())),
            "textDocument/hover" => {
                let p: HoverParams = params(req)?;
                let at = p.text_document_position_params;
                let Some(doc) = self.docs.get(at.text_document.uri.as_str()) else {
                    return Ok(Value::Null);
                };
                let offset = Lines::new(&doc.text, self.encoding).offset(at.position);
                let info =
                    analysis::hover(&self.workspace, &self.answers, &doc.path, &doc.text, offset);
                json(serde_json::to_value(
                    info.map(|i| features::hover(&doc.text, self.encoding, i)),
                ))
            }
            "textDocument/completion" => {
                let p: CompletionParams = params(req)?;
                let at = p.text_document_position;
                let Some(doc) = self.docs.get(at.text_document.uri.as_str()) else {
                    return Ok(Value::Null);
                };
                let offset = Lines::new(&doc.text, self.encoding).offset(at.position);
                let items = super::completion::complete(
                    &self.workspace,
                    &self.answers,
                    &doc.path,
                    &doc.text,
                    offset,
                );
                json(serde_json::to_value(features::completion(items)))
            }
            "textDocument/codeAction" => {
                let p: CodeActionParams = params(req)?;
                let Some(doc) = self.docs.get(p.text_document.uri.as_str()) else {
                    return Ok(Value::Array(Vec::new()));
                };
                let mut actions = features::code_actions(
                    &doc.uri,
                    &doc.text,
                    self.encoding,
                    &doc.findings,
                    p.range,
                );
                actions.extend(super::ignore::actions(
                    &doc.uri,
                    &doc.text,
                    super::model::is_json(&doc.path),
                    self.encoding,
                    &doc.findings,
                    p.range,
                ));
                json(serde_json::to_value(actions))
            }
            "jobcheck/settings" => Ok(self.workspace.settings_json()),
            "jobcheck/explain" => {
                let code = req.params.get("code").and_then(Value::as_str).ok_or((
                    ErrorCode::InvalidParams,
                    "give {\"code\": CODE}".to_string(),
                ))?;
                let code = code.strip_prefix("jobcheck-explain:").unwrap_or(code);
                analysis::explain(code)
                    .map(Value::String)
                    .ok_or((ErrorCode::InvalidParams, format!("unknown code `{code}`")))
            }
            other => Err((
                ErrorCode::MethodNotFound,
                format!("unknown method `{other}`"),
            )),
        }
    }

    fn notification(&mut self, n: Notification) {
        let now = Instant::now();
        match n.method.as_str() {
            "textDocument/didOpen" => {
                let Ok(p) = n.extract::<DidOpenTextDocumentParams>("textDocument/didOpen") else {
                    return;
                };
                let item = p.text_document;
                let path = uri::name_of(&item.uri);
                let own = uri::to_path(&item.uri).is_some()
                    && (self.workspace.is_config_file(&path)
                        || self.workspace.is_limits_file(&path));
                let job_like = !own
                    && (matches!(item.language_id.as_str(), "yaml" | "json" | "jsonc")
                        || analysis::is_job_file(&path));
                let checked = own || (job_like && self.selects(&item.uri, &path));
                self.docs.insert(
                    item.uri.as_str().to_string(),
                    Doc {
                        uri: item.uri,
                        path,
                        text: item.text,
                        version: item.version,
                        job_like,
                        checked,
                        findings: Vec::new(),
                        groups: Vec::new(),
                        due: checked.then_some(now),
                        last_check: None,
                    },
                );
            }
            "textDocument/didChange" => {
                let Ok(p) = n.extract::<DidChangeTextDocumentParams>("textDocument/didChange")
                else {
                    return;
                };
                let encoding = self.encoding;
                let debounce = self.debounce;
                let Some(doc) = self.docs.get_mut(p.text_document.uri.as_str()) else {
                    return;
                };
                for change in p.content_changes {
                    match change.range {
                        None => doc.text = change.text,
                        Some(range) => {
                            let lines = Lines::new(&doc.text, encoding);
                            let (a, b) = (lines.offset(range.start), lines.offset(range.end));
                            if a <= b {
                                doc.text.replace_range(a..b, &change.text);
                            }
                        }
                    }
                }
                doc.version = p.text_document.version;
                if doc.checked {
                    // At once after a pause; during a burst, at the end of
                    // the window that the last check opened.
                    let at = doc.last_check.map_or(now, |t| (t + debounce).max(now));
                    doc.due = Some(doc.due.map_or(at, |d| d.min(at).max(now)));
                }
            }
            "textDocument/didSave" => {
                let Ok(p) = n.extract::<DidSaveTextDocumentParams>("textDocument/didSave") else {
                    return;
                };
                self.saved(uri::to_path(&p.text_document.uri));
                if let Some(doc) = self.docs.get_mut(p.text_document.uri.as_str())
                    && doc.checked
                {
                    doc.due = Some(now);
                }
            }
            "workspace/didChangeWatchedFiles" => {
                let Ok(p) =
                    n.extract::<DidChangeWatchedFilesParams>("workspace/didChangeWatchedFiles")
                else {
                    return;
                };
                for change in p.changes {
                    self.saved(uri::to_path(&change.uri));
                }
            }
            "textDocument/didClose" => {
                let Ok(p) = n.extract::<DidCloseTextDocumentParams>("textDocument/didClose") else {
                    return;
                };
                if self.docs.remove(p.text_document.uri.as_str()).is_some() {
                    self.publish(p.text_document.uri, Vec::new(), None);
                }
            }
            _ => {}
        }
    }

    /// A saved limits file or configuration is read again, and every open
    /// document checked again.
    fn saved(&mut self, path: Option<PathBuf>) {
        let Some(path) = path else { return };
        let is_config = path.file_name().is_some_and(|n| n == "jobcheck.toml");
        if is_config {
            self.workspace = Workspace::load(self.root.as_deref());
        } else if self.workspace.is_limits_file(&path) {
            self.workspace.reload_limits();
        } else {
            return;
        }
        self.tell_problems();
        self.publish_broken();
        let now = Instant::now();
        let mut dropped = Vec::new();
        for doc in self.docs.values_mut() {
            let was = doc.checked;
            let own = uri::to_path(&doc.uri).is_some()
                && (self.workspace.is_config_file(&doc.path)
                    || self.workspace.is_limits_file(&doc.path));
            doc.checked = own
                || (doc.job_like
                    && (uri::to_path(&doc.uri).is_none() || self.workspace.selects(&doc.path)));
            if doc.checked {
                doc.due = Some(now);
            } else if was {
                doc.findings.clear();
                doc.due = None;
                dropped.push(doc.uri.clone());
            }
        }
        for uri in dropped {
            self.publish(uri, Vec::new(), None);
        }
    }

    /// Whether the configuration takes a file (a document that is not a
    /// file, `untitled:`, is always checked).
    fn selects(&self, uri: &Uri, path: &std::path::Path) -> bool {
        uri::to_path(uri).is_none() || self.workspace.selects(path)
    }

    /// The diagnostics of a configuration or limits file that cannot be
    /// used, on that file (an open document's own check replaces them);
    /// those published before are cleared once the file is fixed.
    fn publish_broken(&mut self) {
        let broken = self.workspace.broken.clone();
        let now = broken
            .as_ref()
            .and_then(|b| uri::from_path(&b.path).map(|u| (u, b)));
        let keep = now.as_ref().map(|(u, _)| u.as_str().to_string());
        for old in std::mem::take(&mut self.published) {
            if Some(&old) != keep.as_ref()
                && !self.docs.contains_key(&old)
                && let Ok(u) = Uri::from_str(&old)
            {
                self.publish(u, Vec::new(), None);
            }
        }
        if let Some((u, b)) = now
            && !self.docs.contains_key(u.as_str())
        {
            let diagnostics = features::diagnostics(&u, &b.text, self.encoding, &b.findings);
            self.published.insert(u.as_str().to_string());
            self.publish(u, diagnostics, None);
        }
    }

    fn publish(&mut self, uri: Uri, diagnostics: Vec<lsp_types::Diagnostic>, version: Option<i32>) {
        self.notify(
            "textDocument/publishDiagnostics",
            PublishDiagnosticsParams {
                uri,
                diagnostics,
                version,
            },
        );
    }

    /// Check every document whose time has come, and ask for the limits
    /// that are missing or stale (on a background thread).
    fn check_due(&mut self) {
        let now = Instant::now();
        let due: Vec<String> = self
            .docs
            .iter()
            .filter(|(_, d)| d.due.is_some_and(|t| t <= now))
            .map(|(k, _)| k.clone())
            .collect();
        let mut wanted = Vec::new();
        for key in due {
            let Some(doc) = self.docs.get_mut(&key) else {
                continue;
            };
            doc.due = None;
            doc.last_check = Some(now);
            if uri::to_path(&doc.uri).is_some()
                && let Some(findings) = catch_unwind(AssertUnwindSafe(|| {
                    self.workspace.own_findings(&doc.path, &doc.text)
                }))
                .ok()
                .flatten()
            {
                // A configuration or limits file: its own diagnostics, never
                // a job's.
                doc.findings = findings;
                let diagnostics =
                    features::diagnostics(&doc.uri, &doc.text, self.encoding, &doc.findings);
                let (uri, version) = (doc.uri.clone(), doc.version);
                self.publish(uri, diagnostics, Some(version));
                continue;
            }
            // As a walk passes over a file that is not a job file
            // (`docker-compose.yml`, `package.json`), so does the editor:
            // judged on the text as it is now, so a new file becomes a job
            // once a job key is typed.
            if uri::to_path(&doc.uri).is_some()
                && catch_unwind(|| analysis::not_a_job(&doc.text)).unwrap_or(true)
            {
                doc.findings.clear();
                doc.groups.clear();
                doc.due = None;
                let (uri, version) = (doc.uri.clone(), doc.version);
                self.publish(uri, Vec::new(), Some(version));
                continue;
            }
            let result = catch_unwind(AssertUnwindSafe(|| {
                analysis::analyse(&self.workspace, &self.answers, &doc.path, &doc.text)
            }));
            let Ok(result) = result else { continue };
            doc.findings = result.findings;
            // Checked again when an answer expires: its limits are fetched anew.
            doc.due = result.expires;
            doc.groups = result.groups;
            wanted.extend(result.missing);
            wanted.extend(result.stale);
            let diagnostics =
                features::diagnostics(&doc.uri, &doc.text, self.encoding, &doc.findings);
            let (uri, version) = (doc.uri.clone(), doc.version);
            self.publish(uri, diagnostics, Some(version));
        }
        self.fetch(wanted);
    }

    fn fetch(&mut self, wanted: Vec<Pair>) {
        let Some(settings) = self.workspace.api().cloned() else {
            return;
        };
        if !self.in_flight.is_empty() {
            // One fetch at a time: the rest wait for it to end.
            for p in wanted {
                if !self.in_flight.contains(&p) && !self.queued.contains(&p) {
                    self.queued.push(p);
                }
            }
            return;
        }
        // At most one request per pair a minute, whatever `cache-ttl` says.
        let pairs = self.answers.due(wanted);
        if pairs.is_empty() {
            return;
        }
        self.in_flight.extend(pairs.iter().cloned());
        let events = self.events.clone();
        let spawned = std::thread::Builder::new()
            .name("jobcheck-lsp-limits".into())
            .spawn(move || {
                let fetched = analysis::fetch(&settings, &pairs);
                let _ = events.send(Event::Fetched(fetched));
            });
        if spawned.is_err() {
            self.in_flight.clear();
        }
    }
}
