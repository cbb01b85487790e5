#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# NAME
#   spdx_test.sh - every source file says its licence in an SPDX line.
# SUMMARY
#   spdx_test.sh SOURCE_ROOT
# DESCRIPTION
#   The source files are the code, build and unit files of the tree: *.cpp,
#   *.h, *.py, *.sh, meson.build, meson_options.txt, *.in, *.wrap, the manual
#   pages and the scripts without a suffix (tools/*, bench/flood-compare,
#   bench/soak, .ci/run) and debian/rules; data (fuzz corpora, tests/data,
#   bench/results),
#   Markdown, LICENSE and NEWS are not. Each must carry
#   "SPDX-License-Identifier: MIT" in one of its first three lines (after a
#   #! line). The list comes from `git ls-files` in a checkout, else from the
#   files under SOURCE_ROOT (a source tarball).
# DIAGNOSTICS
#   "spdx_test: FAIL: FILE has no SPDX line" for each file without one, and
#   exit 1; exit 0 with the number of files checked otherwise.
set -euo pipefail
root=${1:?usage: spdx_test.sh SOURCE_ROOT}
cd "$root"

if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  list() { git ls-files; }
else
  list() { find . -type f -not -path './build*' -not -path './.git/*' -printf '%P\n'; }
fi

is_source() {
  case "$1" in
    fuzz/corpus/* | fuzz/regressions/* | tests/data/* | bench/results/* | subprojects/*/*) return 1 ;;
    *.cpp | *.h | *.py | *.sh | */meson.build | meson.build | meson_options.txt | *.in | *.wrap) return 0 ;;
    man/*.[1-8]) return 0 ;;
    tools/demo | tools/test | tools/postfix-instance | tools/deb-test | bench/flood-compare | bench/soak | .ci/run | debian/rules) return 0 ;;
  esac
  return 1
}

checked=0
missing=0
while IFS= read -r file; do
  is_source "$file" || continue
  [ -f "$file" ] || continue
  checked=$((checked + 1))
  if ! head -n 3 "$file" | grep -q 'SPDX-License-Identifier: MIT'; then
    echo "spdx_test: FAIL: $file has no SPDX line"
    missing=$((missing + 1))
  fi
done < <(list)

if [ "$checked" -eq 0 ]; then
  echo "spdx_test: FAIL: no source files found under $root"
  exit 1
fi
[ "$missing" -eq 0 ] || exit 1
echo "spdx_test: $checked source files, each with its SPDX line"
