#!/bin/bash
# SPDX-License-Identifier: MIT
# units_test - the systemd units of systemd/ pass systemd-analyze verify, the
# installed ones differ from the tested ones only in ExecStart=, meson
# installs what it should, and a broken unit fails the check.
#   units_test.sh UNIT_BUILD_DIR DAEMON_DIR UNIT_INSTALL_DIR BUILD_ROOT NAME...
# NAME.build-tree (ExecStart= the built program) is verified as NAME, next to
# the installable NAME in UNIT_BUILD_DIR. UNIT_INSTALL_DIR is "-" when the
# units are not installed (-Dsystemd_units).
#
# systemd-analyze verify needs no systemd as PID 1. Its exit status is not
# enough: an unknown setting is only a warning, with status 0. So any line
# it prints that names one of our units, or the folder they are in, fails;
# lines about other units of this machine are shown and ignored.
set -u
unit_dir=$1 daemon_dir=$2 install_dir=$3 build_root=$4
shift 4
names=("$@")
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

if ! command -v systemd-analyze >/dev/null 2>&1; then
  echo "FAIL: systemd-analyze not found: install the Debian package 'systemd'" \
    "(apt-get install systemd; tools/test does it)"
  exit 1
fi

work=$(mktemp -d) || exit 1
trap 'rm -rf "$work"' EXIT

# verify_units DIR - systemd-analyze verify on every NAME in DIR; prints its
# complaints about them and returns 1 when there is any.
verify_units() {
  local dir=$1 status=0 output line ours=0 name files=()
  for name in "${names[@]}"; do files+=("$dir/$name"); done
  output=$(systemd-analyze verify --man=no "${files[@]}" 2>&1) || status=$?
  while IFS= read -r line; do
    [ -n "$line" ] || continue
    local about_ours=0
    case $line in *"$dir"*) about_ours=1 ;; esac
    for name in "${names[@]}"; do
      case $line in *"$name"*) about_ours=1 ;; esac
    done
    if [ "$about_ours" = 1 ]; then
      echo "  $line"
      ours=1
    else
      echo "  (not about our units, ignored) $line"
    fi
  done <<<"$output"
  if [ "$status" != 0 ]; then
    echo "  systemd-analyze verify: exit status $status"
    return 1
  fi
  return "$ours"
}

# 1. The build-tree variants, under their real names.
mkdir "$work/good"
for name in "${names[@]}"; do
  cp "$unit_dir/$name.build-tree" "$work/good/$name" || fail "no $unit_dir/$name.build-tree"
done
echo "systemd-analyze verify ($(systemd-analyze --version | head -1)): ${names[*]}"
verify_units "$work/good" || fail "systemd-analyze verify complains about the units (above)"

# exec_program VALUE - the program an ExecStart= value names: its first
# word, or the quoted path of a program with a blank, '%%' read as '%'.
exec_program() {
  local value=$1
  case $value in
    \"*) value=${value#\"} value=${value%%\"*} ;;
    *) value=${value%% *} ;;
  esac
  printf '%s\n' "${value//%%/%}"
}

# 2. Installed and tested variants differ only in ExecStart=, and the
#    installed one starts the program in daemon_dir.
for name in "${names[@]}"; do
  if ! diff <(grep -v '^ExecStart=' "$unit_dir/$name") \
    <(grep -v '^ExecStart=' "$unit_dir/$name.build-tree") >"$work/diff"; then
    fail "$name and $name.build-tree differ beyond ExecStart=:"
    cat "$work/diff"
  fi
  case $name in
    *.service)
      exec=$(grep '^ExecStart=' "$unit_dir/$name")
      program=$(exec_program "${exec#ExecStart=}")
      [ "$program" = "$daemon_dir/${name%.service}" ] ||
        fail "$name: '$exec' starts '$program', expected '$daemon_dir/${name%.service}'"
      ;;
  esac
done

# 3. What meson installs: the units (or none) and the programs they start.
installed=$(meson introspect --installed "$build_root" | python3 -c '
import json, sys
for path in sorted(json.load(sys.stdin).values()):
    print(path)')
expected_units=""
if [ "$install_dir" != - ]; then
  for name in "${names[@]}"; do expected_units+="$install_dir/$name"$'\n'; done
  expected_units=$(LC_ALL=C sort <<<"${expected_units%$'\n'}")
fi
actual_units=$(grep -E '/dgram-[^/]*\.(socket|service)$' <<<"$installed" | LC_ALL=C sort)
[ "$actual_units" = "$expected_units" ] ||
  fail "installed units: '$actual_units', expected '$expected_units'"
for name in "${names[@]}"; do
  case $name in
    *.service)
      grep -qxF "$daemon_dir/${name%.service}" <<<"$installed" ||
        fail "meson does not install $daemon_dir/${name%.service}"
      ;;
  esac
done

# 4. Broken units must fail: each unit with an unknown setting (a warning,
#    exit status 0), each service with a program that is not there and each
#    socket with an address that is no address (errors).
# mutated NAME SED-SCRIPT WHAT - verify the good set with NAME edited.
mutated() {
  local name=$1 script=$2 what=$3 dir=$work/bad
  rm -rf "$dir"
  cp -r "$work/good" "$dir"
  sed -i "$script" "$dir/$name"
  if cmp -s "$work/good/$name" "$dir/$name"; then
    fail "mutation '$what' of $name changed nothing"
    return
  fi
  echo "broken on purpose: $name, $what"
  if verify_units "$dir"; then
    fail "systemd-analyze verify took $name with $what"
  fi
}
for name in "${names[@]}"; do
  mutated "$name" '/^\[\(Socket\|Service\)\]$/a NoSuchSetting=1' "an unknown setting"
  case $name in
    *.service) mutated "$name" 's|^ExecStart=.*|ExecStart=/nonexistent/program|' "a missing program" ;;
    *.socket) mutated "$name" 's|^ListenDatagram=.*|ListenDatagram=not-an-address|' "a bad address" ;;
  esac
done

[ "$failures" = 0 ] && echo "units: ${names[*]} verified; every broken variant was caught"
exit "$((failures > 0))"
