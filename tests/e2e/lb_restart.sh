#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Restarting the daemons under continuous load, as systemd's Restart= would,
# with http health checks on pool web (interval 200 ms, rise 2, fall 2):
#  - kill -9 sluice-dp, start it again 1 s later: it replaces the steering
#    program its dead predecessor left on the interface and serves; the
#    longest run of failed requests is under 3 s, then none fails; it logs
#    the time from start to the first forwarded packet;
#  - the same with SIGTERM;
#  - kill -9 sluiced, start it again: no request fails, and no generation
#    it publishes has an instance down (it takes the health of each instance
#    over from the generation the dataplane follows);
#  - sluice-dp killed and restarted while sluiced is down: it serves from
#    the segment's current generation (fills its VIP map itself); sluiced
#    started afterwards costs nothing;
#  - both killed, restarted dataplane first, then both killed, sluiced first;
#  - a second sluice-dp of the instance (or of another instance) on the same
#    interface is refused while the first runs, naming pid and program; an
#    XDP program no sluice-dp attached is refused, naming the command that
#    removes it.
E2E_NAME=lb_restart
. "$(dirname "$0")/e2e_lib.sh"
e2e_begin x

RESTART_AFTER=1 # s between a kill and the new start
MAX_RUN=3       # s: the longest run of failed requests allowed
LOAD_S=${E2E_LOAD_SECONDS:-8}
lab_up dp || e2e_fatal "lab_up"
R=$LAB_DIR
lab_conf --web 'health = { type = "http"; path = "/"; expect = "200"; interval_ms = 200;
      timeout_ms = 100; rise = 2; fall = 2; jitter_ms = 0; };' >"$LAB_CONF"
lab_sluice_up || e2e_fatal "sluiced + sluice-dp forward a first request"

state_of() { # INSTANCE
	lab_ctl health --json | jq -r --arg i "$1" \
		'.pools[] | select(.pool == "web") | .instances[] | select(.name == $i) | .state'
}
lab_wait 10 "be1 be2 be3 healthy" \
	'[ "$(state_of be1)$(state_of be2)$(state_of be3)" = healthyhealthyhealthy ]' ||
	e2e_fatal "instances not healthy: $(lab_ctl health 2>&1 | head -n 6)"
e2e_pass "sluiced + sluice-dp up, be1 be2 be3 healthy"

# What a daemon logged since byte offset $2 of its log $1.
log_since() { tail -c +$(($2 + 1)) "$1"; }
log_size() { stat -c %s "$1"; }
SD_LOG=$R/sluiced.log
DP_LOG=$R/sluice-dp.log
# From here on no generation may publish an instance down (the start above
# had the pool in panic, then its instances healthy one by one).
SD_OFF0=$(log_size "$SD_LOG")

# load_start NAME: a continuous load of short requests in the background.
load_start() {
	lab_load http --host "$LAB_VIP_WEB" -n 0 --duration "${2:-$LOAD_S}" -c 8 --rate 300 \
		--timeout 1.5 >"$R/$1.json" &
	LOADPID=$!
	sleep 1
}
load_wait() { wait "$LOADPID" || true; }
# check_runs LABEL NAME: the load NAME had at most one run of failures, shorter than MAX_RUN.
check_runs() {
	e2e_result "$1: longest failure run < ${MAX_RUN}s, then none" "$R/$2.json" \
		--max-fail-run "$MAX_RUN" --max-fail-runs 1
}
kill_dp() { # SIGNAL
	kill "-$1" "$DP_PID"
	wait "$DP_PID" 2>/dev/null || true
}
kill_sluiced() {
	kill -9 "$SLUICED_PID"
	wait "$SLUICED_PID" 2>/dev/null || true
}
# dp_exit_status SECONDS: the exit status of sluice-dp if it ended within SECONDS, else 255.
dp_exit_status() {
	local i
	for ((i = 0; i < $1 * 10; i++)); do
		if ! kill -0 "$DP_PID" 2>/dev/null; then
			wait "$DP_PID"
			return $?
		fi
		sleep 0.1
	done
	return 255
}
# dp_started_check LABEL OFFSET: the dataplane started at OFFSET logged its
# first forwarded packet.
dp_started_check() {
	local line
	line=$(log_since "$DP_LOG" "$2" | grep -m1 'first packet forwarded' || true)
	if [ -n "$line" ]; then
		e2e_pass "$1: ${line#*main: }"
	else
		e2e_fail "$1: no 'first packet forwarded' line in sluice-dp.log"
	fi
}

# dp_restart SIGNAL NAME: stop sluice-dp with SIGNAL under load NAME, start it
# again RESTART_AFTER s later; OFF is where its log stood before.
dp_restart() {
	OFF=$(log_size "$DP_LOG")
	load_start "$2"
	kill_dp "$1"
	sleep "$RESTART_AFTER"
	lab_start_dp
	load_wait
	check_runs "$1 sluice-dp, restart after ${RESTART_AFTER}s" "$2"
	dp_started_check "$1 restart" "$OFF"
}
replaced_line() { log_since "$DP_LOG" "$OFF" | grep -m1 'which is gone: replaced' || true; }

# --- 1. kill -9 sluice-dp, start it again 1 s later --------------------------
old_pid=$DP_PID
dp_restart KILL dp_kill
case $(replaced_line) in
*"sluice-dp pid $old_pid of instance \"$LAB_INSTANCE\", which is gone: replaced")
	e2e_pass "the dead dataplane's XDP program was replaced: $(replaced_line | sed 's/.*port: //')" ;;
*) e2e_fail "no 'which is gone: replaced' line naming pid $old_pid in sluice-dp.log" ;;
esac

# --- 2. SIGTERM sluice-dp, start it again 1 s later --------------------------
dp_restart TERM dp_term
if [ -z "$(replaced_line)" ]; then
	e2e_pass "a clean stop left nothing to replace"
else
	e2e_fail "after a clean stop the interface was not free: $(replaced_line)"
fi

# --- 3. kill -9 sluiced under load, start it again ---------------------------
off=$(log_size "$SD_LOG")
load_start sd_kill
kill_sluiced
sleep "$RESTART_AFTER"
lab_start_sluiced || e2e_fail "sluiced did not restart"
sleep 3 # a few probe rounds of the new sluiced under load
load_wait
e2e_result "kill -9 sluiced, restart: no request failed" "$R/sd_kill.json"
new_events=$(log_since "$SD_LOG" "$off" | grep '^{"ts":"[^"]*","kind":"health"' || true)
seeded=$(echo "$new_events" | jq -s '[.[] | select(.event == "instance" and .old == "absent" and
	.pool == "web" and .new == "healthy" and
	(.reason | test("serving in generation [0-9]+ taken over")))] | length')
if [ "$seeded" = 3 ]; then
	e2e_pass "restarted sluiced: be1 be2 be3 start healthy from the generation taken over"
else
	e2e_fail "restarted sluiced: $seeded of 3 instances seeded healthy: $(echo "$new_events" | head -n 8)"
fi
if log_since "$SD_LOG" "$off" | grep 'published generation' >/dev/null; then
	e2e_pass "restarted sluiced published: $(log_since "$SD_LOG" "$off" | grep -m1 'published generation' | sed 's/.*publish: //')"
else
	e2e_fail "restarted sluiced published nothing"
fi

# --- 4. sluice-dp restarted while sluiced is down -------------------------------
kill_sluiced
off=$(log_size "$DP_LOG")
load_start dp_alone
kill_dp 9
sleep "$RESTART_AFTER"
lab_start_dp
load_wait
check_runs "sluiced down, kill -9 sluice-dp, restart" dp_alone
dp_started_check "restart without sluiced" "$off"
load_start sd_late 5
lab_start_sluiced || e2e_fail "sluiced did not start"
load_wait
e2e_result "sluiced started next to the restarted dataplane: no request failed" "$R/sd_late.json"

# --- 5. both killed: dataplane first, then sluiced; then the other order -------
load_start both_dp_first
kill_sluiced
kill_dp 9
sleep "$RESTART_AFTER"
lab_start_dp
lab_start_sluiced || e2e_fail "sluiced did not restart"
load_wait
check_runs "both killed, dataplane restarted first" both_dp_first
load_start both_sd_first
kill_dp 9
kill_sluiced
sleep "$RESTART_AFTER"
lab_start_sluiced || e2e_fail "sluiced did not restart"
lab_start_dp
load_wait
check_runs "both killed, sluiced restarted first" both_sd_first

# No generation since the first healthy state published an instance down.
downs=$(log_since "$SD_LOG" "$SD_OFF0" | grep 'published generation' | grep -v ' 0 down' || true)
bad_events=$(log_since "$SD_LOG" "$SD_OFF0" | grep '^{"ts":"[^"]*","kind":"health"' |
	jq -c 'select((.event == "instance" and (.new == "unhealthy" or .new == "probing")) or
		(.event == "pool" and .new == "panic"))' || true)
if [ -z "$downs" ] && [ -z "$bad_events" ]; then
	e2e_pass "through every restart: no generation published an instance down, no panic"
else
	e2e_fail "an instance was published down or unhealthy: $downs $bad_events"
fi

# --- 6. refusals: a live owner, another instance, a foreign program -------------
lab_wait_forwarding || e2e_fail "not forwarding before the refusal checks"
other_dp() { # CONF: a second sluice-dp on the same interface; its exit status and log
	local rc=0
	timeout 30 ip netns exec "$LAB_NS_LB" "$(lab_bin sluice-dp)" -c "$1" >"$R/dp2.log" 2>&1 || rc=$?
	rm -rf "/var/run/dpdk/${LAB_DP_PREFIX}2" "/run/dpdk/${LAB_DP_PREFIX}2"
	return "$rc"
}
# other_dp_refused LABEL CONF LINE: the second sluice-dp exits, logging LINE.
other_dp_refused() {
	if other_dp "$2"; then
		e2e_fail "$1: it started"
	elif grep -qF -- "$3" "$R/dp2.log"; then
		e2e_pass "$1: $(grep -m1 'not replacing' "$R/dp2.log" | sed 's/.*port: //')"
	else
		e2e_fail "$1: no line '$3': $(tail -n 3 "$R/dp2.log")"
	fi
}
sed "s/\"$LAB_DP_PREFIX\"/\"${LAB_DP_PREFIX}2\"/" "$LAB_CONF" >"$R/same.conf"
sed "s/\"$LAB_INSTANCE\"/\"${LAB_INSTANCE}b\"/" "$R/same.conf" >"$R/other.conf"
prog_id=$(ip -n "$LAB_NS_LB" -j link show dev "$LAB_IF_LB" | jq -r '.[0].xdp.prog.id // empty')
other_dp_refused "a second sluice-dp of the instance is refused" "$R/same.conf" \
	"port ext0: $LAB_IF_LB carries XDP program sluice_xdp (id $prog_id) of a running sluice-dp of instance \"$LAB_INSTANCE\" (pid $DP_PID); not replacing it: stop pid $DP_PID first"
other_dp_refused "a sluice-dp of another instance is refused" "$R/other.conf" \
	"port ext0: $LAB_IF_LB carries XDP program sluice_xdp (id $prog_id) of sluice instance \"$LAB_INSTANCE\" (sluice-dp pid $DP_PID, running), not of \"${LAB_INSTANCE}b\"; not replacing it"
rm -f "/dev/shm/sluice-${LAB_INSTANCE}b" "/run/sluice/${LAB_INSTANCE}b-xdp.o"
short_load() { # NAME
	lab_load http --host "$LAB_VIP_WEB" -n 300 -c 8 --timeout 3 --deadline 30 >"$R/$1.json" || true
}
short_load refused
e2e_result "the running dataplane still serves after both refusals" "$R/refused.json"

kill_dp TERM
ip -n "$LAB_NS_LB" link set dev "$LAB_IF_LB" xdp obj "$SLUICE_BUILD_DIR/bpf/sluice_xdp.bpf.o" sec xdp
prog_id=$(ip -n "$LAB_NS_LB" -j link show dev "$LAB_IF_LB" | jq -r '.[0].xdp.prog.id // empty')
off=$(log_size "$DP_LOG")
lab_start_dp
rc=0
dp_exit_status 30 || rc=$?
if [ "$rc" = 0 ] || [ "$rc" = 255 ]; then
	e2e_fail "sluice-dp started over an XDP program nobody claimed (status $rc)"
elif log_since "$DP_LOG" "$off" | grep -q "port ext0: $LAB_IF_LB carries XDP program sluice_xdp (id $prog_id) that no sluice-dp attached; not replacing it: remove it with 'ip link set dev $LAB_IF_LB xdp off' if nothing needs it"; then
	e2e_pass "a foreign XDP program is refused: $(log_since "$DP_LOG" "$off" | grep -m1 'no sluice-dp attached' | sed 's/.*port: //')"
else
	e2e_fail "foreign program: no refusal naming prog id $prog_id: $(log_since "$DP_LOG" "$off" | tail -n 3)"
fi
ip -n "$LAB_NS_LB" link set dev "$LAB_IF_LB" xdp off
lab_start_dp
lab_wait_forwarding || e2e_fail "sluice-dp did not serve after the foreign program was removed"
short_load after_foreign
e2e_result "after 'xdp off' sluice-dp serves again" "$R/after_foreign.json"
e2e_end
