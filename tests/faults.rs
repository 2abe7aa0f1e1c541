//! Faults of the platform API, the token, and the cache:
//! every failure ends unjudged (never "admitted") with a cause in words, in
//! bounded time and memory, and the token never shows up anywhere.
//! Complements tests/api.rs, which checks the protocol's happy paths and
//! the finer points (request counts, Retry-After limits) of some faults.

use crate::support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

#[cfg(unix)]
use support::peak_child_rss_kib;
use support::{Reply, Request, Server, example_groups, teslam40};

const JOB: &str =
    "name: ok\nresourceGroup: TeslaM40\ncpus: 8\ngpus: 2\nmemory: 16G\nwalltime: 2d\n";

/// A JWT built here, so its three parts are known: header, a payload for
/// alice on cluster 11250 valid for years, and a signature.
struct Jwt {
    whole: String,
    payload: String,
    signature: String,
}

fn jwt(expire_ms: &str) -> Jwt {
    let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"HS256","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(format!(
        r#"{{"user":"alice","clusterId":"11250","expireTime":"{expire_ms}"}}"#
    ));
    let signature = URL_SAFE_NO_PAD.encode(b"\x8f\x13signature-of-the-faults-suite\xfe\x01\x7a");
    Jwt {
        whole: format!("{header}.{payload}.{signature}"),
        payload,
        signature,
    }
}

fn far_future() -> Jwt {
    jwt("4102444800000")
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
    /// The report written by `--output-file`, when one was asked for.
    report_file: String,
    took: Duration,
}

impl Run {
    /// stderr without the `--verbose` lines, so a cause named in the log
    /// alone does not count as named.
    fn said(&self) -> String {
        self.stderr
            .lines()
            .filter(|l| !l.starts_with("debug: "))
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn report(&self) -> Value {
        let text = if self.report_file.is_empty() {
            &self.stdout
        } else {
            &self.report_file
        };
        serde_json::from_str(text)
            .unwrap_or_else(|e| panic!("no JSON report ({e}): {text}\n{}", self.stderr))
    }
}

fn command(args: &[&str], token: Option<&str>, cache: &Path) -> Command {
    let mut cmd = support::cli::command();
    cmd.args(args)
        .env("JOBCHECK_CACHE_DIR", cache)
        .stdin(Stdio::null());
    if let Some(token) = token {
        cmd.env("JOBCHECK_TOKEN", token);
    }
    cmd
}

fn finish(cmd: Command, output_file: Option<&Path>) -> Run {
    let started = Instant::now();
    // "Bounded time" is the hang guard, not a deadline: a run still going
    // after it is killed (no exit code) and its test fails. Each fault's
    // `--timeout` is a few seconds and the faulty servers never end on their
    // own (they hang, or trickle forever), so a run that ends at all was
    // ended by its deadline.
    let out = assert_cmd::Command::from_std(cmd)
        .timeout(support::cli::HANG_GUARD)
        .output()
        .expect("jobcheck runs");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "a panic: {stderr}");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr,
        report_file: output_file
            .and_then(|p| std::fs::read_to_string(p).ok())
            .unwrap_or_default(),
        took: started.elapsed(),
    }
}

fn jobcheck(args: &[&str], token: Option<&str>, cache: &Path) -> Run {
    finish(command(args, token, cache), None)
}

/// Every file under `dir`, names and contents, as text.
fn tree_text(dir: &Path) -> String {
    let mut all = String::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return all;
    };
    for e in entries.flatten() {
        all.push_str(&e.file_name().to_string_lossy());
        all.push('\n');
        let path = e.path();
        match e.file_type() {
            Ok(t) if t.is_dir() => all.push_str(&tree_text(&path)),
            Ok(t) if t.is_file() => {
                all.push_str(&String::from_utf8_lossy(
                    &std::fs::read(&path).unwrap_or_default(),
                ));
                all.push('\n');
            }
            _ => {}
        }
    }
    all
}

fn assert_no_secret(token: &Jwt, what: &str, text: &str) {
    for (part, secret) in [
        ("token", &token.whole),
        ("payload", &token.payload),
        ("signature", &token.signature),
    ] {
        assert!(
            !text.contains(secret.as_str()),
            "the token's {part} is in {what}:\n{text}"
        );
    }
}

fn assert_leaks_nothing(token: &Jwt, run: &Run, cache: &Path, case: &str) {
    assert_no_secret(token, &format!("{case}: stdout"), &run.stdout);
    assert_no_secret(token, &format!("{case}: stderr"), &run.stderr);
    assert_no_secret(token, &format!("{case}: the report file"), &run.report_file);
    assert_no_secret(token, &format!("{case}: the cache"), &tree_text(cache));
}

type Handler = Arc<dyn Fn(&Request) -> Reply + Send + Sync>;

/// One way the API can fail.
struct Fault {
    name: &'static str,
    reply: Handler,
    /// `--timeout`, seconds.
    timeout: u64,
    /// 3 (limits unavailable), or 1 for 10004 (unknown group).
    exit: i32,
    /// Words stderr must hold (outside the `--verbose` log).
    said: &'static [&'static str],
}

fn fault(
    name: &'static str,
    timeout: u64,
    said: &'static [&'static str],
    reply: impl Fn(&Request) -> Reply + Send + Sync + 'static,
) -> Fault {
    Fault {
        name,
        reply: Arc::new(reply),
        timeout,
        exit: 3,
        said,
    }
}

fn code_answer(code: &str) -> String {
    format!(r#"{{"code":"{code}","msg":"platform says {code}","data":null}}"#)
}

/// Every failure path of the API. `redirect_to` is where the redirecting
/// server points (a listener that must never see the token).
fn faults(redirect_to: String, token: &str) -> Vec<Fault> {
    const MIB50: usize = 50 * 1024 * 1024;
    let echoed = token.to_string();
    let mut all = vec![
        fault("http-500", 4, &["HTTP 500", "3 attempts"], |_| {
            Reply::Http(500, vec![], "oops".into())
        }),
        fault("http-429-forever", 10, &["429", "rate limiting"], |_| {
            Reply::Http(429, vec![("Retry-After".into(), "1".into())], "".into())
        }),
        fault("malformed-json", 4, &["not JSON"], |_| {
            Reply::json(r#"{"code":"0","data":{"cpuNumber":4,"#)
        }),
        fault("truncated-json", 4, &["cut off"], |_| Reply::Truncated),
        fault("data-is-a-list", 4, &["wrong shape", "`data`"], |_| {
            Reply::json(r#"{"code":"0","data":[1,2]}"#)
        }),
        fault("empty-list", 4, &["wrong shape"], |_| Reply::json("[]")),
        fault("a-string", 4, &["wrong shape"], |_| Reply::json(r#""x""#)),
        fault("50-mib-announced", 10, &["larger than 1 MiB"], |_| {
            Reply::Huge(MIB50)
        }),
        fault("50-mib-unannounced", 10, &["larger than 1 MiB"], |_| {
            Reply::HugeUnannounced(MIB50)
        }),
        fault("connection-reset", 4, &["connection", "3 attempts"], |_| {
            Reply::Reset
        }),
        fault(
            "closed-without-answer",
            4,
            &["connection", "3 attempts"],
            |_| Reply::Close,
        ),
        fault("never-answers", 2, &["no answer", "--timeout"], |_| {
            Reply::Hang
        }),
        fault("slow-loris-head", 2, &["no answer", "--timeout"], |_| {
            Reply::TrickleHead
        }),
        fault("slow-loris-body", 2, &["no answer", "--timeout"], |_| {
            Reply::TrickleBody
        }),
        fault(
            "redirect-elsewhere",
            4,
            &["redirected", "not followed", "127.0.0.2"],
            move |_| {
                Reply::Http(
                    302,
                    vec![("Location".into(), redirect_to.clone())],
                    String::new(),
                )
            },
        ),
        fault("echoes-the-token", 4, &["10008", "<redacted>"], move |_| {
            Reply::json(json!({"code": "10008", "msg": format!("bad token {echoed}")}).to_string())
        }),
        fault("code-10001", 4, &["10001", "internal error"], |_| {
            Reply::json(code_answer("10001"))
        }),
        fault("code-10003", 4, &["10003", "missing parameters"], |_| {
            Reply::json(code_answer("10003"))
        }),
        fault("code-10007", 4, &["10007", "frozen"], |_| {
            Reply::json(code_answer("10007"))
        }),
        fault(
            "code-10008",
            4,
            &["10008", "insufficient permission"],
            |_| Reply::json(code_answer("10008")),
        ),
        fault(
            "code-10009",
            4,
            &["10009", "no permission for this API"],
            |_| Reply::json(code_answer("10009")),
        ),
        fault("code-10010", 4, &["10010", "file check failed"], |_| {
            Reply::json(code_answer("10010"))
        }),
        fault("code-10011", 4, &["10011", "file too large"], |_| {
            Reply::json(code_answer("10011"))
        }),
        fault(
            "code-10012",
            4,
            &["10012", "connection interrupted"],
            |_| Reply::json(code_answer("10012")),
        ),
        fault("code-99999", 4, &["99999", "does not know"], |_| {
            Reply::json(code_answer("99999"))
        }),
    ];
    let mut unknown_group = fault("code-10004", 4, &[], |_| Reply::json(code_answer("10004")));
    unknown_group.exit = 1;
    all.push(unknown_group);
    all
}

/// One fault, end to end: the token in `JOBCHECK_TOKEN`, the report to a
/// file, `--verbose` on.
fn run_fault(f: &Fault, token: &Jwt, work: &Path) -> (Run, usize) {
    let reply = f.reply.clone();
    let server = Server::start(move |req| reply(req));
    let dir = work.join(f.name);
    std::fs::create_dir_all(&dir).unwrap();
    let job = dir.join("job.yaml");
    std::fs::write(&job, JOB).unwrap();
    let report = dir.join("report.json");
    let cache = dir.join("cache");
    let (url, timeout) = (server.url(), f.timeout.to_string());
    let args = [
        "check",
        job.to_str().unwrap(),
        "--endpoint",
        &url,
        "--format",
        "json",
        "--output-file",
        report.to_str().unwrap(),
        "--timeout",
        &timeout,
        "--verbose",
    ];
    let run = finish(command(&args, Some(&token.whole), &cache), Some(&report));
    assert_leaks_nothing(token, &run, &cache, f.name);
    for req in server.requests() {
        assert_eq!(
            req.header("token"),
            Some(token.whole.as_str()),
            "{}",
            f.name
        );
    }
    (run, server.count())
}

fn check_fault(f: &Fault, run: &Run) {
    let name = f.name;
    assert_eq!(run.code, f.exit, "{name}: exit code\n{}", run.stderr);
    assert!(run.stdout.is_empty(), "{name}: stdout with --output-file");
    let report = run.report();
    let verdicts: Vec<&Value> = report["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| &j["verdict"])
        .collect();
    assert_eq!(verdicts.len(), 1, "{name}: {report}");
    let want = if f.exit == 1 { "rejected" } else { "unjudged" };
    assert_eq!(verdicts[0], want, "{name}: {report}");
    let said = run.said();
    for word in f.said {
        assert!(
            said.contains(word),
            "{name}: stderr should say `{word}`:\n{said}"
        );
    }
    if f.exit == 1 {
        let codes: Vec<&str> = report["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|d| d["code"].as_str())
            .collect();
        assert!(
            codes.contains(&"unknown-resource-group"),
            "{name}: {codes:?}"
        );
    }
    // Bounded: the run ended before the hang guard (see HANG_GUARD), and
    // not before its own deadline where the server never answers.
    if f.said.contains(&"--timeout") {
        let deadline = Duration::from_secs(f.timeout);
        assert!(run.took >= deadline, "{name} took {:?}", run.took);
    }
    // The log was on, and shows each attempt.
    assert!(
        run.stderr.contains("debug: GET http://127.0.0.1:"),
        "{name}: no --verbose log:\n{}",
        run.stderr
    );
    assert!(run.stderr.contains("token: <redacted>"), "{name}");
}

#[test]
fn every_api_fault_is_unjudged_bounded_explained_and_leaks_nothing() {
    let token = far_future();
    // The redirect points at a second listener on 127.0.0.2, which must
    // never be contacted with the token.
    let elsewhere = Server::start_on("127.0.0.2", |_| Reply::json("{}"));
    let target_port = match &elsewhere {
        Ok(s) => s.port,
        Err(e) => {
            println!("note: cannot bind 127.0.0.2 ({e}); the redirect target is not watched");
            9
        }
    };
    let redirect_to = format!(
        "http://127.0.0.2:{target_port}/ai/openapi/v2/instance-service/resources?resourceGroup=TeslaM40&acceleratorType=gpu"
    );
    let all = faults(redirect_to, &token.whole);
    let work = tempfile::tempdir().unwrap();
    // Faults mostly wait: run them a few at a time to keep the test short.
    let results: Vec<(Run, usize)> = std::thread::scope(|scope| {
        let chunks: Vec<_> = all.chunks(all.len().div_ceil(6)).collect();
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|chunk| {
                let (token, work) = (&token, work.path());
                scope.spawn(move || {
                    chunk
                        .iter()
                        .map(|f| run_fault(f, token, work))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("a fault run panicked"))
            .collect()
    });
    for (f, (run, requests)) in all.iter().zip(&results) {
        check_fault(f, run);
        let retried = matches!(
            f.name,
            "http-500"
                | "http-429-forever"
                | "truncated-json"
                | "connection-reset"
                | "closed-without-answer"
                | "code-10012"
        );
        if retried {
            assert_eq!(*requests, 3, "{} is retried", f.name);
        } else if !f.name.starts_with("slow-loris") && f.name != "never-answers" {
            assert_eq!(*requests, 1, "{} is not retried", f.name);
        }
    }
    if let Ok(elsewhere) = &elsewhere {
        let carried = elsewhere
            .requests()
            .iter()
            .filter(|r| r.header("token").is_some())
            .count();
        assert_eq!(carried, 0, "the redirect target got the token");
        assert_eq!(elsewhere.count(), 0, "the redirect was followed");
    }
    #[cfg(unix)]
    {
        let peak = peak_child_rss_kib();
        println!("peak child RSS: {peak} KiB");
        assert!(peak < 256 * 1024, "peak child RSS {peak} KiB");
    }
}

#[test]
fn rate_limited_then_answered_succeeds() {
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = calls.clone();
    let server = Server::start(move |_| {
        if seen.fetch_add(1, Ordering::SeqCst) == 0 {
            Reply::Http(429, vec![("Retry-After".into(), "1".into())], "".into())
        } else {
            Reply::json(json!({"code": "0", "msg": "success", "data": teslam40()}).to_string())
        }
    });
    let work = tempfile::tempdir().unwrap();
    let job = work.path().join("job.yaml");
    std::fs::write(&job, JOB).unwrap();
    let token = far_future();
    let url = server.url();
    let run = jobcheck(
        &[
            "check",
            job.to_str().unwrap(),
            "--endpoint",
            &url,
            "-f",
            "json",
            "--timeout",
            "8",
        ],
        Some(&token.whole),
        &work.path().join("cache"),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.report()["jobs"][0]["verdict"], "admitted");
    assert_eq!(server.count(), 2);
    // Retry-After was waited for (a lower bound); the run still ended
    // admitted, so the retry fell inside the 8 s deadline.
    assert!(run.took >= Duration::from_secs(1), "{:?}", run.took);
}

#[test]
fn expired_and_file_tokens_leak_nothing_either() {
    let work = tempfile::tempdir().unwrap();
    let job = work.path().join("job.yaml");
    std::fs::write(&job, JOB).unwrap();
    let report = work.path().join("report.json");
    let cache = work.path().join("cache");

    // Expired: refused before any request, exit 3.
    let expired = jwt("1700000000000");
    let server = Server::start(|_| Reply::json(code_answer("10008")));
    let url = server.url();
    let args = [
        "check",
        job.to_str().unwrap(),
        "--endpoint",
        &url,
        "--output-file",
        report.to_str().unwrap(),
        "-f",
        "json",
        "--verbose",
    ];
    let run = finish(command(&args, Some(&expired.whole), &cache), Some(&report));
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(run.stderr.contains("expired"), "{}", run.stderr);
    assert_eq!(server.count(), 0);
    assert_leaks_nothing(&expired, &run, &cache, "expired token");

    // From --token-file, against a failing server that echoes it back.
    let token = far_future();
    let token_file = work.path().join("token");
    std::fs::write(&token_file, format!("{}\n", token.whole)).unwrap();
    let echoed = token.whole.clone();
    let server = Server::start(move |req| {
        if req.target.contains("Missing") {
            Reply::Http(500, vec![], format!("trace: token={echoed}"))
        } else {
            Reply::json(json!({"code": "10009", "msg": format!("no: {echoed}")}).to_string())
        }
    });
    let missing = work.path().join("missing.yaml");
    std::fs::write(&missing, "resourceGroup: Missing\ncpus: 1\nmemory: 1G\n").unwrap();
    let url = server.url();
    let args = [
        "check",
        job.to_str().unwrap(),
        missing.to_str().unwrap(),
        "--endpoint",
        &url,
        "--token-file",
        token_file.to_str().unwrap(),
        "--output-file",
        report.to_str().unwrap(),
        "-f",
        "json",
        "--timeout",
        "4",
        "--verbose",
    ];
    let run = finish(command(&args, None, &cache), Some(&report));
    assert_eq!(run.code, 3, "{}", run.stderr);
    for job in run.report()["jobs"].as_array().unwrap() {
        assert_eq!(job["verdict"], "unjudged");
    }
    assert!(server.count() >= 2);
    for req in server.requests() {
        assert_eq!(req.header("token"), Some(token.whole.as_str()));
    }
    assert_leaks_nothing(&token, &run, &cache, "token file");
}

#[test]
fn verbose_logs_each_request_without_the_token() {
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = calls.clone();
    let server = Server::start(move |_| {
        if seen.fetch_add(1, Ordering::SeqCst) == 0 {
            Reply::Http(503, vec![], "busy".into())
        } else {
            Reply::json(json!({"code": "0", "msg": "success", "data": teslam40()}).to_string())
        }
    });
    let work = tempfile::tempdir().unwrap();
    let job = work.path().join("job.yaml");
    std::fs::write(&job, JOB).unwrap();
    let token = far_future();
    let url = server.url();
    let cache = work.path().join("cache");
    let mut args = vec![
        "check",
        job.to_str().unwrap(),
        "--endpoint",
        &url,
        "--timeout",
        "8",
        "-f",
        "concise",
    ];
    let quiet = jobcheck(&args, Some(&token.whole), &cache);
    assert_eq!(quiet.code, 0, "{}", quiet.stderr);
    assert!(!quiet.stderr.contains("debug:"), "{}", quiet.stderr);

    args.extend(["--verbose", "--refresh"]);
    let run = jobcheck(&args, Some(&token.whole), &cache);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let target = format!(
        "GET {url}/ai/openapi/v2/instance-service/resources?resourceGroup=TeslaM40&acceleratorType=gpu"
    );
    let lines: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("debug: "))
        .collect();
    assert!(
        lines
            .iter()
            .any(|l| l.contains(&target) && l.contains("(attempt 1 of 3): HTTP 200 OK in ")),
        "{}",
        run.stderr
    );
    let line = lines
        .iter()
        .find(|l| l.contains("HTTP 200"))
        .expect("a logged request");
    assert!(line.contains(" ms; headers sent: "), "{line}");
    assert!(line.contains("token: <redacted>"), "{line}");
    assert!(line.contains("accept: application/json"), "{line}");
    assert!(line.contains("user-agent: jobcheck/"), "{line}");
    assert_leaks_nothing(&token, &run, &cache, "--verbose");

    // -v works too, and shows a retry with its attempt number and status.
    let server = Server::start(|_| Reply::Http(503, vec![], "busy".into()));
    let url = server.url();
    let run = jobcheck(
        &[
            "check",
            job.to_str().unwrap(),
            "--endpoint",
            &url,
            "--timeout",
            "4",
            "-v",
        ],
        Some(&token.whole),
        &cache,
    );
    assert_eq!(run.code, 3, "{}", run.stderr);
    for n in 1..=3 {
        let want = format!("(attempt {n} of 3): HTTP 503 Service Unavailable in ");
        assert!(run.stderr.contains(&want), "{want}\n{}", run.stderr);
    }
    assert!(run.stderr.contains("retrying in "), "{}", run.stderr);
    assert_leaks_nothing(&token, &run, &cache, "-v");
}

// ---- the cache ----

fn cache_groups() -> Server {
    Server::platform(example_groups())
}

/// Five pairs, some admitted, some rejected, one unknown group.
fn cache_jobs(dir: &Path) -> PathBuf {
    let jobs = dir.join("jobs");
    std::fs::create_dir_all(&jobs).unwrap();
    for (name, text) in [
        ("a.yaml", JOB),
        (
            "b.yaml",
            "resourceGroup: A800x8\ncpus: 64\ngpus: 6\nmemory: 512G\nwalltime: 3d\n",
        ),
        (
            "c.yaml",
            "resourceGroup: K100\ncpus: 32\ndcus: 4\nmemory: 120G\nwalltime: 5d\n",
        ),
        (
            "d.yaml",
            "resourceGroup: CpuSmall\ncpus: 16\nmemory: 32G\nwalltime: 1h\n",
        ),
        ("e.yaml", "resourceGroup: Nope\ncpus: 1\nmemory: 1G\n"),
    ] {
        std::fs::write(jobs.join(name), text).unwrap();
    }
    jobs
}

/// `n` runs at once, all sharing one cache directory, each under the hang
/// guard.
fn concurrently(n: usize, args: &[&str], token: &str, cache: &Path) -> Vec<Run> {
    std::thread::scope(|scope| {
        let runs: Vec<_> = (0..n)
            .map(|_| scope.spawn(|| finish(command(args, Some(token), cache), None)))
            .collect();
        runs.into_iter()
            .map(|run| run.join().expect("a run's thread"))
            .collect()
    })
}

fn verdicts(run: &Run) -> Vec<(String, String)> {
    run.report()["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| {
            (
                j["file"].as_str().unwrap_or_default().to_string(),
                j["verdict"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

fn cache_files(cache: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(cache)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    files.sort();
    files
}

#[test]
fn concurrent_runs_share_one_cache_safely() {
    let server = cache_groups();
    let work = tempfile::tempdir().unwrap();
    let jobs = cache_jobs(work.path());
    let cache = work.path().join("cache");
    let token = far_future();
    let url = server.url();
    let base = [
        "check",
        jobs.to_str().unwrap(),
        "--endpoint",
        &url,
        "-f",
        "json",
    ];
    let with = |extra: &[&'static str]| {
        let mut v: Vec<&str> = base.to_vec();
        v.extend_from_slice(extra);
        v
    };
    let refresh = with(&["--refresh"]);
    let runs = concurrently(8, &refresh, &token.whole, &cache);
    let want = verdicts(&runs[0]);
    assert_eq!(
        want.iter().map(|(_, v)| v.as_str()).collect::<Vec<_>>(),
        ["admitted", "rejected", "rejected", "admitted", "rejected"]
    );
    for run in &runs {
        assert_eq!(run.code, 1, "{}", run.stderr);
        assert_eq!(verdicts(run), want);
        assert!(!run.stderr.contains("warning"), "{}", run.stderr);
    }
    assert_eq!(server.count(), 8 * 5);
    // One entry per pair, each whole JSON, no temporary files left.
    let files = cache_files(&cache);
    assert_eq!(files.len(), 5, "{files:?}");
    for f in &files {
        let v: Value = serde_json::from_slice(&std::fs::read(f).unwrap()).unwrap();
        assert_eq!(v["version"], 1);
    }

    // Readers and writers at once: 8 answered from the cache, 8 offline,
    // 4 refreshing it meanwhile.
    let normal = with(&[]);
    let offline = with(&["--offline"]);
    let (a, b, c) = std::thread::scope(|s| {
        let a = s.spawn(|| concurrently(8, &normal, &token.whole, &cache));
        let b = s.spawn(|| concurrently(8, &offline, &token.whole, &cache));
        let c = s.spawn(|| concurrently(4, &refresh, &token.whole, &cache));
        (a.join().unwrap(), b.join().unwrap(), c.join().unwrap())
    });
    for run in a.iter().chain(&b).chain(&c) {
        assert_eq!(run.code, 1, "{}", run.stderr);
        assert_eq!(verdicts(run), want, "{}", run.stderr);
    }
    assert_eq!(server.count(), 8 * 5 + 4 * 5, "cached answers were used");
    assert_eq!(cache_files(&cache).len(), 5);
    assert_leaks_nothing(&token, &a[0], &cache, "concurrent runs");
}

#[test]
fn corrupt_and_foreign_cache_files_are_ignored() {
    let server = cache_groups();
    let work = tempfile::tempdir().unwrap();
    let jobs = cache_jobs(work.path());
    let cache = work.path().join("cache");
    let token = far_future();
    let url = server.url();
    let args = [
        "check",
        jobs.to_str().unwrap(),
        "--endpoint",
        &url,
        "-f",
        "json",
    ];
    let first = jobcheck(&args, Some(&token.whole), &cache);
    assert_eq!(first.code, 1, "{}", first.stderr);
    let want = verdicts(&first);
    assert_eq!(server.count(), 5);

    // Spoil four of the five entries, each in its own way, and add
    // strangers beside them.
    let files = cache_files(&cache);
    assert_eq!(files.len(), 5);
    let other_group = std::fs::read(&files[4]).unwrap();
    let mut random = Vec::new();
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    for _ in 0..4096 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        random.push(x as u8);
    }
    std::fs::write(&files[0], &random).unwrap();
    std::fs::write(&files[1], b"").unwrap();
    std::fs::write(&files[2], &other_group).unwrap();
    std::fs::remove_file(&files[3]).unwrap();
    std::fs::create_dir(&files[3]).unwrap();
    std::fs::write(files[3].join("inside.json"), b"{}").unwrap();
    std::fs::write(cache.join("random.json"), &random).unwrap();
    std::fs::write(cache.join("empty.json"), b"").unwrap();
    std::fs::create_dir(cache.join("subdir")).unwrap();
    std::fs::write(cache.join(".half-written.tmp"), b"{\"version\":1,").unwrap();

    let run = jobcheck(&args, Some(&token.whole), &cache);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(verdicts(&run), want);
    assert_eq!(run.report()["diagnostics"], first.report()["diagnostics"]);
    // The four spoiled entries were asked again; the good one was not.
    assert_eq!(server.count(), 5 + 4);
    // The entry blocked by a directory could not be written: a warning, and
    // the other entries were still remembered.
    assert!(run.stderr.contains("warning"), "{}", run.stderr);
    let again = jobcheck(&args, Some(&token.whole), &cache);
    assert_eq!(again.code, 1, "{}", again.stderr);
    assert_eq!(verdicts(&again), want);
    assert_eq!(server.count(), 5 + 4 + 1, "{}", again.stderr);

    // Offline, the spoiled entry that stays spoiled is unavailable, not wrong.
    let mut offline = args.to_vec();
    offline.push("--offline");
    let off = jobcheck(&offline, Some(&token.whole), &cache);
    assert_eq!(off.code, 3, "{}", off.stderr);
    let unjudged = verdicts(&off)
        .into_iter()
        .filter(|(_, v)| v == "unjudged")
        .count();
    assert_eq!(unjudged, 1, "{}", off.stdout);
    assert_leaks_nothing(&token, &run, &cache, "foreign cache files");
}

#[test]
fn an_unwritable_cache_degrades_to_no_cache() {
    let server = cache_groups();
    let work = tempfile::tempdir().unwrap();
    let jobs = cache_jobs(work.path());
    let blocker = work.path().join("a-file");
    std::fs::write(&blocker, "not a directory").unwrap();
    // Root ignores permissions, but not a path through a regular file.
    let cache = blocker.join("cache");
    let token = far_future();
    let url = server.url();
    let args = [
        "check",
        jobs.to_str().unwrap(),
        "--endpoint",
        &url,
        "-f",
        "json",
    ];
    let run = jobcheck(&args, Some(&token.whole), &cache);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(
        verdicts(&run)
            .iter()
            .map(|(_, v)| v.as_str())
            .collect::<Vec<_>>(),
        ["admitted", "rejected", "rejected", "admitted", "rejected"]
    );
    let warnings: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("warning") && l.contains("cache"))
        .collect();
    assert_eq!(
        warnings.len(),
        1,
        "one warning, not one per pair:\n{}",
        run.stderr
    );
    assert_eq!(server.count(), 5);
    let again = jobcheck(&args, Some(&token.whole), &cache);
    assert_eq!(again.code, 1, "{}", again.stderr);
    assert_eq!(server.count(), 10, "nothing was cached");
    // --offline has nothing to answer from: unavailable (3), not a crash.
    let mut offline = args.to_vec();
    offline.push("--offline");
    let off = jobcheck(&offline, Some(&token.whole), &cache);
    assert_eq!(off.code, 3, "{}", off.stderr);
    assert_eq!(server.count(), 10);
    assert_eq!(
        std::fs::read_to_string(&blocker).unwrap(),
        "not a directory"
    );
}

/// A hostile server that puts the token (which it was sent) anywhere in
/// its answer: a limit's value, the group's name, a long message clipped
/// mid-token, the error code, a body that is not JSON, a redirect target.
#[test]
fn a_server_echoing_the_token_anywhere_does_not_leak_it() {
    let token = far_future();
    let t = token.whole.clone();
    let long = "x".repeat(170);
    let with = |field: &str, value: Value| {
        let mut data = teslam40();
        data[field] = value;
        json!({"code": "0", "msg": "success", "data": data}).to_string()
    };
    let mut keyed = teslam40();
    keyed[t.as_str()] = json!(1);
    let cases: Vec<(&str, Reply)> = vec![
        ("cpuNumber", Reply::json(with("cpuNumber", json!(t)))),
        ("gpuNumber", Reply::json(with("gpuNumber", json!([t])))),
        ("maxTime", Reply::json(with("maxTime", json!(t)))),
        (
            "acceleratorType",
            Reply::json(with("acceleratorType", json!(t))),
        ),
        (
            "resourceGroup",
            Reply::json(with("resourceGroup", json!(t))),
        ),
        (
            "a key",
            Reply::json(json!({"code": "0", "data": keyed}).to_string()),
        ),
        (
            "long msg",
            Reply::json(json!({"code": "10001", "msg": format!("{long}{t}")}).to_string()),
        ),
        ("code", Reply::json(json!({"code": t}).to_string())),
        (
            "long code",
            Reply::json(json!({"code": format!("{long}{t}")}).to_string()),
        ),
        (
            "not JSON",
            Reply::json(format!(
                "oops {}.{} trailing",
                token.payload, token.signature
            )),
        ),
        (
            "redirect",
            Reply::Http(
                302,
                vec![(
                    "Location".into(),
                    format!("http://127.0.0.2:9/{long}?t={t}"),
                )],
                String::new(),
            ),
        ),
    ];
    let work = tempfile::tempdir().unwrap();
    let job = work.path().join("job.yaml");
    std::fs::write(&job, JOB).unwrap();
    for (i, (what, reply)) in cases.into_iter().enumerate() {
        let reply = Arc::new(std::sync::Mutex::new(Some(reply)));
        let server = Server::start(move |_| {
            reply
                .lock()
                .unwrap()
                .take()
                .unwrap_or(Reply::Http(500, vec![], String::new()))
        });
        let cache = work.path().join(format!("cache{i}"));
        let report = work.path().join(format!("report{i}.json"));
        let url = server.url();
        let args = [
            "check",
            job.to_str().unwrap(),
            "--endpoint",
            &url,
            "-f",
            "json",
            "--output-file",
            report.to_str().unwrap(),
            "--timeout",
            "3",
            "--verbose",
        ];
        let run = finish(command(&args, Some(&token.whole), &cache), Some(&report));
        assert!(matches!(run.code, 0 | 1 | 3), "{what}: {}", run.stderr);
        assert_leaks_nothing(&token, &run, &cache, what);
        // The human report, too (it shows the group's name).
        let human = jobcheck(
            &[
                "check",
                job.to_str().unwrap(),
                "--endpoint",
                &url,
                "--offline",
            ],
            Some(&token.whole),
            &cache,
        );
        assert_leaks_nothing(&token, &human, &cache, what);
    }
}
