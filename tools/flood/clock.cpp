// SPDX-License-Identifier: MIT
// clock - CLOCK_MONOTONIC reading and absolute sleeping.
#include "clock.h"

#include <cerrno>
#include <ctime>

#include "failure.h"

namespace flood {

std::int64_t monotonic_ns() {
  timespec now{};
  if (::clock_gettime(CLOCK_MONOTONIC, &now) != 0) {
    throw errno_failure(kExitSendFailed, "clock_gettime(CLOCK_MONOTONIC)", errno);
  }
  return static_cast<std::int64_t>(now.tv_sec) * kNanosPerSecond + now.tv_nsec;
}

void sleep_until_ns(std::int64_t when_ns) {
  timespec when{};
  when.tv_sec = static_cast<time_t>(when_ns / kNanosPerSecond);
  when.tv_nsec = static_cast<long>(when_ns % kNanosPerSecond);
  for (;;) {
    // clock_nanosleep returns the error number instead of setting errno.
    int error = ::clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &when, nullptr);
    if (error == 0) return;
    if (error != EINTR) throw errno_failure(kExitSendFailed, "clock_nanosleep", error);
  }
}

}  // namespace flood
