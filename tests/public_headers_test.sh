#!/bin/sh
# SPDX-License-Identifier: MIT
# public_headers_test - the installed headers are exactly the public list,
# each compiles on its own, and a consumer on an older C++ standard gets one
# error that names C++20.
#   public_headers_test.sh SOURCE_ROOT BUILD_ROOT CXX
set -u
source_root=$1 build_root=$2 cxx=$3
expected="config.h cxx20.h embedding.h error.h events.h gate.h log.h param_tables.h server.h service.h unique_fd.h version.h"
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# 1. What meson installs under include/dgram, and what the folder holds.
installed=$(meson introspect --installed "$build_root" | python3 -c '
import json, sys
names = sorted(p.rsplit("/", 1)[1] for p in json.load(sys.stdin).values() if "/include/dgram/" in p)
print(" ".join(names))')
[ "$installed" = "$expected" ] || fail "installed headers: '$installed', expected '$expected'"
in_folder=$(cd "$source_root/include/dgram" && ls | tr '\n' ' ' | sed 's/ $//')
[ "$in_folder" = "$expected" ] || fail "include/dgram holds '$in_folder', expected '$expected'"

# 2. Each public header alone, with only the public folder on the path.
work=$(mktemp -d) || exit 1
trap 'rm -rf "$work"' EXIT
for header in $expected; do
  printf '#include "dgram/%s"\nint main() { return 0; }\n' "$header" > "$work/one.cpp"
  if ! "$cxx" -std=c++20 -Wall -Wextra -Wpedantic -Werror -fsyntax-only -I"$source_root/include" \
       "$work/one.cpp" 2> "$work/errors"; then
    fail "dgram/$header does not compile alone:"; cat "$work/errors"
  fi
done

# 3. C++17: one error, naming C++20.
printf '#include "dgram/server.h"\n#include "dgram/config.h"\nint main() { return 0; }\n' > "$work/old.cpp"
if "$cxx" -std=c++17 -fsyntax-only -I"$source_root/include" "$work/old.cpp" 2> "$work/errors"; then
  fail "C++17 compiled the public headers"
fi
count=$(grep -c 'error:' "$work/errors")
[ "$count" = 1 ] || { fail "C++17 gave $count errors, not 1:"; cat "$work/errors"; }
grep -q 'error: #error "dgram-server needs C++20' "$work/errors" || fail "the C++17 error does not name C++20"

# 4. For one release, 0.1's includes still find what moved to embedding.h:
#    the log sinks' helpers through log.h, Gate through service.h.
cat > "$work/log_only.cpp" <<'CODE'
#include <memory>
#include "dgram/log.h"
struct Target { void write(const dgram::LogRecord&) {} };
int main() {
  dgram::Log log("probe");
  log.set_sink(dgram::stderr_sink());
  log.add_record_sink(dgram::shared_record_sink(std::make_shared<Target>()));
  return dgram::severity_prefix(dgram::Severity::info)[0];
}
CODE
cat > "$work/service_only.cpp" <<'CODE'
#include <memory>
#include <string>
#include "dgram/service.h"
struct Turnstile : dgram::Gate {
  bool acquire() override { return true; }
  bool try_acquire() override { return true; }
  void release() override {}
};
int main() {
  dgram::Service service;
  service.gate = [](const std::string&) { return std::make_unique<Turnstile>(); };
  return service.gate ? 0 : 1;
}
CODE
for old in log_only service_only; do
  "$cxx" -std=c++20 -Wall -Wextra -Wpedantic -Werror -fsyntax-only -I"$source_root/include" \
    "$work/$old.cpp" 2> "$work/errors" || { fail "0.1 code ($old.cpp) no longer compiles:"; cat "$work/errors"; }
done

[ "$failures" = 0 ] && echo "public headers: $expected"
exit "$failures"
