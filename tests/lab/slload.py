#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Bounded lab clients for the namespace lab (run with Debian's /usr/bin/python3).

  http       N short requests, a new TCP connection each, bounded concurrency
             and time; or --duration S for a continuous load. With --sticky
             each of the -c clients keeps the cookies its responses set and
             sends them ("sticky": responses that set one, and "moved":
             requests with cookies another instance answered than the last).
  keepalive  N requests on ONE connection (HTTP/1.1 keep-alive), or on each of
             -c connections at once; a broken connection is reported, never
             silently reopened.
  udp        N datagrams, each from a new socket (a new flow), one reply each;
             --size pads each to that many bytes (fragments above the MTU).
  check      assert on a result file: every request ok, each instance's share,
             the longest run of failures.

Every client prints one JSON object on stdout:
  {"mode": "http", "requests": N, "ok": .., "failed": .., "not_run": ..,
   "instances": {"be1": .., ...}, "errors": {"timeout": .., ...},
   "p50_ms": .., "p99_ms": .., "elapsed_s": .., "t0_unix": ..,
   "fail_runs": [{"from_s": .., "to_s": .., "failed": .., "open": true}, ...],
   "longest_fail_s": ..}
keepalive adds "connections": C, "broken": the number of connections that
broke, and "moved": the number that got answers from more than one instance.
A run of failures is a sequence of failed requests with no successful one
started between them (ordered by start time); it lasts from the start of its
first failed request to the start of the next successful one (or, at the
end of the load, to the end of its last failed request, and "open" says
so). from_s/to_s are seconds since t0_unix (the load's start,
CLOCK_REALTIME), so a test can place them against the moment it killed a
daemon. Only http records the runs.
With --progress FILE ('-' = stderr) a cumulative JSON line is written every
second (the demo reads them), with "window_ms": each instance's latencies
(ms) of the requests answered since the line before.
"""
import argparse
import asyncio
import json
import signal
import socket
import sys
import time


STOP = False  # set by SIGINT/SIGTERM: finish in-flight requests, report


def stop_on_signals():
    def stop():
        global STOP
        STOP = True
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop)


class Result:
    def __init__(self, mode, requests):
        self.mode = mode
        self.requests = requests
        self.ok = 0
        self.failed = 0
        self.instances = {}
        self.errors = {}
        self.sticky = False  # --sticky: report the two below
        self.cookies_set = 0  # responses that set a cookie
        self.moved = 0  # requests with cookies answered by another instance than the last
        self.lat = []
        self.window = {}  # instance -> latencies (ms) since the last progress line
        self.t0 = time.monotonic()
        self.t0_unix = time.time()
        self.timeline = []  # (start, end, ok) per request, monotonic seconds

    def good(self, name, lat, start=None):
        self.ok += 1
        self.instances[name] = self.instances.get(name, 0) + 1
        self.lat.append(lat)
        self.window.setdefault(name, []).append(round(lat * 1000.0, 3))
        if start is not None:
            self.timeline.append((start, time.monotonic(), True))

    def bad(self, reason, start=None):
        self.failed += 1
        self.errors[reason] = self.errors.get(reason, 0) + 1
        if start is not None:
            self.timeline.append((start, time.monotonic(), False))

    def fail_runs(self):
        """Runs of failures by start time (see the top of this file)."""
        runs, cur = [], None
        for start, end, ok in sorted(self.timeline):
            if ok:
                if cur:
                    cur["to_s"] = start - self.t0
                    runs.append(cur)
                    cur = None
                continue
            if not cur:
                cur = {"from_s": start - self.t0, "to_s": end - self.t0, "failed": 0}
            cur["failed"] += 1
            cur["to_s"] = max(cur["to_s"], end - self.t0)
        if cur:
            cur["open"] = True  # no request succeeded after it
            runs.append(cur)
        return [{k: (round(v, 3) if isinstance(v, float) else v) for k, v in r.items()}
                for r in runs]

    def pct(self, p):
        if not self.lat:
            return None
        s = sorted(self.lat)
        return round(s[min(len(s) - 1, int(p * len(s)))] * 1000.0, 3)

    def as_dict(self, final=True):
        d = {
            "mode": self.mode,
            "requests": self.requests,
            "ok": self.ok,
            "failed": self.failed,
            "instances": dict(sorted(self.instances.items())),
            "errors": dict(sorted(self.errors.items())),
            "elapsed_s": round(time.monotonic() - self.t0, 3),
        }
        if self.sticky:
            d["sticky"] = {"cookies_set": self.cookies_set, "moved": self.moved}
        if final:
            d["not_run"] = max(0, self.requests - self.ok - self.failed) if self.requests else 0
            d["p50_ms"] = self.pct(0.50)
            d["p99_ms"] = self.pct(0.99)
            if self.timeline:
                runs = self.fail_runs()
                d["t0_unix"] = round(self.t0_unix, 3)
                d["fail_runs"] = runs
                d["longest_fail_s"] = max((r["to_s"] - r["from_s"] for r in runs), default=0)
                d["longest_fail_s"] = round(d["longest_fail_s"], 3)
        return d


def reason_of(exc):
    if isinstance(exc, asyncio.TimeoutError):
        return "timeout"
    if isinstance(exc, ConnectionRefusedError):
        return "refused"
    if isinstance(exc, ConnectionResetError):
        return "reset"
    if isinstance(exc, OSError):
        return "oserror_%d" % (exc.errno or 0)
    return type(exc).__name__


def family(host):
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def cookies_of(data):
    """The cookies a response's Set-Cookie lines set: {name: value}."""
    head = data.partition(b"\r\n\r\n")[0]
    out = {}
    for line in head.split(b"\r\n")[1:]:
        key, _, value = line.partition(b":")
        if key.strip().lower() == b"set-cookie":
            pair = value.strip().split(b";", 1)[0].decode(errors="replace")
            n, eq, v = pair.partition("=")
            if eq and n.strip():
                out[n.strip()] = v.strip()
    return out


def parse_response(data):
    """(instance name, None) or (None, reason) from one full HTTP response: the
    name from an X-Instance header, else the body (nginx's lab pages)."""
    head, sep, body = data.partition(b"\r\n\r\n")
    if not sep:
        return None, "truncated" if data else "empty"
    status = head.split(b"\r\n", 1)[0].split()
    if len(status) < 2 or status[1] != b"200":
        return None, "status_" + (status[1].decode(errors="replace") if len(status) > 1 else "?")
    for line in head.split(b"\r\n")[1:]:  # a service that says who it is in a header
        key, _, value = line.partition(b":")
        if key.strip().lower() == b"x-instance" and value.strip():
            return value.strip().decode(errors="replace"), None
    name = body.strip().decode(errors="replace")
    if not name:
        return None, "empty_body"
    return name, None


async def progress_task(res, path, every=1.0):
    out = sys.stderr if path == "-" else open(path, "a", buffering=1)
    try:
        while True:
            await asyncio.sleep(every)
            d = res.as_dict(final=False)
            d["window_ms"], res.window = res.window, {}
            out.write(json.dumps(d) + "\n")
            out.flush()
    finally:
        if out is not sys.stderr:
            out.close()


async def http_one(args, req):
    r, w = await asyncio.open_connection(args.host, args.port, family=family(args.host))
    try:
        w.write(req)
        await w.drain()
        return await r.read()  # HTTP/1.0: the server closes
    finally:
        w.close()


async def run_http(args):
    res = Result("http", args.n)
    res.sticky = args.sticky
    req = ("GET %s HTTP/1.0\r\nHost: %s\r\nUser-Agent: slload\r\n\r\n"
           % (args.path, args.host)).encode()
    deadline = time.monotonic() + (args.duration if args.duration else args.deadline)
    issued = 0
    start = time.monotonic()

    async def worker():
        nonlocal issued
        jar, last = {}, None  # --sticky: this user's cookies, the instance that last answered
        while True:
            if args.n and issued >= args.n:
                return
            now = time.monotonic()
            if now >= deadline or STOP:
                return
            i = issued
            issued += 1
            if args.rate:
                due = start + i / args.rate
                if due > now:
                    await asyncio.sleep(due - now)
            t = time.monotonic()
            one = req
            if jar:
                one = req[:-2] + ("Cookie: %s\r\n\r\n" % "; ".join(
                    "%s=%s" % kv for kv in sorted(jar.items()))).encode()
            try:
                data = await asyncio.wait_for(http_one(args, one), args.timeout)
            except Exception as e:  # noqa: BLE001 - every failure is counted by name
                res.bad(reason_of(e), t)
                continue
            name, why = parse_response(data)
            if why:
                res.bad(why, t)
                continue
            res.good(name, time.monotonic() - t, t)
            if args.sticky:
                if jar and name != last:
                    res.moved += 1
                set_cookies = cookies_of(data)
                res.cookies_set += 1 if set_cookies else 0
                jar.update(set_cookies)
                last = name

    stop_on_signals()
    prog = asyncio.ensure_future(progress_task(res, args.progress)) if args.progress else None
    await asyncio.gather(*(worker() for _ in range(args.concurrency)))
    if prog:
        prog.cancel()
    if not args.n:
        res.requests = res.ok + res.failed
    return res.as_dict()


async def read_one_response(r):
    head = await r.readuntil(b"\r\n\r\n")
    length = None
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == b"content-length":
            length = int(v.strip())
    if length is None:
        raise ValueError("no content-length")
    body = await r.readexactly(length)
    return head + body


async def keepalive_one(args, res, deadline):
    """One connection's requests; returns (broken, instances seen)."""
    req = ("GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: slload\r\n\r\n"
           % (args.path, args.host)).encode()
    seen = set()
    try:
        r, w = await asyncio.wait_for(
            asyncio.open_connection(args.host, args.port, family=family(args.host)), args.timeout)
    except Exception as e:  # noqa: BLE001
        res.bad("connect_" + reason_of(e))
        return True, seen
    i = 0
    broken = False
    while (not args.n or i < args.n) and time.monotonic() < deadline and not STOP:
        i += 1
        t = time.monotonic()
        try:
            w.write(req)
            data = await asyncio.wait_for(read_one_response(r), args.timeout)
        except Exception as e:  # noqa: BLE001
            res.bad(reason_of(e))
            broken = True
            break
        name, why = parse_response(data)
        if why:
            res.bad(why)
        else:
            res.good(name, time.monotonic() - t)
            seen.add(name)
        if args.interval:
            await asyncio.sleep(args.interval)
    w.close()
    return broken, seen


async def run_keepalive(args):
    res = Result("keepalive", args.n * args.concurrency)
    deadline = time.monotonic() + (args.duration if args.duration else args.deadline)
    stop_on_signals()
    prog = asyncio.ensure_future(progress_task(res, args.progress)) if args.progress else None
    outcomes = await asyncio.gather(
        *(keepalive_one(args, res, deadline) for _ in range(args.concurrency)))
    if prog:
        prog.cancel()
    broken = sum(1 for b, _ in outcomes if b)
    d = {"connections": args.concurrency, "broken": broken,
         "moved": sum(1 for _, seen in outcomes if len(seen) > 1)}
    if broken:
        d["broken_after"] = res.ok
    if not args.n:
        res.requests = res.ok + res.failed
    d.update(res.as_dict())
    return d


async def udp_one(args, loop):
    s = socket.socket(family(args.host), socket.SOCK_DGRAM)
    try:
        s.setblocking(False)
        s.connect((args.host, args.port))
        query = b"sluice-lab query\n"
        await loop.sock_sendall(s, query.ljust(args.size, b"."))
        return await loop.sock_recv(s, 2048)
    finally:
        s.close()


async def run_udp(args):
    res = Result("udp", args.n)
    loop = asyncio.get_running_loop()
    deadline = time.monotonic() + args.deadline
    issued = 0
    stop_on_signals()

    async def worker():
        nonlocal issued
        while issued < args.n and time.monotonic() < deadline and not STOP:
            issued += 1
            t = time.monotonic()
            try:
                data = await asyncio.wait_for(udp_one(args, loop), args.timeout)
            except Exception as e:  # noqa: BLE001
                res.bad(reason_of(e))
                continue
            name = data.strip().decode(errors="replace")
            if name:
                res.good(name, time.monotonic() - t)
            else:
                res.bad("empty_reply")

    await asyncio.gather(*(worker() for _ in range(args.concurrency)))
    return res.as_dict()


def check(args):
    """PASS/FAIL lines for one result; returns the exit code."""
    with open(args.result) as f:
        r = json.load(f)
    label = args.label or r.get("mode", "?")
    fails = []
    # --max-fail-run: failures are allowed, in runs the options below bound
    runs_bound = args.max_fail_run is not None
    want = args.expect_ok if args.expect_ok is not None else r["requests"]
    if runs_bound:
        want -= r["failed"]
    if r["ok"] != want:
        fails.append("ok=%d, want %d" % (r["ok"], want))
    if not runs_bound and r["failed"] > args.max_failed:
        fails.append("failed=%d (%s), want <= %d"
                     % (r["failed"], json.dumps(r["errors"]), args.max_failed))
    if r.get("broken"):
        fails.append("%s keep-alive connection(s) broken (after %s responses in all)"
                     % (r["broken"] if r["broken"] is not True else 1, r.get("broken_after")))
    if r.get("moved") and not args.may_move:
        fails.append("%d keep-alive connection(s) answered by more than one instance"
                     % r["moved"])
    inst = r["instances"]
    total = sum(inst.values())
    if args.instances is not None:
        names = [n for n in args.instances.split(",") if n]
        extra = sorted(set(inst) - set(names))
        if extra:
            fails.append("unexpected instances %s" % extra)
        if args.share is not None and total:
            for n in names:
                share = inst.get(n, 0) / total
                if abs(share - args.share) > args.tolerance:
                    fails.append("%s got %.1f %%, want %.1f %% +- %.1f"
                                 % (n, 100 * share, 100 * args.share, 100 * args.tolerance))
        elif args.share is None:
            missing = [n for n in names if n not in inst]
            if missing:
                fails.append("instances %s got nothing" % missing)
    if args.one_instance and len(inst) != 1:
        fails.append("responses from %d instances %s, want exactly one" % (len(inst), inst))
    runs = r.get("fail_runs", [])
    if args.max_fail_run is not None and r.get("longest_fail_s", 0) >= args.max_fail_run:
        fails.append("longest run of failures %.3f s, want < %.3f s (runs %s)"
                     % (r["longest_fail_s"], args.max_fail_run, json.dumps(runs)))
    if runs_bound and any(x.get("open") for x in runs):
        fails.append("requests still failed at the end of the load (runs %s)" % json.dumps(runs))
    if args.max_fail_runs is not None and len(runs) > args.max_fail_runs:
        fails.append("%d runs of failures, want <= %d (runs %s)"
                     % (len(runs), args.max_fail_runs, json.dumps(runs)))
    shares = ", ".join("%s %.1f%%" % (n, 100 * c / total) for n, c in sorted(inst.items())) \
        if total else "no responses"
    detail = "ok=%d failed=%d [%s] p50=%sms p99=%sms %.1fs" % (
        r["ok"], r["failed"], shares, r.get("p50_ms"), r.get("p99_ms"), r["elapsed_s"])
    if runs:
        detail += " longest failure run %.3fs of %d run(s)" % (r["longest_fail_s"], len(runs))
    if fails:
        print("FAIL: %s: %s (%s)" % (label, "; ".join(fails), detail))
        return 1
    print("PASS: %s: %s" % (label, detail))
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)

    def common(p, n_default):
        p.add_argument("--host", required=True)
        p.add_argument("--port", type=int, default=80)
        p.add_argument("-n", type=int, default=n_default, help="requests (0: until --duration)")
        p.add_argument("--timeout", type=float, default=3.0, help="s per request")
        p.add_argument("--deadline", type=float, default=60.0, help="s for the whole run")
        p.add_argument("--progress", help="append a JSON line every second ('-': stderr)")

    p = sub.add_parser("http")
    common(p, 3000)
    p.add_argument("-c", "--concurrency", type=int, default=16)
    p.add_argument("--duration", type=float, default=0, help="s; with -n 0: run this long")
    p.add_argument("--rate", type=float, default=0, help="requests/s cap (0: none)")
    p.add_argument("--sticky", action="store_true",
                   help="each of the -c clients keeps the cookies its responses set and sends them")
    p.add_argument("--path", default="/")

    p = sub.add_parser("keepalive")
    common(p, 100)
    p.add_argument("--duration", type=float, default=0)
    p.add_argument("--interval", type=float, default=0, help="s between requests")
    p.add_argument("--path", default="/")
    p.add_argument("-c", "--concurrency", type=int, default=1, help="connections at once")

    p = sub.add_parser("udp")
    common(p, 300)
    p.add_argument("-c", "--concurrency", type=int, default=8)
    p.add_argument("--size", type=int, default=0, help="bytes per datagram (padded)")

    p = sub.add_parser("check")
    p.add_argument("result")
    p.add_argument("--label")
    p.add_argument("--expect-ok", type=int)
    p.add_argument("--max-failed", type=int, default=0)
    p.add_argument("--instances", help="comma-separated names expected (and only these)")
    p.add_argument("--share", type=float, help="expected share of each instance (0..1)")
    p.add_argument("--tolerance", type=float, default=0.10)
    p.add_argument("--one-instance", action="store_true")
    p.add_argument("--may-move", action="store_true",
                   help="a keep-alive connection may be answered by several instances (http VIPs)")
    p.add_argument("--max-fail-run", type=float,
                   help="s: every run of failures must be shorter (http)")
    p.add_argument("--max-fail-runs", type=int, help="at most this many runs of failures (http)")

    args = ap.parse_args()
    if args.cmd == "check":
        sys.exit(check(args))
    if args.cmd in ("http", "keepalive") and not args.n and not args.duration:
        ap.error("-n 0 needs --duration")
    run = {"http": run_http, "keepalive": run_keepalive, "udp": run_udp}[args.cmd]
    out = asyncio.run(run(args))
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
