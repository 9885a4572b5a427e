#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Benchmark 5: the namespace lab, side by side in one run. One lab
# (tests/lab/lab.sh: client ns -> lb ns -> three nginx backends, one bridge)
# is built once; on the same namespaces and the same three nginx instances
# the script measures, path after path:
#
#   sluice-tunnel  sluiced + sluice-dp, VIP 198.18.100.1 (IPIP/GUE to the
#                  backends, decap by sluicectl backend attach)
#   sluice-dsr     the same daemons, VIP 198.18.100.2 (MAC rewrite)
#   nft-dnat       dataplane stopped; the lb's kernel forwards, nftables
#                  DNAT `numgen inc mod 3` to the three backends, VIP
#                  198.18.100.11 (backends route the client back via the lb)
#   haproxy-tcp    HAProxy `mode tcp` roundrobin listening on 198.18.100.12
#                  in the lb namespace (maxconn 8000)
#   direct         the client straight to backend 1 (198.18.1.11), no LB
#
# and then, in a second lab (lab.sh --router --nat: the client behind a
# router, full NAT), HTTP routed by path with the same two routes on each
# path, /login to the login service and /profile to the profile service
# (ports 8081 and 8082 of three nginx, one worker each, answering
# "login beN" / "profile beN"):
#
#   sluice-http    sluiced + sluice-dp, an http VIP 198.18.100.20 (mode
#                  "http": SYN proxy, the request head read, routed, the
#                  instance connection spliced), pools of Maglev
#   haproxy-http   HAProxy `mode http` on 198.18.100.21 in the lb namespace,
#                  the routes as ACLs (path /login or path_beg /login/),
#                  roundrobin (maxconn 8000, one thread)
#   direct-http    the client straight to backend 1 port 8080, where nginx
#                  routes the two paths itself
#
# wrk sends /login from its first thread and /profile from its second
# (perf/lab/wrk_paths.lua), so a keep-alive connection stays on its route;
# 30 requests to each path first check that every answer comes from the
# path's service. No iperf3 on these paths (iperf3 is no HTTP).
#
# For each path: wrk keep-alive and wrk with one connection per request
# (`Connection: close`), -t2 -c64 -d5s by default, requests/s and latency
# percentiles; and iperf3 TCP throughput. iperf3 opens a control and data
# connections which must all reach the same server, so every path sends
# iperf3 (port 5201) to backend 1 only (a one-backend pool in Sluice, a
# one-target DNAT rule, a one-server HAProxy backend). Each measurement runs
# --repeat times back to back; the JSON keeps every run and the median.
#
# On 2 cores with veth pairs this measures the kernel and the clients more
# than any load balancer: wrk, three nginx workers, the veth/bridge softirqs
# and (for Sluice) the busy-polling sluice-dp worker share 2 CPUs. The JSON
# says so ("caveat") and records how busy the box was during every run.
#
# Run (root; the e2e lock keeps DPDK runs from overlapping on 2 cores):
#   flock /tmp/sluice-e2e.lock perf/bench_lab.sh [options]
# Options:
#   --duration S     wrk seconds per run (5)        --threads N  wrk threads (2)
#   --conns N        wrk connections (64)           --repeat N   runs per figure (3)
#   --iperf-time S   iperf3 seconds (5, after 1 s omitted)
#   --iperf-streams N  iperf3 -P (1)
#   --paths "LIST"   subset of: sluice-tunnel sluice-dsr nft-dnat haproxy-tcp direct
#                    sluice-http haproxy-http direct-http (default: all)
#   --out FILE       JSON (perf/results/lab-<YYYY-MM-DD-HHMM>.json); plots go
#                    beside it as <stem>-rps.png, <stem>-p99.png, <stem>-iperf.png,
#                    and for the http paths <stem>-http-rps.png, <stem>-http-p99.png
#   --no-huge        run sluice-dp without hugepages (default: reserve 256 x 2 MiB
#                    pages, mount them, give them back at the end)
#   --plot FILE.json only redraw the plots of an earlier run
# Environment: SLUICE_BUILD_DIR (default <source>/build) holds sluiced,
# sluice-dp and sluicectl; SL_LAB (default sllab5) names the lab; the
# configuration's own overrides (SLUICE_NAT_TIMEOUTS_TIME_WAIT=1, ...) reach
# both daemons and are written at the start of the JSON's "command".
#
# Output JSON (one object per run):
# {
#   "benchmark": "lab", "schema": 2, "date": "2026-11-25T10:00:00+00:00",
#   "command": "perf/bench_lab.sh ...", "git": "<commit>",
#   "host": { "cpus": 2, "kernel": "...", "model": "..." },
#   "caveat": "...",
#   "params": { "wrk_threads": 2, "wrk_conns": 64, "duration_s": 5, "repeat": 3,
#               "iperf_time_s": 5, "iperf_omit_s": 1, "iperf_streams": 1,
#               "hugepages": true, "nginx_workers_per_backend": 1 },
#   "mtu": { "client_if_mtu": 1500, "tunnel_pmtu_after_iperf": 1480,
#            "dp_too_big": 3, "note": "..." },
#   "paths": [ {
#     "name": "sluice-tunnel", "label": "Sluice tunnel", "group": "l4" | "http",
#     "http_target": "198.18.100.1:80", "iperf_target": "198.18.100.1:5201" | null,
#     "http_paths": [] | [ "/login", "/profile" ],
#     "instances_seen": { "be1": 10, "be2": 10, "be3": 10 },  # 30 curl requests
#                       # http: { "/login": { "login be1": 10, ... }, "/profile": { ... } }
#     "keepalive": { "runs": [ R... ], "median": { "rps": .., "p50_us": .., "p99_us": .. } },
#     "close":     { "runs": [ R... ], "median": { ... } },
#     "iperf3":    { "runs": [ { "gbps": .., "retransmits": .., "cpu_busy_pct": .. }
#                              | { "error": ".." } ], "median": { "gbps": .. } } | null,
#   } ... ],
#   "ratios": [ { "path": "sluice-http", "against": "haproxy-http", "keepalive_rps": ..,
#                 "close_rps": .., "keepalive_p99": .., "close_p99": .. } ... ],
#                 # the medians' ratios: each L4 load balancer against direct,
#                 # haproxy-tcp and nft-dnat, each http one against direct-http
#                 # and haproxy-http
#   "http": { "vip": "198.18.100.20", "routes": {..}, "note": "..",
#             "sluice_stats": { "drops": {..}, "http": { sluicectl stats' http block } } },
#   "sluice_stats": { "drops": { non-zero drops by name }, "vips": { per VIP
#                     packets, bytes, flows }, "backends": { ... } },  # sluicectl
#                     stats --json after both Sluice paths (cumulative)
#   "errors": [ "..." ]       # what failed, by path; empty when all ran
# }
# where R is { "requests", "duration_s", "rps", "bytes", "latency_us": { "mean",
# "stdev", "min", "max", "p50", "p90", "p99", "p999" }, "errors": { "connect",
# "read", "write", "status", "timeout" }, "cpu_busy_pct" } (wrk's own figures,
# perf/lab/wrk_report.lua) or { "error": "..." }.

set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
: "${SLUICE_SOURCE_DIR:=$(cd "$BENCH_DIR/.." && pwd)}"
: "${SLUICE_BUILD_DIR:=$SLUICE_SOURCE_DIR/build}"
SLUICE_BUILD_DIR=$(cd "$SLUICE_BUILD_DIR" && pwd)
export SLUICE_SOURCE_DIR SLUICE_BUILD_DIR
: "${SL_LAB:=sllab5}"
export SL_LAB

DURATION=5
THREADS=2
CONNS=64
REPEAT=3
IPERF_TIME=5
IPERF_OMIT=1
IPERF_STREAMS=1
IPERF_PORT=5201
ALL_PATHS="sluice-tunnel sluice-dsr nft-dnat haproxy-tcp direct sluice-http haproxy-http direct-http"
PATHS=$ALL_PATHS
OUT=""
HUGE=1
PLOT_ONLY=""
# the configuration's environment overrides (docs/configuration.md) the daemons get
SLUICE_ENV=$(env | grep -E '^SLUICE_[A-Z0-9_]+=' | grep -Ev '^SLUICE_(SOURCE|BUILD)_DIR=' | sort | tr '\n' ' ' || true)
CMDLINE="${SLUICE_ENV}perf/bench_lab.sh $*"
WRK_LUA=$BENCH_DIR/lab/wrk_report.lua
WRK_PATHS_LUA=$BENCH_DIR/lab/wrk_paths.lua
WRK_SCRIPT=$WRK_LUA
HTTP_PATHS=""
GP=$BENCH_DIR/plots/lab.gp
VIP_NFT=198.18.100.11
VIP_HAPROXY=198.18.100.12
VIP_HTTP=198.18.100.20
VIP_HAPROXY_HTTP=198.18.100.21
HTTP_DIRECT_PORT=8080
HTTP_LOGIN_PORT=8081
HTTP_PROFILE_PORT=8082
HUGE_PAGES=256

die() {
	echo "bench_lab: ERROR: $*" >&2
	exit 1
}
log() { echo "bench_lab: $(date +%T) $*" >&2; }

usage() {
	sed -n '/^# Run (root/,/^# both daemons and are written/p' "$0" | sed 's/^# \{0,1\}//'
	exit "${1:-0}"
}

while [ $# -gt 0 ]; do
	case $1 in
	--duration) DURATION=$2; shift 2 ;;
	--threads) THREADS=$2; shift 2 ;;
	--conns) CONNS=$2; shift 2 ;;
	--repeat) REPEAT=$2; shift 2 ;;
	--iperf-time) IPERF_TIME=$2; shift 2 ;;
	--iperf-streams) IPERF_STREAMS=$2; shift 2 ;;
	--paths) PATHS=$2; shift 2 ;;
	--out) OUT=$2; shift 2 ;;
	--no-huge) HUGE=0; shift ;;
	--plot) PLOT_ONLY=$2; shift 2 ;;
	-h | --help) usage 0 ;;
	*) echo "bench_lab: unknown option '$1'" >&2; usage 2 ;;
	esac
done
for v in DURATION THREADS CONNS REPEAT IPERF_TIME IPERF_STREAMS; do
	[[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "--$(echo "$v" | tr 'A-Z_' 'a-z-') must be a positive integer, not '${!v}'"
done
for p in $PATHS; do
	case $p in
	sluice-tunnel | sluice-dsr | nft-dnat | haproxy-tcp | direct | sluice-http | haproxy-http | direct-http) ;;
	*) die "--paths: unknown path '$p' ($ALL_PATHS)" ;;
	esac
done

# --- plots -----------------------------------------------------------------

# plot JSON: <stem>.tsv (one row per L4 path, the medians) and three PNGs;
# <stem>-http.tsv and two PNGs <stem>-http-{rps,p99}.png for the HTTP paths.
plot() {
	local json=$1 stem
	stem=${json%.json}
	command -v gnuplot >/dev/null || die "gnuplot not installed (apt-get install gnuplot-nox)"
	if jq -e '[.paths[] | select((.group // "l4") == "l4")] | length > 0' "$json" >/dev/null; then
		plot_group "$json" l4 "$stem" ""
		log "plots: $stem-rps.png $stem-p99.png $stem-iperf.png"
	fi
	if jq -e '[.paths[] | select(.group == "http")] | length > 0' "$json" >/dev/null; then
		plot_group "$json" http "$stem-http" "http=1; "
		log "plots: $stem-http-rps.png $stem-http-p99.png"
	fi
}

# plot_group JSON GROUP STEM GNUPLOT_VARS
plot_group() {
	local json=$1 group=$2 stem=$3 vars=$4 tsv=$3.tsv
	jq -r --arg g "$group" '
	  def ms: if . == null then "NaN" else (. / 1000 * 1000 | round / 1000) end;
	  def num: if . == null then "NaN" else . end;
	  "# path\tka_rps\tclose_rps\tka_p50_ms\tka_p99_ms\tclose_p50_ms\tclose_p99_ms\tiperf_gbps",
	  (.paths[] | select((.group // "l4") == $g) | [ .name,
	      (.keepalive.median.rps | num), (.close.median.rps | num),
	      (.keepalive.median.p50_us | ms), (.keepalive.median.p99_us | ms),
	      (.close.median.p50_us | ms), (.close.median.p99_us | ms),
	      (.iperf3.median.gbps? | num) ] | @tsv)' "$json" >"$tsv"
	gnuplot -e "${vars}datafile='$tsv'; outstem='$stem'; subtitle='$(jq -r '"wrk -t\(.params.wrk_threads) -c\(.params.wrk_conns) -d\(.params.duration_s)s, median of \(.params.repeat), \(.date[0:10]), 2 vCPU + veth"' "$json")'" "$GP" ||
		die "gnuplot $GP failed on $tsv"
}

if [ -n "$PLOT_ONLY" ]; then
	[ -f "$PLOT_ONLY" ] || die "--plot: no file $PLOT_ONLY"
	plot "$PLOT_ONLY"
	exit 0
fi

# --- preflight -------------------------------------------------------------

[ "$(id -u)" = 0 ] || die "needs root (network namespaces, hugepages)"
# The caller holds the e2e lock (flock(1) on another descriptor): if we can
# take it ourselves, nobody holds it and this run would race the e2e tests.
if flock -n /tmp/sluice-e2e.lock true 2>/dev/null; then
	die "not under the e2e lock: run as  flock /tmp/sluice-e2e.lock $0 ..."
fi
for t in wrk iperf3 haproxy nft nginx jq curl gnuplot ethtool; do
	command -v "$t" >/dev/null || die "$t is not installed (tests/lab/setup.sh lists the packages)"
done
for b in sluiced sluice-dp sluicectl; do
	[ -x "$SLUICE_BUILD_DIR/$b" ] || die "no $SLUICE_BUILD_DIR/$b: build first (ninja -C $SLUICE_BUILD_DIR)"
done
[ -f "$WRK_LUA" ] || die "no $WRK_LUA"

STAMP=$(date +%Y-%m-%d-%H%M)
[ -n "$OUT" ] || OUT=$SLUICE_SOURCE_DIR/perf/results/lab-$STAMP.json
mkdir -p "$(dirname "$OUT")"
WORK=$(mktemp -d /tmp/sluice-bench-lab.XXXXXX)
HUGE_DIR=/tmp/sluice-bench-lab-huge-$SL_LAB
HUGE_OLD=""
HUGE_MOUNTED=0
ERRORS=()

# shellcheck source=../tests/lab/lab.sh
. "$SLUICE_SOURCE_DIR/tests/lab/lab.sh"

cleanup() {
	local rc=$?
	set +e
	lab_down
	if [ "$HUGE_MOUNTED" = 1 ]; then
		umount "$HUGE_DIR" 2>/dev/null || umount -l "$HUGE_DIR"
	fi
	rmdir "$HUGE_DIR" 2>/dev/null
	if [ -n "$HUGE_OLD" ]; then
		echo "$HUGE_OLD" >/proc/sys/vm/nr_hugepages
	fi
	rm -rf "$WORK"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- helpers -----------------------------------------------------------------

# /proc/stat busy and total jiffies, "busy total".
cpu_sample() {
	awk '/^cpu / { t = 0; for (i = 2; i <= NF; i++) t += $i; printf "%.0f %.0f\n", t - $5 - $6, t }' /proc/stat
}
cpu_busy_pct() { # "busy0 total0" "busy1 total1"
	local b0 t0 b1 t1
	read -r b0 t0 <<<"$1"
	read -r b1 t1 <<<"$2"
	awk -v b="$((b1 - b0))" -v t="$((t1 - t0))" 'BEGIN { printf "%.1f", (t > 0) ? 100 * b / t : 0 }'
}

# run_wrk URL ka|close OUTFILE: one wrk run, its JSON object in OUTFILE.
run_wrk() {
	local url=$1 kind=$2 out=$3 raw=$WORK/wrk.raw c0 c1 line
	local -a hdr=()
	[ "$kind" = close ] && hdr=(-H "Connection: close")
	c0=$(cpu_sample)
	timeout $((DURATION + 20)) ip netns exec "$LAB_NS_CL" wrk -t "$THREADS" -c "$CONNS" \
		-d "${DURATION}s" --timeout 2s -s "$WRK_SCRIPT" "${hdr[@]}" "$url" \
		${HTTP_PATHS:+-- $HTTP_PATHS} >"$raw" 2>&1 || true
	c1=$(cpu_sample)
	line=$(sed -n 's/^SLWRK //p' "$raw" | tail -n 1)
	if [ -n "$line" ] && jq -e . >/dev/null 2>&1 <<<"$line"; then
		jq -c --argjson cpu "$(cpu_busy_pct "$c0" "$c1")" '. + {cpu_busy_pct: $cpu}' <<<"$line" >"$out"
	else
		jq -nc --arg e "wrk gave no result: $(tail -n 3 "$raw" | tr '\n' ' ' | cut -c1-300)" '{error: $e}' >"$out"
	fi
}

# run_iperf HOST OUTFILE
run_iperf() {
	local host=$1 out=$2 raw=$WORK/iperf.raw c0 c1
	c0=$(cpu_sample)
	timeout $((IPERF_TIME + IPERF_OMIT + 20)) ip netns exec "$LAB_NS_CL" iperf3 -c "$host" \
		-p "$IPERF_PORT" -t "$IPERF_TIME" -O "$IPERF_OMIT" -P "$IPERF_STREAMS" \
		--connect-timeout 3000 -J >"$raw" 2>&1 || true
	c1=$(cpu_sample)
	if jq -e '.end.sum_received.bits_per_second' "$raw" >/dev/null 2>&1; then
		jq -c --argjson cpu "$(cpu_busy_pct "$c0" "$c1")" '{
		    gbps: (.end.sum_received.bits_per_second / 1e9 * 1000 | round / 1000),
		    retransmits: .end.sum_sent.retransmits,
		    cpu_busy_pct: $cpu }' "$raw" >"$out"
	else
		jq -nc --arg e "iperf3 gave no result: $( (jq -r '.error // empty' "$raw" 2>/dev/null || true; tail -c 300 "$raw") | tr '\n' ' ' | cut -c1-300)" \
			'{error: $e}' >"$out"
	fi
}

# instances NAME URL: 30 requests, count the instance names that answered.
instances() {
	local url=$1 i
	for ((i = 0; i < 30; i++)); do
		ip netns exec "$LAB_NS_CL" curl -s -m 1 -H "Connection: close" "$url" || echo "fail"
	done | jq -Rn '[inputs | select(length > 0)] | group_by(.) | map({(.[0]): length}) | add // {}'
}

# routes_seen URL: 30 requests to each of $HTTP_PATHS, the answers counted
# per path ({"/login": {"login be1": 10, ...}, ...}).
routes_seen() {
	local url=$1 p
	for p in $HTTP_PATHS; do
		instances "$url${p#/}" | jq -c --arg p "$p" '{($p): .}'
	done | jq -s 'add'
}

# measure NAME LABEL HTTP_HOST[:PORT] IPERF_HOST: every figure of one path
# into $WORK/path-NAME.json. IPERF_HOST "-": no iperf3. With HTTP_PATHS
# set (the HTTP routing paths) wrk sends those paths (wrk_paths.lua) and
# each path's answers must all come from its service ("/login": "login beN").
measure() {
	local name=$1 label=$2 host=$3 ihost=$4 i kind ht=$3
	local url="http://$host/"
	[[ $host == *:* ]] || ht=$host:80
	log "$name: $url${HTTP_PATHS:+ (paths $HTTP_PATHS)}$([ "$ihost" = - ] || echo ", iperf3 to $ihost:$IPERF_PORT")"
	if [ -n "$HTTP_PATHS" ]; then
		routes_seen "$url" >"$WORK/$name-inst.json"
		if ! jq -e 'to_entries | all(.key as $p | .value | length > 0 and
		    (keys | all(startswith(($p | ltrimstr("/")) + " be"))))' "$WORK/$name-inst.json" >/dev/null; then
			ERRORS+=("$name: not every path answered by its own service: $(jq -c . "$WORK/$name-inst.json")")
		fi
	else
		instances "$url" >"$WORK/$name-inst.json"
		if ! jq -e 'keys | map(select(startswith("be"))) | length > 0' "$WORK/$name-inst.json" >/dev/null; then
			ERRORS+=("$name: no instance answered $url")
		fi
	fi
	log "$name: instances $(jq -c . "$WORK/$name-inst.json")"
	for kind in ka close; do
		for ((i = 1; i <= REPEAT; i++)); do
			run_wrk "$url" "$kind" "$WORK/$name-$kind-$i.json"
			log "$name: wrk $kind #$i $(jq -c '{rps, p50: .latency_us.p50, p99: .latency_us.p99, errors, cpu_busy_pct, error}' "$WORK/$name-$kind-$i.json")"
			sleep 1
		done
	done
	for ((i = 1; i <= REPEAT; i++)); do
		[ "$ihost" != - ] || break
		run_iperf "$ihost" "$WORK/$name-iperf-$i.json"
		log "$name: iperf3 #$i $(jq -c . "$WORK/$name-iperf-$i.json")"
		sleep 1
	done
	jq -n --arg name "$name" --arg lbl "$label" --arg ht "$ht" \
		--arg it "$([ "$ihost" = - ] || echo "$ihost:$IPERF_PORT")" \
		--arg group "$([ -n "$HTTP_PATHS" ] && echo http || echo l4)" --arg paths "$HTTP_PATHS" \
		--slurpfile inst "$WORK/$name-inst.json" \
		--slurpfile ka <(cat "$WORK/$name-ka-"*.json) \
		--slurpfile cl <(cat "$WORK/$name-close-"*.json) \
		--slurpfile ip <(cat "$WORK/$name-iperf-"*.json 2>/dev/null || true) '
	  def med(f): (map(select(.error == null) | f) | map(select(. != null)) | sort) as $a
	    | if ($a | length) == 0 then null else $a[(($a | length) - 1) / 2 | floor] end;
	  def http: { runs: ., median: { rps: med(.rps), p50_us: med(.latency_us.p50),
	                                 p99_us: med(.latency_us.p99), cpu_busy_pct: med(.cpu_busy_pct) } };
	  { name: $name, "label": $lbl, group: $group, http_target: $ht,
	    iperf_target: (if $it == "" then null else $it end),
	    http_paths: ($paths | split(" ") | map(select(length > 0))),
	    instances_seen: $inst[0],
	    keepalive: ($ka | http), close: ($cl | http),
	    iperf3: (if $it == "" then null
	             else ($ip | { runs: ., median: { gbps: med(.gbps), retransmits: med(.retransmits) } }) end) }' \
		>"$WORK/path-$name.json"
	for f in "$WORK/$name-"*-[0-9]*.json; do
		if jq -e '.error' "$f" >/dev/null 2>&1; then
			ERRORS+=("$name $(basename "$f" .json): $(jq -r .error "$f")")
		fi
	done
}

want() { [[ " $PATHS " == *" $1 "* ]]; }

# The lab config on stdin with hugepages for the dataplane (unless --no-huge).
dp_huge() {
	awk -v huge="$HUGE" -v hdir="$HUGE_DIR" '
	huge == 1 && /"--no-huge", "-m", "1024",/ { sub(/"--no-huge", "-m", "1024",/, "\"--huge-dir\", \"" hdir "\", \"-m\", \"256\",") }
	{ print }'
}

# Stop sluice-dp and sluiced (by PID), and the XDP program on the lb's port.
sluice_stop() {
	local pid i
	log "stopping sluice-dp and sluiced"
	for pid in ${DP_PID:-} ${SLUICED_PID:-}; do
		kill -TERM "$pid" 2>/dev/null || true
		for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$pid" 2>/dev/null || true
	done
	DP_PID="" SLUICED_PID=""
	ip -n "$LAB_NS_LB" link set dev "$LAB_IF_LB" xdp off 2>/dev/null || true
}

# Backends: VIPs on lo (Sluice's tunnel and dsr modes answer from them) or
# not (DNAT and HAProxy reach the backends' own addresses).
be_vips() { # add|del
	local b ns v
	for b in $LAB_BACKENDS; do
		ns=$(lab_ns_be "$b")
		for v in $LAB_VIPS4; do ip -n "$ns" addr "$1" "$v/32" dev lo 2>/dev/null || true; done
		for v in $LAB_VIPS6; do ip -n "$ns" addr "$1" "$v/128" dev lo 2>/dev/null || true; done
	done
}

# --- the lab ---------------------------------------------------------------

log "lab $SL_LAB, build $SLUICE_BUILD_DIR, paths: $PATHS, out $OUT"
if [ "$HUGE" = 1 ]; then
	HUGE_OLD=$(cat /proc/sys/vm/nr_hugepages)
	echo $((HUGE_OLD + HUGE_PAGES)) >/proc/sys/vm/nr_hugepages
	got=$(cat /proc/sys/vm/nr_hugepages)
	[ "$got" -ge $((HUGE_OLD + HUGE_PAGES)) ] || die "reserved only $got hugepages of $((HUGE_OLD + HUGE_PAGES))"
	mkdir -p "$HUGE_DIR"
	mount -t hugetlbfs none "$HUGE_DIR"
	HUGE_MOUNTED=1
fi

# The L4 paths: one lab (client and backends on one segment), Sluice tunnel
# and dsr, then the peers with the dataplane stopped.
l4_lab() {
	lab_up dp

	# The lab's config plus: iperf3 VIPs (port 5201, tunnel and dsr) on a
	# one-backend pool, and hugepages for the dataplane.
	lab_conf | dp_huge | awk -v t="$LAB_VIP_WEB" -v d="$LAB_VIP_DSR" \
		-v be="$(lab_be4 1)" -v port="$IPERF_PORT" '
		/^\);$/ && !vips_done {
			printf "  ,{ name = \"iperf\"; address = \"%s\"; port = %s; protocol = \"tcp\"; mode = \"tunnel\"; pool = \"iperf\"; }\n", t, port
			printf "  ,{ name = \"iperfdsr\"; address = \"%s\"; port = %s; protocol = \"tcp\"; mode = \"dsr\"; pool = \"iperf\"; }\n", d, port
			vips_done = 1
		}
		{ print }
		/^pools = \($/ { printf "  { name = \"iperf\"; backends = ( { name = \"be1\"; address = \"%s\"; weight = 1; } ); },\n", be }
		' >"$LAB_CONF"
	cp "$LAB_CONF" "$WORK/sluice.conf"

	# iperf3 server on backend 1 (every path sends iperf3 there).
	ip netns exec "$(lab_ns_be 1)" iperf3 -s -p "$IPERF_PORT" --idle-timeout 30 >"$LAB_DIR/iperf3.log" 2>&1 &
	lab_wait 10 "iperf3 server in $(lab_ns_be 1)" "lab_in $(lab_ns_be 1) ss -Hltn 'sport = :$IPERF_PORT' | grep -q ."

	CLIENT_MTU=$(cat "/sys/class/net/$LAB_IF_CL/mtu" 2>/dev/null || ip netns exec "$LAB_NS_CL" cat "/sys/class/net/$LAB_IF_CL/mtu")

	if want sluice-tunnel || want sluice-dsr; then
		lab_sluice_up || die "sluiced + sluice-dp did not forward (logs in $LAB_DIR)"
		lab_wait_forwarding "$LAB_VIP_DSR" || die "dsr VIP $LAB_VIP_DSR does not forward"
		log "sluice up: $(grep -m1 -o 'mtu [0-9]*' "$LAB_DIR/sluice-dp.log" || echo 'mtu ?'), $(grep -c . "$LAB_CONF") config lines"
		want sluice-tunnel && measure sluice-tunnel "Sluice tunnel" "$LAB_VIP_WEB" "$LAB_VIP_WEB"
		# Path MTU the client learnt for the tunnel VIP (the dataplane's ICMP
		# "fragmentation needed" for segments that outgrow the MTU once
		# encapsulated).
		TUNNEL_PMTU=$(ip netns exec "$LAB_NS_CL" ip -4 route get "$LAB_VIP_WEB" |
			sed -n 's/.* mtu \([0-9]*\).*/\1/p' | head -n 1)
		[ -n "$TUNNEL_PMTU" ] || TUNNEL_PMTU=null
		want sluice-dsr && measure sluice-dsr "Sluice dsr" "$LAB_VIP_DSR" "$LAB_VIP_DSR"
		if lab_ctl stats --json >"$WORK/stats.json" 2>"$WORK/stats.err"; then
			DP_TOO_BIG=$(jq '.drops.too_big // null' "$WORK/stats.json")
			SLUICE_STATS=$(jq -c '{drops: ([.drops | to_entries[] | select(.value > 0)] | from_entries),
			    vips: (.vips // null), backends: (.backends // null)}' "$WORK/stats.json")
		else
			ERRORS+=("sluicectl stats --json: $(head -c 200 "$WORK/stats.err")")
		fi
	fi

	# Peers: the dataplane stopped (no busy-polling core), XDP and the tunnel
	# decap programs off, the backends without VIPs.
	sluice_stop
	for b in $LAB_BACKENDS; do
		ip netns exec "$(lab_ns_be "$b")" "$SLUICE_BUILD_DIR/sluicectl" backend detach "$(lab_if_be "$b")" \
			>>"$LAB_DIR/decap.log" 2>&1 || true
	done
	be_vips del

	if want nft-dnat; then
		lab_sysctl "$LAB_NS_LB" net.ipv4.ip_forward=1 net.ipv4.conf.all.send_redirects=0 \
			"net.ipv4.conf.$LAB_IF_LB.send_redirects=0"
		ip netns exec "$LAB_NS_LB" nft -f - <<EOF
table ip sl_bench_lab {
	chain pre {
		type nat hook prerouting priority dstnat; policy accept;
		ip daddr $VIP_NFT tcp dport 80 dnat to numgen inc mod 3 map { 0 : $(lab_be4 1), 1 : $(lab_be4 2), 2 : $(lab_be4 3) }
		ip daddr $VIP_NFT tcp dport $IPERF_PORT dnat to $(lab_be4 1)
	}
}
EOF
		# NAT needs the replies back through the lb: the client is on the
		# backends' segment, so name a host route.
		for b in $LAB_BACKENDS; do
			ip -n "$(lab_ns_be "$b")" route add "$LAB_CL4/32" via "$LAB_LB4" dev "$(lab_if_be "$b")"
		done
		measure nft-dnat "nftables DNAT" "$VIP_NFT" "$VIP_NFT"
		for b in $LAB_BACKENDS; do
			ip -n "$(lab_ns_be "$b")" route del "$LAB_CL4/32" via "$LAB_LB4" dev "$(lab_if_be "$b")" || true
		done
		ip netns exec "$LAB_NS_LB" nft delete table ip sl_bench_lab
		lab_sysctl "$LAB_NS_LB" net.ipv4.ip_forward=0
	fi

	if want haproxy-tcp; then
		ip -n "$LAB_NS_LB" addr add "$VIP_HAPROXY/32" dev lo
		cat >"$LAB_DIR/haproxy.cfg" <<EOF
global
	maxconn 8000
	nbthread 1
defaults
	mode tcp
	timeout connect 2s
	timeout client 30s
	timeout server 30s
frontend web
	bind $VIP_HAPROXY:80
	default_backend web
backend web
	balance roundrobin
	server be1 $(lab_be4 1):80
	server be2 $(lab_be4 2):80
	server be3 $(lab_be4 3):80
frontend iperf
	bind $VIP_HAPROXY:$IPERF_PORT
	default_backend iperf
backend iperf
	server be1 $(lab_be4 1):$IPERF_PORT
EOF
		ip netns exec "$LAB_NS_LB" haproxy -db -f "$LAB_DIR/haproxy.cfg" >"$LAB_DIR/haproxy.log" 2>&1 &
		HAPROXY_PID=$!
		lab_wait 10 "haproxy on $VIP_HAPROXY:80" "lab_in $LAB_NS_LB ss -Hltn 'sport = :80' | grep -q $VIP_HAPROXY" ||
			die "haproxy did not start: $(tail -n 5 "$LAB_DIR/haproxy.log")"
		measure haproxy-tcp "HAProxy mode tcp" "$VIP_HAPROXY" "$VIP_HAPROXY"
		kill -TERM "$HAPROXY_PID" 2>/dev/null || true
		wait "$HAPROXY_PID" 2>/dev/null || true
		ip -n "$LAB_NS_LB" addr del "$VIP_HAPROXY/32" dev lo
	fi

	if want direct; then
		measure direct "direct (be1, no LB)" "$(lab_be4 1)" "$(lab_be4 1)"
	fi

	be_vips add
}

# The nginx of HTTP backend B (1..3): the lab's (tests/lab/lab.sh) in the
# foreground with other servers: port 8080 answers "login beB" on
# /login[/...] and "profile beB" on /profile[/...] (direct to one instance,
# the path routed by nginx), 8081 "login beB" and 8082 "profile beB" on any
# path (the login and profile services of the load balancers, so that an
# answer names the pool it came from).
http_nginx_conf() { # B DIR
	local b=$1 d=$2 loc
	lab_nginx_conf "$b" "$d" | awk -v d="$d" '
		/^daemon on;/ { print "daemon off;"; next }
		/^pid / { print "pid " d "/nginx-http.pid;"; next }
		/^error_log / { print "error_log " d "/http-error.log warn;"; next }
		/^\tserver \{/ { exit }
		{ print }'
	printf '\tserver {\n\t\tlisten %s backlog=4096;\n' "$HTTP_DIRECT_PORT"
	for loc in login profile; do
		printf '\t\tlocation = /%s { return 200 "%s be%s\\n"; }\n' "$loc" "$loc" "$b"
		printf '\t\tlocation /%s/ { return 200 "%s be%s\\n"; }\n' "$loc" "$loc" "$b"
	done
	printf '\t\tlocation / { return 404; }\n\t}\n'
	for loc in login:$HTTP_LOGIN_PORT profile:$HTTP_PROFILE_PORT; do
		printf '\tserver {\n\t\tlisten %s backlog=4096;\n' "${loc#*:}"
		printf '\t\tlocation / { return 200 "%s be%s\\n"; }\n\t}\n' "${loc%:*}" "$b"
	done
	echo "}"
}

# The HTTP routing paths: a lab of its own (full NAT: the client behind a
# router, backends 1-3 without VIPs), nginx on ports 8080-8082 of backends
# 1-3, and each path with the same two routes, /login and /profile.
http_lab() {
	local b d pid
	lab_down
	lab_up dp --router --nat
	HTTP_NGINX_PIDS=""
	for b in 1 2 3; do
		d=$LAB_DIR/be$b
		http_nginx_conf "$b" "$d" >"$d/nginx-http.conf"
		ip netns exec "$(lab_ns_be "$b")" nginx -c "$d/nginx-http.conf" -p "$d" \
			>"$d/nginx-http.log" 2>&1 &
		HTTP_NGINX_PIDS="$HTTP_NGINX_PIDS $!"
	done
	for b in 1 2 3; do
		lab_wait 10 "HTTP nginx in $(lab_ns_be "$b")" \
			"lab_in $(lab_ns_be "$b") ss -Hltn 'sport = :$HTTP_PROFILE_PORT' | grep -q ." ||
			die "nginx did not start: $(cat "$LAB_DIR/be$b/nginx-http.log" "$LAB_DIR/be$b/http-error.log" 2>/dev/null | tail -n 5)"
	done
	HTTP_PATHS="/login /profile"
	WRK_SCRIPT=$WRK_PATHS_LUA

	if want sluice-http; then
		# the demo's VIP (tests/lab/demo.sh) on nginx, no health checks
		lab_conf --pool4 4 --pool6 4 --extra "$(lab_nat_section)" \
			--vips "{ name = \"api\"; address = \"$VIP_HTTP\"; port = 80; protocol = \"tcp\"; mode = \"http\";
    routes = ( { path = \"/login\"; pool = \"login\"; },
               { path = \"/profile\"; pool = \"profile\"; } ); }" \
			--pools "{ name = \"login\"; backends = ( $(lab_pool_backends 4 login "1 2 3" "$HTTP_LOGIN_PORT") ); },
  { name = \"profile\"; backends = ( $(lab_pool_backends 4 profile "1 2 3" "$HTTP_PROFILE_PORT") ); }" |
			dp_huge >"$LAB_CONF"
		cp "$LAB_CONF" "$WORK/sluice-http.conf"
		lab_sluice_up || die "sluiced + sluice-dp did not forward (logs in $LAB_DIR)"
		lab_wait 20 "/login through $VIP_HTTP" \
			"lab_in $LAB_NS_CL curl -sf -m 1 http://$VIP_HTTP/login | grep -q login" ||
			die "the http VIP $VIP_HTTP does not answer /login (logs in $LAB_DIR)"
		measure sluice-http "Sluice http (routes)" "$VIP_HTTP" -
		if lab_ctl stats --json >"$WORK/stats-http.json" 2>"$WORK/stats.err"; then
			SLUICE_HTTP_STATS=$(jq -c '{drops: ([.drops | to_entries[] | select(.value > 0)] | from_entries),
			    http: (.http // null)}' "$WORK/stats-http.json")
		else
			ERRORS+=("sluicectl stats --json (http): $(head -c 200 "$WORK/stats.err")")
		fi
		sluice_stop
	fi

	if want haproxy-http; then
		ip -n "$LAB_NS_LB" addr add "$VIP_HAPROXY_HTTP/32" dev lo
		{
			cat <<EOF
global
	maxconn 8000
	nbthread 1
defaults
	mode http
	timeout connect 2s
	timeout client 30s
	timeout server 30s
	timeout http-keep-alive 30s
frontend api
	bind $VIP_HAPROXY_HTTP:80
	acl login path /login
	acl login path_beg /login/
	acl profile path /profile
	acl profile path_beg /profile/
	use_backend login if login
	use_backend profile if profile
EOF
			for svc in login:$HTTP_LOGIN_PORT profile:$HTTP_PROFILE_PORT; do
				printf 'backend %s\n\tbalance roundrobin\n' "${svc%:*}"
				for b in 1 2 3; do
					printf '\tserver %s%s %s:%s\n' "${svc%:*}" "$b" "$(lab_be4 "$b")" "${svc#*:}"
				done
			done
		} >"$LAB_DIR/haproxy-http.cfg"
		ip netns exec "$LAB_NS_LB" haproxy -db -f "$LAB_DIR/haproxy-http.cfg" >"$LAB_DIR/haproxy-http.log" 2>&1 &
		pid=$!
		lab_wait 10 "haproxy on $VIP_HAPROXY_HTTP:80" "lab_in $LAB_NS_LB ss -Hltn 'sport = :80' | grep -q $VIP_HAPROXY_HTTP" ||
			die "haproxy did not start: $(tail -n 5 "$LAB_DIR/haproxy-http.log")"
		measure haproxy-http "HAProxy mode http (routes)" "$VIP_HAPROXY_HTTP" -
		kill -TERM "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		ip -n "$LAB_NS_LB" addr del "$VIP_HAPROXY_HTTP/32" dev lo
	fi

	if want direct-http; then
		# be1 answers the client behind the router itself
		ip -n "$(lab_ns_be 1)" route add "$LAB_CLNET4.0/24" via "$LAB_RT4"
		measure direct-http "direct (be1:$HTTP_DIRECT_PORT, nginx routes)" "$(lab_be4 1):$HTTP_DIRECT_PORT" -
		ip -n "$(lab_ns_be 1)" route del "$LAB_CLNET4.0/24" via "$LAB_RT4" || true
	fi

	for pid in $HTTP_NGINX_PIDS; do kill -TERM "$pid" 2>/dev/null || true; done
	for pid in $HTTP_NGINX_PIDS; do wait "$pid" 2>/dev/null || true; done
	HTTP_PATHS=""
	WRK_SCRIPT=$WRK_LUA
}

L4_PATHS="" HTTP_WANTED=0
for p in $PATHS; do
	case $p in *-http) HTTP_WANTED=1 ;; *) L4_PATHS="$L4_PATHS $p" ;; esac
done
CLIENT_MTU=null
TUNNEL_PMTU=null
DP_TOO_BIG=null
SLUICE_STATS='{}'
SLUICE_HTTP_STATS='{}'
[ -z "$L4_PATHS" ] || l4_lab
[ "$HTTP_WANTED" = 0 ] || http_lab

# --- result ------------------------------------------------------------------

CAVEAT="2 vCPUs and veth pairs: wrk (-t$THREADS), three single-worker nginx, the veth/bridge softirqs and, for the Sluice paths, the busy-polling sluice-dp worker (AF_XDP copy mode, one full core) share 2 CPUs. These figures measure the kernel and the clients more than any load balancer; compare paths with each other in this run, never with other machines. Single runs vary by +-20-30 %; medians of --repeat runs."
HTTP_NOTE="The http paths run in a lab of their own (tests/lab/lab.sh --router --nat: the client behind a router, full NAT), with the same two routes on each: /login to ports $HTTP_LOGIN_PORT and /profile to ports $HTTP_PROFILE_PORT of the three backends' nginx (one worker each; pools of Maglev, HAProxy roundrobin), direct to be1:$HTTP_DIRECT_PORT where nginx routes the paths itself. wrk thread i sends path i (perf/lab/wrk_paths.lua): half the connections /login, half /profile, every keep-alive connection on one route. No health checks. HAProxy keeps its own connections to the servers (http-reuse); Sluice splices each client connection to one instance connection."
MTU_NOTE="Tunnel mode adds 20 bytes (IPIP) to every packet; the backends' links keep MTU $CLIENT_MTU, so a full-size client segment cannot be encapsulated. sluice-dp answers it with ICMP fragmentation-needed (drops.too_big counts them) and the client's path MTU discovery lowers the MSS: tunnel_pmtu_after_iperf is the route MTU the client learnt for the tunnel VIP. No MTU or MSS is set by hand in the lab."
PATH_FILES=()
for p in $PATHS; do
	[ -f "$WORK/path-$p.json" ] && PATH_FILES+=("$WORK/path-$p.json")
done
[ ${#PATH_FILES[@]} -gt 0 ] || die "no path was measured"
{
	for f in "${PATH_FILES[@]}"; do jq -c . "$f"; done
} >"$WORK/paths.jsonl"
printf '%s\n' "${ERRORS[@]+"${ERRORS[@]}"}" | jq -Rn '[inputs | select(length > 0)]' >"$WORK/errors.json"
jq -n --arg date "$(date -Iseconds)" --arg cmd "$CMDLINE" \
	--arg git "$(git -C "$SLUICE_SOURCE_DIR" rev-parse --short HEAD 2>/dev/null || echo unknown)" \
	--arg kernel "$(uname -r)" --argjson cpus "$(nproc)" \
	--arg model "$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1)" \
	--arg caveat "$CAVEAT" --arg mtunote "$MTU_NOTE" \
	--argjson t "$THREADS" --argjson c "$CONNS" --argjson d "$DURATION" --argjson r "$REPEAT" \
	--argjson it "$IPERF_TIME" --argjson io "$IPERF_OMIT" --argjson is "$IPERF_STREAMS" \
	--argjson huge "$([ "$HUGE" = 1 ] && echo true || echo false)" \
	--argjson cmtu "${CLIENT_MTU:-null}" --argjson pmtu "$TUNNEL_PMTU" --argjson tb "$DP_TOO_BIG" \
	--argjson sstats "$SLUICE_STATS" --argjson hstats "$SLUICE_HTTP_STATS" \
	--arg hvip "$VIP_HTTP" --arg hnote "$HTTP_NOTE" \
	--slurpfile paths "$WORK/paths.jsonl" --slurpfile errors "$WORK/errors.json" '
	def r(a; b): if a == null or b == null or b == 0 then null else (a / b * 1000 | round / 1000) end;
	($paths | map({(.name): .}) | add) as $by | {
	  benchmark: "lab", schema: 2, date: $date, command: $cmd, git: $git,
	  host: { cpus: $cpus, kernel: $kernel, model: $model },
	  caveat: $caveat,
	  params: { wrk_threads: $t, wrk_conns: $c, duration_s: $d, repeat: $r,
	            iperf_time_s: $it, iperf_omit_s: $io, iperf_streams: $is,
	            hugepages: $huge, nginx_workers_per_backend: 1 },
	  mtu: { client_if_mtu: $cmtu, tunnel_pmtu_after_iperf: $pmtu, dp_too_big: $tb, note: $mtunote },
	  paths: $paths,
	  sluice_stats: $sstats,
	  http: { vip: $hvip, routes: { "/login": "login", "/profile": "profile" }, note: $hnote,
	          sluice_stats: $hstats },
	  ratios: [ $paths[] | select(.name | startswith("direct") | not) | . as $x
	    | (if .group == "http" then ["direct-http", "haproxy-http"]
	       else ["direct", "haproxy-tcp", "nft-dnat"] end)[] as $ref
	    | select($ref != $x.name and $by[$ref] != null) | $by[$ref] as $y
	    | { path: $x.name, against: $ref,
	        keepalive_rps: r($x.keepalive.median.rps; $y.keepalive.median.rps),
	        close_rps: r($x.close.median.rps; $y.close.median.rps),
	        keepalive_p99: r($x.keepalive.median.p99_us; $y.keepalive.median.p99_us),
	        close_p99: r($x.close.median.p99_us; $y.close.median.p99_us) } ],
	  errors: $errors[0] }' >"$OUT"
log "wrote $OUT"
jq -r '.paths[] | "\(.name)\tka \(.keepalive.median.rps) req/s p99 \(.keepalive.median.p99_us) us\tclose \(.close.median.rps) req/s p99 \(.close.median.p99_us) us\tiperf3 \(.iperf3.median.gbps // "-") Gbit/s"' "$OUT" >&2
jq -r '.ratios[] | "\(.path) / \(.against)\tka req/s \(.keepalive_rps)\tclose req/s \(.close_rps)\tka p99 \(.keepalive_p99)\tclose p99 \(.close_p99)"' "$OUT" >&2
plot "$OUT"
if [ ${#ERRORS[@]} -gt 0 ]; then
	printf 'bench_lab: failed: %s\n' "${ERRORS[@]}" >&2
	exit 1
fi
