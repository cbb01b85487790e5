// SPDX-License-Identifier: MIT
// receiver_drain - polling SIOCOUTQ until the receiver has consumed everything.
#include "measuring/receiver_drain.h"

#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <string>
#include <vector>

#include "clock.h"
#include "failure.h"
#include "progress.h"

namespace flood {

namespace {

constexpr std::int64_t kFirstLookNs = 10'000;       // 10 us
constexpr std::int64_t kLongestLookNs = 1'000'000;  // 1 ms

// charged_bytes - SIOCOUTQ of fd, or -1 with errno.
int charged_bytes(int fd) {
  int bytes = 0;
  if (::ioctl(fd, SIOCOUTQ, &bytes) != 0) return -1;
  return bytes;
}

// total_charge - the sum of SIOCOUTQ over fds, or Failure naming the socket that failed.
std::int64_t total_charge(std::span<const int> fds, const FloodOptions& options) {
  std::int64_t total = 0;
  for (std::size_t k = 0; k < fds.size(); ++k) {
    int bytes = charged_bytes(fds[k]);
    if (bytes < 0) {
      std::string which = fds.size() > 1 ? "sender " + std::to_string(k + 1) + "'s socket"
                                         : std::string("the socket");
      throw errno_failure(kExitSendFailed,
                          "ioctl(SIOCOUTQ) on " + which + " to " + options.socket_path, errno);
    }
    total += bytes;
  }
  return total;
}

// timeout_line - the error when the receiver stopped consuming.
std::string timeout_line(const FloodOptions& options, std::uint64_t sent, std::int64_t bytes) {
  char seconds[32];
  std::snprintf(seconds, sizeof(seconds), "%g", options.timeout);
  std::optional<std::uint64_t> left =
      unconsumed_datagrams(static_cast<std::uint64_t>(bytes), options.size);
  std::string how_many = left ? std::to_string(*left) : std::string("some");
  return "timed out: the receiver at " + options.socket_path + " consumed nothing for " + seconds +
         " s (is it reading?); " + how_many + " of the " + std::to_string(sent) +
         " datagrams sent were not consumed (" + std::to_string(bytes) + " bytes still queued)";
}

}  // namespace

std::optional<std::uint64_t> unconsumed_datagrams(std::uint64_t bytes, std::size_t size) {
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, pair) != 0) return std::nullopt;
  std::vector<char> datagram(size, 'x');
  ssize_t sent;
  do {
    sent = ::send(pair[0], datagram.data(), datagram.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
  } while (sent < 0 && errno == EINTR);
  int one = sent == static_cast<ssize_t>(size) ? charged_bytes(pair[0]) : -1;
  (void)::close(pair[0]);  // a private pair: what is queued in it is meant to be thrown away
  (void)::close(pair[1]);
  if (one <= 0 || bytes % static_cast<std::uint64_t>(one) != 0) return std::nullopt;
  return bytes / static_cast<std::uint64_t>(one);
}

std::int64_t wait_until_consumed(std::span<const int> fds, const FloodOptions& options,
                                 std::uint64_t sent, Progress& progress) {
  const bool forever = options.timeout <= 0;
  const auto timeout_ns = static_cast<std::int64_t>(options.timeout * kNanosPerSecond);
  std::int64_t step_ns = kFirstLookNs;
  std::int64_t last = -1;
  std::int64_t last_fall_ns = monotonic_ns();
  for (;;) {
    std::int64_t bytes = total_charge(fds, options);
    std::int64_t now = monotonic_ns();
    if (bytes == 0) return now;
    if (last < 0 || bytes < last) last_fall_ns = now;
    last = bytes;
    if (!forever && now - last_fall_ns >= timeout_ns) {
      throw Failure{kExitSendFailed, timeout_line(options, sent, bytes)};
    }
    progress.waiting(sent);
    std::int64_t wake = now + step_ns;
    if (!forever) wake = std::min(wake, last_fall_ns + timeout_ns);
    sleep_until_ns(wake);
    step_ns = std::min(step_ns * 2, kLongestLookNs);
  }
}

}  // namespace flood
