//! Access keys (AK/SK): minting tokens, discovering the AI address, and the
//! credential cache, against a local server that checks signatures the way
//! the platform does.

use crate::support;

use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use support::cli::{Run, jobcheck as command};
use support::{CENTER, RESOURCES, Reply, Request, Server, TOKENS, jwt, now_ms, workdir};

const USER: &str = "alice";
const AK: &str = "AKID0123456789abcdef";
const SK: &str = "sk-very-secret-0123456789abcdef";

/// What the fake platform knows and has handed out.
struct Platform {
    /// (clusterId, clusterName); "0" is the platform token.
    clusters: Vec<(&'static str, &'static str)>,
    /// How long tokens minted from now on live.
    token_life: Mutex<Duration>,
    /// The center lists no enabled AI address.
    no_ai_url: bool,
    /// Every token minted, with its cluster, oldest first.
    minted: Mutex<Vec<(String, String)>>,
    /// Tokens not minted here that the center and resources accept.
    also_valid: Vec<(String, String)>,
    base: OnceLock<String>,
}

impl Platform {
    fn new(clusters: Vec<(&'static str, &'static str)>) -> Platform {
        Platform {
            clusters,
            token_life: Mutex::new(Duration::from_secs(3 * 3600)),
            no_ai_url: false,
            minted: Mutex::new(Vec::new()),
            also_valid: Vec::new(),
            base: OnceLock::new(),
        }
    }

    fn cluster_of(&self, token: &str) -> Option<String> {
        let minted = self.minted.lock().unwrap();
        minted
            .iter()
            .chain(self.also_valid.iter())
            .find(|(t, _)| t == token)
            .map(|(_, c)| c.clone())
    }

    /// The platform's check: recompute the signature from the headers.
    fn signature_ok(req: &Request) -> bool {
        let (Some(user), Some(ak), Some(ts), Some(sig)) = (
            req.header("user"),
            req.header("accessKey"),
            req.header("timestamp"),
            req.header("signature"),
        ) else {
            return false;
        };
        let Ok(ts_secs) = ts.parse::<i64>() else {
            return false;
        };
        if (ts_secs * 1000 - now_ms()).abs() > 300_000 || user != USER || ak != AK {
            return false;
        }
        let text = format!(r#"{{"accessKey":"{ak}","timestamp":"{ts}","user":"{user}"}}"#);
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(SK.as_bytes()).unwrap();
        mac.update(text.as_bytes());
        let want: String = mac
            .finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        sig == want
    }

    fn answer(&self, req: &Request) -> Reply {
        let path = req.target.split('?').next().unwrap_or("");
        if path == TOKENS {
            if !Platform::signature_ok(req) {
                return Reply::json(
                    r#"{"code":"10009","msg":"signature verification failed","data":null}"#,
                );
            }
            let mut minted = self.minted.lock().unwrap();
            let life = *self.token_life.lock().unwrap();
            let expire = now_ms() + life.as_millis() as i64;
            let data: Vec<Value> = self
                .clusters
                .iter()
                .map(|(id, name)| {
                    let token = jwt(&format!(
                        r#"{{"user":"{USER}","clusterId":"{id}","expireTime":"{expire}","n":{}}}"#,
                        minted.len()
                    ));
                    minted.push((token.clone(), id.to_string()));
                    json!({"clusterName": name, "clusterId": id, "token": token})
                })
                .collect();
            return Reply::json(json!({"code":"0","msg":"success","data":data}).to_string());
        }
        let cluster = req.header("token").and_then(|t| self.cluster_of(t));
        if path == CENTER {
            let Some(cluster) = cluster else {
                return Reply::json(r#"{"code":"10008","msg":"token invalid"}"#);
            };
            let base = self.base.get().cloned().unwrap_or_default();
            let enable = if self.no_ai_url { "false" } else { "true" };
            return Reply::json(
                json!({"code":"0","msg":"success","data":{
                "hpcUrls":[{"enable":"true","url":format!("{base}/hpc")}],
                "aiUrls":[
                    {"enable":"false","url":"https://disabled.invalid"},
                    {"enable":enable,"url":format!("{base}/c{cluster}")}
                ]}})
                .to_string(),
            );
        }
        // The AI address of a cluster is /c{clusterId}: its token only.
        let Some((prefix, _)) = path.split_once(RESOURCES) else {
            return Reply::Http(404, Vec::new(), "{}".into());
        };
        if cluster.is_none_or(|c| format!("/c{c}") != prefix) {
            return Reply::json(r#"{"code":"10009","msg":"no permission"}"#);
        }
        Reply::json(
            json!({"code":"0","msg":"success","data":{"cpuNumber":40,"gpuNumber":2,"nvLimits":0,
                "dcuLimits":0,"mluLimits":0,"memorySize":31888,"resourceGroup":"TeslaM40",
                "nodeNumber":1,"maxTime":"unlimited"}})
            .to_string(),
        )
    }
}

fn start(platform: Platform) -> (Server, Arc<Platform>) {
    let platform = Arc::new(platform);
    let p = platform.clone();
    let server = Server::start(move |req| p.answer(req));
    let _ = platform.base.set(server.url());
    (server, platform)
}

fn count(server: &Server, path: &str) -> usize {
    server
        .requests()
        .iter()
        .filter(|r| r.target.split('?').next().unwrap_or("").ends_with(path))
        .count()
}

fn resources_requests(server: &Server) -> Vec<Request> {
    server
        .requests()
        .into_iter()
        .filter(|r| r.target.contains(RESOURCES))
        .collect()
}

fn jobcheck(server: &Server, work: &Path, cache: &Path, env: &[(&str, &str)]) -> Run {
    jobcheck_with(server, work, cache, env, &[])
}

fn jobcheck_with(
    server: &Server,
    work: &Path,
    cache: &Path,
    env: &[(&str, &str)],
    args: &[&str],
) -> Run {
    let mut cmd = command();
    cmd.current_dir(work)
        .args(["check", "-f", "json", "job.yaml"])
        .args(args)
        .env("JOBCHECK_AUTH_URL", server.url())
        .env("JOBCHECK_AC_URL", server.url())
        .env("JOBCHECK_CACHE_DIR", cache)
        .envs(env.iter().copied());
    Run::of(cmd.output().unwrap())
}

const AKSK: [(&str, &str); 3] = [
    ("JOBCHECK_USER", USER),
    ("JOBCHECK_ACCESS_KEY", AK),
    ("JOBCHECK_SECRET_KEY", SK),
];

fn with<'a>(extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    AKSK.iter().copied().chain(extra.iter().copied()).collect()
}

fn verdict(run: &Run) -> String {
    let v: Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", run.stdout, run.stderr));
    v["jobs"][0]["verdict"].as_str().unwrap_or("").to_string()
}

/// Every cache file's name and text.
fn cache_text(dir: &Path) -> String {
    let mut all = String::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        all.push_str(&e.file_name().to_string_lossy());
        all.push_str(&String::from_utf8_lossy(
            &std::fs::read(e.path()).unwrap_or_default(),
        ));
    }
    all
}

/// Neither the secret key nor any token (nor a token's payload) shows.
fn assert_no_secrets(platform: &Platform, run: &Run, cache: &Path) {
    let minted = platform.minted.lock().unwrap().clone();
    for (what, text) in [
        ("stdout", run.stdout.as_str()),
        ("stderr", run.stderr.as_str()),
        ("cache", cache_text(cache).as_str()),
    ] {
        assert!(!text.contains(SK), "the secret key is in {what}: {text}");
        for (token, _) in &minted {
            let payload = token.split('.').nth(1).unwrap();
            assert!(!text.contains(token.as_str()), "a token is in {what}");
            assert!(!text.contains(payload), "a token's payload is in {what}");
        }
    }
}

fn minted_for(platform: &Platform, cluster: &str) -> Vec<String> {
    let minted = platform.minted.lock().unwrap();
    minted
        .iter()
        .filter(|(_, c)| c == cluster)
        .map(|(t, _)| t.clone())
        .collect()
}

fn two_regions() -> Vec<(&'static str, &'static str)> {
    vec![
        ("0", "SCNet platform"),
        ("11250", "华东一区【昆山】"),
        ("11276", "Northwest-1"),
    ]
}

#[test]
fn mints_once_discovers_once_then_reuses_both() {
    let (server, platform) = start(Platform::new(vec![
        ("0", "SCNet platform"),
        ("11250", "华东一区【昆山】"),
    ]));
    let work = workdir();
    let cache = tempfile::tempdir().unwrap();
    let run = jobcheck(&server, work.path(), cache.path(), &AKSK);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(verdict(&run), "admitted");
    assert_eq!(count(&server, TOKENS), 1);
    assert_eq!(count(&server, CENTER), 1);
    let asked = resources_requests(&server);
    assert_eq!(asked.len(), 1);
    let token = minted_for(&platform, "11250");
    assert_eq!(asked[0].header("token"), Some(token[0].as_str()));
    assert!(asked[0].target.starts_with(&format!("/c11250{RESOURCES}")));
    // The platform token ("0") went nowhere.
    let center = server.requests();
    let center = center.iter().find(|r| r.target == CENTER).unwrap();
    assert_eq!(center.header("token"), Some(token[0].as_str()));
    assert_no_secrets(&platform, &run, cache.path());
    #[cfg(unix)]
    for e in std::fs::read_dir(cache.path()).unwrap().flatten() {
        use std::os::unix::fs::PermissionsExt;
        let mode = e.metadata().unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{:?}", e.file_name());
    }

    // Next run: the token and the address come from the cache; the limits
    // are fetched again (TTL 0) with the cached token.
    let run = jobcheck(
        &server,
        work.path(),
        cache.path(),
        &with(&[("JOBCHECK_CACHE_TTL", "0")]),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(count(&server, TOKENS), 1, "no second mint");
    assert_eq!(count(&server, CENTER), 1, "no second discovery");
    let asked = resources_requests(&server);
    assert_eq!(asked.len(), 2);
    assert_eq!(asked[1].header("token"), Some(token[0].as_str()));
    assert_no_secrets(&platform, &run, cache.path());

    // --refresh mints and discovers again.
    let run = jobcheck_with(&server, work.path(), cache.path(), &AKSK, &["--refresh"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(count(&server, TOKENS), 2);
    assert_eq!(count(&server, CENTER), 2);
    let asked = resources_requests(&server);
    assert_eq!(asked.len(), 3);
    assert_eq!(
        asked[2].header("token"),
        minted_for(&platform, "11250").last().map(String::as_str)
    );
    // --offline reuses the cached token and address, sending nothing.
    let before = server.count();
    let run = jobcheck_with(&server, work.path(), cache.path(), &AKSK, &["--offline"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(server.count(), before);
    assert_no_secrets(&platform, &run, cache.path());
}

#[test]
fn wrong_secret_is_exit_3_naming_10009_and_leaks_nothing() {
    let (server, platform) = start(Platform::new(two_regions()));
    let work = workdir();
    let cache = tempfile::tempdir().unwrap();
    let wrong = "sk-wrong-secret-value-9876543210";
    let run = jobcheck(
        &server,
        work.path(),
        cache.path(),
        &with(&[("JOBCHECK_SECRET_KEY", wrong)]),
    );
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(run.stderr.contains("10009"), "{}", run.stderr);
    assert!(run.stderr.contains("JOBCHECK_SECRET_KEY"), "{}", run.stderr);
    assert!(!run.stderr.contains(wrong) && !run.stdout.contains(wrong));
    assert_no_secrets(&platform, &run, cache.path());
    assert_eq!(count(&server, TOKENS), 1);
    assert_eq!(
        count(&server, CENTER) + resources_requests(&server).len(),
        0
    );
    assert!(cache_text(cache.path()).is_empty(), "nothing cached");
}

#[test]
fn cluster_by_id_by_name_and_from_jobcheck_toml() {
    let (server, platform) = start(Platform::new(two_regions()));
    let work = workdir();
    let cache = tempfile::tempdir().unwrap();
    // Each run fetches the limits (TTL 0), so each shows its cluster's
    // address and token.
    let check = |cluster: Option<&str>, want: &str| {
        let mut env = with(&[("JOBCHECK_CACHE_TTL", "0")]);
        if let Some(c) = cluster {
            env.push(("JOBCHECK_CLUSTER", c));
        }
        let run = jobcheck(&server, work.path(), cache.path(), &env);
        assert_eq!(run.code, 0, "{cluster:?}: {}", run.stderr);
        let last = resources_requests(&server).pop().unwrap();
        assert!(
            last.target.starts_with(&format!("/c{want}/")),
            "{cluster:?}: {}",
            last.target
        );
        assert_eq!(
            last.header("token"),
            minted_for(&platform, want).last().map(String::as_str)
        );
        assert_no_secrets(&platform, &run, cache.path());
    };
    check(Some("11276"), "11276");
    check(Some("华东一区【昆山】"), "11250");
    // `cluster` in jobcheck.toml, by name in any case; the environment wins.
    std::fs::write(
        work.path().join("jobcheck.toml"),
        "cluster = \"northwest-1\"\n",
    )
    .unwrap();
    check(None, "11276");
    check(Some("11250"), "11250");
}

#[test]
fn several_regions_without_a_choice_list_them() {
    let (server, platform) = start(Platform::new(two_regions()));
    let work = workdir();
    let cache = tempfile::tempdir().unwrap();
    let run = jobcheck(&server, work.path(), cache.path(), &AKSK);
    assert_eq!(run.code, 2, "{}", run.stderr);
    for want in [
        "JOBCHECK_CLUSTER",
        "华东一区【昆山】 (id 11250)",
        "Northwest-1 (id 11276)",
    ] {
        assert!(run.stderr.contains(want), "{want}: {}", run.stderr);
    }
    assert_no_secrets(&platform, &run, cache.path());
    assert_eq!(count(&server, CENTER), 0);

    let run = jobcheck(
        &server,
        work.path(),
        cache.path(),
        &with(&[("JOBCHECK_CLUSTER", "Atlantis")]),
    );
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("`Atlantis`") && run.stderr.contains("11276"));
    assert_no_secrets(&platform, &run, cache.path());
}

#[test]
fn an_expiring_token_is_minted_again() {
    let p = Platform::new(vec![("0", "platform"), ("11250", "East")]);
    // A token is renewed 5 minutes before it expires. The first token lives
    // 4 minutes, so it is expiring from the start: no clock has to move, and
    // no run has to be fast, for the next run to mint again. The tokens
    // after it live 3 hours, fresh for every run of the test.
    *p.token_life.lock().unwrap() = Duration::from_secs(4 * 60);
    let (server, platform) = start(p);
    let work = workdir();
    let cache = tempfile::tempdir().unwrap();
    let env = with(&[("JOBCHECK_CACHE_TTL", "0")]);
    let run = jobcheck(&server, work.path(), cache.path(), &env);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(count(&server, TOKENS), 1);
    *platform.token_life.lock().unwrap() = Duration::from_secs(3 * 3600);
    let run = jobcheck(&server, work.path(), cache.path(), &env);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(count(&server, TOKENS), 2, "minted again");
    let run = jobcheck(&server, work.path(), cache.path(), &env);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(count(&server, TOKENS), 2, "still fresh");
    assert_eq!(count(&server, CENTER), 2, "discovered with the new token");
    let tokens = minted_for(&platform, "11250");
    assert_eq!(tokens.len(), 2);
    let asked = resources_requests(&server);
    assert_eq!(asked.len(), 3);
    assert_eq!(asked[0].header("token"), Some(tokens[0].as_str()));
    assert_eq!(asked[1].header("token"), Some(tokens[1].as_str()));
    assert_eq!(asked[2].header("token"), Some(tokens[1].as_str()));
    assert_no_secrets(&platform, &run, cache.path());
}

#[test]
fn a_given_token_discovers_the_address_once() {
    let token = jwt(r#"{"user":"bob","clusterId":"11250","expireTime":"4102444800000"}"#);
    let mut p = Platform::new(vec![]);
    p.also_valid = vec![(token.clone(), "11250".into())];
    let (server, _platform) = start(p);
    let work = workdir();
    let cache = tempfile::tempdir().unwrap();
    let env = [("JOBCHECK_TOKEN", token.as_str())];
    for _ in 0..2 {
        let run = jobcheck(&server, work.path(), cache.path(), &env);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert!(!cache_text(cache.path()).contains(&token));
    }
    assert_eq!(count(&server, CENTER), 1);
    assert_eq!(count(&server, TOKENS), 0);
    let asked = resources_requests(&server);
    assert_eq!(asked.len(), 1);
    assert_eq!(asked[0].header("token"), Some(token.as_str()));
    assert!(asked[0].target.starts_with("/c11250/"));
}

#[test]
fn discovery_failure_is_exit_3_naming_the_cause() {
    let mut p = Platform::new(vec![("0", "platform"), ("11250", "East")]);
    p.no_ai_url = true;
    let (server, platform) = start(p);
    let work = workdir();
    let cache = tempfile::tempdir().unwrap();
    let run = jobcheck(&server, work.path(), cache.path(), &AKSK);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(
        run.stderr.contains("no enabled AI address") && run.stderr.contains("--endpoint"),
        "{}",
        run.stderr
    );
    assert_no_secrets(&platform, &run, cache.path());
    // An unknown token at the center: its code is named.
    let run = jobcheck(
        &server,
        work.path(),
        cache.path(),
        &[("JOBCHECK_TOKEN", "opaque-unknown-token")],
    );
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(run.stderr.contains("10008"), "{}", run.stderr);
    assert!(!run.stderr.contains("opaque-unknown-token"));
}

#[test]
fn without_any_credential_or_with_half_an_access_key() {
    let (server, _platform) = start(Platform::new(two_regions()));
    let work = workdir();
    let cache = tempfile::tempdir().unwrap();
    let run = jobcheck(&server, work.path(), cache.path(), &[]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("no limits"), "{}", run.stderr);
    // Secrets withheld by CI (a pull request from a fork) arrive empty.
    let empty = [
        ("JOBCHECK_USER", ""),
        ("JOBCHECK_ACCESS_KEY", ""),
        ("JOBCHECK_SECRET_KEY", ""),
    ];
    let run = jobcheck(&server, work.path(), cache.path(), &empty);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("no limits"), "{}", run.stderr);
    let run = jobcheck(
        &server,
        work.path(),
        cache.path(),
        &[("JOBCHECK_USER", USER), ("JOBCHECK_ACCESS_KEY", AK)],
    );
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("JOBCHECK_SECRET_KEY not set"),
        "{}",
        run.stderr
    );
    // Plain http to a non-loopback host is refused before anything is sent.
    let run = jobcheck(
        &server,
        work.path(),
        cache.path(),
        &with(&[("JOBCHECK_AUTH_URL", "http://auth.example.invalid")]),
    );
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("plain http://"), "{}", run.stderr);
    assert_eq!(server.count(), 0);
}
