#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Benchmark 2: flow scaling of one sluice-dp worker: 1 k, 100 k, 1 M, 10 M
# concurrent flows (established TCP to tun4, 64-byte packets, every packet
# of the run a different flow until the run wraps), rate and memory per flow.
#
#   flock /tmp/sluice-e2e.lock perf/bench_flows.sh [OUT.json]
#   env: SLUICE_BUILD_DIR, PG_REPLAY_FLOWS ("1000 100000 1000000"),
#        PG_LIVE_FLOWS ("1000000 10000000"), PG_WARMUP, PG_WINDOW
#
# Two paths (perf/replay_lib.sh):
#   replay: one pcap of N packets = N flows, net_pcap infinite_rx -> sluice-dp
#           -> net_null, with testpmd macswap on the same pcap as the ceiling.
#           The pcap PMD holds every packet in an mbuf: N mbufs of 2.3 KiB in
#           hugepages, which is why 10 M flows do not replay here.
#   live:   sluice-pktgen (lcore 0) -> net_memif -> sluice-dp (worker on
#           lcore 1) -> back over the same memif; pktgen builds each packet
#           in place, so 10 M flows cost no memory on its side. sluice-dp's
#           main lcore shares core 0 with the generator.
# The flow table holds flows_per_worker = the power of two >= 1.25 N
# entries of 64 bytes (one cache line) + a 2-byte signature each.
#
# Output (perf/results/flows-YYYYmmdd-HHMMSS.json):
#   { "benchmark": "flows", "date", "commit", "host", "command", "method",
#     "cases": [ { "path": "replay|live", "flows", "flows_per_worker",
#                  "table_bytes", "table_bytes_per_flow", "entry_bytes": 66,
#                  "sluice_mpps", "testpmd_macswap_mpps" (replay), "ratio_macswap",
#                  "rss_kb", "rss_bytes_per_flow", "sluice": {...window...},
#                  "pktgen": {...its JSON...} (live) } ],
#     "notes": [ ... ] }
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
: "${SLUICE_SOURCE_DIR:=$(cd "$HERE/.." && pwd)}"
source "$HERE/replay_lib.sh"
trap pg_cleanup EXIT
trap "exit 130" INT TERM

: "${PG_REPLAY_FLOWS:=1000 100000 1000000}"
: "${PG_LIVE_FLOWS:=1000000 10000000}"
: "${PG_LIVE_WARMUP:=8}"
OUT=${1:-$SLUICE_SOURCE_DIR/perf/results/flows-$(date +%Y%m%d-%H%M%S).json}
ENTRY=66 # sizeof(struct dp_flow_entry) + one uint16_t signature
MEMIF=/run/sl-pg-memif.sock

for b in "$PG" "$DP" "$CTL" "$FIX"; do
	[ -x "$b" ] || { echo "bench_flows: build $b first"; exit 1; }
done

capacity() { local c=1024; while [ $((c * 4)) -lt $(($1 * 5)) ]; do c=$((c * 2)); done; echo $c; }

# hugepages: the largest replay needs N + 16 k mbufs of ~2.4 KiB (testpmd's
# pool, then sluice-dp's, one after the other)
max=0
for n in $PG_REPLAY_FLOWS; do [ "$n" -gt "$max" ] && max=$n; done
pg_huge_up $(((max + 32768) * 2432 / 2097152 + 160))
CASES=$PG_WORK/cases.jsonl
: >"$CASES"

for n in $PG_REPLAY_FLOWS; do
	cap=$(capacity "$n")
	mbufs=$((n + 16384))
	pcap=$PG_WORK/flows-$n.pcap
	"$PG" --write-pcap "$pcap" --packets "$n" --flows "$n" --vip 198.18.100.1:80 >/dev/null || exit 1
	pg_log "replay $n flows: testpmd macswap"
	ms=$(pg_testpmd macswap "$pcap" $mbufs)
	pg_log "  macswap $ms Mpps; sluice-dp (flows_per_worker $cap)"
	pg_dp_conf "$PG_WORK/dp.conf" "$cap" $mbufs "net_pcap0,rx_pcap=$pcap,infinite_rx=1" \
		"net_null0,no-rx=1"
	pg_dp_start "$PG_WORK/dp.conf" 1 || exit 1
	dp=$(pg_dp_window) || exit 1
	pg_dp_stop
	rm -f "$pcap"
	pg_log "  sluice-dp $(jq -r .mpps <<<"$dp") Mpps, RSS $(jq -r .rss_kb <<<"$dp") kB"
	jq -nc --argjson n "$n" --argjson cap "$cap" --argjson e $ENTRY --argjson ms "$ms" \
		--argjson dp "$dp" '
		{path: "replay", flows: $n, flows_per_worker: $cap, entry_bytes: $e,
		 table_bytes: ($cap * $e), table_bytes_per_flow: ($cap * $e / $n * 10 | round / 10),
		 sluice_mpps: $dp.mpps, testpmd_macswap_mpps: $ms,
		 ratio_macswap: (if $ms > 0 then ($dp.mpps / $ms * 1000 | round / 1000) else null end),
		 rss_kb: $dp.rss_kb, rss_bytes_per_flow: ($dp.rss_kb * 1024 / $n | round),
		 sluice: $dp}' >>"$CASES"
done

for n in $PG_LIVE_FLOWS; do
	cap=$(capacity "$n")
	pg_log "live $n flows over memif: sluice-dp (flows_per_worker $cap)"
	rm -f $MEMIF
	pg_dp_conf "$PG_WORK/dp.conf" "$cap" 32768 "net_memif0,role=server,socket=$MEMIF,id=0" ""
	pg_dp_start "$PG_WORK/dp.conf" 0 || exit 1
	dur=$((PG_LIVE_WARMUP + PG_WINDOW + 3))
	"$PG" -l 0 --file-prefix sl-pg-gen$$ --huge-dir $PG_HUGE_DIR --no-telemetry -- \
		--port "net_memif0,role=client,socket=$MEMIF,id=0" --flows "$n" \
		--vip 198.18.100.1:80 --duration $dur --latency --mbufs 32767 \
		>"$PG_WORK/pktgen.json" 2>"$PG_WORK/pktgen.err" &
	gen=$!
	PG_PIDS+=("$gen")
	dp=$(PG_WARMUP=$PG_LIVE_WARMUP pg_dp_window) || exit 1
	# the memif server (sluice-dp) goes first: 22.11's server can crash when its client leaves
	wait $gen
	pg_dp_stop
	gj=$(cat "$PG_WORK/pktgen.json")
	[ -n "$gj" ] || { gj=null; pg_log "  pktgen printed nothing: $(tail -3 "$PG_WORK/pktgen.err")"; }
	pg_log "  sluice-dp $(jq -r .mpps <<<"$dp") Mpps, RSS $(jq -r .rss_kb <<<"$dp") kB"
	jq -nc --argjson n "$n" --argjson cap "$cap" --argjson e $ENTRY --argjson dp "$dp" \
		--argjson gen "$gj" '
		{path: "live", flows: $n, flows_per_worker: $cap, entry_bytes: $e,
		 table_bytes: ($cap * $e), table_bytes_per_flow: ($cap * $e / $n * 10 | round / 10),
		 sluice_mpps: $dp.mpps, testpmd_macswap_mpps: null, ratio_macswap: null,
		 rss_kb: $dp.rss_kb, rss_bytes_per_flow: ($dp.rss_kb * 1024 / $n | round),
		 sluice: $dp, pktgen: $gen}' >>"$CASES"
done

mkdir -p "$(dirname "$OUT")"
jq -s --arg date "$(date -Is)" --arg commit "$(git -C "$SLUICE_SOURCE_DIR" rev-parse --short HEAD)" \
	--argjson host "$(pg_host)" \
	--arg cmd "flock /tmp/sluice-e2e.lock perf/bench_flows.sh (PG_REPLAY_FLOWS=\"$PG_REPLAY_FLOWS\" PG_LIVE_FLOWS=\"$PG_LIVE_FLOWS\" PG_WARMUP=$PG_WARMUP PG_LIVE_WARMUP=$PG_LIVE_WARMUP PG_WINDOW=$PG_WINDOW)" '
	{benchmark: "flows", date: $date, commit: $commit,
	 host: $host,
	 command: $cmd,
	 method: "established TCP to tun4 (IPIP), 64-byte packets, N distinct flows sent round robin; replay: pcap of N packets (net_pcap infinite_rx -> sluice-dp 1 worker -> net_null) with testpmd macswap on the same pcap; live: sluice-pktgen on lcore 0 <-> net_memif <-> sluice-dp worker on lcore 1. Rate: workers tx_packets over the window. Memory: flow table = flows_per_worker x 66 B (64-byte entry + 2-byte signature), and VmRSS of sluice-dp (mbufs live in hugepages, not in RSS).",
	 cases: .,
	 notes: ["replay needs one mbuf per pcap packet: 10 M flows would need ~24 GiB of hugepages, so 10 M runs on the live path only",
	         "live: generator and sluice-dp main lcore share core 0 on this 2-core machine; memif copy mode; the rate is what one worker forwards while the generator keeps up (pktgen tx_mpps shows whether it did)"]}' "$CASES" >"$OUT"
echo "bench_flows: wrote $OUT"
jq -r '.cases[] | "\(.path) \(.flows) flows: \(.sluice_mpps) Mpps (macswap \(.testpmd_macswap_mpps)), table \(.table_bytes_per_flow) B/flow, RSS \(.rss_kb) kB"' "$OUT"
