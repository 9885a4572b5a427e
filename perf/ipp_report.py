#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Instructions per packet, per stage, from bench_ipp's callgrind dumps.

Usage: ipp_report.py SRC_DIR BENCH_STDOUT CALLGRIND_OUT_BASE COMMAND > ipp.json

Reads the raw dumps (valgrind --compress-strings=no --compress-pos=no),
one per scenario (named by the dump's trigger), and splits every
instruction of the measured region into a stage:

  self cost of the functions of dataplane/dp_worker.c, dp_worker_nat.c and
  perf/bench_ipp.c (with everything the compiler inlined into them) by the
  source file and line the debug info gives each instruction: dp_parse.* ->
  parse, dp_vip.* -> vip_lookup, sl_hash.h -> flow_hash, dp_flow.h and
  dp_conn.h, dp_natport.h -> flow_table (full NAT's connection lookup and
  the owner of a reply's port),
  dp_flow.c, dp_conn.c and dp_natport.c -> flow_insert (a connection
  opened, its port found), dp_fwd*/dp_icmp*/dp_nat.*/dp_csum*/dp_tcp* ->
  rewrite, the rest of dp_worker_nat.c -> other, and in
  dp_worker.c by function: pick_backend from its flow_misses++ line on
  -> maglev (before it: the hit path -> flow_table), flow_valid ->
  flow_table, flush_port and tx_enqueue* -> tx, the rest (counters, burst
  loop, the cold paths of fragments and ICMP errors) -> other;
  DPDK's inline rte_ethdev.h -> rx in bench_ipp.c, tx in dp_worker.c;
  calls out of those functions (not inlined) by the callee: its file as
  above (but dp_conn_track -> flow_table), eth_ring_rx -> rx, eth_ring_tx
  -> tx, else the call site's stage. The SYN proxy: dp_cookie.* -> cookie
  (the keyed hashes of making and checking a cookie), the rest of
  dp_synproxy.c and dp_worker_sp.c, with what they inline (the backend
  SYN's mbuf taken from the pool), -> synproxy.

HTTP (the scenarios http_*, a whole exchange per request): the self cost
of dp_worker_http.c by line as above, dp_http.* -> http_parse (the
request and response parser), dp_route.* and sl_route.* -> route (the
route and the instance picked per request), the rest of the HTTP files
(dp_worker_http.c, dp_http_ctx.c, dp_http_answer.c, dp_seqadj.h: the
head held, the instance opened, the splice) -> http; dp_seg.* (segment
helpers the SYN proxy and HTTP share) counts in its caller's stage.

Scenarios: established_* must all hit, new_* all miss (full NAT: open a
connection), synproxy_syn_* must each send a cookie SYN-ACK and open
nothing, synproxy_ack_* must each be a valid cookie that opens a
connection; http_short_* must open one connection per request (through a
valid cookie), route and answer each request and leave each connection in
TIME_WAIT, http_keepalive_* route and answer each request on a connection
already open, no re-bind. For them the JSON also has requests,
packets_per_request, instructions_per_request and stages_per_request.

The stages must add up to callgrind's total for the dump, or the report
fails. Instruction attribution through inlining is by line table: a few
instructions the compiler merged or hoisted across statements land on a
neighbouring line, so stages are exact to within a few instructions.
"""
import json
import os
import re
import subprocess
import sys

STAGES = ["rx", "parse", "vip_lookup", "flow_hash", "flow_table", "maglev", "flow_insert",
          "rewrite", "tx", "synproxy", "cookie", "http", "http_parse", "route", "other"]
GROUPS = {"rx": "rx", "parse": "parse", "vip_lookup": "lookup", "flow_hash": "lookup",
          "flow_table": "lookup", "maglev": "maglev", "flow_insert": "maglev",
          "rewrite": "rewrite", "tx": "tx", "synproxy": "synproxy", "cookie": "synproxy",
          "http": "http", "http_parse": "http", "route": "http", "other": "other"}
FRAME_FILES = ("dataplane/dp_worker.c", "dataplane/dp_worker_nat.c", "dataplane/dp_worker_sp.c",
               "dataplane/dp_synproxy.c", "dataplane/dp_worker_http.c", "perf/bench_ipp.c")
SP_FILES = ("dataplane/dp_worker_sp.c", "dataplane/dp_synproxy.c")


def func_ranges(path):
    """[(first_line, last_line, name)] of the top-level functions of a C file."""
    out, start, name = [], None, None
    head = re.compile(r"^[A-Za-z_][\w \*]*?\b(\w+)\(")
    with open(path) as f:
        for no, line in enumerate(f, 1):
            m = head.match(line)
            if start is None and m and not line.startswith(("struct ", "typedef")) \
                    and not line.rstrip().endswith(";"):
                start, name = no, m.group(1)
            elif start is not None and line.rstrip() == "}":
                out.append((start, no, name))
                start = None
    return out


def by_file(path):
    base = os.path.basename(path)
    if base.startswith("dp_parse"):
        return "parse"
    if base.startswith("dp_vip"):
        return "vip_lookup"
    if base == "sl_hash.h":
        return "flow_hash"
    if base in ("dp_flow.h", "dp_conn.h", "dp_natport.h"):
        return "flow_table"
    if base in ("dp_flow.c", "dp_conn.c", "dp_natport.c"):
        return "flow_insert"
    if base.startswith(("dp_fwd", "dp_icmp", "dp_nat.", "dp_csum", "dp_tcp")):
        return "rewrite"
    if base.startswith("dp_cookie"):
        return "cookie"
    if base.startswith("dp_synproxy"):
        return "synproxy"
    if base in ("dp_http.c", "dp_http.h"):
        return "http_parse"
    if base.startswith(("dp_route", "sl_route")):
        return "route"
    if base.startswith(("dp_http_", "dp_worker_http", "dp_seqadj")):
        return "http"
    return None  # dp_seg.* (segments, shared by the SYN proxy and HTTP): its caller's


class Attributor:
    def __init__(self, src):
        path = os.path.join(src, "dataplane/dp_worker.c")
        self.worker = func_ranges(path)
        # pick_backend up to the miss counter is the flow-table hit path
        with open(path) as f:
            self.miss_line = next(no for no, line in enumerate(f, 1)
                                  if "flow_misses++" in line)

    def worker_fn(self, line):
        for a, b, name in self.worker:
            if a <= line <= b:
                return name
        return None

    def site(self, path, line, fn_file):
        s = by_file(path)
        if s:
            return s
        if fn_file.endswith(SP_FILES):
            return "synproxy"
        if fn_file.endswith("dataplane/dp_worker_http.c"):
            return "http"
        if path.endswith("dataplane/dp_worker.c"):
            name = self.worker_fn(line)
            if name == "pick_backend" and line < self.miss_line:
                return "flow_table"
            return {"pick_backend": "maglev", "flow_valid": "flow_table",
                    "flush_port": "tx", "tx_enqueue": "tx",
                    "tx_enqueue_many": "tx"}.get(name, "other")
        if path.endswith("perf/bench_ipp.c"):
            return "rx"
        if path.endswith("rte_ethdev.h"):
            return "rx" if fn_file.endswith("perf/bench_ipp.c") else "tx"
        return "other"

    def callee(self, name, path, site_stage):
        if name.startswith("dp_conn_track"):
            return "flow_table"  # a connection's state, per packet: not an insert
        if name.startswith("eth_ring_rx") or name.startswith("rte_eth_rx"):
            return "rx"
        if name.startswith("eth_ring_tx") or name.startswith("rte_eth_tx"):
            return "tx"
        return by_file(path) or site_stage


def parse_dump(path, att):
    cost = {s: 0 for s in STAGES}
    total = None
    trigger = None
    fl = fi = fn = None
    cfile = cfn = None
    pending_call = False
    in_frame = False
    with open(path) as f:
        for raw in f:
            line = raw.rstrip("\n")
            if line.startswith("desc: Trigger: Client Request: "):
                trigger = line.split(": ", 2)[2].split(": ", 1)[1]
                continue
            if line.startswith("totals:"):
                total = int(line.split()[1])
                continue
            if not line or line.startswith("#"):
                continue
            if pending_call:
                pending_call = False
                pos, inc = line.split()[:2]
                if in_frame and not cfile.endswith(FRAME_FILES):
                    here = fi or fl
                    st = att.site(here, int(pos), fl)
                    cost[att.callee(cfn, cfile, st)] += int(inc)
                cfile = fl  # a call without cfi/cfl names a function of the current file
                continue
            key, _, val = line.partition("=")
            if key in ("fl", "fi", "fe", "fn", "ob", "cob", "cfi", "cfl", "cfn", "calls"):
                if key == "fl":
                    fl, fi = val, None
                elif key in ("fi", "fe"):
                    fi = None if val == fl else val
                elif key == "fn":
                    fn = re.sub(r"'\d+$", "", val)
                    fi = None
                    in_frame = fl is not None and fl.endswith(FRAME_FILES)
                    cfile = fl
                elif key in ("cfi", "cfl"):
                    cfile = val
                elif key == "cfn":
                    cfn = re.sub(r"'\d+$", "", val)
                elif key == "calls":
                    pending_call = True
                continue
            if line[0].isdigit() or line[0] in "+-*":
                parts = line.split()
                if len(parts) < 2 or not in_frame:
                    continue
                here = fi or fl
                cost[att.site(here, int(parts[0]), fl)] += int(parts[1])
                continue
    return trigger, total, cost


def main():
    src, bench_out, base, command = sys.argv[1:5]
    att = Attributor(src)
    runs = {}
    with open(bench_out) as f:
        for line in f:
            if line.startswith("{"):
                r = json.loads(line)
                runs[r["scenario"]] = r
    dumps = sorted((p for p in os.listdir(os.path.dirname(base) or ".")
                    if p.startswith(os.path.basename(base) + ".")),
                   key=lambda p: int(p.rsplit(".", 1)[1]))
    results = []
    for d in dumps:
        trigger, total, cost = parse_dump(os.path.join(os.path.dirname(base), d), att)
        run = runs.get(trigger)
        if run is None:
            sys.exit(f"ipp_report: dump {d}: no bench output for scenario '{trigger}'")
        n = run["packets"]
        if run["tx"] != n or run["drops"] != 0:
            sys.exit(f"ipp_report: {trigger}: {run['tx']} of {n} packets sent, "
                     f"{run['drops']} dropped: not the intended path")
        if trigger.startswith("http_"):
            q = run["requests"]
            short = trigger.startswith("http_short")
            want = {"http_requests": q, "http_responses": q, "http_rebinds": 0,
                    "opened": q if short else 0, "synproxy_valid": q if short else 0,
                    "time_wait": q if short else 0}
            bad = {k: run[k] for k, v in want.items() if run[k] != v}
            if bad:
                sys.exit(f"ipp_report: {trigger}: {bad}, expected {want}")
        elif trigger.startswith("synproxy_syn"):
            if run["synproxy_cookies"] != n or run["opened"] != 0:
                sys.exit(f"ipp_report: {trigger}: {run['synproxy_cookies']} cookies sent, "
                         f"{run['opened']} connections opened, expected {n} and 0")
        elif trigger.startswith("synproxy_ack"):
            if run["synproxy_valid"] != n or run["opened"] != n:
                sys.exit(f"ipp_report: {trigger}: {run['synproxy_valid']} valid cookies, "
                         f"{run['opened']} connections opened, expected {n} of each")
        else:
            want_hits = n if trigger.startswith("established") else 0
            if run["flow_hits"] != want_hits or run["flow_hits"] + run["flow_misses"] != n:
                sys.exit(f"ipp_report: {trigger}: {run['flow_hits']} hits, "
                         f"{run['flow_misses']} misses, expected {want_hits} hits")
        s = sum(cost.values())
        if s != total:
            sys.exit(f"ipp_report: {trigger}: stages add up to {s}, callgrind total {total}")
        groups = {}
        for k, v in cost.items():
            groups[GROUPS[k]] = groups.get(GROUPS[k], 0) + v
        r = {
            "scenario": trigger,
            "packets": n,
            "flow_hits": run["flow_hits"],
            "flow_misses": run["flow_misses"],
            "instructions": total,
            "instructions_per_packet": round(total / n, 1),
            "stages_per_packet": {k: round(v / n, 1) for k, v in cost.items()},
            "groups_per_packet": {k: round(v / n, 1) for k, v in groups.items()},
        }
        if "requests" in run:
            q = run["requests"]
            r.update({"requests": q, "packets_per_request": round(n / q, 2),
                      "instructions_per_request": round(total / q, 1),
                      "stages_per_request": {k: round(v / q, 1) for k, v in cost.items()}})
        results.append(r)
    vg = subprocess.run(["valgrind", "--version"], capture_output=True, text=True).stdout.strip()
    cc = subprocess.run(["cc", "--version"], capture_output=True, text=True).stdout.split("\n")[0]
    print(json.dumps({"benchmark": "instructions_per_packet", "command": command,
                      "tool": vg, "compiler": cc, "stages": STAGES,
                      "results": results}, indent=1))


if __name__ == "__main__":
    main()
