// SPDX-License-Identifier: MIT
// emulated_work - sleeping or spinning for a fixed time per datagram.
#include "emulated_work.h"

#include <time.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "dgram/error.h"

namespace dgram::sink {

namespace {

constexpr long kNanosPerSecond = 1'000'000'000L;

// now - CLOCK_MONOTONIC, or Fatal.
timespec now() {
  timespec t{};
  if (::clock_gettime(CLOCK_MONOTONIC, &t) != 0) throw_errno("clock_gettime CLOCK_MONOTONIC");
  return t;
}

// deadline_after - the CLOCK_MONOTONIC time usec microseconds from now.
timespec deadline_after(int usec) {
  timespec t = now();
  long nanos = t.tv_nsec + static_cast<long>(usec % 1'000'000) * 1000L;
  t.tv_sec += usec / 1'000'000 + nanos / kNanosPerSecond;
  t.tv_nsec = nanos % kNanosPerSecond;
  return t;
}

bool before(const timespec& a, const timespec& b) {
  return a.tv_sec < b.tv_sec || (a.tv_sec == b.tv_sec && a.tv_nsec < b.tv_nsec);
}

// sleep_until - asleep until deadline; an interrupted sleep resumes.
void sleep_until(const timespec& deadline) {
  int error;
  while ((error = ::clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &deadline, nullptr)) == EINTR) {
  }
  if (error != 0) throw Fatal(std::string("clock_nanosleep CLOCK_MONOTONIC: ") + std::strerror(error), error);
}

// spin_until - on the CPU until deadline.
void spin_until(const timespec& deadline) {
  while (before(now(), deadline)) {
  }
}

}  // namespace

void check_work_usec(int value) {
  if (value < 0)
    throw Fatal(std::string("invalid ") + kWorkUsecName + " parameter value " + std::to_string(value) + " < 0");
  if (value > kMaxWorkUsec)
    throw Fatal(std::string("invalid ") + kWorkUsecName + " parameter value " + std::to_string(value) + " > " +
                std::to_string(kMaxWorkUsec));
}

void emulate_work(const EmulatedWork& work) {
  timespec deadline = deadline_after(work.usec);
  if (work.spin) {
    spin_until(deadline);
  } else {
    sleep_until(deadline);
  }
}

}  // namespace dgram::sink
