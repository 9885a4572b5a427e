#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Benchmark 3: instructions per packet of the worker pipeline, per stage,
# counted by callgrind (repeatable; perf stat has no counters on this VM).
# DPDK without busy polling (ring ports, one lcore, --no-huge); still run
# under /tmp/sluice-e2e.lock (taken here) like every DPDK benchmark.
#
# Usage: perf/bench_ipp.sh [BUILD_DIR]   (default $SLUICE_BUILD_DIR, else build)
# Writes perf/results/ipp.json and docs/img/ipp.png.
set -euo pipefail

SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${1:-${SLUICE_BUILD_DIR:-$SRC/build}}" && pwd)
N=${SLUICE_IPP_PACKETS:-4096}
if [ "${SLUICE_PB_LOCKED:-}" != 1 ]; then
	ninja -C "$BUILD" perf/bench_ipp >/dev/null
	SLUICE_PB_LOCKED=1 exec flock /tmp/sluice-e2e.lock "$0" "$BUILD"
fi
TMP=$(mktemp -d /tmp/sl-pb-ipp.XXXXXX)
trap 'rm -rf "$TMP" /var/run/dpdk/slpb-ipp' EXIT
CMD="valgrind --tool=callgrind --instr-atstart=no --compress-strings=no --compress-pos=no $BUILD/perf/bench_ipp -n $N"
# shellcheck disable=SC2086
valgrind --tool=callgrind --instr-atstart=no --compress-strings=no --compress-pos=no \
	--callgrind-out-file="$TMP/cg.out" "$BUILD/perf/bench_ipp" -n "$N" \
	>"$TMP/bench.out" 2>"$TMP/valgrind.err" || { cat "$TMP/valgrind.err" >&2; exit 1; }
mkdir -p "$SRC/perf/results" "$SRC/docs/img"
/usr/bin/python3 "$SRC/perf/ipp_report.py" "$SRC" "$TMP/bench.out" "$TMP/cg.out" \
	"perf/bench_ipp.sh (runs: ${CMD/$BUILD/BUILD})" >"$TMP/ipp.json"
jq --arg commit "$(git -C "$SRC" rev-parse --short HEAD)" \
	--arg cpu "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')" \
	--arg dirty "$(git -C "$SRC" status --short -- common dataplane controlplane perf | grep -v '^??' | tr '\n' ' ')" \
	'. + {commit: $commit, cpu: $cpu, uncommitted_changes: $dirty}' "$TMP/ipp.json" >"$SRC/perf/results/ipp.json"
(cd "$SRC" && gnuplot perf/plots/ipp.gp)
jq -r '.results[] | "\(.scenario)\t\(.instructions_per_packet) instr/pkt" +
	(if .requests then ", \(.instructions_per_request) instr/request (\(.packets_per_request) packets)" else "" end)' \
	"$SRC/perf/results/ipp.json"
