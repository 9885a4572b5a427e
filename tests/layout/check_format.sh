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
bad=0 n=0
while IFS= read -r f; do
	n=$((n + 1))
	if ! clang-format --dry-run -Werror "$f" >/dev/null 2>&1; then
		echo "format: $f is not formatted: clang-format -i $f"
		bad=$((bad + 1))
	fi
done < <(git ls-files --cached --others --exclude-standard '*.c' '*.h' 2>/dev/null ||
	find . -name '*.[ch]' -not -path './build*')
echo "format: $n files, $bad not formatted ($(clang-format --version | head -n 1))"
[ "$bad" = 0 ]
