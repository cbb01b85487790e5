// SPDX-License-Identifier: MIT
// embedding - the skeleton's seams, for embedders and tests; not for
// service authors.
//
// A service author needs dgram/service.h and dgram/server.h only. This
// header is for code that runs the skeleton in a way of its own: a test that
// runs a whole service in-process on descriptors it made, a program that
// replaces the lock-file gate between sibling children, a tool that sends
// the log lines somewhere else. It holds three seams:
//
//   THE GATE      Gate, and what Service::gate (a GateFactory) is for.
//   THE LAUNCH    the master's descriptor numbers, Descriptors, Launch,
//                 process_environment() and run(service, launch).
//   LOG SINKS     LogRecord, severity_prefix(), stderr_sink(),
//                 shared_record_sink(). Log's own sink members (set_sink,
//                 add_sink, set_record_sink, add_record_sink and the types
//                 Log::Sink and Log::RecordSink) are declared in log.h,
//                 being members of Log, and are for the same readers.
//
// Until 0.2 these were in gate.h, server.h and log.h; gate.h and server.h
// include this header for one more release (see NEWS).
#pragma once

#include "dgram/cxx20.h"
#if __cplusplus >= 202002L  // else cxx20.h has said why, once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dgram/log.h"

namespace dgram {

struct Service;  // dgram/service.h, included at the end

// THE GATE
//
// Several children of one service share one socket. Only the one holding the
// gate waits for events on it, so that one datagram wakes one child. The
// default gate is the lock file (an exclusive flock() on
// $queue_directory/pid/unix-dgram.<service>); with -l (process limit 1), or
// outside the Postfix master, there is no gate at all.
//
// Service::gate (a GateFactory, declared in service.h) replaces the lock
// file: when the process needs a gate, once, at start-up, the skeleton calls
// it with the lock file's path and uses the Gate it returns. Returning no
// gate is a service definition error.
//
// WHO CALLS WHAT, AND ON WHICH THREAD
//   The calls never overlap: the skeleton makes one at a time.
//   acquire()       on the skeleton's gate thread (gate_waiter), while the
//                   loop's thread serves the service's own events.
//   try_acquire()   on the loop's thread.
//   release()       on the loop's thread.
//   release_in_signal_handler()
//                   on the loop's thread, inside a signal handler that
//                   interrupted a long service callback.
//
// STOPPING A WAIT
//   When the child stops (SIGTERM, the master gone, the idle or use limit,
//   Context::stop()) while acquire() waits, the skeleton interrupts the wait
//   with a signal directed at the gate thread, with a handler installed
//   without SA_RESTART, so that a blocking system call in acquire() returns
//   EINTR. acquire() must then return false instead of retrying; the
//   skeleton calls it again if it still wants the gate.
class Gate {
 public:
  virtual ~Gate() = default;
  // Blocks until this process holds the gate and returns true; returns false
  // when a signal interrupted the wait (see STOPPING A WAIT). Throws Fatal on
  // failure.
  virtual bool acquire() = 0;
  // Takes the gate only if that needs no waiting: true when taken. The
  // default says "not without waiting", so acquire() is used. Throws Fatal
  // on failure.
  virtual bool try_acquire() { return false; }
  // Lets another process wait. Throws Fatal on failure.
  virtual void release() = 0;
  // The same from a signal handler, with async-signal-safe calls only: 0
  // when released, an errno value when that failed, -1 when this gate
  // cannot be released from a signal handler (the default). Then a callback
  // that runs long keeps the gate until it returns, and siblings wait.
  virtual int release_in_signal_handler() noexcept { return -1; }
};

// THE LAUNCH
//
// run(service, launch) is run(service, argc, argv) (server.h) on the
// arguments, environment and descriptor numbers of a Launch instead of the
// process's, so that a test runs the whole skeleton in-process without
// touching fds 3-6.

// The descriptors the master passes, as numbers (the real ones are 3, 4, 5, 6...).
inline constexpr int kFlowReadFd = 3;
inline constexpr int kFlowWriteFd = 4;
inline constexpr int kStatusFd = 5;
inline constexpr int kFirstListenFd = 6;

struct Descriptors {
  int flow_read = kFlowReadFd;
  int flow_write = kFlowWriteFd;
  int status = kStatusFd;
  // Listen sockets; empty means those of the start mode: the master's
  // 6 .. 6 + (-s count) - 1, or systemd's 3 .. 3 + LISTEN_FDS - 1.
  std::vector<int> listen;
  int terminal_check = 0;  // the descriptor checked for a terminal in daemon mode (stdin)
};

struct Launch {
  std::vector<std::string> argv;
  std::map<std::string, std::string> env;  // MAIL_CONFIG, MAIL_VERBOSE, MAIL_DEBUG, GENERATION
  Descriptors fds;
  std::optional<Log::Sink> log_sink;  // replaces the stderr sink when set
};

// The process environment as a map (for Launch::env).
std::map<std::string, std::string> process_environment();

int run(const Service& service, const Launch& launch);

// LOG SINKS
//
// A Log hands each line to its sinks (stderr by default). A line sink
// (Log::Sink) gets the finished line; a record sink (Log::RecordSink) gets
// its parts as well, so that it can frame them its own way (a syslog or
// postlog socket, the journal).

// One message, as a record sink receives it. The views are valid only during
// the call.
struct LogRecord {
  Severity severity = Severity::info;
  std::string_view program;  // e.g. postfix/dgram-sink
  long pid = 0;
  std::string_view text;  // the message, without the severity prefix
  std::string_view line;  // program[pid]: <severity prefix>text
};

// The text Postfix puts before a message of this severity: "" for info,
// "warning: ", "error: ", "fatal: ".
const char* severity_prefix(Severity severity) noexcept;

// The sink that writes each line and a newline to stderr in one write().
Log::Sink stderr_sink();

// A record sink that calls target->write(record), sharing ownership of the
// target so that its owner can keep using it (e.g. for its descriptor).
template <typename Target>
Log::RecordSink shared_record_sink(std::shared_ptr<Target> target) {
  return [target = std::move(target)](const LogRecord& record) { target->write(record); };
}

}  // namespace dgram

// Last, so that service.h and log.h, which include this header for one
// release, find it whichever of the three is included first.
#include "dgram/service.h"

#endif  // C++20
