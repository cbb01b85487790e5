// SPDX-License-Identifier: MIT
// gate - what a process holds while it waits for a request.
//
// Several children of one service share one socket. Only the one holding the
// gate waits for events on it; the gate is acquired before each wait and
// released as soon as a request arrives, before it is read. The default gate
// is the lock file (lock_file_gate.h); with -l (process limit 1) there is no
// gate at all. Tests and embedders plug in their own through Service::gate.
#pragma once

#include "dgram/cxx20.h"
#if __cplusplus >= 202002L  // else cxx20.h has said why, once

#include <memory>
#include <string>

namespace dgram {

class Gate {
 public:
  virtual ~Gate() = default;
  // Blocks until this process may wait for events and returns true; returns
  // false instead when the process was asked to stop (SIGTERM) before or
  // while it waited, so that it can exit at once. Throws Fatal on failure.
  virtual bool acquire() = 0;
  // Takes the gate only if that needs no waiting: true when taken. The
  // default says "not without waiting", so acquire() is used. Throws Fatal
  // on failure.
  virtual bool try_acquire() { return false; }
  // Lets another process wait. Throws Fatal on failure.
  virtual void release() = 0;
};

}  // namespace dgram

#endif  // C++20
