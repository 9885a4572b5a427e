#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The tree stays formatted: every C file git tracks is what clang-format
# (the repository's .clang-format) makes of it. Lists the files that are not,
# with the command that fixes them. Skips (77) without clang-format.
#   check_format.sh SOURCE_DIR
set -uo pipefail
src=${1:?usage: check_format.sh SOURCE_DIR}
cd "$src" || exit 1
command -v clang-format >/dev/null || { echo "format: no clang-format: skipped"; exit 77; }
files=$(git ls-files --cached --others --exclude-standard '*.c' '*.h' 2>/dev/null ||
	find . -name '*.[ch]' -not -path './build*')
# one clang-format per file list: it names every file it would change
bad=$(printf '%s\n' "$files" | xargs -P 2 -n 40 clang-format --dry-run 2>&1 |
	sed -n 's/^\([^:]*\.[ch]\):[0-9]*:[0-9]*: warning: code should be clang-formatted.*/\1/p' |
	sort -u)
for f in $bad; do
	echo "format: $f is not formatted: clang-format -i $f"
done
echo "format: $(printf '%s\n' "$files" | wc -l) files, $(printf '%s' "$bad" | grep -c .) not formatted ($(clang-format --version | head -n 1))"
[ -z "$bad" ]
