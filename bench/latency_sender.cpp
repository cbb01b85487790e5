// SPDX-License-Identifier: MIT
// latency-sender - a paced sender whose datagrams carry their send time.
//
// SUMMARY
//   latency-sender [--rate R] [--count N] [--size S] SOCKET_PATH
// DESCRIPTION
//   Sends N datagrams (default 5000) of S bytes (default 100, at least 8) to
//   a UNIX datagram socket at R datagrams per second (default 1000). Datagram
//   i is due at start + i/R: the sender sleeps until then with
//   clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME), writes CLOCK_MONOTONIC
//   now into the first 8 bytes (latency_record.h) and sends; a datagram already
//   due is sent without sleeping (timer slack is set to 1 ns). A light, even
//   load: each datagram finds an idle receiver, so the delay a receiver
//   records is its wake-up and dispatch path. Prints one JSON object: sent,
//   seconds, the achieved rate and how many sends were late by more than one
//   period.
// DIAGNOSTICS
//   Exit status 0 when all were sent; 1 when a send failed; 2 for a bad
//   command line or a socket that cannot be connected.
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "latency_record.h"

namespace {

[[noreturn]] void usage(const std::string& why) {
  std::fprintf(stderr, "latency-sender: %s\nusage: latency-sender [--rate R] [--count N] [--size S] SOCKET_PATH\n",
               why.c_str());
  std::exit(2);
}

double positive(const char* option, const char* text) {
  char* end = nullptr;
  double value = std::strtod(text, &end);
  if (end == text || *end != '\0' || !(value > 0)) usage(std::string("bad value for ") + option + ": " + text);
  return value;
}

timespec at(std::int64_t ns) {
  return timespec{static_cast<time_t>(ns / 1000000000), static_cast<long>(ns % 1000000000)};
}

}  // namespace

int main(int argc, char** argv) {
  double rate = 1000;
  auto count = std::uint64_t{5000};
  std::size_t size = 100;
  std::string path;
  for (int i = 1; i < argc; ++i) {
    std::string_view word = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) usage(std::string(word) + " needs a value");
      return argv[++i];
    };
    if (word == "--rate") {
      rate = positive("--rate", value());
    } else if (word == "--count") {
      count = static_cast<std::uint64_t>(positive("--count", value()));
    } else if (word == "--size") {
      size = static_cast<std::size_t>(positive("--size", value()));
    } else if (!word.empty() && word[0] == '-') {
      usage("unknown option " + std::string(word));
    } else if (path.empty()) {
      path = word;
    } else {
      usage("one socket path only");
    }
  }
  if (path.empty()) usage("SOCKET_PATH is required");
  if (size < dgram::bench::kStampSize || size > 65536) usage("--size must be 8 to 65536");

  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.size() >= sizeof(address.sun_path)) usage("socket path too long");
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) < 0) {
    std::fprintf(stderr, "latency-sender: connect %s: %s\n", path.c_str(), std::strerror(errno));
    return 2;
  }

  // Wake up on time, not up to 50 us late (the default timer slack).
  if (::prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL) < 0) {
    std::fprintf(stderr, "latency-sender: prctl(PR_SET_TIMERSLACK): %s\n", std::strerror(errno));
    return 1;
  }

  std::vector<char> datagram(size);
  for (std::size_t i = 0; i < size; ++i) datagram[i] = static_cast<char>('a' + i % 26);
  const auto period_ns = static_cast<std::int64_t>(1e9 / rate);
  const std::int64_t start = dgram::bench::monotonic_ns() + period_ns;
  std::uint64_t sent = 0;
  std::uint64_t late = 0;
  for (; sent < count; ++sent) {
    std::int64_t due = start + static_cast<std::int64_t>(sent) * period_ns;
    std::int64_t now = dgram::bench::monotonic_ns();
    // Sleep only when the datagram is not due yet: at high rates the sender
    // is often behind, and a sleep call then only adds a system call.
    if (now < due) {
      timespec wake = at(due);
      int error;
      while ((error = ::clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &wake, nullptr)) == EINTR) {
      }
      if (error != 0) {
        std::fprintf(stderr, "latency-sender: clock_nanosleep: %s\n", std::strerror(error));
        return 1;
      }
      now = dgram::bench::monotonic_ns();
    }
    if (now - due > period_ns) ++late;
    dgram::bench::write_stamp(datagram.data(), now);
    ssize_t n;
    do {
      n = ::send(fd, datagram.data(), datagram.size(), 0);
    } while (n < 0 && errno == EINTR);
    if (n != static_cast<ssize_t>(datagram.size())) {
      std::fprintf(stderr, "latency-sender: send: %s\n", n < 0 ? std::strerror(errno) : "short send");
      return 1;
    }
  }
  double seconds = static_cast<double>(dgram::bench::monotonic_ns() - start) / 1e9;
  std::printf("{\"sent\": %llu, \"seconds\": %.3f, \"rate\": %.1f, \"late\": %llu}\n",
              static_cast<unsigned long long>(sent), seconds, seconds > 0 ? static_cast<double>(sent) / seconds : 0.0,
              static_cast<unsigned long long>(late));
  ::close(fd);
  return 0;
}
