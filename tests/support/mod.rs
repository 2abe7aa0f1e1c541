//! A small HTTP/1.1 server on 127.0.0.1 for the API tests, able to answer
//! faithfully or to fail in the ways networks do (resets, hangs, cut-off
//! bodies, huge bodies).

#![allow(dead_code)]

pub mod cli;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

#[derive(Clone, Debug)]
pub struct Request {
    /// Path with query, as sent.
    pub target: String,
    pub headers: Vec<(String, String)>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn param(&self, name: &str) -> Option<String> {
        let query = self.target.split_once('?')?.1;
        query.split('&').find_map(|kv| {
            let (k, v) = kv.split_once('=')?;
            (k == name).then(|| v.to_string())
        })
    }
}

pub enum Reply {
    /// Status, extra headers, body.
    Http(u16, Vec<(String, String)>, String),
    /// Read the request, close without a word.
    Close,
    /// Read the request, never answer.
    Hang,
    /// Promise a body, send part of it, close.
    Truncated,
    /// A body of this many bytes.
    Huge(usize),
    /// A body of this many bytes with no `Content-Length`: it ends when the
    /// connection closes, so only a cap while reading stops it.
    HugeUnannounced(usize),
    /// Read the request, then reset the connection (RST, not FIN).
    Reset,
    /// A slow loris: an endless status line, one byte per 200 ms.
    TrickleHead,
    /// A proper head, then an endless body, one byte per 200 ms.
    TrickleBody,
    /// Wait this long, then give the reply.
    Delay(Duration, Box<Reply>),
}

impl Reply {
    pub fn json(body: impl Into<String>) -> Reply {
        Reply::Http(200, Vec::new(), body.into())
    }
}

type Handler = dyn Fn(&Request) -> Reply + Send + Sync;

pub struct Server {
    pub port: u16,
    requests: Arc<Mutex<Vec<Request>>>,
}

impl Server {
    pub fn start(handler: impl Fn(&Request) -> Reply + Send + Sync + 'static) -> Server {
        Server::start_on("127.0.0.1", handler).unwrap()
    }

    /// A server on another loopback address (e.g. 127.0.0.2), where the
    /// system allows binding it.
    pub fn start_on(
        ip: &str,
        handler: impl Fn(&Request) -> Reply + Send + Sync + 'static,
    ) -> std::io::Result<Server> {
        let listener = TcpListener::bind((ip, 0))?;
        let port = listener.local_addr()?.port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let handler: Arc<Handler> = Arc::new(handler);
        let seen = requests.clone();
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let handler = handler.clone();
                let seen = seen.clone();
                thread::spawn(move || serve(stream, &*handler, &seen));
            }
        });
        Ok(Server { port, requests })
    }

    /// A server answering like the platform: `groups` maps a resource group
    /// to its `data` object; any other group gets code 10004.
    pub fn platform(groups: Vec<(&str, serde_json::Value)>) -> Server {
        let groups: Vec<(String, serde_json::Value)> = groups
            .into_iter()
            .map(|(g, v)| (g.to_string(), v))
            .collect();
        Server::start(move |req| {
            let group = req.param("resourceGroup").unwrap_or_default();
            match groups.iter().find(|(g, _)| *g == group) {
                Some((_, data)) => Reply::json(
                    serde_json::json!({"code": "0", "msg": "success", "data": data}).to_string(),
                ),
                None => Reply::json(r#"{"code":"10004","msg":"invalid parameters","data":null}"#),
            }
        })
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn requests(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }

    pub fn count(&self) -> usize {
        self.requests.lock().unwrap().len()
    }
}

#[allow(clippy::needless_return)]
fn serve(stream: TcpStream, handler: &Handler, seen: &Mutex<Vec<Request>>) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let mut reader = BufReader::new(match stream.try_clone() {
        Ok(s) => s,
        Err(_) => return,
    });
    let mut stream = stream;
    // One request per connection: every answer says `Connection: close`.
    {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let target = line.split_whitespace().nth(1).unwrap_or("").to_string();
        let mut headers = Vec::new();
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h).unwrap_or(0) == 0 {
                return;
            }
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                headers.push((k.trim().to_string(), v.trim().to_string()));
            }
        }
        let request = Request { target, headers };
        seen.lock().unwrap().push(request.clone());
        let mut reply = handler(&request);
        while let Reply::Delay(wait, then) = reply {
            thread::sleep(wait);
            reply = *then;
        }
        let announced = matches!(reply, Reply::Huge(_));
        match reply {
            Reply::Http(status, extra, body) => {
                let mut head = format!(
                    "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
                    body.len()
                );
                for (k, v) in extra {
                    head.push_str(&format!("{k}: {v}\r\n"));
                }
                head.push_str("\r\n");
                let _ = stream.write_all(head.as_bytes());
                let _ = stream.write_all(body.as_bytes());
                let _ = stream.flush();
                return;
            }
            Reply::Close | Reply::Delay(..) => return,
            Reply::Hang => {
                thread::sleep(Duration::from_secs(40));
                return;
            }
            Reply::Truncated => {
                let _ = stream.write_all(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\nConnection: close\r\n\r\n{\"code\":\"0\",\"da",
                );
                let _ = stream.flush();
                return;
            }
            Reply::Huge(n) | Reply::HugeUnannounced(n) => {
                let length = if announced {
                    format!("Content-Length: {n}\r\n")
                } else {
                    String::new()
                };
                let head = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n{length}Connection: close\r\n\r\n"
                );
                let _ = stream.write_all(head.as_bytes());
                let chunk = vec![b' '; 64 * 1024];
                let mut left = n;
                while left > 0 {
                    let k = left.min(chunk.len());
                    if stream.write_all(&chunk[..k]).is_err() {
                        return;
                    }
                    left -= k;
                }
                return;
            }
            Reply::Reset => {
                reset(&stream);
                return;
            }
            Reply::TrickleHead => {
                let line = b"HTTP/1.1 200 OK\r\nX-Slow: ";
                for i in 0.. {
                    let byte = line.get(i).copied().unwrap_or(b'z');
                    if stream.write_all(&[byte]).is_err() || stream.flush().is_err() {
                        return;
                    }
                    thread::sleep(Duration::from_millis(200));
                }
            }
            Reply::TrickleBody => {
                let _ = stream.write_all(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n{\"code\":\"0\",\"data\":{\"cpuNumber\":40,\"x\":\"",
                );
                loop {
                    if stream.write_all(b"z").is_err() || stream.flush().is_err() {
                        return;
                    }
                    thread::sleep(Duration::from_millis(200));
                }
            }
        }
    }
}

/// Close with a reset: SO_LINGER on with a zero timeout makes close() send RST.
#[cfg(windows)]
fn reset(stream: &TcpStream) {
    let _ = socket2::SockRef::from(stream).set_linger(Some(Duration::ZERO));
}

/// Close with a reset: SO_LINGER on with a zero timeout makes close() send RST.
#[cfg(unix)]
fn reset(stream: &TcpStream) {
    use std::os::fd::AsRawFd;
    let linger = libc::linger {
        l_onoff: 1,
        l_linger: 0,
    };
    // SAFETY: a valid socket and a correctly sized option value.
    unsafe {
        libc::setsockopt(
            stream.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            (&linger as *const libc::linger).cast(),
            std::mem::size_of::<libc::linger>() as libc::socklen_t,
        );
    }
}

/// Drain whatever the peer still sends (unused but handy when debugging).
pub fn drain(mut s: TcpStream) {
    let mut buf = [0u8; 1024];
    while matches!(s.read(&mut buf), Ok(n) if n > 0) {}
}

/// A JWT (unsigned; the signature is junk) with this payload.
pub fn jwt(payload: &str) -> String {
    format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"HS256","typ":"JWT"}"#),
        URL_SAFE_NO_PAD.encode(payload),
        URL_SAFE_NO_PAD.encode("not-a-real-signature-0123456789")
    )
}

/// The platform's paths: minting, discovery (the center) and the limits.
pub const TOKENS: &str = "/api/user/v3/tokens";
pub const CENTER: &str = "/ac/openapi/v2/center";
pub const RESOURCES: &str = "/ai/openapi/v2/instance-service/resources";

/// Now, in epoch milliseconds, as token expiry times are written.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// The platform's documented example group, as its `data` object.
pub fn teslam40() -> serde_json::Value {
    serde_json::json!({"id":null,"cpuNumber":40,"mluLimits":0,"dcuLimits":0,"nvLimits":0,
        "gpuNumber":2,"memorySize":31888,"resourceGroup":"TeslaM40","userName":null,
        "nodeNumber":1,"maxTime":"unlimited"})
}

/// The groups of `examples/limits.yaml`, as the platform answers them
/// (K100's numbers as strings, as the API sometimes sends them).
pub fn example_groups() -> Vec<(&'static str, serde_json::Value)> {
    use serde_json::json;
    vec![
        ("TeslaM40", teslam40()),
        (
            "A800x8",
            json!({"cpuNumber":112,"gpuNumber":8,"nvLimits":4,"dcuLimits":0,"mluLimits":0,
                   "memorySize":1031168,"resourceGroup":"A800x8","nodeNumber":4,"maxTime":"7-00:00:00"}),
        ),
        (
            "K100",
            json!({"cpuNumber":"32","gpuNumber":"4","nvLimits":0,"dcuLimits":0,"mluLimits":0,
                   "memorySize":"126976","resourceGroup":"K100","nodeNumber":"8","maxTime":"3-00:00:00"}),
        ),
        (
            "CpuSmall",
            json!({"cpuNumber":64,"gpuNumber":0,"nvLimits":0,"dcuLimits":0,"mluLimits":0,
                   "memorySize":257024,"resourceGroup":"CpuSmall","nodeNumber":16,"maxTime":"12:00:00"}),
        ),
    ]
}

/// A work directory with one job, `job.yaml`, that fits TeslaM40.
pub fn workdir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("job.yaml"),
        "resourceGroup: TeslaM40\ncpus: 8\ngpus: 2\nmemory: 16G\nwalltime: 1h\n",
    )
    .unwrap();
    dir
}

/// Peak resident memory of any child this test process has waited for
/// (Unix: `getrusage`; Windows keeps no such total for exited children).
#[cfg(unix)]
pub fn peak_child_rss_kib() -> i64 {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage fills the struct it is given.
    let rc = unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, usage.as_mut_ptr()) };
    assert_eq!(rc, 0);
    // SAFETY: initialised by the successful call above.
    unsafe { usage.assume_init() }.ru_maxrss
}

/// alice's token on cluster 11250, valid for years.
pub fn good_token() -> String {
    jwt(r#"{"user":"alice","clusterId":"11250","expireTime":"4102444800000"}"#)
}

/// A listener on 127.0.0.1 that only counts the connections made to it and
/// closes them: a proxy (or any address) that must see nothing.
pub struct Recorder {
    pub port: u16,
    connections: Arc<std::sync::atomic::AtomicUsize>,
}

impl Recorder {
    pub fn start() -> Recorder {
        Recorder::serve(drop)
    }

    /// A listener on 127.0.0.1 that counts each connection, then hands it
    /// to `serve` on a thread of its own.
    fn serve(serve: impl Fn(TcpStream) + Send + Sync + 'static) -> Recorder {
        let listener = TcpListener::bind(("127.0.0.1", 0)).unwrap();
        let port = listener.local_addr().unwrap().port();
        let connections = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let seen = connections.clone();
        let serve = Arc::new(serve);
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let serve = serve.clone();
                thread::spawn(move || serve(stream));
            }
        });
        Recorder { port, connections }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn count(&self) -> usize {
        self.connections.load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// An HTTPS server on 127.0.0.1 with a self-signed certificate (for
/// 127.0.0.1 and localhost) that no trust store accepts. It counts the
/// connections and completes handshakes where the client lets it.
pub fn self_signed_tls() -> Recorder {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let cert = CertificateDer::from_pem_file(data.join("selfsigned-cert.pem")).unwrap();
    let key = PrivateKeyDer::from_pem_file(data.join("selfsigned-key.pem")).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert], key)
        .unwrap();
    let config = Arc::new(config);
    Recorder::serve(move |mut stream| {
        let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
        let Ok(mut conn) = rustls::ServerConnection::new(config.clone()) else {
            return;
        };
        let mut tls = rustls::Stream::new(&mut conn, &mut stream);
        let mut buf = [0u8; 4096];
        if matches!(tls.read(&mut buf), Ok(n) if n > 0) {
            let _ = tls
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}");
        }
    })
}

/// Every run of `n` characters of `secret` found in `text`, for assertions
/// that no piece of a token shows anywhere.
pub fn secret_runs(secret: &str, text: &str, n: usize) -> Vec<String> {
    let chars: Vec<char> = secret.chars().collect();
    if chars.len() < n {
        return if text.contains(secret) {
            vec![secret.to_string()]
        } else {
            Vec::new()
        };
    }
    chars
        .windows(n)
        .map(|w| w.iter().collect::<String>())
        .filter(|w| text.contains(w.as_str()))
        .collect()
}
