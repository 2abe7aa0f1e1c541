//! The code action "ignore CODE on this line": a `# jobcheck: ignore[CODE]`
//! comment at the end of the finding's line (or the code added to the one
//! already there), the same suppression `check` honours.

use std::collections::HashMap;

use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, Range, TextEdit, Uri, WorkspaceEdit,
};

use super::model::{Finding, line_bounds};
use super::position::{Encoding, Lines};

const DIRECTIVE: &str = "# jobcheck: ignore[";

fn overlaps(a: Range, b: Range) -> bool {
    let key = |p: lsp_types::Position| (p.line, p.character);
    key(a.start) <= key(b.end) && key(b.start) <= key(a.end)
}

/// One action per (line, code) of the findings in `range`; none in JSON,
/// which has no comments (`per-file-ignores` in jobcheck.toml is its way).
pub fn actions(
    uri: &Uri,
    text: &str,
    json: bool,
    encoding: Encoding,
    findings: &[Finding],
    range: Range,
) -> Vec<CodeActionOrCommand> {
    if json {
        return Vec::new();
    }
    let lines = Lines::new(text, encoding);
    let published = super::features::diagnostics(uri, text, encoding, findings);
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for (f, diagnostic) in findings.iter().zip(published) {
        let Some(code) = f.code else { continue };
        if code == "unused-suppression" || !overlaps(diagnostic.range, range) {
            continue;
        }
        let (start, end) = line_bounds(text, f.span.0);
        let end = if text[..end].ends_with('\r') {
            end - 1
        } else {
            end
        };
        if !seen.insert((start, code)) {
            continue;
        }
        let line = &text[start..end];
        let edit = match line.find(DIRECTIVE).and_then(|at| {
            let close = line[at..].find(']')? + at;
            Some((at, close))
        }) {
            Some((at, close)) => {
                let listed = &line[at + DIRECTIVE.len()..close];
                if listed.split(',').any(|c| c.trim() == code) {
                    continue;
                }
                let sep = if listed.trim().is_empty() { "" } else { ", " };
                TextEdit {
                    range: lines.range((start + close, start + close)),
                    new_text: format!("{sep}{code}"),
                }
            }
            None => TextEdit {
                range: lines.range((end, end)),
                new_text: format!("  {DIRECTIVE}{code}]"),
            },
        };
        out.push(CodeActionOrCommand::CodeAction(CodeAction {
            title: format!("Ignore `{code}` on this line"),
            kind: Some(CodeActionKind::QUICKFIX),
            diagnostics: Some(vec![diagnostic]),
            edit: Some(WorkspaceEdit {
                changes: Some(HashMap::from([(uri.clone(), vec![edit])])),
                ..WorkspaceEdit::default()
            }),
            is_preferred: Some(false),
            ..CodeAction::default()
        }));
    }
    out
}
