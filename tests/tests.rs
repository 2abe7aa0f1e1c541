//! The integration tests, as one test binary: each module is one file of
//! `tests/` (one link instead of one per file). `every_test_file_is_a_module`
//! fails when a file under `tests/` is not listed here, so none is silently
//! left out of the run.

mod support;

mod api;
mod architecture;
mod auth;
mod cli;
mod cli_ux;
mod config_trust;
mod conformance;
mod faults;
mod fix;
mod formats;
mod hermetic;
mod hostile;
mod lsp;
mod neovim;
mod reports;
mod selection;
mod settings;
mod suppress;
mod trust_local;
mod trust_net;
mod trust_repo;
mod values;
mod verdicts;
mod yaml_differential;
mod yaml_reading;

#[test]
fn every_test_file_is_a_module() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let listed = include_str!("tests.rs");
    let mut missing = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("tests/ is readable") {
        let path = entry.expect("a directory entry").path();
        let Some(stem) = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".rs"))
        else {
            continue;
        };
        if stem != "tests" && !listed.contains(&format!("\nmod {stem};\n")) {
            missing.push(stem.to_owned());
        }
    }
    assert!(
        missing.is_empty(),
        "tests/{{{}}}.rs: not a module of tests/tests.rs, so never run; add `mod NAME;`",
        missing.join(",")
    );
}
