// SPDX-License-Identifier: MIT
// termination - the SIGTERM flag, its wake-up pipe, and the interruptible flock.
#include "termination.h"

#include <fcntl.h>
#include <setjmp.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>

#include "dgram/error.h"

namespace dgram {

namespace {

// What the signal handler must reach.
volatile sig_atomic_t installed = 0;
volatile sig_atomic_t terminate_requested = 0;
volatile sig_atomic_t wake_write_fd = -1;
volatile sig_atomic_t wake_read_fd = -1;
// Set only around the flock() call in flock_unless_requested(), by the
// thread that waits there (the handler may run on another thread).
volatile sig_atomic_t jump_armed = 0;
volatile pid_t jump_thread = 0;
sigjmp_buf lock_wait_jump;

void on_sigterm(int) {
  int saved_errno = errno;
  terminate_requested = 1;
  if (wake_write_fd >= 0) {
    char byte = 'T';
    (void)!::write(wake_write_fd, &byte, 1);  // a full pipe is already readable
  }
  errno = saved_errno;
  if (jump_armed && jump_thread == ::gettid()) {
    jump_armed = 0;
    siglongjmp(lock_wait_jump, 1);
  }
}

}  // namespace

TerminationLatch::TerminationLatch() {
  if (installed) throw Fatal("SIGTERM latch: already installed in this process");
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) < 0) throw_errno("SIGTERM latch: pipe2");
  read_end_.reset(fds[0]);
  write_end_.reset(fds[1]);
  terminate_requested = 0;
  wake_read_fd = fds[0];
  wake_write_fd = fds[1];
  struct sigaction action {};
  action.sa_handler = on_sigterm;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;  // no SA_RESTART: a blocking call returns EINTR
  if (::sigaction(SIGTERM, &action, &previous_) < 0) {
    wake_read_fd = -1;
    wake_write_fd = -1;
    throw_errno("SIGTERM latch: sigaction(SIGTERM)");
  }
  installed = 1;
}

TerminationLatch::~TerminationLatch() {
  (void)::sigaction(SIGTERM, &previous_, nullptr);
  installed = 0;
  wake_write_fd = -1;
  wake_read_fd = -1;
}

bool TerminationLatch::requested() noexcept { return installed && terminate_requested; }

int TerminationLatch::wake_fd() noexcept { return installed ? wake_read_fd : -1; }

LockWait flock_unless_requested(int fd) noexcept {
  // Nothing with a destructor lives in this frame between sigsetjmp and
  // the jump: the handler leaves only the flock() call below.
  if (sigsetjmp(lock_wait_jump, 1) != 0) {
    // The signal may have come just after flock() succeeded: let go.
    (void)::flock(fd, LOCK_UN);
    return LockWait::terminated;
  }
  jump_thread = ::gettid();
  for (;;) {
    jump_armed = 1;
    if (TerminationLatch::requested()) {
      jump_armed = 0;
      return LockWait::terminated;
    }
    int result = ::flock(fd, LOCK_EX);
    jump_armed = 0;
    if (result == 0) return LockWait::locked;
    if (errno != EINTR) return LockWait::failed;
  }
}

}  // namespace dgram
