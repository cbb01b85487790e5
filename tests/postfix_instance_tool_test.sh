#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# NAME
#   postfix_instance_tool_test.sh - tools/postfix-instance against the real master.
# SUMMARY
#   postfix_instance_tool_test.sh TOOL   (meson test postfix-instance-tool)
# DESCRIPTION
#   In a temporary folder, with Postfix's own postlogd as the only program:
#   create lays out the folders with the modes and owners of its manual page
#   and a main.cf whose --main-cf-line replaces the default of the same
#   parameter; run (as this shell's child) and ready give the master's pid,
#   which is the pid file's and leads its own session; a second run is
#   refused; reload reaches the master; stop leaves no running process of
#   the instance, and a new run after it starts over a stale socket. A
#   master that cannot start makes ready fail at once. A stopped (SIGSTOP)
#   master gets SIGKILL after stop's bound, and stop says so. start leaves a
#   master that stop ends. Every wait is bounded.
# DIAGNOSTICS
#   One line per failed check, "FAIL: ..."; exit 1 when any failed, 77
#   (skipped) without root or without Postfix, 0 otherwise.
set -u

tool=${1:?usage: postfix_instance_tool_test.sh TOOL}
master=/usr/lib/postfix/sbin/master
postlogd=/usr/lib/postfix/sbin/postlogd
if [ "$(id -u)" -ne 0 ]; then echo "skipped: the Postfix master needs root"; exit 77; fi
if [ ! -x "$master" ] || [ ! -x "$postlogd" ]; then echo "skipped: Postfix is not installed"; exit 77; fi

failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
check() { local what=$1; shift; "$@" || fail "$what"; }

dir=$(mktemp -d /tmp/postfix-instance-test.XXXXXX)
started=()
cleanup() {
  local pid
  for pid in "${started[@]}"; do
    # Ours only: a child of this shell (run &), or the master `start` printed.
    if [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "-c $dir/etc"; then
      kill -KILL "$pid" 2>/dev/null
    fi
  done
  wait 2>/dev/null
  rm -rf "$dir"
}
trap cleanup EXIT

# group_members PGID - the pids of the running (not zombie) processes of a process group.
group_members() {
  local stat state pgrp
  for stat in /proc/[0-9]*/stat; do
    read -r state _ pgrp _ < <(sed 's/.*) //' "$stat" 2>/dev/null)
    [ "${state:-Z}" != Z ] && [ "$pgrp" = "$1" ] && basename "$(dirname "$stat")"
  done
  return 0
}
# ended PID - the process is gone or a zombie.
ended() {
  local state
  read -r state _ < <(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null)
  [ "${state:-Z}" = Z ]
}
# wait_for COMMAND... - up to 10 s until COMMAND succeeds.
wait_for() {
  local _
  for _ in $(seq 100); do "$@" && return 0; sleep 0.1; done
  "$@"
}
mode_owner() { stat -c '%a %U:%G' "$1"; }
mtime_age() { echo $(( $(date +%s) - $(stat -c %Y "$1") )); }

# ---- create
"$tool" create "$dir" \
  --service "postlog unix-dgram n - n - 1 postlogd" \
  --service "spare   unix-dgram n - n - 1 postlogd -o maillog_file=/dev/null" \
  --main-cf-line "maillog_file_prefixes = $dir, /dev/null" \
  --main-cf-line "# added at the end" \
  --program "$postlogd" || fail "create exited $?"
check "DIR is 755"                 [ "$(mode_owner "$dir")" = "755 root:root" ]
check "spool is 755 root"          [ "$(mode_owner "$dir/spool")" = "755 root:root" ]
check "spool/pid is 755 root"      [ "$(mode_owner "$dir/spool/pid")" = "755 root:root" ]
check "public is 2710 postfix:postdrop (got $(mode_owner "$dir/spool/public"))" \
  [ "$(mode_owner "$dir/spool/public")" = "2710 postfix:postdrop" ]
check "private is 700 postfix"     [ "$(stat -c '%a %U' "$dir/spool/private")" = "700 postfix" ]
check "data is 700 postfix"        [ "$(stat -c '%a %U' "$dir/data")" = "700 postfix" ]
check "log is 755"                 [ "$(stat -c '%a' "$dir/log")" = 755 ]
check "libexec/postlogd is 755"    [ "$(stat -c '%a' "$dir/libexec/postlogd")" = 755 ]
check "main.cf names the queue"    grep -qx "queue_directory = $dir/spool" "$dir/etc/main.cf"
check "one maillog_file_prefixes, the given one" \
  [ "$(grep -c '^maillog_file_prefixes' "$dir/etc/main.cf")" = 1 ]
check "the given maillog_file_prefixes" grep -qx "maillog_file_prefixes = $dir, /dev/null" "$dir/etc/main.cf"
check "a new line at the end"      [ "$(tail -n 1 "$dir/etc/main.cf")" = "# added at the end" ]
check "master.cf as given"         grep -qx "spare   unix-dgram n - n - 1 postlogd -o maillog_file=/dev/null" "$dir/etc/master.cf"
check "main.cf back-dated"         [ "$(mtime_age "$dir/etc/main.cf")" -ge 50 ]
check "master.cf back-dated"       [ "$(mtime_age "$dir/etc/master.cf")" -ge 50 ]

# ---- run, ready, pid
"$tool" run "$dir" &
pid=$!
started+=("$pid")
ready=$("$tool" ready "$dir" --pid "$pid" --timeout 15) || fail "ready exited $?"
check "ready prints the master's pid ($ready, not $pid)" [ "$ready" = "$pid" ]
check "pid prints it too"          [ "$("$tool" pid "$dir")" = "$pid" ]
check "the pid file names it"      [ "$(tr -d ' \n' <"$dir/spool/pid/master.pid")" = "$pid" ]
check "the master runs the instance's main.cf" \
  grep -q -- "-c $dir/etc" <(tr '\0' ' ' <"/proc/$pid/cmdline")
check "the master leads its session" [ "$(ps -o sid= -p "$pid" | tr -d ' ')" = "$pid" ]
check "both sockets are there"     [ -S "$dir/spool/public/postlog" ] && [ -S "$dir/spool/public/spare" ]
out=$(timeout 10 "$tool" run "$dir" 2>&1)
status=$?
check "a second run is refused (exit $status: $out)" [ "$status" = 1 ]
check "a second run says why"      grep -q "runs already (pid $pid)" <<<"$out"
/usr/sbin/postlog -c "$dir/etc" -t tooltest "through the private postlogd" || fail "postlog exited $?"
check "postlogd wrote maillog"     wait_for grep -q "tooltest.*through the private postlogd" "$dir/log/maillog"
check "the master has a child"     [ -n "$(group_members "$pid" | grep -vx "$pid")" ]

# ---- reload
"$tool" reload "$dir" || fail "reload exited $?"
check "the master logged the reload" wait_for grep -q "postfix/master\[$pid\]: reload" "$dir/log/maillog"

# ---- stop
"$tool" stop "$dir" --timeout 10 || fail "stop exited $?"
check "the master ended"           ended "$pid"
wait "$pid" 2>/dev/null
check "no process of the instance runs ($(group_members "$pid" | tr '\n' ' '))" \
  wait_for test -z "$(group_members "$pid")"
check "stop with nothing running is fine" "$tool" stop "$dir"
check "pid fails with nothing running" bash -c "! '$tool' pid '$dir' 2>/dev/null"

# ---- a new run over the stale sockets
check "the old socket is still there" [ -S "$dir/spool/public/postlog" ]
"$tool" run "$dir" &
pid=$!
started+=("$pid")
check "ready after a restart" [ "$("$tool" ready "$dir" --pid "$pid" --timeout 15)" = "$pid" ]

# ---- stop of a master that does not stop on SIGTERM
{
  # (bash's "Killed" notice for its job goes to /dev/null with the rest)
  kill -STOP "$pid"
  out=$("$tool" stop "$dir" --timeout 1 2>&1)
  status=$?
  wait "$pid"
} 2>/dev/null
check "stop of a stopped master exits 1 (got $status)" [ "$status" = 1 ]
check "stop says it sent SIGKILL ($out)" grep -q "ignored SIGTERM.*SIGKILL" <<<"$out"
check "nothing of the instance runs after SIGKILL" wait_for test -z "$(group_members "$pid")"

# ---- a master that cannot start: ready fails at once
"$tool" create "$dir" --service "postlog unix-dgram n - n - 1 postlogd" \
  --main-cf-line "mail_owner = no-such-user-here" || fail "create (bad owner) exited $?"
"$tool" run "$dir" 2>/dev/null &
pid=$!
started+=("$pid")
began=$SECONDS
out=$("$tool" ready "$dir" --pid "$pid" --timeout 15 2>&1)
status=$?
check "ready fails for a master that cannot start (exit $status)" [ "$status" = 1 ]
check "ready gives up early ($((SECONDS - began)) s)" [ $((SECONDS - began)) -lt 10 ]
check "ready says why ($out)" grep -q "ended while starting" <<<"$out"
wait "$pid" 2>/dev/null

# ---- start (the master outlives the command), then stop
"$tool" create "$dir" --service "postlog unix-dgram n - n - 1 postlogd" || fail "create (again) exited $?"
pid=$("$tool" start "$dir" --timeout 15) || fail "start exited $?"
started+=("$pid")
check "start prints the running master's pid ($pid)" [ "$("$tool" pid "$dir")" = "$pid" ]
"$tool" stop "$dir" || fail "stop after start exited $?"
check "the started master ended" wait_for ended "$pid"
check "nothing of the started instance runs" wait_for test -z "$(group_members "$pid")"

if [ "$failures" -gt 0 ]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all checks passed"
