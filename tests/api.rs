//! Live limits from the platform API, against a local server that speaks
//! the protocol, including its failures.

use crate::support;

use std::path::Path;
use std::time::{Duration, Instant};

use jobcheck::limits::api::CONCURRENCY;
use serde_json::{Value, json};
use support::cli::jobcheck as command;

use support::{Reply, Server, example_groups, good_token, jwt};

/// The groups of examples/limits.yaml, and one the platform answers badly.
fn groups() -> Vec<(&'static str, Value)> {
    let mut groups = example_groups();
    groups.push(
        (
            // Fields missing, null or garbage: unknown limits, not failures,
            // as long as one limit can be read.
            "Sparse",
            json!({"cpuNumber":null,"gpuNumber":"lots","memorySize":[1],"resourceGroup":"Sparse","nodeNumber":2}),
        ),
    );
    groups
}

/// The same numbers as a limits file.
const LIMITS_FILE: &str = r#"
- {resourceGroup: TeslaM40, cpuNumber: 40, gpuNumber: 2, nvLimits: 0, dcuLimits: 0, mluLimits: 0, memorySize: 31888, nodeNumber: 1, maxTime: unlimited}
- {resourceGroup: A800x8, cpuNumber: 112, gpuNumber: 8, nvLimits: 4, dcuLimits: 0, mluLimits: 0, memorySize: 1031168, nodeNumber: 4, maxTime: "7-00:00:00"}
- {resourceGroup: K100, cpuNumber: "32", gpuNumber: "4", nvLimits: 0, dcuLimits: 0, mluLimits: 0, memorySize: "126976", nodeNumber: "8", maxTime: "3-00:00:00"}
- {resourceGroup: CpuSmall, cpuNumber: 64, gpuNumber: 0, nvLimits: 0, dcuLimits: 0, mluLimits: 0, memorySize: 257024, nodeNumber: 16, maxTime: "12:00:00"}
- {resourceGroup: Sparse, nodeNumber: 2}
"#;

const JOBS: &[(&str, &str)] = &[
    (
        "ok.yaml",
        "name: ok\nresourceGroup: TeslaM40\ncpus: 8\ngpus: 2\nmemory: 16G\nwalltime: 2d\n",
    ),
    (
        "cpus.yaml",
        "name: cpus\nresourceGroup: TeslaM40\ncpus: 64\ngpus: 1\nmemory: 16G\n",
    ),
    (
        "quota.yaml",
        "name: quota\nresourceGroup: A800x8\ncpus: 64\ngpus: 6\nmemory: 512G\nwalltime: 3d\n",
    ),
    (
        "memory.yaml",
        "name: mem\nresourceGroup: TeslaM40\ncpus: 8\ngpus: 1\nmemory: 64G\n",
    ),
    (
        "walltime.yaml",
        "name: wall\nresourceGroup: K100\nnodes: 2\ncpus: 32\ndcus: 4\nmemory: 120GiB\nwalltime: 5d\n",
    ),
    (
        "cpu.yaml",
        "name: cpu\nresourceGroup: CpuSmall\ncpus: 16\nmemory: 32G\nwalltime: 13h\n",
    ),
    (
        "sparse.yaml",
        "name: sparse\nresourceGroup: Sparse\ncpus: 4\ngpus: 1\nmemory: 8G\n",
    ),
];

fn write_jobs(dir: &Path) {
    for (name, text) in JOBS {
        std::fs::write(dir.join(name), text).unwrap();
    }
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
    /// Wall time, for lower bounds only (a wait that must happen). The upper
    /// bound is the hang guard: a run still going then is killed.
    took: Duration,
}

fn jobcheck(args: &[&str], token: &str, cache: &Path) -> Run {
    let mut cmd = command();
    cmd.args(args)
        .env("JOBCHECK_TOKEN", token)
        .env("JOBCHECK_CACHE_DIR", cache);
    let start = Instant::now();
    let out = cmd.output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        took: start.elapsed(),
    }
}

fn report(run: &Run) -> Value {
    serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", run.stdout, run.stderr))
}

/// Everything in the cache dir, as text.
fn cache_text(dir: &Path) -> String {
    let mut all = String::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            all.push_str(&String::from_utf8_lossy(
                &std::fs::read(e.path()).unwrap_or_default(),
            ));
            all.push_str(&e.file_name().to_string_lossy());
        }
    }
    all
}

fn assert_no_token(token: &str, run: &Run, cache: &Path) {
    let payload = token.split('.').nth(1).unwrap();
    for (what, text) in [
        ("stdout", run.stdout.as_str()),
        ("stderr", run.stderr.as_str()),
        ("cache", cache_text(cache).as_str()),
    ] {
        assert!(!text.contains(token), "the token is in {what}: {text}");
        assert!(
            !text.contains(payload),
            "the token's payload is in {what}: {text}"
        );
    }
}

#[test]
fn api_gives_the_same_diagnostics_as_a_limits_file() {
    let server = Server::platform(groups());
    let work = tempfile::tempdir().unwrap();
    let jobs = work.path().join("jobs");
    std::fs::create_dir(&jobs).unwrap();
    write_jobs(&jobs);
    let limits = work.path().join("limits.yaml");
    std::fs::write(&limits, LIMITS_FILE).unwrap();
    let cache = work.path().join("cache");
    let token = good_token();
    let jobs_s = jobs.to_str().unwrap();

    let from_api = jobcheck(
        &[
            "check",
            jobs_s,
            "--endpoint",
            &server.url(),
            "--format",
            "json",
        ],
        &token,
        &cache,
    );
    let from_file = jobcheck(
        &[
            "check",
            jobs_s,
            "--limits",
            limits.to_str().unwrap(),
            "--format",
            "json",
        ],
        &token,
        &cache,
    );
    assert_eq!(from_api.code, 1, "{}", from_api.stderr);
    assert_eq!(from_api.code, from_file.code);
    let (a, f) = (report(&from_api), report(&from_file));
    assert_eq!(a["diagnostics"], f["diagnostics"]);
    assert_eq!(a["jobs"], f["jobs"]);
    assert_eq!(a["summary"], f["summary"]);
    // The sparse group's unknown limits are warnings, not failures.
    let codes: Vec<&str> = a["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d["code"].as_str())
        .collect();
    assert!(codes.contains(&"limit-unknown"), "{codes:?}");
    assert!(codes.contains(&"cpus-over-limit"), "{codes:?}");
    // The token went in the `token` header, and nowhere else.
    let req = &server.requests()[0];
    assert_eq!(req.header("token"), Some(token.as_str()));
    assert!(!req.target.contains(&token));
    assert_no_token(&token, &from_api, &cache);
}

/// An answer in which no limit at all can be read is no answer: the job is
/// unjudged (exit 3), never admitted on `limit-unknown` warnings.
#[test]
fn an_answer_with_no_readable_limit_fails_closed() {
    let server = Server::platform(vec![(
        "Empty",
        json!({"cpuNumber":null,"gpuNumber":"lots","memorySize":[1],"nvLimits":0,
               "resourceGroup":"Empty","maxTime":""}),
    )]);
    let work = tempfile::tempdir().unwrap();
    let job = work.path().join("huge.yaml");
    std::fs::write(
        &job,
        "resourceGroup: Empty\ncpus: 5000\ngpus: 1\nmemory: 16G\n",
    )
    .unwrap();
    let cache = work.path().join("cache");
    let token = good_token();
    let args = [
        "check",
        job.to_str().unwrap(),
        "--endpoint",
        &server.url(),
        "--format",
        "json",
    ];
    let run = jobcheck(&args, &token, &cache);
    let first = report(&run);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert_eq!(first["jobs"][0]["verdict"], "unjudged", "{first}");
    assert!(
        run.stderr.contains("holds no limit that can be read"),
        "{}",
        run.stderr
    );
    // The same from the cache, and from a limits file holding that answer.
    let again = jobcheck(&args, &token, &cache);
    assert_eq!(again.code, 3, "{}", again.stderr);
    let limits = work.path().join("limits.json");
    std::fs::write(
        &limits,
        r#"{"code":"0","msg":"success","data":{"cpuNumber":null,"resourceGroup":"Empty"}}"#,
    )
    .unwrap();
    let from_file = jobcheck(
        &[
            "check",
            job.to_str().unwrap(),
            "--limits",
            limits.to_str().unwrap(),
            "--format",
            "json",
        ],
        &token,
        &cache,
    );
    assert_eq!(from_file.code, 3, "{}", from_file.stderr);
    assert_eq!(report(&from_file)["jobs"][0]["verdict"], "unjudged");
    // One readable limit is an answer: the job is judged (and rejected).
    let one = work.path().join("one.yaml");
    std::fs::write(&one, "- {resourceGroup: Empty, cpuNumber: 40}\n").unwrap();
    let judged = jobcheck(
        &[
            "check",
            job.to_str().unwrap(),
            "--limits",
            one.to_str().unwrap(),
        ],
        &token,
        &cache,
    );
    assert_eq!(judged.code, 1, "{}", judged.stderr);
}

#[test]
fn one_request_per_pair_and_a_cache() {
    let server = Server::platform(groups());
    let work = tempfile::tempdir().unwrap();
    let jobs = work.path().join("jobs");
    std::fs::create_dir(&jobs).unwrap();
    // 45 files naming 5 distinct (group, type) pairs.
    let kinds = [
        "resourceGroup: TeslaM40\ncpus: 4\ngpus: 1\nmemory: 8G\n",
        "resourceGroup: TeslaM40\ncpus: 4\ndcus: 1\nmemory: 8G\n",
        "resourceGroup: A800x8\ncpus: 4\ngpus: 1\nmemory: 8G\n",
        "resourceGroup: K100\ncpus: 4\ndcus: 1\nmemory: 8G\n",
        "resourceGroup: CpuSmall\ncpus: 4\nmemory: 8G\n",
    ];
    for i in 0..45 {
        std::fs::write(
            jobs.join(format!("job{i:02}.yaml")),
            format!("name: j{i}\n{}", kinds[i % kinds.len()]),
        )
        .unwrap();
    }
    let cache = work.path().join("cache");
    let token = good_token();
    let url = server.url();
    let args = ["check", jobs.to_str().unwrap(), "--endpoint", &url];

    let first = jobcheck(&args, &token, &cache);
    assert_eq!(server.count(), 5, "{}", first.stderr);
    let mut pairs: Vec<(String, String)> = server
        .requests()
        .iter()
        .map(|r| {
            (
                r.param("resourceGroup").unwrap(),
                r.param("acceleratorType").unwrap(),
            )
        })
        .collect();
    pairs.sort();
    pairs.dedup();
    assert_eq!(pairs.len(), 5);

    // Within the TTL: no requests.
    let second = jobcheck(&args, &token, &cache);
    assert_eq!(server.count(), 5);
    assert_eq!(first.code, second.code);
    assert_eq!(first.stdout, second.stdout);

    // --refresh asks again.
    let mut refresh = args.to_vec();
    refresh.push("--refresh");
    jobcheck(&refresh, &token, &cache);
    assert_eq!(server.count(), 10);

    // --offline answers from the cache, even stale entries (with a warning).
    let mut offline = args.to_vec();
    offline.extend(["--offline", "--cache-ttl", "0"]);
    let off = jobcheck(&offline, &token, &cache);
    assert_eq!(server.count(), 10);
    assert_eq!(off.code, first.code, "{}", off.stderr);
    assert!(off.stderr.contains("warning"), "{}", off.stderr);

    // Cache files are private.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for e in std::fs::read_dir(&cache).unwrap().flatten() {
            let mode = e.metadata().unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{:?}", e.path());
        }
        let mode = std::fs::metadata(&cache).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700);
    }
    assert_no_token(&token, &first, &cache);

    // --offline with an empty cache: unavailable, nothing fetched.
    let empty = work.path().join("empty-cache");
    let off = jobcheck(&offline, &token, &empty);
    assert_eq!(off.code, 3, "{}", off.stderr);
    assert_eq!(server.count(), 10);
}

#[test]
fn a_corrupt_cache_file_is_replaced_and_an_unwritable_cache_is_no_failure() {
    let server = Server::platform(groups());
    let work = tempfile::tempdir().unwrap();
    let job = work.path().join("job.yaml");
    std::fs::write(&job, JOBS[0].1).unwrap();
    let cache = work.path().join("cache");
    let token = good_token();
    let url = server.url();
    let args = ["check", job.to_str().unwrap(), "--endpoint", &url];
    assert_eq!(jobcheck(&args, &token, &cache).code, 0);
    for e in std::fs::read_dir(&cache).unwrap().flatten() {
        std::fs::write(e.path(), "{\"version\": 1, \"garbage").unwrap();
    }
    let run = jobcheck(&args, &token, &cache);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(server.count(), 2);
    assert_eq!(jobcheck(&args, &token, &cache).code, 0);
    assert_eq!(server.count(), 2, "the corrupt entry was replaced");

    // A cache "directory" that is a file: a warning, and the run goes on.
    let not_a_dir = work.path().join("file");
    std::fs::write(&not_a_dir, "x").unwrap();
    let run = jobcheck(&args, &token, &not_a_dir);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("warning"), "{}", run.stderr);
}

/// One job against a server that always answers `reply`.
fn fault(reply: impl Fn() -> Reply + Send + Sync + 'static, timeout: &str) -> (Server, Run, Value) {
    let server = Server::start(move |_| reply());
    let work = tempfile::tempdir().unwrap();
    let job = work.path().join("job.yaml");
    std::fs::write(&job, JOBS[0].1).unwrap();
    let cache = work.path().join("cache");
    let token = good_token();
    let run = jobcheck(
        &[
            "check",
            job.to_str().unwrap(),
            "--endpoint",
            &server.url(),
            "--format",
            "json",
            "--timeout",
            timeout,
        ],
        &token,
        &cache,
    );
    assert_no_token(&token, &run, &cache);
    let report = report(&run);
    for job in report["jobs"].as_array().unwrap() {
        assert_ne!(job["verdict"], "admitted", "{report}");
    }
    (server, run, report)
}

fn expect_unavailable(run: &Run, report: &Value, said: &str) {
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert_eq!(report["jobs"][0]["verdict"], "unjudged");
    assert!(
        run.stderr.contains(said),
        "stderr should say `{said}`: {}",
        run.stderr
    );
}

#[test]
fn http_500_is_retried_then_unavailable() {
    let (server, run, report) = fault(|| Reply::Http(500, vec![], "oops".into()), "10");
    expect_unavailable(&run, &report, "500");
    // Three attempts, then it gives up: counted, not timed.
    assert_eq!(server.count(), 3);
}

#[test]
fn http_429_honours_retry_after() {
    let (server, run, report) = fault(
        || Reply::Http(429, vec![("Retry-After".into(), "1".into())], "".into()),
        "10",
    );
    expect_unavailable(&run, &report, "429");
    assert_eq!(server.count(), 3);
    assert!(run.took >= Duration::from_secs(2), "{:?}", run.took);
    // A long Retry-After is not waited for.
    let (server, run, report) = fault(
        || Reply::Http(429, vec![("Retry-After".into(), "3600".into())], "".into()),
        "10",
    );
    expect_unavailable(&run, &report, "try again later");
    assert_eq!(server.count(), 1);
}

#[test]
fn malformed_and_wrong_shaped_answers() {
    let (server, run, report) = fault(|| Reply::json("{\"code\": \"0\", \"data\": {"), "5");
    expect_unavailable(&run, &report, "not JSON");
    assert_eq!(server.count(), 1);
    let (_, run, report) = fault(|| Reply::json("[1, 2, 3]"), "5");
    expect_unavailable(&run, &report, "wrong shape");
    let (_, run, report) = fault(|| Reply::json(r#"{"code":"0","data":"TeslaM40"}"#), "5");
    expect_unavailable(&run, &report, "wrong shape");
    let (_, run, report) = fault(|| Reply::json(r#"{"code":"0","data":null}"#), "5");
    expect_unavailable(&run, &report, "without `data`");
    let (_, run, report) = fault(|| Reply::json(r#"{"status":"ok"}"#), "5");
    expect_unavailable(&run, &report, "wrong shape");
    let (_, run, report) = fault(|| Reply::Http(404, vec![], "not here".into()), "5");
    expect_unavailable(&run, &report, "404");
}

#[test]
fn resets_truncation_and_huge_bodies() {
    let (server, run, report) = fault(|| Reply::Close, "10");
    expect_unavailable(&run, &report, "3 attempts");
    assert_eq!(server.count(), 3);
    let (_, run, report) = fault(|| Reply::Truncated, "10");
    expect_unavailable(&run, &report, "cut off");
    let (_, run, report) = fault(|| Reply::Huge(8 * 1024 * 1024), "10");
    expect_unavailable(&run, &report, "larger than 1 MiB");
}

#[test]
fn a_server_that_never_answers_times_out() {
    // The server never answers nor closes, so only the client's deadline
    // can end the run (before the hang guard kills it), and not before it.
    let (_, run, report) = fault(|| Reply::Hang, "2");
    expect_unavailable(&run, &report, "--timeout");
    assert!(run.took >= Duration::from_secs(2), "{:?}", run.took);

    // More pairs than requests in flight: still bounded by the one timeout.
    let server = Server::start(|_| Reply::Hang);
    let work = tempfile::tempdir().unwrap();
    let pairs = CONCURRENCY + 4;
    for i in 0..pairs {
        std::fs::write(
            work.path().join(format!("j{i}.yaml")),
            format!("resourceGroup: G{i}\ncpus: 1\nmemory: 1G\n"),
        )
        .unwrap();
    }
    let token = good_token();
    let run = jobcheck(
        &[
            "check",
            work.path().to_str().unwrap(),
            "--endpoint",
            &server.url(),
            "--timeout",
            "2",
        ],
        &token,
        &work.path().join("cache"),
    );
    assert_eq!(run.code, 3, "{}", run.stderr);
    // One deadline for the run, not one per request: the pairs waiting
    // behind the first CONCURRENCY are never sent. A timeout per request
    // would have sent them all.
    assert!(
        server.count() <= CONCURRENCY && CONCURRENCY < pairs,
        "{} requests",
        server.count()
    );
}

#[test]
fn every_error_code() {
    let cases = [
        ("10001", "internal error"),
        ("10003", "missing parameters"),
        ("10007", "frozen"),
        ("10008", "insufficient permission"),
        ("10009", "no permission for this API"),
        ("10010", "file check failed"),
        ("10011", "file too large"),
        ("10012", "connection interrupted"),
        ("77777", "77777"),
    ];
    for (code, said) in cases {
        let body = format!(r#"{{"code":"{code}","msg":"platform says {code}","data":null}}"#);
        let (server, run, report) = fault(move || Reply::json(body.clone()), "10");
        expect_unavailable(&run, &report, said);
        if code == "10012" {
            assert_eq!(server.count(), 3, "10012 is retried");
        } else {
            assert_eq!(server.count(), 1, "{code} is not retried");
        }
        if matches!(code, "10007" | "10008" | "10009") {
            assert!(run.stderr.contains("administrator"), "{}", run.stderr);
        }
    }
    // 10004: the group does not exist, a job diagnostic (exit 1).
    let (_, run, report) = fault(
        || Reply::json(r#"{"code":"10004","msg":"invalid parameters","data":null}"#),
        "5",
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(report["jobs"][0]["verdict"], "rejected");
    let codes: Vec<&str> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d["code"].as_str())
        .collect();
    assert!(codes.contains(&"unknown-resource-group"), "{codes:?}");
}

#[test]
fn a_server_echoing_the_token_does_not_leak_it() {
    let token = good_token();
    let echoed = token.clone();
    let (_, run, report) = fault(
        move || {
            Reply::json(json!({"code": "10008", "msg": format!("bad token {echoed}")}).to_string())
        },
        "5",
    );
    expect_unavailable(&run, &report, "redacted");
}

#[test]
fn an_expired_token_stops_before_any_request() {
    let server = Server::platform(groups());
    let work = tempfile::tempdir().unwrap();
    let job = work.path().join("job.yaml");
    std::fs::write(&job, JOBS[0].1).unwrap();
    let token = jwt(r#"{"user":"alice","clusterId":"11250","expireTime":"1700000000000"}"#);
    let run = jobcheck(
        &["check", job.to_str().unwrap(), "--endpoint", &server.url()],
        &token,
        work.path(),
    );
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert_eq!(server.count(), 0);
    assert!(
        run.stderr.contains("2023-11-14 22:13:20 UTC"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("https://www.scnet.cn/ac/openapi/v2/tokens"),
        "{}",
        run.stderr
    );
    assert_no_token(&token, &run, work.path());
}

#[test]
fn plain_http_is_refused_except_to_loopback() {
    let work = tempfile::tempdir().unwrap();
    let job = work.path().join("job.yaml");
    std::fs::write(&job, JOBS[0].1).unwrap();
    let token = good_token();
    let run = jobcheck(
        &[
            "check",
            job.to_str().unwrap(),
            "--endpoint",
            "http://example.invalid",
        ],
        &token,
        work.path(),
    );
    // Refused as a usage error (exit 2) before any connection is tried.
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("http"), "{}", run.stderr);
}

#[test]
fn a_base_ending_in_ai_is_not_doubled() {
    let server = Server::platform(groups());
    let work = tempfile::tempdir().unwrap();
    let job = work.path().join("job.yaml");
    std::fs::write(&job, JOBS[0].1).unwrap();
    let run = jobcheck(
        &[
            "check",
            job.to_str().unwrap(),
            "--endpoint",
            &format!("{}/ai/", server.url()),
        ],
        &good_token(),
        &work.path().join("cache"),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let reqs = server.requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(
        reqs[0].target,
        "/ai/openapi/v2/instance-service/resources?resourceGroup=TeslaM40&acceleratorType=gpu"
    );
}

#[test]
fn token_from_a_file_and_tokens_that_are_not_jwts() {
    let server = Server::platform(groups());
    let work = tempfile::tempdir().unwrap();
    let job = work.path().join("job.yaml");
    std::fs::write(&job, JOBS[0].1).unwrap();
    let token_file = work.path().join("token");
    std::fs::write(&token_file, "opaque-token-value-0123456789\n").unwrap();
    let run = jobcheck(
        &[
            "check",
            job.to_str().unwrap(),
            "--endpoint",
            &server.url(),
            "--token-file",
            token_file.to_str().unwrap(),
        ],
        "",
        &work.path().join("cache"),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        server.requests()[0].header("token"),
        Some("opaque-token-value-0123456789")
    );
    assert!(!cache_text(&work.path().join("cache")).contains("opaque-token-value"));
    // No token at all: a usage error.
    let out = command()
        .args(["check", job.to_str().unwrap(), "--endpoint", &server.url()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn the_limits_command() {
    let server = Server::platform(groups());
    let work = tempfile::tempdir().unwrap();
    let cache = work.path().join("cache");
    let token = good_token();
    let url = server.url();
    let table = jobcheck(
        &[
            "limits",
            "--group",
            "TeslaM40",
            "--accelerator",
            "gpu",
            "--endpoint",
            &url,
        ],
        &token,
        &cache,
    );
    assert_eq!(table.code, 0, "{}", table.stderr);
    assert!(
        table.stdout.contains("31888 MiB (31.1G)"),
        "{}",
        table.stdout
    );
    assert!(
        table.stdout.contains("0 (no separate quota)"),
        "{}",
        table.stdout
    );
    assert!(table.stdout.contains("unlimited"), "{}", table.stdout);
    let j = jobcheck(
        &[
            "limits",
            "--group",
            "TeslaM40",
            "--accelerator",
            "gpu",
            "--endpoint",
            &url,
            "--format",
            "json",
            "--refresh",
        ],
        &token,
        &cache,
    );
    assert_eq!(j.code, 0, "{}", j.stderr);
    let v: Value = serde_json::from_str(&j.stdout).unwrap();
    assert_eq!(v["cpuNumber"], 40);
    assert_eq!(v["memorySize"], 31888);
    assert_eq!(v["maxTime"], "unlimited");
    let unknown = jobcheck(
        &[
            "limits",
            "--group",
            "Nope",
            "--accelerator",
            "gpu",
            "--endpoint",
            &url,
        ],
        &token,
        &cache,
    );
    assert_eq!(unknown.code, 1, "{}", unknown.stderr);
    // With a limits file too.
    let limits = work.path().join("limits.yaml");
    std::fs::write(&limits, LIMITS_FILE).unwrap();
    let from_file = jobcheck(
        &[
            "limits",
            "--group",
            "TeslaM40",
            "--accelerator",
            "gpu",
            "--limits",
            limits.to_str().unwrap(),
        ],
        &token,
        &cache,
    );
    assert_eq!(from_file.code, 0, "{}", from_file.stderr);
    assert_eq!(from_file.stdout, table.stdout);
    // Unavailable: exit 3.
    let off = jobcheck(
        &[
            "limits",
            "--group",
            "K100",
            "--accelerator",
            "dcu",
            "--endpoint",
            &url,
            "--offline",
        ],
        &token,
        &work.path().join("empty"),
    );
    assert_eq!(off.code, 3, "{}", off.stderr);
    assert_no_token(&token, &table, &cache);
}

/// Warnings from the lookup (an unreadable field, a stale cached answer
/// used with --offline) reach standard error as `warning:` lines, once
/// each, and stay out of a machine format's standard output.
#[test]
fn lookup_warnings_reach_standard_error() {
    let server = Server::platform(groups());
    let work = tempfile::tempdir().unwrap();
    let job = work.path().join("sparse.yaml");
    std::fs::write(&job, JOBS[6].1).unwrap();
    let cache = work.path().join("cache");
    let token = good_token();
    let url = server.url();
    let args = [
        "check",
        job.to_str().unwrap(),
        "--endpoint",
        &url,
        "--format",
        "json",
    ];
    let run = jobcheck(&args, &token, &cache);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for field in ["gpuNumber", "memorySize"] {
        let line =
            format!("warning: the platform's `{field}` for resource group `Sparse` cannot be read");
        assert_eq!(run.stderr.matches(&line).count(), 1, "{}", run.stderr);
    }
    assert!(!run.stdout.contains("warning:"), "{}", run.stdout);
    report(&run);

    let mut offline = args.to_vec();
    offline.extend(["--offline", "--cache-ttl", "0"]);
    let off = jobcheck(&offline, &token, &cache);
    assert_eq!(off.code, 0, "{}", off.stderr);
    assert_eq!(server.count(), 1);
    assert!(
        off.stderr
            .contains("warning: using a cached answer for resource group `Sparse` (gpu) from")
            && off.stderr.contains("older than the cache TTL (--offline)"),
        "{}",
        off.stderr
    );
}
