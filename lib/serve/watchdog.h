// SPDX-License-Identifier: MIT
// watchdog - ends a child that is stuck inside one turn of its loop.
//
// SUMMARY
//   Watchdog watchdog(limit, watchdog_timeout_line(log.program(), getpid()), {STDERR_FILENO});
//   for (;;) { watchdog.waiting(); /* block */ watchdog.working(); /* serve */ }
//
// DESCRIPTION
//   The skeleton arms one Watchdog per process, after the post-init hook,
//   with the limit of the service (its watchdog_parameter, else
//   Service::flags.watchdog_timeout, else the deprecated watchdog_seconds,
//   else kDefaultWatchdogSeconds). From then on the process announces what
//   it does:
//     waiting()  before it blocks with nothing to do: taking the lock gate,
//                waiting for events. Time spent here never counts: an idle
//                child is never killed, however long it waits.
//     working()  when it wakes up: a new turn starts and its clock starts.
//                With libevent the callbacks run inside event_base_loop(),
//                so this belongs at the top of each callback (or of the one
//                trampoline that calls them), not after the loop returns.
//   A child that stays in one turn for `limit` seconds or more writes the
//   line it was given to each of its log descriptors and exits with status 1
//   (_exit: no exit hooks, no core).
//
//   How it is measured. Both calls are a single relaxed atomic store of a
//   progress word: (turn number << 1) | waiting. No system call, no lock, no
//   fence, no clock read: on x86-64 waiting() is a load, an `or` and a store,
//   working() a load, an add and two stores. A POSIX timer on the monotonic
//   clock raises SIGALRM in the arming thread every limit / kWatchdogTicksPerLimit
//   seconds. The SIGALRM handler reads the progress word and feeds it to
//   watchdog_tick(): a word that says "waiting", or that changed since the
//   last tick, restarts the count; the same working word seen at
//   kWatchdogTicksPerLimit more ticks means the turn has lasted at least `limit`
//   seconds (it had already begun when it was first seen). So a stuck child
//   is killed between `limit` and `limit` + one tick after its turn began,
//   never before. Ticks lost while the signal could not be delivered (the
//   process was stopped, the signal blocked) are recovered from the timer's
//   overrun count. Before the first waiting() or working() the process counts
//   as working in turn 0, which began when the watchdog was armed.
//
//   The cost when idle is one wake-up per tick (every 100 s with the default
//   limit); blocking calls are restarted (SA_RESTART) where the kernel allows
//   it, but poll, epoll_wait, nanosleep and the like return EINTR on a tick,
//   as with any periodic signal: callers must retry them (libevent does).
//
//   The handler only reads, counts, and calls write(), send(), sigprocmask()
//   and _exit(): all async-signal-safe. The line is formatted by the caller at
//   arm time. A descriptor that is a datagram or seqpacket socket receives the
//   line as one message, sent without blocking (a full log socket loses the
//   line, not the kill); any other descriptor receives the line and a newline
//   (one write() unless it is cut short). If a write() blocks (a full pipe), SIGALRM is unblocked
//   first, so the next tick ends the process anyway.
//
// RESTRICTIONS
//   SIGALRM belongs to the watchdog while it is armed. A service that uses
//   SIGALRM itself (alarm(), setitimer(ITIMER_REAL), its own handler) is
//   incompatible: arming refuses an existing SIGALRM handler, and a handler
//   installed later silently disables the watchdog. SIGALRM must not be
//   blocked in the arming thread while it serves.
//   One watchdog per process: the handler reaches it through a file-scope
//   pointer. The object must be destroyed by the thread that armed it; it is
//   neither copied nor moved. A child forked while it is armed inherits the
//   handler but not the timer: it is not watched.
//
// DIAGNOSTICS
//   The constructor throws Fatal for a limit <= 0 (naming the value), for a
//   second watchdog in the process, for an existing SIGALRM handler or a
//   blocked SIGALRM, and for a failed sigaction/timer_create/timer_settime.
//
// SEE ALSO
//   dispatch_loop (the turns), server (arming), timer_create(2), signal-safety(7).
#pragma once

#include <signal.h>
#include <sys/types.h>
#include <time.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "log/last_words.h"

namespace dgram {

// The limit when the service does not choose one, in seconds.
inline constexpr int kDefaultWatchdogSeconds = 1000;
// Ticks per limit: a stuck turn is noticed at most one tick (limit / 10) late.
inline constexpr unsigned kWatchdogTicksPerLimit = 10;

// watchdog_tick - the decision taken at each tick, free of signals and clocks.
//
// `seen` is what earlier ticks remember. `progress` is the progress word read
// now (low bit set: waiting). `elapsed` is how many ticks passed since the last
// call (1, plus the timer's overrun). Returns true when the process has been
// working in the same turn for at least `limit_ticks` ticks.
struct WatchdogTicks {
  std::uint64_t progress = 0;  // the word seen at the last tick
  std::uint64_t stalled = 0;   // ticks counted since that word was first seen
};
bool watchdog_tick(WatchdogTicks& seen, std::uint64_t progress, std::uint64_t elapsed,
                   std::uint64_t limit_ticks) noexcept;

// watchdog_timeout_line - "program[pid]: fatal: watchdog timeout", as Log writes it.
std::string watchdog_timeout_line(std::string_view program, pid_t pid);

class Watchdog {
 public:
  // Arms the watchdog: installs the SIGALRM handler and starts the timer.
  // `fatal_line` is written to each of `log_fds` on a timeout, then each of
  // `last_words` is called with the message text ("watchdog timeout", plus
  // ": N received datagrams not served" when in_hand() said so; they must be
  // async-signal-safe, see log/last_words.h), then the process ends. The
  // suffix is appended to `fatal_line` too.
  Watchdog(int limit_seconds, std::string fatal_line, std::vector<int> log_fds,
           std::vector<LastWords> last_words = {});
  // Disarms: deletes the timer, drops a pending tick, restores the previous
  // SIGALRM action.
  ~Watchdog();

  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  // The process is about to block with nothing to do; time no longer counts.
  void waiting() noexcept { progress_.store(turn_ | 1u, std::memory_order_relaxed); }
  // The process woke up: a new turn starts now.
  void working() noexcept {
    turn_ += 2;
    progress_.store(turn_, std::memory_order_relaxed);
  }

  // How many received datagrams the process holds that are not served yet
  // (the one being served included); 0 between batches. A relaxed store.
  void in_hand(std::size_t unserved) noexcept { in_hand_.store(unserved, std::memory_order_relaxed); }

  int limit_seconds() const noexcept { return limit_seconds_; }

 private:
  struct Target {
    int fd;
    bool message;  // a datagram/seqpacket socket: the line without a newline
  };

  void arm(int limit_seconds);
  static void on_tick(int signo);
  [[noreturn]] void expire() noexcept;

  int limit_seconds_;
  std::string line_;  // the fatal line, without a newline
  std::vector<Target> targets_;
  std::vector<LastWords> last_words_;

  // Written by waiting()/working() only; read by the handler.
  std::atomic<std::uint64_t> progress_{0};
  std::uint64_t turn_ = 0;  // the current turn << 1; owned by the arming thread
  std::atomic<std::size_t> in_hand_{0};
  static_assert(std::atomic<std::uint64_t>::is_always_lock_free,
                "the signal handler reads the progress word: it must be lock-free");

  // Touched by the handler only (one thread, SIGALRM blocked while it runs).
  WatchdogTicks seen_;
  volatile sig_atomic_t expiring_ = 0;

  timer_t timer_{};
  struct sigaction previous_ {};
};

}  // namespace dgram
