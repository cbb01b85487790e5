// SPDX-License-Identifier: MIT
// turn_timer - calls a function on a thread of its own when a turn has lasted
// a given time, while the loop's thread may be inside a service callback.
//
// DESCRIPTION
//   A child that keeps the gate across short turns (dgram_busy_after_usec)
//   must still give it up, and tell the master it is busy, when one turn
//   lasts too long, even while one callback runs for seconds. arm(after)
//   sets a one-shot time (timerfd_settime()); when it passes, the
//   TurnTimer's thread (blocked in read() on the timerfd, every signal
//   blocked) calls on_expiry, which may arm again. When to arm is the
//   DispatchLoop's choice: before each wait rather than as a turn begins
//   (setting a near time reprograms the CPU's timer, costly on a virtual
//   machine and in the way of the datagram), and in a flood once per
//   threshold rather than once per batch.
//
// DIAGNOSTICS
//   The constructor throws Fatal when the timerfd or the thread cannot be
//   made; arm() throws Fatal when timerfd_settime() fails. on_expiry must not
//   throw (it runs on the thread; an exception there would end the process).
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <thread>

#include "dgram/unique_fd.h"

namespace dgram {

class TurnTimer {
 public:
  explicit TurnTimer(std::function<void()> on_expiry);
  ~TurnTimer();
  TurnTimer(const TurnTimer&) = delete;
  TurnTimer& operator=(const TurnTimer&) = delete;

  // on_expiry runs once `after` has passed, unless arm() comes again first
  // (it replaces the time). It may be called from on_expiry, or from any thread.
  void arm(std::chrono::microseconds after);

 private:
  void run();

  UniqueFd timer_;
  std::function<void()> on_expiry_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;  // declared last: started last, joined first
};

}  // namespace dgram
