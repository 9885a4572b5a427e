#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Instructions per packet, per stage, from bench_ipp's callgrind dumps.

Usage: ipp_report.py SRC_DIR BENCH_STDOUT CALLGRIND_OUT_BASE COMMAND > ipp.json

Reads the raw dumps (valgrind --compress-strings=no --compress-pos=no),
one per scenario (named by the dump's trigger), and splits every
instruction of the measured region into a stage:

  self cost of the functions of dataplane/dp_worker.c and perf/bench_ipp.c
  (with everything the compiler inlined into them) by the source file and
  line the debug info gives each instruction: dp_parse.* -> parse,
  dp_vip.* -> vip_lookup, sl_hash.h -> flow_hash, dp_flow.h -> flow_table,
  dp_flow.c -> flow_insert, dp_fwd*/dp_icmp* -> rewrite, and in
  dp_worker.c by function: pick_backend from its flow_misses++ line on
  -> maglev (before it: the hit path -> flow_table), flow_valid ->
  flow_table, flush_port and tx_enqueue* -> tx, the rest (counters, burst
  loop, the cold paths of fragments and ICMP errors) -> other;
  DPDK's inline rte_ethdev.h -> rx in bench_ipp.c, tx in dp_worker.c;
  calls out of those functions (not inlined) by the callee: its file as
  above, eth_ring_rx -> rx, eth_ring_tx -> tx, else the call site's stage.

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
          "rewrite", "tx", "other"]
GROUPS = {"rx": "rx", "parse": "parse", "vip_lookup": "lookup", "flow_hash": "lookup",
          "flow_table": "lookup", "maglev": "maglev", "flow_insert": "maglev",
          "rewrite": "rewrite", "tx": "tx", "other": "other"}
FRAME_FILES = ("dataplane/dp_worker.c", "perf/bench_ipp.c")


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
    if base == "dp_flow.h":
        return "flow_table"
    if base == "dp_flow.c":
        return "flow_insert"
    if base.startswith(("dp_fwd", "dp_icmp")):
        return "rewrite"
    return None


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
        results.append({
            "scenario": trigger,
            "packets": n,
            "flow_hits": run["flow_hits"],
            "flow_misses": run["flow_misses"],
            "instructions": total,
            "instructions_per_packet": round(total / n, 1),
            "stages_per_packet": {k: round(v / n, 1) for k, v in cost.items()},
            "groups_per_packet": {k: round(v / n, 1) for k, v in groups.items()},
        })
    vg = subprocess.run(["valgrind", "--version"], capture_output=True, text=True).stdout.strip()
    cc = subprocess.run(["cc", "--version"], capture_output=True, text=True).stdout.split("\n")[0]
    print(json.dumps({"benchmark": "instructions_per_packet", "command": command,
                      "tool": vg, "compiler": cc, "stages": STAGES,
                      "results": results}, indent=1))


if __name__ == "__main__":
    main()
