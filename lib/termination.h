// SPDX-License-Identifier: MIT
// termination - SIGTERM caught from the first instruction of run() to its
// return, so that a stop request ends the child cleanly at any moment.
//
// DESCRIPTION
//   A TerminationLatch installs a SIGTERM handler (without SA_RESTART) for
//   its lifetime and restores the previous action when it goes away. The
//   handler only sets a flag and writes one byte to a non-blocking pipe:
//     requested()   true once SIGTERM arrived (start-up looks at it before
//                   it enters the loop; the loop after every batch).
//     wake_fd()     readable once SIGTERM arrived: the event loop watches it,
//                   so a signal that lands just before the loop blocks in
//                   epoll_wait still wakes it (no lost wake-up).
//     flock_unless_requested(fd)
//                   flock(fd, LOCK_EX) that gives up when SIGTERM arrives,
//                   including the moment between the last look at the flag
//                   and the system call: the handler jumps out of a wait it
//                   finds armed (siglongjmp over the flock() call only).
//   The lock-file gate uses the last one, so a child waiting for its
//   sibling to let go of the lock leaves at once.
//
// RESTRICTIONS
//   One latch per process at a time (the handler reaches it through
//   file-scope state). SIGTERM must not be blocked while the child serves.
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

// The outcome of flock_unless_requested().
enum class LockWait { locked, terminated, failed };

// flock(fd, LOCK_EX), retried after other signals, abandoned when SIGTERM
// arrives (before or during the wait) while a latch is installed. `failed`
// leaves errno set. Without a latch it is a plain blocking flock.
LockWait flock_unless_requested(int fd) noexcept;

}  // namespace dgram
