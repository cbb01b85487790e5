// SPDX-License-Identifier: MIT
// syslog_sink - log records to the local syslog daemon, like syslog(3).
//
// NAME
//   SyslogSink, syslog_facility, syslog_severity
// SUMMARY
//   A Log record sink that sends each message as one RFC 3164-style datagram
//   to a UNIX datagram socket (default /dev/log), without libc's
//   openlog()/syslog() and their process-wide state.
// DESCRIPTION
//   The datagram is what glibc's syslog(3) sends for a client opened with
//   LOG_PID:
//
//     <PRI>Mmm dd hh:mm:ss PROGRAM[PID]: TEXT
//
//   PRI is facility * 8 + severity (info: LOG_INFO, warning: LOG_WARNING,
//   error: LOG_ERR, fatal: LOG_CRIT, as Postfix logs msg_fatal), the day is
//   space-padded ("Nov  5", strftime %e), the time is local and there is no
//   host name (the local daemon adds it). TEXT is the severity prefix
//   ("warning: " ...) and the message, cut to max_text bytes (Postfix: 2000).
//
//   The sink never blocks the service for long and never throws: it connects
//   lazily, reconnects once when the receiver went away or was re-created,
//   and sends with MSG_DONTWAIT. A record that cannot be sent (queue full,
//   no daemon, too long) is dropped and counted; the next record that gets
//   through is preceded by a warning "N log records dropped" (or
//   "1 log record dropped").
//
//   A SyslogSink is owned by whoever runs the skeleton (usually through a
//   shared_ptr, see shared_record_sink() in log.h) and is used from one
//   thread. fd() and write_signal_safe() are for a signal handler.
// DIAGNOSTICS
//   syslog_facility() throws Fatal("unknown syslog_facility: NAME"). Nothing
//   else throws.
// SEE ALSO
//   log.h, log_socket.h, postlog_sink.h
#pragma once

#include <cstddef>
#include <cstdint>
#include <ctime>
#include <functional>
#include <string>
#include <string_view>

#include "dgram/embedding.h"
#include "log/log_socket.h"

namespace dgram {

// The facility code (0 kern .. 23 local7) of a main.cf syslog_facility name:
// auth, authpriv, cron, daemon, ftp, kern, lpr, mail, news, syslog, user,
// uucp, local0 .. local7. Throws Fatal for any other name.
int syslog_facility(std::string_view name);

// The syslog severity of a message: 6 info, 4 warning, 3 error, 2 fatal (crit).
int syslog_severity(Severity severity) noexcept;

class SyslogSink {
 public:
  static constexpr const char* kDefaultPath = "/dev/log";
  static constexpr int kMailFacility = 2;
  static constexpr std::size_t kMaxText = 2000;

  using Clock = std::function<std::time_t()>;

  struct Options {
    std::string path = kDefaultPath;
    int facility = kMailFacility;  // a code from syslog_facility()
    std::size_t max_text = kMaxText;  // bytes of message text kept; 0 = no limit
    Clock clock;  // empty: time()
  };

  explicit SyslogSink(Options options);

  // Sends one record (a Log record sink calls this). Never throws.
  void write(const LogRecord& record) noexcept;

  // The datagram for a record at time `now`.
  std::string format(const LogRecord& record, std::time_t now) const;
  // The same into a fixed buffer, without allocating and without the time
  // zone database: async-signal-safe. Returns the length written.
  std::size_t format_signal_safe(const LogRecord& record, std::time_t now, char* buffer,
                                 std::size_t size) const noexcept;
  // A last line from a signal handler (e.g. the watchdog): formats with
  // format_signal_safe() and sends on the current connection, if any,
  // without reconnecting and without counting drops.
  void write_signal_safe(const LogRecord& record) const noexcept;

  // The connected socket, or -1.
  int fd() const noexcept { return socket_.fd(); }
  // Records dropped since the last drop notice got through.
  std::uint64_t dropped() const noexcept { return dropped_; }
  LogSocket& socket() noexcept { return socket_; }

 private:
  void compose(RecordWriter& out, const LogRecord& record, const std::tm& time) const noexcept;
  bool deliver(const LogRecord& record, std::time_t now) noexcept;

  Options options_;
  LogSocket socket_;
  std::uint64_t dropped_ = 0;
};

}  // namespace dgram
