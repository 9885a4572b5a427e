# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
#
# What every end-to-end script shares: the lab (tests/lab/lab.sh), a lab
# prefix of its own, PASS/FAIL bookkeeping and the closing summary line.
#
#   E2E_NAME=forward; . "$(dirname "$0")/e2e_lib.sh"
#   e2e_need PKG PROGRAM.. # skipped (77) unless each PROGRAM is installed
#   e2e_begin k            # lab prefix slt<build hash><k>, trap lab_down EXIT
#   e2e_check "label" CMD  # runs CMD; PASS/FAIL line; never exits
#   e2e_end                # "N passed, N failed"; exit status
#
# Sourcing it skips the script (exit 77, meson's SKIP) unless it runs as
# root: every suite makes namespaces, loads BPF programs or runs DPDK.

set -euo pipefail

if [ "$(id -u)" != 0 ]; then
	echo "e2e ${E2E_NAME:-$(basename "$0" .sh)}: needs root (namespaces, BPF, DPDK): skipped"
	exit 77
fi

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
: "${SLUICE_SOURCE_DIR:=$(cd "$E2E_DIR/../.." && pwd)}"
: "${SLUICE_BUILD_DIR:=$SLUICE_SOURCE_DIR/build}"
export SLUICE_SOURCE_DIR SLUICE_BUILD_DIR
E2E_PASSED=0
E2E_FAILED=0
E2E_T0=$(date +%s)

# e2e_need PACKAGE PROGRAM...: skip the script unless every PROGRAM is on PATH.
e2e_need() {
	local pkg=$1 p
	shift
	for p in "$@"; do
		command -v "$p" >/dev/null && continue
		echo "e2e ${E2E_NAME:-?}: needs $p (apt-get install $pkg): skipped"
		exit 77
	done
}

# e2e_begin LETTER: the lab prefix is slt + 2 hex digits of the build
# directory + LETTER, so two build trees (two teammates) never share a lab.
e2e_begin() {
	local h
	h=$(printf '%s' "$SLUICE_BUILD_DIR" | cksum | awk '{printf "%02x", $1 % 256}')
	export SL_LAB=${SL_E2E_LAB:-slt$h$1}
	# shellcheck source=../lab/lab.sh
	. "$SLUICE_SOURCE_DIR/tests/lab/lab.sh"
	trap e2e_exit EXIT
	trap 'exit 130' INT TERM
	echo "== e2e ${E2E_NAME:-?}: lab $SL_LAB, build $SLUICE_BUILD_DIR"
}

e2e_exit() {
	local rc=$?
	if [ "$rc" != 0 ] && [ -z "${E2E_DUMPED:-}" ] && [ -d "${LAB_DIR:-/nonexistent}" ]; then
		e2e_dump_logs
	fi
	lab_down
	exit "$rc"
}

# Print the daemons' logs (the end of them) so a failed run explains itself.
e2e_dump_logs() {
	local f
	for f in "$LAB_DIR"/sluiced.log "$LAB_DIR"/sluice-dp.log "$LAB_DIR"/decap.log; do
		[ -f "$f" ] || continue
		echo "---- last lines of $f"
		tail -n 40 "$f"
	done
}

e2e_pass() {
	E2E_PASSED=$((E2E_PASSED + 1))
	echo "PASS: $*"
}
e2e_fail() {
	E2E_FAILED=$((E2E_FAILED + 1))
	echo "FAIL: $*"
}

# e2e_check LABEL CMD...: PASS when CMD exits 0 (its output is shown).
e2e_check() {
	local label=$1
	shift
	if "$@"; then e2e_pass "$label"; else e2e_fail "$label"; fi
}

# e2e_result LABEL FILE [slload check options]: PASS/FAIL from a load result.
e2e_result() {
	local label=$1 file=$2
	shift 2
	if [ ! -s "$file" ]; then
		e2e_fail "$label: no result in $file"
		return 0
	fi
	if "$LAB_PY" "$LAB_LOAD" check "$file" --label "$label" "$@"; then
		E2E_PASSED=$((E2E_PASSED + 1))
	else
		E2E_FAILED=$((E2E_FAILED + 1))
	fi
}

# Stop here (still cleaning up) when a step everything else needs failed.
e2e_fatal() {
	e2e_fail "$*"
	e2e_end
}

e2e_end() {
	local t=$(($(date +%s) - E2E_T0))
	if [ "$E2E_FAILED" != 0 ]; then
		e2e_dump_logs
		E2E_DUMPED=1
	fi
	echo "== e2e ${E2E_NAME:-?}: ${t}s"
	echo "e2e: $E2E_PASSED passed, $E2E_FAILED failed"
	if [ "$E2E_FAILED" = 0 ] && [ "$E2E_PASSED" -gt 0 ]; then exit 0; fi
	exit 1
}
