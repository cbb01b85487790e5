// SPDX-License-Identifier: MIT
// turn_timer_bench - what setting the turn timer costs, near and far.
//
// The turn timer (lib/turn_timer.h) is a timerfd. Setting a time that
// becomes the CPU's next timer event reprograms the CPU's timer, which on a
// virtual machine is a trap to the hypervisor; a time later than the next
// event is only queued. BM_ArmAndClear sets a time of Arg microseconds and
// clears it again, as a turn timer armed when a turn begins and disarmed when
// it ends would do per batch; 1000 us is the default busy threshold, 60 s a
// time that never comes first. BM_ArmOnly sets the time again without
// clearing it (the kernel replaces the pending time). The DispatchLoop sets
// the timer before each wait instead, and in a flood once per threshold:
// these rows are what that saves.
#include <sys/timerfd.h>
#include <unistd.h>

#include <benchmark/benchmark.h>

#include <cstdint>

#include "dgram/error.h"
#include "dgram/unique_fd.h"

namespace {

dgram::UniqueFd make_timer() {
  int fd = ::timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
  if (fd < 0) dgram::throw_errno("timerfd_create");
  return dgram::UniqueFd(fd);
}

itimerspec after_us(std::int64_t us) {
  itimerspec when{};
  when.it_value.tv_sec = static_cast<time_t>(us / 1000000);
  when.it_value.tv_nsec = static_cast<long>((us % 1000000) * 1000);
  return when;
}

void BM_ArmAndClear(benchmark::State& state) {
  dgram::UniqueFd timer = make_timer();
  itimerspec when = after_us(state.range(0));
  itimerspec never{};
  for (auto _ : state) {
    if (::timerfd_settime(timer.get(), 0, &when, nullptr) < 0 ||
        ::timerfd_settime(timer.get(), 0, &never, nullptr) < 0) {
      state.SkipWithError("timerfd_settime failed");
      break;
    }
  }
}
BENCHMARK(BM_ArmAndClear)->Arg(1000)->Arg(60000000);

void BM_ArmOnly(benchmark::State& state) {
  dgram::UniqueFd timer = make_timer();
  itimerspec when = after_us(state.range(0));
  for (auto _ : state) {
    if (::timerfd_settime(timer.get(), 0, &when, nullptr) < 0) {
      state.SkipWithError("timerfd_settime failed");
      break;
    }
  }
}
BENCHMARK(BM_ArmOnly)->Arg(1000)->Arg(60000000);

}  // namespace

BENCHMARK_MAIN();
