//! `jobcheck lsp` driven over stdio as an editor drives it: Content-Length
//! framed JSON-RPC in, notifications and answers out. Every wait is bounded,
//! so a hung server fails a test instead of hanging it.

use crate::support;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// A hang guard, not a deadline: how long a test waits for one message
/// before it kills the server and fails.
const WAIT: Duration = support::cli::HANG_GUARD;

pub struct Client {
    child: Child,
    stdin: Option<ChildStdin>,
    incoming: Receiver<Value>,
    backlog: Vec<Value>,
    next_id: i64,
}

fn read_frame(out: &mut impl BufRead) -> Option<Value> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if out.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(n) = line.strip_prefix("Content-Length: ") {
            length = n.parse::<usize>().ok();
        }
    }
    let mut body = vec![0; length?];
    out.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

/// The binary in `dir`, with `dir` as home and `dir/xdg` as the user's
/// configuration home.
fn in_project(dir: &Path) -> Command {
    let mut cmd = support::cli::command();
    cmd.current_dir(dir)
        .envs(support::cli::home_env(dir))
        .env("XDG_CONFIG_HOME", dir.join("xdg"));
    cmd
}

impl Client {
    /// A server in `dir`, initialized with `dir` as the workspace.
    pub fn ready(dir: &Path) -> Client {
        let mut c = Client::start(dir, &[]);
        c.initialize(dir, None);
        c
    }

    pub fn start(dir: &Path, env: &[(&str, &str)]) -> Client {
        let mut cmd = in_project(dir);
        cmd.arg("lsp")
            .env("JOBCHECK_CACHE_DIR", dir.join("cache"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .envs(env.iter().copied());
        let mut child = cmd.spawn().expect("start jobcheck lsp");
        let stdin = child.stdin.take();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let (send, incoming) = channel();
        std::thread::spawn(move || {
            while let Some(v) = read_frame(&mut stdout) {
                if send.send(v).is_err() {
                    return;
                }
            }
        });
        Client {
            child,
            stdin,
            incoming,
            backlog: Vec::new(),
            next_id: 1,
        }
    }

    pub fn send_raw(&mut self, bytes: &[u8]) {
        let stdin = self.stdin.as_mut().unwrap();
        stdin.write_all(bytes).unwrap();
        stdin.flush().unwrap();
    }

    pub fn send(&mut self, message: Value) {
        let body = message.to_string();
        self.send_raw(format!("Content-Length: {}\r\n\r\n{body}", body.len()).as_bytes());
    }

    pub fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// Send a request and wait for its answer.
    pub fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        self.wait_for(WAIT, |m| m["id"] == json!(id) && m.get("method").is_none())
    }

    /// The first message (already received or to come) that `pred` accepts.
    pub fn wait_for(&mut self, within: Duration, pred: impl Fn(&Value) -> bool) -> Value {
        if let Some(i) = self.backlog.iter().position(&pred) {
            return self.backlog.remove(i);
        }
        let deadline = Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.incoming.recv_timeout(left) {
                Ok(m) if pred(&m) => return m,
                Ok(m) => self.backlog.push(m),
                Err(RecvTimeoutError::Timeout) => {
                    let _ = self.child.kill();
                    panic!("no such message within {within:?}; got {:#?}", self.backlog)
                }
                Err(RecvTimeoutError::Disconnected) => {
                    panic!("the server closed its output; got {:#?}", self.backlog)
                }
            }
        }
    }

    /// The next diagnostics published for `uri` at `version`.
    pub fn diagnostics(&mut self, uri: &str, version: i64) -> Vec<Value> {
        let m = self.wait_for(WAIT, |m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == uri
                && m["params"]["version"] == version
        });
        m["params"]["diagnostics"].as_array().unwrap().clone()
    }

    pub fn initialize(&mut self, root: &Path, encodings: Option<&[&str]>) -> Value {
        self.initialize_with(root, encodings, Value::Null)
    }

    pub fn initialize_with(
        &mut self,
        root: &Path,
        encodings: Option<&[&str]>,
        options: Value,
    ) -> Value {
        let mut general = json!({});
        if let Some(e) = encodings {
            general = json!({"positionEncodings": e});
        }
        let root_uri = file_uri(root);
        let answer = self.request(
            "initialize",
            json!({
                "processId": null,
                "rootUri": root_uri,
                "capabilities": {"general": general},
                "workspaceFolders": [{"uri": root_uri, "name": "w"}],
                "initializationOptions": options,
            }),
        );
        self.notify("initialized", json!({}));
        answer
    }

    pub fn open(&mut self, uri: &str, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": text}}),
        );
    }

    pub fn change(&mut self, uri: &str, version: i64, text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version},
                   "contentChanges": [{"text": text}]}),
        );
    }

    /// `shutdown`, then `exit`: the exit code.
    pub fn shutdown(mut self) -> i32 {
        let answer = self.request("shutdown", Value::Null);
        assert_eq!(answer["result"], Value::Null, "{answer}");
        assert!(answer.get("error").is_none(), "{answer}");
        self.notify("exit", Value::Null);
        self.exit_code()
    }

    pub fn exit_code(mut self) -> i32 {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code().unwrap_or(-1);
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("the server did not exit");
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const LIMITS: &str = "- resourceGroup: TeslaM40\n  acceleratorType: gpu\n  cpuNumber: 16\n  \
                      gpuNumber: 4\n  memorySize: 65536\n  nodeNumber: 2\n  maxTime: \"48:00:00\"\n";

/// A limit violation (cpus 64 > 16) after CJK and emoji on the same line.
const JOB: &str = "{name: 训练任务🚀, resourceGroup: TeslaM40, cpus: 64, gpus: 1, memory: 8G, walltime: \"1:00:00\"}\n";

/// A server in `dir`, initialized, whose limits come from `platform` (with
/// a good token, returned too).
fn on_platform(dir: &Path, platform: &support::Server) -> (Client, String) {
    let token = support::good_token();
    let mut c = Client::start(
        dir,
        &[
            ("JOBCHECK_ENDPOINT", &platform.url()),
            ("JOBCHECK_TOKEN", &token),
        ],
    );
    c.initialize(dir, None);
    (c, token)
}

/// A project whose jobcheck.toml names a limits file.
fn project() -> tempfile::TempDir {
    project_with("limits = \"limits.yaml\"\n")
}

/// A project with `limits.yaml` and this `jobcheck.toml`.
fn project_with(config: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("limits.yaml"), LIMITS).unwrap();
    std::fs::write(dir.path().join("jobcheck.toml"), config).unwrap();
    dir
}

fn uri(dir: &Path, name: &str) -> String {
    format!("{}/{name}", file_uri(dir))
}

/// The `file:` URI of a directory, as an editor sends it.
fn file_uri(path: &Path) -> String {
    if cfg!(windows) {
        // `C:\dir` is `file:///C:/dir`.
        format!("file:///{}", path.display().to_string().replace('\\', "/"))
    } else {
        format!("file://{}", path.display())
    }
}

fn by_code<'a>(diags: &'a [Value], code: &str) -> Option<&'a Value> {
    diags.iter().find(|d| d["code"] == code)
}

fn range(line: u64, start: u64, end: u64) -> Value {
    json!({"start": {"line": line, "character": start}, "end": {"line": line, "character": end}})
}

#[test]
fn diagnostics_hover_completion_code_action_in_utf16_then_a_clean_exit() {
    let dir = project();
    let mut c = Client::start(dir.path(), &[]);
    let init = c.initialize(dir.path(), None);
    assert_eq!(init["result"]["capabilities"]["positionEncoding"], "utf-16");
    let job = uri(dir.path(), "job.yaml");
    c.open(&job, JOB);
    let diags = c.diagnostics(&job, 1);
    let cpus = by_code(&diags, "cpus-over-limit").unwrap_or_else(|| panic!("{diags:#?}"));
    // `64` is at characters 45..47; the rocket counts twice in UTF-16.
    assert_eq!(cpus["range"], range(0, 46, 48));
    assert_eq!(cpus["severity"], 1);
    assert_eq!(cpus["source"], "jobcheck");
    assert_eq!(
        cpus["codeDescription"]["href"],
        "jobcheck-explain:cpus-over-limit"
    );
    let message = cpus["message"].as_str().unwrap();
    assert!(
        message.starts_with("cpus 64 exceeds the group's 16 cores per node"),
        "{message}"
    );
    assert!(
        message.contains("help: use at most 16 cores per node"),
        "{message}"
    );

    // The code's text.
    let explained = c.request("jobcheck/explain", json!({"code": "cpus-over-limit"}));
    assert!(
        explained["result"].as_str().unwrap().contains("cpus"),
        "{explained}"
    );

    // A quick fix: 64 → 16, at the same UTF-16 range.
    let actions = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": job}, "range": range(0, 47, 47),
               "context": {"diagnostics": []}}),
    );
    let actions = actions["result"].as_array().unwrap().clone();
    let fix = actions
        .iter()
        .find(|a| a["diagnostics"][0]["code"] == "cpus-over-limit")
        .unwrap_or_else(|| panic!("{actions:#?}"));
    assert_eq!(fix["kind"], "quickfix");
    let edits = &fix["edit"]["changes"][&job];
    assert_eq!(
        edits,
        &json!([{"range": range(0, 46, 48), "newText": "16"}])
    );

    // Hover on the value: how it was read, the limit, the headroom.
    let hover = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": job}, "position": {"line": 0, "character": 47}}),
    );
    let text = hover["result"]["contents"]["value"].as_str().unwrap();
    assert!(text.contains("**cpus**"), "{text}");
    assert!(text.contains("limit 16"), "{text}");
    assert!(text.contains("over the limit by 48"), "{text}");
    assert_eq!(hover["result"]["range"], range(0, 46, 48));
    let hover = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": job}, "position": {"line": 0, "character": 68}}),
    );
    let text = hover["result"]["contents"]["value"].as_str().unwrap();
    assert!(text.contains("**memory**"), "{text}");
    assert!(text.contains("8G (8192 MiB)"), "{text}");
    assert!(text.contains("headroom **57344 MiB**"), "{text}");

    // Change it to clear the diagnostic.
    c.change(&job, 2, &JOB.replace("cpus: 64", "cpus: 8"));
    let diags = c.diagnostics(&job, 2);
    assert!(by_code(&diags, "cpus-over-limit").is_none(), "{diags:#?}");

    // Completion: values after a key, keys on an empty line.
    let other = uri(dir.path(), "other.yaml");
    c.open(&other, "resourceGroup: \nacceleratorType: \n\n");
    let labels = |answer: Value| -> Vec<String> {
        answer["result"]
            .as_array()
            .unwrap_or_else(|| panic!("{answer}"))
            .iter()
            .map(|i| i["label"].as_str().unwrap().to_string())
            .collect()
    };
    let at = |line: u64, character: u64| json!({"textDocument": {"uri": other}, "position": {"line": line, "character": character}});
    let groups = labels(c.request("textDocument/completion", at(0, 15)));
    assert_eq!(groups, ["TeslaM40"]);
    let types = labels(c.request("textDocument/completion", at(1, 17)));
    assert_eq!(types, ["gpu", "dcu", "mlu", "cpu"]);
    let keys = c.request("textDocument/completion", at(2, 0));
    let names = labels(keys.clone());
    assert!(names.contains(&"cpus".to_string()), "{names:?}");
    assert!(names.contains(&"walltime".to_string()), "{names:?}");
    assert!(!names.contains(&"resourceGroup".to_string()), "{names:?}");
    let cpus = keys["result"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["label"] == "cpus")
        .unwrap();
    assert_eq!(cpus["insertText"], "cpus: ");
    assert!(!cpus["documentation"]["value"].as_str().unwrap().is_empty());

    assert_eq!(c.shutdown(), 0);
}

#[test]
fn utf8_is_used_when_the_client_offers_it() {
    let dir = project();
    let mut c = Client::start(dir.path(), &[]);
    let init = c.initialize(dir.path(), Some(&["utf-8", "utf-16"]));
    assert_eq!(init["result"]["capabilities"]["positionEncoding"], "utf-8");
    let job = uri(dir.path(), "job.yaml");
    c.open(&job, JOB);
    let diags = c.diagnostics(&job, 1);
    let cpus = by_code(&diags, "cpus-over-limit").unwrap();
    // 45 characters, four of 3 bytes and one of 4: byte 56.
    assert_eq!(cpus["range"], range(0, 56, 58));
    assert_eq!(c.shutdown(), 0);
}

#[test]
fn a_hanging_endpoint_does_not_delay_structural_diagnostics() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    // Accept and never answer.
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in listener.incoming().flatten() {
            held.push(s);
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let endpoint = format!("http://127.0.0.1:{port}");
    let token = support::good_token();
    let mut c = Client::start(
        dir.path(),
        &[
            ("JOBCHECK_ENDPOINT", &endpoint),
            ("JOBCHECK_TOKEN", &token),
            ("JOBCHECK_TIMEOUT", "3600"),
        ],
    );
    c.initialize(dir.path(), None);
    let job = uri(dir.path(), "job.yaml");
    c.open(&job, "resourceGroup: TeslaM40\ncpus: many\nmemory: 8G\n");
    let diags = c.diagnostics(&job, 1);
    let invalid = by_code(&diags, "invalid-value").unwrap_or_else(|| panic!("{diags:#?}"));
    assert_eq!(invalid["range"], range(1, 6, 10));
    // Published while the fetch is still pending (the hover below says so:
    // the listener never answers, so the fetch can only end at its one-hour
    // timeout), not after it: ordered by events, not timed.
    // The server still answers while the limits are being fetched.
    let hover = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": job}, "position": {"line": 2, "character": 9}}),
    );
    let text = hover["result"]["contents"]["value"].as_str().unwrap();
    assert!(text.contains("being fetched"), "{text}");
    c.change(&job, 2, "resourceGroup: TeslaM40\ncpus: 4\nmemory: 8G\n");
    let diags = c.diagnostics(&job, 2);
    assert!(diags.is_empty(), "{diags:#?}");
    let hover = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": job}, "position": {"line": 2, "character": 9}}),
    );
    let text = hover["result"]["contents"]["value"].as_str().unwrap();
    assert!(text.contains("being fetched"), "still pending: {text}");
    assert_eq!(c.shutdown(), 0);
}

#[test]
fn limits_from_the_platform_are_published_when_they_arrive() {
    let server = support::Server::platform(vec![(
        "TeslaM40",
        json!({"resourceGroup": "TeslaM40", "cpuNumber": 16, "gpuNumber": 4, "nvLimits": 0,
               "memorySize": 65536, "nodeNumber": 1, "maxTime": "48:00:00"}),
    )]);
    let dir = tempfile::tempdir().unwrap();
    let (mut c, token) = on_platform(dir.path(), &server);
    let job = uri(dir.path(), "job.yaml");
    c.open(
        &job,
        "resourceGroup: TeslaM40\ncpus: 64\nmemory: 8G\nwalltime: 1:00:00\n",
    );
    // First without limits, then again with them.
    let first = c.diagnostics(&job, 1);
    assert!(by_code(&first, "cpus-over-limit").is_none(), "{first:#?}");
    let then = c.diagnostics(&job, 1);
    let cpus = by_code(&then, "cpus-over-limit").unwrap_or_else(|| panic!("{then:#?}"));
    assert_eq!(cpus["range"], range(1, 6, 8));
    assert_eq!(server.count(), 1);
    assert_eq!(c.shutdown(), 0);

    // A new session completes the group from the cache, asking nothing.
    let env = [
        ("JOBCHECK_ENDPOINT", server.url()),
        ("JOBCHECK_TOKEN", token),
    ];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let mut c = Client::start(dir.path(), &env);
    c.initialize(dir.path(), None);
    let other = uri(dir.path(), "other.yaml");
    c.open(&other, "resourceGroup: \n");
    let items = c.request(
        "textDocument/completion",
        json!({"textDocument": {"uri": other}, "position": {"line": 0, "character": 15}}),
    );
    assert_eq!(items["result"][0]["label"], "TeslaM40", "{items}");
    assert_eq!(server.count(), 1);
    assert_eq!(c.shutdown(), 0);
}

#[test]
fn malformed_messages_are_answered_with_errors() {
    let dir = project();
    let mut c = Client::start(dir.path(), &[]);
    // Before initialize: not initialized.
    let early = c.request("textDocument/hover", json!({}));
    assert_eq!(early["error"]["code"], -32002, "{early}");
    let bad_init = c.request("initialize", json!(3));
    assert_eq!(bad_init["error"]["code"], -32602, "{bad_init}");
    // Capabilities of a newer or odder client do not fail the handshake.
    let init = c.request(
        "initialize",
        json!({"processId": "not a number", "rootUri": file_uri(dir.path()),
               "capabilities": {"general": {"positionEncodings": [7, "utf-32"]},
                                "textDocument": {"completion": {"completionItem":
                                    {"snippetSupport": "maybe"}}},
                                "experimental": {"x": [null]}}}),
    );
    assert_eq!(
        init["result"]["capabilities"]["positionEncoding"], "utf-32",
        "{init}"
    );
    let again = c.request("initialize", json!({}));
    assert_eq!(again["error"]["code"], -32600, "{again}");
    c.send_raw(b"Content-Length: 9\r\n\r\n{not json");
    let parse = c.wait_for(WAIT, |m| m["error"]["code"] == -32700);
    assert_eq!(parse["id"], Value::Null);
    c.send(json!({"jsonrpc": "2.0", "id": 99, "method": 5}));
    let invalid = c.wait_for(WAIT, |m| m["id"] == 99);
    assert_eq!(invalid["error"]["code"], -32600, "{invalid}");
    let unknown = c.request("textDocument/rename", json!({}));
    assert_eq!(unknown["error"]["code"], -32601, "{unknown}");
    let bad = c.request("textDocument/hover", json!({"textDocument": 3}));
    assert_eq!(bad["error"]["code"], -32602, "{bad}");
    // Notifications with bad params are dropped; the server still works.
    c.notify("textDocument/didOpen", json!({"textDocument": "nope"}));
    c.notify("textDocument/didChange", json!(null));
    let job = uri(dir.path(), "job.yaml");
    c.open(&job, JOB);
    assert!(by_code(&c.diagnostics(&job, 1), "cpus-over-limit").is_some());
    assert_eq!(c.shutdown(), 0);
}

#[test]
fn requests_after_shutdown_are_refused_and_exit_without_shutdown_is_1() {
    let dir = project();
    let mut c = Client::ready(dir.path());
    c.notify("exit", Value::Null);
    assert_eq!(c.exit_code(), 1);

    let mut c = Client::ready(dir.path());
    let done = c.request("shutdown", Value::Null);
    assert_eq!(done["result"], Value::Null);
    let after = c.request("textDocument/hover", json!({}));
    assert_eq!(after["error"]["code"], -32600, "{after}");
    c.notify("exit", Value::Null);
    assert_eq!(c.exit_code(), 0);

    // The input closing without `exit` is the same as exiting without a shutdown.
    let mut c = Client::ready(dir.path());
    c.stdin = None;
    assert_eq!(c.exit_code(), 1);
}

#[test]
fn a_policy_cap_points_into_jobcheck_toml_and_changed_settings_recheck() {
    let dir = project_with("limits = \"limits.yaml\"\n\n[policy.TeslaM40]\ncpus = 8\n");
    let mut c = Client::ready(dir.path());
    let job = uri(dir.path(), "job.yaml");
    let text = "resourceGroup: TeslaM40\ncpus: 12\ngpus: 1\nmemory: 8G\nwalltime: 1:00:00\n";
    c.open(&job, text);
    let diags = c.diagnostics(&job, 1);
    let cpus = by_code(&diags, "cpus-over-limit").unwrap_or_else(|| panic!("{diags:#?}"));
    assert_eq!(cpus["range"], range(1, 6, 8));
    let related = &cpus["relatedInformation"][0];
    assert_eq!(related["location"]["uri"], uri(dir.path(), "jobcheck.toml"));
    assert_eq!(related["location"]["range"], range(3, 7, 8));
    assert_eq!(related["message"], "local policy cap");

    // The cap goes, the platform's 16 stays: saving jobcheck.toml rechecks.
    std::fs::write(
        dir.path().join("jobcheck.toml"),
        "limits = \"limits.yaml\"\n",
    )
    .unwrap();
    c.notify(
        "textDocument/didSave",
        json!({"textDocument": {"uri": uri(dir.path(), "jobcheck.toml")}}),
    );
    let diags = c.diagnostics(&job, 1);
    assert!(by_code(&diags, "cpus-over-limit").is_none(), "{diags:#?}");

    // A limits file changed on disk with fewer cores (as a file watcher
    // reports it): checked again.
    std::fs::write(dir.path().join("limits.yaml"), LIMITS.replace("16", "10")).unwrap();
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri(dir.path(), "limits.yaml"), "type": 2}]}),
    );
    let diags = c.diagnostics(&job, 1);
    let cpus = by_code(&diags, "cpus-over-limit").unwrap_or_else(|| panic!("{diags:#?}"));
    assert!(
        cpus["message"].as_str().unwrap().contains("10 cores"),
        "{cpus}"
    );
    assert_eq!(c.shutdown(), 0);
}

#[test]
fn a_zero_cache_ttl_does_not_make_the_server_hammer_the_platform() {
    let server = support::Server::platform(vec![(
        "TeslaM40",
        json!({"resourceGroup": "TeslaM40", "cpuNumber": 16, "gpuNumber": 4, "nvLimits": 0,
               "memorySize": 65536, "nodeNumber": 1, "maxTime": "48:00:00"}),
    )]);
    let dir = tempfile::tempdir().unwrap();
    // The project asks for no caching at all.
    std::fs::write(dir.path().join("jobcheck.toml"), "cache-ttl = 0\n").unwrap();
    let (mut c, _) = on_platform(dir.path(), &server);
    let job = uri(dir.path(), "job.yaml");
    let text = "resourceGroup: TeslaM40\ncpus: 64\nmemory: 8G\nwalltime: 1:00:00\n";
    c.open(&job, text);
    c.diagnostics(&job, 1);
    let with_limits = c.diagnostics(&job, 1);
    assert!(by_code(&with_limits, "cpus-over-limit").is_some());
    // A hundred edits and saves, 100 ms apart: the pair is not asked for
    // again.
    let mut version = 1;
    for _ in 0..100 {
        version += 1;
        c.change(&job, version, text);
        c.notify(
            "textDocument/didSave",
            json!({"textDocument": {"uri": job}}),
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    c.diagnostics(&job, version);
    // Only limits requests reach this server (the endpoint is given).
    let limits_requests = server.count();
    assert!(
        limits_requests <= 2,
        "{limits_requests} limits requests in 10 s"
    );
    assert_eq!(c.shutdown(), 0);
}

#[test]
fn a_session_asks_for_at_most_a_thousand_pairs() {
    // Documents that name many groups (a pull request's files, opened in
    // the editor) must not make the editor send a request for each.
    let server = support::Server::platform(vec![]);
    let dir = tempfile::tempdir().unwrap();
    let (mut c, _) = on_platform(dir.path(), &server);
    let jobs = |from: usize, to: usize| -> String {
        (from..to)
            .map(|i| format!("---\nresourceGroup: G{i:04}\ncpus: 1\nmemory: 1G\n"))
            .collect()
    };
    // One document past the bound: told so, and nothing is asked for.
    let many = uri(dir.path(), "many.yaml");
    c.open(&many, &jobs(0, 1_100));
    let told = c.diagnostics(&many, 1);
    assert_eq!(told.len(), 1, "{told:#?}");
    let message = told[0]["message"].as_str().unwrap();
    assert!(
        message.contains("names 1100 distinct") && message.contains("at most 1000"),
        "{message}"
    );
    assert_eq!(told[0]["severity"], 1);
    // Two documents of 600 pairs each: the session asks for 1,000 in all.
    let first = uri(dir.path(), "first.yaml");
    let second = uri(dir.path(), "second.yaml");
    c.open(&first, &jobs(2_000, 2_600));
    c.open(&second, &jobs(3_000, 3_600));
    let not_asked = |diags: &[Value]| {
        diags
            .iter()
            .filter(|d| {
                d["message"]
                    .as_str()
                    .is_some_and(|m| m.contains("has asked for the limits of 1000"))
            })
            .count()
    };
    // The requests are made in the background; once the 1,000th is in, an
    // edit of each shows where the session stands.
    let deadline = Instant::now() + WAIT;
    while server.count() < 1_000 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(server.count(), 1_000);
    c.change(&first, 2, &jobs(2_000, 2_600));
    c.change(&second, 2, &jobs(3_000, 3_600));
    let told = not_asked(&c.diagnostics(&first, 2)) + not_asked(&c.diagnostics(&second, 2));
    // The 200 pairs past the bound are told as not asked for, where their
    // groups are named.
    assert_eq!(told, 200);
    assert_eq!(c.shutdown(), 0);
    assert_eq!(server.count(), 1_000);
}

#[test]
fn a_burst_of_changes_is_checked_once_at_the_end() {
    let dir = project();
    let mut c = Client::start(dir.path(), &[]);
    // A long window, so that a slow machine cannot split the burst.
    c.initialize_with(dir.path(), None, json!({"debounceMs": 1500}));
    let job = uri(dir.path(), "job.yaml");
    c.open(&job, JOB);
    c.diagnostics(&job, 1);
    // Ten changes at once, right after a check: one check, of the last text.
    for version in 2..=11 {
        let cpus = if version == 11 { 8 } else { 64 + version };
        c.change(
            &job,
            version,
            &JOB.replace("cpus: 64", &format!("cpus: {cpus}")),
        );
    }
    let last = c.diagnostics(&job, 11);
    assert!(by_code(&last, "cpus-over-limit").is_none(), "{last:#?}");
    let answer = c.request("shutdown", Value::Null);
    assert_eq!(answer["result"], Value::Null);
    let published: Vec<&Value> = c
        .backlog
        .iter()
        .filter(|m| m["method"] == "textDocument/publishDiagnostics")
        .collect();
    assert!(
        published.is_empty(),
        "checked more than once: {published:#?}"
    );
    c.notify("exit", Value::Null);
    assert_eq!(c.exit_code(), 0);
}

/// A 50-line file: five jobs of ten lines (comments, CJK and emoji
/// included), the first asking for `cpus` cores.
fn fifty_lines(cpus: u32) -> String {
    let mut text = String::new();
    for i in 0..5 {
        if i > 0 {
            text.push_str("---\n");
        }
        text.push_str(&format!(
            "# 作业 {i} 🚀: a training run\nname: resnet50-{i}\nresourceGroup: TeslaM40\n\
             acceleratorType: gpu\nnodes: 1\ncpus: {}\ngpus: 2\nmemory: 16G\nwalltime: \"2:00:00\"\n",
            if i == 0 { cpus } else { 8 }
        ));
    }
    text.push_str("# end\n");
    assert_eq!(text.lines().count(), 50);
    text
}

/// The time from `didChange` to `publishDiagnostics` with limits known (a
/// limits file), over 100 changes that each follow a pause longer than the
/// debounce window (as when one stops typing). Run with
/// `cargo test --release --test lsp -- --ignored --nocapture latency`.
#[test]
#[ignore = "a measurement: prints the latency"]
fn latency_from_did_change_to_publish_diagnostics() {
    let dir = project();
    let mut c = Client::ready(dir.path());
    let job = uri(dir.path(), "job.yaml");
    c.open(&job, &fifty_lines(8));
    c.diagnostics(&job, 1);
    let mut took = Vec::new();
    for version in 2..102 {
        std::thread::sleep(Duration::from_millis(200));
        let cpus = if version % 2 == 0 { 64 } else { 8 };
        let text = fifty_lines(cpus);
        let start = Instant::now();
        c.change(&job, version, &text);
        let diags = c.diagnostics(&job, version);
        took.push(start.elapsed());
        assert_eq!(by_code(&diags, "cpus-over-limit").is_some(), cpus == 64);
    }
    took.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "didChange → publishDiagnostics, 50 lines, 100 changes: median {:.2} ms, \
         90th percentile {:.2} ms, worst {:.2} ms",
        ms(took[took.len() / 2]),
        ms(took[took.len() * 9 / 10]),
        ms(took[took.len() - 1])
    );
    assert_eq!(c.shutdown(), 0);
}

#[test]
fn hostile_documents_and_positions_get_answers() {
    let dir = project();
    let mut c = Client::ready(dir.path());
    let deep = format!("cpus: {}{}\n", "[".repeat(100_000), "]".repeat(100_000));
    let big = "# 注释 🚀\n".repeat(200_000);
    let cases = [
        ("deep.yaml", deep.as_str()),
        ("big.yaml", big.as_str()),
        ("bad.json", "{\"cpuNumber\": 8,,}"),
        ("empty.yaml", ""),
        ("list.yaml", "- a\n- b\n"),
    ];
    for (name, text) in cases {
        let doc = uri(dir.path(), name);
        c.open(&doc, text);
        c.diagnostics(&doc, 1);
        for (line, character) in [(0, 0), (0, 3), (1, 1), (u32::MAX, u32::MAX), (0, 999_999)] {
            let at = json!({"textDocument": {"uri": doc},
                            "position": {"line": line, "character": character}});
            for method in ["textDocument/hover", "textDocument/completion"] {
                let answer = c.request(method, at.clone());
                assert!(answer.get("error").is_none(), "{name} {method}: {answer}");
            }
        }
        let actions = c.request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": doc},
                   "range": {"start": {"line": 0, "character": 0},
                             "end": {"line": u32::MAX, "character": u32::MAX}},
                   "context": {"diagnostics": []}}),
        );
        assert!(actions["result"].is_array(), "{name}: {actions}");
    }
    // An incremental change with a range past the end, and one reversed.
    let doc = uri(dir.path(), "job.yaml");
    c.open(&doc, JOB);
    c.diagnostics(&doc, 1);
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": doc, "version": 2},
               "contentChanges": [
                   {"range": range(9, 0, 99), "text": "x"},
                   {"range": {"start": {"line": 0, "character": 9},
                              "end": {"line": 0, "character": 2}}, "text": "y"}]}),
    );
    c.diagnostics(&doc, 2);
    assert_eq!(c.shutdown(), 0);
}

#[test]
fn only_the_files_the_configuration_includes_are_checked() {
    let dir = project_with(
        "limits = \"limits.yaml\"\ninclude = [\"jobs/\"]\nexclude = [\"jobs/drafts/\"]\n",
    );
    let mut c = Client::ready(dir.path());
    let package = uri(dir.path(), "package.json");
    let draft = uri(dir.path(), "jobs/drafts/x.yaml");
    let job = uri(dir.path(), "jobs/a.yaml");
    c.open(&package, "{\"name\": \"web\", \"version\": \"1.0.0\"}");
    c.open(&draft, JOB);
    c.open(&job, JOB);
    assert!(by_code(&c.diagnostics(&job, 1), "cpus-over-limit").is_some());
    // A round trip: whatever the opens published has come by now.
    c.request("shutdown", Value::Null);
    let others: Vec<&Value> = c
        .backlog
        .iter()
        .filter(|m| m["method"] == "textDocument/publishDiagnostics")
        .collect();
    assert!(others.is_empty(), "{others:#?}");
    c.notify("exit", Value::Null);
    assert_eq!(c.exit_code(), 0);
}

#[test]
fn a_file_the_configuration_comes_to_include_is_checked_then() {
    let dir = project_with("limits = \"limits.yaml\"\ninclude = [\"jobs/\"]\n");
    let mut c = Client::ready(dir.path());
    let other = uri(dir.path(), "other/job.yaml");
    c.open(&other, "resourceGroup: TeslaM40\ncpus: 8\n");
    std::fs::write(
        dir.path().join("jobcheck.toml"),
        "limits = \"limits.yaml\"\n",
    )
    .unwrap();
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri(dir.path(), "jobcheck.toml"), "type": 2}]}),
    );
    // Without the include, the job outside jobs/ is checked.
    let diags = c.diagnostics(&other, 1);
    assert!(by_code(&diags, "missing-field").is_some(), "{diags:#?}");
    assert_eq!(c.shutdown(), 0);
}

/// Messages of `method` received so far for `uri`, after a round trip.
fn published_for(c: &mut Client, uri: &str) -> Vec<Value> {
    let id = c.next_id;
    c.request("jobcheck/settings", Value::Null);
    let _ = id;
    c.backlog
        .iter()
        .filter(|m| m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri)
        .cloned()
        .collect()
}

#[test]
fn the_server_and_check_resolve_the_same_settings() {
    let dir = project_with(
        "limits = \"limits.yaml\"\ncache-ttl = \"20m\"\ninclude = [\"jobs/\"]\n[rules]\nwalltime-missing = \"off\"\n",
    );
    std::fs::write(dir.path().join("token"), "x").unwrap();
    let env = [
        ("JOBCHECK_TIMEOUT", "12.5"),
        ("JOBCHECK_TOKEN_FILE", "token"),
        ("JOBCHECK_AUTH_URL", "https://auth.example"),
    ];
    let mut c = Client::start(dir.path(), &env);
    c.initialize(dir.path(), None);
    let from_server = c.request("jobcheck/settings", Value::Null)["result"].clone();
    assert_eq!(c.shutdown(), 0);
    let out = in_project(dir.path())
        .args(["check", "--show-settings"])
        .envs(env)
        .output()
        .unwrap();
    let from_check: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(from_server, from_check);
    assert_eq!(from_check["timeout_seconds"], 12.5);
    assert_eq!(from_check["cache_ttl_seconds"], 1200);
    assert_eq!(from_check["auth_url"], "https://auth.example");
    assert_eq!(from_check["rules"]["walltime-missing"], "off");
}

#[test]
fn a_bad_timeout_in_the_environment_is_the_same_error_as_in_check() {
    let dir = project();
    let mut c = Client::start(dir.path(), &[("JOBCHECK_TIMEOUT", "soon")]);
    c.initialize(dir.path(), None);
    let told = c.wait_for(WAIT, |m| m["method"] == "window/showMessage");
    let text = told["params"]["message"].as_str().unwrap();
    assert!(
        text.contains("JOBCHECK_TIMEOUT: `soon` is not a number of seconds"),
        "{text}"
    );
    assert_eq!(c.shutdown(), 0);
}

#[test]
fn a_broken_configuration_is_shown_in_it_and_stops_every_fetch() {
    let server = support::Server::platform(vec![]);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("jobcheck.toml"),
        "cache-ttl = \"10m\"\nlimts = \"limits.yaml\"\n",
    )
    .unwrap();
    let token = support::good_token();
    let mut c = Client::start(dir.path(), &[("JOBCHECK_TOKEN", &token)]);
    // The user's own configuration names the endpoint: it must not be
    // dropped for defaults, nor used while the project's file is broken.
    std::fs::create_dir_all(dir.path().join("xdg/jobcheck")).unwrap();
    std::fs::write(
        dir.path().join("xdg/jobcheck/config.toml"),
        format!("endpoint = \"{}\"\n", server.url()),
    )
    .unwrap();
    c.initialize(dir.path(), None);
    let config = uri(dir.path(), "jobcheck.toml");
    let on_config = c.wait_for(WAIT, |m| {
        m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == config
    });
    let d = &on_config["params"]["diagnostics"][0];
    assert_eq!(d["code"], "unknown-field", "{on_config}");
    assert_eq!(d["range"]["start"]["line"], 1);
    let job = uri(dir.path(), "job.yaml");
    c.open(
        &job,
        "resourceGroup: TeslaM40\ncpus: 64\nmemory: 8G\nwalltime: 1:00:00\n",
    );
    let diags = c.diagnostics(&job, 1);
    let text = diags
        .iter()
        .map(|d| d["message"].as_str().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(!text.contains("no limits configured"), "{text}");
    assert!(text.contains("configuration cannot be used"), "{text}");
    // Opened, the file gets its own diagnostics from the editor's text.
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": config, "languageId": "toml", "version": 1,
                                "text": "limits = \"limits.yaml\"\nformat = \"jsonn\"\n"}}),
    );
    let own = c.diagnostics(&config, 1);
    assert_eq!(own.len(), 1, "{own:#?}");
    assert_eq!(own[0]["range"]["start"]["line"], 1);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(
        server.count(),
        0,
        "a fetch while the configuration is broken"
    );
    assert_eq!(c.shutdown(), 0);
}

#[test]
fn the_limits_file_is_checked_as_limits_not_as_a_job() {
    let dir = project();
    let mut c = Client::ready(dir.path());
    let limits = uri(dir.path(), "limits.yaml");
    c.open(&limits, &LIMITS.replace("cpuNumber", "cpuNumbr"));
    let diags = c.diagnostics(&limits, 1);
    assert!(!diags.is_empty());
    let all = serde_json::to_string(&diags).unwrap();
    assert!(all.contains("cpuNumbr"), "{all}");
    assert!(!all.contains("a job request must be a mapping"), "{all}");
    c.change(&limits, 2, LIMITS);
    assert!(c.diagnostics(&limits, 2).is_empty());
    assert_eq!(c.shutdown(), 0);
}

#[test]
fn files_a_walk_skips_are_not_checked() {
    let dir = project();
    std::fs::create_dir_all(dir.path().join(".git")).unwrap();
    std::fs::write(dir.path().join(".gitignore"), "scratch/\n").unwrap();
    let mut c = Client::ready(dir.path());
    let skipped = [
        uri(dir.path(), ".github/workflows/ci.yml"),
        uri(dir.path(), ".pre-commit-config.yaml"),
        uri(dir.path(), "scratch/tmp.yaml"),
    ];
    for u in &skipped {
        c.open(u, "on: push\njobs:\n  build: {}\n");
    }
    let job = uri(dir.path(), "jobs/a.yaml");
    c.open(&job, JOB);
    assert!(by_code(&c.diagnostics(&job, 1), "cpus-over-limit").is_some());
    for u in &skipped {
        let published = published_for(&mut c, u);
        assert!(published.is_empty(), "{u}: {published:#?}");
    }
    assert_eq!(c.shutdown(), 0);
}

fn labels(answer: &Value) -> Vec<String> {
    let items = answer["result"]
        .as_array()
        .or_else(|| answer["result"]["items"].as_array())
        .cloned()
        .unwrap_or_default();
    items
        .iter()
        .map(|i| i["label"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn completion_offers_only_known_values_and_every_missing_key() {
    let dir = project();
    let mut c = Client::ready(dir.path());
    let job = uri(dir.path(), "job.yaml");
    let text = "resourceGroup: teslav100\ngpus: 1\nmemroy: 8G\n\n";
    c.open(&job, text);
    let diags = c.diagnostics(&job, 1);
    assert!(
        by_code(&diags, "unknown-resource-group").is_some(),
        "{diags:#?}"
    );
    let at = |line: u64, character: u64| json!({"textDocument": {"uri": job}, "position": {"line": line, "character": character}});
    let groups = labels(&c.request("textDocument/completion", at(0, 15)));
    assert_eq!(groups, ["TeslaM40"], "only groups known to exist");
    let keys = labels(&c.request("textDocument/completion", at(3, 0)));
    assert!(keys.iter().any(|k| k == "memory"), "{keys:?}");
    assert!(keys.iter().any(|k| k == "cpus"), "{keys:?}");
    assert!(
        !keys
            .iter()
            .any(|k| k == "gpus" || k == "dcus" || k == "mlus"),
        "{keys:?}"
    );
    assert_eq!(c.shutdown(), 0);
}

#[test]
fn hover_on_a_key_describes_that_key_even_when_its_value_is_bad() {
    let dir = project();
    let mut c = Client::ready(dir.path());
    let job = uri(dir.path(), "job.yaml");
    c.open(&job, "resourceGroup: TeslaM40\ngpus: 1\ncpus: 4\n");
    c.diagnostics(&job, 1);
    let hover = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": job}, "position": {"line": 1, "character": 1}}),
    );
    let md = hover["result"]["contents"]["value"]
        .as_str()
        .unwrap_or_default();
    assert!(md.starts_with("**gpus**"), "{md}");
    let body = uri(dir.path(), "body.json");
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": body, "languageId": "json", "version": 1,
               "text": "{\n  \"resourceGroup\": \"TeslaM40\",\n  \"ramSize\": \"32G\"\n}\n"}}),
    );
    c.diagnostics(&body, 1);
    let hover = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": body}, "position": {"line": 2, "character": 18}}),
    );
    let md = hover["result"]["contents"]["value"]
        .as_str()
        .unwrap_or_default();
    assert!(
        md.contains("ramSize") && md.contains("not judged"),
        "{hover}"
    );
    assert_eq!(c.shutdown(), 0);
}

#[test]
fn suppressions_are_honoured_and_offered_as_a_code_action() {
    let dir = project();
    let mut c = Client::ready(dir.path());
    let job = uri(dir.path(), "job.yaml");
    let text =
        "name: a\r\nresourceGroup: TeslaM40\r\ncpus: 64  # why not\r\ngpus: 1\r\nmemory: 8G\r\n";
    c.open(&job, text);
    let diags = c.diagnostics(&job, 1);
    assert!(by_code(&diags, "cpus-over-limit").is_some(), "{diags:#?}");
    let actions = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": job}, "range": range(2, 6, 8),
               "context": {"diagnostics": []}}),
    );
    let actions = actions["result"].as_array().unwrap().clone();
    let ignore = actions
        .iter()
        .find(|a| a["title"] == "Ignore `cpus-over-limit` on this line")
        .unwrap_or_else(|| panic!("{actions:#?}"));
    assert_eq!(ignore["kind"], "quickfix");
    // At the end of the line, before its CRLF, after the comment there.
    assert_eq!(
        ignore["edit"]["changes"][&job],
        json!([{"range": range(2, 19, 19), "newText": "  # jobcheck: ignore[cpus-over-limit]"}])
    );
    // The edit made, the finding is gone: the server honours the comment.
    let ignored = text.replace(
        "# why not",
        "# why not  # jobcheck: ignore[cpus-over-limit]",
    );
    c.change(&job, 2, &ignored);
    let diags = c.diagnostics(&job, 2);
    assert!(by_code(&diags, "cpus-over-limit").is_none(), "{diags:#?}");
    assert!(
        by_code(&diags, "unused-suppression").is_none(),
        "{diags:#?}"
    );
    // Once the value is fixed, the comment is flagged as unused.
    c.change(&job, 3, &ignored.replace("cpus: 64", "cpus: 8"));
    let diags = c.diagnostics(&job, 3);
    let unused = by_code(&diags, "unused-suppression").unwrap_or_else(|| panic!("{diags:#?}"));
    assert_eq!(unused["severity"], 2);
    // JSON has no comments: no such action there.
    let body = uri(dir.path(), "body.json");
    c.open(&body, r#"{"instanceServiceName": "x", "resourceGroup": "TeslaM40", "cpuNumber": 64, "gpuNumber": 1, "ramSize": 1024}"#);
    c.diagnostics(&body, 1);
    let actions = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": body}, "range": range(0, 0, 200),
               "context": {"diagnostics": []}}),
    );
    let titles: Vec<&str> = actions["result"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["title"].as_str())
        .collect();
    assert!(
        titles.iter().all(|t| !t.starts_with("Ignore")),
        "{titles:?}"
    );
    assert_eq!(c.shutdown(), 0);
}

#[test]
fn files_that_are_not_jobs_are_passed_over_until_a_job_key_is_written() {
    let dir = project();
    let mut c = Client::ready(dir.path());
    let compose = uri(dir.path(), "docker-compose.yml");
    c.open(
        &compose,
        "services:\n  web:\n    image: nginx\n    ports: [\"80:80\"]\n",
    );
    assert!(c.diagnostics(&compose, 1).is_empty(), "compose is no job");
    let package = uri(dir.path(), "package.json");
    c.open(&package, "{\"name\": \"x\", \"version\": \"1.0.0\"}");
    assert!(
        c.diagnostics(&package, 1).is_empty(),
        "package.json is no job"
    );
    // A new file is nothing yet; once a job key is typed it is judged.
    let new = uri(dir.path(), "jobs/new.yaml");
    c.open(&new, "");
    assert!(c.diagnostics(&new, 1).is_empty());
    c.change(&new, 2, "resourceGroup: TeslaM40\ncpus: 64\n");
    let diags = c.diagnostics(&new, 2);
    assert!(by_code(&diags, "missing-field").is_some(), "{diags:#?}");
    assert_eq!(c.shutdown(), 0);
}
