// SPDX-License-Identifier: MIT
// service - what a service author writes: one callback, optional hooks,
// flags and parameter tables.
//
// THE CALLBACK (exactly one of the three; setting none or two is a
// definition error reported at start-up)
//   on_datagram  once per datagram, in arrival order.
//   on_batch     once per wake-up with every datagram taken in it (at most
//                dgram_receive_batch, 1 in Postfix-compatible mode): one
//                writev, one transaction, one forward per wake-up.
//   on_socket    Postfix 3.10's form: the readable socket itself, to read at
//                most max_datagrams from without blocking (MSG_DONTWAIT); it
//                returns how many it read.
//   A Datagram's bytes (data) are a view into the skeleton's receive buffer,
//   never NUL-terminated, and stay valid only until the callback that was
//   handed them returns; so do its sender and credentials. A datagram longer
//   than receive_buffer is cut to it, marked truncated (length says how long
//   it was) and logged as a warning.
//
// THE HOOKS, in order (all optional)
//   pre_init    once, after main.cf and the command line are read, the
//               parameter tables loaded and the working directory set to
//               queue_directory; still privileged (open files here).
//   post_init   once, after the chroot and the user switch; Context::events
//               may be used from pre_init on, and runs once serving starts.
//   loop        before each wait for requests (with the gate held when the
//               socket is shared): returns the longest wait, a LoopWait: a
//               std::chrono duration (zero: do not wait, poll once and come
//               back), LoopWait::forever() (wait as long as it takes), or,
//               as before 0.2, int seconds (0 and -1 mean the same). It is
//               not called while a child waits for its turn at a shared
//               socket (its own events still run then).
//   pre_accept  once per wake-up that found a request, before anything is
//               read: not once per datagram.
//   on_exit     once, on every normal exit: use limit, idle limit, the
//               master going away, SIGTERM, Context::stop(). Not after a
//               fatal error.
//   reload      on SIGHUP, between wake-ups, when the process was started by
//               systemd socket activation or with --listen (server.h). Under
//               the Postfix master SIGHUP is not the skeleton's: a reload
//               there closes the status channel and the child exits.
//
// WHAT EXCEPTIONS DO
//   Any exception (dgram::Fatal, std::exception, anything) escaping a hook, a
//   callback or an event callback ends the process with one fatal line
//   naming it, exit status 1, and no exit hook. When on_datagram throws, that
//   datagram is lost and only that one: the rest of the wake-up's batch is
//   still served first. When on_batch throws, its batch is lost and the line
//   says how many it held. An on_socket service must read at most
//   max_datagrams: saying it read more is fatal (the use limit could not
//   stay exact). Returning 0 now and then is fine (a sibling may have taken
//   the datagram), but a service that reads nothing from a readable socket
//   100 wake-ups in a row is ended with a fatal line instead of spinning.
//
// STOPPING
//   SIGTERM ends the process cleanly at any moment from the start of run():
//   during start-up the loop is entered and left at once, a process waiting
//   for the lock file stops waiting, a batch in hand is finished; then the
//   exit hook runs and the exit status is 0. Context::stop() does the same
//   from inside the service. SIGTERM's handler restarts the service's own
//   blocking calls (SA_RESTART): a read, write, open or connect in a callback
//   goes on and the datagram in hand is finished. A process the service
//   forks without exec is not the server: SIGTERM ends it the default way.
//
// SIGNALS
//   The skeleton keeps SIGTERM, SIGALRM (the watchdog), and SIGRTMIN+2 and
//   SIGRTMIN+3 (the gate's hand-off) for itself. The watchdog's tick and the
//   hand-off timer interrupt a callback now and then: poll, epoll_wait,
//   select and nanosleep return EINTR on any signal, SA_RESTART or not, so a
//   callback that waits in one of them must retry it.
//
// PARAMETERS
//   params (param_tables.h) are loaded before pre_init; an entry whose
//   target is null is a definition error, reported at start-up.
#pragma once

#include "dgram/cxx20.h"
#if __cplusplus >= 202002L  // else cxx20.h has said why, once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>

#include "dgram/events.h"
#include "dgram/log.h"
#include "dgram/param_tables.h"

namespace dgram {

class Config;
class Gate;  // embedding.h
class ServiceCounters;  // the skeleton's (Context::count_dropped)

// Where a datagram came from (Service::receive.sender).
struct SenderAddress {
  enum class Kind {
    unnamed,   // the sender's socket is not bound: no reply can reach it
    path,      // a socket file: name is its path
    abstract,  // Linux abstract name: name is the name without its leading NUL
  };
  Kind kind = Kind::unnamed;
  std::string_view name;
};

// Who sent a datagram, as the kernel says (SCM_CREDENTIALS; Service::receive.credentials).
struct Credentials {
  pid_t pid = 0;
  uid_t uid = 0;
  gid_t gid = 0;
  // With receive.pidfd: a pidfd of the sending process (SCM_PIDFD), which
  // names that process and no later one that reuses its pid; open only until
  // the callback returns (the skeleton closes it, also when the callback
  // throws; close-on-exec). -1 otherwise, and for a datagram queued before
  // the skeleton asked for pidfds.
  int pidfd = -1;
};

// One datagram as received. Its views and pointers stay valid until the
// callback that was handed it returns: copy what must live longer.
struct Datagram {
  std::string_view data;  // the bytes in the receive buffer (at most its size)
  std::size_t length = 0; // the datagram's real length (> data.size() when truncated)
  bool truncated = false; // the datagram was longer than the receive buffer (logged as a warning)
  int socket_fd = -1;     // the listen socket it came on (for replies)
  std::size_t socket_index = 0;  // which listen socket: 0 for the first (-s counts them)
  // With receive.sender: where it came from; null otherwise.
  const SenderAddress* sender = nullptr;
  // With receive.credentials: who sent it; null otherwise, and null for a
  // datagram that was queued before the skeleton asked for credentials.
  const Credentials* credentials = nullptr;
  // With receive.timestamp: when the kernel queued it on the socket
  // (SO_TIMESTAMPNS_NEW: the realtime clock in nanoseconds, 64-bit
  // seconds); the epoch otherwise.
  std::chrono::system_clock::time_point received_at{};
};

// What every callback can see: the service, its arguments, logging,
// configuration, its own events, and ways to answer or stop.
struct Context {
  std::string_view service_name;     // master.cf service name (-n), else program name
  std::span<const std::string> args; // words left over after the options
  Log& log;
  Config& config;
  Events& events;  // timers, descriptors, signals, stop() (events.h)
  // The listen sockets' names by Datagram::socket_index: LISTEN_FDNAMES under
  // systemd (when it gives them), the path with --listen, empty strings
  // under the Postfix master.
  std::span<const std::string> listen_names = {};

  // Sends bytes back to datagram's sender, from the socket it came on,
  // without blocking. Needs receive.sender. Returns the failure instead of
  // ending the process: EDESTADDRREQ when the sender is unnamed or unknown,
  // EAGAIN when its queue is full, ECONNREFUSED when nobody listens there any
  // more, EACCES/EPERM, EMSGSIZE.
  std::error_code reply(const Datagram& datagram, std::string_view bytes) const;
  // Ends the process normally after the batch in hand (Events::stop()).
  void stop() { events.stop(); }
  // Says that the service dropped `records` datagrams on purpose (a rate
  // limit): counted as dropped in the service's counters (dgram-stat).
  void count_dropped(std::uint64_t records) const;

  // The skeleton's: where count_dropped() adds (null: no counter file).
  ServiceCounters* counters = nullptr;
};

// A readable socket handed to the service, and how many datagrams it may read.
struct SocketReady {
  int fd;                     // non-blocking reads only (MSG_DONTWAIT)
  std::size_t max_datagrams;  // read at most this many (the use limit stays exact)
};

using DatagramFn = std::function<void(const Datagram&, Context&)>;
// Every datagram of one wake-up at once, in arrival order (one writev, one
// transaction, one forward per wake-up).
using BatchFn = std::function<void(std::span<const Datagram> batch, Context&)>;
// Reads up to ready.max_datagrams datagrams; returns how many it read.
using SocketFn = std::function<std::size_t(const SocketReady& ready, Context&)>;
using HookFn = std::function<void(Context&)>;

// How long the skeleton may wait for requests before it calls the loop hook
// again: what Hooks::loop returns. Made from a std::chrono duration, or from
// int seconds as LoopFn returned before 0.2 (so `return 5;` and
// `return -1;` still compile and mean what they meant).
class LoopWait {
 public:
  // Seconds: 0 polls once, a negative number waits as long as it takes.
  constexpr LoopWait(int seconds) noexcept
      : forever_(seconds < 0), timeout_(std::chrono::seconds(forever_ ? 0 : seconds)) {}
  // A duration: zero or less polls once (a deadline already passed), finer
  // than a millisecond is rounded up, a century or more waits as long as it
  // takes.
  template <typename Rep, typename Period>
  constexpr LoopWait(std::chrono::duration<Rep, Period> wait) noexcept
      : forever_(wait >= kCentury),
        timeout_(forever_ || wait <= wait.zero()
                     ? std::chrono::milliseconds(0)
                     : std::chrono::ceil<std::chrono::milliseconds>(wait)) {}

  // Do not wait: look at the sockets once and call the hook again.
  static constexpr LoopWait no_wait() noexcept { return LoopWait(0); }
  // Wait as long as it takes.
  static constexpr LoopWait forever() noexcept { return LoopWait(-1); }

  constexpr bool is_forever() const noexcept { return forever_; }
  // The longest wait; zero when is_forever().
  constexpr std::chrono::milliseconds timeout() const noexcept { return timeout_; }

  friend constexpr bool operator==(const LoopWait&, const LoopWait&) = default;

 private:
  static constexpr std::chrono::hours kCentury{24 * 365 * 100};
  bool forever_;
  std::chrono::milliseconds timeout_;
};

// Returns how long to wait for the next event (LoopWait above).
using LoopFn = std::function<LoopWait(Context&)>;
// Makes the gate for a lock-file path, replacing the lock file: for
// embedders and tests, see the gate in embedding.h.
using GateFactory = std::function<std::unique_ptr<Gate>(const std::string& lock_path)>;

// When each runs: see THE HOOKS above.
struct Hooks {
  HookFn pre_init;    // after configuration, before privileges are dropped
  HookFn post_init;   // after privileges are dropped, before serving
  LoopFn loop;        // before each wait for requests: how long it may be (LoopWait)
  HookFn pre_accept;  // once per wake-up with a request, before it is read
  HookFn on_exit;     // once, on every normal exit (not after a fatal error)
  // On SIGHUP, when started by systemd or with --listen (under the Postfix
  // master a reload is the master's: the child exits and a new one starts).
  // Runs on the loop between wake-ups; reopen log files, re-read state.
  HookFn reload;
};

struct Flags {
  bool in_flow_delay = false;  // take a flow token per request, else pause in_flow_delay
  bool solitary = false;       // must run with a process limit of 1 (-l)
  bool unlimited = false;      // must run with a process limit of 0 (-z)
  bool privileged = false;     // refuses -u
  bool ignore_use_limit = false;  // serve until idle or the master goes away (a log service)
  // Deprecated since 0.2, kept for one more release: watchdog_timeout in
  // int seconds. watchdog_timeout wins when both are set.
  std::optional<int> watchdog_seconds;
  // The name of a time parameter declared in params.times (for example
  // postlogd_watchdog_timeout) whose value, once main.cf and -o are read,
  // sets the watchdog timeout; it wins over watchdog_timeout and
  // watchdog_seconds.
  std::string watchdog_parameter;
  // Overrides the default watchdog timeout (1000 s): a callback, hook or
  // event that runs this long ends the process. Whole seconds, at least one.
  std::optional<std::chrono::seconds> watchdog_timeout;
};

inline constexpr std::size_t kDefaultReceiveBuffer = 4096;
inline constexpr std::size_t kMaxReceiveBuffer = 65536;

// What each received datagram carries besides its bytes. Off by default:
// what is off costs nothing.
struct ReceiveOptions {
  bool sender = false;       // Datagram::sender (replies need it)
  bool credentials = false;  // Datagram::credentials (SO_PASSCRED on the listen sockets)
  // Credentials::pidfd too (SO_PASSPIDFD, Linux 6.5 and later; implies
  // credentials). On an older kernel the process ends at start-up with a
  // fatal line saying so.
  bool pidfd = false;
  // Datagram::received_at (SO_TIMESTAMPNS_NEW); the service's counters then
  // keep how long datagrams waited in the socket (dgram-stat).
  bool timestamp = false;
};

struct Service {
  DatagramFn on_datagram;  // exactly one of on_datagram, on_batch and on_socket
  BatchFn on_batch;
  SocketFn on_socket;
  ReceiveOptions receive;  // on_datagram and on_batch only
  Hooks hooks;
  Flags flags;
  ParamTables params;
  std::size_t receive_buffer = kDefaultReceiveBuffer;  // 1 .. kMaxReceiveBuffer
  GateFactory gate;  // empty: the lock file (embedding.h)
};

}  // namespace dgram

// Until the release after 0.2: what moved to dgram/embedding.h (log sinks'
// helpers, Gate) is still found through this header, as it was in 0.1.
#include "dgram/embedding.h"  // IWYU pragma: export

#endif  // C++20
