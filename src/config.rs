//! `jobcheck.toml`: defaults, local policy caps stricter than the
//! platform's, and rule severities. Found from the working directory upwards,
//! or given with `--config`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;
use toml::Spanned;

pub use crate::diag::Origin;
use crate::diag::{Code, Diagnostic, LineIndex, Severity, Span, did_you_mean};
use crate::limits::file::BadFile;
use crate::report::Format;
use crate::units::{Memory, TimeLimit};

pub const FILE_NAME: &str = "jobcheck.toml";

#[derive(Clone, Debug, PartialEq)]
pub struct Cap<T> {
    pub value: T,
    pub origin: Origin,
}

/// Local caps for a group; `None` where the policy says nothing.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Caps {
    pub cpus: Option<Cap<u64>>,
    pub gpus: Option<Cap<u64>>,
    pub dcus: Option<Cap<u64>>,
    pub mlus: Option<Cap<u64>>,
    pub memory: Option<Cap<Memory>>,
    pub nodes: Option<Cap<u64>>,
    pub walltime: Option<Cap<TimeLimit>>,
}

impl Caps {
    /// `other`'s caps where it has them, else `self`'s.
    fn overlay(&self, other: &Caps) -> Caps {
        Caps {
            cpus: other.cpus.clone().or_else(|| self.cpus.clone()),
            gpus: other.gpus.clone().or_else(|| self.gpus.clone()),
            dcus: other.dcus.clone().or_else(|| self.dcus.clone()),
            mlus: other.mlus.clone().or_else(|| self.mlus.clone()),
            memory: other.memory.clone().or_else(|| self.memory.clone()),
            nodes: other.nodes.clone().or_else(|| self.nodes.clone()),
            walltime: other.walltime.clone().or_else(|| self.walltime.clone()),
        }
    }

    pub fn is_empty(&self) -> bool {
        *self == Caps::default()
    }
}

/// What `[rules]` may set a code to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Error,
    Warning,
    Off,
}

#[derive(Clone, Debug, Default)]
pub struct Config {
    pub path: Option<PathBuf>,
    pub endpoint: Option<String>,
    pub cluster: Option<String>,
    pub format: Option<Format>,
    pub cache_ttl: Option<u64>,
    /// `[policy."*"]`.
    pub every_group: Caps,
    pub groups: BTreeMap<String, Caps>,
    pub rules: BTreeMap<Code, Level>,
}

impl Config {
    /// The caps for a group: its own section over `[policy."*"]`.
    pub fn caps(&self, group: &str) -> Caps {
        match self.groups.get(group) {
            Some(own) => self.every_group.overlay(own),
            None => self.every_group.clone(),
        }
    }

    pub fn has_policy(&self) -> bool {
        !self.every_group.is_empty() || !self.groups.is_empty()
    }

    /// Apply `[rules]`: drop what is off, set the severity of the rest.
    pub fn apply_rules(&self, diagnostics: &mut Vec<Diagnostic>) {
        if self.rules.is_empty() {
            return;
        }
        diagnostics.retain_mut(|d| match self.rules.get(&d.code) {
            Some(Level::Off) => false,
            Some(Level::Error) => {
                d.severity = Severity::Error;
                true
            }
            Some(Level::Warning) => {
                d.severity = Severity::Warning;
                true
            }
            None => true,
        });
    }

    /// `jobcheck.toml` in `start` or the nearest directory above it.
    pub fn discover(start: &Path) -> Option<PathBuf> {
        start
            .ancestors()
            .map(|dir| dir.join(FILE_NAME))
            .find(|candidate| candidate.is_file())
    }

    pub fn load(path: &Path, shown: &str) -> Result<Config, BadFile> {
        let text = crate::fsread::read_small(path).map_err(|e| BadFile {
            path: shown.to_string(),
            text: String::new(),
            diagnostics: vec![Diagnostic::new(
                Code::InvalidValue,
                None,
                format!("cannot read the configuration: {e}"),
            )],
        })?;
        let mut config = Config::parse(shown, &text)?;
        config.path = Some(path.to_path_buf());
        Ok(config)
    }

    pub fn parse(path: &str, text: &str) -> Result<Config, BadFile> {
        let bad = |diagnostics: Vec<Diagnostic>| {
            let index = LineIndex::new(text);
            let diagnostics = diagnostics
                .into_iter()
                .map(|mut d| {
                    d.position = d.span.map(|s| index.position(s));
                    d
                })
                .collect();
            BadFile {
                path: path.to_string(),
                text: text.to_string(),
                diagnostics,
            }
        };
        let raw: RawConfig = toml::from_str(text).map_err(|e| {
            let span = e
                .span()
                .map(|r| Span::new(r.start, r.end))
                .unwrap_or_default();
            let message = e.message().trim().to_string();
            let mut d = Diagnostic::at(Code::InvalidValue, span, message.clone()).label("here");
            if let Some(unknown) = message
                .strip_prefix("unknown field `")
                .and_then(|m| m.split('`').next())
            {
                let known = [
                    "endpoint",
                    "cluster",
                    "format",
                    "cache-ttl",
                    "policy",
                    "rules",
                    "cpus",
                    "gpus",
                    "dcus",
                    "mlus",
                    "memory",
                    "nodes",
                    "walltime",
                ];
                if let Some(near) = did_you_mean(unknown, known) {
                    d = d.help(format!("did you mean `{near}`?"));
                }
                d.code = Code::UnknownField;
            }
            bad(vec![d])
        })?;
        let shared: Arc<str> = Arc::from(text);
        let mut errors = Vec::new();
        let origin = |span: std::ops::Range<usize>| Origin {
            path: path.to_string(),
            text: shared.clone(),
            span: Span::new(span.start, span.end),
        };
        let mut config = Config {
            endpoint: raw.endpoint,
            cluster: raw.cluster,
            ..Config::default()
        };
        if let Some(format) = raw.format {
            use clap::ValueEnum;
            match Format::from_str(format.get_ref(), true) {
                Ok(f) => config.format = Some(f),
                Err(_) => errors.push(
                    Diagnostic::at(
                        Code::InvalidValue,
                        Span::new(format.span().start, format.span().end),
                        format!("`{}` is not a format", format.get_ref()),
                    )
                    .label("unknown format")
                    .help("use human, concise, json, sarif, github or junit"),
                ),
            }
        }
        if let Some(ttl) = raw.cache_ttl {
            let span = Span::new(ttl.span().start, ttl.span().end);
            match ttl.into_inner() {
                Number::Int(n) if n >= 0 => config.cache_ttl = Some(n as u64),
                Number::Text(t) => match TimeLimit::parse(&t) {
                    Ok(TimeLimit::Finite(d)) => config.cache_ttl = Some(d.seconds),
                    _ => errors.push(
                        Diagnostic::at(
                            Code::InvalidValue,
                            span,
                            format!("`cache-ttl`: `{t}` is not a duration"),
                        )
                        .label("not a duration")
                        .help("write seconds (900) or a time such as \"15m\""),
                    ),
                },
                Number::Int(_) => errors.push(
                    Diagnostic::at(Code::InvalidValue, span, "`cache-ttl` cannot be negative")
                        .label("negative"),
                ),
            }
        }
        for (group, raw_caps) in raw.policy {
            let caps = read_caps(raw_caps, &origin, &mut errors);
            if group == "*" {
                config.every_group = caps;
            } else {
                config.groups.insert(group, caps);
            }
        }
        for (code, level) in raw.rules {
            let code_span = Span::new(code.span().start, code.span().end);
            let Some(c) = Code::parse(code.get_ref()) else {
                let names = Code::ALL.iter().map(|c| c.as_str());
                let help = match did_you_mean(code.get_ref(), names) {
                    Some(near) => format!(
                        "did you mean `{near}`? (`jobcheck explain --list` lists the codes)"
                    ),
                    None => "`jobcheck explain --list` lists the codes".to_string(),
                };
                errors.push(
                    Diagnostic::at(
                        Code::UnknownField,
                        code_span,
                        format!("`{}` is not a rule code", code.get_ref()),
                    )
                    .label("unknown code")
                    .help(help),
                );
                continue;
            };
            let level_value = match level.get_ref().as_str() {
                "error" => Level::Error,
                "warning" => Level::Warning,
                "off" => Level::Off,
                other => {
                    errors.push(
                        Diagnostic::at(
                            Code::InvalidValue,
                            Span::new(level.span().start, level.span().end),
                            format!("`{other}` is not a rule level"),
                        )
                        .label("unknown level")
                        .help("use \"error\", \"warning\" or \"off\""),
                    );
                    continue;
                }
            };
            config.rules.insert(c, level_value);
        }
        if errors.is_empty() {
            Ok(config)
        } else {
            Err(bad(errors))
        }
    }
}

fn read_caps(
    raw: RawCaps,
    origin: &impl Fn(std::ops::Range<usize>) -> Origin,
    errors: &mut Vec<Diagnostic>,
) -> Caps {
    let mut count = |v: Option<Spanned<i64>>, key: &str, min: i64| -> Option<Cap<u64>> {
        let v = v?;
        let span = v.span();
        let n = *v.get_ref();
        if n < min {
            errors.push(
                Diagnostic::at(
                    Code::InvalidValue,
                    Span::new(span.start, span.end),
                    format!("policy `{key}` must be at least {min}, found {n}"),
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
    let cpus = count(raw.cpus, "cpus", 1);
    let gpus = count(raw.gpus, "gpus", 0);
    let dcus = count(raw.dcus, "dcus", 0);
    let mlus = count(raw.mlus, "mlus", 0);
    let nodes = count(raw.nodes, "nodes", 1);
    let memory = parsed(raw.memory, origin, errors, Memory::parse, |e| {
        Diagnostic::new(Code::InvalidValue, None, format!("policy `memory`: {e}"))
            .label("not a memory amount")
            .help("write a number with a unit K, M, G or T (base 1024), e.g. \"64G\"")
    });
    let walltime = parsed(raw.walltime, origin, errors, TimeLimit::parse, |e| {
        Diagnostic::new(Code::InvalidValue, None, format!("policy `walltime`: {e}"))
            .label("not a time")
            .help("write D-HH:MM:SS, HH:MM:SS, or 36h / 2d / 1d12h")
    });
    Caps {
        cpus,
        gpus,
        dcus,
        mlus,
        memory,
        nodes,
        walltime,
    }
}

/// A cap written as text (or a bare number) in one of the job grammars.
fn parsed<T, E>(
    raw: Option<Spanned<Number>>,
    origin: &impl Fn(std::ops::Range<usize>) -> Origin,
    errors: &mut Vec<Diagnostic>,
    parse: impl Fn(&str) -> Result<T, E>,
    problem: impl Fn(E) -> Diagnostic,
) -> Option<Cap<T>> {
    let raw = raw?;
    let span = raw.span();
    let text = match raw.get_ref() {
        Number::Int(n) => n.to_string(),
        Number::Text(t) => t.clone(),
    };
    match parse(&text) {
        Ok(value) => Some(Cap {
            value,
            origin: origin(span),
        }),
        Err(e) => {
            let mut d = problem(e);
            d.span = Some(Span::new(span.start, span.end));
            errors.push(d);
            None
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawConfig {
    endpoint: Option<String>,
    cluster: Option<String>,
    format: Option<Spanned<String>>,
    cache_ttl: Option<Spanned<Number>>,
    #[serde(default)]
    policy: BTreeMap<String, RawCaps>,
    #[serde(default)]
    rules: BTreeMap<Spanned<String>, Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCaps {
    cpus: Option<Spanned<i64>>,
    gpus: Option<Spanned<i64>>,
    dcus: Option<Spanned<i64>>,
    mlus: Option<Spanned<i64>>,
    memory: Option<Spanned<Number>>,
    nodes: Option<Spanned<i64>>,
    walltime: Option<Spanned<Number>>,
}

/// A TOML value that may be written as a number or a string.
#[derive(Deserialize)]
#[serde(untagged)]
enum Number {
    Int(i64),
    Text(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
endpoint = "https://ai.example:8443"
format = "concise"
cache-ttl = "10m"

[policy."*"]
walltime = "12:00:00"

[policy.TeslaM40]
cpus = 16
memory = "24G"
walltime = "1d"

[rules]
walltime-missing = "error"
memory-unit-missing = "off"
"#;

    #[test]
    fn reads_defaults_policy_and_rules() {
        let c = Config::parse("jobcheck.toml", GOOD).unwrap();
        assert_eq!(c.endpoint.as_deref(), Some("https://ai.example:8443"));
        assert_eq!(c.format, Some(Format::Concise));
        assert_eq!(c.cache_ttl, Some(600));
        let caps = c.caps("TeslaM40");
        assert_eq!(caps.cpus.as_ref().map(|c| c.value), Some(16));
        assert_eq!(
            caps.walltime.as_ref().map(|c| c.value.describe()),
            Some("1-00:00:00 (24 h)".into())
        );
        assert_eq!(
            caps.cpus.as_ref().unwrap().origin.location(),
            "jobcheck.toml:10:8"
        );
        let other = c.caps("K100");
        assert_eq!(
            other.walltime.as_ref().map(|c| c.value.describe()),
            Some("12:00:00 (12 h)".into())
        );
        assert!(other.cpus.is_none());
        assert_eq!(c.rules.get(&Code::WalltimeMissing), Some(&Level::Error));
        assert_eq!(c.rules.get(&Code::MemoryUnitMissing), Some(&Level::Off));
    }

    #[test]
    fn the_readme_example_is_valid() {
        let readme = include_str!("../README.md");
        let section = readme
            .split("## Local policy")
            .nth(1)
            .expect("README has a Local policy section");
        let toml_text = section
            .split("```toml\n")
            .nth(1)
            .and_then(|rest| rest.split("```").next())
            .expect("the section has a toml example");
        let c = Config::parse("jobcheck.toml", toml_text).unwrap();
        assert_eq!(c.caps("TeslaM40").cpus.map(|c| c.value), Some(16));
        assert!(
            c.caps("TeslaM40").walltime.is_some(),
            "inherited from \"*\""
        );
    }

    fn first_error(text: &str) -> (String, usize, usize) {
        let bad = Config::parse("jobcheck.toml", text).unwrap_err();
        let d = &bad.diagnostics[0];
        let p = d.position.unwrap();
        (d.message.clone(), p.line, p.column)
    }

    #[test]
    fn bad_configs_point_at_the_line() {
        let (m, l, c) = first_error("[policy.A]\ncpus = 4\nmemroy = \"1G\"\n");
        assert!(m.contains("memroy"), "{m}");
        assert_eq!((l, c), (3, 1));
        let (m, l, c) = first_error("[policy.A]\nmemory = \"16X\"\n");
        assert!(m.contains("unknown memory unit"), "{m}");
        assert_eq!((l, c), (2, 10));
        let (m, l, _) = first_error("[policy.A]\ncpus = \"many\"\n");
        assert!(!m.is_empty());
        assert_eq!(l, 2);
        let (m, l, c) = first_error("[rules]\ncpus-over-limt = \"warning\"\n");
        assert!(m.contains("not a rule code"), "{m}");
        assert_eq!((l, c), (2, 1));
        let (_, l, c) = first_error("[rules]\ncpus-over-limit = \"loud\"\n");
        assert_eq!((l, c), (2, 19));
    }
}
