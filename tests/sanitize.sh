#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The unit suite, and the kernel suite when run as root, built with
# AddressSanitizer and UndefinedBehaviorSanitizer into ./build-asan (or
# $SLUICE_ASAN_BUILD_DIR), set up there if it is not yet. A UBSan report
# stops the test that made it (meson.build builds with
# -fno-sanitize-recover), an ASan error or a leak fails it, so a clean run
# is one that reports nothing. Needs the build dependencies only
# (tests/lab/setup.sh installs them). Arguments replace the choice of
# suites and go to meson test as they are.
#   tests/sanitize.sh [meson test arguments, e.g. --suite ext, or test names]
set -euo pipefail

SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${SLUICE_ASAN_BUILD_DIR:-$SRC/build-asan}

if [ ! -f "$BUILD/build.ninja" ]; then
	meson setup "$BUILD" "$SRC" -Db_sanitize=address,undefined
fi
ninja -C "$BUILD"

export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export ASAN_OPTIONS=detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1
suites=(--suite unit)
if [ "$(id -u)" = 0 ]; then
	suites+=(--suite kernel)
else
	echo "sanitize: not root: the kernel suite is left out"
fi
[ $# -gt 0 ] && suites=()
exec meson test -C "$BUILD" --no-rebuild --print-errorlogs "${suites[@]}" "$@"
