// SPDX-License-Identifier: MIT
// turn_timer - a one-shot timerfd read by a thread of its own.
#include "turn_timer.h"

#include <pthread.h>
#include <signal.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <string>
#include <system_error>

#include "dgram/error.h"

namespace dgram {

namespace {

itimerspec one_shot(std::chrono::nanoseconds after) {
  itimerspec when{};
  auto ns = after.count() > 0 ? after.count() : 1;  // 0 would disarm
  when.it_value.tv_sec = static_cast<time_t>(ns / 1000000000);
  when.it_value.tv_nsec = static_cast<long>(ns % 1000000000);
  return when;
}

}  // namespace

TurnTimer::TurnTimer(std::function<void()> on_expiry) : on_expiry_(std::move(on_expiry)) {
  int fd = ::timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
  if (fd < 0) throw_errno("turn timer: timerfd_create");
  timer_.reset(fd);
  // The thread starts with every signal blocked (it inherits this mask), so
  // that signals go to the loop's thread.
  sigset_t all, previous;
  sigfillset(&all);
  if (pthread_sigmask(SIG_SETMASK, &all, &previous) != 0) throw Fatal("turn timer: pthread_sigmask failed");
  try {
    thread_ = std::thread([this] { run(); });
  } catch (const std::system_error& error) {
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    throw Fatal(std::string("turn timer: cannot start its thread: ") + error.what());
  }
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
}

TurnTimer::~TurnTimer() {
  stopping_.store(true);
  // Wake the thread now; if even that fails, it wakes at the time armed last.
  itimerspec now = one_shot(std::chrono::nanoseconds(1));
  (void)::timerfd_settime(timer_.get(), 0, &now, nullptr);
  thread_.join();
}

void TurnTimer::arm(std::chrono::microseconds after) {
  itimerspec when = one_shot(after);
  if (::timerfd_settime(timer_.get(), 0, &when, nullptr) < 0) throw_errno("turn timer: timerfd_settime");
}

void TurnTimer::run() {
  for (;;) {
    std::uint64_t expirations = 0;
    ssize_t n = ::read(timer_.get(), &expirations, sizeof(expirations));
    if (stopping_.load()) return;
    if (n == static_cast<ssize_t>(sizeof(expirations))) {
      on_expiry_();
    } else if (n < 0 && errno != EINTR) {
      return;  // cannot happen with a valid timerfd; the turn is then handed on between datagrams only
    }
  }
}

}  // namespace dgram
