//! One handler per method (ruff's server is the model): each request or
//! notification the server takes has its params and result typed by
//! lsp-types (or, for jobcheck's own requests, by the types below), and the
//! server's dispatch only picks the handler by the method's constant.

use std::io::Write;
use std::time::Instant;

use lsp_server::ErrorCode;
use lsp_types::notification as n;
use lsp_types::request as r;
use lsp_types::{
    CodeActionParams, CodeActionResponse, CompletionParams, CompletionResponse,
    DidChangeTextDocumentParams, DidChangeWatchedFilesParams, DidCloseTextDocumentParams,
    DidOpenTextDocumentParams, DidSaveTextDocumentParams, Hover, HoverParams,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Doc, Server};
use crate::lsp::analysis;
use crate::lsp::features;
use crate::lsp::position::Lines;
use crate::lsp::uri;

/// A request's failure: the JSON-RPC error code and the message.
pub type Failure = (ErrorCode, String);

/// The handler of request `R`.
pub trait RequestHandler<R: r::Request> {
    fn handle(&mut self, params: R::Params) -> Result<R::Result, Failure>;
}

/// The handler of notification `N`.
pub trait NotificationHandler<N: n::Notification> {
    fn handle(&mut self, params: N::Params);
}

/// `jobcheck/settings`: the settings in force, as `--show-settings` prints them.
pub enum Settings {}

impl r::Request for Settings {
    type Params = Option<Value>;
    type Result = Value;
    const METHOD: &'static str = "jobcheck/settings";
}

/// `jobcheck/explain`: a diagnostic code's explanation.
pub enum Explain {}

#[derive(Debug, Deserialize, Serialize)]
pub struct ExplainParams {
    /// The code, alone or as the `jobcheck-explain:CODE` link diagnostics carry.
    pub code: String,
}

impl r::Request for Explain {
    type Params = ExplainParams;
    type Result = String;
    const METHOD: &'static str = "jobcheck/explain";
}

impl<W: Write> RequestHandler<r::Shutdown> for Server<W> {
    fn handle(&mut self, _: ()) -> Result<(), Failure> {
        self.shut_down = true;
        Ok(())
    }
}

impl<W: Write> RequestHandler<r::HoverRequest> for Server<W> {
    fn handle(&mut self, p: HoverParams) -> Result<Option<Hover>, Failure> {
        let at = p.text_document_position_params;
        let Some(doc) = self.docs.get(at.text_document.uri.as_str()) else {
            return Ok(None);
        };
        let offset = Lines::new(&doc.text, self.encoding).offset(at.position);
        let info = analysis::hover(&self.workspace, &self.answers, &doc.path, &doc.text, offset);
        Ok(info.map(|i| features::hover(&doc.text, self.encoding, i)))
    }
}

impl<W: Write> RequestHandler<r::Completion> for Server<W> {
    fn handle(&mut self, p: CompletionParams) -> Result<Option<CompletionResponse>, Failure> {
        let at = p.text_document_position;
        let Some(doc) = self.docs.get(at.text_document.uri.as_str()) else {
            return Ok(None);
        };
        let offset = Lines::new(&doc.text, self.encoding).offset(at.position);
        let items = crate::lsp::completion::complete(
            &self.workspace,
            &self.answers,
            &doc.path,
            &doc.text,
            offset,
        );
        Ok(Some(CompletionResponse::Array(features::completion(items))))
    }
}

impl<W: Write> RequestHandler<r::CodeActionRequest> for Server<W> {
    fn handle(&mut self, p: CodeActionParams) -> Result<Option<CodeActionResponse>, Failure> {
        let Some(doc) = self.docs.get(p.text_document.uri.as_str()) else {
            return Ok(Some(Vec::new()));
        };
        let mut actions =
            features::code_actions(&doc.uri, &doc.text, self.encoding, &doc.findings, p.range);
        actions.extend(crate::lsp::ignore::actions(
            &doc.uri,
            &doc.text,
            crate::lsp::model::is_json(&doc.path),
            self.encoding,
            &doc.findings,
            p.range,
        ));
        Ok(Some(actions))
    }
}

impl<W: Write> RequestHandler<Settings> for Server<W> {
    fn handle(&mut self, _: Option<Value>) -> Result<Value, Failure> {
        Ok(self.workspace.settings_json())
    }
}

impl<W: Write> RequestHandler<Explain> for Server<W> {
    fn handle(&mut self, p: ExplainParams) -> Result<String, Failure> {
        let code = p.code.strip_prefix("jobcheck-explain:").unwrap_or(&p.code);
        analysis::explain(code).ok_or((ErrorCode::InvalidParams, format!("unknown code `{code}`")))
    }
}

impl<W: Write> NotificationHandler<n::DidOpenTextDocument> for Server<W> {
    fn handle(&mut self, p: DidOpenTextDocumentParams) {
        let item = p.text_document;
        let path = uri::name_of(&item.uri);
        let own = uri::to_path(&item.uri).is_some()
            && (self.workspace.is_config_file(&path) || self.workspace.is_limits_file(&path));
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
                due: checked.then_some(Instant::now()),
                last_check: None,
            },
        );
    }
}

impl<W: Write> NotificationHandler<n::DidChangeTextDocument> for Server<W> {
    /// The server asks for full sync, so a change is the whole text; a
    /// ranged change (which a client should not send) is passed over.
    fn handle(&mut self, p: DidChangeTextDocumentParams) {
        let now = Instant::now();
        let debounce = self.debounce;
        let Some(doc) = self.docs.get_mut(p.text_document.uri.as_str()) else {
            return;
        };
        if let Some(change) = p.content_changes.into_iter().rfind(|c| c.range.is_none()) {
            doc.text = change.text;
        }
        doc.version = p.text_document.version;
        if doc.checked {
            // At once after a pause; during a burst, at the end of the
            // window that the last check opened.
            let at = doc.last_check.map_or(now, |t| (t + debounce).max(now));
            doc.due = Some(doc.due.map_or(at, |d| d.min(at).max(now)));
        }
    }
}

impl<W: Write> NotificationHandler<n::DidSaveTextDocument> for Server<W> {
    fn handle(&mut self, p: DidSaveTextDocumentParams) {
        self.saved(uri::to_path(&p.text_document.uri));
        if let Some(doc) = self.docs.get_mut(p.text_document.uri.as_str())
            && doc.checked
        {
            doc.due = Some(Instant::now());
        }
    }
}

impl<W: Write> NotificationHandler<n::DidChangeWatchedFiles> for Server<W> {
    fn handle(&mut self, p: DidChangeWatchedFilesParams) {
        for change in p.changes {
            self.saved(uri::to_path(&change.uri));
        }
    }
}

impl<W: Write> NotificationHandler<n::DidCloseTextDocument> for Server<W> {
    fn handle(&mut self, p: DidCloseTextDocumentParams) {
        if self.docs.remove(p.text_document.uri.as_str()).is_some() {
            self.publish(p.text_document.uri, Vec::new(), None);
        }
    }
}
