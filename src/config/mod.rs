//! Configuration: defaults, local policy caps stricter than the platform's,
//! rule severities, the limits file and which files are job files.
//!
//! Two files are read. The user's own
//! (`$XDG_CONFIG_HOME/jobcheck/config.toml`, else
//! `~/.config/jobcheck/config.toml`) may say where credentials go. A
//! project's `jobcheck.toml`, found from the working directory up to the
//! repository root or the home directory (or given with `--config`), may
//! not: anyone who can send a pull request can edit it. Where both set a
//! value, the project's wins.

mod ignores;
mod read;
pub mod settings;
mod trust;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub use crate::diag::Origin;
use crate::diag::{Code, Diagnostic, Severity};
pub use crate::vocab::{BadFile, Cap, Caps, Format};
pub use ignores::PerFileIgnore;
pub use read::CREDENTIAL_KEYS;
pub use trust::{MAX_CONFIG_BYTES, discover, user_file};

pub const FILE_NAME: &str = "jobcheck.toml";

/// How the user's configuration file is named in messages.
pub const USER_FILE_HINT: &str = "$XDG_CONFIG_HOME/jobcheck/config.toml";

/// Where configuration files are looked for.
#[derive(Clone, Debug, Default)]
pub struct Places {
    /// `--config` / `JOBCHECK_CONFIG`: the project's file, not searched for.
    pub explicit: Option<PathBuf>,
    /// `--isolated`: no configuration file is read at all.
    pub isolated: bool,
    pub cwd: Option<PathBuf>,
    /// The inputs given: when no project file is found from `cwd`, it is
    /// searched from each of these in turn (`jobcheck check repo/jobs`
    /// run from outside `repo` uses `repo/jobcheck.toml`).
    pub paths: Vec<PathBuf>,
    pub home: Option<PathBuf>,
    pub xdg_config_home: Option<PathBuf>,
}

impl Places {
    /// The project file: the explicit one, else found from the working
    /// directory, else from the paths given.
    pub fn project_file(&self) -> Option<PathBuf> {
        if self.isolated {
            return None;
        }
        if let Some(path) = &self.explicit {
            return Some(path.clone());
        }
        let home = self.home.as_deref();
        let cwd = self.cwd.as_deref()?;
        if let Some(found) = discover(cwd, home) {
            return Some(found);
        }
        self.paths
            .iter()
            .filter(|p| p.as_os_str() != "-")
            .find_map(|p| {
                let p = if p.is_absolute() {
                    p.clone()
                } else {
                    cwd.join(p)
                };
                let start = if p.is_dir() {
                    p
                } else {
                    p.parent()?.to_path_buf()
                };
                discover(&start, home)
            })
    }
}

/// Whose file a configuration is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Scope {
    /// A project's `jobcheck.toml` (or `--config`): no credential addresses.
    #[default]
    Project,
    /// The user's own `config.toml`.
    User,
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
    /// The project file read (`None` without one).
    pub path: Option<PathBuf>,
    pub scope: Scope,
    /// The directory `include` / `exclude` are relative to.
    pub dir: Option<PathBuf>,
    pub endpoint: Option<String>,
    pub auth_url: Option<String>,
    pub ac_url: Option<String>,
    pub cluster: Option<String>,
    pub format: Option<Format>,
    pub cache_ttl: Option<u64>,
    /// `limits = "FILE"`, already joined to the file's directory.
    pub limits: Option<PathBuf>,
    /// Whether `limits` came from the user's configuration.
    pub limits_from_user: bool,
    /// Globs (gitignore syntax) relative to `dir`: only files matching one
    /// of `include` (when given) and none of `exclude` are walked into.
    pub include: Vec<String>,
    pub exclude: Vec<String>,
    /// `[policy."*"]`.
    pub every_group: Caps,
    pub groups: BTreeMap<String, Caps>,
    pub rules: BTreeMap<Code, Level>,
    /// `per-file-ignores`: codes suppressed in the files a glob (relative
    /// to `dir`) matches.
    pub per_file_ignores: Vec<PerFileIgnore>,
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

    /// The codes `per-file-ignores` suppresses in the file at `path`.
    pub fn ignored_in(&self, path: &Path) -> Vec<Code> {
        ignores::codes_for(&self.per_file_ignores, self.dir.as_deref(), path)
    }

    /// Keep only the `per-file-ignores` codes of the file at `path`, as a
    /// rule that applies to whatever name the run gives the file (the
    /// language server checks a buffer under its file name alone).
    pub fn ignores_only_for(&mut self, path: &Path) {
        let codes = self.ignored_in(path);
        self.per_file_ignores = if codes.is_empty() {
            Vec::new()
        } else {
            vec![PerFileIgnore {
                glob: "*".into(),
                codes,
            }]
        };
        self.dir = None;
    }

    /// Read a configuration file: refused unless it is a regular file,
    /// ours (or root's) and writable by no one else; every problem in it
    /// reported at once.
    pub fn load(path: &Path, shown: &str, scope: Scope) -> Result<Config, BadFile> {
        let text = trust::read_trusted(path).map_err(|message| BadFile {
            path: shown.to_string(),
            text: String::new(),
            diagnostics: vec![Diagnostic::new(Code::InvalidValue, None, message)],
        })?;
        let mut config = Config::parse(shown, &read::dir_of(path), &text, scope)?;
        if scope == Scope::Project {
            config.path = Some(path.to_path_buf());
        }
        Ok(config)
    }

    /// Read a configuration's text; `dir` is where its relative paths start.
    pub fn parse(path: &str, dir: &Path, text: &str, scope: Scope) -> Result<Config, BadFile> {
        read::parse(path, dir, text, scope)
    }

    /// The user's configuration and the project's, layered, with the
    /// user's file when one was read; the error says whose file could not
    /// be used. `--isolated` reads neither.
    pub fn load_all(places: &Places) -> Result<(Config, Option<PathBuf>), (BadFile, Scope)> {
        if places.isolated {
            return Ok((Config::default(), None));
        }
        let user_path = user_file(places.xdg_config_home.as_deref(), places.home.as_deref())
            .filter(|path| std::fs::symlink_metadata(path).is_ok());
        let user = match &user_path {
            Some(path) => Some(
                Config::load(path, &path.display().to_string(), Scope::User)
                    .map_err(|bad| (bad, Scope::User))?,
            ),
            None => None,
        };
        let project = match places.project_file() {
            Some(path) => Some(
                Config::load(&path, &crate::fsread::display_path(&path), Scope::Project)
                    .map_err(|bad| (bad, Scope::Project))?,
            ),
            None => None,
        };
        Ok((Config::layered(user, project), user_path))
    }

    /// The user's defaults with the project's settings over them. Credential
    /// addresses come from the user's file only.
    pub fn layered(user: Option<Config>, project: Option<Config>) -> Config {
        let (user, project) = match (user, project) {
            (None, None) => return Config::default(),
            (Some(user), None) => return user,
            (None, Some(project)) => return project,
            (Some(user), Some(project)) => (user, project),
        };
        let mut groups = user.groups.clone();
        for (name, caps) in project.groups {
            let merged = match groups.get(&name) {
                Some(mine) => mine.overlay(&caps),
                None => caps,
            };
            groups.insert(name, merged);
        }
        let mut rules = user.rules.clone();
        rules.extend(project.rules);
        Config {
            path: project.path,
            scope: Scope::Project,
            dir: project.dir,
            endpoint: user.endpoint,
            auth_url: user.auth_url,
            ac_url: user.ac_url,
            cluster: project.cluster.or(user.cluster),
            format: project.format.or(user.format),
            cache_ttl: project.cache_ttl.or(user.cache_ttl),
            limits_from_user: project.limits.is_none() && user.limits.is_some(),
            limits: project.limits.or(user.limits),
            include: project.include,
            exclude: project.exclude,
            per_file_ignores: project.per_file_ignores,
            every_group: user.every_group.overlay(&project.every_group),
            groups,
            rules,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::units::TimeLimit;
    use crate::vocab::{CapKey, LimitKey, Measure, Quantity};

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
        let c = Config::parse("jobcheck.toml", Path::new("."), GOOD, Scope::User).unwrap();
        assert_eq!(c.endpoint.as_deref(), Some("https://ai.example:8443"));
        assert_eq!(c.format, Some(Format::Concise));
        assert_eq!(c.cache_ttl, Some(600));
        let caps = c.caps("TeslaM40");
        let cap = |caps: &Caps, key| caps.get(CapKey::Limit(key)).map(|c| c.value);
        let time = |caps: &Caps| match cap(caps, LimitKey::Time) {
            Some(Quantity::Time(t)) => Some(t.describe()),
            _ => None,
        };
        assert_eq!(cap(&caps, LimitKey::Cpus), Some(Quantity::Count(16)));
        assert_eq!(time(&caps), Some("1-00:00:00 (24 h)".into()));
        assert_eq!(
            caps.get(CapKey::Limit(LimitKey::Cpus))
                .unwrap()
                .origin
                .location(),
            "jobcheck.toml:10:8"
        );
        let other = c.caps("K100");
        assert_eq!(time(&other), Some("12:00:00 (12 h)".into()));
        assert!(cap(&other, LimitKey::Cpus).is_none());
        assert_eq!(c.rules.get(&Code::WalltimeMissing), Some(&Level::Error));
        assert_eq!(c.rules.get(&Code::MemoryUnitMissing), Some(&Level::Off));
    }

    #[test]
    fn every_limit_of_the_table_has_its_policy_cap() {
        // Each cap key the limit table gives is read, by its measure: a new
        // limit gets its cap with no edit to the reader.
        let caps = CapKey::all();
        assert!(caps.len() >= 7, "{caps:?}");
        let mut text = String::from("[policy.G]\n");
        for (_, name, measure) in &caps {
            let value = match measure {
                Measure::Count { .. } => "3",
                Measure::Memory => "\"2G\"",
                Measure::Time => "\"1h\"",
            };
            text.push_str(&format!("{name} = {value}\n"));
        }
        let c = Config::parse("jobcheck.toml", Path::new("."), &text, Scope::Project).unwrap();
        let got = c.caps("G");
        for (key, name, measure) in caps {
            let value = got
                .get(key)
                .map(|c| c.value)
                .unwrap_or_else(|| panic!("{name}"));
            let expected = match measure {
                Measure::Count { .. } => Quantity::Count(3),
                Measure::Memory => Quantity::Memory(2 << 30),
                Measure::Time => Quantity::Time(TimeLimit::parse("1h").unwrap()),
            };
            assert_eq!(value, expected, "{name}");
        }
    }

    #[test]
    fn the_book_example_is_valid() {
        let readme = include_str!("../../docs/src/config.md");
        let section = readme
            .split("# Local policy")
            .nth(1)
            .expect("docs/src/config.md has a Local policy section");
        let toml_text = section
            .split("```toml\n")
            .nth(1)
            .and_then(|rest| rest.split("```").next())
            .expect("the section has a toml example");
        let c = Config::parse("jobcheck.toml", Path::new("."), toml_text, Scope::Project).unwrap();
        let caps = c.caps("TeslaM40");
        let cap = |key| caps.get(CapKey::Limit(key)).map(|c| c.value);
        assert_eq!(cap(LimitKey::Cpus), Some(Quantity::Count(16)));
        assert!(cap(LimitKey::Time).is_some(), "inherited from \"*\"");
    }

    fn first_error(text: &str) -> (String, usize, usize) {
        let bad = Config::parse("jobcheck.toml", Path::new("."), text, Scope::Project).unwrap_err();
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
