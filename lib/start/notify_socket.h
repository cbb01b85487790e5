// SPDX-License-Identifier: MIT
// notify_socket - telling the service manager (systemd) how the process is
// doing, over $NOTIFY_SOCKET, without libsystemd.
//
// The protocol (sd_notify(3)): one datagram of newline-separated KEY=VALUE
// lines to the AF_UNIX socket named by NOTIFY_SOCKET, a path (/run/...) or
// an abstract name (@name). The socket is connected once, by connect(),
// before a chroot or a user switch can make the path unreachable; sends
// never block (a full queue loses that one message, which the next one
// supersedes). from_environment() gives nullopt when NOTIFY_SOCKET is not
// set and throws Fatal for a value that names no AF_UNIX socket.
#pragma once

#include <sys/types.h>

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "dgram/unique_fd.h"

namespace dgram {

class NotifySocket {
 public:
  static std::optional<NotifySocket> from_environment(const std::map<std::string, std::string>& env);

  // Connects; throws Fatal naming NOTIFY_SOCKET when that fails.
  void connect();
  // Sends one message. False (errno set) when it did not go out.
  bool send(std::string_view message) noexcept;
  const std::string& address() const noexcept { return address_; }

 private:
  explicit NotifySocket(std::string address) : address_(std::move(address)) {}

  std::string address_;
  UniqueFd socket_;
};

// The watchdog systemd asks for: WATCHDOG_USEC, when WATCHDOG_PID is unset or
// names pid. nullopt when there is none; throws Fatal for a value that is not
// a positive number of microseconds.
std::optional<unsigned long long> watchdog_interval_usec(const std::map<std::string, std::string>& env,
                                                         pid_t pid);

}  // namespace dgram
