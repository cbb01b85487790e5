// SPDX-License-Identifier: MIT
// supervisor - whoever watches a running service and what it is told: the
// Postfix master (TAKEN and AVAIL on its status channel) or systemd
// (READY, STATUS, STOPPING and ERRNO on NOTIFY_SOCKET). The dispatch loop
// and the start-up talk to this interface only; start/master_supervisor.h
// and start/systemd_supervisor.h implement it, and NoSupervisor is the one
// for a process that nobody watches (yet).
//
// THREADS
//   All calls come from the loop's thread. busy() and idle() may also come
//   from the hand-off signal's handler on that thread (hand_off.h): they must
//   be async-signal-safe (a write(2), no allocation, no lock).
#pragma once

#include <string>

namespace dgram {

class Supervisor {
 public:
  virtual ~Supervisor() = default;

  // Serving begins (post_init has run).
  virtual void ready() {}
  // A wake-up gives its turn to a sibling: the supervisor may start another
  // child. False when the report could not be made. Async-signal-safe.
  virtual bool busy() noexcept { return true; }
  // The busy wake-up has ended. False when the report could not be made (the
  // supervisor is gone). Async-signal-safe.
  virtual bool idle() noexcept { return true; }
  // After a wake-up that served datagrams (never per datagram); total is the
  // count served since the start.
  virtual void served(unsigned long long total) { (void)total; }
  // The loop has ended; the exit hook runs next.
  virtual void stopping() {}
  // The process ends with a fatal error: its one line, and the errno that
  // says what failed (EINVAL for a bad value, EIO for an unexpected error).
  virtual void fatal(const std::string& text, int error_number) noexcept {
    (void)text;
    (void)error_number;
  }
  // A descriptor that becomes readable when the supervisor has gone away
  // (the master's status channel), else -1: the loop then ends.
  virtual int gone_fd() const noexcept { return -1; }
};

// Nobody watches: every report is accepted and goes nowhere.
class NoSupervisor final : public Supervisor {};

}  // namespace dgram
