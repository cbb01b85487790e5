// SPDX-License-Identifier: MIT
// NAME
//   owned_fd - a move-only owner of one file descriptor (a pipe end).
// SUMMARY
//   OwnedFd end(fds[0]);  ...  end.reset();  // or let it go out of scope
// DESCRIPTION
//   Wrapped right after the system call that made the descriptor; closed
//   once, by reset() or the destructor. The sockets have their own owner
//   (sending/datagram_socket.h).
// DIAGNOSTICS
//   None: close(2) of a pipe end has nothing to report that the other end
//   would not see anyway, so its result is dropped.
#pragma once

#include <unistd.h>

#include <utility>

namespace flood {

class OwnedFd {
 public:
  OwnedFd() = default;
  explicit OwnedFd(int fd) : fd_(fd) {}
  OwnedFd(OwnedFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  OwnedFd& operator=(OwnedFd&& other) noexcept {
    if (this != &other) {
      reset();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  OwnedFd(const OwnedFd&) = delete;
  OwnedFd& operator=(const OwnedFd&) = delete;
  ~OwnedFd() { reset(); }

  int get() const { return fd_; }
  void reset() {
    if (fd_ >= 0) (void)::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

}  // namespace flood
