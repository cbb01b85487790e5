// SPDX-License-Identifier: MIT
// fuzz_target - what every fuzz target here shares.
//
// SUMMARY
//   Each *_fuzz.cpp defines LLVMFuzzerTestOneInput(), the libFuzzer entry
//   point. Built with -Dfuzzing=true (clang), it is linked with libFuzzer;
//   in the ordinary builds the same file is linked with replay_main.cpp,
//   which feeds it every file of its seed corpus and of its regressions, so
//   that g++, ASan and UBSan builds check every input found so far.
//
//   A target fails by crashing: a sanitizer report, an uncaught exception
//   (anything but the error the code under test documents), or
//   fuzz_check() when a result breaks a rule the code promises.
//
// SEE ALSO
//   fuzz/meson.build, tools/test (runs each target for a bounded time).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

// fuzz_check - abort, naming the broken rule, when ok is false.
inline void fuzz_check(bool ok, const char* rule) {
  if (ok) return;
  std::fprintf(stderr, "fuzz_check failed: %s\n", rule);
  std::abort();
}
