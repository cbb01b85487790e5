// SPDX-License-Identifier: MIT
// reply - Context::reply(): a datagram back to its sender, never blocking.
#include <sys/socket.h>
#include <sys/un.h>

#include <cerrno>
#include <cstring>

#include "dgram/service.h"

namespace dgram {

std::error_code Context::reply(const Datagram& datagram, std::string_view bytes) const {
  const SenderAddress* sender = datagram.sender;
  if (sender == nullptr || sender->kind == SenderAddress::Kind::unnamed || datagram.socket_fd < 0) {
    return std::make_error_code(std::errc::destination_address_required);
  }
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::size_t offset = sender->kind == SenderAddress::Kind::abstract ? 1 : 0;  // leading NUL
  if (sender->name.size() + offset >= sizeof(address.sun_path)) {
    return std::make_error_code(std::errc::filename_too_long);
  }
  std::memcpy(address.sun_path + offset, sender->name.data(), sender->name.size());
  auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + offset + sender->name.size() +
                                       (offset == 0 ? 1 : 0));
  for (;;) {
    ssize_t sent = ::sendto(datagram.socket_fd, bytes.data(), bytes.size(), MSG_DONTWAIT | MSG_NOSIGNAL,
                            reinterpret_cast<const sockaddr*>(&address), length);
    if (sent >= 0) return {};
    if (errno != EINTR) return std::error_code(errno, std::generic_category());
  }
}

}  // namespace dgram
