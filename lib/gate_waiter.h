// SPDX-License-Identifier: MIT
// gate_waiter - waits for the gate on a thread of its own, so that the
// event loop keeps running a service's timers and descriptors meanwhile.
//
// DESCRIPTION
//   A child that shares its socket waits for its turn (the lock-file gate)
//   before it waits for requests. A blocking flock() on the loop's thread
//   would stop everything else the service does while a sibling serves. The
//   GateWaiter owns one thread that does only that: request() asks it to
//   acquire the gate; ready_fd() (an eventfd, on the loop) becomes readable
//   when it is done, and outcome() then says how (acquired, abandoned for a
//   SIGTERM, or failed: outcome() rethrows the gate's exception). release()
//   is called on the loop's thread, as the gate allows (a flock() belongs to
//   the open file, not to a thread).
//
//   The thread blocks every signal except SIGTERM, and SIGTERM too except
//   while it waits in Gate::acquire(), so that signals go to the loop's
//   thread. The destructor ends a wait in progress by directing SIGTERM at
//   the thread (the skeleton's latch handler makes the lock wait return; it
//   also marks the process as terminating, which it is), then joins it.
//
//   Cost: two eventfd operations and two thread wake-ups per turn that needs
//   the gate; with a process limit of 1 there is no gate and no thread.
//
// DIAGNOSTICS
//   The constructor throws Fatal when eventfd or the thread cannot be made.
#pragma once

#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>

#include "dgram/gate.h"
#include "dgram/unique_fd.h"

namespace dgram {

class GateWaiter {
 public:
  enum class Outcome { acquired, terminated };

  explicit GateWaiter(Gate& gate);
  ~GateWaiter();
  GateWaiter(const GateWaiter&) = delete;
  GateWaiter& operator=(const GateWaiter&) = delete;

  // Asks the thread to acquire the gate; ready_fd() tells when it is done.
  void request();
  int ready_fd() const noexcept { return ready_.get(); }
  // After ready_fd() became readable: how it ended (rethrows a failure).
  Outcome outcome();

 private:
  void run() noexcept;

  Gate& gate_;
  UniqueFd ready_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool requested_ = false;
  bool quitting_ = false;
  bool waiting_in_acquire_ = false;
  bool acquired_ = false;
  std::exception_ptr failure_;
  pthread_t thread_handle_{};
  std::thread thread_;
};

}  // namespace dgram
