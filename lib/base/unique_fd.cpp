// SPDX-License-Identifier: MIT
// unique_fd - closing and replacing the owned descriptor.
#include "dgram/unique_fd.h"

#include <unistd.h>

namespace dgram {

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) reset(other.release());
  return *this;
}

void UniqueFd::reset(int fd) noexcept {
  if (fd_ >= 0 && fd_ != fd) {
    // close() may report EINTR or EIO; the descriptor is released either way
    // on Linux, and there is nothing useful left to do with it.
    (void)::close(fd_);
  }
  fd_ = fd;
}

}  // namespace dgram
