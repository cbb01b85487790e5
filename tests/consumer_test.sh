#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# NAME
#   consumer_test.sh - dgram-server used by another project: pkg-config file,
#   meson subproject, and a service built that way run under dgram-launch.
# SUMMARY
#   consumer_test.sh SOURCE_ROOT BUILD_ROOT SANITIZE DGRAM_LAUNCH DGRAM_FLOOD
# DESCRIPTION
#   1. The main build's generated dgram-server.pc exists, and with
#      PKG_CONFIG_PATH at BUILD_ROOT/meson-uninstalled `pkg-config --cflags
#      --libs dgram-server` gives flags that compile, link and run a program
#      that calls the library.
#   2. tests/consumer is copied to a temporary folder, SOURCE_ROOT is linked
#      in as its subprojects/dgram-server, and it is configured and built
#      (with the main build's sanitizers, SANITIZE as b_sanitize). The
#      subproject must build the library only: no target of its tests/,
#      tools/ or bench/, and of the library the static one alone, with
#      nothing of dgram-server to install (-Dshared_library=auto). Then a
#      second build folder is configured (not built) with
#      -Ddgram-server:shared_library=enabled: the shared library is then a
#      target too, and installed.
#   3. consumer-service runs under DGRAM_LAUNCH, DGRAM_FLOOD sends it 100
#      datagrams of 50 bytes, SIGTERM stops dgram-launch, and the service's
#      report must say datagrams=100.
#   DGRAM_LAUNCH or DGRAM_FLOOD is "missing" while that tool is not built:
#   then parts 1 and 2 run and the test ends as skipped (exit 77).
# DIAGNOSTICS
#   One "consumer_test: FAIL: ..." line and exit 1 on the first failure, with
#   the output of the failed step. Every wait is bounded; the temporary folder
#   is removed on every exit.
set -euo pipefail

if [ "$#" -ne 5 ]; then
  echo "usage: $0 SOURCE_ROOT BUILD_ROOT SANITIZE DGRAM_LAUNCH DGRAM_FLOOD" >&2
  exit 2
fi
src=$1
build=$2
sanitize=$3
launch=$4
flood=$5

# meson passes built programs relative to the build folder, the working directory.
[ "$launch" = missing ] || launch=$(realpath "$launch")
[ "$flood" = missing ] || flood=$(realpath "$flood")

test_name=consumer_test
# shellcheck source=tests/support/script.sh
. "$(dirname "$0")/support/script.sh"

sanitize_flags=()
setup_options=(--wrap-mode=nodownload)
if [ "$sanitize" != none ]; then
  sanitize_flags=("-fsanitize=$sanitize")
  setup_options+=("-Db_sanitize=$sanitize" -Db_lundef=false)
fi

# 1. The generated pkg-config file.
[ -f "$build/meson-private/dgram-server.pc" ] ||
  fail "the main build generated no meson-private/dgram-server.pc"
pc_dir=$build/meson-uninstalled
[ -f "$pc_dir/dgram-server-uninstalled.pc" ] ||
  fail "the main build generated no meson-uninstalled/dgram-server-uninstalled.pc"
pc_flags=$(PKG_CONFIG_PATH=$pc_dir timeout 30 pkg-config --cflags --libs dgram-server) ||
  fail "pkg-config --cflags --libs dgram-server (PKG_CONFIG_PATH=$pc_dir)"
step "pkg-config dgram-server: $pc_flags"
case " $pc_flags " in
  *" -ldgram-server "*) ;;
  *) fail "pkg-config gives no -ldgram-server: $pc_flags" ;;
esac
# Public headers only: options.h is private since the library's wings.
cat >"$tmp/probe.cpp" <<'EOF'
#include "dgram/config.h"
int main() {
  dgram::Config config;
  config.set("probe_delay", "5m");
  return config.get_time("probe_delay", "1s") == 300 ? 0 : 1;
}
EOF
# shellcheck disable=SC2086 # pkg-config output is a list of words
timeout 120 c++ -std=c++20 "${sanitize_flags[@]}" "$tmp/probe.cpp" -o "$tmp/probe" $pc_flags \
  >"$tmp/probe.log" 2>&1 || { show "$tmp/probe.log"; fail "compiling with the pkg-config flags"; }
LD_LIBRARY_PATH=$build/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} timeout 30 "$tmp/probe" ||
  fail "a program linked with the pkg-config flags did not run correctly"
step "a program built with the pkg-config flags runs"

# 2. dgram-server as a subproject.
cp -R "$src/tests/consumer" "$tmp/consumer"
mkdir -p "$tmp/consumer/subprojects"
ln -s "$(cd "$src" && pwd)" "$tmp/consumer/subprojects/dgram-server"
timeout 120 meson setup "${setup_options[@]}" "$tmp/build" "$tmp/consumer" >"$tmp/setup.log" 2>&1 ||
  { show "$tmp/setup.log"; fail "meson setup of the consumer project"; }
timeout 200 ninja -C "$tmp/build" >"$tmp/ninja.log" 2>&1 ||
  { show "$tmp/ninja.log"; fail "building the consumer project"; }
timeout 30 meson introspect --targets "$tmp/build" >"$tmp/targets.json" ||
  fail "meson introspect --targets"
timeout 30 meson introspect --installed "$tmp/build" >"$tmp/installed.json" ||
  fail "meson introspect --installed"
# check_targets.py TARGETS_JSON INSTALLED_JSON KINDS INSTALL: the subproject's
# library is of the kinds KINDS (comma-separated) and installed (INSTALL=yes)
# or not, and no target of its tests/, tools/ or bench/ is there.
cat >"$tmp/check_targets.py" <<'EOF'
import json, sys
targets = json.load(open(sys.argv[1]))
installed = json.load(open(sys.argv[2]))
kinds = sorted(sys.argv[3].split(","))
install = sys.argv[4] == "yes"
names = sorted(t["name"] for t in targets)
print("consumer_test: consumer targets:", ", ".join(f"{t['name']} ({t['type']})" for t in targets))
problems = []
for t in targets:
    parts = t["defined_in"].split("/")
    if "dgram-server" in parts:
        below = parts[parts.index("dgram-server") + 1:]
        if below and below[0] in ("tests", "tools", "bench"):
            problems.append(f"the subproject built more than the library: {t['name']} from {t['defined_in']}")
if "consumer-service" not in names:
    problems.append("no consumer-service target")
library_kinds = sorted(t["type"] for t in targets if t["name"] == "dgram-server")
if library_kinds != [kind + " library" for kind in kinds]:
    problems.append(f"the dgram-server library targets are {library_kinds or 'none'}, expected {kinds}")
ours = sorted(installed.values())
print("consumer_test: to install:", " ".join(ours) or "nothing")
if install and not any("/libdgram-server.so" in path for path in ours):
    problems.append("the shared library is not installed")
if not install and ours:
    problems.append("a subproject installs nothing of dgram-server by default, but: " + " ".join(ours))
for problem in problems:
    print("consumer_test:", problem)
sys.exit(1 if problems else 0)
EOF
python3 "$tmp/check_targets.py" "$tmp/targets.json" "$tmp/installed.json" static no ||
  fail "the consumer build has the wrong targets (-Dshared_library=auto)"
service=$tmp/build/consumer-service
[ -x "$service" ] || fail "no consumer-service in the consumer build"
step "consumer project built against the dgram-server subproject (static library only)"

# A consumer that asks for the shared library gets it (configured only).
timeout 120 meson setup "${setup_options[@]}" -Ddgram-server:shared_library=enabled \
  "$tmp/build-shared" "$tmp/consumer" >"$tmp/setup-shared.log" 2>&1 ||
  { show "$tmp/setup-shared.log"; fail "meson setup -Ddgram-server:shared_library=enabled"; }
timeout 30 meson introspect --targets "$tmp/build-shared" >"$tmp/targets-shared.json" ||
  fail "meson introspect --targets (shared_library=enabled)"
timeout 30 meson introspect --installed "$tmp/build-shared" >"$tmp/installed-shared.json" ||
  fail "meson introspect --installed (shared_library=enabled)"
python3 "$tmp/check_targets.py" "$tmp/targets-shared.json" "$tmp/installed-shared.json" shared,static yes ||
  fail "the consumer build has the wrong targets (-Ddgram-server:shared_library=enabled)"
step "-Ddgram-server:shared_library=enabled: the subproject builds and installs the shared library too"

# 3. The consumer service under dgram-launch.
if [ "$launch" = missing ] || [ "$flood" = missing ]; then
  step "SKIP the run under dgram-launch: dgram-launch=$launch dgram-flood=$flood (not built yet)"
  exit 77
fi

command -v ss >/dev/null || fail "ss (Debian package iproute2) is needed to watch the socket's queue"
mkdir -p "$tmp/conf" "$tmp/queue"
socket=$tmp/socket
report=$tmp/report
cat >"$tmp/conf/main.cf" <<EOF
queue_directory = $tmp/queue
max_idle = 300s
max_use = 0
consumer_report_file = $report
EOF

"$launch" --socket "$socket" --config "$tmp/conf" -- "$service" \
  >"$tmp/launch.out" 2>"$tmp/launch.err" &
background_pid=$!

# until_true SECONDS COMMAND... - runs COMMAND every 0.1 s until it succeeds; 1 after SECONDS.
until_true() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@"; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.1
  done
}
launch_running() { kill -0 "$background_pid" 2>/dev/null; }
socket_ready() { [ -S "$socket" ] || ! launch_running; }
until_true 20 socket_ready || { show "$tmp/launch.err"; fail "no socket at $socket after 20 s"; }
launch_running || { show "$tmp/launch.out" "$tmp/launch.err"; fail "dgram-launch ended early"; }

flood_options=(-n 100 -s 50)
if timeout 10 "$flood" --help 2>&1 | grep -q -- '--quiet'; then flood_options+=(--quiet); fi
timeout 60 "$flood" "${flood_options[@]}" "$socket" >"$tmp/flood.out" 2>&1 ||
  { show "$tmp/flood.out" "$tmp/launch.err"; fail "dgram-flood ${flood_options[*]} $socket"; }

# Everything is sent; wait until the service has taken it all from the socket.
queue_bytes() { ss -xaH 2>/dev/null | awk -v path="$socket" '$5 == path { print $3; exit }'; }
queue_empty() { [ "$(queue_bytes)" = 0 ] || ! launch_running; }
until_true 30 queue_empty ||
  { show "$tmp/launch.err"; fail "the socket still holds $(queue_bytes) bytes after 30 s"; }
launch_running || { show "$tmp/launch.out" "$tmp/launch.err"; fail "dgram-launch ended before SIGTERM"; }

kill -TERM "$background_pid"
until_true 30 eval '! launch_running' ||
  { show "$tmp/launch.err"; fail "dgram-launch still runs 30 s after SIGTERM"; }
status=0
wait "$background_pid" || status=$?
background_pid=
cat "$tmp/launch.out"
[ "$status" -eq 0 ] || { show "$tmp/launch.out" "$tmp/launch.err"; fail "dgram-launch exit status $status"; }
grep -q '^launch: .*exit=' "$tmp/launch.out" ||
  { show "$tmp/launch.out" "$tmp/launch.err"; fail "dgram-launch printed no 'launch: ... exit=' line"; }
[ -f "$report" ] || { show "$tmp/launch.err"; fail "consumer-service wrote no report"; }
step "report: $(cat "$report")"
[ "$(cat "$report")" = "consumer: datagrams=100" ] ||
  { show "$tmp/launch.err"; fail "expected 'consumer: datagrams=100' in the report"; }
step "consumer-service counted the 100 datagrams"
