// SPDX-License-Identifier: MIT
// gate_waiter - waits for the gate on a helper thread, so that the loop
// keeps running the service's timers and descriptors, the master's channel
// and SIGTERM meanwhile.
//
// DESCRIPTION
//   A child that shares its socket waits for its turn (the lock-file gate)
//   before it waits for requests. flock() cannot be waited for in epoll, so
//   one helper thread does only that: request() asks it to call
//   Gate::acquire(); ready_fd() (an eventfd, watched by the loop) becomes
//   readable when the gate is taken, and take() then hands it to the loop
//   (or rethrows the gate's failure).
//
//   stop() ends the helper: it marks the wait unwanted and directs
//   gate_wake_signal() at the thread (a no-op handler without SA_RESTART),
//   again each millisecond until the thread says it has left acquire() (a
//   signal that lands before the thread enters the blocking call is
//   answered by the next), then joins it. A gate taken meanwhile is given
//   back on the loop's thread. The skeleton calls stop() when the loop ends,
//   before the exit hook runs.
//
// THREADS
//   The helper thread blocks every signal but gate_wake_signal() and calls
//   only Gate::acquire(). Everything else (request, take, stop, the
//   destructor) runs on the loop's thread. The two share the fields under
//   mutex_ and the eventfd.
//
// DIAGNOSTICS
//   The constructor throws Fatal when eventfd, the signal handler or the
//   thread cannot be made. take() rethrows what acquire() threw.
#pragma once

#include <pthread.h>
#include <signal.h>

#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>

#include "dgram/embedding.h"
#include "dgram/unique_fd.h"

namespace dgram {

class GateWaiter {
 public:
  explicit GateWaiter(Gate& gate);
  ~GateWaiter();  // stop()
  GateWaiter(const GateWaiter&) = delete;
  GateWaiter& operator=(const GateWaiter&) = delete;

  // Asks the thread to acquire the gate (once per request).
  void request();
  // Readable once the requested gate is taken or acquire() failed.
  int ready_fd() const noexcept { return ready_.get(); }
  // After ready_fd() became readable: true when the gate is now the loop's;
  // rethrows acquire()'s failure.
  bool take();
  // Ends the thread (see above); idempotent. The gate is not held afterwards
  // unless take() handed it over before.
  void stop() noexcept;

 private:
  void run() noexcept;

  Gate& gate_;
  UniqueFd ready_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool requested_ = false;  // the loop wants the gate
  bool stopping_ = false;   // the loop wants the thread to end
  bool in_acquire_ = false; // the thread is inside Gate::acquire()
  bool acquired_ = false;   // taken, not yet handed to the loop
  std::exception_ptr failure_;
  struct sigaction previous_ {};
  std::thread thread_;
};

}  // namespace dgram
