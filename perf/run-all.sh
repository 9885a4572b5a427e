#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Run every benchmark of docs/performance.md, one after the other, and say
# which failed. Each one can also run alone (the perf/bench_*.sh named
# below). Every run that starts DPDK or the lab holds /tmp/sluice-e2e.lock
# for its own duration (two busy-polling processes on 2 cores ruin both, and
# the e2e tests take the same lock); the lock is taken per benchmark, never
# around this whole script, so the benchmarks that lock for themselves
# (ipp, maglev, publish, scale) do not wait on it forever.
#
# Usage (root, from anywhere):
#   perf/run-all.sh [BENCH...]     BENCH: fwd flows conns ipp maglev publish scale lab
#                                  (default: all, in that order)
#   SLUICE_BUILD_DIR: build directory (default <source>/build), built first.
# Results: perf/results/*.json, plots docs/img/*.png and perf/results/*.png;
# the log of each benchmark in perf/results/run-all-<bench>.log (not committed).
# Runs for tens of minutes (publish alone ~10: 1000 table builds of 100 pools).
set -uo pipefail

SRC=$(cd "$(dirname "$0")/.." && pwd)
export SLUICE_BUILD_DIR=${SLUICE_BUILD_DIR:-$SRC/build}
LOCK=/tmp/sluice-e2e.lock
BENCHES=${*:-fwd flows conns ipp maglev publish scale lab}

[ "$(id -u)" = 0 ] || { echo "run-all: needs root (hugepages, namespaces)" >&2; exit 1; }
[ -d "$SLUICE_BUILD_DIR" ] || meson setup "$SLUICE_BUILD_DIR" "$SRC" >/dev/null
ninja -C "$SLUICE_BUILD_DIR" >/dev/null || { echo "run-all: build failed" >&2; exit 1; }

failed=()
for b in $BENCHES; do
	case $b in
	fwd) cmd=(flock "$LOCK" "$SRC/perf/bench_fwd.sh") ;;
	flows) cmd=(flock "$LOCK" "$SRC/perf/bench_flows.sh") ;;
	conns) cmd=(flock "$LOCK" "$SRC/perf/bench_conns.sh") ;;
	ipp) cmd=("$SRC/perf/bench_ipp.sh") ;;
	maglev) cmd=("$SRC/perf/bench_maglev.sh") ;;
	publish) cmd=("$SRC/perf/bench_publish.sh") ;;
	scale) cmd=("$SRC/perf/bench_scale.sh") ;;
	lab) cmd=(flock "$LOCK" "$SRC/perf/bench_lab.sh") ;;
	*) echo "run-all: unknown benchmark '$b' (fwd flows conns ipp maglev publish scale lab)" >&2; exit 2 ;;
	esac
	log=$SRC/perf/results/run-all-$b.log
	echo "== $b: ${cmd[*]} (log $log)"
	start=$(date +%s)
	if (cd "$SRC" && "${cmd[@]}") >"$log" 2>&1; then
		echo "   done in $(($(date +%s) - start)) s"
	else
		echo "   FAILED after $(($(date +%s) - start)) s; last lines:"
		tail -n 15 "$log" | sed 's/^/   | /'
		failed+=("$b")
	fi
done
if [ ${#failed[@]} -gt 0 ]; then
	echo "run-all: failed: ${failed[*]}"
	exit 1
fi
echo "run-all: all of '$BENCHES' done; results in perf/results/"
