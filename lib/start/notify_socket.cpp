// SPDX-License-Identifier: MIT
// notify_socket - sd_notify's datagrams, written from its manual page.
#include "start/notify_socket.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>

#include "base/decimal.h"
#include "dgram/error.h"
#include "base/unix_address.h"

namespace dgram {

std::optional<NotifySocket> NotifySocket::from_environment(const std::map<std::string, std::string>& env) {
  auto it = env.find("NOTIFY_SOCKET");
  if (it == env.end()) return std::nullopt;
  const std::string& address = it->second;
  if (address.size() < 2 || (address[0] != '/' && address[0] != '@')) {
    throw Fatal("invalid NOTIFY_SOCKET=" + address +
                ": expected an absolute socket path or @name (vsock: addresses are not supported)");
  }
  if (!unix_address(address)) {
    throw Fatal("invalid NOTIFY_SOCKET=" + address + ": longer than a socket path can be");
  }
  return NotifySocket(address);
}

void NotifySocket::connect() {
  socket_ = UniqueFd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!socket_) throw_errno("socket() for NOTIFY_SOCKET=" + address_);
  UnixAddress peer = *unix_address(address_);  // checked by from_environment()
  if (::connect(socket_.get(), peer.get(), peer.length) < 0) {
    throw_errno("connect() to NOTIFY_SOCKET=" + address_);
  }
}

bool NotifySocket::send(std::string_view message) noexcept {
  if (!socket_) {
    errno = ENOTCONN;
    return false;
  }
  ssize_t sent = ::send(socket_.get(), message.data(), message.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
  return sent == static_cast<ssize_t>(message.size());
}

std::optional<unsigned long long> watchdog_interval_usec(const std::map<std::string, std::string>& env,
                                                         pid_t pid) {
  auto usec = env.find("WATCHDOG_USEC");
  if (usec == env.end()) return std::nullopt;
  if (auto owner = env.find("WATCHDOG_PID"); owner != env.end()) {
    auto value = parse_decimal(owner->second);
    if (!value) throw Fatal("invalid WATCHDOG_PID=" + owner->second + ": not a process id");
    if (*value != static_cast<unsigned long long>(pid)) return std::nullopt;  // meant for another process
  }
  auto value = parse_decimal(usec->second);
  if (!value || *value == 0) {
    throw Fatal("invalid WATCHDOG_USEC=" + usec->second + ": not a positive number of microseconds");
  }
  return value;
}

}  // namespace dgram
