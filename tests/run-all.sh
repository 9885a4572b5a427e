#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Every test suite (unit, then the namespace end-to-end suite), after
# tests/lab/setup.sh built ./build. Prints meson's summary and closes with
# "N passed, N failed"; exits non-zero when anything failed.
#   tests/run-all.sh [meson test options, e.g. --suite unit]
set -uo pipefail

SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${SLUICE_BUILD_DIR:-$SRC/build}
[ -f "$BUILD/build.ninja" ] || { echo "run-all: no build in $BUILD: run tests/lab/setup.sh" >&2; exit 1; }

t0=$(date +%s)
meson test -C "$BUILD" --print-errorlogs "$@"
rc=$?
log=$BUILD/meson-logs/testlog.json
if [ -f "$log" ]; then
	/usr/bin/python3 - "$log" <<'EOF'
import json, sys
res = {}
for line in open(sys.argv[1]):
    t = json.loads(line)
    res.setdefault(t["result"], []).append("%s (%.1fs)" % (t["name"], t["duration"]))
ok = len(res.get("OK", [])) + len(res.get("EXPECTEDFAIL", []))
bad = sum(len(v) for k, v in res.items() if k not in ("OK", "EXPECTEDFAIL", "SKIP"))
for k in sorted(res):
    if k != "OK":
        print("%s: %s" % (k, ", ".join(res[k])))
print("%d passed, %d failed" % (ok, bad) +
      (", %d skipped" % len(res["SKIP"]) if res.get("SKIP") else ""))
EOF
fi
echo "run-all: $(($(date +%s) - t0))s"
exit "$rc"
