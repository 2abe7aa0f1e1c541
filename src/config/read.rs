//! Reading a configuration file's text: every problem in it at once, each
//! at its line and column.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::{Cap, Caps, Config, Level, Scope};
use crate::diag::{Code, Diagnostic, LineIndex, Origin, Span, did_you_mean};
use crate::units::{Memory, TimeLimit};
use crate::vocab::BadFile;
use crate::vocab::Format;
use crate::vocab::{CapKey, Measure, Quantity};

type Value<'i> = Spanned<DeValue<'i>>;

/// The keys a configuration file may hold at its top level.
const TOP_KEYS: [&str; 12] = [
    "endpoint",
    "auth-url",
    "ac-url",
    "cluster",
    "format",
    "cache-ttl",
    "limits",
    "include",
    "exclude",
    "policy",
    "rules",
    "per-file-ignores",
];

/// The keys that say where credentials go: the user's own configuration
/// may hold them, a project's may not.
pub const CREDENTIAL_KEYS: [&str; 3] = ["endpoint", "auth-url", "ac-url"];

fn span_of<T>(v: &Spanned<T>) -> Span {
    let r = v.span();
    Span::new(r.start, r.end)
}

fn kind(v: &DeValue) -> &'static str {
    match v {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a date",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}

fn wrong_type(key: &str, v: &Value, want: &str) -> Diagnostic {
    Diagnostic::at(
        Code::InvalidValue,
        span_of(v),
        format!("`{key}` must be {want}, found {}", kind(v.get_ref())),
    )
    .label(format!("not {want}"))
}

fn unknown_key(key: &Spanned<std::borrow::Cow<str>>, known: &[&str], section: &str) -> Diagnostic {
    let mut d = Diagnostic::at(
        Code::UnknownField,
        span_of(key),
        format!("unknown key `{}`{section}", key.get_ref()),
    )
    .label("unknown key");
    if let Some(near) = did_you_mean(key.get_ref(), known.iter().copied()) {
        d = d.help(format!("did you mean `{near}`?"));
    } else {
        d = d.help(format!("the keys here are {}", known.join(", ")));
    }
    d
}

fn string(key: &str, v: &Value, errors: &mut Vec<Diagnostic>) -> Option<String> {
    match v.get_ref() {
        DeValue::String(s) => Some(s.to_string()),
        _ => {
            errors.push(wrong_type(key, v, "a string"));
            None
        }
    }
}

fn integer(v: &DeValue) -> Option<i64> {
    match v {
        DeValue::Integer(i) => i64::from_str_radix(i.as_str(), i.radix()).ok(),
        _ => None,
    }
}

/// Globs for `include` / `exclude`: an array of strings, each a valid
/// gitignore-style pattern.
fn globs(key: &str, v: &Value, errors: &mut Vec<Diagnostic>) -> Vec<String> {
    let DeValue::Array(items) = v.get_ref() else {
        errors.push(wrong_type(key, v, "an array of globs"));
        return Vec::new();
    };
    let mut out = Vec::new();
    for item in items.iter() {
        let Some(glob) = string(key, item, errors) else {
            continue;
        };
        if glob
            .trim_start_matches('!')
            .split(['/', '\\'])
            .any(|part| part == "..")
        {
            errors.push(
                Diagnostic::at(
                    Code::InvalidValue,
                    span_of(item),
                    format!("`{key}`: `{glob}` leaves the project's directory"),
                )
                .label("`..` in a glob")
                .help(
                    "globs are relative to the directory holding jobcheck.toml and stay inside it",
                ),
            );
            continue;
        }
        let mut check = ignore::gitignore::GitignoreBuilder::new("/");
        match check.add_line(None, &glob) {
            Err(e) => errors.push(
                Diagnostic::at(
                    Code::InvalidValue,
                    span_of(item),
                    format!("`{key}`: `{glob}` is not a glob: {e}"),
                )
                .label("bad glob"),
            ),
            Ok(_) => out.push(glob),
        }
    }
    out
}

/// Parse a configuration file. `path` is the name shown in messages; `dir`
/// the directory relative paths in it are read from.
pub fn parse(path: &str, dir: &Path, text: &str, scope: Scope) -> Result<Config, BadFile> {
    let bad = |diagnostics: Vec<Diagnostic>| {
        let index = LineIndex::new(text);
        let mut diagnostics: Vec<Diagnostic> = diagnostics
            .into_iter()
            .map(|mut d| {
                d.position = d.span.map(|s| index.position(s));
                d
            })
            .collect();
        diagnostics.sort_by_key(|d| d.span.map(|s| (s.start, s.end)));
        // Recovery after a syntax error may say the same thing twice.
        diagnostics.dedup_by(|a, b| a.span == b.span && a.message == b.message);
        BadFile {
            path: path.to_string(),
            text: text.to_string(),
            diagnostics,
        }
    };
    let (doc, syntax) = DeTable::parse_recoverable(text);
    if !syntax.is_empty() {
        let diagnostics = syntax
            .iter()
            .map(|e| {
                let span = e
                    .span()
                    .map(|r| Span::new(r.start, r.end))
                    .unwrap_or_default();
                Diagnostic::at(Code::SyntaxError, span, e.message().trim().to_string())
                    .label("here")
            })
            .collect();
        return Err(bad(diagnostics));
    }
    let shared: Arc<str> = Arc::from(text);
    let origin = |span: Span| Origin {
        path: path.to_string(),
        text: shared.clone(),
        span,
    };
    let mut errors = Vec::new();
    let mut config = Config {
        scope,
        ..Config::default()
    };
    for (key, value) in doc.get_ref().iter() {
        let name = key.get_ref().as_ref();
        if scope == Scope::Project && CREDENTIAL_KEYS.contains(&name) {
            errors.push(
                Diagnostic::at(
                    Code::InvalidValue,
                    span_of(key),
                    format!("a project's configuration may not set `{name}`"),
                )
                .label("says where credentials go")
                .help(format!(
                    "anyone who can change this repository could send your token elsewhere; \
                     set `{name}` in your own configuration ({}), a flag or the environment",
                    super::USER_FILE_HINT
                )),
            );
            continue;
        }
        match name {
            "endpoint" => config.endpoint = string(name, value, &mut errors),
            "auth-url" => config.auth_url = string(name, value, &mut errors),
            "ac-url" => config.ac_url = string(name, value, &mut errors),
            "cluster" => config.cluster = string(name, value, &mut errors),
            "format" => config.format = format(value, &mut errors),
            "cache-ttl" => config.cache_ttl = cache_ttl(value, &mut errors),
            "limits" => {
                config.limits = string(name, value, &mut errors).and_then(|f| match scope {
                    Scope::User => Some(dir.join(f)),
                    Scope::Project => confined(&f, dir, value, &mut errors),
                });
            }
            "include" | "exclude" | "per-file-ignores" if scope == Scope::User => errors.push(
                Diagnostic::at(
                    Code::InvalidValue,
                    span_of(key),
                    format!("`{name}` belongs in a project's jobcheck.toml"),
                )
                .label("not in the user configuration")
                .help("its globs are read relative to the project's directory"),
            ),
            "include" => config.include = globs(name, value, &mut errors),
            "exclude" => config.exclude = globs(name, value, &mut errors),
            "policy" => policy(value, &origin, &mut config, &mut errors),
            "rules" => rules(value, &mut config, &mut errors),
            "per-file-ignores" => {
                config.per_file_ignores = super::ignores::read(value, &mut errors);
            }
            _ => errors.push(unknown_key(key, &TOP_KEYS, "")),
        }
    }
    config.dir = Some(dir.to_path_buf());
    config.limits_from_user = scope == Scope::User && config.limits.is_some();
    if errors.is_empty() {
        Ok(config)
    } else {
        Err(bad(errors))
    }
}

fn format(value: &Value, errors: &mut Vec<Diagnostic>) -> Option<Format> {
    use clap::ValueEnum;
    let text = string("format", value, errors)?;
    match Format::from_str(&text, true) {
        Ok(f) => Some(f),
        Err(_) => {
            errors.push(
                Diagnostic::at(
                    Code::InvalidValue,
                    span_of(value),
                    format!("`{text}` is not a format"),
                )
                .label("unknown format")
                .help("use human, concise, json, sarif, github or junit"),
            );
            None
        }
    }
}

fn cache_ttl(value: &Value, errors: &mut Vec<Diagnostic>) -> Option<u64> {
    let span = span_of(value);
    match value.get_ref() {
        DeValue::Integer(_) => match integer(value.get_ref()) {
            Some(n) if n >= 0 => within_bound(n as u64, span, errors),
            None => within_bound(u64::MAX, span, errors),
            _ => {
                errors.push(
                    Diagnostic::at(Code::InvalidValue, span, "`cache-ttl` cannot be negative")
                        .label("negative"),
                );
                None
            }
        },
        DeValue::String(t) => match TimeLimit::parse(t) {
            Ok(TimeLimit::Finite(d)) => within_bound(d.seconds, span, errors),
            _ => {
                errors.push(
                    Diagnostic::at(
                        Code::InvalidValue,
                        span,
                        format!("`cache-ttl`: `{t}` is not a duration"),
                    )
                    .label("not a duration")
                    .help("write seconds (900) or a time such as \"15m\""),
                );
                None
            }
        },
        _ => {
            errors.push(wrong_type("cache-ttl", value, "seconds or a duration"));
            None
        }
    }
}

/// A duration read from configuration: at most 30 days.
fn within_bound(seconds: u64, span: Span, errors: &mut Vec<Diagnostic>) -> Option<u64> {
    match super::settings::bounded(seconds) {
        Ok(_) => Some(seconds),
        Err(max) => {
            errors.push(
                Diagnostic::at(
                    Code::InvalidValue,
                    span,
                    format!("`cache-ttl` is longer than {max}"),
                )
                .label("too long")
                .help("write at most 30 days, e.g. \"1d\" or 86400"),
            );
            None
        }
    }
}

/// A path a project's configuration names: relative, and resolving
/// (symbolic links followed) inside the project's directory; else an error
/// at the value and `None`: the file is not opened.
fn confined(
    text: &str,
    dir: &Path,
    value: &Value,
    errors: &mut Vec<Diagnostic>,
) -> Option<PathBuf> {
    let refuse = |why: &str, errors: &mut Vec<Diagnostic>| {
        errors.push(
            Diagnostic::at(
                Code::InvalidValue,
                span_of(value),
                format!("`limits` names `{text}`, which {why}"),
            )
            .label("outside the project")
            .help(
                "a project's jobcheck.toml may only name files inside its own directory; \
                 give another file with --limits or JOBCHECK_LIMITS",
            ),
        );
        None
    };
    let path = Path::new(text);
    if path.is_absolute() || path.has_root() {
        return refuse("is an absolute path", errors);
    }
    let joined = dir.join(path);
    // By name first (`..` that climbs out), then by the real path, links
    // followed, when the file exists.
    let mut depth: i64 = 0;
    for c in path.components() {
        match c {
            std::path::Component::ParentDir => depth -= 1,
            std::path::Component::Normal(_) => depth += 1,
            _ => {}
        }
        if depth < 0 {
            return refuse("leaves the project's directory", errors);
        }
    }
    if let (Ok(real), Ok(root)) = (std::fs::canonicalize(&joined), std::fs::canonicalize(dir))
        && !real.starts_with(&root)
    {
        return refuse(
            "resolves (through a symbolic link) outside the project's directory",
            errors,
        );
    }
    Some(joined)
}

fn policy(
    value: &Value,
    origin: &impl Fn(Span) -> Origin,
    config: &mut Config,
    errors: &mut Vec<Diagnostic>,
) {
    let DeValue::Table(groups) = value.get_ref() else {
        errors.push(wrong_type("policy", value, "a table of groups"));
        return;
    };
    for (group, caps) in groups.iter() {
        let DeValue::Table(table) = caps.get_ref() else {
            errors.push(wrong_type(
                &format!("policy.{}", group.get_ref()),
                caps,
                "a table",
            ));
            continue;
        };
        let caps = read_caps(table, origin, errors);
        if group.get_ref() == "*" {
            config.every_group = caps;
        } else {
            config.groups.insert(group.get_ref().to_string(), caps);
        }
    }
}

fn read_caps(
    table: &DeTable,
    origin: &impl Fn(Span) -> Origin,
    errors: &mut Vec<Diagnostic>,
) -> Caps {
    let mut caps = Caps::default();
    for (key, value) in table.iter() {
        let name = key.get_ref().as_ref();
        let span = span_of(value);
        let count = |min: i64, errors: &mut Vec<Diagnostic>| -> Option<Cap<u64>> {
            let Some(n) = integer(value.get_ref()) else {
                errors.push(wrong_type(
                    &format!("policy `{name}`"),
                    value,
                    "a whole number",
                ));
                return None;
            };
            if n < min {
                errors.push(
                    Diagnostic::at(
                        Code::InvalidValue,
                        span,
                        format!("policy `{name}` must be at least {min}, found {n}"),
                    )
                    .label("too small"),
                );
                return None;
            }
            Some(Cap {
                value: n as u64,
                origin: origin(span),
            })
        };
        let Some((cap_key, measure)) = CapKey::named(name) else {
            let names: Vec<&str> = CapKey::all().iter().map(|(_, n, _)| *n).collect();
            errors.push(unknown_key(key, &names, " in a policy"));
            continue;
        };
        let cap = match measure {
            Measure::Count { min } => count(min as i64, errors).map(|c| Cap {
                value: Quantity::Count(c.value),
                origin: c.origin,
            }),
            Measure::Memory => parsed(value, origin, errors, Memory::parse, |e| {
                Diagnostic::new(Code::InvalidValue, None, format!("policy `{name}`: {e}"))
                    .label("not a memory amount")
                    .help("write a number with a unit K, M, G or T (base 1024), e.g. \"64G\"")
            })
            .map(|c| Cap {
                value: Quantity::Memory(c.value.bytes),
                origin: c.origin,
            }),
            Measure::Time => parsed(value, origin, errors, TimeLimit::parse, |e| {
                Diagnostic::new(Code::InvalidValue, None, format!("policy `{name}`: {e}"))
                    .label("not a time")
                    .help("write D-HH:MM:SS, HH:MM:SS, or 36h / 2d / 1d12h")
            })
            .map(|c| Cap {
                value: Quantity::Time(c.value),
                origin: c.origin,
            }),
        };
        caps.set(cap_key, cap);
    }
    caps
}

/// A cap written as text (or a bare number) in one of the job grammars.
fn parsed<T, E>(
    value: &Value,
    origin: &impl Fn(Span) -> Origin,
    errors: &mut Vec<Diagnostic>,
    parse: impl Fn(&str) -> Result<T, E>,
    problem: impl Fn(E) -> Diagnostic,
) -> Option<Cap<T>> {
    let span = span_of(value);
    let text = match value.get_ref() {
        DeValue::String(t) => t.to_string(),
        v @ DeValue::Integer(_) => integer(v)?.to_string(),
        _ => {
            errors.push(wrong_type("policy value", value, "a string or a number"));
            return None;
        }
    };
    match parse(&text) {
        Ok(value) => Some(Cap {
            value,
            origin: origin(span),
        }),
        Err(e) => {
            let mut d = problem(e);
            d.span = Some(span);
            errors.push(d);
            None
        }
    }
}

fn rules(value: &Value, config: &mut Config, errors: &mut Vec<Diagnostic>) {
    let DeValue::Table(table) = value.get_ref() else {
        errors.push(wrong_type("rules", value, "a table"));
        return;
    };
    for (code, level) in table.iter() {
        let Some(c) = Code::parse(code.get_ref()) else {
            let names = Code::ALL.iter().map(|c| c.as_str());
            let help = match did_you_mean(code.get_ref(), names) {
                Some(near) => {
                    format!("did you mean `{near}`? (`jobcheck explain --list` lists the codes)")
                }
                None => "`jobcheck explain --list` lists the codes".to_string(),
            };
            errors.push(
                Diagnostic::at(
                    Code::UnknownField,
                    span_of(code),
                    format!("`{}` is not a rule code", code.get_ref()),
                )
                .label("unknown code")
                .help(help),
            );
            continue;
        };
        let level_value = match level.get_ref() {
            DeValue::String(s) if s == "error" => Level::Error,
            DeValue::String(s) if s == "warning" => Level::Warning,
            DeValue::String(s) if s == "off" => Level::Off,
            other => {
                let shown = match other {
                    DeValue::String(s) => format!("`{s}`"),
                    v => kind(v).to_string(),
                };
                errors.push(
                    Diagnostic::at(
                        Code::InvalidValue,
                        span_of(level),
                        format!("{shown} is not a rule level"),
                    )
                    .label("unknown level")
                    .help("use \"error\", \"warning\" or \"off\""),
                );
                continue;
            }
        };
        config.rules.insert(c, level_value);
    }
}

/// Where relative paths in a file at `path` are read from.
pub fn dir_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}
