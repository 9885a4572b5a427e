#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Checks of what an http VIP writes into the streams, run in the client namespace
against instances of tests/lab/services/login.py (which echo X-Forwarded-For and
X-Request-Id in their JSON). Each prints one line and exits 0 when it holds.

    http_headers_check.py VIP CLIENT_ADDR xff         X-Forwarded-For = the client, an X-Request-Id
    http_headers_check.py VIP CLIENT_ADDR append      a client's own X-Forwarded-For gets ", CLIENT"
    http_headers_check.py VIP CLIENT_ADDR keepalive   N requests on one connection, each its own id
    http_headers_check.py VIP CLIENT_ADDR sticky      Set-Cookie, and with it one instance
    http_headers_check.py VIP CLIENT_ADDR bulk        a 1 MiB POST and a 1 MiB response intact
    http_headers_check.py VIP CLIENT_ADDR ids         prints "PATH ID" for 6 requests: the
                                                      X-Request-Id each instance saw
"""
import hashlib
import http.client
import json
import os
import re
import sys

COOKIE = "SLUICE_INSTANCE"
ID = re.compile(r"^[0-9a-f]{24}$")
SET_COOKIE = re.compile(r"^" + COOKIE + r"=([0-9a-f]{16}); Path=/; HttpOnly$")
PATTERN = bytes(range(256)) * 256


def conn(vip):
    return http.client.HTTPConnection(vip, 80, timeout=5)


def get(c, path, headers=None):
    c.request("GET", path, headers=headers or {})
    r = c.getresponse()
    return r, r.read()


def check(ok, what):
    print(("ok: " if ok else "FAILED: ") + what)
    return 0 if ok else 1


def xff(vip, client):
    r, body = get(conn(vip), "/login/x")
    d = json.loads(body)
    return check(r.status == 200 and d["x_forwarded_for"] == [client] and
                 len(d["x_request_id"]) == 1 and ID.match(d["x_request_id"][0]) is not None,
                 f"X-Forwarded-For {d['x_forwarded_for']} (want [{client}]), "
                 f"X-Request-Id {d['x_request_id']}")


def append(vip, client):
    r, body = get(conn(vip), "/login/x", {"X-Forwarded-For": "203.0.113.7"})
    d = json.loads(body)
    want = [f"203.0.113.7, {client}"]
    return check(d["x_forwarded_for"] == want,
                 f"X-Forwarded-For {d['x_forwarded_for']} (want {want})")


def keepalive(vip, client, n=12):
    c, ids, seen, bad = conn(vip), set(), set(), 0
    for i in range(n):
        r, body = get(c, f"/login/k{i}")
        d = json.loads(body)
        bad += r.status != 200 or d["x_forwarded_for"] != [client]
        ids.update(d["x_request_id"])
        seen.add(d["instance"])
    return check(bad == 0 and len(ids) == n and all(ID.match(i) for i in ids),
                 f"{n} requests on one connection: {len(ids)} distinct ids, instances "
                 f"{sorted(seen)}, {bad} wrong")


def sticky(vip, client, n=9):
    # without a cookie: balanced (round robin), each response a cookie of its instance
    plain, cookies = [], {}
    for i in range(n):
        r, body = get(conn(vip), "/login/s")
        m = SET_COOKIE.match(r.getheader("Set-Cookie") or "")
        plain.append(r.getheader("X-Instance"))
        if m:
            cookies.setdefault(r.getheader("X-Instance"), set()).add(m.group(1))
    one_id = all(len(v) == 1 for v in cookies.values()) and len(cookies) == len(set(plain))
    # with the first one's cookie: always that instance, and no Set-Cookie again
    first = plain[0]
    cookie = f"a=1; {COOKIE}={next(iter(cookies.get(first, {'none'})))}"
    held, again = [], 0
    for i in range(n):
        r, body = get(conn(vip), "/login/s", {"Cookie": cookie})
        held.append(r.getheader("X-Instance"))
        again += r.getheader("Set-Cookie") is not None
    # and on one keep-alive connection
    c = conn(vip)
    for i in range(n):
        r, body = get(c, "/login/s", {"Cookie": cookie})
        held.append(r.getheader("X-Instance"))
        again += r.getheader("Set-Cookie") is not None
    # a cookie that names no instance: balanced again, and a new cookie
    r, body = get(conn(vip), "/login/s", {"Cookie": f"{COOKIE}=00000000deadbeef"})
    fresh = SET_COOKIE.match(r.getheader("Set-Cookie") or "") is not None
    ok = (len(set(plain)) > 1 and len(cookies) == len(set(plain)) and one_id and
          set(held) == {first} and again == 0 and fresh)
    return check(ok, f"without a cookie {plain} (cookies {len(cookies)} instances, one id each "
                 f"{one_id}); with {first}'s: {sorted(set(held))}, Set-Cookie again {again}; "
                 f"an unknown id gets a new one {fresh}")


def bulk(vip, client):
    body = os.urandom(1 << 20)
    c = conn(vip)
    c.request("POST", "/login/upload", body=body,
              headers={"Content-Type": "application/octet-stream"})
    r = c.getresponse()
    d = json.loads(r.read())
    up = (r.status == 200 and d["bytes"] == len(body) and
          d["sha256"] == hashlib.sha256(body).hexdigest() and d["x_forwarded_for"] == [client])
    # the next request on the same connection: a 1 MiB response
    n = 1 << 20
    r, got = get(c, f"/login/big?bytes={n}")
    want = (PATTERN * (n // len(PATTERN) + 1))[:n]
    down = r.status == 200 and got == want
    return check(up and down, f"1 MiB POST intact {up} ({d.get('bytes')} bytes), "
                 f"1 MiB response intact {down} ({len(got)} bytes)")


def ids(vip, client, n=6):
    for i in range(n):
        r, body = get(conn(vip), f"/login/rid{i}")
        d = json.loads(body)
        if r.status != 200 or len(d["x_request_id"]) != 1:
            return check(False, f"/login/rid{i}: status {r.status}, ids {d['x_request_id']}")
        print(f"/login/rid{i} {d['x_request_id'][0]}")
    return 0


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    vip, client, what = sys.argv[1:]
    fn = {"xff": xff, "append": append, "keepalive": keepalive, "sticky": sticky,
          "bulk": bulk, "ids": ids}[what]
    try:
        sys.exit(fn(vip, client))
    except (OSError, ValueError, KeyError, http.client.HTTPException) as e:
        sys.exit(check(False, f"{what}: {type(e).__name__}: {e}"))


if __name__ == "__main__":
    main()
