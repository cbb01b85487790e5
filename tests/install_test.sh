#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# NAME
#   install_test.sh - `meson install` into a DESTDIR installs exactly the
#   expected files, and a consumer builds and runs with pkg-config alone.
# SUMMARY
#   install_test.sh SOURCE_ROOT BUILD_ROOT SANITIZE NAME=VALUE...
# DESCRIPTION
#   The NAME=VALUE arguments are what meson was configured with: version,
#   shared (yes/no: -Dshared_library), units (yes/no: -Dsystemd_units) and
#   the absolute directories prefix, bindir, libdir, includedir, mandir,
#   docdir, daemon_dir, unitdir ("-" when units=no).
#   1. `meson install -C BUILD_ROOT --destdir TMP/destdir --no-rebuild` (the
#      build's own objects: nothing is compiled), then the sorted list of
#      files and symbolic links under the DESTDIR must equal
#      tests/data/install_files.txt with @NAME@ replaced by the values above
#      (lines with a {shared}, {units} or {source:FILE} tag only when shared,
#      units or SOURCE_ROOT/FILE is there); the difference is printed.
#   2. Each installed page of section 1 names a program in bindir, of
#      section 8 one in daemon_dir; each installed unit's ExecStart= names an
#      installed program.
#   3. pkg-config with PKG_CONFIG_PATH at the DESTDIR's libdir/pkgconfig and
#      PKG_CONFIG_SYSROOT_DIR at the DESTDIR (which puts the DESTDIR in front
#      of the -I and -L paths) gives the version and flags into the DESTDIR;
#      `c++ $(pkg-config --cflags --libs dgram-server)` builds the installed
#      docdir/examples/echo.cpp alone in a temporary folder (with SANITIZE's
#      -fsanitize= when it is not "none"). Linked against the shared library
#      (shared=yes) it must load the DESTDIR's copy (LD_LIBRARY_PATH).
#   4. That dgram-echo runs standalone (--listen, an empty main.cf in
#      MAIL_CONFIG): a client's "hello" comes back, SIGTERM ends it with exit
#      status 0 and it removes its socket.
#   5. The installed examples/meson.build configures (meson setup, nothing
#      compiled) with dgram-server found by pkg-config in the DESTDIR.
# DIAGNOSTICS
#   "install_test: FAIL: ..." and exit 1 on the first failure, with the
#   output of the failed step. Every step is bounded in time; the temporary
#   folder is removed on every exit.
set -euo pipefail

if [ "$#" -lt 3 ]; then
  echo "usage: $0 SOURCE_ROOT BUILD_ROOT SANITIZE NAME=VALUE..." >&2
  exit 2
fi
src=$(cd "$1" && pwd)
build=$(cd "$2" && pwd)
sanitize=$3
shift 3
declare -A var=()
for assignment in "$@"; do
  var[${assignment%%=*}]=${assignment#*=}
done
for name in version shared units prefix bindir libdir includedir mandir docdir daemon_dir unitdir; do
  [ -n "${var[$name]:-}" ] || { echo "install_test: no $name=VALUE argument" >&2; exit 2; }
done

test_name=install_test
# shellcheck source=tests/support/script.sh
. "$(dirname "$0")/support/script.sh"

destdir=$tmp/destdir

# 1. The installed files against the expected list.
timeout 120 meson install -C "$build" --destdir "$destdir" --no-rebuild --quiet \
  >"$tmp/install.log" 2>&1 || { show "$tmp/install.log"; fail "meson install --destdir $destdir"; }
(cd "$destdir" && find . \( -type f -o -type l \) -printf '/%P\n') | LC_ALL=C sort >"$tmp/installed"
python3 - "$src" "$src/tests/data/install_files.txt" "$@" >"$tmp/expected.unsorted" <<'EOF' ||
import os, re, sys
src, listing, *assignments = sys.argv[1:]
values = dict(a.split("=", 1) for a in assignments)
def wanted(tag):
    if tag in ("shared", "units"):
        return values[tag] == "yes"
    if tag.startswith("source:"):
        return os.path.exists(os.path.join(src, tag[len("source:"):]))
    sys.exit(f"install_files.txt: unknown tag {{{tag}}}")
def substitute(match):
    name = match.group(1)
    if name not in values:
        sys.exit(f"install_files.txt: unknown variable @{name}@")
    return values[name]
for line in open(listing):
    line = line.strip()
    if not line or line.startswith("#"):
        continue
    tag = re.match(r"\{([^}]*)\}\s+", line)
    if tag:
        if not wanted(tag.group(1)):
            continue
        line = line[tag.end():]
    path = re.sub(r"@([a-z_]+)@", substitute, line)
    print(os.path.normpath(path))
EOF
  fail "reading tests/data/install_files.txt"
LC_ALL=C sort "$tmp/expected.unsorted" >"$tmp/expected"
if ! diff -u "$tmp/expected" "$tmp/installed" >"$tmp/list.diff"; then
  echo "--- expected (tests/data/install_files.txt)  +++ installed under DESTDIR" >&2
  cat "$tmp/list.diff" >&2
  fail "meson install installed other files than tests/data/install_files.txt lists"
fi
step "meson install: the $(wc -l <"$tmp/installed") expected files under DESTDIR"

# 2. Pages and units name installed programs.
in_dest() { printf '%s%s' "$destdir" "$1"; }
while IFS= read -r page; do
  name=${page##*/}
  case $name in
    *.1) [ -x "$(in_dest "${var[bindir]}")/${name%.1}" ] ||
           fail "$page is installed, but no ${name%.1} in bindir ${var[bindir]}" ;;
    *.8) [ -x "$(in_dest "${var[daemon_dir]}")/${name%.8}" ] ||
           fail "$page is installed, but no ${name%.8} in daemon_dir ${var[daemon_dir]}" ;;
  esac
done < <(grep -F "${var[mandir]}/man" "$tmp/installed" || true)
if [ "${var[units]}" = yes ]; then
  for unit in "$(in_dest "${var[unitdir]}")"/*.service; do
    program=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$unit")
    if [ -z "$program" ] || [ ! -x "$(in_dest "$program")" ]; then
      fail "${unit##*/}: ExecStart=$program is not an installed program"
    fi
  done
fi
step "the installed pages and units name installed programs"

# 3. A consumer with pkg-config alone: the installed dgram-echo source.
export PKG_CONFIG_PATH
PKG_CONFIG_PATH=$(in_dest "${var[libdir]}")/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}
export PKG_CONFIG_SYSROOT_DIR=$destdir
modversion=$(timeout 30 pkg-config --modversion dgram-server) || fail "pkg-config --modversion dgram-server"
[ "$modversion" = "${var[version]}" ] ||
  fail "pkg-config says version $modversion, meson's project version is ${var[version]}"
pc_flags=$(timeout 30 pkg-config --cflags --libs dgram-server) || fail "pkg-config --cflags --libs dgram-server"
step "pkg-config dgram-server $modversion: $pc_flags"
case " $pc_flags " in
  *" -I$(in_dest "${var[includedir]}") "*) ;;
  *) fail "pkg-config gives no -I into the DESTDIR's includedir: $pc_flags" ;;
esac
case " $pc_flags " in
  *" -L$(in_dest "${var[libdir]}") "*) ;;
  *) fail "pkg-config gives no -L into the DESTDIR's libdir: $pc_flags" ;;
esac
sanitize_flags=()
[ "$sanitize" = none ] || sanitize_flags=("-fsanitize=$sanitize")
mkdir "$tmp/consumer"
cp "$(in_dest "${var[docdir]}")/examples/echo.cpp" "$tmp/consumer/"
# shellcheck disable=SC2086 # pkg-config's output is a list of words
(cd "$tmp/consumer" && timeout 180 c++ -std=c++20 "${sanitize_flags[@]}" echo.cpp -o dgram-echo \
  $pc_flags) >"$tmp/compile.log" 2>&1 || { show "$tmp/compile.log"; fail "c++ echo.cpp \$(pkg-config ...)"; }
export LD_LIBRARY_PATH
LD_LIBRARY_PATH=$(in_dest "${var[libdir]}")${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
if [ "${var[shared]}" = yes ]; then
  loaded=$(timeout 30 ldd "$tmp/consumer/dgram-echo" | awk '$1 ~ /^libdgram-server\.so/ { print $3 }')
  [ "$loaded" = "$(in_dest "${var[libdir]}")/libdgram-server.so.0" ] ||
    fail "dgram-echo loads libdgram-server from '${loaded:-nowhere}', not the DESTDIR's libdir"
  step "examples/echo.cpp built with the pkg-config flags alone; it loads $loaded"
else
  step "examples/echo.cpp built with the pkg-config flags alone (static library)"
fi

# 4. It serves.
mkdir "$tmp/conf"
: >"$tmp/conf/main.cf"
socket=$tmp/echo.sock
MAIL_CONFIG=$tmp/conf "$tmp/consumer/dgram-echo" --listen "$socket" -V >"$tmp/echo.out" 2>"$tmp/echo.err" &
background_pid=$!
deadline=$((SECONDS + 20))
until [ -S "$socket" ]; do
  kill -0 "$background_pid" 2>/dev/null || { show "$tmp/echo.err"; fail "dgram-echo --listen ended early"; }
  [ "$SECONDS" -lt "$deadline" ] || { show "$tmp/echo.err"; fail "no socket $socket after 20 s"; }
  sleep 0.1
done
answer=$(timeout 20 python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("")
s.settimeout(10)
s.sendto(b"hello", sys.argv[1])
print(s.recv(65536).decode())' "$socket") || { show "$tmp/echo.err"; fail "no answer from dgram-echo"; }
[ "$answer" = hello ] || { show "$tmp/echo.err"; fail "dgram-echo answered '$answer', not 'hello'"; }
kill -TERM "$background_pid"
deadline=$((SECONDS + 20))
while kill -0 "$background_pid" 2>/dev/null; do
  [ "$SECONDS" -lt "$deadline" ] || { show "$tmp/echo.err"; fail "dgram-echo still runs 20 s after SIGTERM"; }
  sleep 0.1
done
status=0
wait "$background_pid" || status=$?
background_pid=
[ "$status" = 0 ] || { show "$tmp/echo.err"; fail "dgram-echo exit status $status after SIGTERM"; }
[ ! -e "$socket" ] || fail "dgram-echo left its socket $socket"
step "the consumer answered 'hello' and exited 0 on SIGTERM"

# 5. The installed examples/meson.build, configured against the DESTDIR.
setup_options=(--wrap-mode=nodownload)
[ "$sanitize" = none ] || setup_options+=("-Db_sanitize=$sanitize" -Db_lundef=false)
timeout 120 meson setup "${setup_options[@]}" "$tmp/examples-build" "$(in_dest "${var[docdir]}")/examples" \
  >"$tmp/examples-setup.log" 2>&1 ||
  { show "$tmp/examples-setup.log"; fail "meson setup of the installed examples/meson.build"; }
grep -q "dgram-server found: YES ${var[version]}" "$tmp/examples-setup.log" ||
  { show "$tmp/examples-setup.log"; fail "the installed examples/meson.build did not find dgram-server ${var[version]}"; }
step "the installed examples/meson.build configures against the DESTDIR"
