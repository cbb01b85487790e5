// SPDX-License-Identifier: MIT
// NAME
//   datagram_socket - the sender's AF_UNIX SOCK_DGRAM socket, connected to
//   the target path.
// SUMMARY
//   DatagramSocket socket = DatagramSocket::connect_to(path);
// DESCRIPTION
//   connect_to() creates the socket (close-on-exec) and connects it to path,
//   so every later send goes there without naming it again. The object owns
//   the descriptor and closes it once; it is move-only.
// DIAGNOSTICS
//   A failing socket() throws Failure with exit status 1. A failing
//   connect() throws Failure with exit status 2 and one line naming the path
//   and the error, with a hint for the usual causes: ENOENT (no such socket),
//   ECONNREFUSED (a socket file that nobody is bound to any more) and
//   EPROTOTYPE (a stream socket, not a datagram one).
#pragma once

#include <string>

namespace flood {

class DatagramSocket {
 public:
  static DatagramSocket connect_to(const std::string& path);

  DatagramSocket(DatagramSocket&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  DatagramSocket& operator=(DatagramSocket&&) = delete;
  DatagramSocket(const DatagramSocket&) = delete;
  DatagramSocket& operator=(const DatagramSocket&) = delete;
  ~DatagramSocket();

  int fd() const { return fd_; }

 private:
  explicit DatagramSocket(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace flood
