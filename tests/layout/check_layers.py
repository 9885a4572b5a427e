#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""The tree's layering, checked: each folder's C code includes only its own
headers and those of the folders below it (docs/architecture.md, "Layout").

    check_layers.py SOURCE_DIR

Tests (*_test.c, */testdata/, tests/, perf/) may use any layer to build
their fixtures.
Prints every include that goes sideways or up, as FILE:LINE: "HEADER" (folder
A may not include folder B), and exits 1 if there is any.
"""
import os
import re
import subprocess
import sys

# folder -> level; a folder may include folders of a lower level only
LEVELS = {
    "common": 0,
    "bpf": 1,
    "cfg": 1,
    "controlplane/loop": 2,
    "dataplane": 2,
    "controlplane/discovery": 3,
    "controlplane/health": 3,
    "controlplane/events": 3,
    "controlplane/model": 4,
    "controlplane/tables": 5,
    "controlplane/bpf": 5,
    "controlplane/admin": 5,
    "controlplane/metrics": 5,
    "controlplane/core": 6,
    "cli": 6,
}
# test helpers, tests and benchmarks may use everything
FREE = ("tests/", "perf/")
GENERATED = {"sluice_decap.skel.h": "bpf", "sluice_probe.skel.h": "bpf",
             "sluice_xdp.skel.h": "bpf"}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def folder_of(path):
    d = os.path.dirname(path)
    return d if d in LEVELS else None


def main():
    src = sys.argv[1]
    try:
        files = subprocess.run(["git", "-C", src, "ls-files", "--cached", "--others",
                                "--exclude-standard", "*.c", "*.h"], check=True,
                               capture_output=True, text=True).stdout.split()
    except (OSError, subprocess.CalledProcessError):  # not a checkout: every file
        files = [os.path.relpath(os.path.join(d, n), src) for d, _, ns in os.walk(src)
                 for n in ns if n.endswith((".c", ".h")) and "/build" not in d]
    where = {}
    for f in files:
        where.setdefault(os.path.basename(f), []).append(f)
    bad = 0
    for f in files:
        if f.startswith(FREE) or f.endswith("_test.c") or "/testdata/" in f:
            continue
        mine = folder_of(f)
        if mine is None:
            print("%s: in no layer: add its folder to tests/layout/check_layers.py" % f)
            bad += 1
            continue
        for no, line in enumerate(open(os.path.join(src, f), errors="replace"), 1):
            m = INCLUDE.match(line)
            if not m:
                continue
            name = m.group(1)
            if "/" in name:
                target = os.path.dirname(name) if os.path.dirname(name) in LEVELS else None
            elif name in GENERATED:
                target = GENERATED[name]
            else:
                here = os.path.join(os.path.dirname(f), name)
                if here in files:
                    continue
                found = where.get(name, [])
                if len(found) != 1:
                    print("%s:%d: \"%s\": %s" % (f, no, name,
                          "no such header in the tree" if not found else
                          "ambiguous: " + " ".join(found)))
                    bad += 1
                    continue
                target = folder_of(found[0])
            if target is None or target == mine:
                continue
            if LEVELS[target] >= LEVELS[mine]:
                print("%s:%d: \"%s\": %s may not include %s" % (f, no, name, mine, target))
                bad += 1
    print("layout: %d files, %d wrong includes" % (len(files), bad))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
