//! The one settings resolver, used by `check`, `limits` and `lsp`: what the
//! command line said ([`Flags`]), the environment ([`Env`]), the user's
//! configuration, the project's configuration and the defaults, in that
//! order, each value validated once, by the same code, into [`Settings`].
//!
//! The model is ripgrep's "low-level arguments → resolved arguments": the
//! front ends collect raw text and hand it over; nothing here reads the
//! process's state except [`Env::process`], and nothing is written back to
//! the environment: service addresses travel as values in [`Api`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::{Config, Places, Scope};
use crate::units::TimeLimit;
use crate::vocab::{BadFile, Format};

/// How long the whole run may spend on the platform, by default.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// The most `--timeout` may say.
pub const MAX_TIMEOUT: Duration = Duration::from_secs(3600);
/// How long cached answers stay fresh, by default.
pub const DEFAULT_CACHE_TTL: Duration = Duration::from_secs(15 * 60);
/// The most any duration read from a setting may be (30 days).
pub const MAX_DURATION: Duration = Duration::from_secs(30 * 24 * 3600);

/// The variables the settings read. Secrets (`JOBCHECK_TOKEN`, the access
/// key) are only looked at to know whether a credential is configured;
/// their values are never kept here.
pub const VARIABLES: [&str; 10] = [
    "JOBCHECK_LIMITS",
    "JOBCHECK_ENDPOINT",
    "JOBCHECK_TOKEN_FILE",
    "JOBCHECK_TIMEOUT",
    "JOBCHECK_CACHE_TTL",
    "JOBCHECK_CONFIG",
    "JOBCHECK_FORMAT",
    "JOBCHECK_AUTH_URL",
    "JOBCHECK_AC_URL",
    "GITHUB_ACTIONS",
];

/// Whose presence alone says that a credential is configured.
const CREDENTIAL_VARIABLES: [&str; 4] = [
    "JOBCHECK_TOKEN",
    "JOBCHECK_USER",
    "JOBCHECK_ACCESS_KEY",
    "JOBCHECK_SECRET_KEY",
];

/// What the command line said: raw text, validated by [`resolve`].
#[derive(Clone, Debug, Default)]
pub struct Flags {
    pub limits: Option<PathBuf>,
    pub endpoint: Option<String>,
    pub token_file: Option<PathBuf>,
    pub timeout: Option<String>,
    pub cache_ttl: Option<String>,
    /// `--config FILE`: the project's configuration, replacing the one a
    /// search would find.
    pub config: Option<PathBuf>,
    /// `--isolated`: no configuration file at all.
    pub isolated: bool,
    pub format: Option<Format>,
}

/// The environment as the settings see it: an empty value is unset.
#[derive(Clone, Debug, Default)]
pub struct Env {
    values: BTreeMap<String, String>,
    /// Which credential variables are set (their values are not kept).
    credentials: Vec<String>,
    pub home: Option<PathBuf>,
    pub xdg_config_home: Option<PathBuf>,
}

impl Env {
    /// The process's environment.
    pub fn process() -> Env {
        let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
        // Windows: the user's configuration is `%APPDATA%\jobcheck\config.toml`
        // unless XDG_CONFIG_HOME or HOME (which Git Bash sets) says
        // otherwise; the profile folder is the home where HOME is not set.
        #[cfg(windows)]
        let (home, xdg_config_home) = {
            let home = var("HOME");
            let config = var("XDG_CONFIG_HOME").or_else(|| match home {
                None => var("APPDATA"),
                Some(_) => None,
            });
            (
                home.or_else(|| var("USERPROFILE")).map(PathBuf::from),
                config.map(PathBuf::from),
            )
        };
        #[cfg(not(windows))]
        let (home, xdg_config_home) = (
            var("HOME").map(PathBuf::from),
            var("XDG_CONFIG_HOME").map(PathBuf::from),
        );
        let mut env = Env {
            home,
            xdg_config_home,
            ..Env::default()
        };
        for name in VARIABLES {
            if let Some(value) = var(name) {
                env.values
                    .insert(name.to_string(), value.to_string_lossy().into_owned());
            }
        }
        env.credentials = CREDENTIAL_VARIABLES
            .iter()
            .filter(|n| var(n).is_some())
            .map(|n| n.to_string())
            .collect();
        env
    }

    /// An environment given as pairs (for tests and embedders).
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Env {
        let mut env = Env::default();
        for (name, value) in pairs {
            if value.is_empty() {
                continue;
            }
            match name {
                "HOME" => env.home = Some(PathBuf::from(value)),
                "XDG_CONFIG_HOME" => env.xdg_config_home = Some(PathBuf::from(value)),
                n if CREDENTIAL_VARIABLES.contains(&n) => env.credentials.push(n.to_string()),
                n => {
                    env.values.insert(n.to_string(), value.to_string());
                }
            }
        }
        env
    }

    pub fn text(&self, name: &str) -> Option<&str> {
        self.values
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.trim().is_empty())
    }

    fn credential_set(&self) -> bool {
        !self.credentials.is_empty()
    }
}

/// Where a setting's value came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layer {
    Flag,
    Env,
    User,
    Project,
    Default,
}

impl Layer {
    pub fn as_str(self) -> &'static str {
        match self {
            Layer::Flag => "flag",
            Layer::Env => "environment",
            Layer::User => "user configuration",
            Layer::Project => "project configuration",
            Layer::Default => "default",
        }
    }
}

/// Where limits come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LimitsFrom {
    /// A limits file, and which layer named it.
    File(PathBuf, Layer),
    /// The platform API (the address in [`Api::endpoint`]; `None`: discovered).
    Api,
    /// None configured: the message says how to configure them.
    None(String),
}

/// Everything the platform client needs, as values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Api {
    pub endpoint: Option<String>,
    pub auth_url: Option<String>,
    pub ac_url: Option<String>,
    pub cluster: Option<String>,
    pub token_file: Option<PathBuf>,
    pub timeout: Duration,
    pub cache_ttl: Duration,
}

/// The resolved settings of a run (or of a language server's workspace).
#[derive(Clone, Debug)]
pub struct Settings {
    /// The configurations layered: policy, rules, globs (the project's
    /// file is `config.path`).
    pub config: Config,
    /// The user's configuration file, when one was read.
    pub user_file: Option<PathBuf>,
    pub limits: LimitsFrom,
    pub api: Api,
    /// `None`: the front's default (human, or github under GitHub Actions).
    pub format: Option<Format>,
    /// Whether `GITHUB_ACTIONS=true`.
    pub github_actions: bool,
}

/// Why settings could not be resolved.
#[derive(Debug)]
pub enum SettingsError {
    /// A bad flag or environment value (the message names which).
    Value(String),
    /// A configuration file that cannot be used, and whose it is.
    File(Box<BadFile>, Scope),
}

impl std::fmt::Display for SettingsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SettingsError::Value(m) => f.write_str(m),
            SettingsError::File(bad, _) => {
                write!(f, "cannot use the configuration `{}`", bad.path)?;
                for d in &bad.diagnostics {
                    write!(f, "; {}", d.message)?;
                }
                Ok(())
            }
        }
    }
}

/// Seconds for `--timeout` / `JOBCHECK_TIMEOUT`: more than 0, at most an hour.
pub fn parse_timeout(text: &str) -> Result<Duration, String> {
    let s: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a number of seconds"))?;
    if !(s > 0.0 && s <= MAX_TIMEOUT.as_secs_f64()) {
        return Err(format!("`{text}`: give between 0 and 3600 seconds"));
    }
    Ok(Duration::from_secs_f64(s))
}

/// A duration as `cache-ttl` takes it everywhere: whole seconds (`900`) or
/// a time (`"15m"`, `"1h"`, `"2d"`, `"0:15:00"`), at most [`MAX_DURATION`].
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let seconds = if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
        t.parse::<u64>().unwrap_or(u64::MAX)
    } else {
        match TimeLimit::parse(t) {
            Ok(TimeLimit::Finite(d)) => d.seconds,
            _ => {
                return Err(format!(
                    "`{text}` is not a duration: write seconds (900) or a time such as 15m, 1h or 2d"
                ));
            }
        }
    };
    bounded(seconds).map_err(|max| format!("`{text}` is longer than {max}"))
}

/// Seconds as a duration, at most [`MAX_DURATION`]; the error names the bound.
pub fn bounded(seconds: u64) -> Result<Duration, &'static str> {
    if seconds > MAX_DURATION.as_secs() {
        return Err("30 days, the most a duration may be");
    }
    Ok(Duration::from_secs(seconds))
}

/// A path from a flag or the environment, relative to `cwd`.
fn path_in(cwd: &Path, path: &Path) -> PathBuf {
    if path.is_absolute() || cwd.as_os_str().is_empty() || cwd == Path::new(".") {
        path.to_path_buf()
    } else {
        cwd.join(path)
    }
}

/// Resolve the settings: `flags` over `env` over the user's configuration
/// over the project's over the defaults. `cwd` is where relative paths
/// start and the project configuration is searched from; when none is
/// found there, it is searched from each of `paths` (the inputs given).
/// Pass `Path::new(".")` to keep relative paths as written.
pub fn resolve(
    flags: &Flags,
    env: &Env,
    cwd: &Path,
    paths: &[PathBuf],
) -> Result<Settings, SettingsError> {
    let value = |flag: Option<&str>, var: &'static str| -> Option<(String, String)> {
        flag.map(|f| (f.to_string(), format!("--{}", flag_name(var))))
            .or_else(|| env.text(var).map(|v| (v.to_string(), var.to_string())))
    };
    // Validated first: a bad value is the same error whatever else is set.
    let timeout = match value(flags.timeout.as_deref(), "JOBCHECK_TIMEOUT") {
        Some((text, from)) => {
            parse_timeout(&text).map_err(|e| SettingsError::Value(format!("{from}: {e}")))?
        }
        None => DEFAULT_TIMEOUT,
    };
    let ttl_given = match value(flags.cache_ttl.as_deref(), "JOBCHECK_CACHE_TTL") {
        Some((text, from)) => {
            Some(parse_duration(&text).map_err(|e| SettingsError::Value(format!("{from}: {e}")))?)
        }
        None => None,
    };
    let format = match (flags.format, env.text("JOBCHECK_FORMAT")) {
        (Some(f), _) => Some(f),
        (None, Some(text)) => {
            use clap::ValueEnum;
            Some(Format::from_str(text.trim(), true).map_err(|_| {
                SettingsError::Value(format!(
                    "JOBCHECK_FORMAT: `{text}` is not a format (human, concise, json, sarif, github or junit)"
                ))
            })?)
        }
        (None, None) => None,
    };
    let explicit = flags
        .config
        .clone()
        .or_else(|| env.text("JOBCHECK_CONFIG").map(PathBuf::from))
        .map(|p| path_in(cwd, &p));
    if flags.isolated && flags.config.is_some() {
        return Err(SettingsError::Value(
            "--isolated reads no configuration file, so it cannot be given with --config".into(),
        ));
    }
    let places = Places {
        explicit: if flags.isolated { None } else { explicit },
        isolated: flags.isolated,
        cwd: Some(cwd.to_path_buf()),
        paths: paths.to_vec(),
        home: env.home.clone(),
        xdg_config_home: env.xdg_config_home.clone(),
    };
    let (config, user_file) = Config::load_all(&places)
        .map_err(|(bad, scope)| SettingsError::File(Box::new(bad), scope))?;
    let flag_path = |p: &Option<PathBuf>| p.as_ref().map(|p| path_in(cwd, p));
    let env_path = |name: &str| env.text(name).map(|p| path_in(cwd, Path::new(p)));
    let token_file = flag_path(&flags.token_file).or_else(|| env_path("JOBCHECK_TOKEN_FILE"));
    let env_endpoint = env.text("JOBCHECK_ENDPOINT").map(str::to_string);
    let user_layer = |c: &Config| {
        if c.limits_from_user {
            Layer::User
        } else {
            Layer::Project
        }
    };
    // Limits: each layer in turn, a limits file before an address within it.
    let mut endpoint = None;
    let limits = if let Some(path) = flag_path(&flags.limits) {
        LimitsFrom::File(path, Layer::Flag)
    } else if let Some(e) = &flags.endpoint {
        endpoint = Some(e.clone());
        LimitsFrom::Api
    } else if let Some(path) = env_path("JOBCHECK_LIMITS") {
        LimitsFrom::File(path, Layer::Env)
    } else if let Some(e) = &env_endpoint {
        endpoint = Some(e.clone());
        LimitsFrom::Api
    } else if let Some(path) = &config.limits {
        LimitsFrom::File(path.clone(), user_layer(&config))
    } else if config.endpoint.is_some() || token_file.is_some() || env.credential_set() {
        endpoint = config.endpoint.clone();
        LimitsFrom::Api
    } else {
        LimitsFrom::None(
            "no limits: pass --limits FILE (or JOBCHECK_LIMITS, or `limits` in jobcheck.toml), or \
             --endpoint URL (or JOBCHECK_ENDPOINT) with a token, or a token or access key alone to \
             discover the endpoint (the book's Credentials chapter, docs/src/credentials.md, has each way)"
                .into(),
        )
    };
    let cache_ttl = match ttl_given {
        Some(d) => d,
        None => match config.cache_ttl {
            Some(s) => bounded(s).unwrap_or(MAX_DURATION),
            None => DEFAULT_CACHE_TTL,
        },
    };
    let api = Api {
        endpoint,
        auth_url: env
            .text("JOBCHECK_AUTH_URL")
            .map(str::to_string)
            .or_else(|| config.auth_url.clone()),
        ac_url: env
            .text("JOBCHECK_AC_URL")
            .map(str::to_string)
            .or_else(|| config.ac_url.clone()),
        cluster: config.cluster.clone(),
        token_file,
        timeout,
        cache_ttl,
    };
    Ok(Settings {
        format: format.or(config.format),
        github_actions: env.text("GITHUB_ACTIONS") == Some("true"),
        user_file,
        config,
        limits,
        api,
    })
}

/// `JOBCHECK_CACHE_TTL` → `cache-ttl`.
fn flag_name(var: &str) -> String {
    var.trim_start_matches("JOBCHECK_")
        .to_ascii_lowercase()
        .replace('_', "-")
}

impl Settings {
    /// The report format: as set, else github under GitHub Actions, else human.
    pub fn format_or_default(&self) -> Format {
        self.format.unwrap_or(if self.github_actions {
            Format::Github
        } else {
            Format::Human
        })
    }

    /// The resolved settings as JSON (`jobcheck check --show-settings`, and
    /// the language server's `jobcheck/settings` request), so that what
    /// each front resolved can be compared. No secret is in it.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::json;
        let path = |p: &Option<PathBuf>| p.as_ref().map(|p| p.display().to_string());
        let limits = match &self.limits {
            LimitsFrom::File(p, layer) => {
                json!({"file": p.display().to_string(), "from": layer.as_str()})
            }
            LimitsFrom::Api => json!({"api": true}),
            LimitsFrom::None(_) => serde_json::Value::Null,
        };
        let rules: BTreeMap<&str, &str> = self
            .config
            .rules
            .iter()
            .map(|(code, level)| {
                (
                    code.as_str(),
                    match level {
                        super::Level::Error => "error",
                        super::Level::Warning => "warning",
                        super::Level::Off => "off",
                    },
                )
            })
            .collect();
        let mut groups: Vec<&str> = self.config.groups.keys().map(String::as_str).collect();
        if !self.config.every_group.is_empty() {
            groups.insert(0, "*");
        }
        json!({
            "project_config": path(&self.config.path),
            "user_config": path(&self.user_file),
            "limits": limits,
            "endpoint": self.api.endpoint,
            "auth_url": self.api.auth_url,
            "ac_url": self.api.ac_url,
            "cluster": self.api.cluster,
            "token_file": path(&self.api.token_file),
            "timeout_seconds": self.api.timeout.as_secs_f64(),
            "cache_ttl_seconds": self.api.cache_ttl.as_secs(),
            "format": self.format.map(|f| format!("{f:?}").to_lowercase()),
            "include": self.config.include,
            "exclude": self.config.exclude,
            "policy_groups": groups,
            "rules": rules,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(text: &str) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(".git")).unwrap();
        std::fs::write(dir.path().join("jobcheck.toml"), text).unwrap();
        dir
    }

    fn env(pairs: &[(&str, &str)], home: &Path) -> Env {
        let home = home.to_str().unwrap();
        let mut all = vec![("HOME", home)];
        all.extend_from_slice(pairs);
        Env::from_pairs(all)
    }

    #[test]
    fn flags_beat_the_environment_which_beats_files_which_beat_defaults() {
        let dir = project("cache-ttl = \"10m\"\nformat = \"json\"\n");
        let home = tempfile::tempdir().unwrap();
        let s = resolve(&Flags::default(), &env(&[], home.path()), dir.path(), &[]).unwrap();
        assert_eq!(s.api.cache_ttl, Duration::from_secs(600));
        assert_eq!(s.api.timeout, DEFAULT_TIMEOUT);
        assert_eq!(s.format, Some(Format::Json));
        let e = env(&[("JOBCHECK_CACHE_TTL", "15m")], home.path());
        let s = resolve(&Flags::default(), &e, dir.path(), &[]).unwrap();
        assert_eq!(s.api.cache_ttl, Duration::from_secs(900));
        let flags = Flags {
            cache_ttl: Some("30".into()),
            ..Flags::default()
        };
        let s = resolve(&flags, &e, dir.path(), &[]).unwrap();
        assert_eq!(s.api.cache_ttl, Duration::from_secs(30));
    }

    #[test]
    fn a_bad_value_is_the_same_error_from_a_flag_or_the_environment() {
        let dir = project("");
        let home = tempfile::tempdir().unwrap();
        let e = env(&[("JOBCHECK_TIMEOUT", "soon")], home.path());
        let err = resolve(&Flags::default(), &e, dir.path(), &[]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "JOBCHECK_TIMEOUT: `soon` is not a number of seconds"
        );
        let flags = Flags {
            timeout: Some("soon".into()),
            ..Flags::default()
        };
        let err = resolve(&flags, &env(&[], home.path()), dir.path(), &[]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "--timeout: `soon` is not a number of seconds"
        );
    }

    #[test]
    fn durations_are_bounded_and_never_panic() {
        assert_eq!(parse_duration("15m"), Ok(Duration::from_secs(900)));
        assert_eq!(parse_duration("900"), Ok(Duration::from_secs(900)));
        assert!(parse_duration("9223372036854775807").is_err());
        assert!(parse_duration("99999999999999999999999").is_err());
        assert!(parse_duration("31d").is_err());
        assert_eq!(parse_duration("30d"), Ok(MAX_DURATION));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("").is_err());
    }

    #[test]
    fn service_addresses_are_values_not_environment() {
        let home = tempfile::tempdir().unwrap();
        let xdg = home.path().join("xdg");
        std::fs::create_dir_all(xdg.join("jobcheck")).unwrap();
        let user = xdg.join("jobcheck/config.toml");
        std::fs::write(&user, "auth-url = \"https://auth.example\"\n").unwrap();
        let dir = project("");
        let e = Env::from_pairs([
            ("HOME", home.path().to_str().unwrap()),
            ("XDG_CONFIG_HOME", xdg.to_str().unwrap()),
            ("JOBCHECK_AC_URL", "https://ac.example"),
        ]);
        let s = resolve(&Flags::default(), &e, dir.path(), &[]).unwrap();
        assert_eq!(s.api.auth_url.as_deref(), Some("https://auth.example"));
        assert_eq!(s.api.ac_url.as_deref(), Some("https://ac.example"));
        assert_eq!(s.user_file.as_deref(), Some(user.as_path()));
        let isolated = Flags {
            isolated: true,
            ..Flags::default()
        };
        let s = resolve(&isolated, &e, dir.path(), &[]).unwrap();
        assert_eq!(s.api.auth_url, None);
        assert_eq!(s.user_file, None);
        assert_eq!(s.config.path, None);
    }

    #[test]
    fn the_project_file_is_found_from_the_paths_given() {
        let repo = project("format = \"concise\"\n");
        std::fs::create_dir(repo.path().join("jobs")).unwrap();
        let outside = tempfile::tempdir().unwrap();
        let e = env(&[], outside.path());
        let s = resolve(
            &Flags::default(),
            &e,
            outside.path(),
            &[repo.path().join("jobs")],
        )
        .unwrap();
        assert_eq!(s.config.path, Some(repo.path().join("jobcheck.toml")));
        assert_eq!(s.format, Some(Format::Concise));
    }
}
