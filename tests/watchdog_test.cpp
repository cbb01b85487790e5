// SPDX-License-Identifier: MIT
// watchdog_test - the tick decision as tables, arming rules in-process, and
// real timers in forked children: stuck turns die with status 1 and the line,
// idle and busy-but-progressing children live.
#include "serve/watchdog.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "dgram/error.h"
#include "dgram/unique_fd.h"
#include "support/temp_dir.h"

namespace dgram {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr std::uint64_t kLimit = kWatchdogTicksPerLimit;

// ---------------------------------------------------------------------------
// watchdog_tick: what a sequence of ticks decides.

// Progress words as waiting()/working() write them.
constexpr std::uint64_t working_in(std::uint64_t turn) { return turn << 1; }
constexpr std::uint64_t waiting_after(std::uint64_t turn) { return (turn << 1) | 1u; }

struct Tick {
  std::uint64_t progress;
  std::uint64_t elapsed = 1;
};

std::vector<Tick> repeat(std::uint64_t progress, std::size_t count) {
  return std::vector<Tick>(count, Tick{progress, 1});
}

std::vector<Tick> operator+(std::vector<Tick> a, const std::vector<Tick>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// The index of the tick that decided "expired", or -1.
long first_expiry(const std::vector<Tick>& ticks) {
  WatchdogTicks seen;
  for (std::size_t i = 0; i < ticks.size(); ++i) {
    if (watchdog_tick(seen, ticks[i].progress, ticks[i].elapsed, kLimit)) {
      return static_cast<long>(i);
    }
  }
  return -1;
}

std::vector<Tick> one_turn_per_tick(std::size_t count) {
  std::vector<Tick> ticks;
  for (std::size_t i = 1; i <= count; ++i) ticks.push_back(Tick{working_in(i), 1});
  return ticks;
}

// Turns that are each seen at `per_turn` consecutive ticks.
std::vector<Tick> turns_seen(std::size_t turns, std::size_t per_turn) {
  std::vector<Tick> ticks;
  for (std::size_t i = 1; i <= turns; ++i) ticks = ticks + repeat(working_in(i), per_turn);
  return ticks;
}

struct TickCase {
  const char* name;
  std::vector<Tick> ticks;
  long expected;  // index of the expiring tick, -1 for never
};

TEST(WatchdogTick, Table) {
  const long K = static_cast<long>(kLimit);
  const std::vector<TickCase> cases = {
      {"idle for a hundred limits", repeat(waiting_after(0), 100 * kLimit), -1},
      {"idle after some turns", repeat(working_in(3), 2) + repeat(waiting_after(3), 100 * kLimit),
       -1},
      {"a new turn at every tick", one_turn_per_tick(100 * kLimit), -1},
      {"turns seen at K ticks each (each shorter than the limit)", turns_seen(50, kLimit), -1},
      {"waiting and working alternately in one turn number",
       repeat(waiting_after(4), 1) + repeat(working_in(5), kLimit) + repeat(waiting_after(5), 1) +
           repeat(working_in(6), kLimit),
       -1},
      // First seen at tick 0 (began before it), then K more ticks: the boundary.
      {"stuck: seen at K+1 ticks", repeat(working_in(1), kLimit + 1), K},
      {"stuck long", repeat(working_in(1), 10 * kLimit), K},
      {"seen at K ticks is not enough", repeat(working_in(1), kLimit), -1},
      {"turns seen at K+1 ticks each", turns_seen(3, kLimit + 1), K},
      {"idle, then stuck", repeat(waiting_after(0), 50) + repeat(working_in(1), kLimit + 1),
       50 + K},
      {"from arming (turn 0 counts from tick 0)", repeat(working_in(0), kLimit), K - 1},
      {"stuck across a lost-tick overrun",
       std::vector<Tick>{{working_in(1), 1}, {working_in(1), kLimit}}, 1},
      {"an overrun of one tick less than the limit",
       std::vector<Tick>{{working_in(1), 1}, {working_in(1), kLimit - 1}}, -1},
      {"an overrun while idle", std::vector<Tick>{{waiting_after(1), 1}, {waiting_after(1), 1000}},
       -1},
      {"an overrun when a new turn is first seen",
       std::vector<Tick>{{working_in(1), 1}, {working_in(2), 1000}}, -1},
  };
  for (const TickCase& c : cases) {
    EXPECT_EQ(first_expiry(c.ticks), c.expected) << c.name;
  }
}

TEST(WatchdogTick, WaitingResetsTheCountOfTheSameTurn) {
  WatchdogTicks seen;
  for (std::uint64_t i = 0; i + 1 < kLimit; ++i) {
    EXPECT_FALSE(watchdog_tick(seen, working_in(0), 1, kLimit));
  }
  EXPECT_FALSE(watchdog_tick(seen, waiting_after(0), 1, kLimit));
  EXPECT_EQ(seen.stalled, 0u);
  EXPECT_FALSE(watchdog_tick(seen, working_in(1), 1, kLimit));
  EXPECT_EQ(seen.stalled, 0u);
}

// ---------------------------------------------------------------------------
// Arming rules, in this process. The limits are long: no tick comes.

std::string arm_error(int limit) {
  try {
    Watchdog watchdog(limit, "line", {});
  } catch (const Fatal& error) {
    return error.what();
  }
  return "(armed)";
}

struct SigalrmAction {
  SigalrmAction() { ::sigaction(SIGALRM, nullptr, &saved); }
  ~SigalrmAction() { ::sigaction(SIGALRM, &saved, nullptr); }
  struct sigaction saved {};
};

void set_sigalrm(void (*handler)(int)) {
  struct sigaction action {};
  action.sa_handler = handler;
  sigemptyset(&action.sa_mask);
  ::sigaction(SIGALRM, &action, nullptr);
}

void (*current_sigalrm())(int) {
  struct sigaction action {};
  ::sigaction(SIGALRM, nullptr, &action);
  return action.sa_handler;
}

void some_handler(int) {}

TEST(WatchdogArm, RefusesALimitBelowOneNamingTheValue) {
  EXPECT_EQ(arm_error(0), "invalid watchdog timeout: 0 seconds (must be at least 1)");
  EXPECT_EQ(arm_error(-5), "invalid watchdog timeout: -5 seconds (must be at least 1)");
  EXPECT_EQ(arm_error(1000), "(armed)");
}

TEST(WatchdogArm, RefusesASecondWatchdogThenAllowsOneAfterDisarm) {
  {
    Watchdog first(1000, "line", {});
    EXPECT_EQ(arm_error(1000), "watchdog: already armed in this process");
    EXPECT_EQ(first.limit_seconds(), 1000);
  }
  EXPECT_EQ(arm_error(1000), "(armed)");
}

TEST(WatchdogArm, InstallsItsHandlerAndRestoresThePreviousAction) {
  SigalrmAction restore;
  for (auto previous : {SIG_DFL, SIG_IGN}) {
    set_sigalrm(previous);
    {
      Watchdog watchdog(1000, "line", {});
      EXPECT_NE(current_sigalrm(), previous);
      EXPECT_NE(current_sigalrm(), SIG_DFL);
    }
    EXPECT_EQ(current_sigalrm(), previous);
  }
}

TEST(WatchdogArm, RefusesAServiceThatHandlesSigalrm) {
  SigalrmAction restore;
  set_sigalrm(&some_handler);
  EXPECT_EQ(arm_error(1000),
            "watchdog: SIGALRM already has a handler (a service may not use SIGALRM)");
  EXPECT_EQ(current_sigalrm(), &some_handler);
}

TEST(WatchdogArm, RefusesABlockedSigalrm) {
  sigset_t alarm, old;
  sigemptyset(&alarm);
  sigaddset(&alarm, SIGALRM);
  ::sigprocmask(SIG_BLOCK, &alarm, &old);
  std::string error = arm_error(1000);
  ::sigprocmask(SIG_SETMASK, &old, nullptr);
  EXPECT_EQ(error, "watchdog: SIGALRM is blocked");
}

TEST(WatchdogArm, TimeoutLineLooksLikeALogLine) {
  EXPECT_EQ(watchdog_timeout_line("postfix/dgram-sink", 123),
            "postfix/dgram-sink[123]: fatal: watchdog timeout");
}

// ---------------------------------------------------------------------------
// Real timers, in forked children with a 1 s limit (ticks every 100 ms).

constexpr int kChildLimit = 1;
const std::string kLine = "test/watchdog[1]: fatal: watchdog timeout";

// What a child body gets: its log socket and the read end of a stop pipe.
struct ChildSide {
  int message_fd;
  int stop_fd;
};

// The exit codes a child body uses for its own verdicts.
constexpr int kFellThrough = 3;   // the body ran out without being killed
constexpr int kNoTicks = 4;       // no tick interrupted a wait: no live timer
constexpr int kArmFailed = 6;

void spin_for(milliseconds length) {
  auto end = Clock::now() + length;
  volatile std::uint64_t sink = 0;
  while (Clock::now() < end) sink = sink + 1;
}

void nap(milliseconds length) {
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(length).count();
  timespec delay{static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000)};
  while (::nanosleep(&delay, &delay) < 0 && errno == EINTR) {
  }
}

// Blocks until the stop pipe is closed; counts the ticks that interrupted poll().
int wait_for_stop(int stop_fd) {
  int interrupted = 0;
  pollfd pfd{stop_fd, POLLIN, 0};
  while (::poll(&pfd, 1, -1) < 0) {
    if (errno != EINTR) return -1;
    ++interrupted;
  }
  return interrupted;
}

struct Outcome {
  bool exited = false;  // false: still running at the deadline (then killed)
  int status = 0;
  milliseconds after{0};  // from before fork() to the observed exit
  std::string stderr_text;
  std::string message;  // one datagram from the log socket, if any
};

// close_all_but - closes every descriptor above stderr except a and b.
void close_all_but(int a, int b) {
  if (a > b) std::swap(a, b);
  if (a > 3) ::close_range(3, static_cast<unsigned>(a) - 1, 0);
  if (b > a + 1) ::close_range(static_cast<unsigned>(a) + 1, static_cast<unsigned>(b) - 1, 0);
  ::close_range(static_cast<unsigned>(b) + 1, ~0U, 0);
}

class Child {
 public:
  explicit Child(const std::function<int(const ChildSide&)>& body) {
    int err[2], message[2], stop[2];
    if (::pipe2(err, O_CLOEXEC) < 0) throw_errno("pipe2");
    err_.reset(err[0]);
    UniqueFd err_write(err[1]);
    if (::socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, message) < 0) throw_errno("socketpair");
    message_.reset(message[0]);
    UniqueFd message_child(message[1]);
    if (::pipe2(stop, O_CLOEXEC) < 0) throw_errno("pipe2");
    stop_.reset(stop[1]);
    UniqueFd stop_child(stop[0]);

    start_ = Clock::now();
    pid_ = ::fork();
    if (pid_ < 0) throw_errno("fork");
    if (pid_ == 0) {
      ::dup2(err_write.get(), STDERR_FILENO);
      // Keep only stdio and the child's two ends: a pipe end or a lock held
      // by the parent must not live on in the child.
      close_all_but(message_child.get(), stop_child.get());
      int code = kArmFailed;
      try {
        code = body(ChildSide{message_child.get(), stop_child.get()});
      } catch (const std::exception& error) {
        std::string text = std::string(error.what()) + "\n";
        (void)!::write(STDERR_FILENO, text.data(), text.size());
      }
      ::_exit(code);
    }
  }

  ~Child() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }

  // True when the child is still running `length` after it was started.
  bool alive_after(milliseconds length) {
    while (Clock::now() - start_ < length) {
      if (reap()) return false;
      nap(milliseconds(10));
    }
    return !reap();
  }

  void stop() { stop_.reset(); }

  // Waits until `deadline` after the start; kills the child if it is still running.
  Outcome wait(milliseconds deadline) {
    while (!reaped_ && Clock::now() - start_ < deadline) {
      if (reap()) break;
      nap(milliseconds(5));
    }
    Outcome outcome;
    outcome.exited = reaped_;
    outcome.status = status_;
    outcome.after = std::chrono::duration_cast<milliseconds>((reaped_ ? ended_ : Clock::now()) -
                                                             start_);
    if (!reaped_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    pid_ = -1;
    outcome.stderr_text = drain(err_.get());
    char buffer[512];
    ssize_t n = ::recv(message_.get(), buffer, sizeof(buffer), MSG_DONTWAIT);
    if (n > 0) outcome.message.assign(buffer, static_cast<std::size_t>(n));
    return outcome;
  }

 private:
  bool reap() {
    if (reaped_) return true;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      reaped_ = true;
      status_ = status;
      ended_ = Clock::now();
    }
    return reaped_;
  }

  static std::string drain(int fd) {
    std::string text;
    ::fcntl(fd, F_SETFL, O_NONBLOCK);
    char buffer[512];
    ssize_t n;
    while ((n = ::read(fd, buffer, sizeof(buffer))) > 0) {
      text.append(buffer, static_cast<std::size_t>(n));
    }
    return text;
  }

  UniqueFd err_, message_, stop_;
  pid_t pid_ = -1;
  bool reaped_ = false;
  int status_ = 0;
  Clock::time_point start_, ended_;
};

Watchdog arm_in_child(const ChildSide& side) {
  return Watchdog(kChildLimit, kLine, {STDERR_FILENO, side.message_fd});
}

bool exited_with(const Outcome& outcome, int code) {
  return outcome.exited && WIFEXITED(outcome.status) && WEXITSTATUS(outcome.status) == code;
}

std::string describe(const Outcome& outcome) {
  std::string text = outcome.exited ? "" : "still running at the deadline; ";
  if (outcome.exited && WIFEXITED(outcome.status)) {
    text += "exit " + std::to_string(WEXITSTATUS(outcome.status));
  } else if (outcome.exited && WIFSIGNALED(outcome.status)) {
    text += "signal " + std::to_string(WTERMSIG(outcome.status));
  }
  return text + " after " + std::to_string(outcome.after.count()) + " ms, stderr [" +
         outcome.stderr_text + "]";
}

void expect_killed_by_watchdog(const Outcome& outcome, milliseconds not_before,
                               milliseconds not_after) {
  ASSERT_TRUE(exited_with(outcome, 1)) << describe(outcome);
  EXPECT_GE(outcome.after, not_before) << describe(outcome);
  EXPECT_LE(outcome.after, not_after) << describe(outcome);
  EXPECT_EQ(outcome.stderr_text, kLine + "\n");
  EXPECT_EQ(outcome.message, kLine);  // one datagram, no newline
}

TEST(WatchdogChild, StuckInOneBusyTurnIsKilled) {
  Child child([](const ChildSide& side) {
    Watchdog watchdog = arm_in_child(side);
    watchdog.waiting();
    watchdog.working();
    spin_for(milliseconds(10'000));
    return kFellThrough;
  });
  expect_killed_by_watchdog(child.wait(milliseconds(5'000)), milliseconds(1'000),
                            milliseconds(4'000));
}

TEST(WatchdogChild, StuckInOneTurnOfShortSleepsIsKilled) {
  Child child([](const ChildSide& side) {
    Watchdog watchdog = arm_in_child(side);
    watchdog.working();
    for (int i = 0; i < 1'000; ++i) nap(milliseconds(10));
    return kFellThrough;
  });
  expect_killed_by_watchdog(child.wait(milliseconds(5'000)), milliseconds(1'000),
                            milliseconds(4'000));
}

TEST(WatchdogChild, StuckRightAfterArmingIsKilled) {
  Child child([](const ChildSide& side) {
    Watchdog watchdog = arm_in_child(side);
    spin_for(milliseconds(10'000));
    return kFellThrough;
  });
  expect_killed_by_watchdog(child.wait(milliseconds(5'000)), milliseconds(1'000),
                            milliseconds(4'000));
}

TEST(WatchdogChild, IdleTimeDoesNotCountTowardsTheNextTurn) {
  Child child([](const ChildSide& side) {
    Watchdog watchdog = arm_in_child(side);
    watchdog.waiting();
    nap(milliseconds(2'000));
    watchdog.working();
    spin_for(milliseconds(10'000));
    return kFellThrough;
  });
  expect_killed_by_watchdog(child.wait(milliseconds(7'000)), milliseconds(3'000),
                            milliseconds(6'000));
}

TEST(WatchdogChild, WaitingForEventsIsNeverKilled) {
  Child child([](const ChildSide& side) {
    Watchdog watchdog = arm_in_child(side);
    watchdog.waiting();
    int ticks = wait_for_stop(side.stop_fd);
    watchdog.working();
    return ticks >= 5 ? 0 : kNoTicks;  // the timer really ran while we waited
  });
  ASSERT_TRUE(child.alive_after(milliseconds(3'000)));
  child.stop();
  Outcome outcome = child.wait(milliseconds(6'000));
  EXPECT_TRUE(exited_with(outcome, 0)) << describe(outcome);
  EXPECT_EQ(outcome.stderr_text, "");
  EXPECT_EQ(outcome.message, "");
}

TEST(WatchdogChild, WaitingForTheLockIsNeverKilled) {
  testing::TempDir dir;
  std::string path = dir.file("pid/unix-dgram.watchdog");
  UniqueFd held(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  ASSERT_TRUE(held);
  ASSERT_EQ(::flock(held.get(), LOCK_EX), 0);
  Child child([&path](const ChildSide& side) {
    UniqueFd lock(::open(path.c_str(), O_RDWR | O_CLOEXEC));
    if (!lock) return 7;
    Watchdog watchdog = arm_in_child(side);
    watchdog.waiting();
    while (::flock(lock.get(), LOCK_EX) < 0) {
      if (errno != EINTR) return 8;
    }
    watchdog.working();
    return 0;
  });
  ASSERT_TRUE(child.alive_after(milliseconds(3'000)));
  held.reset();  // releases the lock
  Outcome outcome = child.wait(milliseconds(6'000));
  EXPECT_TRUE(exited_with(outcome, 0)) << describe(outcome);
  EXPECT_EQ(outcome.stderr_text, "");
}

class WatchdogTurns : public ::testing::TestWithParam<int> {};

TEST_P(WatchdogTurns, ManyTurnsShorterThanTheLimitAreNeverKilled) {
  const milliseconds turn(GetParam());
  Child child([turn](const ChildSide& side) {
    Watchdog watchdog = arm_in_child(side);
    auto end = Clock::now() + milliseconds(3'000);
    while (Clock::now() < end) {
      watchdog.working();
      spin_for(turn);
    }
    watchdog.waiting();
    return 0;
  });
  Outcome outcome = child.wait(milliseconds(8'000));
  EXPECT_TRUE(exited_with(outcome, 0)) << describe(outcome);
  EXPECT_GE(outcome.after, milliseconds(3'000));
  EXPECT_EQ(outcome.stderr_text, "");
}

// Turns of 1 ms (many per tick), 150 ms (about one tick) and 700 ms (most of the limit).
INSTANTIATE_TEST_SUITE_P(TurnLengthsMs, WatchdogTurns, ::testing::Values(1, 150, 700));

TEST(WatchdogChild, DisarmDropsAPendingTickAndRestoresTheDefault) {
  Child child([](const ChildSide& side) {
    sigset_t alarm;
    sigemptyset(&alarm);
    sigaddset(&alarm, SIGALRM);
    {
      Watchdog watchdog = arm_in_child(side);
      watchdog.waiting();
      ::sigprocmask(SIG_BLOCK, &alarm, nullptr);
      sigset_t pending;
      auto end = Clock::now() + milliseconds(3'000);
      do {
        nap(milliseconds(10));
        sigpending(&pending);
      } while (sigismember(&pending, SIGALRM) != 1 && Clock::now() < end);
      if (sigismember(&pending, SIGALRM) != 1) return kNoTicks;
    }
    // SIGALRM is back to its default action (terminate): a tick that
    // survived the disarm would kill us here.
    ::sigprocmask(SIG_UNBLOCK, &alarm, nullptr);
    nap(milliseconds(300));
    return 0;
  });
  Outcome outcome = child.wait(milliseconds(6'000));
  EXPECT_TRUE(exited_with(outcome, 0)) << describe(outcome);
}

}  // namespace
}  // namespace dgram
