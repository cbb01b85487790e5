// SPDX-License-Identifier: MIT
// emulated_work_test - dgram-sink's per-datagram work (tools/sink/emulated_work.h):
// the range check of dgram_sink_work_usec from a table, and that a sleep
// lasts its time without using the CPU, a spin uses the CPU, and a sleep that
// a signal interrupts still lasts its whole time.
#include <signal.h>
#include <sys/time.h>
#include <time.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <optional>
#include <string>

#include "dgram/error.h"
#include "emulated_work.h"

namespace dgram::sink {
namespace {

using namespace std::chrono_literals;

struct UsecCase {
  int value;
  std::optional<std::string> fatal;  // the whole line, or none when accepted
};

class CheckWorkUsec : public ::testing::TestWithParam<UsecCase> {};

TEST_P(CheckWorkUsec, AcceptsTheRangeAndNamesTheParameterOtherwise) {
  const UsecCase& c = GetParam();
  if (!c.fatal) {
    EXPECT_NO_THROW(check_work_usec(c.value));
    return;
  }
  try {
    check_work_usec(c.value);
    ADD_FAILURE() << c.value << " was accepted";
  } catch (const Fatal& error) {
    EXPECT_EQ(std::string(error.what()), *c.fatal);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, CheckWorkUsec,
    ::testing::Values(UsecCase{0, std::nullopt}, UsecCase{1, std::nullopt}, UsecCase{1000, std::nullopt},
                      UsecCase{10'000'000, std::nullopt},
                      UsecCase{-1, "invalid dgram_sink_work_usec parameter value -1 < 0"},
                      UsecCase{10'000'001, "invalid dgram_sink_work_usec parameter value 10000001 > 10000000"}));

std::chrono::nanoseconds thread_cpu() {
  timespec t{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return std::chrono::seconds(t.tv_sec) + std::chrono::nanoseconds(t.tv_nsec);
}

struct Spent {
  std::chrono::nanoseconds wall;
  std::chrono::nanoseconds cpu;
};

Spent measure(const EmulatedWork& work) {
  auto cpu0 = thread_cpu();
  auto wall0 = std::chrono::steady_clock::now();
  emulate_work(work);
  return {std::chrono::steady_clock::now() - wall0, thread_cpu() - cpu0};
}

TEST(EmulateWork, ASleepLastsItsTimeAndLeavesTheCpuAlone) {
  Spent spent = measure({50'000, false});
  EXPECT_GE(spent.wall, 50ms);
  EXPECT_LT(spent.wall, 5s);  // not a wrong unit (50 s)
  EXPECT_LT(spent.cpu, 10ms);
}

TEST(EmulateWork, ASpinLastsItsTimeOnTheCpu) {
  Spent spent = measure({50'000, true});
  EXPECT_GE(spent.wall, 50ms);
  EXPECT_LT(spent.wall, 5s);
  // It runs the whole time; a busy machine may take some of it away.
  EXPECT_GE(spent.cpu, 15ms);
}

std::atomic<int> alarms{0};
void count_alarm(int) { alarms.fetch_add(1); }

// As the skeleton's SIGTERM latch does: a handler without SA_RESTART.
TEST(EmulateWork, ASleepThatSignalsInterruptLastsItsWholeTime) {
  struct sigaction action {}, previous {};
  action.sa_handler = count_alarm;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;
  ASSERT_EQ(::sigaction(SIGALRM, &action, &previous), 0);
  itimerval every_5ms{{0, 5000}, {0, 5000}}, off{};
  alarms = 0;
  ASSERT_EQ(::setitimer(ITIMER_REAL, &every_5ms, nullptr), 0);
  Spent spent = measure({60'000, false});
  ASSERT_EQ(::setitimer(ITIMER_REAL, &off, nullptr), 0);
  ASSERT_EQ(::sigaction(SIGALRM, &previous, nullptr), 0);
  EXPECT_GE(alarms.load(), 2);  // it was interrupted
  EXPECT_GE(spent.wall, 60ms);  // and slept on to the end
}

}  // namespace
}  // namespace dgram::sink
