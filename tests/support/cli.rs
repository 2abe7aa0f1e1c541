//! The binary as a user runs it from the repository root, with none of the
//! environment that would change its output format or limit source.

use std::path::PathBuf;

use assert_cmd::Command;

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn jobcheck() -> Command {
    let mut cmd = Command::cargo_bin("jobcheck").expect("the jobcheck binary is built");
    cmd.current_dir(root())
        .env_remove("JOBCHECK_FORMAT")
        .env_remove("JOBCHECK_ENDPOINT")
        .env_remove("GITHUB_ACTIONS")
        .env_remove("NO_COLOR");
    cmd
}
