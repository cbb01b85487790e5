// SPDX-License-Identifier: MIT
// gate_waiter_test - the gate thread: takes a free gate, waits for a held
// one, is stopped out of a wait without touching SIGTERM, gives back a gate
// it took too late, and calls acquire() only, never on the caller's thread.
#include "serve/gate_waiter.h"

#include <dirent.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>

#include "dgram/error.h"
#include "serve/lock_file_gate.h"
#include "support/temp_dir.h"

namespace dgram {
namespace {

using namespace std::chrono_literals;

bool readable(int fd, std::chrono::milliseconds timeout) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, static_cast<int>(timeout.count())) == 1;
}

// The thread of this process (other than the caller) now in flock(2), up to 5 s.
bool some_thread_waits_in_flock() {
  auto deadline = std::chrono::steady_clock::now() + 5s;
  const std::string self = std::to_string(::gettid());
  while (std::chrono::steady_clock::now() < deadline) {
    DIR* tasks = ::opendir("/proc/self/task");
    if (!tasks) return false;
    bool found = false;
    while (dirent* entry = ::readdir(tasks)) {
      std::string tid = entry->d_name;
      if (tid == "." || tid == ".." || tid == self) continue;
      std::ifstream syscall("/proc/self/task/" + tid + "/syscall");
      long number = -1;
      if (syscall >> number && number == SYS_flock) found = true;
    }
    ::closedir(tasks);
    if (found) return true;
    std::this_thread::sleep_for(1ms);
  }
  return false;
}

std::atomic<int> sigterms{0};
void count_sigterm(int) { ++sigterms; }

class GateWaiterTest : public ::testing::Test {
 protected:
  // A sibling holds the lock; waiter is asked for it and waits in flock().
  void wait_behind_a_sibling(GateWaiter& waiter) {
    ASSERT_TRUE(sibling_.try_acquire());
    waiter.request();
    ASSERT_TRUE(some_thread_waits_in_flock());
    EXPECT_FALSE(readable(waiter.ready_fd(), 0ms));
  }

  testing::TempDir dir_;
  std::string path_ = dir_.file("lock");
  LockFileGate sibling_{path_};
};

TEST_F(GateWaiterTest, AFreeGateIsTakenAndHandedToTheLoop) {
  LockFileGate gate(path_);
  GateWaiter waiter(gate);
  waiter.request();
  ASSERT_TRUE(readable(waiter.ready_fd(), 5000ms));
  EXPECT_TRUE(waiter.take());
  LockFileGate other(path_);
  EXPECT_FALSE(other.try_acquire());  // ours now
  gate.release();
  EXPECT_TRUE(other.try_acquire());
}

TEST_F(GateWaiterTest, AHeldGateIsTakenWhenItsHolderLetsGo) {
  LockFileGate gate(path_);
  GateWaiter waiter(gate);
  ASSERT_NO_FATAL_FAILURE(wait_behind_a_sibling(waiter));
  sibling_.release();
  ASSERT_TRUE(readable(waiter.ready_fd(), 5000ms));
  EXPECT_TRUE(waiter.take());
}

TEST_F(GateWaiterTest, StopEndsAWaitInFlockWithoutSigtermAndTakesNothing) {
  struct sigaction counting {}, previous{};
  counting.sa_handler = count_sigterm;
  sigemptyset(&counting.sa_mask);
  ASSERT_EQ(::sigaction(SIGTERM, &counting, &previous), 0);
  sigterms = 0;
  LockFileGate gate(path_);
  {
    GateWaiter waiter(gate);
    ASSERT_NO_FATAL_FAILURE(wait_behind_a_sibling(waiter));
    auto start = std::chrono::steady_clock::now();
    waiter.stop();
    EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
    EXPECT_FALSE(readable(waiter.ready_fd(), 0ms));
  }
  EXPECT_EQ(sigterms.load(), 0);
  ::sigaction(SIGTERM, &previous, nullptr);
  sibling_.release();
  LockFileGate third(path_);
  EXPECT_TRUE(third.try_acquire()) << "the stopped waiter still holds or waits for the lock";
}

// Records the thread of each call; acquire() returns at once.
class ThreadRecordingGate final : public Gate {
 public:
  bool acquire() override {
    std::lock_guard lock(mutex_);
    acquire_threads += std::to_string(::gettid()) + " ";
    return true;
  }
  void release() override {
    std::lock_guard lock(mutex_);
    release_threads += std::to_string(::gettid()) + " ";
  }
  std::string acquire_threads;
  std::string release_threads;

 private:
  std::mutex mutex_;
};

TEST_F(GateWaiterTest, AGateTakenButNeverHandedOverIsGivenBackOnTheCallersThread) {
  ThreadRecordingGate gate;
  {
    GateWaiter waiter(gate);
    waiter.request();
    ASSERT_TRUE(readable(waiter.ready_fd(), 5000ms));  // taken; take() never called
    waiter.stop();
  }
  const std::string self = std::to_string(::gettid()) + " ";
  EXPECT_EQ(gate.release_threads, self);
  EXPECT_FALSE(gate.acquire_threads.empty());
  EXPECT_EQ(gate.acquire_threads.find(self), std::string::npos) << "acquire() ran on the caller's thread";
}

class FailingGate final : public Gate {
 public:
  bool acquire() override { throw Fatal("lock /x: Input/output error", EIO); }
  void release() override {}
};

TEST_F(GateWaiterTest, AFailureOfAcquireIsRethrownByTake) {
  FailingGate gate;
  GateWaiter waiter(gate);
  waiter.request();
  ASSERT_TRUE(readable(waiter.ready_fd(), 5000ms));
  try {
    (void)waiter.take();
    FAIL() << "no Fatal";
  } catch (const Fatal& fatal) {
    EXPECT_STREQ(fatal.what(), "lock /x: Input/output error");
    EXPECT_EQ(fatal.error_number(), EIO);
  }
}

}  // namespace
}  // namespace dgram
