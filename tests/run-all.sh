#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Every test suite (unit, kernel, ext, then the namespace end-to-end suite
# e2e), after tests/lab/setup.sh built ./build. Prints meson's summary and
# closes with "N passed, N failed" (and ", N skipped": tests that could not
# run here); exits non-zero when anything failed.
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
fails = []
for line in open(sys.argv[1]):
    t = json.loads(line)
    if t["result"] not in ("OK", "EXPECTEDFAIL", "SKIP"):
        fails.append(t)
    res.setdefault(t["result"], []).append("%s (%.1fs)" % (t["name"], t["duration"]))
ok = len(res.get("OK", [])) + len(res.get("EXPECTEDFAIL", []))
bad = sum(len(v) for k, v in res.items() if k not in ("OK", "EXPECTEDFAIL", "SKIP"))
# The checks that failed, by test: the console (and CI's excerpt of it)
# keeps only the end of a long run, where meson's own error logs are gone.
for t in fails:
    lines = [l for l in (t.get("stdout") or "").splitlines()
             if l.startswith(("FAIL", "not ok", "[  FAILED  ]", "[  ERROR   ]"))]
    print("%s: %s" % (t["name"], "; ".join(lines[:4])[:600] or
                      "no FAIL line; exit status %s" % t.get("returncode")))
for k in sorted(res):
    if k != "OK":
        print("%s: %s" % (k, ", ".join(res[k])))
print("%d passed, %d failed" % (ok, bad) +
      (", %d skipped" % len(res["SKIP"]) if res.get("SKIP") else ""))
EOF
fi
echo "run-all: $(($(date +%s) - t0))s"
exit "$rc"
