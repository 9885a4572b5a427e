#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""HTTP checks through an http VIP for tests/e2e/lb_http.sh (Debian's python3).

Each command prints what it saw on one line and exits 0 when every request
met its expectation, 1 otherwise. An instance is named by the X-Instance
header of its response (tests/lab/services), else by its body (the lab's
nginx answers its name). A CASE is "HOST|PATH|NAME,NAME..[|METHOD]": the
Host header ("" for the VIP's address), the target, the instances that may
answer (those of the pool the request must be routed to), and the method
(GET, or HEAD: a response without a body).

  route     --case CASE.. -n N [-c C] [--header H..]
            N short requests per case (a connection each, C at once): each
            answered 200 by an instance of its case, every instance of each
            case seen.
  alternate --case CASE.. -n N [--header H..] [--pieces K] [--pipeline]
            N requests on ONE keep-alive connection, the cases in turn: each
            answered, in order, by an instance of its case; prints how often
            the answering instance changed ("changes"). --pieces: each
            request written in K pieces 20 ms apart; --pipeline: the
            requests of one turn of the cases written at once.
  rr        --path P --instances A,B.. --rounds R [--keepalive]
            R rounds of one request per instance, one after the other: after
            each round r every instance has answered r +- 1 times.
  setcookie --path P --cookie NAME --ids NAME=ID,.. [-n N] [--header H..]
            N short requests: each response carries Set-Cookie NAME=ID, the
            ID of the instance that answered.
  post      --path P --size BYTES [--chunked]
            one POST of BYTES random bytes; the instance's {"bytes", "sha256"}
            must be those of what was sent.
  download  --path P --bytes N
            one GET of ?bytes=N: N bytes of the services' pattern, by sha256.
  raw       --send TEXT --expect STATUS [--wait S] [--min-s S] [--max-s S]
            TEXT (\\r \\n escapes) on a new connection; the answer must be
            STATUS from the appliance (no X-Instance), the connection closed
            after it, within [min-s, max-s] of the send.
"""
import argparse
import concurrent.futures
import hashlib
import json
import os
import socket
import struct
import sys
import time

PATTERN = bytes(range(256)) * 256  # the services' body pattern (64 KiB)


class Bad(Exception):
    pass


def connect(args):
    s = socket.create_connection((args.host, args.port), timeout=args.timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


class Reader:
    """Buffered reads of HTTP responses from one socket."""

    def __init__(self, sock):
        self.s = sock
        self.buf = b""

    def fill(self):
        d = self.s.recv(262144)
        if not d:
            raise Bad("closed")
        self.buf += d

    def line(self):
        while b"\r\n" not in self.buf:
            if len(self.buf) > 65536:
                raise Bad("line too long")
            self.fill()
        ln, _, self.buf = self.buf.partition(b"\r\n")
        return ln

    def exactly(self, n, sink=None):
        out = []
        while n:
            if not self.buf:
                self.fill()
            take = self.buf[:n]
            self.buf = self.buf[len(take):]
            n -= len(take)
            if sink:
                sink(take)
            else:
                out.append(take)
        return b"".join(out)

    def rest(self):
        """Everything up to the peer's close."""
        while True:
            try:
                self.fill()
            except Bad:
                d, self.buf = self.buf, b""
                return d

    def response(self, head_only=False, sink=None):
        """(status, {lower-case header: value}, body); body None with sink."""
        st = self.line().split(b" ", 2)
        if len(st) < 2 or not st[0].startswith(b"HTTP/"):
            raise Bad("bad status line %r" % st)
        hdrs = {}
        while True:
            ln = self.line()
            if not ln:
                break
            k, _, v = ln.partition(b":")
            k = k.strip().lower().decode()
            v = v.strip().decode(errors="replace")
            hdrs[k] = hdrs[k] + ", " + v if k in hdrs and k != "set-cookie" else v
        status = int(st[1])
        if head_only:
            return status, hdrs, b""
        if "content-length" in hdrs:
            body = self.exactly(int(hdrs["content-length"]), sink)
        elif hdrs.get("transfer-encoding", "").lower() == "chunked":
            parts = []
            while True:
                n = int(self.line().split(b";")[0], 16)
                if n == 0:
                    while self.line():
                        pass
                    break
                parts.append(self.exactly(n, sink) or b"")
                self.line()
            body = b"".join(parts)
        else:
            body = self.rest()
            if sink:
                sink(body)
        return status, hdrs, body


def instance_of(hdrs, body):
    return hdrs.get("x-instance") or body.strip().decode(errors="replace")[:40]


def request(host, target, extra=(), method="GET", body=b"", close=False):
    h = "%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: http_probe\r\n" % (method, target, host)
    for x in extra:
        h += x + "\r\n"
    if body or method == "POST":
        h += "Content-Length: %d\r\n" % len(body)
    if close:
        h += "Connection: close\r\n"
    return (h + "\r\n").encode() + body


def parse_case(c, vip):
    host, path, names, *method = c.split("|")
    return {"host": host or vip, "path": path, "names": set(n for n in names.split(",") if n),
            "method": method[0] if method else "GET"}


def vip_host(args):
    return "[%s]" % args.host if ":" in args.host else args.host


def one_short(args, case):
    """The instance that answered case's request on a connection of its own."""
    s = connect(args)
    try:
        s.sendall(request(case["host"], case["path"], args.header, close=True))
        st, hdrs, body = Reader(s).response()
    finally:
        s.close()
    if st != 200:
        raise Bad("status %d from %s" % (st, instance_of(hdrs, body)))
    return instance_of(hdrs, body)


def cmd_route(args):
    cases = [parse_case(c, vip_host(args)) for c in args.case]
    fails, seen = [], [dict() for _ in cases]

    def run(i):
        case = cases[i]
        t = time.monotonic()
        try:
            name = one_short(args, case)
        except (OSError, Bad) as e:
            return i, None, "%s after %.2fs" % (e, time.monotonic() - t)
        return i, name, None

    jobs = [i for i in range(len(cases)) for _ in range(args.n)]
    with concurrent.futures.ThreadPoolExecutor(args.concurrency) as ex:
        for i, name, err in ex.map(run, jobs):
            if err:
                fails.append("%s%s: %s" % (cases[i]["host"], cases[i]["path"], err))
                continue
            seen[i][name] = seen[i].get(name, 0) + 1
            if name not in cases[i]["names"]:
                fails.append("%s%s: answered by %s" % (cases[i]["host"], cases[i]["path"], name))
    for i, case in enumerate(cases):
        missing = sorted(case["names"] - set(seen[i]))
        if missing:
            fails.append("%s%s: nothing from %s" % (case["host"], case["path"], missing))
    per = "; ".join("%s%s -> %s" % (c["host"], c["path"], json.dumps(seen[i], sort_keys=True))
                    for i, c in enumerate(cases))
    return report("%d requests: %s" % (len(jobs), per), fails)


def send_pieces(s, data, pieces):
    """@data in @pieces writes 20 ms apart: a head across segments."""
    step = max(1, -(-len(data) // pieces))
    for o in range(0, len(data), step):
        if o:
            time.sleep(0.02)
        s.sendall(data[o:o + step])


def cmd_alternate(args):
    cases = [parse_case(c, vip_host(args)) for c in args.case]
    fails, got, changes, prev = [], {}, 0, None
    s = connect(args)
    port = s.getsockname()[1]
    r = Reader(s)
    batch = len(cases) if args.pipeline else 1
    try:
        for first in range(0, args.n, batch):
            todo = [(i, cases[i % len(cases)]) for i in range(first, min(args.n, first + batch))]
            reqs = b"".join(request(c["host"], c["path"], args.header, c["method"]) for _, c in todo)
            send_pieces(s, reqs, args.pieces)
            for i, case in todo:
                st, hdrs, body = r.response(head_only=case["method"] == "HEAD")
                name = instance_of(hdrs, body)
                if st != 200 or name not in case["names"]:
                    fails.append("request %d %s %s%s: status %d from %s" %
                                 (i, case["method"], case["host"], case["path"], st, name))
                got[name] = got.get(name, 0) + 1
                if prev is not None and name != prev:
                    changes += 1
                prev = name
    except (OSError, Bad) as e:
        fails.append("the connection broke after %d responses: %s" % (sum(got.values()), e))
        # reset, so that the kernel does not send what is left after the check
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()
    return report("%d responses on one connection (port %d), %d instance changes %s" %
                  (sum(got.values()), port, changes, json.dumps(got, sort_keys=True)), fails,
                  {"changes": changes})


def cmd_rr(args):
    names = args.instances.split(",")
    k = len(names)
    count = {n: 0 for n in names}
    order, fails = [], []
    case = {"host": vip_host(args), "path": args.path}
    s = r = None
    try:
        if args.keepalive:
            s = connect(args)
            r = Reader(s)
        for i in range(args.rounds * k):
            if args.keepalive:
                s.sendall(request(case["host"], case["path"]))
                st, hdrs, body = r.response()
                if st != 200:
                    raise Bad("status %d" % st)
                name = instance_of(hdrs, body)
            else:
                name = one_short(args, case)
            order.append(name)
            if name not in count:
                fails.append("request %d answered by %s" % (i, name))
                continue
            count[name] += 1
            if (i + 1) % k == 0:
                rnd = (i + 1) // k
                off = {n: c for n, c in count.items() if abs(c - rnd) > 1}
                if off:
                    fails.append("after round %d: %s" % (rnd, json.dumps(count, sort_keys=True)))
    except (OSError, Bad) as e:
        fails.append("after %d responses: %s" % (len(order), e))
    if s:
        s.close()
    return report("%d rounds %s, first %s" % (args.rounds, json.dumps(count, sort_keys=True),
                                              " ".join(order[:2 * k])), fails[:5])


def cmd_setcookie(args):
    ids = dict(x.split("=", 1) for x in args.ids.split(","))
    fails, seen = [], {}
    for i in range(args.n):
        s = connect(args)
        try:
            s.sendall(request(vip_host(args), args.path, args.header, close=True))
            st, hdrs, body = Reader(s).response()
        except (OSError, Bad) as e:
            fails.append("request %d: %s" % (i, e))
            continue
        finally:
            s.close()
        name = instance_of(hdrs, body)
        sc = hdrs.get("set-cookie", "")
        val = sc.split(";", 1)[0].strip()
        want = "%s=%s" % (args.cookie, ids.get(name, "?"))
        seen[name] = seen.get(name, 0) + 1
        if st != 200 or val != want:
            fails.append("request %d: status %d from %s, Set-Cookie %r, want %s" %
                         (i, st, name, sc or None, want))
    return report("%d responses %s" % (args.n, json.dumps(seen, sort_keys=True)), fails[:3])


def cmd_post(args):
    data = os.urandom(args.size)
    want = {"bytes": args.size, "sha256": hashlib.sha256(data).hexdigest()}
    s = connect(args)
    try:
        if args.chunked:
            h = ("POST %s HTTP/1.1\r\nHost: %s\r\nTransfer-Encoding: chunked\r\n"
                 "Connection: close\r\n\r\n" % (args.path, vip_host(args))).encode()
            s.sendall(h)
            step = 7919  # chunks of odd sizes, across segments
            for o in range(0, len(data), step):
                c = data[o:o + step]
                s.sendall(b"%x\r\n" % len(c) + c + b"\r\n")
            s.sendall(b"0\r\n\r\n")
        else:
            s.sendall(request(vip_host(args), args.path, method="POST", body=data, close=True))
        st, hdrs, body = Reader(s).response()
    except (OSError, Bad) as e:
        return report("POST %d bytes" % args.size, ["%s" % e])
    finally:
        s.close()
    try:
        got = json.loads(body)
        got = {k: got[k] for k in want if k in got}  # the service may say more (its headers)
    except (ValueError, TypeError):
        got = body[:80]
    fails = [] if st == 200 and got == want else ["status %d, %s, want %s" % (st, got, want)]
    return report("POST %d bytes%s to %s: %s" % (args.size, " chunked" if args.chunked else "",
                                                 instance_of(hdrs, b""), got), fails)


def cmd_download(args):
    h = hashlib.sha256()
    whole, n = args.bytes // len(PATTERN), args.bytes % len(PATTERN)
    for _ in range(whole):
        h.update(PATTERN)
    h.update(PATTERN[:n])
    want = h.hexdigest()
    got_h, size = hashlib.sha256(), [0]

    def sink(b):
        got_h.update(b)
        size[0] += len(b)

    t = time.monotonic()
    s = connect(args)
    try:
        s.sendall(request(vip_host(args), "%s?bytes=%d" % (args.path, args.bytes), close=True))
        st, hdrs, _ = Reader(s).response(sink=sink)
    except (OSError, Bad) as e:
        return report("download", ["after %d bytes: %s" % (size[0], e)])
    finally:
        s.close()
    got = got_h.hexdigest()
    fails = [] if st == 200 and got == want else ["status %d, %d bytes, sha256 %s, want %s" %
                                                  (st, size[0], got, want)]
    return report("%d bytes from %s in %.1fs, sha256 %s" % (size[0], instance_of(hdrs, b""),
                                                            time.monotonic() - t, got[:16]), fails)


def cmd_raw(args):
    text = args.send.encode().decode("unicode_escape").encode("latin-1")
    s = connect(args)
    s.settimeout(args.timeout)
    fails = []
    t = time.monotonic()
    try:
        s.sendall(text)
        r = Reader(s)
        st, hdrs, body = r.response()
        dt = time.monotonic() - t
        after = r.rest()  # the appliance closes after its answer
        closed = time.monotonic() - t
    except (OSError, Bad) as e:
        s.close()
        return report("raw", ["no answer after %.2fs: %s" % (time.monotonic() - t, e)])
    s.close()
    if st != args.expect:
        fails.append("status %d, want %d" % (st, args.expect))
    if "x-instance" in hdrs:
        fails.append("answered by instance %s, not the appliance" % hdrs["x-instance"])
    if after:
        fails.append("%d bytes after the answer" % len(after))
    if dt < args.min_s or dt > args.max_s:
        fails.append("answered after %.3fs, want %.3f..%.3f" % (dt, args.min_s, args.max_s))
    if closed - dt > 1.0:
        fails.append("closed %.3fs after the answer" % (closed - dt))
    return report("%d %r after %.3fs, closed" % (st, body[:40], dt), fails)


def report(what, fails, extra=None):
    out = {"ok": not fails, "what": what, "fails": fails[:10]}
    if extra:
        out.update(extra)
    print(json.dumps(out))
    return 0 if not fails else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)

    def cmd(name, **kw):
        p = sub.add_parser(name)
        p.add_argument("--host", required=True)
        p.add_argument("--port", type=int, default=80)
        p.add_argument("--timeout", type=float, default=3.0, help="s per socket operation")
        p.add_argument("--header", action="append", default=[], help="an extra request header")
        return p

    p = cmd("route")
    p.add_argument("--case", action="append", required=True)
    p.add_argument("-n", type=int, default=100)
    p.add_argument("-c", "--concurrency", type=int, default=8)
    p = cmd("alternate")
    p.add_argument("--case", action="append", required=True)
    p.add_argument("-n", type=int, default=100)
    p.add_argument("--pieces", type=int, default=1, help="each request in this many writes")
    p.add_argument("--pipeline", action="store_true", help="the cases' requests sent at once")
    p = cmd("rr")
    p.add_argument("--path", required=True)
    p.add_argument("--instances", required=True)
    p.add_argument("--rounds", type=int, default=10)
    p.add_argument("--keepalive", action="store_true")
    p = cmd("setcookie")
    p.add_argument("--path", required=True)
    p.add_argument("--cookie", required=True)
    p.add_argument("--ids", required=True)
    p.add_argument("-n", type=int, default=1)
    p = cmd("post")
    p.add_argument("--path", required=True)
    p.add_argument("--size", type=int, required=True)
    p.add_argument("--chunked", action="store_true")
    p = cmd("download")
    p.add_argument("--path", required=True)
    p.add_argument("--bytes", type=int, required=True)
    p = cmd("raw")
    p.add_argument("--send", required=True)
    p.add_argument("--expect", type=int, required=True)
    p.add_argument("--min-s", type=float, default=0.0)
    p.add_argument("--max-s", type=float, default=2.0)
    args = ap.parse_args()
    sys.exit({"route": cmd_route, "alternate": cmd_alternate, "rr": cmd_rr,
              "setcookie": cmd_setcookie, "post": cmd_post, "download": cmd_download,
              "raw": cmd_raw}[args.cmd](args))


if __name__ == "__main__":
    main()
