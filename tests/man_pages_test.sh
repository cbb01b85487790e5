#!/bin/bash
# SPDX-License-Identifier: MIT
# man_pages_test - the manual pages of man/: mandoc finds nothing to say
# about them, meson installs each, and they cover the code.
#   man_pages_test.sh SOURCE_ROOT BUILD_ROOT
#   DGRAM_FLOOD, DGRAM_LAUNCH, DGRAM_CONFIG, DGRAM_SINK, DGRAM_LOGD in the
#   environment name the built programs (for man_pages_coverage.py).
#
# 1. mandoc -T lint -W warning: no output at all, for every page.
# 2. mandoc -T lint -W style: no output either, but for one kind of line.
#    At this level mandoc looks up every cross-reference (Xr), and what it
#    finds depends on what the machine has installed (Postfix's master(8),
#    gethostname(3) with manpages-dev...). So it is given a copy of man/
#    laid out as man1/, man3/, man8/ as its only search path (-M): a
#    reference between our pages must resolve there, and "referenced manual
#    not found" for a page that is not ours is expected and only counted.
# 3. man_pages_coverage.py: every option each tool's parser accepts is in its
#    page (and no other), every parameter the skeleton and the daemons read
#    is in theirs, with its type and default.
# Skipped (exit 77) only when mandoc is missing: Debian's mandoc package,
# which tools/test installs (tools/lib/packages.sh).
set -u
source_root=$1 build_root=$2
pages=(dgram-config.1 dgram-flood.1 dgram-launch.1 dgram-stat.1 dgram-server.3 dgram-logd.8 dgram-sink.8)
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

if ! command -v mandoc >/dev/null 2>&1; then
  echo "SKIP: mandoc not found: install Debian's mandoc package (tools/test does)"
  exit 77
fi
man_dir=$source_root/man
work=$(mktemp -d) || exit 1
trap 'rm -rf "$work"' EXIT

# 0. man/ holds exactly these pages, and meson installs each into its section.
in_folder=$(cd "$man_dir" && printf '%s\n' *.[0-9] | LC_ALL=C sort | tr '\n' ' ')
expected=$(printf '%s\n' "${pages[@]}" | LC_ALL=C sort | tr '\n' ' ')
[ "$in_folder" = "$expected" ] || fail "man/ holds '$in_folder'; this test knows '$expected'"
installed=$(meson introspect --installed "$build_root" | python3 -c '
import json, sys
for path in json.load(sys.stdin).values():
    print(path)')
for page in "${pages[@]}"; do
  grep -qE "/man${page##*.}/${page//./\\.}\$" <<<"$installed" ||
    fail "meson does not install $page into man${page##*.}/"
done

# 1 and 2. The lint.
for section in 1 3 8; do mkdir -p "$work/man/man$section"; done
for page in "${pages[@]}"; do cp "$man_dir/$page" "$work/man/man${page##*.}/"; done
# Its database, or mandoc says it is outdated each time it finds a page.
if command -v makewhatis >/dev/null 2>&1; then
  makewhatis "$work/man" || fail "makewhatis $work/man"
elif [ -x /usr/sbin/makewhatis ]; then
  /usr/sbin/makewhatis "$work/man" || fail "makewhatis $work/man"
fi
ours=" ${pages[*]} "
version=$(dpkg-query -W -f='${Version}' mandoc 2>/dev/null) || version="(version unknown)"
echo "mandoc $version: -T lint -W warning, then -T lint -W style"
for page in "${pages[@]}"; do
  out=$(mandoc -T lint -W warning "$man_dir/$page" 2>&1)
  status=$?
  if [ -n "$out" ] || [ "$status" != 0 ]; then
    fail "mandoc -T lint -W warning man/$page (exit status $status):"
    printf '%s\n' "$out"
  fi
  out=$(mandoc -T lint -W style -M "$work/man" "$work/man/man${page##*.}/$page" 2>&1)
  others=()
  while IFS= read -r line; do
    [ -n "$line" ] || continue
    if [[ $line =~ STYLE:\ referenced\ manual\ not\ found:\ Xr\ ([^ ]+)\ ([0-9a-z]+) ]]; then
      case $ours in
        *" ${BASH_REMATCH[1]}.${BASH_REMATCH[2]} "*) ;;  # ours: must resolve
        *)
          others+=("${BASH_REMATCH[1]}(${BASH_REMATCH[2]})")
          continue
          ;;
      esac
    fi
    fail "mandoc -T lint -W style: ${line//"$work/man/"/}"
  done <<<"$out"
  echo "  $page: references to other pages, not looked up: ${others[*]:-none}"
done
[ "$failures" = 0 ] && echo "lint: ${pages[*]}: nothing to report"

# 3. Coverage.
python3 "$source_root/tests/man_pages_coverage.py" "$source_root" "$man_dir" ||
  fail "man_pages_coverage.py (above)"

[ "$failures" = 0 ] && echo "man-pages: ${pages[*]} lint clean and cover the code"
exit "$((failures > 0))"
