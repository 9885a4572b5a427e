#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# sluice-dp against a hand-made shm segment (tests/e2e/sl_shm_fixture, the
# same common/sl_shm.c as sluiced) on a net_null port, no namespace needed:
# it waits for the segment, refuses a segment of another ABI, attaches, acks
# a published generation, refuses a corrupt one (reason in the header),
# follows the next, re-attaches when the segment is recreated, counts
# packets, takes the benchmarks' tables (perf/: full-NAT and SYN-proxy VIPs
# with their sources), and on SIGTERM exits 0 with dp_pid cleared. Runs as
# any user.
set -uo pipefail

: "${SLUICE_SOURCE_DIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${SLUICE_BUILD_DIR:=$SLUICE_SOURCE_DIR/build}"
DP=$SLUICE_BUILD_DIR/sluice-dp
FIX=$SLUICE_BUILD_DIR/tests/sl_shm_fixture
CTL=$SLUICE_BUILD_DIR/sluicectl
# the ABI this build speaks, from the one place it is defined
ABI=$(sed -n 's/^#define SL_SHM_ABI_VERSION \([0-9]*\)u.*/\1/p' "$SLUICE_SOURCE_DIR/common/sl_shm_types.h")
INST=sldprsmoke$$
DIR=$(mktemp -d /tmp/sl-dpr-smoke.XXXXXX)
LOG=$DIR/sluice-dp.log
PASSED=0
FAILED=0
DP_PID=
# EAL's runtime directory: /var/run/dpdk for root, else under $XDG_RUNTIME_DIR or /tmp
RUNTIME=/var/run/dpdk
[ "$(id -u)" = 0 ] || RUNTIME=${XDG_RUNTIME_DIR:-/tmp}/dpdk

cleanup() {
	if [ -n "$DP_PID" ] && kill -0 "$DP_PID" 2>/dev/null; then
		kill -KILL "$DP_PID" 2>/dev/null
		wait "$DP_PID" 2>/dev/null
	fi
	rm -f "/dev/shm/sluice-$INST" "/dev/shm/sluice-$INST".tmp*
	rm -rf "/dev/shm/sluice-$INST-"* "$RUNTIME/sluice-$INST" "$DIR"
}
trap cleanup EXIT
trap "exit 130" INT TERM

pass() { PASSED=$((PASSED + 1)); echo "PASS: $*"; }
fail() {
	FAILED=$((FAILED + 1))
	echo "FAIL: $*"
}
check() { # check LABEL CMD...
	local label=$1
	shift
	if "$@"; then pass "$label"; else fail "$label"; fi
}
# wait_log PATTERN SECONDS: the dataplane's log shows PATTERN (grep -E) in time
wait_log() {
	local i
	for ((i = 0; i < $2 * 10; i++)); do
		grep -qE "$1" "$LOG" && return 0
		sleep 0.1
	done
	echo "  no line matching '$1' in $2 s; log:" && sed 's/^/  | /' "$LOG" | tail -n 30
	return 1
}
field_is() { # field_is FIELD VALUE
	local v
	v=$("$FIX" get "$INST" "$1")
	[ "$v" = "$2" ] || { echo "  $1 = '$v', expected '$2'"; return 1; }
}
field_gt0() {
	local v
	v=$("$FIX" get "$INST" "$1")
	[ "${v:-0}" -gt 0 ] || { echo "  $1 = '$v', expected > 0"; return 1; }
}

[ -x "$DP" ] && [ -x "$FIX" ] || { echo "FAIL: build $DP and $FIX first"; exit 1; }

cat >"$DIR/dp.conf" <<CONF
instance = "$INST";
dataplane = {
  eal = [ "-l", "0-1", "--no-huge", "-m", "512", "--no-telemetry" ];
  ports = ( { name = "null0"; devargs = "net_null0"; } );
  flows_per_worker = 4096;
  mbufs = 8192;
};
vips = (
  { name = "web"; address = "198.18.100.1"; port = 80; protocol = "tcp";
    mode = "tunnel"; pool = "web"; }
);
pools = (
  { name = "web"; backends = ( { address = "198.18.1.11"; weight = 1; } ); }
);
CONF

echo "== dp_smoke: instance $INST, log $LOG"
check "--help exits 0 with usage" bash -c "'$DP' --help | grep -q 'Usage: .* -c FILE'"
check "a missing config file exits 1 naming it" \
	bash -c "! '$DP' -c '$DIR/none.conf' 2>'$DIR/err' && grep -q 'none.conf' '$DIR/err'"

"$DP" -c "$DIR/dp.conf" >"$LOG" 2>&1 &
DP_PID=$!

check "waits for sluiced's segment" wait_log "waiting for sluiced to create /dev/shm/sluice-$INST" 20

"$FIX" create "$INST" 4 2 1
check "refuses a segment of another ABI, naming why" \
	wait_log "shm header refused: ABI version 1, expected $ABI" 5

"$FIX" create "$INST" 4 2 && "$FIX" publish "$INST" 1
check "attaches to the new segment" wait_log "attached to /dev/shm/sluice-$INST" 5
check "follows generation 1" wait_log "following generation 1 \(slot 1\)" 5
check "every worker acks generation 1" "$FIX" wait-ack "$INST" 1 5000
check "dp_pid is the dataplane's pid" field_is dp_pid "$DP_PID"
check "dp_workers is 1 (-l 0-1)" field_is dp_workers 1
check "port 0 named in the port stats" field_is port0_name null0
check "port 0 in use" field_is port0_in_use 1

"$FIX" publish "$INST" 2 corrupt
check "refuses a corrupt generation 2" wait_log "refused generation 2 \(slot 0\): slot 0 checksum mismatch" 5
check "dp_rejected counted once" field_is dp_rejected 1
check "reject reason in the header" field_is dp_reject_reason "slot 0 checksum mismatch"
check "rejected generation in the header" field_is dp_last_reject_gen 2

"$FIX" publish "$INST" 3
check "follows generation 3 after the refused one" "$FIX" wait-ack "$INST" 3 5000

sleep 0.3
check "workers count packets (net_null rx)" field_gt0 rx_packets
check "port statistics copied to shm" field_gt0 port0_ipackets

# sluiced recreates the segment (new inode): the dataplane moves over
"$FIX" create "$INST" 4 2 && "$FIX" publish "$INST" 5
check "re-attaches to a recreated segment" wait_log "re-attached to /dev/shm/sluice-$INST" 5
check "acks generation 5 on the new segment" "$FIX" wait-ack "$INST" 5 5000
check "dp_pid set in the new segment" field_is dp_pid "$DP_PID"

# the benchmarks' tables: what perf/bench_fwd.sh and bench_conns.sh publish
"$FIX" create-bench "$INST" 4 2 251 && "$FIX" publish-bench "$INST" 7 0 16
check "acks the benchmark tables (full-NAT and SYN-proxy VIPs, NAT sources)" \
	"$FIX" wait-ack "$INST" 7 5000
check "refuses none of them" field_is dp_rejected 0
check "the benchmark tables list the SYN-proxy VIP sp6 in nat mode" \
	bash -c "'$CTL' -i '$INST' show | grep -Eq '^ +sp6 +\[2001:2:0:100::7\]:80 +tcp +nat '"
check "full-NAT counters read back, nothing opened without traffic" field_is nat \
	'{"conns_active":0,"conns_opened":0,"conns_reused":0,"conns_expired":0,"established":0,"close":0,"sp_syn_sent":0,"synproxy_cookies":0,"synproxy_valid":0,"synproxy_syn_retries":0,"synproxy_rsts":0,"connect_failures":0}'

kill -TERM "$DP_PID"
rc=0
for ((i = 0; i < 100; i++)); do kill -0 "$DP_PID" 2>/dev/null || break; sleep 0.1; done
wait "$DP_PID" || rc=$?
check "SIGTERM: exits 0 (got $rc)" [ "$rc" = 0 ]
DP_PID=
check "SIGTERM: logs a clean exit" wait_log "exiting cleanly" 1
check "SIGTERM: port closed" wait_log "port null0: closed" 1
check "SIGTERM: dp_pid cleared" field_is dp_pid 0

if [ "$FAILED" != 0 ] || [ -n "${SL_SMOKE_VERBOSE:-}" ]; then
	echo "---- sluice-dp log"
	sed 's/^/  | /' "$LOG"
fi
echo "dp_smoke: $PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
