#!/usr/bin/env python3
"""A local stand-in for the platform's resources API, for the benchmark.

    server.py LIMITS_JSON PORT_FILE [--latency-ms 50]

Listens on 127.0.0.1 (a free port, written to PORT_FILE), answers
GET /ai/openapi/v2/instance-service/resources?resourceGroup=…&acceleratorType=…
from the limit sets in LIMITS_JSON after sleeping --latency-ms, with one
thread per connection (HTTP/1.1 keep-alive), and counts those requests.
GET /__count answers the count, GET /__reset sets it to 0. The server stops
by itself when the process that started it goes away.
"""

import argparse
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

RESOURCES = "/ai/openapi/v2/instance-service/resources"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("limits")
    p.add_argument("port_file")
    p.add_argument("--latency-ms", type=float, default=50.0)
    a = p.parse_args()
    with open(a.limits) as f:
        sets = {s["resourceGroup"]: s for s in json.load(f)}
    latency = a.latency_ms / 1000.0
    lock = threading.Lock()
    count = [0]

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in separate writes; with Nagle's algorithm
        # the body would wait for the client's delayed ACK (~40 ms).
        disable_nagle_algorithm = True

        def log_message(self, *args):
            pass

        def send(self, status, body):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            url = urlsplit(self.path)
            if url.path == "/__count":
                with lock:
                    return self.send(200, {"count": count[0]})
            if url.path == "/__reset":
                with lock:
                    count[0] = 0
                return self.send(200, {"count": 0})
            if url.path != RESOURCES:
                return self.send(404, {"code": "404", "msg": "not found"})
            with lock:
                count[0] += 1
            if not self.headers.get("token"):
                return self.send(401, {"code": "10008", "msg": "no token"})
            q = parse_qs(url.query)
            group = q.get("resourceGroup", [""])[0]
            time.sleep(latency)
            s = sets.get(group)
            if s is None:
                return self.send(200, {"code": "10004", "msg": "invalid parameters", "data": None})
            data = {k: v for k, v in s.items() if k != "acceleratorType"}
            return self.send(200, {"code": "0", "msg": "success", "data": data})

    ThreadingHTTPServer.daemon_threads = True
    ThreadingHTTPServer.request_queue_size = 128
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(server.server_address[1]))
    os.replace(tmp, a.port_file)
    parent = os.getppid()

    def watch():
        while os.getppid() == parent:
            time.sleep(0.5)
        server.shutdown()

    threading.Thread(target=watch, daemon=True).start()
    server.serve_forever()
    sys.exit(0)


if __name__ == "__main__":
    main()
