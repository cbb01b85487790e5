// SPDX-License-Identifier: MIT
// turn_timer - calls a function on a thread of its own when a turn has lasted
// a given time, while the loop's thread may be inside a service callback.
//
// DESCRIPTION
//   A child that keeps the gate across short turns (dgram_busy_after_usec)
//   must still give it up, and tell the master it is busy, when one turn
//   lasts too long, even while one callback runs for seconds. The loop's
//   thread calls arm(after) as a turn begins and disarm() as it ends: one
//   timerfd_settime() each. If the time passes first, the TurnTimer's thread
//   (blocked in read() on the timerfd, every signal blocked) calls
//   on_expiry. (Left armed, a time that passed after the turn would wake the
//   thread for nothing, right when the next datagram tends to come: that
//   cost more latency at 1,000 datagrams/s than the second call costs.)
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

  // on_expiry runs once `after` has passed, unless arm() or disarm() come first.
  void arm(std::chrono::microseconds after);
  void disarm();

 private:
  void run();

  UniqueFd timer_;
  std::function<void()> on_expiry_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;  // declared last: started last, joined first
};

}  // namespace dgram
