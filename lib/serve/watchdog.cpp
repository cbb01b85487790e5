// SPDX-License-Identifier: MIT
// watchdog - a periodic SIGALRM that counts ticks spent in one turn.
#include "serve/watchdog.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "dgram/error.h"
#include "log/line_prefix.h"

namespace dgram {

namespace {

// What the signal handler must reach: the one armed watchdog of the process.
std::atomic<Watchdog*> armed_watchdog{nullptr};

// is_message_socket - true for a socket that keeps message boundaries.
bool is_message_socket(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) < 0 || !S_ISSOCK(st.st_mode)) return false;
  int type = 0;
  socklen_t length = sizeof(type);
  if (::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &length) < 0) return false;
  return type == SOCK_DGRAM || type == SOCK_SEQPACKET;
}

// write_all - writes a whole buffer, retrying after signals; async-signal-safe.
void write_all(int fd, const char* data, std::size_t size) noexcept {
  while (size > 0) {
    ssize_t written = ::write(fd, data, size);
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) return;
    data += written;
    size -= static_cast<std::size_t>(written);
  }
}

// tick_interval - limit / kWatchdogTicksPerLimit as a timespec.
timespec tick_interval(int limit_seconds) {
  long long nanoseconds = static_cast<long long>(limit_seconds) * 1'000'000'000LL /
                          static_cast<long long>(kWatchdogTicksPerLimit);
  return timespec{static_cast<time_t>(nanoseconds / 1'000'000'000LL),
                  static_cast<long>(nanoseconds % 1'000'000'000LL)};
}

}  // namespace

bool watchdog_tick(WatchdogTicks& seen, std::uint64_t progress, std::uint64_t elapsed,
                   std::uint64_t limit_ticks) noexcept {
  if ((progress & 1u) != 0 || progress != seen.progress) {
    // Waiting, or a turn that began since the last tick (at an unknown moment
    // of the interval): start counting from here, never earlier.
    seen.progress = progress;
    seen.stalled = 0;
    return false;
  }
  seen.stalled += elapsed;
  return seen.stalled >= limit_ticks;
}

std::string watchdog_timeout_line(std::string_view program, pid_t pid) {
  return line_prefix(program, pid, Severity::fatal) + "watchdog timeout";
}

Watchdog::Watchdog(int limit_seconds, std::string fatal_line, std::vector<int> log_fds,
                   std::vector<LastWords> last_words)
    : limit_seconds_(limit_seconds), line_(std::move(fatal_line)), last_words_(std::move(last_words)) {
  if (limit_seconds <= 0) {
    throw Fatal("invalid watchdog timeout: " + std::to_string(limit_seconds) +
                " seconds (must be at least 1)");
  }
  for (int fd : log_fds) targets_.push_back(Target{fd, is_message_socket(fd)});

  Watchdog* expected = nullptr;
  if (!armed_watchdog.compare_exchange_strong(expected, this)) {
    throw Fatal("watchdog: already armed in this process");
  }
  try {
    arm(limit_seconds);
  } catch (...) {
    armed_watchdog.store(nullptr);
    throw;
  }
}

// arm - installs the handler and starts the timer, or undoes what it did and throws.
void Watchdog::arm(int limit_seconds) {
  struct sigaction current {};
  if (::sigaction(SIGALRM, nullptr, &current) < 0) throw_errno("watchdog: sigaction(SIGALRM)");
  if ((current.sa_flags & SA_SIGINFO) != 0 ||
      (current.sa_handler != SIG_DFL && current.sa_handler != SIG_IGN)) {
    throw Fatal("watchdog: SIGALRM already has a handler (a service may not use SIGALRM)");
  }
  sigset_t mask;
  sigemptyset(&mask);
  if (::sigprocmask(SIG_BLOCK, nullptr, &mask) < 0) throw_errno("watchdog: sigprocmask");
  if (sigismember(&mask, SIGALRM) == 1) throw Fatal("watchdog: SIGALRM is blocked");

  struct sigaction action {};
  action.sa_handler = &Watchdog::on_tick;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  if (::sigaction(SIGALRM, &action, &previous_) < 0) throw_errno("watchdog: sigaction(SIGALRM)");

  sigevent event {};
  event.sigev_notify = SIGEV_THREAD_ID;  // the arming thread runs the loop
  event.sigev_signo = SIGALRM;
  event._sigev_un._tid = ::gettid();
  bool created = ::timer_create(CLOCK_MONOTONIC, &event, &timer_) == 0;
  itimerspec period{tick_interval(limit_seconds), tick_interval(limit_seconds)};
  if (!created || ::timer_settime(timer_, 0, &period, nullptr) < 0) {
    int saved = errno;
    if (created) ::timer_delete(timer_);
    ::sigaction(SIGALRM, &previous_, nullptr);
    errno = saved;
    throw_errno(created ? "watchdog: timer_settime" : "watchdog: timer_create");
  }
}

Watchdog::~Watchdog() {
  ::timer_delete(timer_);
  // Ignoring a signal discards it when pending: a tick raised before the
  // timer was deleted never reaches the previous action.
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  sigemptyset(&ignore.sa_mask);
  ::sigaction(SIGALRM, &ignore, nullptr);
  ::sigaction(SIGALRM, &previous_, nullptr);
  armed_watchdog.store(nullptr);
}

void Watchdog::on_tick(int) {
  int saved_errno = errno;
  Watchdog* watchdog = armed_watchdog.load(std::memory_order_acquire);
  if (watchdog != nullptr) {
    if (watchdog->expiring_ != 0) ::_exit(1);  // a write below was blocked for a tick
    int overrun = ::timer_getoverrun(watchdog->timer_);
    std::uint64_t elapsed = 1 + static_cast<std::uint64_t>(overrun > 0 ? overrun : 0);
    if (watchdog_tick(watchdog->seen_, watchdog->progress_.load(std::memory_order_relaxed),
                      elapsed, kWatchdogTicksPerLimit)) {
      watchdog->expire();
    }
  }
  errno = saved_errno;
}

namespace {

// unserved_suffix - ": N received datagrams not served" into buffer (size >= 64),
// or nothing for 0; returns its length. Async-signal-safe.
std::size_t unserved_suffix(std::size_t unserved, char* buffer) noexcept {
  if (unserved == 0) return 0;
  char digits[24];
  std::size_t n = 0;
  do {
    digits[n++] = static_cast<char>('0' + unserved % 10);
    unserved /= 10;
  } while (unserved > 0 && n < sizeof(digits));
  std::size_t length = 0;
  buffer[length++] = ':';
  buffer[length++] = ' ';
  while (n > 0) buffer[length++] = digits[--n];
  const char tail[] = " received datagrams not served";
  std::memcpy(buffer + length, tail, sizeof(tail) - 1);
  return length + sizeof(tail) - 1;
}

}  // namespace

void Watchdog::expire() noexcept {
  expiring_ = 1;
  // Let the next tick in, so that a write that blocks cannot keep us alive.
  sigset_t alarm;
  sigemptyset(&alarm);
  sigaddset(&alarm, SIGALRM);
  ::sigprocmask(SIG_UNBLOCK, &alarm, nullptr);
  char suffix[64];
  std::size_t suffix_length = unserved_suffix(in_hand_.load(std::memory_order_relaxed), suffix);
  for (const Target& target : targets_) {
    if (target.message) {
      iovec parts[2] = {{line_.data(), line_.size()}, {suffix, suffix_length}};
      msghdr message{};
      message.msg_iov = parts;
      message.msg_iovlen = 2;
      (void)::sendmsg(target.fd, &message, MSG_DONTWAIT | MSG_NOSIGNAL);
    } else {
      // One write() where the line fits, so that lines of processes do not mix.
      char out[1024];
      if (line_.size() + suffix_length + 1 <= sizeof(out)) {
        std::memcpy(out, line_.data(), line_.size());
        std::memcpy(out + line_.size(), suffix, suffix_length);
        out[line_.size() + suffix_length] = '\n';
        write_all(target.fd, out, line_.size() + suffix_length + 1);
      } else {
        write_all(target.fd, line_.data(), line_.size());
        write_all(target.fd, suffix, suffix_length);
        write_all(target.fd, "\n", 1);
      }
    }
  }
  char text[96] = "watchdog timeout";
  std::size_t text_length = sizeof("watchdog timeout") - 1;
  std::memcpy(text + text_length, suffix, suffix_length);
  text_length += suffix_length;
  for (const LastWords& words : last_words_) words(std::string_view(text, text_length));
  ::_exit(1);
}

}  // namespace dgram
