//! A workspace's settings, resolved by the library's one resolver as
//! `check` resolves them, and the limits they choose; a configuration or
//! limits file that cannot be used, with its own diagnostics.

use std::path::{Path, PathBuf};

use super::{Finding, finding, resolve};
use crate::config::settings::{
    self, Env, Flags, LimitsFrom as ResolvedLimits, Settings, SettingsError,
};
use crate::config::{Config, Scope};
use crate::limits::api::{ApiOptions, CacheMode};
use crate::limits::file::FileSource;
use crate::pipeline::select::Selection;

/// Settings for the platform API, as the one resolver gives them.
pub type ApiSettings = ApiOptions;

pub(super) enum LimitsFrom {
    None(String),
    File(FileSource),
    Api(ApiSettings),
}

/// A file's own diagnostics: a configuration or limits file that cannot be
/// used, shown in that file.
#[derive(Clone, Debug)]
pub struct FileFindings {
    pub path: PathBuf,
    pub text: String,
    pub findings: Vec<Finding>,
}

/// Configuration and limits for one workspace root, resolved by the same
/// code as `check`'s ([`crate::config::settings::resolve`]).
pub struct Workspace {
    pub(super) config: Config,
    pub(super) limits: LimitsFrom,
    /// The settings as resolved (`None` when they could not be).
    pub(super) settings: Option<Settings>,
    pub(super) root: PathBuf,
    /// Problems met while loading (shown to the user once).
    pub problems: Vec<String>,
    /// The limits file, to reload when it is saved.
    pub limits_file: Option<PathBuf>,
    /// A configuration or limits file that cannot be used, with its
    /// diagnostics (published on that file).
    pub broken: Option<FileFindings>,
}

const BAD_CONFIG: &str = "the configuration cannot be used (its problems are shown in it); \
                          no limits are fetched until it is fixed";

impl Workspace {
    /// Resolve the settings from `root` as `check` resolves them from the
    /// working directory, with the process's environment. A configuration
    /// that cannot be used stops every fetch: the server never falls back
    /// to defaults that would send the token elsewhere.
    pub fn load(root: Option<&Path>) -> Workspace {
        let root = root.map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        let resolved = settings::resolve(&Flags::default(), &Env::process(), &root, &[]);
        let mut workspace = Workspace {
            config: Config::default(),
            limits: LimitsFrom::None(String::new()),
            settings: None,
            root,
            problems: Vec::new(),
            limits_file: None,
            broken: None,
        };
        match resolved {
            Err(SettingsError::Value(message)) => {
                workspace.problems.push(format!(
                    "jobcheck: {message}; no limits are fetched until it is fixed"
                ));
                workspace.limits = LimitsFrom::None(message);
            }
            Err(SettingsError::File(bad, _)) => {
                let path = resolve(&bad.path);
                workspace.problems.push(format!(
                    "jobcheck: the configuration `{}` cannot be used; its problems are shown in it",
                    bad.path
                ));
                workspace.broken = Some(FileFindings {
                    path,
                    findings: bad.diagnostics.iter().map(finding).collect(),
                    text: bad.text,
                });
                workspace.limits = LimitsFrom::None(BAD_CONFIG.into());
            }
            Ok(settings) => {
                workspace.config = settings.config.clone();
                workspace.limits = match &settings.limits {
                    ResolvedLimits::File(path, _) => {
                        workspace.limits_file = Some(path.clone());
                        read_limits(path, &mut workspace.problems, &mut workspace.broken)
                    }
                    ResolvedLimits::Api => LimitsFrom::Api(ApiOptions {
                        cache_mode: CacheMode::Normal,
                        progress: false,
                        ..ApiOptions::from_settings(&settings.api)
                    }),
                    ResolvedLimits::None(_) => LimitsFrom::None(
                        "no limits configured: set `limits = \"FILE\"` in jobcheck.toml, or \
                         JOBCHECK_LIMITS, or JOBCHECK_ENDPOINT with a token"
                            .into(),
                    ),
                };
                workspace.settings = Some(settings);
            }
        }
        workspace
    }

    /// The settings as resolved, as JSON (the `jobcheck/settings` request;
    /// `jobcheck check --show-settings` prints the same).
    pub fn settings_json(&self) -> serde_json::Value {
        self.settings
            .as_ref()
            .map_or(serde_json::Value::Null, Settings::to_json)
    }

    fn selection(&self) -> Selection {
        Selection {
            config_dir: self.config.dir.clone(),
            include: self.config.include.clone(),
            config_exclude: self.config.exclude.clone(),
            ..Default::default()
        }
    }

    /// Whether a walk of the workspace would check this file: ignore files,
    /// hidden names, `include` / `exclude` and the file's name, as `check`
    /// walks a directory. The limits file and `jobcheck.toml` are never
    /// judged as jobs.
    pub fn selects(&self, path: &Path) -> bool {
        if self.is_limits_file(path) || self.is_config_file(path) {
            return false;
        }
        crate::pipeline::select::walk_takes(path, &self.root, &self.selection())
    }

    /// Whether `path` is the limits file in use.
    pub fn is_limits_file(&self, path: &Path) -> bool {
        let same = |a: &Path, b: &Path| {
            a == b
                || matches!((std::fs::canonicalize(a), std::fs::canonicalize(b)), (Ok(x), Ok(y)) if x == y)
        };
        self.limits_file.as_deref().is_some_and(|l| same(l, path))
    }

    /// Whether `path` is a project configuration (`jobcheck.toml`).
    pub fn is_config_file(&self, path: &Path) -> bool {
        path.file_name()
            .is_some_and(|n| n == crate::config::FILE_NAME)
    }

    /// The diagnostics of an open configuration or limits file, read from
    /// the editor's text (`None` for other files).
    pub fn own_findings(&self, path: &Path, text: &str) -> Option<Vec<Finding>> {
        let shown = path.display().to_string();
        if self.is_config_file(path) {
            let dir = path.parent().unwrap_or(Path::new("."));
            return Some(match Config::parse(&shown, dir, text, Scope::Project) {
                Ok(_) => Vec::new(),
                Err(bad) => bad.diagnostics.iter().map(finding).collect(),
            });
        }
        if self.is_limits_file(path) {
            return Some(match FileSource::parse(&shown, text) {
                Ok(file) => file.warning_diagnostics().iter().map(finding).collect(),
                Err(bad) => bad.diagnostics.iter().map(finding).collect(),
            });
        }
        None
    }

    /// Read the limits file again (after it was saved).
    pub fn reload_limits(&mut self) {
        if let Some(path) = self.limits_file.clone() {
            self.broken = None;
            self.limits = read_limits(&path, &mut self.problems, &mut self.broken);
        }
    }

    /// The API settings, when limits come from the platform (fetched in
    /// the background).
    pub fn api(&self) -> Option<&ApiSettings> {
        match &self.limits {
            LimitsFrom::Api(api) => Some(api),
            _ => None,
        }
    }

    /// The resource groups known without asking: the limits file's, or
    /// those the platform's answers in the cache hold.
    pub fn known_groups(&self) -> Vec<String> {
        match &self.limits {
            LimitsFrom::File(file) => file
                .sets()
                .iter()
                .map(|s| s.resource_group.clone())
                .collect(),
            LimitsFrom::Api(api) => {
                let dir = crate::platform::cache_dir::trusted_dir(None).ok().flatten();
                // Entries are keyed by the resources URL of the endpoint.
                let url = api
                    .endpoint
                    .as_deref()
                    .and_then(|e| crate::platform::resources::resources_url(e).ok());
                crate::limits::cache::Cache::new(dir, api.cache_ttl)
                    .groups(url.as_ref().map(|u| u.as_str()), 1000)
            }
            LimitsFrom::None(_) => Vec::new(),
        }
    }
}

fn read_limits(
    path: &Path,
    problems: &mut Vec<String>,
    broken: &mut Option<FileFindings>,
) -> LimitsFrom {
    let shown = path.display().to_string();
    let text = match crate::fsread::read_small(path) {
        Ok(text) => text,
        Err(e) => {
            let message = format!("cannot read limits file `{shown}`: {e}");
            problems.push(format!("jobcheck: {message}"));
            return LimitsFrom::None(message);
        }
    };
    match FileSource::parse(&shown, &text) {
        Ok(file) => LimitsFrom::File(file),
        Err(bad) => {
            problems.push(format!(
                "jobcheck: the limits file `{shown}` cannot be used; its problems are shown in it"
            ));
            *broken = Some(FileFindings {
                path: path.to_path_buf(),
                text,
                findings: bad.diagnostics.iter().map(finding).collect(),
            });
            LimitsFrom::None(format!(
                "the limits file `{shown}` cannot be used (its problems are shown in it)"
            ))
        }
    }
}
