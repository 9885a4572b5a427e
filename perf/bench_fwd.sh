#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Benchmark 1: forwarding rate of one sluice-dp worker against the DPDK
# ceiling, replay path (perf/replay_lib.sh), all cases in one run:
# modes tun4 (IPIP), tun6 (IP6IP6), dsr4 x traffic established (ACKs of
# known flows) and new (100 % bare SYNs: lookup + Maglev + re-placing the
# entry) x 64- and 512-byte packets. For each case the same pcap is
# forwarded by dpdk-testpmd io, testpmd macswap and sluice-dp, in turn, on
# the same lcore.
#
#   flock /tmp/sluice-e2e.lock perf/bench_fwd.sh [OUT.json]
#   env: SLUICE_BUILD_DIR (build), PG_FLOWS (4096), PG_WARMUP (2), PG_WINDOW (4),
#        PG_CASES ("tun4 tun6 dsr4"), PG_SIZES ("64 512"), PG_TRAFFIC ("est new")
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
: "${PG_CASES:=tun4 tun6 dsr4}"
: "${PG_SIZES:=64 512}"
: "${PG_TRAFFIC:=est new}"
OUT=${1:-$SLUICE_SOURCE_DIR/perf/results/fwd-$(date +%Y%m%d-%H%M%S).json}
MBUFS=$((PG_FLOWS + 16384))

for b in "$PG" "$DP" "$CTL" "$FIX"; do
	[ -x "$b" ] || { echo "bench_fwd: build $b first (SLUICE_BUILD_DIR=$SLUICE_BUILD_DIR)"; exit 1; }
done
command -v "$TESTPMD" >/dev/null || { echo "bench_fwd: no $TESTPMD (apt-get install dpdk)"; exit 1; }

pg_huge_up 768
CASES=$PG_WORK/cases.jsonl
: >"$CASES"
for mode in $PG_CASES; do
	case $mode in
	tun4) vip=198.18.100.1:80 ;;
	tun6) vip='[2001:2:0:100::1]:80' ;;
	dsr4) vip=198.18.100.2:80 ;;
	*) echo "bench_fwd: unknown case $mode"; exit 1 ;;
	esac
	for size in $PG_SIZES; do
		for traffic in $PG_TRAFFIC; do
			syn=0
			[ "$traffic" = new ] && syn=100
			pcap=$PG_WORK/$mode-$size-$traffic.pcap
			spec=$("$PG" --write-pcap "$pcap" --packets "$PG_FLOWS" --flows "$PG_FLOWS" \
				--vip "$vip" --size "$size" --syn-pct $syn) || exit 1
			pg_log "$mode $size B $traffic: testpmd io"
			io=$(pg_testpmd io "$pcap" $MBUFS)
			pg_log "  testpmd io $io Mpps; macswap"
			ms=$(pg_testpmd macswap "$pcap" $MBUFS)
			pg_log "  testpmd macswap $ms Mpps; sluice-dp"
			pg_dp_conf "$PG_WORK/dp.conf" $((PG_FLOWS < 65536 ? 65536 : PG_FLOWS * 2)) \
				$MBUFS "net_pcap0,rx_pcap=$pcap,infinite_rx=1" "net_null0,no-rx=1"
			pg_dp_start "$PG_WORK/dp.conf" 1 || exit 1
			dp=$(pg_dp_window) || exit 1
			pg_dp_stop
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
	--arg cpu "$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)" \
	--arg kernel "$(uname -r)" --arg dpdk "$(pkg-config --modversion libdpdk)" \
	--arg cmd "flock /tmp/sluice-e2e.lock perf/bench_fwd.sh (PG_FLOWS=$PG_FLOWS PG_WARMUP=$PG_WARMUP PG_WINDOW=$PG_WINDOW)" \
	--argjson flows "$PG_FLOWS" --argjson warm "$PG_WARMUP" --argjson win "$PG_WINDOW" '
	{benchmark: "fwd", date: $date, commit: $commit,
	 host: {cpu: $cpu, cores: 2, kernel: $kernel, dpdk: $dpdk, hugepages: "2 MiB"},
	 command: $cmd,
	 method: "replay in one process: net_pcap infinite_rx -> 1 forwarding lcore -> net_null; testpmd io/macswap and sluice-dp (1 worker, tables from sl_shm_fixture publish-bench: Maglev 65537, 16 backends per pool) in turn on the same pcap; testpmd: median per-second Tx-pps of the null port; sluice-dp: workers tx_packets over the window (sluicectl stats --json)",
	 flows: $flows, warmup_s: $warm, window_s: $win, cases: .}' "$CASES" >"$OUT"
echo "bench_fwd: wrote $OUT"
jq -r '.cases[] | "\(.mode) \(.traffic) \(.size)B: sluice \(.sluice_mpps) Mpps, macswap \(.testpmd_macswap_mpps), io \(.testpmd_io_mpps), ratio \(.ratio_macswap)/\(.ratio_io)"' "$OUT"
