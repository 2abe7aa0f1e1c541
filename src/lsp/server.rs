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
    CodeActionKind, CodeActionOptions, CodeActionProviderCapability, CompletionOptions,
    HoverProviderCapability, InitializeResult, MessageType, PositionEncodingKind,
    PublishDiagnosticsParams, SaveOptions, ServerCapabilities, ServerInfo, ShowMessageParams,
    TextDocumentSyncCapability, TextDocumentSyncKind, TextDocumentSyncOptions,
    TextDocumentSyncSaveOptions, Uri,
};
use serde_json::Value;

use super::analysis::{self, Answers, Fetched, Finding, Pair, Workspace};
use super::features;
use super::position::Encoding;
use super::transport::{self, Incoming};
use super::uri;

mod handlers;
use handlers::{NotificationHandler, RequestHandler};
use lsp_types::notification::{self as n, Notification as _};
use lsp_types::request::{self as r, Request as _};

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
    /// The pairs of `queued`, to find one at once.
    queued_set: HashSet<Pair>,
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
                return analysis::exit_status(false);
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
        queued_set: HashSet::new(),
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
                    self.queued_set.clear();
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
                Some(analysis::exit_status(self.shut_down))
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

    /// A request, to its method's handler (see [`handlers`]).
    fn request(&mut self, req: &Request) -> Answer {
        if self.shut_down {
            return Err((
                ErrorCode::InvalidRequest,
                "the server is shutting down".into(),
            ));
        }
        match req.method.as_str() {
            // `shutdown` has no params to read (clients send none, or null).
            r::Shutdown::METHOD => {
                RequestHandler::<r::Shutdown>::handle(self, ())?;
                Ok(Value::Null)
            }
            r::Initialize::METHOD => Err((ErrorCode::InvalidRequest, "already initialized".into())),
            r::HoverRequest::METHOD => self.answer::<r::HoverRequest>(req),
            r::Completion::METHOD => self.answer::<r::Completion>(req),
            r::CodeActionRequest::METHOD => self.answer::<r::CodeActionRequest>(req),
            handlers::Settings::METHOD => self.answer::<handlers::Settings>(req),
            handlers::Explain::METHOD => self.answer::<handlers::Explain>(req),
            other => Err((
                ErrorCode::MethodNotFound,
                format!("unknown method `{other}`"),
            )),
        }
    }

    /// A request's params read as its method's type, handled, and the
    /// result written as JSON.
    fn answer<R: r::Request>(&mut self, req: &Request) -> Answer
    where
        Self: RequestHandler<R>,
    {
        let result = RequestHandler::<R>::handle(self, params(req)?)?;
        serde_json::to_value(result).map_err(|e| (ErrorCode::InternalError, e.to_string()))
    }

    /// A notification, to its method's handler; one whose params cannot be
    /// read is passed over (a notification has no answer to carry an error).
    fn notification(&mut self, note: Notification) {
        match note.method.as_str() {
            n::DidOpenTextDocument::METHOD => self.notified::<n::DidOpenTextDocument>(note),
            n::DidChangeTextDocument::METHOD => self.notified::<n::DidChangeTextDocument>(note),
            n::DidSaveTextDocument::METHOD => self.notified::<n::DidSaveTextDocument>(note),
            n::DidChangeWatchedFiles::METHOD => self.notified::<n::DidChangeWatchedFiles>(note),
            n::DidCloseTextDocument::METHOD => self.notified::<n::DidCloseTextDocument>(note),
            _ => {}
        }
    }

    fn notified<N: n::Notification>(&mut self, note: Notification)
    where
        Self: NotificationHandler<N>,
    {
        if let Ok(p) = serde_json::from_value::<N::Params>(note.params) {
            NotificationHandler::<N>::handle(self, p);
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
                if self.answers.may_ask(&p)
                    && !self.in_flight.contains(&p)
                    && self.queued_set.insert(p.clone())
                {
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
