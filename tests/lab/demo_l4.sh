#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The L4 demo: builds the namespace lab, starts sluiced and sluice-dp in the
# appliance namespace, runs a client that sends HTTP to the VIP (a new
# connection per request), and prints once a second what each instance got:
# the dataplane's counters (sluicectl stats --json) beside the responses the
# client counted. Stops on Ctrl-C or after DEMO_SECONDS (default 60), and
# removes everything it created.
#
#   tests/lab/demo_l4.sh                     # 60 s on 198.18.100.1 (tunnel)
#   DEMO_SECONDS=20 DEMO_VIP=2001:2:0:100::1 tests/lab/demo_l4.sh
#   DEMO_MODE=kernel tests/lab/demo_l4.sh    # no sluice: the kernel routes (harness check)
#
# Environment: DEMO_SECONDS, DEMO_VIP, DEMO_RATE (requests/s, default 500),
# DEMO_MODE (dp|kernel), SL_LAB (lab prefix, default "sl"),
# SLUICE_BUILD_DIR (default ./build).
set -euo pipefail

: "${SL_LAB:=sl}"
export SL_LAB
. "$(dirname "$0")/lab.sh"

DEMO_SECONDS=${DEMO_SECONDS:-60}
DEMO_VIP=${DEMO_VIP:-$LAB_VIP_WEB}
DEMO_RATE=${DEMO_RATE:-500}
DEMO_MODE=${DEMO_MODE:-dp}

case $DEMO_SECONDS in '' | *[!0-9]*) echo "demo: DEMO_SECONDS must be a number of seconds" >&2; exit 2 ;; esac

demo_exit() {
	local rc=$?
	trap - EXIT INT TERM
	echo
	if [ -s "${LAB_DIR:-/nonexistent}/client.json" ]; then
		echo "client summary: $(cat "$LAB_DIR/client.json")"
	fi
	lab_exit "$rc"
}
trap demo_exit EXIT
trap 'exit 0' INT TERM

if [ "$DEMO_MODE" = dp ]; then
	for b in sluiced sluice-dp sluicectl; do
		lab_bin "$b" >/dev/null || exit 1
	done
fi

echo "demo: building lab $SL_LAB ($DEMO_MODE mode)"
lab_up "$DEMO_MODE"
if [ "$DEMO_MODE" = dp ]; then
	lab_conf >"$LAB_CONF"
	echo "demo: config $LAB_CONF; logs $LAB_DIR/sluiced.log, $LAB_DIR/sluice-dp.log"
	lab_sluice_up
fi

echo "demo: client -> http://$DEMO_VIP/ at up to $DEMO_RATE req/s for ${DEMO_SECONDS}s (Ctrl-C stops)"
echo "demo: per instance: resp = responses the client got; pkts, flows = sluice-dp counters (cumulative)"
lab_load http --host "$DEMO_VIP" -n 0 --duration "$DEMO_SECONDS" -c 4 --rate "$DEMO_RATE" \
	--timeout 2 --progress "$LAB_DIR/client.progress" >"$LAB_DIR/client.json" &
CLIENT=$!

# One line a second: for each instance, dataplane packets/flows and the
# responses the client counted (cumulative), then the totals.
show() {
	local t=$1 prog stats
	prog=$(tail -n 1 "$LAB_DIR/client.progress" 2>/dev/null || true)
	[ -n "$prog" ] || prog='{"ok":0,"failed":0,"instances":{}}'
	stats='{}'
	if [ "$DEMO_MODE" = dp ]; then
		stats=$(lab_ctl stats --json 2>/dev/null || echo '{}')
	fi
	jq -rn --argjson p "$prog" --argjson s "$stats" --arg t "$t" '
		def be: ($s.backends // {});
		(["be1","be2","be3"] | map(
			. as $n |
			"\($n): resp \($p.instances[$n] // 0 | tostring | .[0:8])" +
			(if (be[$n] // null) != null then
				" pkts \(be[$n].packets // 0) flows \(be[$n].flows // 0)" else "" end))
		| join(" | ")) as $line |
		"[\($t)s] \($line) | ok \($p.ok) failed \($p.failed)" +
		(if $s.generation != null then " gen \($s.generation)" else "" end)' 2>/dev/null ||
		echo "[${t}s] (stats unreadable: $(echo "$stats" | head -c 120))"
}

sleep 0.3 # read the client's progress lines between its writes
for ((t = 1; t <= DEMO_SECONDS + 2; t++)); do
	sleep 1
	show "$t"
	kill -0 "$CLIENT" 2>/dev/null || break
done
wait "$CLIENT" || true
if [ "$DEMO_MODE" = dp ]; then
	echo "demo: final dataplane counters (sluicectl stats):"
	lab_ctl stats || true
fi
