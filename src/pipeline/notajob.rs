//! Which walked files are not job files: a file none of whose documents
//! carries a job key (exact, or a near miss such as `resourcegroup` or
//! `cpu`) is passed over, as are JSON bodies of the platform's other
//! endpoints. A file that does not parse is decided on its text. Files named
//! on the command line are always judged; this is for walks only.

use crate::diag::did_you_mean;
use crate::request::{DocKind, fields};
use crate::syntax::{self as yaml, Kind, Node};

/// Keys both job files and other files use (`name`, `version`, …) say
/// nothing about what a file is: they are left out of the job keys.
const SHARED: &[&str] = &["name", "description", "version", "env"];

/// Keys of the bodies of other platform endpoints: notebook create
/// (`notebookName`, `resourceSpec`, `imageVersion`, `maxWallTime`,
/// `autoTerminated`). A body with one of them and no `instanceServiceName`
/// is not a create-task body.
const NOTEBOOK_KEYS: &[&str] = &[
    "notebookName",
    "resourceSpec",
    "imageVersion",
    "maxWallTime",
    "autoTerminated",
];

/// The job keys, sorted: made once per process, not once per file.
fn job_keys() -> &'static [&'static str] {
    static KEYS: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
    KEYS.get_or_init(make_job_keys)
}

fn make_job_keys() -> Vec<&'static str> {
    let mut keys: Vec<&'static str> = fields::keys(DocKind::JobSpec);
    keys.extend(fields::keys(DocKind::PlatformBody));
    keys.retain(|k| !SHARED.contains(k) && !k.starts_with("x-"));
    keys.sort_unstable();
    keys.dedup();
    keys
}

/// Whether `key` is a job key or a near miss of one.
fn is_job_key(key: &str, keys: &[&'static str]) -> bool {
    !SHARED.contains(&key)
        && !key.starts_with("x-")
        && (keys.binary_search(&key).is_ok() || did_you_mean(key, keys.iter().copied()).is_some())
}

/// Why a walked file is passed over, or `None` when it is judged as a job
/// file.
pub fn passed_over(text: &str) -> Option<&'static str> {
    let keys = job_keys();
    // Most job files say so in their text: a job key at the start of a
    // line (`cpus:`), with no key of another endpoint's body. They need no
    // second parse.
    // One pass over the lines: a job key, and none of another endpoint's.
    let (mut job, mut other) = (false, false);
    for key in text
        .lines()
        .filter(|l| !l.starts_with([' ', '\t', '"', '{', '[']))
        .filter_map(line_key)
    {
        job = job || is_job_key(key, keys);
        if key == "id" || NOTEBOOK_KEYS.contains(&key) {
            other = true;
            break;
        }
    }
    if job && !other {
        return None;
    }
    let docs = yaml::parse_documents(text);
    if docs.iter().any(|d| d.root.is_err()) {
        // A broken job file is judged, so its error is seen: a job key
        // standing as a mapping key at the start of a line.
        return (!text
            .lines()
            .any(|line| line_key(line).is_some_and(|k| is_job_key(k, keys))))
        .then_some("it does not parse, and no job key starts a line");
    }
    let mut other_endpoint = false;
    for doc in &docs {
        let Ok(root) = &doc.root else { continue };
        match document(root, text, keys) {
            Doc::Job => return None,
            Doc::OtherEndpoint => other_endpoint = true,
            Doc::Other => {}
        }
    }
    Some(if other_endpoint {
        "it is the body of another platform endpoint, not a create-task body"
    } else {
        "none of its documents has a job key"
    })
}

enum Doc {
    Job,
    OtherEndpoint,
    Other,
}

fn document(root: &Node, text: &str, keys: &[&'static str]) -> Doc {
    let Kind::Map(pairs) = &root.kind else {
        return Doc::Other;
    };
    let names: Vec<std::borrow::Cow<str>> = pairs
        .iter()
        .filter_map(|(k, _)| match &k.kind {
            Kind::Str(_) | Kind::Int(_) | Kind::Float(_) | Kind::Bool(_) => k.scalar_text(text),
            _ => None,
        })
        .collect();
    let has = |key: &str| names.iter().any(|n| n == key);
    if !names.iter().any(|n| is_job_key(n, keys)) {
        return Doc::Other;
    }
    if !has("instanceServiceName") {
        // Notebook create, or `resource-spec/actions/update` (`id`,
        // `cpuNumber`, `gpuNumber`, `ramSize`, no group).
        let notebook = NOTEBOOK_KEYS.iter().any(|k| has(k));
        let spec_update = has("id") && !has("resourceGroup");
        if notebook || spec_update {
            return Doc::OtherEndpoint;
        }
    }
    Doc::Job
}

/// The key a line starts with as a mapping key: `cpus:` at the start of
/// the line (YAML), or `"cpuNumber":` after indentation (JSON).
fn line_key(line: &str) -> Option<&str> {
    let trimmed = line.trim_start();
    if let Some(rest) = trimmed.strip_prefix('"') {
        let (key, after) = rest.split_once('"')?;
        return after.trim_start().starts_with(':').then_some(key);
    }
    if trimmed.len() != line.len() {
        return None;
    }
    let (key, _) = line.split_once(':')?;
    let key = key.trim_end();
    (!key.is_empty()
        && key
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-'))
    .then_some(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_files_are_judged() {
        for text in [
            "resourceGroup: A\ncpus: 8\nmemory: 16G\n",
            "resourcegroup: A\n",
            "cpu: 8\n",
            "{\"cpuNumber\": 8, \"ramSize\": 1024}",
            "name: a\n---\ncpus: 1\n",
            // Broken, but a job key starts a line: judged, so the error shows.
            "cpus: [8\nmemory: 1G\n",
            "{\n  \"cpuNumber\": 8,\n  \"ramSize\": \n",
        ] {
            assert_eq!(passed_over(text), None, "{text}");
        }
    }

    #[test]
    fn other_files_are_passed_over() {
        for text in [
            "services:\n  web:\n    image: nginx\n    mem_limit: 1g\n",
            "apiVersion: v2\nname: chart\nversion: 0.1.0\nappVersion: \"1.0\"\n",
            "replicaCount: 1\nimage:\n  repository: nginx\nresources: {}\nnodeSelector: {}\n",
            "name: CI\non: [push]\njobs:\n  build:\n    runs-on: ubuntu-latest\n",
            "site_name: Docs\nnav:\n  - index.md\ntheme: material\n",
            "{\"name\": \"x\", \"version\": \"1.0.0\", \"scripts\": {}}",
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Release.Name }}\n",
            "- resourceGroup: A\n  cpuNumber: 40\n",
            "{\"code\": \"0\", \"data\": {\"resourceGroup\": \"A\", \"cpuNumber\": 40}}",
            "{\"id\": \"1\", \"cpuNumber\": 8, \"gpuNumber\": 1, \"ramSize\": 1024}",
            "{\"notebookName\": \"n\", \"resourceGroup\": \"A\", \"cpuNumber\": 8}",
            "",
            "# only a comment\n",
        ] {
            assert!(passed_over(text).is_some(), "{text}");
        }
    }
}
