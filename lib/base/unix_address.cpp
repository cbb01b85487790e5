// SPDX-License-Identifier: MIT
// unix_address - sockaddr_un for a path or an abstract @name.
#include "base/unix_address.h"

#include <cstddef>
#include <cstring>

namespace dgram {

std::size_t unix_address_room(std::string_view name) noexcept {
  bool abstract = !name.empty() && name[0] == '@';
  return sizeof(sockaddr_un::sun_path) - (abstract ? 0 : 1);
}

std::optional<UnixAddress> unix_address(std::string_view name) noexcept {
  if (name.empty() || name.size() > unix_address_room(name)) return std::nullopt;
  bool abstract = name[0] == '@';
  UnixAddress result;
  result.address.sun_family = AF_UNIX;
  std::memcpy(result.address.sun_path, name.data(), name.size());
  if (abstract) result.address.sun_path[0] = '\0';
  result.length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size() + (abstract ? 0 : 1));
  return result;
}

}  // namespace dgram
