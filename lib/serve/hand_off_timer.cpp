// SPDX-License-Identifier: MIT
// hand_off_timer - a thread-directed one-shot timer whose handler hands a long turn on.
#include "serve/hand_off_timer.h"

#include <unistd.h>

#include <atomic>
#include <cerrno>

#include "dgram/error.h"
#include "serve/skeleton_signals.h"

namespace dgram {

namespace {

std::atomic<HandOffTimer*> installed{nullptr};  // what the handler reaches

}  // namespace

std::uint64_t monotonic_ns() noexcept {
  timespec now{};
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<std::uint64_t>(now.tv_sec) * 1000000000u + static_cast<std::uint64_t>(now.tv_nsec);
}

HandOffTimer::HandOffTimer(HandOff& hand_off) : hand_off_(hand_off) {
  HandOffTimer* expected = nullptr;
  if (!installed.compare_exchange_strong(expected, this)) throw Fatal("hand-off timer: one per process");
  struct sigaction action {};
  action.sa_handler = &HandOffTimer::on_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  if (::sigaction(hand_off_signal(), &action, &previous_) < 0) {
    installed.store(nullptr);
    throw_errno("hand-off timer: sigaction");
  }
  sigevent event{};
  event.sigev_notify = SIGEV_THREAD_ID;  // the loop's thread, which made this
  event.sigev_signo = hand_off_signal();
  event._sigev_un._tid = ::gettid();
  if (::timer_create(CLOCK_MONOTONIC, &event, &timer_) < 0) {
    int saved = errno;
    ::sigaction(hand_off_signal(), &previous_, nullptr);
    installed.store(nullptr);
    errno = saved;
    throw_errno("hand-off timer: timer_create");
  }
}

HandOffTimer::~HandOffTimer() {
  ::timer_delete(timer_);
  // Ignoring a signal discards it when pending.
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  sigemptyset(&ignore.sa_mask);
  ::sigaction(hand_off_signal(), &ignore, nullptr);
  ::sigaction(hand_off_signal(), &previous_, nullptr);
  installed.store(nullptr);
}

void HandOffTimer::arm_unless_armed(std::uint64_t after_ns) noexcept {
  if (armed_) return;
  armed_ = 1;  // before the call: the handler cannot run until the time is set
  set(after_ns);
}

void HandOffTimer::set(std::uint64_t after_ns) noexcept {
  if (after_ns == 0) after_ns = 1;  // 0 would disarm
  itimerspec when{};
  when.it_value.tv_sec = static_cast<time_t>(after_ns / 1000000000u);
  when.it_value.tv_nsec = static_cast<long>(after_ns % 1000000000u);
  if (::timer_settime(timer_, 0, &when, nullptr) < 0) armed_ = 0;
}

void HandOffTimer::on_signal(int) {
  int saved_errno = errno;
  HandOffTimer* timer = installed.load(std::memory_order_acquire);
  if (timer != nullptr) {
    std::uint64_t again = timer->hand_off_.on_timer(monotonic_ns());
    if (again > 0) {
      timer->set(again);
    } else {
      timer->armed_ = 0;
    }
  }
  errno = saved_errno;
}

}  // namespace dgram
