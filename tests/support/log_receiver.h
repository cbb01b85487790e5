// SPDX-License-Identifier: MIT
// log_receiver - a bound UNIX datagram socket standing in for syslogd or
// postlogd in the log sink tests. Every wait is bounded.
#pragma once

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>

#include "dgram/unique_fd.h"

namespace dgram::testing {

class LogReceiver {
 public:
  explicit LogReceiver(std::string path) : path_(std::move(path)) { bind(); }
  ~LogReceiver() { ::unlink(path_.c_str()); }
  LogReceiver(const LogReceiver&) = delete;
  LogReceiver& operator=(const LogReceiver&) = delete;

  const std::string& path() const { return path_; }

  // Closes the socket and removes its name (the daemon went away).
  void close() {
    fd_.reset();
    ::unlink(path_.c_str());
  }
  // Closes and binds a new socket at the same path (the daemon restarted).
  void rebind() {
    close();
    bind();
  }

  // The next datagram, waiting up to timeout_ms; nullopt when none came.
  std::optional<std::string> receive(int timeout_ms = 2000) const {
    pollfd p{fd_.get(), POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) <= 0) return std::nullopt;
    std::string data(256 * 1024, '\0');
    ssize_t n = ::recv(fd_.get(), data.data(), data.size(), MSG_DONTWAIT);
    if (n < 0) return std::nullopt;
    data.resize(static_cast<std::size_t>(n));
    return data;
  }

 private:
  void bind() {
    fd_.reset(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!fd_) throw std::runtime_error("socket failed");
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (path_.size() >= sizeof(address.sun_path)) throw std::runtime_error("path too long");
    std::memcpy(address.sun_path, path_.data(), path_.size());
    ::unlink(path_.c_str());
    if (::bind(fd_.get(), reinterpret_cast<const sockaddr*>(&address), sizeof(address)) < 0) {
      throw std::runtime_error("bind " + path_ + ": " + std::strerror(errno));
    }
  }

  std::string path_;
  UniqueFd fd_;
};

}  // namespace dgram::testing
