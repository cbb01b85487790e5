// SPDX-License-Identifier: MIT
// hand_off_timer - looks at a quiet streak during one long service callback,
// from a signal handler on the loop's own thread.
//
// DESCRIPTION
//   A POSIX timer on the monotonic clock raises hand_off_signal() on the
//   thread that made the HandOffTimer (SIGEV_THREAD_ID: the loop's). The
//   handler calls HandOff::on_timer() and sets the timer again for what a
//   younger streak has left, or leaves it off. arm_unless_armed() is called
//   before the loop waits, so that no system call comes between a
//   datagram's arrival and its callback (setting a near time reprograms the
//   CPU's timer, which traps to the hypervisor on a virtual machine), and in
//   a flood the time already set is left alone: one timer_settime() and one
//   signal per threshold, not per batch. A wait that outlasted the timer
//   (an idle spell) let it fire with no wake-up to look at, and leave itself
//   off: the quiet wake-up after it calls arm_unless_armed() again.
//
//   The handler is installed with SA_RESTART, so a service's blocking read,
//   write or connect goes on; poll, epoll_wait, nanosleep and the like return
//   EINTR on it, as on any signal (the watchdog's SIGALRM included), and a
//   service callback must retry them.
//
// THREADS
//   Made, armed and destroyed on the loop's thread; the handler runs there.
//   One per process (the handler reaches it through file-scope state).
//
// DIAGNOSTICS
//   The constructor throws Fatal for a second one, or when sigaction or
//   timer_create fails. A failed timer_settime() leaves the timer off: the
//   streak is then looked at between datagrams only.
#pragma once

#include <signal.h>
#include <time.h>

#include <cstdint>

#include "serve/hand_off.h"

namespace dgram {

class HandOffTimer {
 public:
  explicit HandOffTimer(HandOff& hand_off);
  ~HandOffTimer();
  HandOffTimer(const HandOffTimer&) = delete;
  HandOffTimer& operator=(const HandOffTimer&) = delete;

  // Sets the timer after_ns from now, unless it is set already.
  void arm_unless_armed(std::uint64_t after_ns) noexcept;

 private:
  static void on_signal(int signo);
  void set(std::uint64_t after_ns) noexcept;

  HandOff& hand_off_;
  timer_t timer_{};
  volatile sig_atomic_t armed_ = 0;  // a time is set (the handler clears it)
  struct sigaction previous_ {};
};

// CLOCK_MONOTONIC in nanoseconds (vDSO: no system call).
std::uint64_t monotonic_ns() noexcept;

}  // namespace dgram
