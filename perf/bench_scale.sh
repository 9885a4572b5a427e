#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Benchmark 4c: how sluiced's control-plane work grows with the number of
# backends. Every figure is a ratio measured in one run, time at the large
# size over time at the small one, and its scaling exponent
# log(ratio) / log(10): ~1 linear, ~2 quadratic, ~0 bounded.
#  - in process (perf/bench_scale, the real modules), 100 k and 1 M
#    backends (both beyond the CPU caches, so the ratio shows the algorithm,
#    not the cache): config load, a discovery set merged by the model, next
#    hops tracked, a table build, a burst of etcd watch events (50 k, 500 k),
#    one bounded neighbour step;
#  - a real sluiced fed a discovery file of 10 k and 100 k instances (all
#    unresolved, the costly case): start to first publish, one admin
#    "health" page, every page (what sluicectl health follows), and the CPU
#    it burns over 3 idle seconds (bounded neighbour work per tick).
# Runs under /tmp/sluice-e2e.lock. No traffic is sent: the backends'
# addresses (198.18.0.0/15) are only looked up in the kernel's tables.
#
# Usage: perf/bench_scale.sh [BUILD_DIR]   (default $SLUICE_BUILD_DIR, else build)
#   SLUICE_SCALE_SMALL (10000) SLUICE_SCALE_LARGE (100000): the daemon's sizes
#   SLUICE_SCALE_INPROC_SMALL (100000) SLUICE_SCALE_INPROC_LARGE (1000000)
# Writes perf/results/scale.json.
set -euo pipefail

SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${1:-${SLUICE_BUILD_DIR:-$SRC/build}}" && pwd)
SMALL=${SLUICE_SCALE_SMALL:-10000}
LARGE=${SLUICE_SCALE_LARGE:-100000}
IN_SMALL=${SLUICE_SCALE_INPROC_SMALL:-100000}
IN_LARGE=${SLUICE_SCALE_INPROC_LARGE:-1000000}
INST=slscale$$
PY=/usr/bin/python3

if [ "${SLUICE_SCALE_LOCKED:-}" != 1 ]; then
	ninja -C "$BUILD" sluiced sluicectl perf/bench_scale >/dev/null
	SLUICE_SCALE_LOCKED=1 exec flock /tmp/sluice-e2e.lock "$0" "$BUILD"
fi

TMP=$(mktemp -d /tmp/sl-scale.XXXXXX)
PID=
cleanup() {
	[ -n "$PID" ] && kill -0 "$PID" 2>/dev/null && { kill "$PID"; wait "$PID" 2>/dev/null || true; }
	rm -f "/dev/shm/sluice-$INST"
	rm -rf "$TMP"
}
trap cleanup EXIT

"$BUILD/perf/bench_scale" -s "$IN_SMALL" -l "$IN_LARGE" -o "$TMP/inproc.json"

# One admin request over the socket: prints the reply's size and the seconds it took.
cat >"$TMP/ask.py" <<'PY'
import json, socket, sys, time
path, line = sys.argv[1], sys.argv[2]
t0 = time.monotonic()
s = socket.socket(socket.AF_UNIX)
s.settimeout(30)
s.connect(path)
s.sendall(line.encode() + b"\n")
data = b""
while True:
    b = s.recv(1 << 20)
    if not b:
        break
    data += b
dt = time.monotonic() - t0
r = json.loads(data)
print(len(data), dt, r.get("next", ""))
PY

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# daemon N: start sluiced on a file of N instances; one JSON object on stdout
daemon() {
	local n=$1 dir=$TMP/d$1 t0 pub ticks0 ticks1 page all cursor pages=0
	mkdir -p "$dir"
	"$PY" - "$n" >"$dir/pools.json" <<'PY'
import json, sys
n = int(sys.argv[1])
v = []
for i in range(n):
    a = (198 << 24) | (18 << 16) | (i % 131072)
    v.append({"address": "%d.%d.%d.%d" % (a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255),
              "port": 80 + i // 131072})
print(json.dumps({"pools": {"web": v}}))
PY
	cat >"$dir/s.conf" <<CONF
instance = "$INST";
tables = { max_backends = $((n + 1024)); max_pools = 2; max_vips = 2; };
controlplane = { admin_socket = "$dir/a.sock"; neigh_timeout_ms = 0; };
discovery = { file = { path = "$dir/pools.json"; }; };
vips = ( { name = "web"; address = "198.18.100.1"; port = 80; pool = "web"; } );
pools = ( { name = "web"; backends = (); discovery = { file = true; }; } );
CONF
	rm -f "/dev/shm/sluice-$INST"
	t0=$(date +%s.%N)
	"$BUILD/sluiced" -c "$dir/s.conf" >"$dir/d.log" 2>&1 &
	PID=$!
	for _ in $(seq 1 600); do
		grep -q "published generation" "$dir/d.log" && break
		kill -0 "$PID" 2>/dev/null || { tail "$dir/d.log" >&2; exit 1; }
		sleep 0.05
	done
	pub=$(echo "$(date +%s.%N) - $t0" | bc)
	sleep 4 # the first pass over the new backends (busy ticks) is over: idle from here
	ticks0=$(cpu_ticks "$PID")
	sleep 3
	ticks1=$(cpu_ticks "$PID")
	page=$("$PY" "$TMP/ask.py" "$dir/a.sock" health | awk '{print $2}')
	t0=$(date +%s.%N)
	cursor=
	while :; do
		read -r _ _ cursor < <("$PY" "$TMP/ask.py" "$dir/a.sock" "health${cursor:+ $cursor}")
		pages=$((pages + 1))
		[ -n "$cursor" ] || break
	done
	all=$(echo "$(date +%s.%N) - $t0" | bc)
	kill "$PID"
	wait "$PID" || true
	PID=
	printf '{"n":%d,"s_to_first_publish":%s,"s_health_page":%s,"s_health_all":%s,"pages":%d,"cpu_s_per_s_idle":%s}\n' \
		"$n" "$pub" "$page" "$all" "$pages" \
		"$(echo "scale=4; ($ticks1 - $ticks0) / $(getconf CLK_TCK) / 3" | bc)"
}

daemon "$SMALL" >"$TMP/ds.json"
daemon "$LARGE" >"$TMP/dl.json"

jq -n --slurpfile p "$TMP/inproc.json" --slurpfile s "$TMP/ds.json" --slurpfile l "$TMP/dl.json" \
	--arg cmd "perf/bench_scale.sh" '
	def row($name; $what; $a; $b):
		{path: $name, what: $what, n_small: $s[0].n, n_large: $l[0].n, small: $a, large: $b,
		 ratio: (if $a > 0 then ($b / $a * 100 | round) / 100 else null end),
		 exponent: (if $a > 0 and $b > 0 then
			(((($b / $a) | log) / (($l[0].n / $s[0].n) | log)) * 100 | round) / 100
			else null end)};
	{benchmark: "scale", command: $cmd, date: (now | todate),
	 in_process: $p[0].paths,
	 daemon: [
		row("start_to_publish"; "sluiced start to first publish, s"; $s[0].s_to_first_publish;
		    $l[0].s_to_first_publish),
		row("health_page"; "one admin health page, s"; $s[0].s_health_page; $l[0].s_health_page),
		row("health_all"; "every health page, s"; $s[0].s_health_all; $l[0].s_health_all),
		row("idle_cpu"; "CPU s per s while idle with every backend unresolved";
		    $s[0].cpu_s_per_s_idle; $l[0].cpu_s_per_s_idle)],
	 raw: {small: $s[0], large: $l[0]}}' >"$SRC/perf/results/scale.json"
jq -r '(.in_process[] | "\(.path): ratio \(.ratio), exponent \(.exponent)"),
	(.daemon[] | "\(.path): \(.small) -> \(.large), ratio \(.ratio), exponent \(.exponent)")' \
	"$SRC/perf/results/scale.json"
