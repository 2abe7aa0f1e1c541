#!/usr/bin/env bash
# Measure jobcheck under every API fault of tests/faults.rs and every hostile
# document of tests/hostile.rs: one table row per case with the exit code,
# wall time and peak RSS (from /usr/bin/time -f "%e %M").
#
#   benches/faults.sh            # builds the release binary, prints the table
#
# The API faults come from a small fault server written in Python 3 below. It
# listens on 127.0.0.1 only, picks the fault from the first path segment
# (`--endpoint http://127.0.0.1:PORT/<case>`), and stops by itself after
# 20 s without a new connection (and is stopped when this script ends).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
command -v python3 >/dev/null || { echo "python3 is needed" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "/usr/bin/time (GNU time) is needed" >&2; exit 2; }

cargo build --release --quiet
bin="$root/target/release/jobcheck"
work="$(mktemp -d)"
server_pid=""
cleanup() {
    if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

cat > "$work/server.py" <<'PY'
import json, socket, struct, sys, threading, time

MIB50 = 50 * 1024 * 1024
TESLA = {"id": None, "cpuNumber": 40, "mluLimits": 0, "dcuLimits": 0, "nvLimits": 0,
         "gpuNumber": 2, "memorySize": 31888, "resourceGroup": "TeslaM40", "userName": None,
         "nodeNumber": 1, "maxTime": "unlimited"}
seen = {}
lock = threading.Lock()
last = [time.time()]

def head(status, extra=b"", length=None):
    h = b"HTTP/1.1 " + status + b"\r\nContent-Type: application/json\r\nConnection: close\r\n"
    if length is not None:
        h += b"Content-Length: %d\r\n" % length
    return h + extra + b"\r\n"

def answer(conn, status, body, extra=b""):
    conn.sendall(head(status, extra, len(body)) + body)

def trickle(conn, data):
    i = 0
    while True:
        conn.sendall(data[i:i + 1] if i < len(data) else b"z")
        i += 1
        time.sleep(0.2)

def serve(conn):
    try:
        conn.settimeout(30)
        req = b""
        while b"\r\n\r\n" not in req:
            chunk = conn.recv(4096)
            if not chunk:
                return
            req += chunk
        path = req.split(b" ")[1].decode()
        case = path.strip("/").split("/")[0]
        with lock:
            seen[case] = seen.get(case, 0) + 1
            n = seen[case]
        code = lambda c: json.dumps({"code": c, "msg": "platform says " + c, "data": None}).encode()
        if case == "ok":
            answer(conn, b"200 OK", json.dumps({"code": "0", "msg": "success", "data": TESLA}).encode())
        elif case == "http-500":
            answer(conn, b"500 Internal Server Error", b"oops")
        elif case == "http-429":
            answer(conn, b"429 Too Many Requests", b"", b"Retry-After: 1\r\n")
        elif case == "http-429-then-200":
            if n % 2 == 1:
                answer(conn, b"429 Too Many Requests", b"", b"Retry-After: 1\r\n")
            else:
                answer(conn, b"200 OK", json.dumps({"code": "0", "data": TESLA}).encode())
        elif case == "malformed-json":
            answer(conn, b"200 OK", b'{"code":"0","data":{"cpuNumber":4,')
        elif case == "truncated-json":
            conn.sendall(head(b"200 OK", length=1000) + b'{"code":"0","da')
        elif case == "data-is-a-list":
            answer(conn, b"200 OK", b'{"code":"0","data":[1,2]}')
        elif case == "empty-list":
            answer(conn, b"200 OK", b"[]")
        elif case == "a-string":
            answer(conn, b"200 OK", b'"x"')
        elif case in ("50-mib-announced", "50-mib-unannounced"):
            length = MIB50 if case == "50-mib-announced" else None
            conn.sendall(head(b"200 OK", length=length))
            block = b" " * 65536
            for _ in range(MIB50 // len(block)):
                conn.sendall(block)
        elif case == "connection-reset":
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        elif case == "closed-without-answer":
            pass
        elif case == "never-answers":
            time.sleep(25)
        elif case == "slow-loris-head":
            trickle(conn, b"HTTP/1.1 200 OK\r\nX-Slow: ")
        elif case == "slow-loris-body":
            conn.sendall(head(b"200 OK") + b'{"code":"0","data":{"x":"')
            trickle(conn, b"")
        elif case == "redirect-elsewhere":
            answer(conn, b"302 Found", b"", b"Location: http://127.0.0.2:9/ai/openapi/v2/instance-service/resources\r\n")
        elif case.startswith("code-"):
            answer(conn, b"200 OK", code(case[5:]))
        else:
            answer(conn, b"404 Not Found", b"no such case")
    except OSError:
        pass
    finally:
        conn.close()

def main():
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    s.listen(64)
    s.settimeout(1)
    print(s.getsockname()[1], flush=True)
    while time.time() - last[0] < 20:
        try:
            conn, _ = s.accept()
        except socket.timeout:
            continue
        last[0] = time.time()
        threading.Thread(target=serve, args=(conn,), daemon=True).start()

main()
PY

python3 "$work/server.py" > "$work/port" &
server_pid=$!
for _ in $(seq 50); do [ -s "$work/port" ] && break; sleep 0.1; done
port="$(head -1 "$work/port")"

header='{"alg":"HS256","typ":"JWT"}'
payload='{"user":"alice","clusterId":"11250","expireTime":"4102444800000"}'
b64url() { printf '%s' "$1" | base64 -w0 | tr '+/' '-_' | tr -d '='; }
token="$(b64url "$header").$(b64url "$payload").$(b64url "bench-signature-0123456789")"

printf 'name: ok\nresourceGroup: TeslaM40\ncpus: 8\ngpus: 2\nmemory: 16G\nwalltime: 2d\n' > "$work/job.yaml"

printf '%-28s %5s %9s %12s\n' case exit "wall (s)" "peak RSS"
printf '%-28s %5s %9s %12s\n' ---- ---- -------- --------
row() { # case, then the command
    local case="$1"; shift
    local code=0
    /usr/bin/time -o "$work/time" -f "%e %M" "$@" > "$work/out" 2> "$work/err" || code=$?
    read -r wall rss < <(tail -1 "$work/time")
    if grep -q "panicked" "$work/err"; then case="$case (PANIC)"; fi
    if grep -qF "$token" "$work/out" "$work/err"; then case="$case (TOKEN LEAKED)"; fi
    printf '%-28s %5s %9s %9s KiB\n' "$case" "$code" "$wall" "$rss"
}

api_cases="ok http-500 http-429 http-429-then-200 malformed-json truncated-json data-is-a-list
  empty-list a-string 50-mib-announced 50-mib-unannounced connection-reset closed-without-answer
  never-answers slow-loris-head slow-loris-body redirect-elsewhere code-10001 code-10003 code-10004
  code-10007 code-10008 code-10009 code-10010 code-10011 code-10012 code-99999"
for case in $api_cases; do
    timeout=4
    case "$case" in never-answers | slow-loris-*) timeout=2 ;; esac
    row "api: $case" env -u JOBCHECK_TOKEN_FILE -u JOBCHECK_ENDPOINT JOBCHECK_TOKEN="$token" \
        JOBCHECK_CACHE_DIR="$work/cache-$case" \
        "$bin" check "$work/job.yaml" --endpoint "http://127.0.0.1:$port/$case" \
        --timeout "$timeout" -f json
done

# The hostile documents of tests/hostile.rs.
docs="$work/docs"
mkdir -p "$docs"
python3 - "$docs" <<'PY'
import sys, os
d = sys.argv[1]
def w(name, data):
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())
bomb = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
prev = "a"
for name in "bcdefghi":
    bomb += "%s: &%s [%s]\n" % (name, name, ",".join(["*" + prev] * 9))
    prev = name
bomb += "resourceGroup: *i\ncpus: 1\nmemory: 1G\n"
w("alias-bomb.yaml", bomb)
w("deep-flow.yaml", "a: " + "[" * 200000 + "]" * 200000 + "\n")
w("deep-block.yaml", "".join(" " * i + "k%d:\n" % i for i in range(5000)) + " " * 5000 + "v\n")
x, rnd = 0x9E3779B97F4A7C15, bytearray()
for _ in range(64 * 1024):
    x ^= (x << 13) & 0xFFFFFFFFFFFFFFFF
    x ^= x >> 7
    x ^= (x << 17) & 0xFFFFFFFFFFFFFFFF
    rnd.append((x >> 24) & 0xFF)
w("random.json", bytes(rnd))
w("latin1.yaml", b"name: caf\xe9\nresourceGroup: TeslaM40\n")
w("tabs.yaml", b"resourceGroup: TeslaM40\ncpus: 1\n\tmemory: 1G\n")
w("empty.yaml", b"")
w("tilde.yaml", b"~\n")
w("scalar.yaml", b"42\n")
w("list.yaml", b"[1, 2, 3]\n")
w("beyond-i64.yaml", b"resourceGroup: TeslaM40\ncpus: 18446744073709551616000\nmemory: 1G\n")
w("float-count.yaml", b"resourceGroup: TeslaM40\ncpus: 1.5\nmemory: 1G\n")
line = "# padding padding padding padding padding padding padding padding\n"
w("huge.yaml", line * (60 * 1024 * 1024 // len(line) + 1))
w("bom.yaml", "\ufeffname: \"训练-ünï\"\nresourceGroup: TeslaM40\ncpus: 8\nmemory: 99G\n")
w("many.yaml", "".join("---\nname: job-%d\nresourceGroup: TeslaM40\ncpus: %d\nmemory: 1G\n" % (i, i % 50 + 1) for i in range(20000)))
PY
for f in alias-bomb.yaml deep-flow.yaml deep-block.yaml random.json latin1.yaml tabs.yaml \
    empty.yaml tilde.yaml scalar.yaml list.yaml beyond-i64.yaml float-count.yaml huge.yaml \
    bom.yaml many.yaml; do
    row "doc: $f" "$bin" check -f json --limits "$root/examples/limits.yaml" "$docs/$f"
done
