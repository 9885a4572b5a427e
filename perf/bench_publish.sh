#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Benchmark 4b: publish-to-all-acked latency with 100 VIPs x 1000 backends
# while the real sluice-dp forwards flat out (replay: net_pcap infinite_rx in,
# net_null out, 1 worker), and packets lost across 1000 publishes.
# Driver: perf/bench_publish (the control plane's cp_shm/cp_tables/cp_publish).
# Everything runs under /tmp/sluice-e2e.lock with hugepages reserved and
# mounted for the run and given back afterwards.
#
# Usage: perf/bench_publish.sh [BUILD_DIR]   (default $SLUICE_BUILD_DIR, else build)
#   SLUICE_PUB_N (1000) SLUICE_PUB_VIPS (100) SLUICE_PUB_BACKENDS (1000, per VIP)
#   SLUICE_PUB_TAG: write perf/results/publish-TAG.json instead, no plot
# Writes perf/results/publish.json and docs/img/publish.png.
set -euo pipefail

SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${1:-${SLUICE_BUILD_DIR:-$SRC/build}}" && pwd)
N=${SLUICE_PUB_N:-1000}
VIPS=${SLUICE_PUB_VIPS:-100}
BACKENDS=${SLUICE_PUB_BACKENDS:-1000}
TAG=${SLUICE_PUB_TAG:-}
OUT=publish${TAG:+-$TAG}.json
INST=slpbpub
HUGE=/mnt/sl-pb-huge
PAGES=512

if [ "${SLUICE_PB_LOCKED:-}" != 1 ]; then
	ninja -C "$BUILD" sluice-dp perf/bench_publish >/dev/null
	SLUICE_PB_LOCKED=1 exec flock /tmp/sluice-e2e.lock "$0" "$BUILD"
fi

TMP=$(mktemp -d /tmp/sl-pb-pub.XXXXXX)
OLD_PAGES=$(cat /proc/sys/vm/nr_hugepages)
DP_PID=
cleanup() {
	[ -n "$DP_PID" ] && kill -0 "$DP_PID" 2>/dev/null && { kill -KILL "$DP_PID"; wait "$DP_PID" 2>/dev/null; }
	mountpoint -q "$HUGE" && umount "$HUGE"
	rmdir "$HUGE" 2>/dev/null || true
	echo "$OLD_PAGES" >/proc/sys/vm/nr_hugepages
	rm -f "/dev/shm/sluice-$INST"
	rm -rf "$TMP" /var/run/dpdk/slpb-pub
}
trap cleanup EXIT

[ "$OLD_PAGES" -lt "$PAGES" ] && echo "$PAGES" >/proc/sys/vm/nr_hugepages
mkdir -p "$HUGE"
mountpoint -q "$HUGE" || mount -t hugetlbfs none "$HUGE"

"$BUILD/perf/bench_publish" pcap "$TMP/in.pcap" -v "$VIPS" -f 4096
cat >"$TMP/dp.conf" <<CONF
instance = "$INST";
dataplane = {
  eal = [ "-l", "0-1", "--huge-dir", "$HUGE", "--file-prefix", "slpb-pub", "--no-pci",
          "--no-telemetry", "--log-level", "notice" ];
  ports = ( { name = "replay"; devargs = "net_pcap0,rx_pcap=$TMP/in.pcap,infinite_rx=1"; },
            { name = "out"; devargs = "net_null0,no-rx=1"; } );
  flows_per_worker = 65536;
};
vips = ( { name = "unused"; address = "198.18.100.1"; port = 80; protocol = "tcp";
           mode = "tunnel"; pool = "unused"; } );
pools = ( { name = "unused"; backends = ( { address = "198.18.32.0"; } ); } );
CONF

"$BUILD/perf/bench_publish" run "$INST" -v "$VIPS" -b "$BACKENDS" -n "$N" -w 2 >"$TMP/run.json" &
DRV=$!
"$BUILD/sluice-dp" -c "$TMP/dp.conf" >"$TMP/dp.log" 2>&1 &
DP_PID=$!
if ! wait "$DRV"; then
	echo "bench_publish failed; sluice-dp log:" >&2
	tail -n 30 "$TMP/dp.log" >&2
	exit 1
fi
kill -TERM "$DP_PID"
wait "$DP_PID" || { echo "sluice-dp exited with $?" >&2; tail -n 30 "$TMP/dp.log" >&2; exit 1; }
DP_PID=
"$BUILD/perf/bench_publish" stats "$INST" >"$TMP/final.json"

mkdir -p "$SRC/perf/results" "$SRC/docs/img"
jq --slurpfile final "$TMP/final.json" \
	--arg cmd "perf/bench_publish.sh (SLUICE_PUB_N=$N SLUICE_PUB_VIPS=$VIPS SLUICE_PUB_BACKENDS=$BACKENDS)" \
	--arg cpu "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')" \
	--arg commit "$(git -C "$SRC" rev-parse --short HEAD)" \
	--arg dirty "$(git -C "$SRC" status --short -- common dataplane controlplane perf | grep -v '^??' | tr '\n' ' ')" \
	--arg dp "sluice-dp -l 0-1 (1 worker), hugepages, net_pcap infinite_rx (4096 flows, 64 B TCP ACKs) -> net_null" \
	'. + {command: $cmd, cpu: $cpu, commit: $commit, uncommitted_changes: $dirty, dataplane: $dp,
	      lifetime_after_exit: $final[0],
	      lifetime_unaccounted: ($final[0].rx - $final[0].tx - $final[0].drops_total)}' \
	"$TMP/run.json" >"$SRC/perf/results/$OUT"
[ -n "$TAG" ] || (cd "$SRC" && gnuplot perf/plots/publish.gp)
jq -c "{ack_latency_us, build_ms, during_publishes, lifetime_after_exit, lifetime_unaccounted}" \
	"$SRC/perf/results/$OUT"
