//! Where credentials may go over the network, played as an attacker would:
//! servers that echo the token, URLs with passwords, proxies, names that
//! only look like loopback, expired tokens, slow servers, bad certificates,
//! and a shared cache whose entry was rewritten to point elsewhere.

use crate::support;

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::{Value, json};

use support::cli::{Run, home_env, jobcheck};
use support::{
    CENTER, RESOURCES, Recorder, Reply, Server, TOKENS, jwt, now_ms, secret_runs, workdir,
};

const SK: &str = "sk-trust-net-secret-0123456789";

fn token_for(cluster: &str, n: usize) -> String {
    jwt(&format!(
        r#"{{"user":"alice","clusterId":"{cluster}","expireTime":"{}","nonce":"n{n}-Zq8vX2pL7wR4tY9u"}}"#,
        now_ms() + 3 * 3600 * 1000
    ))
}

/// `jobcheck check -f json job.yaml ARGS` in `work` (also its home) with a
/// clean environment plus `env`.
fn run(work: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = jobcheck();
    cmd.current_dir(work)
        .args(["check", "-f", "json", "job.yaml"])
        .args(args)
        .envs(home_env(work))
        .envs(env.iter().copied());
    Run::of(cmd.output().unwrap())
}

fn files_text(dir: &Path) -> String {
    let mut all = String::new();
    for e in walk(dir) {
        all.push_str(&e.to_string_lossy());
        all.push_str(&String::from_utf8_lossy(
            &std::fs::read(&e).unwrap_or_default(),
        ));
    }
    all
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// No 12-character run of any of `secrets` in the run's output or under `dirs`.
fn assert_no_runs(secrets: &[String], run: &Run, dirs: &[&Path]) {
    let mut places = vec![("output".to_string(), run.all())];
    for d in dirs {
        places.push((d.display().to_string(), files_text(d)));
    }
    for secret in secrets {
        for (what, text) in &places {
            let runs = secret_runs(secret, text, 12);
            assert!(
                runs.is_empty(),
                "pieces of a secret in {what}: {runs:?}\n{text}"
            );
        }
    }
}

fn path_of(target: &str) -> &str {
    target.split('?').next().unwrap_or("")
}

// ---- 1. redaction before truncation ----

#[test]
fn a_center_service_echoing_the_token_after_200_characters_leaks_nothing() {
    let token = token_for("11250", 1);
    let echoed = token.clone();
    let server = Server::start(move |_| {
        Reply::json(
            json!({"code":"10001","msg":format!("{} token={echoed} rejected", "x".repeat(136))})
                .to_string(),
        )
    });
    let work = workdir();
    let cache = tempfile::tempdir().unwrap();
    let r = run(
        work.path(),
        &[],
        &[
            ("JOBCHECK_TOKEN", &token),
            ("JOBCHECK_AC_URL", &server.url()),
            ("JOBCHECK_CACHE_DIR", cache.path().to_str().unwrap()),
        ],
    );
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(r.stderr.contains("10001"), "{}", r.stderr);
    assert_no_runs(&[token], &r, &[cache.path()]);
}

#[test]
fn a_token_service_echoing_tokens_in_cluster_names_leaks_nothing() {
    let minted: Arc<std::sync::Mutex<Vec<String>>> = Arc::default();
    let m = minted.clone();
    let server = Server::start(move |req| {
        if path_of(&req.target) != TOKENS {
            return Reply::json(r#"{"code":"10009","msg":"no"}"#);
        }
        let mut m = m.lock().unwrap();
        let a = token_for("11250", m.len());
        let b = token_for("11276", m.len() + 1);
        m.push(a.clone());
        m.push(b.clone());
        Reply::json(
            json!({"code":"0","data":[
                {"clusterId":"11250","clusterName":format!("east {a} {b}"),"token":a},
                {"clusterId":"11276","clusterName":b,"token":b},
            ]})
            .to_string(),
        )
    });
    let work = workdir();
    let cache = tempfile::tempdir().unwrap();
    let r = run(
        work.path(),
        &[],
        &[
            ("JOBCHECK_USER", "alice"),
            ("JOBCHECK_ACCESS_KEY", "AKID0123456789"),
            ("JOBCHECK_SECRET_KEY", SK),
            ("JOBCHECK_AUTH_URL", &server.url()),
            ("JOBCHECK_AC_URL", &server.url()),
            ("JOBCHECK_CACHE_DIR", cache.path().to_str().unwrap()),
        ],
    );
    // Two regions and no choice: the clusters are listed.
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("11276"), "{}", r.stderr);
    let mut secrets = minted.lock().unwrap().clone();
    secrets.push(SK.to_string());
    assert_no_runs(&secrets, &r, &[cache.path()]);
}

// ---- 2. user information in URLs ----

#[test]
fn a_password_in_a_url_is_never_echoed() {
    let work = workdir();
    let token = token_for("11250", 1);
    for (endpoint, ac) in [
        ("http://user:hunter2pw@example.com", None),
        ("ftp://user:hunter2pw@example.com", None),
        ("https://user:hunter2pw@[not-a-host", None),
        ("https://user:hunter2pw@example.com", None),
        ("http://user:hunter2pw@127.0.0.1:1", None),
        ("", Some("http://user:hunter2pw@example.com")),
        ("", Some("https://user:hunter2pw@example.com")),
    ] {
        let mut env = vec![("JOBCHECK_TOKEN", token.as_str())];
        if !endpoint.is_empty() {
            env.push(("JOBCHECK_ENDPOINT", endpoint));
        }
        if let Some(ac) = ac {
            env.push(("JOBCHECK_AC_URL", ac));
        }
        let r = run(work.path(), &["--verbose"], &env);
        assert_eq!(r.code, 2, "{endpoint} {ac:?}: {}", r.stderr);
        assert!(!r.all().contains("hunter2pw"), "{}", r.all());
        assert!(!r.all().contains("user:"), "{}", r.all());
    }
}

#[test]
fn help_does_not_show_an_endpoint_with_a_password() {
    let work = workdir();
    for args in [&["check", "--help"][..], &["limits", "--help"][..]] {
        let out = jobcheck()
            .current_dir(work.path())
            .args(args)
            .env("JOBCHECK_ENDPOINT", "https://user:hunter2pw@example.com")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("--endpoint"), "{text}");
        assert!(!text.contains("hunter2pw"), "{text}");
    }
}

// ---- 3. no proxy for loopback ----

#[test]
fn proxies_are_never_used_for_loopback() {
    let proxy = Recorder::start();
    let server = Server::platform(vec![(
        "TeslaM40",
        json!({"cpuNumber":40,"gpuNumber":2,"memorySize":31888,"nodeNumber":1,"maxTime":"unlimited"}),
    )]);
    let work = workdir();
    let token = token_for("11250", 1);
    for host in ["127.0.0.1", "localhost"] {
        let endpoint = format!("http://{host}:{}", server.port);
        let before = server.count();
        let p = proxy.url();
        let r = run(
            work.path(),
            &["--refresh", "--endpoint", &endpoint],
            &[
                ("JOBCHECK_TOKEN", &token),
                ("http_proxy", &p),
                ("HTTP_PROXY", &p),
                ("https_proxy", &p),
                ("HTTPS_PROXY", &p),
                ("ALL_PROXY", &p),
                ("all_proxy", &p),
                ("NO_PROXY", ""),
            ],
        );
        assert_eq!(r.code, 0, "{host}: {}", r.all());
        assert_eq!(server.count(), before + 1, "{host}");
        assert_eq!(
            proxy.count(),
            0,
            "the proxy saw a loopback request ({host})"
        );
    }
}

#[test]
fn proxies_are_never_used_for_loopback_minting_and_discovery() {
    let proxy = Recorder::start();
    let (server, minted) = minting_platform();
    let work = workdir();
    let cache = tempfile::tempdir().unwrap();
    let (p, url) = (proxy.url(), server.url());
    let r = run(
        work.path(),
        &["--refresh"],
        &[
            ("JOBCHECK_USER", "alice"),
            ("JOBCHECK_ACCESS_KEY", "AKID0123456789"),
            ("JOBCHECK_SECRET_KEY", SK),
            ("JOBCHECK_AUTH_URL", &url),
            ("JOBCHECK_AC_URL", &url),
            ("JOBCHECK_CACHE_DIR", cache.path().to_str().unwrap()),
            ("http_proxy", &p),
            ("HTTPS_PROXY", &p),
            ("ALL_PROXY", &p),
        ],
    );
    assert_eq!(r.code, 0, "{}", r.all());
    // Minting, discovery and the limits.
    assert_eq!(server.count(), 3);
    assert_eq!(proxy.count(), 0, "the proxy saw a loopback request");
    let mut secrets = minted.lock().unwrap().clone();
    secrets.push(SK.to_string());
    assert_no_runs(&secrets, &r, &[cache.path()]);
}

// ---- 4. only literal loopback addresses and `localhost` ----

#[test]
fn names_under_localhost_are_not_loopback() {
    let work = workdir();
    let token = token_for("11250", 1);
    for endpoint in [
        "http://foo.localhost:1",
        "http://localhost.example.com:1",
        "http://127.0.0.1.nip.io:1",
    ] {
        let r = run(
            work.path(),
            &["--endpoint", endpoint],
            &[("JOBCHECK_TOKEN", &token)],
        );
        assert_eq!(r.code, 2, "{endpoint}: {}", r.stderr);
        assert!(r.stderr.contains("plain http"), "{}", r.stderr);
    }
}

// ---- 5. an expired token sends nothing ----

#[test]
fn an_expired_token_sends_nothing_not_even_discovery() {
    let server = Server::start(|_| Reply::json(r#"{"code":"0","data":{"aiUrls":[]}}"#));
    let expired = jwt(&format!(
        r#"{{"user":"alice","clusterId":"11250","expireTime":"{}"}}"#,
        now_ms() - 60_000
    ));
    let work = workdir();
    let cache = tempfile::tempdir().unwrap();
    let r = run(
        work.path(),
        &[],
        &[
            ("JOBCHECK_TOKEN", &expired),
            ("JOBCHECK_AC_URL", &server.url()),
            ("JOBCHECK_CACHE_DIR", cache.path().to_str().unwrap()),
        ],
    );
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(r.stderr.contains("expired"), "{}", r.stderr);
    assert_eq!(server.count(), 0, "a request left with an expired token");
}

// ---- 6. --timeout bounds the whole run ----

#[test]
fn timeout_bounds_minting_discovery_and_fetching_together() {
    // Each answer takes 1.2 s; minting, discovery and the limits take 3.6 s.
    let minted: Arc<std::sync::Mutex<Vec<String>>> = Arc::default();
    let m = minted.clone();
    let base: Arc<std::sync::OnceLock<String>> = Arc::default();
    let b = base.clone();
    let server = Server::start(move |req| {
        let reply = match path_of(&req.target) {
            TOKENS => {
                let t = token_for("11250", 0);
                m.lock().unwrap().push(t.clone());
                Reply::json(
                    json!({"code":"0","data":[{"clusterId":"11250","clusterName":"e","token":t}]})
                        .to_string(),
                )
            }
            CENTER => Reply::json(
                json!({"code":"0","data":{"aiUrls":[{"enable":"true","url":b.get().unwrap()}]}})
                    .to_string(),
            ),
            _ => Reply::json(r#"{"code":"0","data":{"cpuNumber":40}}"#),
        };
        Reply::Delay(Duration::from_millis(1200), Box::new(reply))
    });
    let _ = base.set(server.url());
    let work = workdir();
    let cache = tempfile::tempdir().unwrap();
    let r = run(
        work.path(),
        &["--timeout", "2"],
        &[
            ("JOBCHECK_USER", "alice"),
            ("JOBCHECK_ACCESS_KEY", "AKID0123456789"),
            ("JOBCHECK_SECRET_KEY", SK),
            ("JOBCHECK_AUTH_URL", &server.url()),
            ("JOBCHECK_AC_URL", &server.url()),
            ("JOBCHECK_CACHE_DIR", cache.path().to_str().unwrap()),
        ],
    );
    assert_eq!(r.code, 3, "{}", r.all());
    assert!(r.stderr.contains("timeout"), "{}", r.stderr);
    // One deadline for the three steps, not one each: the limits request
    // could only leave after discovery's answer, 2.4 s in (two answers of
    // 1.2 s), past the 2 s deadline, so it never reaches the server. With a
    // timeout per step every request would be made and the run would pass.
    let asked = |path: &str| {
        let requests = server.requests();
        requests
            .iter()
            .filter(|r| path_of(&r.target) == path)
            .count()
    };
    assert_eq!(asked(TOKENS), 1, "{}", r.all());
    assert!(asked(CENTER) <= 1, "{}", r.all());
    assert_eq!(server.count(), asked(TOKENS) + asked(CENTER), "{}", r.all());
    let mut secrets = minted.lock().unwrap().clone();
    secrets.push(SK.to_string());
    assert_no_runs(&secrets, &r, &[cache.path()]);
}

#[test]
fn timeout_bounds_retries_against_a_failing_server() {
    // 503 after 0.7 s each time: three attempts and two backoffs are over 2 s.
    let server = Server::start(|_| {
        Reply::Delay(
            Duration::from_millis(700),
            Box::new(Reply::Http(503, Vec::new(), "{}".into())),
        )
    });
    let work = workdir();
    let token = token_for("11250", 1);
    let r = run(
        work.path(),
        &["--timeout", "1.5", "--endpoint", &server.url()],
        &[("JOBCHECK_TOKEN", &token)],
    );
    assert_eq!(r.code, 3, "{}", r.all());
    // The deadline cut the retries short: the first answer comes at 0.7 s,
    // the second attempt leaves after a backoff of at least 250 ms and is
    // answered no sooner than 1.65 s, past the 1.5 s deadline, so a third
    // attempt is never made. Without the deadline there would be three.
    assert!((1..=2).contains(&server.count()), "{}", server.count());
}

// ---- 7. certificate errors ----

#[test]
fn a_certificate_error_is_not_retried_and_says_so() {
    let tls = support::self_signed_tls();
    let work = workdir();
    let token = token_for("11250", 1);
    let endpoint = format!("https://127.0.0.1:{}", tls.port);
    let r = run(
        work.path(),
        &["--endpoint", &endpoint, "--refresh"],
        &[("JOBCHECK_TOKEN", &token)],
    );
    assert_eq!(r.code, 3, "{}", r.all());
    assert!(r.all().contains("certificate"), "{}", r.all());
    assert!(!r.all().contains("gave up after"), "{}", r.all());
    assert_eq!(
        tls.count(),
        1,
        "a certificate error was retried: {}",
        r.all()
    );
    assert_no_runs(&[token], &r, &[]);
}

#[test]
fn plain_tcp_behind_https_fails_cleanly() {
    let plain = Recorder::start();
    let work = workdir();
    let token = token_for("11250", 1);
    let endpoint = format!("https://127.0.0.1:{}", plain.port);
    let r = run(
        work.path(),
        &["--endpoint", &endpoint, "--refresh"],
        &[("JOBCHECK_TOKEN", &token)],
    );
    assert_eq!(r.code, 3, "{}", r.all());
    assert!(plain.count() >= 1);
}

// Unix only: there the roots come from files (the ca-certificates package,
// SSL_CERT_FILE), which may be missing; Windows always has its own store.
#[cfg(unix)]
#[test]
fn no_ca_certificates_names_the_fix_and_loopback_http_still_works() {
    let empty = tempfile::tempdir().unwrap();
    let bundle = empty.path().join("none.pem");
    std::fs::write(&bundle, "").unwrap();
    let work = workdir();
    let token = token_for("11250", 1);
    let no_roots = [
        ("JOBCHECK_TOKEN", token.as_str()),
        ("SSL_CERT_FILE", bundle.to_str().unwrap()),
        ("SSL_CERT_DIR", empty.path().to_str().unwrap()),
    ];
    let r = run(
        work.path(),
        &["--endpoint", "https://127.0.0.1:9", "--refresh"],
        &no_roots,
    );
    assert_eq!(r.code, 3, "{}", r.all());
    assert!(
        r.stderr.contains("ca-certificates") && r.stderr.contains("SSL_CERT_FILE"),
        "{}",
        r.stderr
    );
    let server = Server::platform(vec![("TeslaM40", json!({"cpuNumber":40}))]);
    let r = run(
        work.path(),
        &["--endpoint", &server.url(), "--refresh"],
        &no_roots,
    );
    assert_eq!(r.code, 0, "{}", r.all());
}

// ---- 8. the sealed store ----

/// A platform that mints one region token per call and serves limits at
/// `{base}/c11250` to its tokens.
fn minting_platform() -> (Server, Arc<std::sync::Mutex<Vec<String>>>) {
    let minted: Arc<std::sync::Mutex<Vec<String>>> = Arc::default();
    let m = minted.clone();
    let base: Arc<std::sync::OnceLock<String>> = Arc::default();
    let b = base.clone();
    let server = Server::start(move |req| {
        let path = path_of(&req.target);
        let known = req
            .header("token")
            .is_some_and(|t| m.lock().unwrap().iter().any(|x| x == t));
        match path {
            TOKENS => {
                let mut m = m.lock().unwrap();
                let t = token_for("11250", m.len());
                m.push(t.clone());
                Reply::json(
                    json!({"code":"0","data":[{"clusterId":"11250","clusterName":"east","token":t}]})
                        .to_string(),
                )
            }
            CENTER if known => Reply::json(
                json!({"code":"0","data":{"aiUrls":[{"enable":"true","url":format!("{}/c11250", b.get().unwrap())}]}})
                    .to_string(),
            ),
            p if known && p == format!("/c11250{RESOURCES}") => {
                Reply::json(r#"{"code":"0","data":{"cpuNumber":40,"gpuNumber":2}}"#)
            }
            _ => Reply::json(r#"{"code":"10009","msg":"no"}"#),
        }
    });
    let _ = base.set(server.url());
    (server, minted)
}

/// Rewrite every credential entry's `aiUrl` in `cache` to `to`.
fn tamper_ai_url(cache: &Path, to: &str) -> usize {
    let mut n = 0;
    for path in walk(cache) {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let Ok(mut v) = serde_json::from_str::<Value>(&text) else {
            continue;
        };
        if v.get("aiUrl").is_some_and(|u| u.is_string()) {
            v["aiUrl"] = Value::String(to.to_string());
            std::fs::write(&path, v.to_string()).unwrap();
            n += 1;
        }
    }
    n
}

#[test]
fn a_rewritten_ai_url_in_a_minted_entry_gets_no_token() {
    let (server, minted) = minting_platform();
    let hostile = Server::start(|_| Reply::json(r#"{"code":"0","data":{"cpuNumber":5000}}"#));
    let work = workdir();
    let cache = tempfile::tempdir().unwrap();
    let url = server.url();
    let env = [
        ("JOBCHECK_USER", "alice"),
        ("JOBCHECK_ACCESS_KEY", "AKID0123456789"),
        ("JOBCHECK_SECRET_KEY", SK),
        ("JOBCHECK_AUTH_URL", url.as_str()),
        ("JOBCHECK_AC_URL", url.as_str()),
        ("JOBCHECK_CACHE_DIR", cache.path().to_str().unwrap()),
    ];
    let first = run(work.path(), &["--refresh"], &env);
    assert_eq!(first.code, 0, "{}", first.all());
    assert!(tamper_ai_url(cache.path(), &format!("{}/evil", hostile.url())) >= 1);
    let second = run(work.path(), &[], &env);
    assert_eq!(hostile.count(), 0, "the token went to the rewritten aiUrl");
    assert_eq!(second.code, 0, "{}", second.all());
    let mut secrets = minted.lock().unwrap().clone();
    secrets.push(SK.to_string());
    assert_no_runs(&secrets, &second, &[cache.path()]);
}

#[test]
fn a_rewritten_ai_url_in_a_discovery_entry_gets_no_token() {
    let (server, minted) = minting_platform();
    let token = token_for("11250", 99);
    minted.lock().unwrap().push(token.clone());
    let hostile = Server::start(|_| Reply::json(r#"{"code":"0","data":{"cpuNumber":5000}}"#));
    let work = workdir();
    let cache = tempfile::tempdir().unwrap();
    let url = server.url();
    let env = [
        ("JOBCHECK_TOKEN", token.as_str()),
        ("JOBCHECK_AC_URL", url.as_str()),
        ("JOBCHECK_CACHE_DIR", cache.path().to_str().unwrap()),
    ];
    let first = run(work.path(), &["--refresh"], &env);
    assert_eq!(first.code, 0, "{}", first.all());
    assert!(tamper_ai_url(cache.path(), &format!("{}/evil", hostile.url())) >= 1);
    let second = run(work.path(), &[], &env);
    assert_eq!(hostile.count(), 0, "the token went to the rewritten aiUrl");
    assert_eq!(second.code, 0, "{}", second.all());
    assert_no_runs(&[token], &second, &[cache.path()]);
}

#[test]
fn requests_counted_by_a_server_are_all_it_saw() {
    // The counting used above is sound: a request that is made is counted.
    let hits = Arc::new(AtomicUsize::new(0));
    let h = hits.clone();
    let server = Server::start(move |_| {
        h.fetch_add(1, Ordering::SeqCst);
        Reply::json(r#"{"code":"0","data":{"cpuNumber":40}}"#)
    });
    let work = workdir();
    let token = token_for("11250", 1);
    let r = run(
        work.path(),
        &["--endpoint", &server.url(), "--refresh"],
        &[("JOBCHECK_TOKEN", &token)],
    );
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(server.count(), 1);
    assert_eq!(hits.load(Ordering::SeqCst), 1);
}
