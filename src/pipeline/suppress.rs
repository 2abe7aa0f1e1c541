//! Suppressions: `# jobcheck: ignore[CODE, …]` comments in YAML files and
//! `per-file-ignores` in `jobcheck.toml` (the one way for JSON, which has
//! no comments).
//!
//! - At the end of a line, a directive suppresses its codes on that line
//!   (the diagnostics whose span starts there).
//! - On a line of its own before a document's first key, it suppresses its
//!   codes in the whole document.
//! - `# jobcheck: ignore-file[CODE, …]`, anywhere, suppresses them in the
//!   file.
//!
//! A directive (or one code of it) that suppresses nothing is an
//! `unused-suppression` warning, as is one that names no codes, names a
//! code that does not exist, or stands on its own line inside a document.

use crate::diag::{Code, Diagnostic, Span, did_you_mean};
use crate::report::{Suppressed, SuppressedBy};
use crate::syntax::{Kind, Node};

/// Rule codes from the command line (`--select a,b --select c`), or a
/// usage error naming the unknown one and the nearest code.
pub fn codes(names: &[String], flag: &str) -> Result<Vec<Code>, String> {
    let mut out = Vec::new();
    for name in names.iter().map(|n| n.trim()).filter(|n| !n.is_empty()) {
        match Code::parse(name) {
            Some(code) => out.push(code),
            None => {
                let tip = match did_you_mean(name, Code::ALL.iter().map(|c| c.as_str())) {
                    Some(near) => format!("\n\n  tip: did you mean `{near}`?"),
                    None => String::new(),
                };
                return Err(format!(
                    "{flag}: `{name}` is not a rule code{tip}\n\n`jobcheck explain --list` lists every code."
                ));
            }
        }
    }
    Ok(out)
}

/// `--select` and `--ignore` over the configuration's `[rules]`: with
/// `--select`, every other code is off (and a selected code the
/// configuration turned off is on again); `--ignore` turns codes off.
pub fn select(
    rules: &mut std::collections::BTreeMap<Code, crate::config::Level>,
    select: &[String],
    ignore: &[String],
) -> Result<(), String> {
    use crate::config::Level;
    let selected = codes(select, "--select")?;
    let ignored = codes(ignore, "--ignore")?;
    if !selected.is_empty() {
        for &code in Code::ALL {
            if !selected.contains(&code) {
                rules.insert(code, Level::Off);
            } else if rules.get(&code) == Some(&Level::Off) {
                rules.remove(&code);
            }
        }
    }
    for code in ignored {
        rules.insert(code, Level::Off);
    }
    Ok(())
}

/// Where a directive applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Scope {
    /// The diagnostics starting on this byte range (a line).
    Line(usize, usize),
    /// One document, by its 1-based index.
    Document(usize),
    File,
    /// On its own line inside a document: nowhere.
    Nowhere,
}

#[derive(Debug)]
struct Directive {
    scope: Scope,
    /// Each valid code, where it is written, and how many it suppressed.
    codes: Vec<(Code, Span, usize)>,
    /// What is wrong with the directive itself (a warning each).
    problems: Vec<Diagnostic>,
    /// The document it is in or for, if any.
    document: Option<usize>,
}

/// The suppressions of one file.
#[derive(Debug, Default)]
pub struct Suppressions {
    directives: Vec<Directive>,
    /// `per-file-ignores` codes that match this file.
    config: Vec<Code>,
}

const MARK: &str = "jobcheck:";

impl Suppressions {
    /// Read the directives of a file's text (none in JSON), with the
    /// configuration's codes for this file.
    pub fn read(text: &str, json: bool, config: Vec<Code>) -> Suppressions {
        let directives = if json || !text.contains(MARK) {
            Vec::new()
        } else {
            directives(text)
        };
        Suppressions { directives, config }
    }

    pub fn is_empty(&self) -> bool {
        self.directives.is_empty() && self.config.is_empty()
    }

    /// Move the diagnostics these suppressions cover out of `diags`.
    pub fn take(&mut self, diags: &mut Vec<Diagnostic>) -> Vec<Suppressed> {
        if self.is_empty() {
            return Vec::new();
        }
        let mut kept = Vec::with_capacity(diags.len());
        let mut out = Vec::new();
        for d in diags.drain(..) {
            if self.config.contains(&d.code) {
                out.push(Suppressed {
                    diagnostic: d,
                    by: SuppressedBy::Configuration,
                });
                continue;
            }
            if self.by_comment(&d) {
                out.push(Suppressed {
                    diagnostic: d,
                    by: SuppressedBy::Comment,
                });
                continue;
            }
            kept.push(d);
        }
        *diags = kept;
        out
    }

    /// Move out the diagnostics `per-file-ignores` covers (and only those:
    /// for the warnings about the comments themselves).
    pub fn take_configured(&self, diags: &mut Vec<Diagnostic>) -> Vec<Suppressed> {
        let (out, kept): (Vec<Diagnostic>, Vec<Diagnostic>) =
            diags.drain(..).partition(|d| self.config.contains(&d.code));
        *diags = kept;
        out.into_iter()
            .map(|diagnostic| Suppressed {
                diagnostic,
                by: SuppressedBy::Configuration,
            })
            .collect()
    }

    fn by_comment(&mut self, d: &Diagnostic) -> bool {
        let mut hit = false;
        for dir in &mut self.directives {
            let applies = match dir.scope {
                Scope::File => true,
                Scope::Document(i) => d.document == Some(i),
                Scope::Line(start, end) => {
                    d.span.is_some_and(|s| s.start >= start && s.start <= end)
                }
                Scope::Nowhere => false,
            };
            if !applies {
                continue;
            }
            for (code, _, used) in &mut dir.codes {
                if *code == d.code {
                    *used += 1;
                    hit = true;
                }
            }
        }
        hit
    }

    /// The `unused-suppression` warnings, once every diagnostic of the file
    /// has been through [`Suppressions::take`].
    pub fn unused(&self) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        for dir in &self.directives {
            out.extend(dir.problems.iter().cloned());
            if dir.scope == Scope::Nowhere {
                continue;
            }
            let named: Vec<&str> = dir.codes.iter().map(|(c, _, _)| c.as_str()).collect();
            let unused: Vec<&(Code, Span, usize)> = dir.codes.iter().filter(|c| c.2 == 0).collect();
            for (code, span, _) in unused {
                let whole = dir.codes.len() == 1 && dir.problems.is_empty();
                let where_ = match dir.scope {
                    Scope::Line(..) => "on this line",
                    Scope::Document(_) => "in this document",
                    _ => "in this file",
                };
                let mut d = Diagnostic::at(
                    Code::UnusedSuppression,
                    *span,
                    format!("`{code}` is suppressed here, but there is no `{code}` {where_}"),
                )
                .label("suppresses nothing")
                .help(if whole {
                    "remove the comment: the finding it was for is gone".to_string()
                } else {
                    format!(
                        "remove `{code}` from the list ({}): the finding it was for is gone",
                        named.join(", ")
                    )
                })
                .field(code.as_str());
                d.document = dir.document;
                out.push(d);
            }
        }
        out
    }
}

/// Every directive of a YAML text.
fn directives(text: &str) -> Vec<Directive> {
    let documents = crate::syntax::parse_documents(text);
    // Scalars (keys and values): a `#` inside one is no comment.
    let mut scalars: Vec<Span> = Vec::new();
    // Each document's index and body: from its first content to its end.
    let mut bodies: Vec<(usize, usize, usize)> = Vec::new();
    for doc in &documents {
        match &doc.root {
            Ok(root) => {
                collect_scalars(root, &mut scalars);
                bodies.push((doc.index, root.span.start, doc.span.end));
            }
            Err(_) => bodies.push((doc.index, doc.span.start, doc.span.end)),
        }
    }
    scalars.sort_by_key(|s| s.start);
    let inside_scalar = |at: usize| {
        let i = scalars.partition_point(|s| s.start <= at);
        i > 0 && scalars[i - 1].end > at
    };
    let mut out = Vec::new();
    let mut line_start = 0;
    for line in text.split_inclusive('\n') {
        let start = line_start;
        line_start += line.len();
        if !line.contains(MARK) {
            continue;
        }
        let body = line.trim_end_matches(['\n', '\r']);
        // The first `#` that starts a comment: at the line's start or after
        // a space, outside every scalar.
        let comment = body.char_indices().find(|&(i, c)| {
            c == '#' && (i == 0 || body[..i].ends_with([' ', '\t'])) && !inside_scalar(start + i)
        });
        let Some((hash, _)) = comment else { continue };
        let own_line = matches!(body[..hash].trim(), "" | "---");
        let comment_text = &body[hash..];
        // A directive may follow other words of the comment: `# why  # jobcheck: …`.
        let mut from = 0;
        while let Some(found) = comment_text[from..].find(MARK) {
            let at = from + found;
            from = at + MARK.len();
            let before = comment_text[..at].trim_end_matches([' ', '\t']);
            if !before.ends_with('#') {
                continue;
            }
            let offset = start + hash + at;
            let scope_line = (start, start + body.len());
            out.push(parse(text, offset, own_line, scope_line, &bodies));
        }
    }
    out
}

fn collect_scalars(node: &Node, out: &mut Vec<Span>) {
    match &node.kind {
        Kind::Seq(items) => items.iter().for_each(|n| collect_scalars(n, out)),
        Kind::Map(pairs) => pairs.iter().for_each(|(k, v)| {
            collect_scalars(k, out);
            collect_scalars(v, out);
        }),
        _ => out.push(node.span),
    }
}

/// One directive at `at` (where `jobcheck:` starts).
fn parse(
    text: &str,
    at: usize,
    own_line: bool,
    line: (usize, usize),
    bodies: &[(usize, usize, usize)],
) -> Directive {
    let rest = &text[at..line.1];
    let after_mark = rest[MARK.len()..].trim_start_matches([' ', '\t']);
    let word_at = at + (rest.len() - after_mark.len());
    let word_len = after_mark
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        .unwrap_or(after_mark.len());
    let word = &after_mark[..word_len];
    let mut problems = Vec::new();
    let file_wide = match word {
        "ignore" => false,
        "ignore-file" => true,
        _ => {
            let near = did_you_mean(word, ["ignore", "ignore-file"]);
            let help = match near {
                Some(n) => format!("did you mean `jobcheck: {n}[CODE]`?"),
                None => "write `# jobcheck: ignore[CODE, …]` or `# jobcheck: ignore-file[CODE, …]`"
                    .to_string(),
            };
            problems.push(
                Diagnostic::at(
                    Code::UnusedSuppression,
                    Span::new(word_at, word_at + word_len.max(1)),
                    format!("`jobcheck: {word}` is not a directive, so it suppresses nothing"),
                )
                .label("unknown directive")
                .help(help),
            );
            let document = bodies.iter().find(|b| at >= b.1 && at < b.2).map(|b| b.0);
            for p in &mut problems {
                p.document = document;
            }
            return Directive {
                scope: Scope::Nowhere,
                codes: Vec::new(),
                problems,
                document,
            };
        }
    };
    let scope = if file_wide {
        Scope::File
    } else if !own_line {
        Scope::Line(line.0, line.1)
    } else {
        // Before a document's first key: that document (the next one to
        // begin); inside a document's body: nowhere.
        match bodies.iter().find(|b| at >= b.1 && at < b.2) {
            Some(_) => Scope::Nowhere,
            None => match bodies.iter().find(|b| b.1 > at) {
                Some(b) => Scope::Document(b.0),
                None => Scope::Nowhere,
            },
        }
    };
    let after_word = &after_mark[word_len..];
    let word_span = Span::new(word_at, word_at + word_len);
    let mut codes = Vec::new();
    let list = after_word.strip_prefix('[').and_then(|inner| {
        inner
            .find(']')
            .map(|end| (&inner[..end], word_at + word_len + 1))
    });
    match list {
        None => {
            problems.push(
                Diagnostic::at(
                    Code::UnusedSuppression,
                    word_span,
                    format!("`jobcheck: {word}` names no codes, so it suppresses nothing"),
                )
                .label("no codes")
                .help(format!(
                    "name the codes it is for, e.g. `# jobcheck: {word}[cpus-over-limit]`; \
                     `jobcheck explain --list` lists them"
                )),
            );
        }
        Some((inner, inner_at)) => {
            let mut offset = 0;
            for part in inner.split(',') {
                let lead = part.len() - part.trim_start().len();
                let name = part.trim();
                let span = Span::new(
                    inner_at + offset + lead,
                    inner_at + offset + lead + name.len(),
                );
                offset += part.len() + 1;
                if name.is_empty() {
                    continue;
                }
                match Code::parse(name) {
                    Some(code) => codes.push((code, span, 0)),
                    None => {
                        let names = Code::ALL.iter().map(|c| c.as_str());
                        let help = match did_you_mean(name, names) {
                            Some(near) => format!("did you mean `{near}`?"),
                            None => "`jobcheck explain --list` lists the codes".to_string(),
                        };
                        problems.push(
                            Diagnostic::at(
                                Code::UnusedSuppression,
                                span,
                                format!("`{name}` is not a rule code, so it suppresses nothing"),
                            )
                            .label("unknown code")
                            .help(help),
                        );
                    }
                }
            }
            if codes.is_empty() && problems.is_empty() {
                problems.push(
                    Diagnostic::at(
                        Code::UnusedSuppression,
                        word_span,
                        format!("`jobcheck: {word}[]` names no codes, so it suppresses nothing"),
                    )
                    .label("no codes")
                    .help("name the codes it is for, e.g. `ignore[cpus-over-limit]`"),
                );
            }
        }
    }
    if scope == Scope::Nowhere {
        problems.push(
            Diagnostic::at(
                Code::UnusedSuppression,
                Span::new(at, line.1),
                "a suppression on a line of its own applies to a whole document only before the \
                 document's first key, so this one suppresses nothing",
            )
            .label("inside a document")
            .help(
                "put `# jobcheck: ignore[…]` at the end of the line it is for, or before the \
                 document's first key for the whole document",
            ),
        );
    }
    let document = match scope {
        Scope::Document(i) => Some(i),
        _ => bodies.iter().find(|b| at >= b.1 && at < b.2).map(|b| b.0),
    };
    for p in &mut problems {
        p.document = document;
    }
    Directive {
        scope,
        codes,
        problems,
        document,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn diag(code: Code, text: &str, at: &str, document: usize) -> Diagnostic {
        let start = text.find(at).unwrap();
        let mut d = Diagnostic::at(code, Span::new(start, start + at.len()), "x");
        d.document = Some(document);
        d
    }

    #[test]
    fn each_scope() {
        let text = "# jobcheck: ignore[memory-unit-missing]\nname: a\ncpus: 64  # jobcheck: ignore[cpus-over-limit]\nmemory: 16\n---\nname: b # jobcheck: ignore-file[unknown-field]\ncpus: 64\ngpuu: 1\n";
        let mut s = Suppressions::read(text, false, Vec::new());
        let mut diags = vec![
            diag(Code::MemoryUnitMissing, text, "16", 1),
            diag(Code::CpusOverLimit, text, "64  #", 1),
            diag(Code::CpusOverLimit, text, "64\ngpuu", 2),
            diag(Code::UnknownField, text, "gpuu", 2),
        ];
        let gone = s.take(&mut diags);
        assert_eq!(gone.len(), 3, "{diags:?}");
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].document, Some(2));
        assert!(s.unused().is_empty(), "{:?}", s.unused());
    }

    #[test]
    fn a_hash_inside_a_quoted_value_is_no_comment() {
        let text = "name: \"a # jobcheck: ignore[cpus-over-limit]\"\ncpus: 64\n";
        let s = Suppressions::read(text, false, Vec::new());
        assert!(s.directives.is_empty(), "{:?}", s.directives);
        assert!(
            Suppressions::read(text, true, Vec::new())
                .directives
                .is_empty()
        );
    }

    #[test]
    fn bare_unknown_misplaced_and_unused() {
        let text = "name: a # jobcheck: ignore\ncpus: 1 # jobcheck: ignore[cpus-over-limt, memory-over-limit]\n# jobcheck: ignore[cpus-over-limit]\nmemory: 1G # jobcheck: ignroe[x]\n";
        let mut s = Suppressions::read(text, false, Vec::new());
        s.take(&mut Vec::new());
        let unused = s.unused();
        let messages: Vec<&str> = unused.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(unused.len(), 5, "{messages:#?}");
        assert!(unused.iter().all(|d| d.code == Code::UnusedSuppression));
        assert!(messages[0].contains("names no codes"));
        assert!(
            unused[1]
                .help
                .as_deref()
                .unwrap()
                .contains("cpus-over-limit")
        );
        assert!(
            messages
                .iter()
                .any(|m| m.contains("no `memory-over-limit` on this line"))
        );
        assert!(messages.iter().any(|m| m.contains("line of its own")));
        assert!(messages.iter().any(|m| m.contains("not a directive")));
    }
}
