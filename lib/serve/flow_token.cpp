// SPDX-License-Identifier: MIT
// flow_token - one byte from the flow-control pipe, when one is queued.
#include "serve/flow_token.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>

namespace dgram {

bool take_flow_token(int flow_read_fd) noexcept {
  // The flow pipe is shared with the master and every sibling, so its file
  // status flags must not be changed: look at what is queued, then read one.
  // A sibling may take the last token in between; the read then waits for
  // the master's next refill, as Postfix's own children do.
  int queued = 0;
  if (::ioctl(flow_read_fd, FIONREAD, &queued) < 0 || queued <= 0) return false;
  char token;
  ssize_t n;
  do {
    n = ::read(flow_read_fd, &token, 1);
  } while (n < 0 && errno == EINTR);
  return n == 1;
}

}  // namespace dgram
