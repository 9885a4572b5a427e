#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Benchmark 1: forwarding rate of one sluice-dp worker against the DPDK
# ceiling, replay path (perf/replay_lib.sh), all cases in one run:
# modes tun4 (IPIP), tun6 (IP6IP6), dsr4 x traffic established (ACKs of
# known flows) and new (100 % bare SYNs: lookup + Maglev + re-placing the
# entry) x 64- and 512-byte packets; nat4 and nat6 (full NAT), established
# only, both directions: per flow a client ACK to the VIP and the backend's
# ACK to its NAT source and port. For each case the same pcap is forwarded
# by dpdk-testpmd io, testpmd macswap and sluice-dp, in turn, on the same
# lcore.
#
# Full NAT's connections exist before the window: the flows' SYNs go through
# sluice-dp once in a capture run (net_pcap tx_pcap), perf/nat_pcap.py
# answers the backend SYNs it sent (whatever source port the worker chose),
# and the measured sluice-dp reads that handshake once on a third port
# (warm0) while the established pcap loops on in0; the window starts after
# the warm-up, and the case is refused unless every connection is
# established and nothing was dropped in the window.
#
#   flock /tmp/sluice-e2e.lock perf/bench_fwd.sh [OUT.json]
#   env: SLUICE_BUILD_DIR (build), PG_FLOWS (4096), PG_WARMUP (2), PG_WINDOW (4),
#        PG_CASES ("tun4 tun6 dsr4 nat4 nat6"), PG_SIZES ("64 512"),
#        PG_TRAFFIC ("est new"; nat cases: est only)
#
# Output (perf/results/fwd-YYYYmmdd-HHMMSS.json):
#   { "benchmark": "fwd", "date", "commit", "host": {cpu, cores, kernel, dpdk},
#     "command", "method", "flows", "warmup_s", "window_s",
#     "cases": [ { "mode": "tun4|tun6|dsr4", "traffic": "established|new",
#                  "size": 64, "frame_len": 60, "flows", "pcap_packets",
#                  "testpmd_io_mpps", "testpmd_macswap_mpps", "sluice_mpps",
#                  "ratio_macswap", "ratio_io",
#                  "sluice": { mpps, rx_mpps, window_s, tx_packets, rx_packets,
#                              flow_hits, flow_misses, flows_active,
#                              flow_evictions, drops, rss_kb } } ] }
# Every rate is Mpps of packets leaving the null port (64 B = 60-byte frames
# without FCS; IPv6 TCP needs 74 bytes, so its "64" case is 78 B, named in
# frame_len).
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
: "${SLUICE_SOURCE_DIR:=$(cd "$HERE/.." && pwd)}"
source "$HERE/replay_lib.sh"
trap pg_cleanup EXIT
trap "exit 130" INT TERM

: "${PG_FLOWS:=4096}"
: "${PG_CASES:=tun4 tun6 dsr4 nat4 nat6}"
: "${PG_SIZES:=64 512}"
: "${PG_TRAFFIC:=est new}"
OUT=${1:-$SLUICE_SOURCE_DIR/perf/results/fwd-$(date +%Y%m%d-%H%M%S).json}
MBUFS=$((2 * PG_FLOWS + 16384))
NATPCAP="/usr/bin/python3 $HERE/nat_pcap.py"
TABLE=$((PG_FLOWS < 65536 ? 65536 : PG_FLOWS * 2))
# full NAT: every connection fits, and none expires during a run
PG_DP_NAT="nat = { conns_per_worker = $((TABLE * 2)); timeouts = { established = 3600; }; };"

for b in "$PG" "$DP" "$CTL" "$FIX"; do
	[ -x "$b" ] || { echo "bench_fwd: build $b first (SLUICE_BUILD_DIR=$SLUICE_BUILD_DIR)"; exit 1; }
done
command -v "$TESTPMD" >/dev/null || { echo "bench_fwd: no $TESTPMD (apt-get install dpdk-dev)"; exit 1; }

# nat_capture MODE VIP: the backend SYNs sluice-dp sends for the flows' SYNs,
# into $PG_WORK/MODE-backend-syns.pcap
nat_capture() {
	local syn=$PG_WORK/$1-syn.pcap cap=$PG_WORK/$1-backend-syns.pcap
	$NATPCAP syn --vip "$2" --flows "$PG_FLOWS" --out "$syn" >/dev/null || return 1
	pg_dp_conf "$PG_WORK/dp.conf" "$TABLE" $MBUFS "net_pcap0,rx_pcap=$syn" \
		"net_pcap1,tx_pcap=$cap"
	pg_dp_start "$PG_WORK/dp.conf" 1 || return 1
	pg_dp_drain "$PG_FLOWS" || return 1
	pg_dp_stop
}

# nat_case MODE VIP SIZE PCAP: the established pcap (and PCAP.hs, its handshake); spec JSON
nat_case() {
	local r
	r=$($NATPCAP nat-est --vip "$2" --flows "$PG_FLOWS" --size "$3" \
		--backend-syns "$PG_WORK/$1-backend-syns.pcap" --handshake "$4.hs" --out "$4") || return 1
	jq -c --argjson size "$3" --argjson hdr "$([ "$1" = nat6 ] && echo 74 || echo 60)" \
		'{size: $size, frame_len: ([$size - 4, $hdr] | max), flows: .flows, packets: .packets}' <<<"$r"
}

pg_huge_up 768
CASES=$PG_WORK/cases.jsonl
: >"$CASES"
for mode in $PG_CASES; do
	case $mode in
	tun4) vip=198.18.100.1:80 ;;
	tun6) vip='[2001:2:0:100::1]:80' ;;
	dsr4) vip=198.18.100.2:80 ;;
	nat4) vip=198.18.100.5:80 ;;
	nat6) vip='[2001:2:0:100::5]:80' ;;
	*) echo "bench_fwd: unknown case $mode"; exit 1 ;;
	esac
	if [ "${mode#nat}" != "$mode" ]; then
		pg_log "$mode: capture run (the flows' SYNs through sluice-dp)"
		nat_capture "$mode" "$vip" || { pg_log "$mode: capture failed"; exit 1; }
	fi
	for size in $PG_SIZES; do
		for traffic in $PG_TRAFFIC; do
			syn=0
			[ "$traffic" = new ] && syn=100
			pcap=$PG_WORK/$mode-$size-$traffic.pcap
			warm=
			if [ "${mode#nat}" != "$mode" ]; then
				# a replayed SYN would meet its own established connection
				[ "$traffic" = new ] && continue
				spec=$(nat_case "$mode" "$vip" "$size" "$pcap") || exit 1
				warm="net_pcap1,rx_pcap=$pcap.hs"
			else
				spec=$("$PG" --write-pcap "$pcap" --packets "$PG_FLOWS" --flows "$PG_FLOWS" \
					--vip "$vip" --size "$size" --syn-pct $syn) || exit 1
			fi
			pg_log "$mode $size B $traffic: testpmd io"
			io=$(pg_testpmd io "$pcap" $MBUFS)
			pg_log "  testpmd io $io Mpps; macswap"
			ms=$(pg_testpmd macswap "$pcap" $MBUFS)
			pg_log "  testpmd macswap $ms Mpps; sluice-dp"
			pg_dp_conf "$PG_WORK/dp.conf" "$TABLE" $MBUFS \
				"net_pcap0,rx_pcap=$pcap,infinite_rx=1" "net_null0,no-rx=1" "$warm"
			pg_dp_start "$PG_WORK/dp.conf" 1 || exit 1
			dp=$(pg_dp_window) || exit 1
			pg_dp_stop
			if [ -n "$warm" ] && ! jq -e --argjson n "$PG_FLOWS" \
				'.nat.established == $n and (.drops_in_window | length) == 0 and .nat.opened == 0' \
				<<<"$dp" >/dev/null; then
				pg_log "$mode: not $PG_FLOWS established connections without drops: $(jq -c '{nat, drops_in_window}' <<<"$dp")"
				exit 1
			fi
			pg_log "  sluice-dp $(jq -r .mpps <<<"$dp") Mpps"
			jq -nc --arg mode "$mode" --arg traffic "$([ $traffic = new ] && echo new || echo established)" \
				--argjson spec "$spec" --argjson io "$io" --argjson ms "$ms" --argjson dp "$dp" '
				{mode: $mode, traffic: $traffic, size: $spec.size, frame_len: $spec.frame_len,
				 flows: $spec.flows, pcap_packets: $spec.packets,
				 testpmd_io_mpps: $io, testpmd_macswap_mpps: $ms, sluice_mpps: $dp.mpps,
				 ratio_macswap: (if $ms > 0 then ($dp.mpps / $ms * 1000 | round / 1000) else null end),
				 ratio_io: (if $io > 0 then ($dp.mpps / $io * 1000 | round / 1000) else null end),
				 sluice: $dp}' >>"$CASES"
		done
	done
done
mkdir -p "$(dirname "$OUT")"
jq -s --arg date "$(date -Is)" --arg commit "$(git -C "$SLUICE_SOURCE_DIR" rev-parse --short HEAD)" \
	--argjson host "$(pg_host)" \
	--arg cmd "flock /tmp/sluice-e2e.lock perf/bench_fwd.sh (PG_FLOWS=$PG_FLOWS PG_WARMUP=$PG_WARMUP PG_WINDOW=$PG_WINDOW)" \
	--argjson flows "$PG_FLOWS" --argjson warm "$PG_WARMUP" --argjson win "$PG_WINDOW" '
	{benchmark: "fwd", date: $date, commit: $commit,
	 host: $host,
	 command: $cmd,
	 method: "replay in one process: net_pcap infinite_rx -> 1 forwarding lcore -> net_null; testpmd io/macswap and sluice-dp (1 worker, tables from sl_shm_fixture publish-bench: Maglev 65537, 16 backends per pool) in turn on the same pcap; testpmd: median per-second Tx-pps of the null port; sluice-dp: workers tx_packets over the window (sluicectl stats --json). nat4/nat6: per flow a client ACK (client -> VIP) and a backend ACK (backend -> NAT source:port); the flows SYNs went through sluice-dp in a capture run first (net_pcap tx_pcap) and perf/nat_pcap.py answered the backend SYNs it sent; the measured sluice-dp read that handshake (client SYN, backend SYN-ACK, client ACK) once on a third net_pcap port before the warm-up ended, so every packet of the window is an established connection (checked: established = flows, none opened, no drop in the window); replies to clients leave by the pcap port (dropped by its tx), to backends by net_null",
	 flows: $flows, warmup_s: $warm, window_s: $win, cases: .}' "$CASES" >"$OUT"
echo "bench_fwd: wrote $OUT"
jq -r '.cases[] | "\(.mode) \(.traffic) \(.size)B: sluice \(.sluice_mpps) Mpps, macswap \(.testpmd_macswap_mpps), io \(.testpmd_io_mpps), ratio \(.ratio_macswap)/\(.ratio_io)"' "$OUT"
