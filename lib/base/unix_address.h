// SPDX-License-Identifier: MIT
// unix_address - an AF_UNIX socket address from the way people write one:
// a path ("/run/x.sock", relative too) or "@name" for the Linux abstract
// namespace (no file; the name fills sun_path after a leading NUL).
#pragma once

#include <sys/socket.h>
#include <sys/un.h>

#include <optional>
#include <string_view>

namespace dgram {

struct UnixAddress {
  sockaddr_un address{};
  socklen_t length = 0;  // what bind(), connect() and sendto() are given
  const sockaddr* get() const noexcept { return reinterpret_cast<const sockaddr*>(&address); }
};

// The most bytes a name may have: a path needs its terminating NUL, an
// abstract name may fill sun_path.
std::size_t unix_address_room(std::string_view name) noexcept;

// nullopt when name is empty or longer than unix_address_room(name).
std::optional<UnixAddress> unix_address(std::string_view name) noexcept;

}  // namespace dgram
