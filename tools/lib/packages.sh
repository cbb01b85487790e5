# SPDX-License-Identifier: MIT
# packages.sh - sourced by tools/test and tools/demo: installs, on Debian 12,
# the packages the build, the tests and the demo need, when they are missing.
#
#   install_packages      apt-get install whatever is missing (sudo when not
#                         root; apt-get update only when something is missing)
#
# Postfix is installed without configuration and without ever starting the
# system instance: debconf is preseeded with "No configuration" and a
# policy-rc.d that exits 101 forbids package scripts to start services while
# it installs (it is removed afterwards when this script created it).

packages_sudo=()
if [ "$(id -u)" -ne 0 ]; then packages_sudo=(sudo); fi

# What the build and the tests use, as Debian 12 packages. iproute2 gives ss,
# which the consumer test uses to see that a socket's queue has drained;
# clang-14 and libclang-rt-14-dev (libFuzzer) build the fuzz targets;
# systemd gives systemd-analyze and procps /bin/kill, which the units test
# checks the units of systemd/ with (no systemd as PID 1 needed); mandoc
# lints the manual pages of man/ (the man-pages test); python3-prometheus-client
# parses dgram-stat --openmetrics (the stat test), as a scraper would.
packages=(meson ninja-build pkg-config g++ libevent-dev googletest libgtest-dev libgmock-dev
  libbenchmark-dev python3 strace iproute2 util-linux clang-14 libclang-rt-14-dev systemd procps
  mandoc python3-prometheus-client)

# missing_packages - the names among "$@" that dpkg does not list as installed.
missing_packages() {
  local name
  for name in "$@"; do
    [ "$(dpkg-query -W -f='${Status}' "$name" 2>/dev/null)" = "install ok installed" ] || echo "$name"
  done
}

packages_created_policy=0
# remove_policy - takes away the policy-rc.d that this script put in place.
remove_policy() {
  if [ "$packages_created_policy" = 1 ]; then
    "${packages_sudo[@]}" rm -f /usr/sbin/policy-rc.d
    packages_created_policy=0
  fi
}

apt_install() {
  "${packages_sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends "$@"
}

# install_packages - apt-get install for whatever is missing; 0 when all is there.
install_packages() {
  if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
    echo "not a Debian system: installing nothing, using the tools on PATH"
    return 0
  fi
  local missing
  mapfile -t missing < <(missing_packages "${packages[@]}" "$@" postfix)
  [ "${#missing[@]}" -eq 0 ] && return 0
  echo "installing missing packages: ${missing[*]}"
  "${packages_sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q || return 1

  local others=() name want_postfix=0
  for name in "${missing[@]}"; do
    if [ "$name" = postfix ]; then want_postfix=1; else others+=("$name"); fi
  done
  if [ "${#others[@]}" -gt 0 ]; then
    apt_install "${others[@]}" || return 1
  fi
  if [ "$want_postfix" = 1 ]; then
    echo 'postfix postfix/main_mailer_type select No configuration' |
      "${packages_sudo[@]}" debconf-set-selections || return 1
    if [ ! -e /usr/sbin/policy-rc.d ]; then
      printf '#!/bin/sh\nexit 101\n' | "${packages_sudo[@]}" tee /usr/sbin/policy-rc.d >/dev/null &&
        "${packages_sudo[@]}" chmod 755 /usr/sbin/policy-rc.d && packages_created_policy=1
    fi
    apt_install postfix
    local status=$?
    remove_policy
    [ "$status" -eq 0 ] || return 1
  fi
  return 0
}

# install_quiet_packages NAME... - apt-get install whatever of NAME... is
# missing, with a policy-rc.d that exits 101 in place for the whole install,
# so that a package that ships a service (rsyslog) is installed but its
# service is never started. Used by bench/flood-compare for its extras
# (rsyslog, gnuplot-nox, linux-perf, the libraries of the syslog-ng it
# unpacks). 0 when all is there.
install_quiet_packages() {
  command -v dpkg-query >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 || return 0
  local missing
  mapfile -t missing < <(missing_packages "$@")
  [ "${#missing[@]}" -eq 0 ] && return 0
  echo "installing missing packages: ${missing[*]}"
  "${packages_sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q || return 1
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | "${packages_sudo[@]}" tee /usr/sbin/policy-rc.d >/dev/null &&
      "${packages_sudo[@]}" chmod 755 /usr/sbin/policy-rc.d && packages_created_policy=1
  fi
  apt_install "${missing[@]}"
  local status=$?
  remove_policy
  return "$status"
}
