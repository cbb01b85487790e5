// SPDX-License-Identifier: MIT
// termination - SIGTERM caught from the first instruction of run() to its
// return, so that a stop request ends the child cleanly at any moment.
//
// DESCRIPTION
//   A TerminationLatch installs a SIGTERM handler for its lifetime and
//   restores the previous action when it goes away. The handler sets a flag
//   and writes one byte to a non-blocking pipe:
//     requested()   true once SIGTERM arrived (start-up looks at it before
//                   it enters the loop; the loop between batches).
//     wake_fd()     readable once SIGTERM arrived: the event loop watches it,
//                   so a signal that lands just before the loop blocks in
//                   epoll_wait still wakes it (no lost wake-up).
//   The handler is installed with SA_RESTART: a service's own blocking read,
//   write, open or connect goes on when SIGTERM comes (poll, epoll_wait and
//   nanosleep still return EINTR, as they do for any signal), so the
//   datagram in hand is finished.
//
//   A process the service forks without exec inherits the handler. There it
//   does nothing of the server's: it puts SIGTERM's default action back and
//   raises it again, so the helper ends as it would without the skeleton,
//   and the server's flag and pipe are left alone.
//
// THREADS
//   Made and destroyed on the main thread. The handler may run on any thread
//   that leaves SIGTERM unblocked; the skeleton's own helper thread (the gate
//   waiter) blocks it.
//
// RESTRICTIONS
//   One latch per process at a time (the handler reaches it through
//   file-scope state).
//
// DIAGNOSTICS
//   The constructor throws Fatal when sigaction or pipe2 fails, or when a
//   latch is already installed.
#pragma once

#include <signal.h>

#include "dgram/unique_fd.h"

namespace dgram {

class TerminationLatch {
 public:
  TerminationLatch();
  ~TerminationLatch();
  TerminationLatch(const TerminationLatch&) = delete;
  TerminationLatch& operator=(const TerminationLatch&) = delete;

  // True once SIGTERM arrived while this latch was installed.
  static bool requested() noexcept;
  // Readable once SIGTERM arrived; -1 when no latch is installed.
  static int wake_fd() noexcept;

 private:
  UniqueFd read_end_;
  UniqueFd write_end_;
  struct sigaction previous_ {};
};

}  // namespace dgram
