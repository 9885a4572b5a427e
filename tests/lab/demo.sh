#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The demo, HTTP routing by path: the namespace lab with full NAT (lab_up dp
# --router --nat), one http VIP with two routes, /login to a login service
# of three instances (tests/lab/services/login.py, Python) and /profile to
# a profile service of two (tests/lab/services/profile.js, Node.js), each
# health-checked on /healthz. The client namespace sends a mix of /login
# and /profile requests, new connections and keep-alive ones, and four
# clients that keep the sticky cookie the appliance sets. Once a second
# it prints what the dataplane counted (sluicectl stats --json): each
# route's and each instance's requests/s, beside the clients' median
# latency in that second per route and instance, and their ok and failed;
# after each such line, the two newest request records of sluiced's event
# stream (which instance answered, how long it took). Halfway it stops one
# login instance (the health checks take it out: no client error after
# that), brings it back a quarter later, and ends with the totals. Stops on Ctrl-C or after DEMO_SECONDS, removing everything.
# tests/lab/demo_l4.sh is the L4 demo (a tunnel VIP, three nginx).
#
#   tests/lab/demo.sh                # 30 s
#   DEMO_SECONDS=20 tests/lab/demo.sh
#
# Environment: DEMO_SECONDS (default 30, at least 8), DEMO_RATE (short
# requests/s per path, default 100), SL_LAB (lab prefix, default "sl"),
# SLUICE_BUILD_DIR (default ./build).
set -euo pipefail

: "${SL_LAB:=sl}"
export SL_LAB
. "$(dirname "$0")/lab.sh"

DEMO_SECONDS=${DEMO_SECONDS:-30}
DEMO_RATE=${DEMO_RATE:-100}
VIP=198.18.100.20
LOGIN_PORT=8001
PROFILE_PORT=8002
SERVICES=$LAB_SH_DIR/services

case $DEMO_SECONDS in '' | *[!0-9]*) echo "demo: DEMO_SECONDS must be a number of seconds" >&2; exit 2 ;; esac
[ "$DEMO_SECONDS" -ge 8 ] || { echo "demo: DEMO_SECONDS must be at least 8" >&2; exit 2; }
command -v node >/dev/null || { echo "demo: no node (tests/lab/setup.sh installs nodejs)" >&2; exit 1; }

demo_exit() {
	local rc=$?
	trap - EXIT INT TERM
	echo
	lab_exit "$rc"
}
trap demo_exit EXIT
trap 'exit 0' INT TERM

for b in sluiced sluice-dp sluicectl; do
	lab_bin "$b" >/dev/null || exit 1
done

# login instance N (1..3) on backend N, profile instance N (1..2) on backend N
start_login() { # N
	ip netns exec "$(lab_ns_be "$1")" "$LAB_PY" "$SERVICES/login.py" "login$1" \
		"$(lab_be4 "$1")" "$LOGIN_PORT" >>"$LAB_DIR/login$1.log" 2>&1 &
	echo $! >"$LAB_DIR/login$1.pid"
}
start_profile() { # N
	ip netns exec "$(lab_ns_be "$1")" node "$SERVICES/profile.js" "profile$1" \
		"$(lab_be4 "$1")" "$PROFILE_PORT" >>"$LAB_DIR/profile$1.log" 2>&1 &
	echo $! >"$LAB_DIR/profile$1.pid"
}
listening() { # N PORT
	lab_in "$(lab_ns_be "$1")" ss -Hltn "sport = :$2" | grep -q .
}

echo "demo: building lab $SL_LAB (full NAT, the client behind a router)"
lab_up dp --router --nat
health='health = { type = "http"; path = "/healthz"; interval_ms = 200; timeout_ms = 150;
    rise = 2; fall = 2; jitter_ms = 20; };'
vips="{ name = \"api\"; address = \"$VIP\"; port = 80; protocol = \"tcp\"; mode = \"http\";
    routes = ( { path = \"/login\"; pool = \"login\"; },
               { path = \"/profile\"; pool = \"profile\"; } );
    sticky = { cookie = \"SLUICE_INSTANCE\"; }; }"
pools="{ name = \"login\"; balance = \"round-robin\";
    backends = ( $(lab_pool_backends 4 login "1 2 3" "$LOGIN_PORT") ); $health },
  { name = \"profile\"; balance = \"round-robin\";
    backends = ( $(lab_pool_backends 4 profile "1 2" "$PROFILE_PORT") ); $health }"
# request records on, one in ten written to the stream (sluiced's stdout, the log)
lab_conf --pool4 4 --pool6 4 --vips "$vips" --pools "$pools" \
	--events "requests = true; sample = 0.1;" --extra "$(lab_nat_section)" >"$LAB_CONF"
for n in 1 2 3; do start_login "$n"; done
for n in 1 2; do start_profile "$n"; done
for n in 1 2 3; do lab_wait 10 "login$n" "listening $n $LOGIN_PORT"; done
for n in 1 2; do lab_wait 10 "profile$n" "listening $n $PROFILE_PORT"; done
echo "demo: config $LAB_CONF; logs $LAB_DIR/sluiced.log, $LAB_DIR/sluice-dp.log"
lab_sluice_up
lab_wait 20 "/login and /profile through $VIP" \
	"lab_in $LAB_NS_CL curl -sf -m 1 http://$VIP/login | grep -q login &&
	 lab_in $LAB_NS_CL curl -sf -m 1 http://$VIP/profile | grep -q profile"

# The client: short requests to each path, and keep-alive connections to each.
load() { # NAME MODE ARGS...
	local name=$1
	shift
	lab_load "$@" --host "$VIP" -n 0 --duration "$DEMO_SECONDS" --timeout 2 \
		--progress "$LAB_DIR/$name.progress" >"$LAB_DIR/$name.json" &
	CLIENTS="$CLIENTS $!"
}
CLIENTS=""
load short-login http --path /login -c 4 --rate "$DEMO_RATE"
load short-profile http --path /profile -c 4 --rate "$DEMO_RATE"
load ka-login keepalive --path /login/me -c 2 --interval 0.02
load ka-profile keepalive --path /profile/me -c 2 --interval 0.02
load sticky-login http --path /login/me --sticky -c 4 --rate 20
echo "demo: client -> http://$VIP/login and /profile for ${DEMO_SECONDS}s: short requests" \
	"(up to $DEMO_RATE/s per path), 2 keep-alive connections per path and 4 sticky-cookie" \
	"clients of /login (Ctrl-C stops)"
echo "demo: per route and per instance: requests/s the dataplane counted (sluicectl stats)" \
	"and the clients' median latency in that second"

# One line a second: the counters' difference to the second before, and
# the clients' median latency of that second per route and per instance
# (each client's progress line: its latencies since the line before).
prev='{}'
show() { # T
	local now prog f
	now=$(lab_ctl stats --json 2>/dev/null || echo '{}')
	prog=$(for f in "$LAB_DIR"/*.progress; do # short-login.progress: route /login
		tail -n 1 "$f" 2>/dev/null |
			jq -c --arg r "/$(basename "$f" .progress | sed 's/^[a-z]*-//')" \
				'. + {route: $r}' 2>/dev/null || true
	done | jq -s '{ok: (map(.ok) | add // 0), failed: (map(.failed) | add // 0),
		route: (group_by(.route) |
			map({(.[0].route): ([.[].window_ms // {} | .[]] | add // [])}) | add // {}),
		inst: ([.[].window_ms // {} | to_entries[]] | group_by(.key) |
			map({(.[0].key): (map(.value) | add)}) | add // {})}')
	jq -rn --argjson n "$now" --argjson p "$prev" --argjson c "$prog" --arg t "$1" '
		def api($s): ($s.http.api // {routes: [], instances: []});
		def p50: if (. // []) == [] then "-" else
			(sort | .[length / 2 | floor] * 10 | round / 10 | tostring) + "ms" end;
		(api($p).routes | map({(.path): .requests}) | add // {}) as $pr |
		(api($p).instances | map({(.name): .requests}) | add // {}) as $pi |
		(api($n).routes | map("\(.path) \(.requests - ($pr[.path] // 0))/s \($c.route[.path] | p50)") |
			join("  ")) as $r |
		(api($n).instances | map("\(.name) \(.requests - ($pi[.name] // 0)) \($c.inst[.name] | p50)") |
			join("  ")) as $i |
		"[\($t)s] \($r) | \($i) | ok \($c.ok) failed \($c.failed)"' 2>/dev/null ||
		echo "[${1}s] (stats unreadable)"
	prev=$now
}

# The two newest request records sluiced wrote (its event stream is its stdout, the log)
records() {
	tail -n 400 "$LAB_DIR/sluiced.log" | grep '^{"ts":.*"kind":"request"' | tail -n 2 |
		jq -r '"  record: \(.method) \(.path) -> \(.instance // "the appliance")" +
			" (\(.route // "no route")), status \(.status), \(.duration_us / 1000) ms" +
			" (first byte after \((.ttfb_us // 0) / 1000) ms)"' 2>/dev/null || true
}

# sluiced's event line for login2 turning @1 (healthy, unhealthy)
turned() { grep -q "\"instance\":\"login2\",\"old\":\"[a-z]*\",\"new\":\"$1\"" "$LAB_DIR/sluiced.log"; }

stop_at=$((DEMO_SECONDS / 2))
back_at=$((DEMO_SECONDS * 3 / 4))
phase=up   # login2: up, stopped (not yet taken out), out, back (started again), in
detected=0 # when the health checks took it out (s since the epoch)
start=$(date +%s%N)
sleep 0.3 # read the clients' progress lines between their writes
while :; do
	# on the next whole second since the start: each line covers one second
	sleep "$(awk -v n="$(date +%s%N)" -v s="$start" \
		'BEGIN { e = (n - s) / 1e9; printf "%.3f", int(e) + 1.3 - e }')"
	t=$((($(date +%s%N) - start) / 1000000000))
	show "$t"
	records
	case $phase in
	up) if [ "$t" -ge "$stop_at" ]; then
		kill "$(cat "$LAB_DIR/login2.pid")" 2>/dev/null || true
		echo "demo: [${t}s] login2 stopped"
		phase=stopped
	fi ;;
	stopped) if turned unhealthy; then
		detected=$(date +%s.%N)
		echo "demo: [${t}s] the health checks took login2 out"
		phase=out
	fi ;;
	out) if [ "$t" -ge "$back_at" ]; then
		start_login 2
		echo "demo: [${t}s] login2 started again"
		phase=back
	fi ;;
	back) if [ "$(grep -c "\"instance\":\"login2\",\"old\":\"[a-z]*\",\"new\":\"healthy\"" \
		"$LAB_DIR/sluiced.log")" -ge 2 ]; then
		echo "demo: [${t}s] the health checks brought login2 back"
		phase=in
	fi ;;
	esac
	alive=0
	for c in $CLIENTS; do kill -0 "$c" 2>/dev/null && alive=1; done
	if [ "$alive" = 0 ] || [ "$t" -gt $((DEMO_SECONDS + 5)) ]; then break; fi
done
for c in $CLIENTS; do wait "$c" || true; done

echo "demo: totals"
final=$(lab_ctl stats --json)
jq -r '.http.api | "  http vip api: \(.requests) requests, \(.rebinds) re-binds, answered \(.answered)",
	(.routes[] | "  route \(.path) -> \(.pool): \(.requests) requests, status \(.status)"),
	(.instances[] | "  instance \(.name) (\(.pool)): \(.requests) requests")' <<<"$final"
for f in short-login short-profile ka-login ka-profile sticky-login; do
	# a run of failures that started after the health checks took login2 out (http loads)
	jq -r --arg f "$f" --argjson d "$detected" '
		.t0_unix as $t0 |
		(if .fail_runs == null then "" else
			" (\([.fail_runs[] | select($d > 0 and $t0 + .from_s >= $d) | .failed] |
				add // 0) after login2 was taken out)" end) as $after |
		"  client \($f): ok \(.ok) failed \(.failed)\($after) p50 \(.p50_ms) ms" +
		" p99 \(.p99_ms) ms" + (if .errors != {} then " errors \(.errors)" else "" end) +
		(if .sticky then ", \(.sticky.cookies_set) cookies set, \(.sticky.moved) moves" +
			" of a client with a cookie to another instance" else "" end)' \
		"$LAB_DIR/$f.json"
done
