#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Benchmark 6: new connections per second through the SYN proxy on one
# sluice-dp worker, replay path (perf/replay_lib.sh), against dpdk-testpmd
# io and macswap on the same pcap in the same run.
#
# A connection is 4 packets in, in this order: the client's SYN (MSS,
# SACK, timestamps, window scale), its ACK carrying the cookie + 1, the
# backend's SYN-ACK to the NAT source and port the worker chose, and the
# client's RST. The worker answers them with the cookie SYN-ACK, the
# backend SYN (a connection opened), the client's window update with the
# held ACK released to the backend (spliced), and the RST passed on: 5
# packets out. The RST closes the connection so the tuple opens anew on the
# pcap's next pass: the cookie ACK finds the closed connection and
# replaces it (a client reusing its port after an RST). Each flow has two
# copies of its connection in the pcap (other ISNs), so it alternates
# between two source ports and every pass asks the same of the worker.
#
# The cookies and source ports are the worker's own, not guessed: capture
# run A replays the SYNs (its cookie SYN-ACKs saved by net_pcap tx_pcap),
# capture run B the cookie ACKs and RSTs (its backend SYNs saved), and
# perf/nat_pcap.py answers both; flows whose ports another flow of the same
# backend comes near are left out, so each one takes the same ports on
# every pass. Cookies stay valid for 2 minutes of the worker's clock (keys:
# sl_shm_fixture's fixed ones), so the measured run follows the captures at
# once and testpmd comes after it. The run is refused unless every
# connection of the window completed: cookie SYN-ACKs = valid cookie ACKs,
# no drop in the window, no failed backend connection.
#
#   flock /tmp/sluice-e2e.lock perf/bench_conns.sh [OUT.json]
#   env: SLUICE_BUILD_DIR (build), PG_FLOWS (2048), PG_WARMUP (2), PG_WINDOW (4),
#        PG_CASES ("sp4 sp6")
#
# Output (perf/results/conns-YYYYmmdd-HHMMSS.json):
#   { "benchmark": "conns", "date", "commit", "host", "command", "method",
#     "cases": [ { "mode": "sp4|sp6", "flows", "flows_kept", "connections_per_pass",
#                  "pcap_packets", "packets_per_connection": 4,
#                  "sluice_conns_per_s", "testpmd_io_mpps", "testpmd_macswap_mpps",
#                  "ceiling_io_conns_per_s", "ceiling_macswap_conns_per_s",
#                  "ratio_macswap", "ratio_io", "sluice": { pg_dp_window } } ] }
# The ceiling is what testpmd forwards of the same pcap, in connections
# (its packets / 4); conns/s is the worker's synproxy_valid over the window.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
: "${SLUICE_SOURCE_DIR:=$(cd "$HERE/.." && pwd)}"
source "$HERE/replay_lib.sh"
trap pg_cleanup EXIT
trap "exit 130" INT TERM

: "${PG_FLOWS:=2048}"
: "${PG_CASES:=sp4 sp6}"
OUT=${1:-$SLUICE_SOURCE_DIR/perf/results/conns-$(date +%Y%m%d-%H%M%S).json}
NATPCAP="/usr/bin/python3 $HERE/nat_pcap.py"
MBUFS=$((16 * PG_FLOWS + 16384))
# a backend SYN's retransmission timer stays queued for 1 s after its answer: the
# measured run's table (which sizes the timer queue) holds a second of 1 M openings;
# closed connections stay until their tuple comes again
NAT_MEASURED="nat = { conns_per_worker = 1048576; timeouts = { close = 600; }; };"
NAT_CAPTURE="nat = { conns_per_worker = $((4 * PG_FLOWS > 1024 ? 4 * PG_FLOWS : 1024)); timeouts = { close = 600; }; };"

for b in "$DP" "$CTL" "$FIX"; do
	[ -x "$b" ] || { echo "bench_conns: build $b first (SLUICE_BUILD_DIR=$SLUICE_BUILD_DIR)"; exit 1; }
done
command -v "$TESTPMD" >/dev/null || { echo "bench_conns: no $TESTPMD (apt-get install dpdk-dev)"; exit 1; }

# capture RUN RX_PCAP PACKETS: replay RX_PCAP once through sluice-dp; what it sends
# to clients lands in $PG_WORK/RUN-client.pcap, to backends in RUN-backend.pcap
capture() {
	PG_DP_NAT=$NAT_CAPTURE pg_dp_conf "$PG_WORK/dp.conf" 65536 $MBUFS \
		"net_pcap0,rx_pcap=$2,tx_pcap=$PG_WORK/$1-client.pcap" \
		"net_pcap1,tx_pcap=$PG_WORK/$1-backend.pcap"
	pg_dp_start "$PG_WORK/dp.conf" 1 || return 1
	pg_dp_drain "$3" || return 1
	pg_dp_stop
}

pg_huge_up 1024
CASES=$PG_WORK/cases.jsonl
: >"$CASES"
for mode in $PG_CASES; do
	case $mode in
	sp4) vip=198.18.100.7:80 ;;
	sp6) vip='[2001:2:0:100::7]:80' ;;
	*) echo "bench_conns: unknown case $mode"; exit 1 ;;
	esac
	w=$PG_WORK/$mode
	pg_log "$mode: capture A (SYNs -> cookie SYN-ACKs)"
	$NATPCAP syn --vip "$vip" --flows "$PG_FLOWS" --copies 2 --options --out "$w-a.pcap" \
		>/dev/null || exit 1
	capture "$mode-a" "$w-a.pcap" $((2 * PG_FLOWS)) || exit 1
	pg_log "$mode: capture B (cookie ACKs, RSTs -> backend SYNs)"
	$NATPCAP sp-open --vip "$vip" --flows "$PG_FLOWS" --copies 2 \
		--synacks "$w-a-client.pcap" --out "$w-b.pcap" >/dev/null || exit 1
	capture "$mode-b" "$w-b.pcap" $((6 * PG_FLOWS)) || exit 1
	spec=$($NATPCAP sp-conns --vip "$vip" --flows "$PG_FLOWS" --synacks "$w-a-client.pcap" \
		--backend-syns "$w-b-backend.pcap" --out "$w.pcap") || exit 1
	pg_log "$mode: $(jq -r '"\(.flows_kept) of \(.flows) flows kept, \(.packets) packets"' <<<"$spec"); sluice-dp"
	PG_DP_NAT=$NAT_MEASURED pg_dp_conf "$PG_WORK/dp.conf" 65536 $MBUFS \
		"net_pcap0,rx_pcap=$w.pcap,infinite_rx=1" \
		"net_null0,no-rx=1"
	pg_dp_start "$PG_WORK/dp.conf" 1 || exit 1
	dp=$(pg_dp_window) || exit 1
	pg_dp_stop
	if ! jq -e '.nat.synproxy_valid > 0 and (.drops_in_window | length) == 0
		and .nat.connect_failures == 0
		and (.nat.synproxy_cookies - .nat.synproxy_valid | fabs) <= 64' <<<"$dp" >/dev/null; then
		pg_log "$mode: not every connection completed: $(jq -c '{nat, drops_in_window}' <<<"$dp")"
		exit 1
	fi
	pg_log "  sluice-dp $(jq -r '.nat.synproxy_valid / .window_s | round' <<<"$dp") conns/s; testpmd io"
	io=$(pg_testpmd io "$w.pcap" $MBUFS)
	pg_log "  testpmd io $io Mpps; macswap"
	ms=$(pg_testpmd macswap "$w.pcap" $MBUFS)
	pg_log "  testpmd macswap $ms Mpps"
	jq -nc --arg mode "$mode" --argjson spec "$spec" --argjson io "$io" --argjson ms "$ms" \
		--argjson dp "$dp" '
		($dp.nat.synproxy_valid / $dp.window_s | round) as $cps
		| ($io * 1e6 / 4 | round) as $cio | ($ms * 1e6 / 4 | round) as $cms
		| {mode: $mode, flows: $spec.flows, flows_kept: $spec.flows_kept,
		   connections_per_pass: $spec.connections, pcap_packets: $spec.packets,
		   packets_per_connection: 4, sluice_conns_per_s: $cps,
		   testpmd_io_mpps: $io, testpmd_macswap_mpps: $ms,
		   ceiling_io_conns_per_s: $cio, ceiling_macswap_conns_per_s: $cms,
		   ratio_macswap: (if $cms > 0 then ($cps / $cms * 1000 | round / 1000) else null end),
		   ratio_io: (if $cio > 0 then ($cps / $cio * 1000 | round / 1000) else null end),
		   sluice: $dp}' >>"$CASES"
done
mkdir -p "$(dirname "$OUT")"
jq -s --arg date "$(date -Is)" --arg commit "$(git -C "$SLUICE_SOURCE_DIR" rev-parse --short HEAD)" \
	--argjson host "$(pg_host)" \
	--arg cmd "flock /tmp/sluice-e2e.lock perf/bench_conns.sh (PG_FLOWS=$PG_FLOWS PG_WARMUP=$PG_WARMUP PG_WINDOW=$PG_WINDOW)" \
	--argjson warm "$PG_WARMUP" --argjson win "$PG_WINDOW" '
	{benchmark: "conns", date: $date, commit: $commit,
	 host: $host,
	 command: $cmd,
	 method: "replay in one process: net_pcap infinite_rx -> 1 sluice-dp worker -> net_null (backends) and the pcap port (clients, dropped by its tx); per connection 4 packets in: client SYN, client ACK with the worker'"'"'s own cookie + 1 (captured in run A), backend SYN-ACK to the source port the worker chose (captured in run B), client RST; 5 out: cookie SYN-ACK, backend SYN, window update, the held ACK, the RST; the RST closes the connection and the tuple'"'"'s next copy replaces it (closed-tuple reuse); two copies per flow alternate between two source ports; conns/s = synproxy_valid over the window, refused unless cookies sent = valid ACKs (within a burst), no drop and no failed backend connection in the window; ceiling: testpmd io/macswap on the same pcap after sluice-dp, in connections (packets / 4)",
	 warmup_s: $warm, window_s: $win, cases: .}' "$CASES" >"$OUT"
echo "bench_conns: wrote $OUT"
jq -r '.cases[] | "\(.mode): sluice \(.sluice_conns_per_s) conns/s, ceiling macswap \(.ceiling_macswap_conns_per_s), io \(.ceiling_io_conns_per_s), ratio \(.ratio_macswap)/\(.ratio_io)"' "$OUT"
