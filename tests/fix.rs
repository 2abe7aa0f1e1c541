//! `check --fix`, `--diff` and `--unsafe-fixes` as a user runs them: the
//! fixed file keeps every byte outside the fixed spans (comments, quoting,
//! flow mappings, CRLF, a byte-order mark, UTF-16), a clean file is not
//! touched, and the diff applies with `patch -p0` and `git apply`.

use std::path::{Path, PathBuf};

use crate::support;

use support::cli::{jobcheck, root};

fn limits() -> PathBuf {
    root().join("examples/limits.yaml")
}

/// `jobcheck check --limits examples/limits.yaml ARGS…` in `dir`.
fn run(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = jobcheck()
        .current_dir(dir)
        .args(["check", "-f", "concise", "--limits"])
        .arg(limits())
        .args(args)
        .output()
        .expect("jobcheck runs");
    (
        out.status.code().expect("exit code"),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A job spec with three safe fixes (a misspelt key, a bare memory number,
/// a misspelt group) and one unsafe one (cpus over the limit), a comment on
/// every line and a flow mapping, with `eol` line endings.
fn job(eol: &str) -> String {
    [
        "# a training job  # not a directive",
        "name: \"train\"   # quoted, kept quoted",
        "resourceGroup: TeslaM4O # the letter O",
        "cpus: 64    # over the limit of 40",
        "gpuu: 1     # misspelt",
        "memory: 16  # MiB",
        "--- # a second job, as a flow mapping",
        "{name: 'other', resourceGroup: TeslaM40, cpus: 2, gpuu: 1, memory: 16}  # flow",
        "",
    ]
    .join(eol)
}

/// The same text with the safe fixes made by hand.
fn fixed_by_hand(eol: &str) -> String {
    job(eol)
        .replace("TeslaM4O", "TeslaM40")
        .replace("gpuu: 1", "gpus: 1")
        .replace("memory: 16 ", "memory: 16M ")
        .replace("gpuu: 1,", "gpus: 1,")
        .replace("memory: 16}", "memory: 16M}")
}

fn utf16le(text: &str) -> Vec<u8> {
    let mut bytes = Vec::new();
    for u in text.encode_utf16() {
        bytes.extend(u.to_le_bytes());
    }
    bytes
}

fn from_utf16le(bytes: &[u8]) -> String {
    let units: Vec<u16> = bytes
        .chunks(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    String::from_utf16(&units).expect("UTF-16")
}

#[test]
fn fixes_keep_every_other_byte_in_lf_crlf_bom_and_utf16_files() {
    let dir = tempfile::tempdir().unwrap();
    let cases: Vec<(&str, Vec<u8>, Vec<u8>)> = vec![
        (
            "lf.yaml",
            job("\n").into_bytes(),
            fixed_by_hand("\n").into_bytes(),
        ),
        (
            "crlf.yaml",
            job("\r\n").into_bytes(),
            fixed_by_hand("\r\n").into_bytes(),
        ),
        (
            "bom.yaml",
            format!("\u{feff}{}", job("\r\n")).into_bytes(),
            format!("\u{feff}{}", fixed_by_hand("\r\n")).into_bytes(),
        ),
        (
            "utf16.yaml",
            utf16le(&format!("\u{feff}{}", job("\r\n"))),
            utf16le(&format!("\u{feff}{}", fixed_by_hand("\r\n"))),
        ),
    ];
    for (name, before, _) in &cases {
        std::fs::write(dir.path().join(name), before).unwrap();
    }
    let names: Vec<&str> = cases.iter().map(|c| c.0).collect();
    let mut args = vec!["--fix"];
    args.extend(&names);
    let (code, stdout, stderr) = run(dir.path(), &args);
    // What remains is the unsafe fix: cpus over the limit.
    assert_eq!(code, 1, "{stdout}{stderr}");
    for (name, _, want) in &cases {
        let got = std::fs::read(dir.path().join(name)).unwrap();
        assert_eq!(
            got,
            *want,
            "{name}: {:?}",
            if name.starts_with("utf16") {
                from_utf16le(&got)
            } else {
                String::from_utf8_lossy(&got).into_owned()
            }
        );
        assert!(
            stderr.contains(&format!("applied 5 fixes to {name}")),
            "{stderr}"
        );
        // The report is of the fixed text: only the unsafe fix's finding is left.
        let remaining: Vec<&str> = stdout.lines().filter(|l| l.starts_with(name)).collect();
        assert_eq!(remaining.len(), 1, "{stdout}");
        assert!(remaining[0].contains("cpus-over-limit"), "{stdout}");
    }
    assert!(stderr.contains("--unsafe-fixes"), "{stderr}");
    // Checked again, the fixed files parse and say the same.
    let (code, stdout, _) = run(dir.path(), &names);
    assert_eq!(code, 1);
    assert_eq!(stdout.matches("cpus-over-limit").count(), 4, "{stdout}");
    assert!(!stdout.contains("unknown-field") && !stdout.contains("memory-unit-missing"));
}

#[test]
fn unsafe_fixes_lower_a_value_to_its_limit() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.yaml");
    std::fs::write(&path, job("\n")).unwrap();
    let (code, stdout, stderr) = run(dir.path(), &["--fix", "--unsafe-fixes", "a.yaml"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    let want = fixed_by_hand("\n").replace("cpus: 64", "cpus: 40");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), want);
    assert!(stderr.contains("applied 6 fixes to a.yaml"), "{stderr}");
    assert!(!stderr.contains("unsafe"), "{stderr}");
}

#[test]
fn a_clean_file_is_not_touched_not_even_its_modification_time() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("good.yaml");
    let text = "# fine\r\nresourceGroup: TeslaM40\r\ncpus: 4\r\ngpus: 1\r\nmemory: 8G\r\n";
    std::fs::write(&path, text).unwrap();
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    std::fs::File::options()
        .write(true)
        .open(&path)
        .unwrap()
        .set_modified(old)
        .unwrap();
    let before = std::fs::metadata(&path).unwrap();
    let (code, stdout, stderr) = run(dir.path(), &["--fix", "good.yaml"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(!stderr.contains("applied"), "{stderr}");
    let after = std::fs::metadata(&path).unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
    assert_eq!(after.modified().unwrap(), before.modified().unwrap());
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        assert_eq!(after.ino(), before.ino(), "the file was not replaced");
    }
    // --diff of a clean file prints nothing and exits 0.
    let (code, stdout, _) = run(dir.path(), &["--diff", "good.yaml"]);
    assert_eq!((code, stdout.as_str()), (0, ""));
}

fn tool(name: &str) -> bool {
    std::process::Command::new(name)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn the_diff_writes_nothing_and_applies_with_patch_and_git_apply() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("jobs")).unwrap();
    let files = [("jobs/a.yaml", job("\n")), ("b.yaml", job("\r\n"))];
    for (name, text) in &files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let (code, diff, stderr) = run(dir.path(), &["--diff", "jobs/a.yaml", "b.yaml"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        diff.starts_with("--- ./jobs/a.yaml\n+++ ./jobs/a.yaml\n@@ "),
        "{diff}"
    );
    assert!(diff.contains("\n-gpuu: 1     # misspelt\n"), "{diff}");
    assert!(diff.contains("\n+gpus: 1     # misspelt\n"), "{diff}");
    assert!(diff.contains("\n--- ./b.yaml\n+++ ./b.yaml\n"), "{diff}");
    assert!(
        stderr.contains("would apply 5 fixes to jobs/a.yaml"),
        "{stderr}"
    );
    for (name, text) in &files {
        assert_eq!(
            &std::fs::read_to_string(dir.path().join(name)).unwrap(),
            text
        );
    }
    let patch_file = dir.path().join("fixes.patch");
    std::fs::write(&patch_file, &diff).unwrap();
    let want = [fixed_by_hand("\n"), fixed_by_hand("\r\n")];
    let check = |how: &str| {
        for ((name, _), want) in files.iter().zip(&want) {
            let got = std::fs::read_to_string(dir.path().join(name)).unwrap();
            assert_eq!(&got, want, "{how}: {name}");
        }
        for (name, text) in &files {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
    };
    let mut tried = 0;
    if tool("patch") {
        let out = std::process::Command::new("patch")
            .current_dir(dir.path())
            .args(["-p0", "--batch", "-i", "fixes.patch"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
        check("patch -p0");
        tried += 1;
    }
    if tool("git") {
        let out = std::process::Command::new("git")
            .current_dir(dir.path())
            .args(["apply", "fixes.patch"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        check("git apply");
        tried += 1;
    }
    assert!(
        tried > 0 || std::env::var_os("CI").is_none(),
        "neither patch nor git on CI"
    );
}

#[test]
fn standard_input_with_fix_prints_the_fixed_text() {
    let out = jobcheck()
        .args(["check", "-f", "concise", "--fix", "--limits"])
        .arg(limits())
        .arg("-")
        .write_stdin(job("\r\n"))
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), fixed_by_hand("\r\n"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    // The report of what remains goes to standard error.
    assert!(stderr.contains("cpus-over-limit"), "{stderr}");
    assert_eq!(out.status.code(), Some(1));
}

#[cfg(unix)]
#[test]
fn a_symbolic_link_is_never_written_through() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("target.yaml");
    std::fs::write(&target, job("\n")).unwrap();
    std::os::unix::fs::symlink(&target, dir.path().join("link.yaml")).unwrap();
    let (code, stdout, stderr) = run(dir.path(), &["--fix", "link.yaml"]);
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stderr.contains("`link.yaml` not fixed") && stderr.contains("symbolic link"),
        "{stderr}"
    );
    assert_eq!(std::fs::read_to_string(&target).unwrap(), job("\n"));
    assert!(
        std::fs::symlink_metadata(dir.path().join("link.yaml"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    // The report is of the file as it is.
    assert!(stdout.contains("unknown-field"), "{stdout}");
}

#[test]
fn unsafe_fixes_alone_is_a_usage_error() {
    let (code, _, stderr) = run(&root(), &["--unsafe-fixes", "examples/jobs/good"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("--fix or --diff"), "{stderr}");
}
