//! Completion: after `key:` the key's values, else the keys of the
//! document's kind not yet written, with their descriptions.

use std::path::Path;

use super::analysis::{self, Answers, Workspace};

/// One completion: a key (with its description) or a value.
#[derive(Debug)]
pub struct Item {
    pub label: String,
    pub insert: String,
    pub detail: Option<String>,
    pub is_key: bool,
}

/// Completions at `offset` of `text`: only known values, and every key
/// not yet present.
pub fn complete(
    workspace: &Workspace,
    answers: &Answers,
    path: &Path,
    text: &str,
    offset: usize,
) -> Vec<Item> {
    let json = analysis::is_json(path);
    let (start, _) = analysis::line_bounds(text, offset);
    let mut offset = offset.min(text.len()).max(start);
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let prefix = &text[start..offset];
    // A JSON line may hold several members: the last one counts.
    let member = prefix.rsplit([',', '{']).next().unwrap_or(prefix);
    if let Some((key, value)) = member.split_once(':') {
        let key = key
            .trim()
            .trim_start_matches("- ")
            .trim_matches(['"', '\'', ' ']);
        let quoted = json && !value.contains('"');
        return analysis::values(workspace, answers, path, text, key)
            .into_iter()
            .map(|v| Item {
                insert: if quoted {
                    format!("\"{v}\"")
                } else {
                    v.clone()
                },
                label: v,
                detail: Some(format!("{key} value")),
                is_key: false,
            })
            .collect();
    }
    let in_quotes = member.contains('"');
    let present = analysis::present_keys(path, text);
    let cards = crate::vocab::AccelType::CARD_TYPES.map(|t| t.cards_key());
    let has_cards = cards.iter().any(|c| present.iter().any(|p| p == c));
    analysis::keys(path, text)
        .into_iter()
        .filter(|k| !(present.iter().any(|p| p == k.key) || has_cards && cards.contains(&k.key)))
        .map(|k| {
            let mut detail = k.description.to_string();
            if k.required {
                detail.push_str(" (required)");
            }
            if let Some(same) = k.equivalent {
                detail.push_str(&format!(" The same as `{same}` in the other format."));
            }
            Item {
                label: k.key.to_string(),
                insert: match (json, in_quotes) {
                    (true, true) => k.key.to_string(),
                    (true, false) => format!("\"{}\": ", k.key),
                    (false, _) => format!("{}: ", k.key),
                },
                detail: Some(detail),
                is_key: true,
            }
        })
        .collect()
}
