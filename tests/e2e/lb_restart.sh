#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Restarting the daemons under continuous load (as systemd's Restart= would):
#  - kill -9 sluice-dp, start it again 1 s later: it replaces the steering
#    program its dead predecessor left on the interface and serves; the
#    longest run of failed requests is under 3 s, then none fails.
E2E_NAME=lb_restart
. "$(dirname "$0")/e2e_lib.sh"
e2e_begin x

RESTART_AFTER=1 # s between the kill and the new start
MAX_RUN=3       # s: the longest run of failed requests allowed
lab_up dp || e2e_fatal "lab_up"
R=$LAB_DIR
lab_conf >"$LAB_CONF"
lab_sluice_up || e2e_fatal "sluiced + sluice-dp forward a first request"
e2e_pass "sluiced + sluice-dp up"

# load_start NAME SECONDS: a continuous load of short requests in the background.
load_start() {
	lab_load http --host "$LAB_VIP_WEB" -n 0 --duration "$2" -c 8 --rate 300 --timeout 1.5 \
		>"$R/$1.json" &
	LOADPID=$!
	sleep 1
}
load_wait() { wait "$LOADPID" || true; }

# --- kill -9 sluice-dp, start it again 1 s later -----------------------------
load_start dp_kill 9
kill -9 "$DP_PID"
wait "$DP_PID" 2>/dev/null || true
sleep "$RESTART_AFTER"
lab_start_dp
load_wait
e2e_result "kill -9 sluice-dp, restart after ${RESTART_AFTER}s: longest failure run < ${MAX_RUN}s, then none" \
	"$R/dp_kill.json" --max-fail-run "$MAX_RUN" --max-fail-runs 1
e2e_end
