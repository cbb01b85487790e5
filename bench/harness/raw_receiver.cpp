// SPDX-License-Identifier: MIT
// raw-receiver - the reference receiver: as close to the kernel as a
// datagram receiver gets, the limit the skeleton is measured against.
//
// SUMMARY
//   raw-receiver --socket PATH --count N [--mode recvmmsg|recv] [--batch B]
//                [--buffer BYTES] [--latency] [--timeout SEC] [--stay]
// DESCRIPTION
//   Binds a UNIX datagram socket at PATH (removing what was there; mode
//   0666) and receives until N datagrams arrived. recvmmsg mode (the
//   default) reads up to B (default 64) datagrams per call with
//   MSG_WAITFORONE: the call blocks for the first datagram, then takes
//   whatever else is queued without waiting (never more than are still
//   expected). recv mode reads one datagram per recv() call. With --latency
//   each datagram's first 8 bytes are its due time, as dgram-flood --stamp
//   writes it (tools/latency/latency_stamp.h), and
//   the delays are reported. It then prints one JSON object on stdout:
//   count, bytes, seconds (first to last datagram), datagrams_per_s, its
//   own CPU time (getrusage), calls and batch sizes, and with --latency the
//   delay quantiles. The socket is removed on exit.
//
//   With --stay it does not exit after the last datagram but waits, socket
//   still bound, for SIGTERM (or SIGINT), and reports then: so that
//   dgram-flood --receiver PID can read its CPU time and context switches
//   after the drain, from /proc, like any other receiver's. A signal before
//   the last datagram ends the receiving (the report says "complete":
//   false), with or without --stay.
// DIAGNOSTICS
//   Exit status 0 when N datagrams arrived; 1 when no datagram came for
//   --timeout seconds (default 60; the JSON then has "complete": false) or
//   a receive failed; 2 for a bad command line or a socket that cannot be bound.
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "delay_recorder.h"
#include "latency_stamp.h"

namespace {

struct Settings {
  std::string socket_path;
  std::uint64_t count = 0;
  bool use_recvmmsg = true;
  unsigned batch = 64;
  std::size_t buffer = 65536;
  bool latency = false;
  double timeout = 60;
  bool stay = false;
};

volatile std::sig_atomic_t stop_requested = 0;

// on_stop - SIGTERM or SIGINT: stop receiving, or stop staying.
void on_stop(int) { stop_requested = 1; }

// catch_stop - on_stop for SIGTERM and SIGINT, without SA_RESTART: a blocked
// receive returns EINTR.
void catch_stop() {
  struct sigaction action {};
  action.sa_handler = on_stop;
  sigemptyset(&action.sa_mask);
  ::sigaction(SIGTERM, &action, nullptr);
  ::sigaction(SIGINT, &action, nullptr);
}

// stay_until_stopped - waits for SIGTERM or SIGINT, without a window for a lost wake-up.
void stay_until_stopped() {
  sigset_t stops;
  sigset_t before;
  sigemptyset(&stops);
  sigaddset(&stops, SIGTERM);
  sigaddset(&stops, SIGINT);
  ::sigprocmask(SIG_BLOCK, &stops, &before);
  while (stop_requested == 0) ::sigsuspend(&before);
  ::sigprocmask(SIG_SETMASK, &before, nullptr);
}

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr,
               "raw-receiver: %s\n"
               "usage: raw-receiver --socket PATH --count N [--mode recvmmsg|recv] [--batch B]\n"
               "                    [--buffer BYTES] [--latency] [--timeout SEC] [--stay]\n",
               why);
  std::exit(2);
}

// number - a positive decimal number, or a usage error naming the option.
std::uint64_t number(const char* option, const char* text) {
  char* end = nullptr;
  errno = 0;
  unsigned long long value = std::strtoull(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || value == 0) {
    usage((std::string("bad value for ") + option + ": " + text).c_str());
  }
  return value;
}

Settings parse(int argc, char** argv) {
  Settings s;
  for (int i = 1; i < argc; ++i) {
    std::string_view word = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) usage((std::string(word) + " needs a value").c_str());
      return argv[++i];
    };
    if (word == "--socket") {
      s.socket_path = value();
    } else if (word == "--count") {
      s.count = number("--count", value());
    } else if (word == "--mode") {
      std::string_view mode = value();
      if (mode == "recvmmsg") {
        s.use_recvmmsg = true;
      } else if (mode == "recv") {
        s.use_recvmmsg = false;
      } else {
        usage("--mode is recvmmsg or recv");
      }
    } else if (word == "--batch") {
      s.batch = static_cast<unsigned>(number("--batch", value()));
      if (s.batch > 1024) usage("--batch is at most 1024");
    } else if (word == "--buffer") {
      s.buffer = number("--buffer", value());
      if (s.buffer > 65536) usage("--buffer is at most 65536");
    } else if (word == "--latency") {
      s.latency = true;
    } else if (word == "--stay") {
      s.stay = true;
    } else if (word == "--timeout") {
      s.timeout = std::strtod(value(), nullptr);
      if (s.timeout <= 0) usage("--timeout must be positive");
    } else {
      usage((std::string("unknown word: ") + std::string(word)).c_str());
    }
  }
  if (s.socket_path.empty()) usage("--socket is required");
  if (s.count == 0) usage("--count is required");
  return s;
}

// bind_socket - a UNIX datagram socket bound at path, mode 0666, receive timeout set.
int bind_socket(const Settings& s) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (s.socket_path.size() >= sizeof(address.sun_path)) usage("socket path too long");
  std::memcpy(address.sun_path, s.socket_path.c_str(), s.socket_path.size() + 1);
  int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    std::fprintf(stderr, "raw-receiver: socket: %s\n", std::strerror(errno));
    std::exit(2);
  }
  ::unlink(s.socket_path.c_str());
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) < 0 ||
      ::chmod(s.socket_path.c_str(), 0666) < 0) {
    std::fprintf(stderr, "raw-receiver: bind %s: %s\n", s.socket_path.c_str(), std::strerror(errno));
    std::exit(2);
  }
  timeval timeout{};
  timeout.tv_sec = static_cast<time_t>(s.timeout);
  timeout.tv_usec = static_cast<suseconds_t>((s.timeout - static_cast<double>(timeout.tv_sec)) * 1e6);
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  return fd;
}

struct Tally {
  std::uint64_t datagrams = 0;
  std::uint64_t bytes = 0;
  std::uint64_t calls = 0;
  std::uint64_t max_batch = 0;
  std::int64_t first_ns = 0;
  std::int64_t last_ns = 0;
  bool failed = false;
};

// observe - counts one batch of received datagrams (lengths given) and their delays.
void observe(Tally& tally, dgram::latency::DelayRecorder* delays, const char* const* data,
             const unsigned* lengths, unsigned n) {
  std::int64_t now = dgram::latency::stamp_clock_ns();
  if (tally.datagrams == 0) tally.first_ns = now;
  tally.last_ns = now;
  tally.datagrams += n;
  tally.max_batch = std::max<std::uint64_t>(tally.max_batch, n);
  for (unsigned i = 0; i < n; ++i) {
    tally.bytes += lengths[i];
    if (delays != nullptr) {
      if (auto due = dgram::latency::read_stamp(std::string_view(data[i], lengths[i]))) {
        delays->record(now - *due);
      } else {
        delays->record_malformed();
      }
    }
  }
}

void receive_recvmmsg(int fd, const Settings& s, Tally& tally, dgram::latency::DelayRecorder* delays) {
  std::vector<char> storage(s.batch * s.buffer);
  std::vector<iovec> vectors(s.batch);
  std::vector<mmsghdr> headers(s.batch);
  std::vector<const char*> data(s.batch);
  std::vector<unsigned> lengths(s.batch);
  for (unsigned i = 0; i < s.batch; ++i) {
    vectors[i] = {storage.data() + i * s.buffer, s.buffer};
    data[i] = storage.data() + i * s.buffer;
  }
  while (tally.datagrams < s.count) {
    auto want = static_cast<unsigned>(std::min<std::uint64_t>(s.batch, s.count - tally.datagrams));
    for (unsigned i = 0; i < want; ++i) {
      headers[i].msg_hdr = {};
      headers[i].msg_hdr.msg_iov = &vectors[i];
      headers[i].msg_hdr.msg_iovlen = 1;
    }
    int n = ::recvmmsg(fd, headers.data(), want, MSG_WAITFORONE, nullptr);
    ++tally.calls;
    if (n < 0) {
      if (errno == EINTR && stop_requested == 0) continue;
      if (errno == EINTR) return;  // stopped: the report says how many came
      tally.failed = true;
      return;
    }
    for (int i = 0; i < n; ++i) lengths[static_cast<unsigned>(i)] = headers[static_cast<unsigned>(i)].msg_len;
    observe(tally, delays, data.data(), lengths.data(), static_cast<unsigned>(n));
  }
}

void receive_recv(int fd, const Settings& s, Tally& tally, dgram::latency::DelayRecorder* delays) {
  std::vector<char> buffer(s.buffer);
  const char* data = buffer.data();
  while (tally.datagrams < s.count) {
    ssize_t n = ::recv(fd, buffer.data(), buffer.size(), 0);
    ++tally.calls;
    if (n < 0) {
      if (errno == EINTR && stop_requested == 0) continue;
      if (errno == EINTR) return;  // stopped: the report says how many came
      tally.failed = true;
      return;
    }
    auto length = static_cast<unsigned>(n);
    observe(tally, delays, &data, &length, 1);
  }
}

}  // namespace

int main(int argc, char** argv) {
  Settings s = parse(argc, argv);
  catch_stop();
  int fd = bind_socket(s);
  Tally tally;
  dgram::latency::DelayRecorder delays(s.latency ? s.count : 0);
  dgram::latency::DelayRecorder* recorder = s.latency ? &delays : nullptr;
  if (s.use_recvmmsg) {
    receive_recvmmsg(fd, s, tally, recorder);
  } else {
    receive_recv(fd, s, tally, recorder);
  }
  int saved_errno = errno;
  if (s.stay && tally.datagrams == s.count) stay_until_stopped();
  ::unlink(s.socket_path.c_str());
  ::close(fd);

  rusage usage{};
  if (::getrusage(RUSAGE_SELF, &usage) < 0) std::perror("raw-receiver: getrusage");
  double seconds = static_cast<double>(tally.last_ns - tally.first_ns) / 1e9;
  double user = static_cast<double>(usage.ru_utime.tv_sec) + static_cast<double>(usage.ru_utime.tv_usec) / 1e6;
  double system = static_cast<double>(usage.ru_stime.tv_sec) + static_cast<double>(usage.ru_stime.tv_usec) / 1e6;
  bool complete = tally.datagrams == s.count;
  std::printf(
      "{\"receiver\": \"raw\", \"mode\": \"%s\", \"complete\": %s, \"count\": %llu, \"bytes\": %llu, "
      "\"seconds\": %.6f, \"datagrams_per_s\": %.1f, \"cpu_user\": %.6f, \"cpu_system\": %.6f, "
      "\"context_switches\": %ld, \"calls\": %llu, \"batch_mean\": %.2f, \"batch_max\": %llu",
      s.use_recvmmsg ? "recvmmsg" : "recv", complete ? "true" : "false",
      static_cast<unsigned long long>(tally.datagrams), static_cast<unsigned long long>(tally.bytes), seconds,
      seconds > 0 ? static_cast<double>(tally.datagrams) / seconds : 0.0, user, system,
      usage.ru_nvcsw + usage.ru_nivcsw, static_cast<unsigned long long>(tally.calls),
      tally.calls ? static_cast<double>(tally.datagrams) / static_cast<double>(tally.calls) : 0.0,
      static_cast<unsigned long long>(tally.max_batch));
  if (s.latency) {
    std::string summary = delays.summary();
    std::printf(", \"latency\": \"%s\"", summary.c_str());
  }
  std::printf("}\n");
  if (!complete) {
    std::fprintf(stderr, "raw-receiver: %llu of %llu datagrams: %s\n",
                 static_cast<unsigned long long>(tally.datagrams), static_cast<unsigned long long>(s.count),
                 tally.failed ? std::strerror(saved_errno) : "stopped");
    return 1;
  }
  return 0;
}
