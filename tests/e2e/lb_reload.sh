#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Changing the tables under load:
#  - a reload that adds one instance and removes another, during a load of
#    short requests and while keep-alive connections are established, fails
#    no request and breaks no established connection;
#  - a bad reload (syntax error by SIGHUP, then a port out of range by
#    sluicectl reload) changes nothing: the
#    generation stays, the log says it was refused, traffic keeps its set;
#  - kill -9 sluiced during load loses no request; a restarted sluiced takes
#    over (publishes again and reloads).
E2E_NAME=lb_reload
. "$(dirname "$0")/e2e_lib.sh"
e2e_begin r

LOAD_S=${E2E_LOAD_SECONDS:-8}
lab_up dp || e2e_fatal "lab_up"
R=$LAB_DIR

# The generation sluiced published last ("sluicectl stats --json" .generation).
generation() {
	lab_ctl stats --json 2>/dev/null | jq -r '.generation // empty' 2>/dev/null
}

# wait_generation OLD: until the generation differs from OLD (10 s).
wait_generation() {
	local old=$1 i g
	for ((i = 0; i < 100; i++)); do
		g=$(generation || true)
		if [ -n "$g" ] && [ "$g" != "$old" ]; then
			echo "$g"
			return 0
		fi
		sleep 0.1
	done
	return 1
}

# settle_generation: the generation once it stayed the same for 1 s (a reload
# may publish twice: once at once, again when a new backend's MAC resolves).
settle_generation() {
	local i g prev=""
	for ((i = 0; i < 10; i++)); do
		g=$(generation || true)
		if [ -n "$g" ] && [ "$g" = "$prev" ]; then
			echo "$g"
			return 0
		fi
		prev=$g
		sleep 1
	done
	echo "$prev"
}

# Start with be1 and be2 in the IPv4 pool.
lab_conf --pool4 "1 2" >"$LAB_CONF"
lab_sluice_up || e2e_fatal "sluiced + sluice-dp forward a first request"
g0=$(generation || true)
[ -n "$g0" ] || e2e_fatal "sluicectl stats --json gives no .generation: $(lab_ctl stats --json 2>&1 | head -c 300)"
e2e_pass "up with pool web = be1 be2, generation $g0"

# --- 1. reload that adds be3 and removes one instance, under load -------------
# A keep-alive connection first; the instance removed is the one that does not
# hold it (removing an instance ends its connections by definition).
lab_load keepalive --host "$LAB_VIP_WEB" -n 0 --duration $((LOAD_S + 3)) --interval 0.02 \
	--timeout 3 >"$R/ka.json" &
KAPID=$!
sleep 1
held=""
for b in 1 2; do
	n=$(lab_in "$(lab_ns_be "$b")" ss -Htn state established "( sport = :80 )" | grep -c "$LAB_CL4" || true)
	[ "${n:-0}" -gt 0 ] && held=$b
done
[ -n "$held" ] || e2e_fail "keep-alive connection is on neither be1 nor be2 (ss found none)"
keep=${held:-2}
remove=$((3 - keep))
echo "keep-alive connection on be$keep; reload: remove be$remove, add be3"
lab_load http --host "$LAB_VIP_WEB" -n 0 --duration "$LOAD_S" -c 8 --timeout 3 \
	>"$R/reload_load.json" &
LOADPID=$!
sleep 2
lab_conf --pool4 "$keep 3" >"$LAB_CONF.new" && mv "$LAB_CONF.new" "$LAB_CONF"
kill -HUP "$SLUICED_PID"
if g1=$(wait_generation "$g0"); then
	e2e_pass "SIGHUP reload published generation $g1 (was $g0)"
else
	e2e_fail "SIGHUP reload: generation still $g0 after 10 s"
	g1=$g0
fi
wait "$LOADPID" || true
g1=$(settle_generation)
e2e_result "reload under load: no short request failed" "$R/reload_load.json"
wait "$KAPID" || true
e2e_result "reload: the keep-alive connection stays up on be$keep" "$R/ka.json" \
	--one-instance --instances "be$keep"
lab_load http --host "$LAB_VIP_WEB" -n 1500 -c 16 --deadline 60 >"$R/after_reload.json" || true
e2e_result "after reload: traffic on be$keep and be3 only" "$R/after_reload.json" \
	--instances "be$keep,be3" --share 0.5 --tolerance 0.12

# --- 2. bad reloads change nothing -----------------------------------------
cp "$LAB_CONF" "$R/good.conf"
for bad in syntax value; do
	lab_conf --pool4 "1 2 3" --bad "$bad" >"$LAB_CONF"
	before=$(grep -ci 'refus' "$LAB_DIR/sluiced.log" 2>/dev/null || true)
	if [ "$bad" = syntax ]; then
		kill -HUP "$SLUICED_PID"
	else
		# the operator's way: sluicectl reload signals the live sluiced
		lab_ctl reload || e2e_fail "sluicectl reload exited $?"
	fi
	sleep 1.5
	g=$(generation || true)
	after=$(grep -ci 'refus' "$LAB_DIR/sluiced.log" 2>/dev/null || true)
	if [ "$g" = "$g1" ]; then
		e2e_pass "bad reload ($bad): generation unchanged ($g)"
	else
		e2e_fail "bad reload ($bad): generation changed $g1 -> $g"
	fi
	if [ "${after:-0}" -gt "${before:-0}" ]; then
		e2e_pass "bad reload ($bad): log says refused: $(grep -i 'refus' "$LAB_DIR/sluiced.log" | tail -n 1)"
	else
		e2e_fail "bad reload ($bad): no 'refused' line in sluiced.log"
	fi
done
cp "$R/good.conf" "$LAB_CONF"
lab_load http --host "$LAB_VIP_WEB" -n 1500 -c 16 --deadline 60 >"$R/after_bad.json" || true
e2e_result "after bad reloads: traffic still on be$keep and be3 only" "$R/after_bad.json" \
	--instances "be$keep,be3" --share 0.5 --tolerance 0.12

# --- 3. kill -9 sluiced under load; a new sluiced takes over ---------------
lab_load http --host "$LAB_VIP_WEB" -n 0 --duration "$LOAD_S" -c 8 --timeout 3 \
	>"$R/kill_load.json" &
LOADPID=$!
sleep 2
kill -9 "$SLUICED_PID"
wait "$SLUICED_PID" 2>/dev/null || true
wait "$LOADPID" || true
e2e_result "kill -9 sluiced under load: no request lost" "$R/kill_load.json" \
	--instances "be$keep,be3" --share 0.5 --tolerance 0.12
lab_conf --pool4 "1 2 3" >"$LAB_CONF"
if lab_start_sluiced; then
	e2e_pass "sluiced restarted next to the running dataplane"
	g2=$(wait_generation "$g1" || true)
	if [ -n "$g2" ]; then
		e2e_pass "restarted sluiced published generation $g2 (was $g1)"
	else
		e2e_fail "restarted sluiced published nothing new (generation $(generation))"
	fi
	sleep 2.5 # the closed flows of the load above expire (tcp_fin_timeout = 2)
	lab_load http --host "$LAB_VIP_WEB" -n "${E2E_REQUESTS:-3000}" -c 16 --deadline 90 \
		>"$R/takeover.json" || true
	e2e_result "after takeover: be1 be2 be3 all serve" "$R/takeover.json" \
		--instances be1,be2,be3 --share 0.3333 --tolerance 0.10
else
	e2e_fail "sluiced did not restart"
fi
e2e_end
