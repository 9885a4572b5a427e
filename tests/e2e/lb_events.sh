#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Event records end to end (lab_up dp --router --nat): N requests through a
# tunnel VIP, a dsr VIP (backend 4), a nat VIP and an http VIP (backends
# 1-3), one connection each, measured by the client (tests/e2e/ev_client.py),
# come out of sluiced's stdout as exactly one flow record per connection
# (and one request record per connection of the nat VIP, per request of
# the http VIP), each naming the instance that really answered (the
# backends say who they are) and lasting no longer than the client's own
# measurement; dsr and tunnel records say "seen":"client" and count no
# packet of the instance. Then, with events.ring_size = 16 and sluiced
# stopped (SIGSTOP), M connections through the tunnel VIP all succeed while
# the worker's ring keeps exactly 16 records and counts exactly M + 1 - 16
# drops (the client's last connection is a flow too); sluiced, continued,
# writes exactly those 16.
E2E_NAME=lb_events
. "$(dirname "$0")/e2e_lib.sh"
e2e_begin v
e2e_need jq jq

N=${E2E_REQUESTS:-200}
M=${E2E_OVERFLOW:-100}
VIPNAT=198.18.100.10
VIPHTTP=198.18.100.14
CLIENT="$SLUICE_SOURCE_DIR/tests/e2e/ev_client.py"

lab_up dp --router --nat || e2e_fatal "lab_up --router --nat"
R=$LAB_DIR
vips="$(lab_nat_vip evnat $VIPNAT 80 tcp evnat),
  { name = \"evhttp\"; address = \"$VIPHTTP\"; port = 80; protocol = \"tcp\"; mode = \"http\";
    routes = ( { path = \"/login\"; pool = \"evhttp\"; } ); }"
pools="{ name = \"evnat\"; backends = ( $(lab_pool_backends 4 n-be "1 2 3") ); },
  { name = \"evhttp\"; balance = \"round-robin\"; backends = ( $(lab_pool_backends 4 h-be "1 2 3") ); }"
conf() { # RING_SIZE
	lab_conf --pool4 4 --pool6 4 --vips "$vips" --pools "$pools" --extra "$(lab_nat_section)" \
		--events "flows = true; requests = true; sample = 1.0; output = \"stdout\"; ring_size = $1;"
}
conf 1024 >"$LAB_CONF"
lab_sluice_up || e2e_fatal "sluiced + sluice-dp forward a first request"
lab_wait_forwarding "$VIPNAT" || e2e_fatal "a first request through the nat VIP"
lab_wait 10 "a first request through the http VIP" \
	"lab_in $LAB_NS_CL curl -s -m 1 http://$VIPHTTP/login | grep -q '^be'" ||
	e2e_fatal "a first request through the http VIP"
e2e_pass "sluiced + sluice-dp up: tunnel, dsr, nat and http VIPs answer"

# soon SECS CMD: CMD true within SECS seconds (0), or not (1; no exit, unlike lab_wait)
soon() {
	local i
	for ((i = 0; i < $1 * 10; i++)); do
		if eval "$2" >/dev/null 2>&1; then return 0; fi
		sleep 0.1
	done
	return 1
}
# the records in sluiced's log (from byte FROM on, default 0)
FROM=0
records() {
	tail -c +$((FROM + 1)) "$R/sluiced.log" | grep -E '^\{"ts":"[^"]*","kind":"(flow|request)"' || true
}
# T0: when the last client run began, less 50 ms (records' "start" has ms): earlier
# records (the first requests above) may share a client port with it
T0=
client() { # VIP PATH OUT
	T0=$("$LAB_PY" -c 'import datetime as d
t = d.datetime.now(d.timezone.utc) - d.timedelta(milliseconds=50)
print(t.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z")')
	lab_in "$LAB_NS_CL" "$LAB_PY" "$CLIENT" "$1" 80 "$N" "$2" >"$3"
}
# match CLIENT.json KIND VIP PREFIX: the client's requests joined with the records of KIND
# and VIP that started in its run (T0) by client port: how many have exactly one, naming PREFIX + the instance that
# answered, within the client's own measurement: an HTTP request record within the
# client's request (the head arrives after the client sent it, the response ends before
# the client read it); a flow (and a nat connection) within the client's bound_us, as its
# last packet, the client's RST, reaches the appliance after close() returned
# (tests/e2e/ev_client.py).
match() {
	records >"$R/records.json"
	match_file "$@"
}
# match_file: match, against the lines already in $R/records.json
match_file() {
	jq -n --slurpfile c "$1" --slurpfile r "$R/records.json" --arg k "$2" --arg v "$3" \
		--arg p "$4" --arg t0 "$T0" '
		[$r[] | select(.kind == $k and .vip == $v and .start >= $t0)] as $recs |
		[$c[0].requests[] | . as $q | [$recs[] | select(.client_port == $q.port)] as $m |
		 {port: $q.port, n: ($m | length), rec: $m[0], client: $q,
		  ok: (($m | length) == 1 and $m[0].instance == ($p + $q.instance) and
		       $m[0].duration_us <= (if $k == "flow" or $m[0].mode == "nat"
					      then $q.bound_us else $q.us end))}] |
		{requests: length, one: (map(select(.n == 1)) | length),
		 ok: (map(select(.ok)) | length), bad: (map(select(.ok | not)) | .[:2]),
		 max_us: (map(.rec.duration_us // 0) | max), recs: map(.rec)}' >"$R/match.json"
}
# check LABEL CLIENT.json KIND VIP PREFIX [JQ CONDITION ON EVERY RECORD]
check() {
	local label=$1 cf=$2 kind=$3 vip=$4 pre=$5 cond=${6:-true} failed ok
	failed=$(jq .failed "$cf")
	soon 20 "match $cf $kind $vip '$pre' && [ \$(jq .one $R/match.json) -ge $N ]" || true
	ok=$(jq .ok "$R/match.json")
	if [ "$failed" = 0 ] && [ "$ok" = "$N" ] &&
		jq -e "[.recs[] | $cond] | all" "$R/match.json" >/dev/null; then
		e2e_pass "$label: $N requests, $N $kind records naming the instance that answered, each within the client's own measurement (longest $(jq .max_us "$R/match.json") us), $(jq -c '.recs[0] | del(.ts, .start, .client, .client_port, .vip_addr, .vip_port, .worker)' "$R/match.json")"
	else
		e2e_fail "$label: client failed $failed, $(jq -c '{requests, one, ok, bad}' "$R/match.json"); every record $cond: $(jq -c "[.recs[] | $cond] | all" "$R/match.json")"
	fi
}

client "$LAB_VIP_WEB" / "$R/tunnel.json"
check "tunnel" "$R/tunnel.json" flow web "" \
	'.mode == "tunnel" and .seen == "client" and (.packets | has("instance") | not) and .end == "rst"'
client "$LAB_VIP_DSR" / "$R/dsr.json"
check "dsr" "$R/dsr.json" flow webdsr "" \
	'.mode == "dsr" and .seen == "client" and (.packets | has("instance") | not)'
client "$VIPNAT" / "$R/nat.json"
check "nat flows" "$R/nat.json" flow evnat n- \
	'.mode == "nat" and .seen == "both" and .packets.instance > 0'
check "nat connections" "$R/nat.json" request evnat n- \
	'.mode == "nat" and .connect_us != null and .ttfb_us != null and .ttfb_us <= .duration_us and .resp_bytes > 0 and (has("method") | not)'
client "$VIPHTTP" "/login?user=ev" "$R/http.json"
check "http requests" "$R/http.json" request evhttp h- \
	'.mode == "http" and .method == "GET" and .route == "/login" and .status == 200 and
	 (.path | startswith("/login?user=ev&i=")) and .ttfb_us <= .duration_us and .answer == null and
	 .request_id == ("ev-" + (.path | split("&i=")[1]))'
check "http flows" "$R/http.json" flow evhttp h- '.mode == "http" and .seen == "both"'

# --- sluicectl events ---------------------------------------------------------
n=$(lab_ctl events --kind request --vip evhttp --json |
	jq -s '[.[] | select(.path | startswith("/login?user=ev&i="))] | length')
last=$(lab_ctl events --kind request --vip evhttp | tail -n 1)
if [ "$n" = "$N" ] && grep -q " GET /login?user=ev&i=$((N - 1)) 200 " <<<"$last"; then
	e2e_pass "sluicectl events --kind request --vip evhttp: the $N requests; the last as a table: $last"
else
	e2e_fail "sluicectl events --kind request --vip evhttp: $n of $N requests; table: $last"
fi
lab_ctl events --follow --kind flow --vip web --json >"$R/follow.json" &
follow_pid=$!
sleep 1
N=5 client "$LAB_VIP_WEB" / "$R/few.json"
soon 10 "cp $R/follow.json $R/records.json && N=5 match_file $R/few.json flow web '' &&
	[ \$(jq .ok $R/match.json) = 5 ]" || true
kill "$follow_pid" 2>/dev/null
wait "$follow_pid" 2>/dev/null || true
others=$(jq -s '[.[] | select(.kind != "flow" or .vip != "web")] | length' "$R/follow.json")
if [ "$(jq .ok "$R/match.json")" = 5 ] && [ "$others" = 0 ]; then
	e2e_pass "sluicectl events --follow --kind flow --vip web: the next 5 connections' records as they came, nothing else"
else
	e2e_fail "sluicectl events --follow: $(jq -c '{one, ok}' "$R/match.json") of 5, $others other lines"
fi

# --- a ring that overflows ---------------------------------------------------
stats() { lab_ctl stats --json | jq -c '[.workers[] | {event_records, event_drops, event_read}] |
	{records: (map(.event_records) | add), drops: (map(.event_drops) | add),
	 read: (map(.event_read) | add)}'; }
kill -TERM "$DP_PID" && wait "$DP_PID" 2>/dev/null
kill -TERM "$SLUICED_PID" && wait "$SLUICED_PID" 2>/dev/null
conf 16 >"$LAB_CONF"
lab_start_sluiced || e2e_fatal "sluiced with events.ring_size = 16"
lab_start_dp
lab_wait_forwarding "$LAB_VIP_WEB" || e2e_fatal "forwarding with events.ring_size = 16"
# every flow so far ended and drained (the lab's tcp_fin_timeout is 2 s)
soon 15 \
	"s=\$(stats) && [ \$(jq .records <<<\"\$s\") = \$(jq .read <<<\"\$s\") ] && sleep 3 &&
	 [ \"\$(stats)\" = \"\$s\" ]" || e2e_fail "records left unread before the overflow: $(stats)"
s0=$(stats)
kill -STOP "$SLUICED_PID"
N=$M client "$LAB_VIP_WEB" / "$R/over.json"
soon 20 \
	"[ \$(( \$(stats | jq '.records + .drops') - \$(jq '.records + .drops' <<<'$s0') )) -ge $((M + 1)) ]" || true
s1=$(stats)
kept=$(($(jq .records <<<"$s1") - $(jq .records <<<"$s0")))
dropped=$(($(jq .drops <<<"$s1") - $(jq .drops <<<"$s0")))
answered=$(jq '[.requests[] | select(.instance == "be4")] | length' "$R/over.json")
if [ "$(jq .failed "$R/over.json")" = 0 ] && [ "$answered" = "$M" ]; then
	e2e_pass "sluiced stopped: $M connections through the tunnel VIP all answered by be4"
else
	e2e_fail "sluiced stopped: $answered of $M answered, $(jq .failed "$R/over.json") failed"
fi
if [ "$kept" = 16 ] && [ "$dropped" = $((M + 1 - 16)) ]; then
	e2e_pass "a full ring of 16: $kept records kept, $dropped dropped and counted (of $((M + 1)) flows)"
else
	e2e_fail "a ring of 16 after $((M + 1)) flows: $kept kept, $dropped dropped ($s0 -> $s1)"
fi
# a client port of this run may have served an earlier connection to the VIP: only the
# lines from here on
FROM=$(stat -c %s "$R/sluiced.log")
kill -CONT "$SLUICED_PID"
soon 10 \
	"N=$M match $R/over.json flow web '' && [ \$(jq .one $R/match.json) -ge 16 ]" || true
N=$M match "$R/over.json" flow web ""
if [ "$(jq .one "$R/match.json")" = 16 ] && [ "$(jq .ok "$R/match.json")" = 16 ]; then
	e2e_pass "sluiced continued: exactly the 16 kept records written, each naming be4"
else
	e2e_fail "sluiced continued: $(jq -c '{one, ok}' "$R/match.json") records of the overflow run written, expected 16"
fi
e2e_end
