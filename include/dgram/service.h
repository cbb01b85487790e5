// service - what a service author writes: one callback, optional hooks,
// flags and parameter tables.
//
// The skeleton calls on_datagram once per datagram with a view of the bytes
// (a pointer and a length, never NUL-terminated). A service that wants to read
// the socket itself (Postfix 3.10's form, e.g. for records longer than the
// receive buffer) sets on_socket instead: it is called with the readable
// socket and reads what is queued, at most the number it is given, without
// blocking, and says how many it read.
//
// When on_datagram throws (dgram::Fatal or any other exception), that
// datagram is lost and only that one: the rest of the wake-up's batch is
// still served, then the process ends with one fatal line naming the first
// failure (exit status 1, no exit hook). An on_socket service must read at
// most max_datagrams: saying it read more is fatal (the use limit could not
// stay exact). Returning 0 now and then is fine (a sibling may have taken
// the datagram), but a service that reads nothing from a readable socket 100
// wake-ups in a row is ended with a fatal line instead of spinning.
//
// SIGTERM ends the process cleanly at any moment from the start of run():
// during start-up the loop is entered and left at once, a process waiting for
// the lock file stops waiting, a batch in hand is finished; then the exit
// hook runs and the exit status is 0.
//
// Hook order: pre_init -> post_init -> (loop -> pre_accept -> service)* -> on_exit.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "dgram/gate.h"
#include "dgram/log.h"
#include "dgram/param_tables.h"

namespace dgram {

class Config;

// What every callback can see: the service, its arguments, logging, configuration.
struct Context {
  std::string_view service_name;     // master.cf service name (-n), else program name
  std::span<const std::string> args; // words left over after the options
  Log& log;
  Config& config;
};

// One datagram as received.
struct Datagram {
  std::string_view data;  // the bytes in the receive buffer (at most its size)
  std::size_t length;     // the datagram's real length (> data.size() when truncated)
  bool truncated;         // the datagram was longer than the receive buffer
};

// A readable socket handed to the service, and how many datagrams it may read.
struct SocketReady {
  int fd;                     // non-blocking reads only (MSG_DONTWAIT)
  std::size_t max_datagrams;  // read at most this many (the use limit stays exact)
};

using DatagramFn = std::function<void(const Datagram&, Context&)>;
// Reads up to ready.max_datagrams datagrams; returns how many it read.
using SocketFn = std::function<std::size_t(const SocketReady& ready, Context&)>;
using HookFn = std::function<void(Context&)>;
// Returns how long to wait for the next event, in seconds; -1 waits as long as it takes.
using LoopFn = std::function<int(Context&)>;
// Makes the gate for a lock-file path; the default makes a LockFileGate.
using GateFactory = std::function<std::unique_ptr<Gate>(const std::string& lock_path)>;

struct Hooks {
  HookFn pre_init;    // after configuration, before privileges are dropped
  HookFn post_init;   // after privileges are dropped, before serving
  LoopFn loop;        // before each wait for events
  HookFn pre_accept;  // when a request arrived, before it is read
  HookFn on_exit;     // once, on every normal exit
};

struct Flags {
  bool in_flow_delay = false;  // take a flow token per request, else pause in_flow_delay
  bool solitary = false;       // must run with a process limit of 1 (-l)
  bool unlimited = false;      // must run with a process limit of 0 (-z)
  bool privileged = false;     // refuses -u
  bool ignore_use_limit = false;  // serve until idle or the master goes away (a log service)
  std::optional<int> watchdog_seconds;  // overrides the default watchdog timeout
  // The name of a time parameter declared in params.times (for example
  // postlogd_watchdog_timeout) whose value, once main.cf and -o are read,
  // sets the watchdog timeout; it wins over watchdog_seconds.
  std::string watchdog_parameter;
};

inline constexpr std::size_t kDefaultReceiveBuffer = 4096;
inline constexpr std::size_t kMaxReceiveBuffer = 65536;

struct Service {
  DatagramFn on_datagram;  // exactly one of on_datagram and on_socket
  SocketFn on_socket;
  Hooks hooks;
  Flags flags;
  ParamTables params;
  std::size_t receive_buffer = kDefaultReceiveBuffer;  // 1 .. kMaxReceiveBuffer
  GateFactory gate;  // empty: the lock file
};

}  // namespace dgram
