#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""N HTTP requests, one connection each, one at a time, measured by the client.

    ev_client.py HOST PORT N PATH

Request i carries "?i=I" (or "&i=I") and "X-Request-Id: ev-I". For each
request: the local port, the instance that answered (the first
word of the body: the lab's backends say who they are), and the client's
own duration in microseconds from before connect() to after close()
("us"), and to the end of the next connection's connect() ("bound_us").
The connection ends with an RST from the client (SO_LINGER 0) after it read
the server's FIN: its last packet. The appliance handles a flow's packets
in order on one queue, so it handled that RST before the next connection's
SYN, which the instance answered before that connect() returned: a flow the
appliance saw lies within [before connect(), bound_us]. A last connection
after the N requests bounds the last one. Prints one JSON object:
{"requests": [{"port":, "status":, "instance":, "us":, "bound_us":}, ...],
"failed": N}.
"""
import json
import socket
import struct
import sys
import time


def one(host, port, path, i):
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(3)
    t0 = time.monotonic_ns()
    s.connect((host, port))
    tc = time.monotonic_ns()
    lport = s.getsockname()[1]
    req = ("GET %s%s HTTP/1.1\r\nHost: %s\r\nX-Request-Id: ev-%d\r\n"
           "Connection: close\r\n\r\n") % (path, "&i=%d" % i if "?" in path else "?i=%d" % i,
                                             host, i)
    s.sendall(req.encode())
    data = b""
    while True:
        b = s.recv(65536)
        if not b:
            break
        data += b
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()
    t1 = time.monotonic_ns()
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1]) if head.startswith(b"HTTP/") else 0
    words = body.split()
    return {"port": lport, "status": status,
            "instance": words[0].decode() if words else "", "us": (t1 - t0) // 1000,
            "t0": t0, "tc": tc}


def last(host, port):
    """A connection opened and reset: its SYN follows the last request's RST."""
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(3)
    s.connect((host, port))
    tc = time.monotonic_ns()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()
    return tc


def main():
    host, port, n, path = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    out, failed = [], 0
    deadline = time.monotonic() + 120
    for i in range(n):
        if time.monotonic() > deadline:
            failed += n - i
            break
        try:
            out.append(one(host, port, path, i))
        except OSError:
            failed += 1
    try:
        tcs = [r["tc"] for r in out[1:]] + [last(host, port)]
    except OSError:
        tcs = [r["tc"] for r in out[1:]] + [0]
        failed += 1
    for r, tc in zip(out, tcs):
        r["bound_us"] = (tc - r["t0"]) // 1000 + 1
        del r["t0"], r["tc"]
    print(json.dumps({"requests": out, "failed": failed}))


if __name__ == "__main__":
    main()
