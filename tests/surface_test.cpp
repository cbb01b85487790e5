// SPDX-License-Identifier: MIT
// surface_test - the 0.2 surface: the loop hook's LoopWait, made from int
// seconds as before 0.2 or from std::chrono durations, and
// Flags::watchdog_timeout; and the hooks of a service written against 0.1
// (surface_old.cpp) still meaning what they meant. Built with the public
// headers only.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>

#include "dgram/config.h"
#include "dgram/embedding.h"
#include "dgram/service.h"
#include "surface_old.h"

namespace {

using namespace std::chrono_literals;
using dgram::LoopWait;

// Compile-time: the named values and the two ways of making one.
static_assert(LoopWait::forever().is_forever());
static_assert(LoopWait(-1) == LoopWait::forever());
static_assert(LoopWait(0) == LoopWait::no_wait());
static_assert(LoopWait(0ms) == LoopWait::no_wait());
static_assert(LoopWait(5).timeout() == 5s);
static_assert(!LoopWait(250ms).is_forever());

TEST(LoopWait, IntSecondsMeanWhatTheyMeantBefore) {
  EXPECT_TRUE(LoopWait(-1).is_forever());
  EXPECT_TRUE(LoopWait(-7).is_forever());
  EXPECT_FALSE(LoopWait(0).is_forever());
  EXPECT_EQ(LoopWait(0).timeout(), 0ms);
  EXPECT_EQ(LoopWait(3).timeout(), 3000ms);
}

TEST(LoopWait, DurationsKeepTheirMilliseconds) {
  EXPECT_FALSE(LoopWait(250ms).is_forever());
  EXPECT_EQ(LoopWait(250ms).timeout(), 250ms);
  EXPECT_EQ(LoopWait(2min).timeout(), 120'000ms);
  EXPECT_EQ(LoopWait(std::chrono::duration<double>(0.25)).timeout(), 250ms);
}

TEST(LoopWait, FinerThanAMillisecondIsRoundedUpNeverToAPoll) {
  EXPECT_EQ(LoopWait(1us).timeout(), 1ms);
  EXPECT_EQ(LoopWait(1500us).timeout(), 2ms);
  EXPECT_EQ(LoopWait(1ns), LoopWait(1ms));
}

TEST(LoopWait, APassedDeadlinePollsAndACenturyIsForever) {
  EXPECT_EQ(LoopWait(-5ms), LoopWait::no_wait());
  EXPECT_EQ(LoopWait(-1s), LoopWait::no_wait());
  EXPECT_TRUE(LoopWait(std::chrono::hours(24 * 365 * 100)).is_forever());
  EXPECT_TRUE(LoopWait(std::chrono::seconds::max()).is_forever());
  EXPECT_TRUE(LoopWait(std::chrono::nanoseconds::max()).is_forever());
  EXPECT_FALSE(LoopWait(std::chrono::hours(24 * 365 * 99)).is_forever());
}

// An Events that no hook here uses: a Context needs one.
class NoEvents : public dgram::Events {
 public:
  dgram::EventHandle after(std::chrono::milliseconds, Callback) override { return {}; }
  dgram::EventHandle every(std::chrono::milliseconds, Callback) override { return {}; }
  dgram::EventHandle when_readable(int, Callback) override { return {}; }
  dgram::EventHandle when_writable(int, Callback) override { return {}; }
  dgram::EventHandle on_signal(int, Callback) override { return {}; }
  void stop() override {}
};

class Hooks : public ::testing::Test {
 protected:
  dgram::Log log_{"surface-test"};
  dgram::Config config_;
  NoEvents events_;
  dgram::Context context_{"surface-test", {}, log_, config_, events_};
};

TEST_F(Hooks, ALoopHookReturnsIntSecondsOrDurations) {
  dgram::Hooks hooks;
  hooks.loop = [](dgram::Context&) { return -1; };
  EXPECT_TRUE(hooks.loop(context_).is_forever());
  hooks.loop = [](dgram::Context&) { return 250ms; };
  EXPECT_EQ(hooks.loop(context_).timeout(), 250ms);
  hooks.loop = [](dgram::Context&) { return LoopWait::no_wait(); };
  EXPECT_EQ(hooks.loop(context_).timeout(), 0ms);
}

TEST_F(Hooks, AServiceWrittenFor01KeepsItsMeaning) {
  dgram::Service service = dgram_test::old_style_service();
  LoopWait wait = service.hooks.loop(context_);
  EXPECT_FALSE(wait.is_forever());
  EXPECT_EQ(wait.timeout(), 5s);
  EXPECT_EQ(service.flags.watchdog_seconds, 30);
  EXPECT_FALSE(service.flags.watchdog_timeout.has_value());
  std::unique_ptr<dgram::Gate> gate = service.gate("/nonexistent/lock");
  ASSERT_NE(gate, nullptr);
  EXPECT_TRUE(gate->acquire());
  EXPECT_FALSE(gate->try_acquire());  // the default: not without waiting
}

TEST(WatchdogTimeout, TakesWholeSecondsAndCoarser) {
  dgram::Flags flags;
  flags.watchdog_timeout = 2min;
  EXPECT_EQ(flags.watchdog_timeout, 120s);
  flags.watchdog_timeout = std::chrono::seconds(45);
  EXPECT_EQ(flags.watchdog_timeout->count(), 45);
}

}  // namespace
