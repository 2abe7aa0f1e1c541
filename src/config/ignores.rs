//! `per-file-ignores = {"GLOB" = ["CODE", …]}`: codes suppressed in the
//! files a glob matches (gitignore syntax, relative to the directory of
//! `jobcheck.toml`), for JSON files, which have no comments, and for files
//! that cannot be edited.

use std::path::Path;

use toml::Spanned;
use toml::de::DeValue;

use crate::diag::{Code, Diagnostic, Span, did_you_mean};

/// One glob and the codes it suppresses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PerFileIgnore {
    pub glob: String,
    pub codes: Vec<Code>,
}

fn span_of<T>(v: &Spanned<T>) -> Span {
    let r = v.span();
    Span::new(r.start, r.end)
}

/// Read the table, each problem at its place.
pub fn read(value: &Spanned<DeValue>, errors: &mut Vec<Diagnostic>) -> Vec<PerFileIgnore> {
    let DeValue::Table(table) = value.get_ref() else {
        errors.push(
            Diagnostic::at(
                Code::InvalidValue,
                span_of(value),
                "`per-file-ignores` must be a table of globs to lists of codes",
            )
            .label("not a table")
            .help("write `per-file-ignores = { \"vendor/*.json\" = [\"unknown-field\"] }`"),
        );
        return Vec::new();
    };
    let mut out = Vec::new();
    for (glob, codes) in table.iter() {
        let mut check = ignore::gitignore::GitignoreBuilder::new("/");
        if let Err(e) = check.add_line(None, glob.get_ref()) {
            errors.push(
                Diagnostic::at(
                    Code::InvalidValue,
                    span_of(glob),
                    format!(
                        "`per-file-ignores`: `{}` is not a glob: {e}",
                        glob.get_ref()
                    ),
                )
                .label("bad glob"),
            );
            continue;
        }
        let DeValue::Array(items) = codes.get_ref() else {
            errors.push(
                Diagnostic::at(
                    Code::InvalidValue,
                    span_of(codes),
                    format!(
                        "`per-file-ignores.\"{}\"` must be a list of codes",
                        glob.get_ref()
                    ),
                )
                .label("not a list")
                .help("write [\"cpus-over-limit\", …]"),
            );
            continue;
        };
        let mut list = Vec::new();
        for item in items.iter() {
            let DeValue::String(name) = item.get_ref() else {
                errors.push(
                    Diagnostic::at(Code::InvalidValue, span_of(item), "a code is a string")
                        .label("not a string"),
                );
                continue;
            };
            match Code::parse(name) {
                Some(code) => list.push(code),
                None => {
                    let names = Code::ALL.iter().map(|c| c.as_str());
                    let help = match did_you_mean(name, names) {
                        Some(near) => format!(
                            "did you mean `{near}`? (`jobcheck explain --list` lists the codes)"
                        ),
                        None => "`jobcheck explain --list` lists the codes".to_string(),
                    };
                    errors.push(
                        Diagnostic::at(
                            Code::UnknownField,
                            span_of(item),
                            format!("`{name}` is not a rule code"),
                        )
                        .label("unknown code")
                        .help(help),
                    );
                }
            }
        }
        out.push(PerFileIgnore {
            glob: glob.get_ref().to_string(),
            codes: list,
        });
    }
    out
}

/// The codes `per-file-ignores` suppresses in the file at `path` (absolute,
/// or relative to the working directory), globs read from `dir`.
pub fn codes_for(ignores: &[PerFileIgnore], dir: Option<&Path>, path: &Path) -> Vec<Code> {
    if ignores.is_empty() {
        return Vec::new();
    }
    let cwd = std::env::current_dir().unwrap_or_default();
    let dir = dir.map_or_else(|| cwd.clone(), |d| cwd.join(d));
    let path = cwd.join(path);
    let mut out = Vec::new();
    for rule in ignores {
        let mut builder = ignore::gitignore::GitignoreBuilder::new(&dir);
        if builder.add_line(None, &rule.glob).is_err() {
            continue;
        }
        let Ok(matcher) = builder.build() else {
            continue;
        };
        if path.starts_with(&dir)
            && matcher
                .matched_path_or_any_parents(&path, false)
                .is_ignore()
        {
            out.extend(rule.codes.iter().copied());
        }
    }
    out.sort();
    out.dedup();
    out
}
