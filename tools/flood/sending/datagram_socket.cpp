// SPDX-License-Identifier: MIT
// datagram_socket - creating and connecting the sending socket.
#include "sending/datagram_socket.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "failure.h"

namespace flood {

namespace {

// connect_hint - a few words on what usually causes this connect() error.
const char* connect_hint(int error) {
  switch (error) {
    case ENOENT:
      return " (no socket there; is the service running?)";
    case ECONNREFUSED:
      return " (nothing is bound to it; is the service running?)";
    case EPROTOTYPE:
      return " (it is not a datagram socket)";
    default:
      return "";
  }
}

}  // namespace

DatagramSocket DatagramSocket::connect_to(const std::string& path) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.size() >= sizeof(address.sun_path)) {
    throw Failure{kExitUsage, "socket path '" + path + "' is too long"};
  }
  std::memcpy(address.sun_path, path.data(), path.size());

  int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw errno_failure(kExitSendFailed, "socket(AF_UNIX, SOCK_DGRAM)", errno);
  DatagramSocket socket(fd);

  for (;;) {
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) == 0) break;
    int error = errno;
    if (error == EINTR) continue;
    Failure failure = errno_failure(kExitUsage, "cannot connect to " + path, error);
    failure.line += connect_hint(error);
    throw failure;
  }
  return socket;
}

DatagramSocket::~DatagramSocket() {
  // Nothing was left unsent in a datagram socket's buffer that close() could
  // still fail to deliver, so its result has nothing more to report.
  if (fd_ >= 0) (void)::close(fd_);
}

}  // namespace flood
