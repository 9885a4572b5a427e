#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Benchmark 4a: Maglev build time, imbalance and entries moved on removal
# (common/sl_maglev.c), 10/100/1000 backends at M = 65537 and 655373.
# Takes /tmp/sluice-e2e.lock so no busy-polling DPDK process shares the CPU.
#
# Usage: perf/bench_maglev.sh [BUILD_DIR]   (default $SLUICE_BUILD_DIR, else build)
# Writes perf/results/maglev.json and docs/img/maglev.png.
set -euo pipefail

SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${1:-${SLUICE_BUILD_DIR:-$SRC/build}}" && pwd)
REPEATS=${SLUICE_MAGLEV_REPEATS:-21}
OUT=$SRC/perf/results/maglev.json

ninja -C "$BUILD" perf/bench_maglev >/dev/null
mkdir -p "$SRC/perf/results" "$SRC/docs/img"
flock /tmp/sluice-e2e.lock "$BUILD/perf/bench_maglev" -r "$REPEATS" >"$OUT.tmp"
jq --arg cmd "perf/bench_maglev.sh (runs: flock /tmp/sluice-e2e.lock BUILD/perf/bench_maglev -r $REPEATS)" \
	--arg cpu "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')" \
	--arg commit "$(git -C "$SRC" rev-parse --short HEAD)" \
	'. + {command: $cmd, cpu: $cpu, commit: $commit}' "$OUT.tmp" >"$OUT"
rm -f "$OUT.tmp"
(cd "$SRC" && gnuplot perf/plots/maglev.gp)
jq -r '.results[] | "M=\(.m) n=\(.backends): build \(.build_ns_median / 1e6) ms, imbalance \(.imbalance), moved \(.moved) (own \(.removed_backend_entries))"' "$OUT"
