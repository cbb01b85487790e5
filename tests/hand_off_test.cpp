// SPDX-License-Identifier: MIT
// hand_off_test - the hand-off decisions from tables, and the hand-off as a
// table of interleavings (wake-ups, checks between datagrams, the timer's
// handler) against a gate that writes down what is done to it and a status
// channel whose records this test reads.
#include "serve/hand_off.h"

#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <cstdint>
#include <string>
#include <vector>

#include "dgram/error.h"
#include "dgram/unique_fd.h"
#include "start/master_supervisor.h"

namespace dgram {
namespace {

constexpr std::uint64_t kUs = 1000;
constexpr std::uint64_t kMs = 1000 * kUs;

TEST(HandOffDecisions, TurnsAreWatchedWhereBeingBusyChangesSomethingAndAThresholdIsSet) {
  struct Row {
    HandOffSettings settings;
    bool watched;
  };
  const std::vector<Row> rows{
      {{1 * kMs, true, true}, true},    // sharing the socket under the master
      {{1 * kMs, false, true}, true},   // a gate alone would do
      {{1 * kMs, true, false}, true},   // reports alone (Postfix-compatible -l has threshold 0, though)
      {{1 * kMs, false, false}, false}, // alone on its socket: nothing to hand on
      {{0, true, true}, false},         // Postfix's hand-off: every wake-up busy, nothing to watch
  };
  for (const auto& row : rows) {
    EXPECT_EQ(turns_watched(row.settings), row.watched)
        << row.settings.busy_after_ns << " " << row.settings.report_status << " " << row.settings.has_gate;
  }
}

TEST(HandOffDecisions, AWakeUpIsBusyFromItsStartWithoutAThresholdForSlowDatagramsAndForAFlowPause) {
  struct Row {
    HandOffSettings settings;
    bool slow;
    bool flow_pause;
    bool busy;
  };
  const HandOffSettings shared{1 * kMs, true, true};
  const HandOffSettings every{0, true, true};
  const HandOffSettings alone{1 * kMs, false, false};
  const HandOffSettings alone_every{0, false, false};
  const std::vector<Row> rows{
      {shared, false, false, false}, {shared, true, false, true},  {shared, false, true, true},
      {every, false, false, true},   {every, true, true, true},    {alone, true, true, false},
      {alone_every, false, false, false},
  };
  for (std::size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(busy_from_start(rows[i].settings, rows[i].slow, rows[i].flow_pause), rows[i].busy) << "row " << i;
  }
}

TEST(HandOffDecisions, HandOnAfterALongCallbackOrALongStreakWhereASiblingCouldRunBeside) {
  struct Row {
    std::uint64_t streak, callback;
    HandOffSettings settings;
    bool hand_on;
  };
  const HandOffSettings two{1 * kMs, true, true, true};
  const HandOffSettings one{1 * kMs, true, true, false};
  const HandOffSettings none{0, true, true, true};
  const std::vector<Row> rows{
      {999 * kUs, 10 * kUs, two, false}, {1 * kMs, 10 * kUs, two, true},   {5 * kMs, 999 * kUs, two, true},
      {500 * kUs, 1 * kMs, two, true},   {5 * kMs, 10 * kUs, one, false},  {5 * kMs, 1 * kMs, one, true},
      {5 * kMs, 5 * kMs, none, false},  // no threshold: never by time
  };
  for (std::size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(hand_on_now(rows[i].streak, rows[i].callback, rows[i].settings), rows[i].hand_on) << "row " << i;
  }
}

TEST(HandOffDecisions, DatagramsAreSlowWhenEachTookTheThreshold) {
  EXPECT_TRUE(datagrams_were_slow(3 * kMs, 3, 1 * kMs));
  EXPECT_FALSE(datagrams_were_slow(3 * kMs, 4, 1 * kMs));
  EXPECT_FALSE(datagrams_were_slow(3 * kMs, 0, 1 * kMs));
  EXPECT_FALSE(datagrams_were_slow(3 * kMs, 1, 0));
}

// A gate that writes "-" for release(), "s" for a release from the signal
// handler (or refuses it, or fails it with an errno).
class FakeGate final : public Gate {
 public:
  explicit FakeGate(int in_handler = 0) : in_handler_(in_handler) {}
  bool acquire() override {
    ops += "+";
    return true;
  }
  void release() override { ops += "-"; }
  int release_in_signal_handler() noexcept override {
    if (in_handler_ == 0) ops += "s";
    return in_handler_;
  }
  std::string ops;

 private:
  int in_handler_;
};

struct Step {
  enum Kind { begin_quiet, begin_busy, check, timer, end_empty, end_more, become_busy } kind;
  std::uint64_t at;
  std::size_t served = 0;
  std::uint64_t timer_says = 0;  // for timer: what on_timer returns
};

struct Interleaving {
  const char* name;
  HandOffSettings settings;
  int in_handler;  // what FakeGate::release_in_signal_handler returns
  std::vector<Step> steps;
  std::string gate_ops;
  std::string records;
  bool holds_gate_after;
  bool slow_after;
};

class HandOffInterleavings : public ::testing::TestWithParam<Interleaving> {};

std::string read_records(int fd) {
  std::string letters;
  StatusRecord record;
  while (::recv(fd, &record, sizeof(record), MSG_DONTWAIT) == static_cast<ssize_t>(sizeof(record))) {
    letters += record.avail == 1 ? "A" : record.avail == 0 ? "T" : "?";
  }
  return letters;
}

TEST_P(HandOffInterleavings, DoWhatTheTableSays) {
  const Interleaving& row = GetParam();
  int fds[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
  UniqueFd master(fds[0]);
  UniqueFd child(fds[1]);
  MasterSupervisor status(StatusChannel(row.settings.report_status ? child.get() : -1, ::getpid(), 0));
  FakeGate gate(row.in_handler);
  HandOff hand_off(row.settings.has_gate ? &gate : nullptr, status, row.settings);
  if (row.settings.has_gate) {
    EXPECT_FALSE(hand_off.holds_gate());
    hand_off.gate_taken();
  }
  ASSERT_TRUE(hand_off.holds_gate());
  for (std::size_t i = 0; i < row.steps.size(); ++i) {
    const Step& step = row.steps[i];
    SCOPED_TRACE("step " + std::to_string(i));
    switch (step.kind) {
      case Step::begin_quiet: hand_off.begin(false, step.at); break;
      case Step::begin_busy: hand_off.begin(true, step.at); break;
      case Step::check: hand_off.check(step.at); break;
      case Step::become_busy: hand_off.become_busy(); break;
      case Step::timer: EXPECT_EQ(hand_off.on_timer(step.at), step.timer_says); break;
      case Step::end_empty: EXPECT_TRUE(hand_off.end(step.at, step.served, true)); break;
      case Step::end_more: EXPECT_TRUE(hand_off.end(step.at, step.served, false)); break;
    }
  }
  EXPECT_EQ(gate.ops, row.gate_ops);
  EXPECT_EQ(read_records(master.get()), row.records);
  EXPECT_EQ(hand_off.holds_gate(), row.holds_gate_after);
  EXPECT_EQ(hand_off.slow(), row.slow_after);
}

const HandOffSettings kShared{1 * kMs, true, true};

INSTANTIATE_TEST_SUITE_P(
    Table, HandOffInterleavings,
    ::testing::Values(
        Interleaving{"QuietWakeUpThatDrainsKeepsTheGateAndSaysNothing", kShared, 0,
                     {{Step::begin_quiet, 0}, {Step::check, 500 * kUs}, {Step::end_empty, 600 * kUs, 10}},
                     "", "", true, false},
        Interleaving{"AStreakPastTheThresholdHandsOnBetweenDatagrams", kShared, 0,
                     {{Step::begin_quiet, 0}, {Step::check, 1200 * kUs}, {Step::check, 1300 * kUs},
                      {Step::end_empty, 1500 * kUs, 100}},
                     "-", "TA", false, false},
        Interleaving{"AStreakGoesOnAcrossWakeUpsThatDidNotFindTheSocketEmpty", kShared, 0,
                     {{Step::begin_quiet, 0}, {Step::end_more, 600 * kUs, 10}, {Step::begin_quiet, 700 * kUs},
                      {Step::check, 1100 * kUs}, {Step::end_empty, 1200 * kUs, 10}},
                     "-", "TA", false, false},
        Interleaving{"FindingTheSocketEmptyEndsTheStreak", kShared, 0,
                     {{Step::begin_quiet, 0}, {Step::end_empty, 600 * kUs, 10}, {Step::begin_quiet, 700 * kUs},
                      {Step::check, 1100 * kUs}, {Step::end_empty, 1200 * kUs, 10}},
                     "", "", true, false},
        Interleaving{"TheTimerHandsOnDuringOneLongCallbackAndTheDatagramIsSlow", kShared, 0,
                     {{Step::begin_quiet, 0}, {Step::timer, 1 * kMs, 1, 0}, {Step::check, 2 * kMs},
                      {Step::end_empty, 5 * kMs, 1}},
                     "s", "TA", false, true},
        Interleaving{"TheTimerComingEarlyAsksToBeSetForWhatIsLeft", kShared, 0,
                     {{Step::begin_quiet, 500 * kUs}, {Step::timer, 1 * kMs, 0, 500 * kUs},
                      {Step::end_empty, 1200 * kUs, 10}},
                     "", "", true, false},
        Interleaving{"TheTimerBetweenWakeUpsDoesNothingAndStops", kShared, 0,
                     {{Step::timer, 5 * kMs, 0, 0}, {Step::begin_quiet, 6 * kMs}, {Step::end_empty, 6100 * kUs, 1},
                      {Step::timer, 9 * kMs, 0, 0}},
                     "", "", true, false},
        Interleaving{"AGateThatCannotLetGoInAHandlerIsHandedOnWhenTheCallbackReturns", kShared, -1,
                     {{Step::begin_quiet, 0}, {Step::timer, 1200 * kUs, 0, 0}, {Step::check, 1300 * kUs},
                      {Step::end_empty, 1400 * kUs, 2}},
                     "-", "TA", false, false},
        Interleaving{"AfterTheLoopHandedOnTheTimerDoesNothing", kShared, 0,
                     {{Step::begin_quiet, 0}, {Step::check, 1100 * kUs}, {Step::timer, 2 * kMs, 0, 0},
                      {Step::end_more, 3 * kMs, 50}},
                     "-", "TA", false, false},
        Interleaving{"PostfixsHandOffReleasesAndReportsBeforeAnythingIsRead", {0, true, true}, 0,
                     {{Step::begin_busy, 0}, {Step::check, 5 * kMs}, {Step::end_empty, 6 * kMs, 1}},
                     "-", "TA", false, false},
        Interleaving{"AFlowPauseMakesAQuietWakeUpBusy", kShared, 0,
                     {{Step::begin_quiet, 0}, {Step::become_busy, 0}, {Step::end_empty, 10 * kUs, 1}},
                     "-", "TA", false, false},
        Interleaving{"OnOneCpuALongStreakStaysQuiet", {1 * kMs, true, true, false}, 0,
                     {{Step::begin_quiet, 0}, {Step::check, 400 * kUs}, {Step::check, 800 * kUs},
                      {Step::check, 1200 * kUs}, {Step::end_more, 1300 * kUs, 30}, {Step::begin_quiet, 1400 * kUs},
                      {Step::check, 1800 * kUs}, {Step::end_empty, 1900 * kUs, 10}},
                     "", "", true, false},
        Interleaving{"OnOneCpuOneLongCallbackIsStillHandedOn", {1 * kMs, true, true, false}, 0,
                     {{Step::begin_quiet, 0}, {Step::timer, 1 * kMs, 0, 0}, {Step::end_empty, 3 * kMs, 1}},
                     "s", "TA", false, true},
        Interleaving{"OnOneCpuTheTimerWaitsForTheCallbackNotTheStreak", {1 * kMs, true, true, false}, 0,
                     {{Step::begin_quiet, 0}, {Step::check, 900 * kUs}, {Step::timer, 1500 * kUs, 0, 400 * kUs},
                      {Step::end_empty, 1600 * kUs, 2}},
                     "", "", true, false},
        Interleaving{"WithoutAGateOnlyTheReportsChange", {0, true, false}, 0,
                     {{Step::begin_busy, 0}, {Step::end_empty, 10 * kUs, 1}, {Step::begin_busy, 20 * kUs},
                      {Step::end_empty, 30 * kUs, 1}},
                     "", "TATA", true, false}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(HandOff, AReleaseThatFailedInTheHandlerIsFatalWithItsErrnoWhenTheWakeUpEnds) {
  int fds[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
  UniqueFd master(fds[0]);
  UniqueFd child(fds[1]);
  MasterSupervisor status(StatusChannel(child.get(), ::getpid(), 0));
  FakeGate gate(EROFS);
  HandOff hand_off(&gate, status, kShared);
  hand_off.gate_taken();
  hand_off.begin(false, 0);
  EXPECT_EQ(hand_off.on_timer(2 * kMs), 0u);
  try {
    hand_off.end(3 * kMs, 1, true);
    FAIL() << "no Fatal";
  } catch (const Fatal& fatal) {
    EXPECT_EQ(fatal.error_number(), EROFS);
    EXPECT_NE(std::string(fatal.what()).find("release the gate during a long callback"), std::string::npos)
        << fatal.what();
  }
  EXPECT_EQ(read_records(master.get()), "T");
}

TEST(HandOff, AFailedAvailWriteIsReported) {
  ::signal(SIGPIPE, SIG_IGN);  // as the skeleton does
  int fds[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
  UniqueFd master(fds[0]);
  UniqueFd child(fds[1]);
  MasterSupervisor status(StatusChannel(child.get(), ::getpid(), 0));
  FakeGate gate;
  HandOff hand_off(&gate, status, HandOffSettings{0, true, true});
  hand_off.gate_taken();
  hand_off.begin(true, 0);
  master.reset();  // the master went away
  EXPECT_FALSE(hand_off.end(1, 1, true));
}

}  // namespace
}  // namespace dgram
