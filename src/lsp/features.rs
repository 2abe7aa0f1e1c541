//! The analysis's plain results in the protocol's types.

use std::collections::HashMap;
use std::str::FromStr;

use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CodeDescription, CompletionItem,
    CompletionItemKind, DiagnosticRelatedInformation, DiagnosticSeverity, Documentation, Hover,
    HoverContents, Location, MarkupContent, MarkupKind, NumberOrString, Range, TextEdit, Uri,
    WorkspaceEdit,
};

use super::EXPLAIN_SCHEME;
use super::analysis::{Facts, Finding, Level};
use super::completion::Item;
use super::position::{Encoding, Lines};

const SOURCE: &str = "jobcheck";

/// The link of a code: `jobcheck-explain:cpus-over-limit`.
pub fn explain_uri(code: &str) -> Option<Uri> {
    Uri::from_str(&format!("{EXPLAIN_SCHEME}:{code}")).ok()
}

/// A document's findings as LSP diagnostics.
pub fn diagnostics(
    uri: &Uri,
    text: &str,
    encoding: Encoding,
    findings: &[Finding],
) -> Vec<lsp_types::Diagnostic> {
    let lines = Lines::new(text, encoding);
    findings
        .iter()
        .map(|f| {
            let related: Vec<DiagnosticRelatedInformation> = f
                .related
                .iter()
                .filter_map(|r| {
                    let range = match &r.text {
                        Some(other) => Lines::new(other, encoding).range(r.span),
                        None => lines.range(r.span),
                    };
                    let uri = match &r.file {
                        Some(path) => super::uri::from_path(path)?,
                        None => uri.clone(),
                    };
                    Some(DiagnosticRelatedInformation {
                        location: Location { uri, range },
                        message: r.label.clone(),
                    })
                })
                .collect();
            lsp_types::Diagnostic {
                range: lines.range(f.span),
                severity: Some(match f.level {
                    Level::Error => DiagnosticSeverity::ERROR,
                    Level::Warning => DiagnosticSeverity::WARNING,
                    Level::Information => DiagnosticSeverity::INFORMATION,
                }),
                code: f.code.map(|c| NumberOrString::String(c.to_string())),
                code_description: f
                    .code
                    .and_then(explain_uri)
                    .map(|href| CodeDescription { href }),
                source: Some(SOURCE.into()),
                message: f.message.clone(),
                related_information: (!related.is_empty()).then_some(related),
                tags: None,
                data: None,
            }
        })
        .collect()
}

pub fn hover(text: &str, encoding: Encoding, facts: Facts) -> Hover {
    Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: super::hover::markdown(&facts),
        }),
        range: Some(Lines::new(text, encoding).range(facts.span)),
    }
}

pub fn completion(items: Vec<Item>) -> Vec<CompletionItem> {
    items
        .into_iter()
        .map(|item| CompletionItem {
            kind: Some(if item.is_key {
                CompletionItemKind::PROPERTY
            } else {
                CompletionItemKind::VALUE
            }),
            insert_text: (item.insert != item.label).then_some(item.insert),
            documentation: item.detail.clone().map(|d| {
                Documentation::MarkupContent(MarkupContent {
                    kind: MarkupKind::Markdown,
                    value: d,
                })
            }),
            detail: item.detail.filter(|_| !item.is_key),
            label: item.label,
            ..CompletionItem::default()
        })
        .collect()
}

fn overlaps(a: Range, b: Range) -> bool {
    let key = |p: lsp_types::Position| (p.line, p.character);
    key(a.start) <= key(b.end) && key(b.start) <= key(a.end)
}

/// A quick fix for each finding with a fix whose range meets `range`.
pub fn code_actions(
    uri: &Uri,
    text: &str,
    encoding: Encoding,
    findings: &[Finding],
    range: Range,
) -> Vec<CodeActionOrCommand> {
    let lines = Lines::new(text, encoding);
    let published = diagnostics(uri, text, encoding, findings);
    findings
        .iter()
        .zip(published)
        .filter_map(|(f, diagnostic)| {
            let (span, replacement) = f.fix.as_ref()?;
            if !overlaps(diagnostic.range, range) {
                return None;
            }
            let title = if replacement.is_empty() {
                format!("Remove `{}`", &text.get(span.0..span.1)?)
            } else if span.0 == span.1 {
                format!("Insert `{replacement}`")
            } else {
                format!("Replace with `{replacement}`")
            };
            let edit = TextEdit {
                range: lines.range(*span),
                new_text: replacement.clone(),
            };
            Some(CodeActionOrCommand::CodeAction(CodeAction {
                title: format!("{title} ({})", f.code.unwrap_or(SOURCE)),
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![diagnostic]),
                edit: Some(WorkspaceEdit {
                    changes: Some(HashMap::from([(uri.clone(), vec![edit])])),
                    ..WorkspaceEdit::default()
                }),
                is_preferred: Some(true),
                ..CodeAction::default()
            }))
        })
        .collect()
}
