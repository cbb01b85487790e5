// SPDX-License-Identifier: MIT
// datagram_socket - bind, connect, send, drain.
#include "datagram_socket.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <cstring>
#include <stdexcept>
#include <vector>

#include "dgram/error.h"
#include "master_side.h"

namespace dgram::testing {

DatagramSocket::DatagramSocket(const std::string& path)
    : path_(path), listen_(launch::bind_datagram_socket(path)) {
  sender_.reset(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!sender_) throw_errno("socket");
  int size = 1 << 20;
  if (::setsockopt(sender_.get(), SOL_SOCKET, SO_SNDBUF, &size, sizeof(size)) < 0) {
    throw_errno("SO_SNDBUF");
  }
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  if (::connect(sender_.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)) < 0) {
    throw_errno("connect " + path);
  }
}

void DatagramSocket::send(std::string_view data) const {
  ssize_t n = ::send(sender_.get(), data.data(), data.size(), MSG_DONTWAIT);
  if (n != static_cast<ssize_t>(data.size())) throw_errno("send to " + path_);
}

int DatagramSocket::drain() const {
  std::vector<char> buffer(70000);
  int count = 0;
  while (::recv(listen_.get(), buffer.data(), buffer.size(), MSG_DONTWAIT) >= 0) ++count;
  return count;
}

}  // namespace dgram::testing
