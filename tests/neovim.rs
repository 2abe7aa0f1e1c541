//! The book's Neovim setups (docs/src/editors.md), tried with the real editor where `nvim` is
//! installed (Debian's `neovim` package is 0.7.2): Neovim opens a job file
//! headless, the setup starts `jobcheck lsp`, and the limit violation must
//! come back as a diagnostic. Without `nvim` the test says so and passes.

use crate::support;

use std::path::Path;
use std::process::Command;

const SETUP_07: &str = include_str!("../editors/neovim/jobcheck.lua");
const SETUP_011: &str = include_str!("../editors/neovim/jobcheck-0.11.lua");

/// The Neovim programs to try: `nvim` on the PATH, and the one
/// `JOBCHECK_TEST_NVIM` names (`.ci/run` sets it to a newer Neovim than
/// Debian's, so that the 0.11 setup is run, not only compiled).
fn nvims() -> Vec<(String, (u32, u32))> {
    let mut found = Vec::new();
    let extra = std::env::var("JOBCHECK_TEST_NVIM").ok();
    for program in std::iter::once("nvim".to_owned()).chain(extra) {
        if let Some(version) = nvim_version(&program) {
            found.push((program, version));
        }
    }
    found
}

/// `(major, minor)` of a Neovim program, or `None` where it does not run.
fn nvim_version(program: &str) -> Option<(u32, u32)> {
    let out = Command::new(program).arg("--version").output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let v = text.lines().next()?.strip_prefix("NVIM v")?;
    let mut parts = v.split(['.', '-']);
    Some((parts.next()?.parse().ok()?, parts.next()?.parse().ok()?))
}

/// Open `job.yaml` in a project with Neovim, `setup` as the configuration;
/// the diagnostics' messages it received within 20 s.
fn diagnostics_in_nvim(program: &str, setup: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::write(
        p.join("limits.yaml"),
        "- resourceGroup: TeslaM40\n  acceleratorType: gpu\n  cpuNumber: 16\n  gpuNumber: 4\n  \
         memorySize: 65536\n  nodeNumber: 2\n  maxTime: \"48:00:00\"\n",
    )
    .unwrap();
    std::fs::write(p.join("jobcheck.toml"), "limits = \"limits.yaml\"\n").unwrap();
    std::fs::write(
        p.join("job.yaml"),
        "resourceGroup: TeslaM40\ncpus: 64\ngpus: 1\nmemory: 8G\nwalltime: 1:00:00\n",
    )
    .unwrap();
    let init = format!("vim.cmd('filetype on')\n{setup}");
    std::fs::write(p.join("init.lua"), init).unwrap();
    let probe = "local got = vim.wait(20000, function() return #vim.diagnostic.get(0) > 0 end, 50)\n\
                 local lines = {}\n\
                 for _, d in ipairs(vim.diagnostic.get(0)) do table.insert(lines, d.message) end\n\
                 if not got then table.insert(lines, 'NO DIAGNOSTICS') end\n\
                 vim.fn.writefile(lines, 'result.txt')\n\
                 vim.cmd('qa!')\n";
    std::fs::write(p.join("probe.lua"), probe).unwrap();
    let bin = Path::new(env!("CARGO_BIN_EXE_jobcheck")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let status = support::cli::hermetic(&mut Command::new(program))
        .args(["--headless", "-i", "NONE", "-u", "init.lua", "job.yaml"])
        .args(["-c", "luafile probe.lua"])
        .current_dir(p)
        .env("PATH", path)
        .envs(support::cli::home_env(p))
        .env("XDG_CONFIG_HOME", p.join("xdg"))
        .env("XDG_DATA_HOME", p.join("xdg-data"))
        .env("XDG_STATE_HOME", p.join("xdg-state"))
        .env("JOBCHECK_CACHE_DIR", p.join("cache"))
        .stdin(std::process::Stdio::null())
        .status()
        .expect("run nvim");
    assert!(status.success(), "nvim exited with {status}");
    std::fs::read_to_string(p.join("result.txt")).unwrap_or_default()
}

#[test]
fn the_book_shows_the_setups_that_are_tested() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/src/editors.md"))
            .unwrap();
    for setup in [SETUP_07, SETUP_011] {
        assert!(
            readme.contains(setup.trim_end()),
            "docs/src/editors.md lacks the tested setup:\n{setup}"
        );
    }
}

#[test]
fn the_setup_for_neovim_0_7_gets_diagnostics() {
    let found = nvims();
    if found.is_empty() {
        eprintln!("skipped: nvim is not installed (apt-get install neovim)");
        return;
    }
    // Every Neovim at hand: the setup is for 0.7 and later.
    for (program, version) in found {
        let got = diagnostics_in_nvim(&program, SETUP_07);
        assert!(got.contains("cpus 64 exceeds"), "nvim {version:?}: {got}");
    }
}

#[test]
fn the_setup_for_neovim_0_11_gets_diagnostics_or_at_least_compiles() {
    let found = nvims();
    let Some((oldest, version)) = found.first().cloned() else {
        eprintln!("skipped: nvim is not installed (apt-get install neovim)");
        return;
    };
    let newer: Vec<_> = found.iter().filter(|(_, v)| *v >= (0, 11)).collect();
    for (program, version) in &newer {
        let got = diagnostics_in_nvim(program, SETUP_011);
        assert!(got.contains("cpus 64 exceeds"), "nvim {version:?}: {got}");
    }
    if !newer.is_empty() {
        return;
    }
    // An older Neovim cannot run it (`vim.lsp.config` is 0.11): its Lua is
    // only compiled here.
    eprintln!("nvim {version:?} is older than 0.11: the 0.11 setup is only compiled, not run");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("setup.lua"), SETUP_011).unwrap();
    let out = Command::new(oldest)
        .args(["--headless", "-i", "NONE", "-u", "NONE"])
        .args([
            "-c",
            "lua local f, e = loadfile('setup.lua'); if not f then io.stderr:write(e) vim.cmd('cq') end",
            "-c",
            "qa!",
        ])
        .current_dir(dir.path())
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
