# SPDX-License-Identifier: MIT
# script.sh - what the tests written in bash share: a temporary folder, one
# process in the background ended on every exit, and their report lines.
# SUMMARY
#   test_name=install_test
#   . "$(dirname "$0")/support/script.sh"     # sets tmp
#   some_program & background_pid=$!         # killed (-KILL) if still set at exit
#   step "what was checked";  fail "why";  show FILE...
# DESCRIPTION
#   tmp is a new folder under $TMPDIR (or /tmp), removed on every exit with
#   the process named by background_pid (clear it once that process has
#   been waited for). step prints "TEST_NAME: TEXT"; fail prints
#   "TEST_NAME: FAIL: TEXT" on stderr and exits 1; show prints the last 60
#   lines of each non-empty FILE on stderr (a failed step's output).

tmp=$(mktemp -d "${TMPDIR:-/tmp}/dgram-${test_name:?set test_name first}.XXXXXX")
background_pid=
script_cleanup() {
  if [ -n "$background_pid" ]; then kill -KILL "$background_pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap script_cleanup EXIT

step() { echo "$test_name: $*"; }
fail() {
  echo "$test_name: FAIL: $*" >&2
  exit 1
}
show() {
  local file
  for file in "$@"; do
    [ -s "$file" ] && { echo "--- $file" >&2; tail -n 60 "$file" >&2; }
  done
  return 0
}
