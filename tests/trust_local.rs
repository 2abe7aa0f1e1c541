//! Local trust, played as an attacker on the same machine: a shared cache
//! directory with planted entries, special files handed over as token,
//! limits or configuration files, inputs made to blow up error rendering,
//! and environment values shown by `--help`.
//!
//! Unix only: the attacks are made of Unix ownership and permission bits,
//! FIFOs and symbolic links. The Windows build's counterparts are in
//! `src/fsread.rs` (links and directories refused when opened).
#![cfg(unix)]

use crate::support;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use support::cli::{Run, jobcheck as command};
use support::{Server, good_token};

/// A uid that is not ours (the tests may run as root, who can chown).
const OTHER_UID: u32 = 54_321;

fn cpu_small() -> Value {
    json!({"cpuNumber":64,"gpuNumber":0,"nvLimits":0,"dcuLimits":0,"mluLimits":0,
           "memorySize":257024,"resourceGroup":"CpuSmall","nodeNumber":16,"maxTime":"12:00:00"})
}

/// 5000 CPUs: the platform allows 64.
const BIG_JOB: &str = "name: big\nresourceGroup: CpuSmall\ncpus: 5000\nmemory: 8G\nwalltime: 1h\n";

fn jobcheck(args: &[&str], env: &[(&str, &str)], cwd: &Path) -> Run {
    let mut cmd = command();
    cmd.args(args).current_dir(cwd).envs(env.iter().copied());
    Run::of(cmd.output().unwrap())
}

/// Check `big.yaml` in `work` against `server`, with the cache in `cache`.
fn check_big(server: &Server, work: &Path, cache: &Path, extra: &[&str]) -> Run {
    std::fs::write(work.join("big.yaml"), BIG_JOB).unwrap();
    let mut args = vec!["check", "big.yaml", "--endpoint"];
    let url = server.url();
    args.push(&url);
    args.extend(["--format", "json"]);
    args.extend(extra);
    let token = good_token();
    jobcheck(
        &args,
        &[
            ("JOBCHECK_TOKEN", &token),
            ("JOBCHECK_CACHE_DIR", cache.to_str().unwrap()),
        ],
        work,
    )
}

/// The one cache entry in `dir`.
fn only_entry(dir: &Path) -> PathBuf {
    let entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    assert_eq!(entries.len(), 1, "{entries:?}");
    entries[0].clone()
}

/// The entry rewritten to say the group allows 5000 CPUs.
fn forged(entry: &Path) -> String {
    let mut value: Value = serde_json::from_str(&std::fs::read_to_string(entry).unwrap()).unwrap();
    value["data"]["cpuNumber"] = json!(5000);
    value.to_string()
}

/// A cache filled with an honest answer, and its one entry.
fn honest_cache(server: &Server, work: &Path) -> (PathBuf, PathBuf) {
    let cache = work.join("cache");
    let run = check_big(server, work, &cache, &[]);
    assert_eq!(run.code, 1, "the honest answer rejects: {}", run.stderr);
    let entry = only_entry(&cache);
    (cache, entry)
}

fn chown(path: &Path, uid: u32) {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).unwrap();
    // SAFETY: a valid C string; -1 leaves the group as it is.
    let rc = unsafe { libc::lchown(c.as_ptr(), uid, u32::MAX) };
    assert_eq!(rc, 0, "chown {}", path.display());
}

fn is_root() -> bool {
    // SAFETY: no preconditions.
    unsafe { libc::geteuid() == 0 }
}

#[test]
fn a_world_writable_cache_directory_is_refused() {
    let work = tempfile::tempdir().unwrap();
    let server = Server::platform(vec![("CpuSmall", cpu_small())]);
    let (cache, entry) = honest_cache(&server, work.path());
    // Another user, allowed to write the directory, plants an entry.
    std::fs::set_permissions(&cache, std::fs::Permissions::from_mode(0o777)).unwrap();
    let planted = forged(&entry);
    std::fs::remove_file(&entry).unwrap();
    std::fs::write(&entry, planted).unwrap();
    let before = server.count();
    for extra in [&[][..], &["--offline"][..]] {
        let run = check_big(&server, work.path(), &cache, extra);
        assert_eq!(run.code, 2, "{extra:?}: {}{}", run.stdout, run.stderr);
        assert!(
            run.stderr.contains(cache.to_str().unwrap()),
            "{}",
            run.stderr
        );
        assert!(
            run.stderr.contains("writable by group or others"),
            "{}",
            run.stderr
        );
        assert!(run.stderr.contains("chmod 700"), "{}", run.stderr);
    }
    assert_eq!(server.count(), before, "no request with a refused cache");
    // Group-writable is refused too; 0700 is trusted again.
    std::fs::set_permissions(&cache, std::fs::Permissions::from_mode(0o770)).unwrap();
    assert_eq!(check_big(&server, work.path(), &cache, &[]).code, 2);
    std::fs::set_permissions(&cache, std::fs::Permissions::from_mode(0o700)).unwrap();
    let run = check_big(&server, work.path(), &cache, &["--refresh"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
}

#[test]
fn a_cache_directory_owned_by_another_user_is_refused() {
    if !is_root() {
        eprintln!("skipped: needs root to give a directory away");
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let server = Server::platform(vec![("CpuSmall", cpu_small())]);
    let (cache, entry) = honest_cache(&server, work.path());
    std::fs::write(&entry, forged(&entry)).unwrap();
    chown(&entry, OTHER_UID);
    chown(&cache, OTHER_UID);
    let run = check_big(&server, work.path(), &cache, &["--offline"]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("owned by another user"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(cache.to_str().unwrap()),
        "{}",
        run.stderr
    );
}

#[test]
fn a_cache_entry_owned_by_another_user_is_ignored() {
    if !is_root() {
        eprintln!("skipped: needs root to give a file away");
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let server = Server::platform(vec![("CpuSmall", cpu_small())]);
    let (cache, entry) = honest_cache(&server, work.path());
    std::fs::write(&entry, forged(&entry)).unwrap();
    chown(&entry, OTHER_UID);
    // Offline, the planted entry is no answer at all: limits unavailable.
    let run = check_big(&server, work.path(), &cache, &["--offline"]);
    assert_eq!(run.code, 3, "{}{}", run.stdout, run.stderr);
    // Online, the platform is asked again and the job rejected.
    let run = check_big(&server, work.path(), &cache, &[]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
}

#[test]
fn a_symlinked_cache_entry_is_not_followed() {
    let work = tempfile::tempdir().unwrap();
    let server = Server::platform(vec![("CpuSmall", cpu_small())]);
    let (cache, entry) = honest_cache(&server, work.path());
    let elsewhere = work.path().join("planted.json");
    let planted = forged(&entry);
    std::fs::write(&elsewhere, &planted).unwrap();
    std::fs::remove_file(&entry).unwrap();
    std::os::unix::fs::symlink(&elsewhere, &entry).unwrap();
    let run = check_big(&server, work.path(), &cache, &["--offline"]);
    assert_eq!(run.code, 3, "{}{}", run.stdout, run.stderr);
    let run = check_big(&server, work.path(), &cache, &[]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    // The new answer replaced the link; it was not written through it.
    assert_eq!(std::fs::read_to_string(&elsewhere).unwrap(), planted);
    assert!(!std::fs::symlink_metadata(&entry).unwrap().is_symlink());
    let mode = std::fs::metadata(&entry).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
}

#[test]
fn a_new_cache_directory_is_private() {
    let work = tempfile::tempdir().unwrap();
    let server = Server::platform(vec![("CpuSmall", cpu_small())]);
    let (cache, entry) = honest_cache(&server, work.path());
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&cache), 0o700);
    assert_eq!(mode(&entry), 0o600);
    // No temporary files are left behind.
    let names: Vec<_> = std::fs::read_dir(&cache).unwrap().flatten().collect();
    assert_eq!(names.len(), 1, "{names:?}");
}

fn mkfifo(path: &Path) {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).unwrap();
    // SAFETY: a valid C string.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
}

/// `/dev/zero` (endless) and a FIFO (no writer: opening it blocks), given as
/// the token, limits or configuration file: exit 2 at once, naming the file.
#[test]
fn special_files_are_refused_quickly() {
    let work = tempfile::tempdir().unwrap();
    std::fs::write(work.path().join("job.yaml"), BIG_JOB).unwrap();
    let fifo = work.path().join("fifo");
    mkfifo(&fifo);
    let fifo = fifo.to_str().unwrap();
    for special in ["/dev/zero", fifo] {
        let cases: [Vec<&str>; 3] = [
            vec![
                "check",
                "job.yaml",
                "--endpoint",
                "http://127.0.0.1:9",
                "--token-file",
                special,
            ],
            vec!["check", "job.yaml", "--limits", special],
            vec![
                "check",
                "job.yaml",
                "--limits",
                "none.yaml",
                "--config",
                special,
            ],
        ];
        for args in cases {
            let run = jobcheck(&args, &[], work.path());
            assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
            // The path is named (the configuration's relative to here).
            let name = Path::new(special).file_name().unwrap().to_str().unwrap();
            assert!(
                run.stderr.contains(special) || run.stderr.contains(&format!("`{name}`")),
                "{args:?}: {}",
                run.stderr
            );
            assert!(
                run.stderr.contains("not a regular file"),
                "{args:?}: {}",
                run.stderr
            );
        }
    }
}

#[test]
fn oversized_token_and_limits_files_are_refused() {
    let work = tempfile::tempdir().unwrap();
    std::fs::write(work.path().join("job.yaml"), BIG_JOB).unwrap();
    let big = work.path().join("big");
    std::fs::write(&big, vec![b'a'; 5 * 1024 * 1024]).unwrap();
    let big = big.to_str().unwrap();
    let run = jobcheck(
        &[
            "check",
            "job.yaml",
            "--endpoint",
            "http://127.0.0.1:9",
            "--token-file",
            big,
        ],
        &[],
        work.path(),
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("64 KiB"), "{}", run.stderr);
    let run = jobcheck(&["check", "job.yaml", "--limits", big], &[], work.path());
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("larger than 4 MiB"), "{}", run.stderr);
}

/// `n` distinct unknown keys, e.g. `zzfield17: 1`.
fn unknown_keys(n: usize) -> String {
    (0..n).map(|i| format!("zzfield{i}: 1\n")).collect()
}

/// Rendering was quadratic: in a debug build, 8,000 unknown fields took
/// 73 s in the human format (20,000 would take about 8 minutes); linear,
/// 20,000 take about 7 s on a quiet machine and 33 s on a loaded one. The
/// hang guard (`support::cli::HANG_GUARD`, 120 s: killed, no exit code)
/// catches the quadratic case, with room for a busy machine.
#[test]
fn twenty_thousand_unknown_fields_render_in_linear_time() {
    let work = tempfile::tempdir().unwrap();
    std::fs::write(
        work.path().join("limits.yaml"),
        "- {resourceGroup: CpuSmall, cpuNumber: 64}\n",
    )
    .unwrap();
    let job = format!("{BIG_JOB}{}", unknown_keys(20_000));
    std::fs::write(work.path().join("job.yaml"), job).unwrap();
    let run = jobcheck(
        &[
            "check",
            "job.yaml",
            "--limits",
            "limits.yaml",
            "--format",
            "human",
        ],
        &[],
        work.path(),
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    // At most 100 diagnostics of a document are shown, then how many more.
    assert!(run.stdout.contains("zzfield90`"), "{}", run.stdout);
    assert!(!run.stdout.contains("zzfield100`"), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("more diagnostics not shown (at most 100 per document)"),
        "{}",
        run.stdout
    );
}

/// In a debug build, 8,000 unknown rule names took 84 s (12,000 would take
/// about 3 minutes); linear, 12,000 take about 8 s. The hang guard
/// (120 s) catches the quadratic case.
#[test]
fn twelve_thousand_unknown_rule_names_render_in_linear_time() {
    let work = tempfile::tempdir().unwrap();
    std::fs::write(
        work.path().join("limits.yaml"),
        "- {resourceGroup: CpuSmall, cpuNumber: 64}\n",
    )
    .unwrap();
    std::fs::write(work.path().join("job.yaml"), BIG_JOB).unwrap();
    let rules: String = (0..12_000)
        .map(|i| format!("zzrule{i} = \"off\"\n"))
        .collect();
    std::fs::write(
        work.path().join("jobcheck.toml"),
        format!("[rules]\n{rules}"),
    )
    .unwrap();
    let run = jobcheck(
        &["check", "job.yaml", "--limits", "limits.yaml"],
        &[],
        work.path(),
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("zzrule11999"), "every name is shown");
}

#[test]
fn help_never_shows_environment_values() {
    let work = tempfile::tempdir().unwrap();
    let secrets = [
        ("JOBCHECK_ENDPOINT", "http://secret-endpoint.example"),
        ("JOBCHECK_TOKEN_FILE", "/secret/token/path"),
        ("JOBCHECK_CONFIG", "/secret/config/path"),
        ("JOBCHECK_TIMEOUT", "17.25"),
        ("JOBCHECK_CACHE_TTL", "4242"),
        ("JOBCHECK_FORMAT", "junit"),
        ("JOBCHECK_TOKEN", "secret-token-value"),
    ];
    for args in [
        &["--help"][..],
        &["check", "--help"],
        &["limits", "--help"],
        &["help", "check"],
        &["check", "-h"],
    ] {
        let run = jobcheck(args, &secrets, work.path());
        assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
        for (name, value) in secrets {
            // `junit` is also one of the formats listed.
            let shown = if name == "JOBCHECK_FORMAT" {
                format!("={value}")
            } else {
                value.to_string()
            };
            assert!(
                !run.stdout.contains(&shown) && !run.stderr.contains(&shown),
                "{args:?} shows {name}: {}",
                run.stdout
            );
        }
    }
}

/// A FIFO among the job files has no writer: named, it reads as empty
/// instead of hanging the run; a walk passes it over (only regular files are
/// job files), which leaves no input here; `/dev/zero` stops at the input cap.
#[test]
fn special_job_inputs_do_not_hang() {
    let work = tempfile::tempdir().unwrap();
    std::fs::write(
        work.path().join("limits.yaml"),
        "- {resourceGroup: CpuSmall, cpuNumber: 64}\n",
    )
    .unwrap();
    let jobs = work.path().join("jobs");
    std::fs::create_dir(&jobs).unwrap();
    mkfifo(&jobs.join("pipe.yaml"));
    for path in ["jobs", "jobs/pipe.yaml", "/dev/zero"] {
        let run = jobcheck(
            &[
                "check",
                path,
                "--limits",
                "limits.yaml",
                "--format",
                "concise",
            ],
            &[],
            work.path(),
        );
        let expected = if path == "jobs" { 2 } else { 1 };
        assert_eq!(run.code, expected, "{path}: {}{}", run.stdout, run.stderr);
    }
}
