#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""The login service of the demo and the HTTP tests: one instance.

    login.py NAME ADDRESS PORT

HTTP/1.1 with keep-alive (a thread per connection). Every response carries
X-Instance: NAME and X-Service: login, so a client can tell who answered.
  GET  /healthz          200 "ok"
  GET  /login[...]       200, a small JSON body naming the instance, with the
                         request's X-Forwarded-For and X-Request-Id lines
  POST /login[...]       200, {"bytes": N, "sha256": ...} of the body it read
                         (Content-Length or chunked), and the same two
  GET  ...?bytes=N       a body of N bytes (a repeating pattern)
  ...?delay_ms=N         the response waits N ms first
  anything else          404
"""
import hashlib
import json
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from socket import AF_INET6
from urllib.parse import parse_qs, urlsplit

SERVICE = "login"
PATTERN = bytes(range(256)) * 256  # 64 KiB


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "sl-login"
    # The head and the body are two writes: with Nagle the body would wait
    # for the client's delayed ACK of the head (40 ms on a keep-alive
    # connection, once it has left quick-ACK mode).
    disable_nagle_algorithm = True

    def log_message(self, fmt, *args):  # quiet: the demo prints its own view
        pass

    def body_in(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            h, n = hashlib.sha256(), 0
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return h.hexdigest(), n
                chunk = self.rfile.read(size)
                h.update(chunk)
                n += len(chunk)
                self.rfile.readline()
        n = int(self.headers.get("Content-Length", "0"))
        h = hashlib.sha256()
        left = n
        while left:
            chunk = self.rfile.read(min(left, 65536))
            if not chunk:
                break
            h.update(chunk)
            left -= len(chunk)
        return h.hexdigest(), n - left

    def reply(self, status, body, ctype="application/json"):
        self.send_response(status)
        self.send_header("X-Instance", self.server.name)
        self.send_header("X-Service", SERVICE)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        if self.close_connection:  # the request asked for it (or is HTTP/1.0)
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def stream(self, n):
        """A body of n bytes of PATTERN, written a chunk at a time (the
        health checks' threads run between the writes)."""
        self.send_response(200)
        self.send_header("X-Instance", self.server.name)
        self.send_header("X-Service", SERVICE)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(n))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        while n > 0 and self.command != "HEAD":
            self.wfile.write(PATTERN[:min(n, len(PATTERN))])
            n -= len(PATTERN)

    def proxy_headers(self):
        """The lines a proxy adds, each as a list (a client may send its own)."""
        return {
            "x_forwarded_for": self.headers.get_all("X-Forwarded-For") or [],
            "x_request_id": self.headers.get_all("X-Request-Id") or [],
        }

    def route(self):
        url = urlsplit(self.path)
        q = parse_qs(url.query)
        if "delay_ms" in q:
            time.sleep(int(q["delay_ms"][0]) / 1000)
        if url.path == "/healthz":
            return self.reply(200, b"ok\n", "text/plain")
        if url.path != "/" + SERVICE and not url.path.startswith("/" + SERVICE + "/"):
            return self.reply(404, b"not here\n", "text/plain")
        if self.command == "POST":
            digest, n = self.body_in()
            doc = {"bytes": n, "sha256": digest, **self.proxy_headers()}
            return self.reply(200, json.dumps(doc).encode())
        if "bytes" in q:
            return self.stream(int(q["bytes"][0]))
        doc = {"service": SERVICE, "instance": self.server.name, "path": url.path,
               **self.proxy_headers()}
        return self.reply(200, (json.dumps(doc) + "\n").encode())

    do_GET = do_HEAD = do_POST = route


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # socketserver's backlog is 5: a burst of new connections would overflow
    # it and the instance's kernel drop their SYNs or ACKs
    request_queue_size = 1024


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: login.py NAME ADDRESS PORT")
    name, addr, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if ":" in addr:
        Server.address_family = AF_INET6
    srv = Server((addr, port), Handler)
    srv.name = name
    print(f"{SERVICE} {name} listening on {addr} port {port}", flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
