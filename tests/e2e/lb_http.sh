#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# HTTP routing end to end (lab_up dp --router --nat): real kernels at both
# ends, sluice-dp between them, IPv4 and IPv6 http VIPs. The instances:
# a login service of three (tests/lab/services/login.py, Python) and a
# profile service of two (profile.js, Node.js) per family, round robin,
# health-checked on /healthz, and the lab's nginx (which answers its name)
# in the default pool (be1, be2), a Host route's pool (be3) and a wildcard
# Host route's pool (be4). tests/e2e/http_probe.py names each response's
# instance (X-Instance, or the nginx body). Asserts, each family:
#  - path and Host routing for thousands of short requests, each answered
#    by an instance of the pool it must go to: segments (/login, /login/x,
#    /login?x, not /loginx), Host exact (case-insensitive, port ignored)
#    and *.example, a host route beating a hostless one, the default pool;
#  - alternating paths and hosts on ONE keep-alive connection answered in
#    order by the right pools (responses with Content-Length, chunked, to
#    HEAD), the connection never broken, as many re-binds counted as the
#    instance changed; the same pipelined, and with heads in 3 segments;
#  - round robin: after each round of one request per instance every
#    instance has answered round +- 1 times, on one keep-alive connection
#    and over short ones;
#  - POST bodies of 1 MiB (Content-Length and chunked) arrive intact (the
#    instance's sha256), a 64 MiB response arrives intact;
#  - the appliance's own answers on a VIP without a default pool: 400 (both
#    Content-Length and Transfer-Encoding; a bad chunk size; a head over
#    http.head_max), 404 (no route), 503 (a pool with no serving instance),
#    408 (a head not complete within http.head_timeout_ms), each from the
#    appliance, the connection closed, and counted under its reason;
#  - short connections (slload http, wrk) and keep-alive ones (slload
#    keepalive, wrk) with no failure;
#  - a reload (SIGHUP) that adds a route while short and keep-alive loads
#    run: the new route serves, the loads saw no failure;
#  - sticky (IPv4): a request carrying the cookie that names an instance
#    (the id built as sluiced builds it, tests/e2e/sl_sticky_id.c) goes to
#    it, short and keep-alive, and counts as a sticky hit; a cookie that
#    names nothing is balanced; with the instance stopped (the health
#    checks take it out) it goes elsewhere, a sticky miss; back, to it
#    again. The first response carries Set-Cookie with its instance's id,
#    and so does the response to a cookie whose instance is down.
E2E_NAME=lb_http
. "$(dirname "$0")/e2e_lib.sh"
e2e_need nodejs node
e2e_need wrk wrk
e2e_begin p

N=${E2E_ROUTE_REQUESTS:-200} # short requests per routing case
API4=198.18.100.30
BARE4=198.18.100.31
API6=2001:2:0:100::30
BARE6=2001:2:0:100::31
LOGIN_PORT=8001
PROFILE_PORT=8002
DEAD_PORT=8009 # nobody listens
COOKIE=SLUICE_INSTANCE
SERVICES=$SLUICE_SOURCE_DIR/tests/lab/services
PROBE=$E2E_DIR/http_probe.py

lab_up dp --router --nat || e2e_fatal "lab_up --router --nat"
R=$LAB_DIR

# --- the services: loginN on backend N (1..3), profileN on backend N (1..2) --
start_service() { # login|profile N 4|6
	local svc=$1 n=$2 fam=$3 addr name port
	if [ "$fam" = 4 ]; then addr=$(lab_be4 "$n") name=$svc$n; else addr=$(lab_be6 "$n") name=${svc}${n}v6; fi
	if [ "$svc" = login ]; then
		port=$LOGIN_PORT
		# not through lab_in: $! must be the service itself (ip netns exec execs it)
		ip netns exec "$(lab_ns_be "$n")" "$LAB_PY" "$SERVICES/login.py" "$name" "$addr" "$port" \
			>>"$R/$name.log" 2>&1 &
	else
		port=$PROFILE_PORT
		ip netns exec "$(lab_ns_be "$n")" node "$SERVICES/profile.js" "$name" "$addr" "$port" \
			>>"$R/$name.log" 2>&1 &
	fi
	echo $! >"$R/$name.pid"
}
for fam in 4 6; do
	for n in 1 2 3; do start_service login "$n" "$fam"; done
	for n in 1 2; do start_service profile "$n" "$fam"; done
done
listening() { # N PORT: both families
	[ "$(lab_in "$(lab_ns_be "$1")" ss -Hltn "sport = :$2" | wc -l)" -ge 2 ]
}
for n in 1 2 3; do lab_wait 10 "login$n" "listening $n $LOGIN_PORT" || e2e_fatal "login$n listens"; done
for n in 1 2; do lab_wait 10 "profile$n" "listening $n $PROFILE_PORT" || e2e_fatal "profile$n listens"; done

# --- the configuration --------------------------------------------------------
health='health = { type = "http"; path = "/healthz"; interval_ms = 200; timeout_ms = 150;
    rise = 2; fall = 2; jitter_ms = 20; };'
# http_vips [EXTRA ROUTE]: the api VIPs (a default pool, path and Host routes,
# sticky) and the bare ones (no default pool, small head bound and timeout)
http_vips() {
	local f s extra=${1:-}
	for f in 4 6; do
		s=""
		[ "$f" = 6 ] && s=6
		local api=API$f bare=BARE$f
		printf '%s' "{ name = \"api$s\"; address = \"${!api}\"; port = 80; protocol = \"tcp\";
    mode = \"http\"; pool = \"site$s\";
    routes = ( { path = \"/login\"; pool = \"login$s\"; },
               { path = \"/profile\"; pool = \"profile$s\"; },
               { host = \"admin.example\"; path = \"/\"; pool = \"admin$s\"; },
               { host = \"*.example\"; path = \"/\"; pool = \"wild$s\"; }${extra:+,
               ${extra//@/$s}} );
    sticky = { cookie = \"$COOKIE\"; }; },
  { name = \"bare$s\"; address = \"${!bare}\"; port = 80; protocol = \"tcp\"; mode = \"http\";
    routes = ( { path = \"/login\"; pool = \"login$s\"; },
               { path = \"/down\"; pool = \"dead$s\"; } );
    http = { head_max = 1024; head_timeout_ms = 500; }; }"
		[ "$f" = 4 ] && printf ',\n  '
	done
}
http_pools() {
	local f s
	for f in 4 6; do
		s=""
		[ "$f" = 6 ] && s=6
		local v=""
		[ "$f" = 6 ] && v=v6
		printf '%s' "{ name = \"login$s\"; balance = \"round-robin\"; backends = (
      { name = \"login1$v\"; address = \"$(lab_ip "$f" 1)\"; port = $LOGIN_PORT; },
      { name = \"login2$v\"; address = \"$(lab_ip "$f" 2)\"; port = $LOGIN_PORT; },
      { name = \"login3$v\"; address = \"$(lab_ip "$f" 3)\"; port = $LOGIN_PORT; } ); $health },
  { name = \"profile$s\"; balance = \"round-robin\"; backends = (
      { name = \"profile1$v\"; address = \"$(lab_ip "$f" 1)\"; port = $PROFILE_PORT; },
      { name = \"profile2$v\"; address = \"$(lab_ip "$f" 2)\"; port = $PROFILE_PORT; } ); $health },
  { name = \"site$s\"; backends = ( $(lab_pool_backends "$f" "site$s-" "1 2" 80) ); },
  { name = \"admin$s\"; backends = ( $(lab_pool_backends "$f" "admin$s-" 3 80) ); },
  { name = \"wild$s\"; backends = ( $(lab_pool_backends "$f" "wild$s-" 4 80) ); },
  { name = \"dead$s\"; backends = ( $(lab_pool_backends "$f" "dead$s-" 3 $DEAD_PORT) );
    health = { type = \"tcp\"; interval_ms = 200; timeout_ms = 150; rise = 2; fall = 2; }; }"
		[ "$f" = 4 ] && printf ',\n  '
	done
}
lab_ip() { if [ "$1" = 4 ]; then lab_be4 "$2"; else lab_be6 "$2"; fi; }
write_conf() { # [EXTRA ROUTE]
	lab_conf --pool4 4 --pool6 4 --vips "$(http_vips "${1:-}")" --pools "$(http_pools)" \
		--extra "$(lab_nat_section)" >"$LAB_CONF"
}
write_conf
lab_sluice_up || e2e_fatal "sluiced + sluice-dp forward a first request (tunnel, backend 4)"
lab_wait 20 "/login and /profile through $API4 and [$API6]" \
	"lab_in $LAB_NS_CL curl -sf -m 1 http://$API4/login | grep -q login &&
	 lab_in $LAB_NS_CL curl -sf -m 1 http://$API4/profile | grep -q profile &&
	 lab_in $LAB_NS_CL curl -sf -m 1 -g http://[$API6]/login | grep -q login &&
	 lab_in $LAB_NS_CL curl -sf -m 1 -g http://[$API6]/profile | grep -q profile" ||
	e2e_fatal "a first /login and /profile through the http VIPs"
# every instance in: the health checks brought all of them up
healthy() { [ "$(grep -c "\"new\":\"healthy\"" "$R/sluiced.log")" -ge 10 ]; }
lab_wait 20 "the 10 login and profile instances healthy" healthy ||
	e2e_fatal "the health checks brought the 10 service instances up"
e2e_pass "sluiced + sluice-dp up, /login and /profile served through $API4 and [$API6]"

probe() { lab_in "$LAB_NS_CL" "$LAB_PY" "$PROBE" "$@"; }
stats() { lab_ctl stats --json; }
# http VIP counter: vip_counter JSON VIP JQ-PATH (under .http[VIP])
vip_counter() { jq -r --arg v "$2" ".http[\$v]$3 // 0" <<<"$1"; }

L4="login1,login2,login3"
P4="profile1,profile2"
L6="login1v6,login2v6,login3v6"
P6="profile1v6,profile2v6"

# --- path and Host routing ------------------------------------------------------
routing() { # FAM VIP LOGIN PROFILE
	local f=$1 vip=$2 l=$3 p=$4
	e2e_check "IPv$f $vip: path and Host routing, $N short requests per case" \
		probe route --host "$vip" -n "$N" -c 8 \
		--case "|/login|$l" --case "|/login/|$l" --case "|/login/x?y=1|$l" --case "|/login?x|$l" \
		--case "|/profile/me|$p" --case "|/other|be1,be2" --case "|/loginx|be1,be2" \
		--case "|/|be1,be2" --case "admin.example|/login|be3" --case "ADMIN.Example:80|/x|be3" \
		--case "foo.example|/login|be4" --case "a.b.example|/profile|be4" \
		--case "example|/login|$l" --case "admin.example.org|/profile/x|$p"
}
routing 4 "$API4" "$L4" "$P4"
routing 6 "$API6" "$L6" "$P6"

# --- alternating paths on one keep-alive connection -------------------------------
# settled VIP JQ-PATH: the stats once that counter held still for 0.3 s (at
# most 3 s: what a check before left under way is not counted in the next)
settled() {
	local a b i
	a=$(stats)
	for ((i = 0; i < 10; i++)); do
		sleep 0.3
		b=$(stats)
		[ "$(vip_counter "$a" "$1" "$2")" = "$(vip_counter "$b" "$1" "$2")" ] && break
		a=$b
	done
	printf '%s\n' "$b"
}
# alternate FAM VIP NAME LOGIN PROFILE N HOW [probe options]: N requests
# over 9 routes, methods and response framings (Content-Length, chunked,
# HEAD) on one connection, each answered in order by its pool, and as many
# re-binds counted as the instance changed
alternate() {
	local f=$1 vip=$2 name=$3 l=$4 p=$5 n=$6 how=$7 before after out changes rebinds rc=0
	shift 7
	before=$(settled "$name" .rebinds)
	out=$(probe alternate --host "$vip" -n "$n" "$@" --case "|/login|$l" --case "|/profile|$p" \
		--case "|/other|be1,be2" --case "admin.example|/x|be3" --case "|/login/a|$l" \
		--case "foo.example|/y|be4" --case "|/profile/c?chunks=4|$p" --case "|/login/h|$l|HEAD" \
		--case "|/profile/h|$p|HEAD") || rc=$?
	after=$(stats)
	changes=$(jq -r '.changes // -1' <<<"$out")
	rebinds=$(($(vip_counter "$after" "$name" .rebinds) - $(vip_counter "$before" "$name" .rebinds)))
	if [ "$rc" = 0 ] && [ "$rebinds" = "$changes" ]; then
		e2e_pass "IPv$f $vip: $n requests $how on one keep-alive connection, in order, $rebinds re-binds: $out"
	else
		e2e_fail "IPv$f $vip: $n requests $how on one keep-alive connection: $rebinds re-binds counted for $changes instance changes: $out"
	fi
}
for f in 4 6; do
	vip=API$f l=L$f p=P$f name=api
	[ "$f" = 6 ] && name=api6
	alternate "$f" "${!vip}" "$name" "${!l}" "${!p}" 135 "alternating over 9 routes"
	alternate "$f" "${!vip}" "$name" "${!l}" "${!p}" 45 "pipelined 9 at a time" --pipeline
	alternate "$f" "${!vip}" "$name" "${!l}" "${!p}" 27 "each head in 3 segments" --pieces 3
done

# --- round robin ------------------------------------------------------------------
e2e_check "IPv4 round robin /login, one keep-alive connection, 30 rounds" \
	probe rr --host "$API4" --path /login --instances "$L4" --rounds 30 --keepalive
e2e_check "IPv4 round robin /profile, one keep-alive connection, 30 rounds" \
	probe rr --host "$API4" --path /profile --instances "$P4" --rounds 30 --keepalive
e2e_check "IPv4 round robin /login, short connections, 30 rounds" \
	probe rr --host "$API4" --path /login --instances "$L4" --rounds 30
e2e_check "IPv6 round robin /login, one keep-alive connection, 30 rounds" \
	probe rr --host "$API6" --path /login --instances "$L6" --rounds 30 --keepalive
e2e_check "IPv6 round robin /profile, short connections, 30 rounds" \
	probe rr --host "$API6" --path /profile --instances "$P6" --rounds 30

# --- bodies --------------------------------------------------------------------------
for vip in "$API4" "$API6"; do
	for path in /login /profile; do
		e2e_check "$vip POST $path 1 MiB, Content-Length" probe post --host "$vip" --path "$path/up" --size 1048576
		e2e_check "$vip POST $path 1 MiB, chunked" probe post --host "$vip" --path "$path/up" --size 1048576 --chunked
	done
done
e2e_check "$API4 GET /login 64 MiB response (Python)" probe download --host "$API4" --path /login/big --bytes 67108864
e2e_check "[$API6] GET /profile 64 MiB response (Node.js)" probe download --host "$API6" --path /profile/big --bytes 67108864

# --- the appliance's answers -------------------------------------------------------------
pad=$(head -c 1500 /dev/zero | tr '\0' a)
answers() { # FAM VIP NAME
	local f=$1 vip=$2 name=$3 h before after want got r
	h=$vip
	[ "$f" = 6 ] && h="[$vip]"
	before=$(stats)
	e2e_check "IPv$f $vip: 400 for Content-Length with Transfer-Encoding" probe raw --host "$vip" --expect 400 \
		--send "POST /login HTTP/1.1\r\nHost: $h\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
	e2e_check "IPv$f $vip: 400 for a bad chunk size" probe raw --host "$vip" --expect 400 \
		--send "POST /login HTTP/1.1\r\nHost: $h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n"
	e2e_check "IPv$f $vip: 400 for a head over http.head_max (1024)" probe raw --host "$vip" --expect 400 \
		--send "GET /login HTTP/1.1\r\nHost: $h\r\nX-Pad: $pad\r\n\r\n"
	e2e_check "IPv$f $vip: 404 when nothing routes and the VIP has no pool" probe raw --host "$vip" --expect 404 \
		--send "GET /other HTTP/1.1\r\nHost: $h\r\n\r\n"
	e2e_check "IPv$f $vip: 503 when the route's pool has no serving instance" probe raw --host "$vip" --expect 503 \
		--send "GET /down/x HTTP/1.1\r\nHost: $h\r\n\r\n"
	e2e_check "IPv$f $vip: 408 when the head is not complete within http.head_timeout_ms (500)" \
		probe raw --host "$vip" --expect 408 --min-s 0.45 --max-s 1.5 \
		--send "GET /login HTTP/1.1\r\nHost: $h\r\n"
	e2e_check "IPv$f $vip: /login still served after those" probe route --host "$vip" -n 20 -c 2 \
		--case "|/login|$([ "$f" = 4 ] && echo "$L4" || echo "$L6")"
	after=$(stats)
	want="bad_request=2 head_too_long=1 no_route=1 no_instance=1 head_timeout=1"
	got=""
	for r in bad_request head_too_long no_route no_instance head_timeout; do
		got="$got $r=$(($(vip_counter "$after" "$name" ".answered.$r") - $(vip_counter "$before" "$name" ".answered.$r")))"
	done
	if [ "${got# }" = "$want" ]; then
		e2e_pass "IPv$f $vip: the answers counted by reason ($want)"
	else
		e2e_fail "IPv$f $vip: the answers counted:${got}, want $want ($(jq -c --arg v "$name" '.http[$v]' <<<"$after"))"
	fi
}
answers 4 "$BARE4" bare
answers 6 "$BARE6" bare6

# --- short and keep-alive loads ------------------------------------------------------------
lab_load http --host "$API4" --path /login -n 3000 -c 16 --timeout 3 --deadline 60 >"$R/short4.json" || true
e2e_result "IPv4 $API4 /login: 3000 short requests (slload)" "$R/short4.json" --instances "$L4" --share 0.3333 --tolerance 0.05
lab_load http --host "$API6" --path /profile -n 3000 -c 16 --timeout 3 --deadline 60 >"$R/short6.json" || true
e2e_result "IPv6 [$API6] /profile: 3000 short requests (slload)" "$R/short6.json" --instances "$P6" --share 0.5 --tolerance 0.05
lab_load keepalive --host "$API4" --path /login/me -n 300 -c 8 --timeout 3 --deadline 60 >"$R/ka4.json" || true
e2e_result "IPv4 $API4 /login/me: 8 keep-alive connections x 300 (slload)" "$R/ka4.json" --may-move --instances "$L4"
lab_load keepalive --host "$API6" --path /profile/me -n 300 -c 8 --timeout 3 --deadline 60 >"$R/ka6.json" || true
e2e_result "IPv6 [$API6] /profile/me: 8 keep-alive connections x 300 (slload)" "$R/ka6.json" --may-move --instances "$P6"

wrk_run() { # LABEL URL [wrk options]: no socket error, no non-2xx answer
	local label=$1 url=$2 out
	shift 2
	out=$(lab_in "$LAB_NS_CL" timeout 30 wrk -t1 -c16 -d3s "$@" "$url" 2>&1) || true
	if grep -q 'Requests/sec' <<<"$out" && ! grep -Eq 'Socket errors|Non-2xx' <<<"$out"; then
		e2e_pass "$label: $(grep -E '^ +[0-9]+ requests' <<<"$out" | xargs)"
	else
		e2e_fail "$label: $out"
	fi
}
wrk_run "wrk keep-alive $API4/login" "http://$API4/login"
wrk_run "wrk short connections $API4/login" "http://$API4/login" -H "Connection: close"
wrk_run "wrk keep-alive [$API6]/profile" "http://[$API6]/profile"
wrk_run "wrk short connections [$API6]/profile" "http://[$API6]/profile" -H "Connection: close"

# --- a route reload under load ----------------------------------------------------------------
generation() { stats | jq -r '.generation // empty'; }
loads=""
bg_load() { # NAME ARGS..
	local name=$1
	shift
	lab_load "$@" --timeout 3 --deadline 30 >"$R/$name.json" &
	loads="$loads $!"
}
bg_load rl-short4 http --host "$API4" --path /login -n 0 --duration 6 -c 4 --rate 200
bg_load rl-short6 http --host "$API6" --path /profile -n 0 --duration 6 -c 4 --rate 200
bg_load rl-ka4 keepalive --host "$API4" --path /profile/me -n 0 --duration 6 -c 2 --interval 0.01
bg_load rl-ka6 keepalive --host "$API6" --path /login/me -n 0 --duration 6 -c 2 --interval 0.01
sleep 2
g0=$(generation)
write_conf '{ path = "/new"; pool = "admin@"; }'
kill -HUP "$SLUICED_PID"
lab_wait 10 "a generation after $g0" "[ \"\$(generation)\" != \"$g0\" ]" || true
g1=$(generation)
if [ -n "$g1" ] && [ "$g1" != "$g0" ]; then
	e2e_pass "SIGHUP with a route added published generation $g1 (was $g0)"
else
	e2e_fail "SIGHUP with a route added: generation still $g0"
fi
e2e_check "IPv4 the added route /new serves (admin pool, be3) during the load" \
	probe route --host "$API4" -n 50 -c 4 --case "|/new/x|be3" --case "|/login|$L4" --case "|/other|be1,be2"
e2e_check "IPv6 the added route /new serves (admin pool, be3) during the load" \
	probe route --host "$API6" -n 50 -c 4 --case "|/new/x|be3" --case "|/profile|$P6" --case "foo.example|/new|be4"
# shellcheck disable=SC2086
wait $loads || true
e2e_result "reload under load: IPv4 /login short" "$R/rl-short4.json" --instances "$L4"
e2e_result "reload under load: IPv6 /profile short" "$R/rl-short6.json" --instances "$P6"
e2e_result "reload under load: IPv4 /profile/me keep-alive" "$R/rl-ka4.json" --may-move --instances "$P4"
e2e_result "reload under load: IPv6 /login/me keep-alive" "$R/rl-ka6.json" --may-move --instances "$L6"

# --- sticky -------------------------------------------------------------------------------------
sticky_id() { "$SLUICE_BUILD_DIR/tests/sl_sticky_id" "$LAB_INSTANCE" "$1" "$2"; }
id1=$(sticky_id login login1) id2=$(sticky_id login login2) id3=$(sticky_id login login3)
sticky_count() { vip_counter "$(stats)" api ".$1"; }
hit0=$(sticky_count sticky_hit)
e2e_check "IPv4 a cookie naming login2 goes to login2: $N short requests" \
	probe route --host "$API4" -n "$N" -c 8 --header "Cookie: $COOKIE=$id2" --case "|/login|login2"
e2e_check "IPv4 a cookie naming login3 among other cookies goes to login3: $N short requests" \
	probe route --host "$API4" -n "$N" -c 8 --header "Cookie: a=b; $COOKIE=$id3; c=d" --case "|/login/x|login3"
e2e_check "IPv4 a cookie naming login1 on one keep-alive connection: /login to login1, /profile balanced" \
	probe alternate --host "$API4" -n 40 --header "Cookie: $COOKIE=$id1" --case "|/login|login1" \
	--case "|/profile|$P4"
hit=$(($(sticky_count sticky_hit) - hit0))
if [ "$hit" = $((2 * N + 20)) ]; then
	e2e_pass "IPv4 sticky hits counted: $hit, one per request its cookie sent to its instance"
else
	e2e_fail "IPv4 sticky hits counted: $hit, want $((2 * N + 20))"
fi
e2e_check "IPv4 a cookie naming no instance is balanced over the pool" \
	probe route --host "$API4" -n 60 -c 4 --header "Cookie: $COOKIE=0123456789abcdef" --case "|/login|$L4"
e2e_check "IPv6 a cookie naming login2v6 goes to login2v6: 100 short requests" \
	probe route --host "$API6" -n 100 -c 4 --header "Cookie: $COOKIE=$(sticky_id login6 login2v6)" \
	--case "|/login|login2v6"
# the first response of a connection without a cookie names its instance
ids="login1=$id1,login2=$id2,login3=$id3"
e2e_check "IPv4 the first response carries Set-Cookie $COOKIE=<its instance's id>" \
	probe setcookie --host "$API4" --path /login --cookie "$COOKIE" -n 6 --ids "$ids"
# login2 stopped: its cookie is balanced elsewhere once the health checks take it out
turns() { # INSTANCE STATE: how many times it turned STATE so far
	grep -c "\"instance\":\"$1\",\"old\":\"[a-z]*\",\"new\":\"$2\"" "$R/sluiced.log" || true
}
turned() { [ "$(turns "$1" "$2")" -ge "$3" ]; } # INSTANCE STATE COUNT
down0=$(turns login2 unhealthy) up0=$(turns login2 healthy)
kill "$(cat "$R/login2.pid")"
lab_wait 10 "login2 unhealthy" "turned login2 unhealthy $((down0 + 1))" ||
	e2e_fail "the health checks did not take login2 out"
lab_wait_settled || e2e_fail "login2 out: the dataplane does not follow"
miss0=$(sticky_count sticky_miss)
e2e_check "IPv4 login2 down: its cookie is balanced over login1 and login3" \
	probe route --host "$API4" -n 100 -c 4 --header "Cookie: $COOKIE=$id2" --case "|/login|login1,login3"
miss=$(($(sticky_count sticky_miss) - miss0))
e2e_check "IPv4 login2 down, a request with its cookie gets the cookie of its new instance" \
	probe setcookie --host "$API4" --path /login --cookie "$COOKIE" -n 4 --ids "$ids" \
	--header "Cookie: $COOKIE=$id2"
if [ "$miss" = 100 ]; then
	e2e_pass "IPv4 sticky misses counted while login2 is down: $miss, one per request"
else
	e2e_fail "IPv4 sticky misses counted while login2 is down: $miss, want 100"
fi
start_service login 2 4
lab_wait 10 "login2 healthy again" "turned login2 healthy $((up0 + 1))" || e2e_fail "the health checks did not bring login2 back"
lab_wait_settled || e2e_fail "login2 back: the dataplane does not follow"
e2e_check "IPv4 login2 back: its cookie goes to it again" \
	probe route --host "$API4" -n 50 -c 4 --header "Cookie: $COOKIE=$id2" --case "|/login|login2"
e2e_end
