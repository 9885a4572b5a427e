#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Health checks end to end: pool web probed over HTTP every 200 ms
# (timeout 100 ms, fall 2, rise 2, no jitter) while clients use the VIP.
# - stop be1's nginx: after fall x interval + 1 interval no request fails
#   and none reaches be1; a keep-alive connection on another instance lives;
# - start it again: it takes new flows after rise x interval;
# - sluicectl drain: no new flows to the drained instance while its
#   keep-alive connection goes on; undrain: it is back;
# - every nginx stopped: the pool goes into panic (event line), every
#   instance serves (no silent black hole); one back: panic ends;
# - sluiced prints each change as a JSON line with the right old/new states.
E2E_NAME=lb_health
. "$(dirname "$0")/e2e_lib.sh"
e2e_begin h

INTERVAL_MS=200
FALL=2
RISE=2
N=${E2E_REQUESTS:-1500}
lab_up dp || e2e_fatal "lab_up"
R=$LAB_DIR
lab_conf --web "health = { type = \"http\"; path = \"/\"; expect = \"200\";
      interval_ms = $INTERVAL_MS; timeout_ms = 100; rise = $RISE; fall = $FALL;
      jitter_ms = 0; };" >"$LAB_CONF"
lab_sluice_up || e2e_fatal "sluiced + sluice-dp forward a first request"
e2e_pass "sluiced + sluice-dp up with http health checks on pool web"

# The JSON event lines sluiced printed (the log mixes them with log lines).
events() { grep '^{"ts":"[^"]*","kind":"health"' "$R/sluiced.log" || true; }
# has_event POOL INSTANCE OLD NEW: such an instance event was printed.
has_event() {
	events | jq -e -s --arg p "$1" --arg i "$2" --arg o "$3" --arg n "$4" \
		'any(.[]; .event == "instance" and .pool == $p and .instance == $i and
		     .old == $o and .new == $n and (.ts | test("Z$")) and (.reason | length > 0))' \
		>/dev/null
}
has_pool_event() { # POOL OLD NEW
	events | jq -e -s --arg p "$1" --arg o "$2" --arg n "$3" \
		'any(.[]; .event == "pool" and .pool == $p and .old == $o and .new == $n)' >/dev/null
}
n_events() { events | wc -l; }
pool_events() { # NEW: how many pool events of pool web went to state NEW
	events | jq -s --arg n "$1" '[.[] | select(.event == "pool" and .pool == "web" and .new == $n)] | length'
}
state_of() { # INSTANCE: its state in sluicectl health --json
	lab_ctl health --json | jq -r --arg i "$1" \
		'.pools[] | select(.pool == "web") | .instances[] | select(.name == $i) | .state'
}
nginx_stop() { # B
	lab_in "$(lab_ns_be "$1")" nginx -q -c "$R/be$1/nginx.conf" -p "$R/be$1" -s stop
	lab_wait 5 "nginx in be$1 to stop" \
		"! lab_in $(lab_ns_be "$1") ss -Hltn 'sport = :80' | grep -q ."
}
nginx_start() { # B
	lab_in "$(lab_ns_be "$1")" nginx -q -c "$R/be$1/nginx.conf" -p "$R/be$1"
	lab_wait 5 "nginx in be$1" "lab_in $(lab_ns_be "$1") ss -Hltn 'sport = :80' | grep -q ."
}
# Seconds as a decimal: N x interval.
after_intervals() { awk -v n="$1" -v i="$INTERVAL_MS" 'BEGIN { printf "%.3f", n * i / 1000 }'; }
short() { # LABEL FILE [check options]
	local label=$1 f=$2
	shift 2
	lab_load http --host "$LAB_VIP_WEB" -n "$N" -c 16 --timeout 3 --deadline 60 >"$f" || true
	e2e_result "$label" "$f" "$@"
}

# Start: the pool starts in panic (nobody healthy yet) and leaves it once
# the first instance passes rise checks.
lab_wait 10 "be1 be2 be3 healthy" \
	'[ "$(state_of be1)$(state_of be2)$(state_of be3)" = healthyhealthyhealthy ]' ||
	e2e_fail "instances not healthy: $(lab_ctl health 2>&1 | head -n 6)"
for b in be1 be2 be3; do
	if has_event web "$b" probing healthy; then
		e2e_pass "event: web/$b probing -> healthy"
	else
		e2e_fail "no event web/$b probing -> healthy: $(events | head -n 8)"
	fi
done
if has_pool_event web normal panic && has_pool_event web panic normal; then
	e2e_pass "event: pool web starts in panic (none healthy yet) and leaves it"
else
	e2e_fail "no panic/normal events for pool web at start: $(events | grep '"pool"' | head -n 4)"
fi
if lab_ctl health >"$R/health.txt" 2>&1 && grep -q '^web *be1 ' "$R/health.txt"; then
	e2e_pass "sluicectl health lists the instances"
else
	e2e_fail "sluicectl health: $(head -c 400 "$R/health.txt")"
fi
short "all healthy: $N short requests" "$R/s0.json" \
	--instances be1,be2,be3 --share 0.3333 --tolerance 0.10

# --- one instance dies ---------------------------------------------------------
# Keep-alive connections that must not notice (those on be2/be3).
KA_PIDS=""
for k in 1 2 3 4; do
	lab_load keepalive --host "$LAB_VIP_WEB" -n 0 --duration 6 --interval 0.02 \
		--deadline 20 >"$R/ka_fail$k.json" 2>/dev/null &
	KA_PIDS="$KA_PIDS $!"
done
sleep 0.5
nginx_stop 1
T_STOP=$(date +%s.%N)
sleep "$(after_intervals $((FALL + 1)))"
short "be1 stopped, after fall x interval + 1 interval: $N requests, none fails" "$R/s1.json" \
	--instances be2,be3 --share 0.5 --tolerance 0.10
# shellcheck disable=SC2086
wait $KA_PIDS || true
n_other=0
for k in 1 2 3 4; do
	f=$R/ka_fail$k.json
	inst=$(jq -r '.instances | keys | join(",")' "$f" 2>/dev/null || echo "?")
	case $inst in
	be1 | "") continue ;; # on the stopped instance: its connection ends with it
	esac
	n_other=$((n_other + 1))
	e2e_result "keep-alive on $inst while be1 dies: never fails" "$f" --one-instance
done
[ "$n_other" -gt 0 ] || e2e_fail "all 4 keep-alive connections landed on be1 (rerun)"
if has_event web be1 healthy unhealthy; then
	e2e_pass "event: web/be1 healthy -> unhealthy ($(events | grep '"new":"unhealthy"' | tail -n 1 | jq -r .reason))"
else
	e2e_fail "no event web/be1 healthy -> unhealthy: $(events | tail -n 4)"
fi
[ "$(state_of be1)" = unhealthy ] && e2e_pass "sluicectl health: be1 unhealthy" ||
	e2e_fail "sluicectl health: be1 is $(state_of be1)"

# --- it comes back -------------------------------------------------------------
nginx_start 1
sleep "$(after_intervals $((RISE + 1)))"
short "be1 back, after rise x interval: new flows reach it again" "$R/s2.json" \
	--instances be1,be2,be3 --share 0.3333 --tolerance 0.10
if has_event web be1 unhealthy healthy; then
	e2e_pass "event: web/be1 unhealthy -> healthy"
else
	e2e_fail "no event web/be1 unhealthy -> healthy: $(events | tail -n 4)"
fi
echo "be1 stopped at $T_STOP; events:"
events | grep '"be1"' | tail -n 3

# --- administrative drain ------------------------------------------------------
lab_load keepalive --host "$LAB_VIP_WEB" -n 0 --duration 5 --interval 0.02 --deadline 20 \
	--progress "$R/ka_drain.progress" >"$R/ka_drain.json" 2>/dev/null &
KA=$!
ka_instance() { # the instance the keep-alive client talks to, once it reported one
	[ -s "$R/ka_drain.progress" ] &&
		tail -n 1 "$R/ka_drain.progress" | jq -r '.instances | keys[0] // empty'
}
lab_wait 5 "the keep-alive client's first progress line" '[ -n "$(ka_instance)" ]' || {
	wait "$KA" || true
	e2e_fatal "keep-alive client for the drain test: $(cat "$R/ka_drain.json" 2>&1)"
}
X=$(ka_instance)
if lab_ctl drain web "$X" >"$R/drain.out" 2>&1; then
	e2e_pass "sluicectl drain web $X: $(cat "$R/drain.out")"
else
	e2e_fail "sluicectl drain web $X: $(cat "$R/drain.out")"
fi
sleep 0.3
others=$(echo be1 be2 be3 | tr ' ' '\n' | grep -vx "$X" | paste -sd,)
short "$X drained: no new flow reaches it" "$R/s3.json" --instances "$others" --share 0.5 \
	--tolerance 0.10
wait "$KA" || true
e2e_result "keep-alive connection on the drained $X survives" "$R/ka_drain.json" --one-instance
has_event web "$X" healthy drained && e2e_pass "event: web/$X healthy -> drained" ||
	e2e_fail "no event web/$X healthy -> drained: $(events | tail -n 3)"
if lab_ctl undrain web "$X" >"$R/undrain.out" 2>&1; then
	e2e_pass "sluicectl undrain web $X"
else
	e2e_fail "sluicectl undrain web $X: $(cat "$R/undrain.out")"
fi
sleep 0.3
short "$X undrained: back in the rotation" "$R/s4.json" \
	--instances be1,be2,be3 --share 0.3333 --tolerance 0.10
has_event web "$X" drained healthy && e2e_pass "event: web/$X drained -> healthy" ||
	e2e_fail "no event web/$X drained -> healthy"

# sluicectl errors: unknown instance, and a stopped sluiced named by its socket.
if lab_ctl drain web nosuch >"$R/bad.out" 2>&1; then
	e2e_fail "drain of an unknown instance succeeded"
elif grep -q 'no instance "nosuch" in pool "web"' "$R/bad.out"; then
	e2e_pass "drain of an unknown instance: $(cat "$R/bad.out")"
else
	e2e_fail "drain of an unknown instance: unclear error: $(cat "$R/bad.out")"
fi

# --- every instance down: panic, documented fail-open --------------------------
for b in 1 2 3; do nginx_stop "$b"; done
lab_wait 5 "pool web in panic" '[ "$(pool_events panic)" -ge 2 ]' &&
	e2e_pass "event: pool web normal -> panic when every instance failed ($(events | grep '"new":"panic"' | tail -n 1 | jq -r .reason))" ||
	e2e_fail "no second panic event: $(events | tail -n 5)"
if lab_ctl health | grep -q '^pool web: health http, PANIC'; then
	e2e_pass "sluicectl health: pool web in PANIC"
else
	e2e_fail "sluicectl health does not show the panic: $(lab_ctl health 2>&1 | tail -n 3)"
fi
# Fail open: every instance serves, so SYNs still reach the backends (they
# refuse: a connection error, never a timeout into a black hole).
lab_load http --host "$LAB_VIP_WEB" -n 300 -c 8 --timeout 2 --deadline 30 >"$R/s5.json" || true
refused=$(jq -r '.errors | to_entries | map(select(.key | test("refused|reset"))) | map(.value) | add // 0' "$R/s5.json")
timeouts=$(jq -r '.errors.timeout // 0' "$R/s5.json")
if [ "$refused" -ge 290 ] && [ "$timeouts" = 0 ]; then
	e2e_pass "panic: requests reach the (stopped) instances and are refused, no timeout ($(jq -c .errors "$R/s5.json"))"
else
	e2e_fail "panic: expected refused connections, got $(jq -c '{ok, errors}' "$R/s5.json")"
fi
nginx_start 2
sleep "$(after_intervals $((RISE + 1)))"
short "one instance back: panic ends, only be2 serves" "$R/s6.json" --instances be2
[ "$(pool_events normal)" -ge 2 ] &&
	e2e_pass "event: pool web panic -> normal" || e2e_fail "no second panic -> normal event"
echo "events printed: $(n_events)"
e2e_end
