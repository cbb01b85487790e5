// SPDX-License-Identifier: MIT
// gate - what a process holds while it waits for a request.
//
// Several children of one service share one socket. Only the one holding the
// gate waits for events on it, so that one datagram wakes one child. The
// default gate is the lock file (an exclusive flock() on
// $queue_directory/pid/unix-dgram.<service>); with -l (process limit 1)
// there is no gate at all. Tests and embedders plug in their own through
// Service::gate.
//
// WHO CALLS WHAT, AND ON WHICH THREAD
//   The calls never overlap: the skeleton makes one at a time.
//   acquire()       on the skeleton's gate thread (gate_waiter), while the
//                   loop's thread serves the service's own events.
//   try_acquire()   on the loop's thread.
//   release()       on the loop's thread.
//   release_in_signal_handler()
//                   on the loop's thread, inside a signal handler that
//                   interrupted a long service callback.
//
// STOPPING A WAIT
//   When the child stops (SIGTERM, the master gone, the idle or use limit,
//   Context::stop()) while acquire() waits, the skeleton interrupts the wait
//   with a signal directed at the gate thread, with a handler installed
//   without SA_RESTART, so that a blocking system call in acquire() returns
//   EINTR. acquire() must then return false instead of retrying; the
//   skeleton calls it again if it still wants the gate.
#pragma once

#include "dgram/cxx20.h"
#if __cplusplus >= 202002L  // else cxx20.h has said why, once

#include <memory>
#include <string>

namespace dgram {

class Gate {
 public:
  virtual ~Gate() = default;
  // Blocks until this process holds the gate and returns true; returns false
  // when a signal interrupted the wait (see STOPPING A WAIT). Throws Fatal on
  // failure.
  virtual bool acquire() = 0;
  // Takes the gate only if that needs no waiting: true when taken. The
  // default says "not without waiting", so acquire() is used. Throws Fatal
  // on failure.
  virtual bool try_acquire() { return false; }
  // Lets another process wait. Throws Fatal on failure.
  virtual void release() = 0;
  // The same from a signal handler, with async-signal-safe calls only: 0
  // when released, an errno value when that failed, -1 when this gate
  // cannot be released from a signal handler (the default). Then a callback
  // that runs long keeps the gate until it returns, and siblings wait.
  virtual int release_in_signal_handler() noexcept { return -1; }
};

}  // namespace dgram

#endif  // C++20
