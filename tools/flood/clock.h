// SPDX-License-Identifier: MIT
// NAME
//   clock - monotonic nanosecond time for pacing, progress and the report.
// DIAGNOSTICS
//   A failing clock_gettime() or clock_nanosleep() throws Failure; on Linux
//   with CLOCK_MONOTONIC neither can fail short of a broken system.
#pragma once

#include <cstdint>

namespace flood {

inline constexpr std::int64_t kNanosPerSecond = 1'000'000'000;

// monotonic_ns - CLOCK_MONOTONIC now, in nanoseconds.
std::int64_t monotonic_ns();

// sleep_until_ns - sleeps until CLOCK_MONOTONIC reaches when_ns (absolute), resuming after signals.
void sleep_until_ns(std::int64_t when_ns);

}  // namespace flood
