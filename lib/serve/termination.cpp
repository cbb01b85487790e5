// SPDX-License-Identifier: MIT
// termination - the SIGTERM flag and its wake-up pipe.
#include "serve/termination.h"

#include <fcntl.h>
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
volatile pid_t server_pid = 0;  // the process that installed the latch

void on_sigterm(int signo) {
  int saved_errno = errno;
  if (::getpid() != server_pid) {
    // A forked helper: SIGTERM ends it the default way, the server is not told.
    struct sigaction fallback {};
    fallback.sa_handler = SIG_DFL;
    sigemptyset(&fallback.sa_mask);
    (void)::sigaction(signo, &fallback, nullptr);
    (void)::raise(signo);  // pending until the handler returns, then ends the process
    errno = saved_errno;
    return;
  }
  terminate_requested = 1;
  if (wake_write_fd >= 0) {
    char byte = 'T';
    (void)!::write(wake_write_fd, &byte, 1);  // a full pipe is already readable
  }
  errno = saved_errno;
}

}  // namespace

TerminationLatch::TerminationLatch() {
  if (installed) throw Fatal("SIGTERM latch: already installed in this process");
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) < 0) throw_errno("SIGTERM latch: pipe2");
  read_end_.reset(fds[0]);
  write_end_.reset(fds[1]);
  terminate_requested = 0;
  server_pid = ::getpid();
  wake_read_fd = fds[0];
  wake_write_fd = fds[1];
  struct sigaction action {};
  action.sa_handler = on_sigterm;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;  // the service's blocking calls go on
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

}  // namespace dgram
