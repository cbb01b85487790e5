// SPDX-License-Identifier: MIT
// datagram_socket - a bound UNIX datagram socket and a sender connected to
// it, for tests that play both the client and the master.
#pragma once

#include <string>
#include <string_view>

#include "dgram/unique_fd.h"

namespace dgram::testing {

class DatagramSocket {
 public:
  // Binds path (non-blocking, like the master's listen sockets) and connects a sender.
  explicit DatagramSocket(const std::string& path);

  int listen_fd() const { return listen_.get(); }
  const std::string& path() const { return path_; }
  // Sends one datagram; throws when it cannot be queued.
  void send(std::string_view data) const;
  // How many datagrams are still queued (received and discarded here).
  int drain() const;

 private:
  std::string path_;
  UniqueFd listen_;
  UniqueFd sender_;
};

}  // namespace dgram::testing
