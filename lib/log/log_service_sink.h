// SPDX-License-Identifier: MIT
// log_service_sink - log records to a local log service: syslog or postlog.
//
// NAME
//   LogServiceSink, LogFraming, syslog_facility, syslog_severity,
//   postlog_service_path, check_maillog_file_prefixes
// SUMMARY
//   LogServiceSink::Options options;  // syslog framing, /dev/log, facility mail
//   auto sink = std::make_shared<LogServiceSink>(options);
//   log.add_record_sink(shared_record_sink(sink));
// DESCRIPTION
//   A Log record sink that sends each record as one datagram to a UNIX
//   datagram socket, without libc's openlog()/syslog() and their
//   process-wide state. Its framing policy says how a record is laid out,
//   for which receiver:
//
//   LogFraming::syslog, for the local syslog daemon (default /dev/log): what
//   glibc's syslog(3) sends for a client opened with LOG_PID,
//
//     <PRI>Mmm dd hh:mm:ss PROGRAM[PID]: TEXT
//
//   PRI being facility * 8 + severity (info: LOG_INFO, warning: LOG_WARNING,
//   error: LOG_ERR, fatal: LOG_CRIT, as Postfix logs msg_fatal), the day
//   space-padded ("Nov  5", strftime %e), no host name (the daemon adds it).
//
//   LogFraming::postlog, for Postfix's postlog service when main.cf sets
//   maillog_file ($queue_directory/public/$postlog_service_name, where
//   postlogd appends each record and a newline to maillog_file): what
//   Postfix 3.7's client sends (seen on Debian 12 with a socket bound in
//   place of postlogd's),
//
//     Mmm dd hh:mm:ss HOST PROGRAM[PID]: TEXT
//
//   the day zero-padded ("Dec 05", strftime %d), HOST the first label of the
//   host name (Postfix: $myhostname; here gethostname() unless given).
//
//   In both the time is local, TEXT is the severity prefix ("warning: " ...)
//   and the message cut to max_text bytes (Postfix: 2000), and there is no
//   trailing newline (line_prefix.h writes "PROGRAM[PID]: " and the
//   severity prefix).
//
//   Delivery is the same whatever the framing. The sink never blocks the
//   service for long and never throws: it connects lazily with a
//   non-blocking socket, reconnects once when the receiver went away or was
//   re-created, and sends with MSG_DONTWAIT (log_socket.h). A record that
//   cannot be sent (queue full, no receiver, too long) is dropped and
//   counted; the next record that gets through is preceded by a warning
//   "N log records dropped" (or "1 log record dropped").
//
//   Fallback. Postfix's daemons drop records when the postlog socket is
//   missing or refuses; only the postfix(1) and postlog(1) commands then
//   append to maillog_file themselves. fallback_file mirrors that for
//   commands and is off by default (the skeleton leaves it off): when
//   connecting fails (not when the queue is full), the record and a newline
//   are appended in one write to fallback_file, opened by
//   safe_append_open() with the postlog fallback's rules (no symbolic link,
//   a regular file with one link owned by the effective user; created with
//   O_EXCL, mode 0644 less the umask, when absent); a refused file drops the
//   record.
//
//   A service must never log to its own postlog socket: the skeleton
//   compares its service name with postlog_service_name and, when they are
//   equal (the process IS postlogd or its replacement), installs no sink
//   with postlog framing (log_destinations.h).
//
//   A LogServiceSink is owned by whoever runs the skeleton (usually through
//   a shared_ptr, see shared_record_sink() in dgram/embedding.h) and is used from one
//   thread. fd() and write_signal_safe() are for a signal handler.
// DIAGNOSTICS
//   syslog_facility() throws Fatal("unknown syslog_facility: NAME");
//   check_maillog_file_prefixes() throws Fatal. Nothing else throws.
// SEE ALSO
//   log.h, log_socket.h, line_prefix.h, safe_append_open.h,
//   log_destinations.h; config/skeleton_params.h (the default socket and
//   service name)
#pragma once

#include <cstddef>
#include <cstdint>
#include <ctime>
#include <functional>
#include <string>
#include <string_view>

#include "config/skeleton_params.h"
#include "dgram/embedding.h"
#include "dgram/log.h"
#include "log/log_socket.h"

namespace dgram {

// How a record is laid out, and for which receiver (see above).
enum class LogFraming { syslog, postlog };

// The facility code (0 kern .. 23 local7) of a main.cf syslog_facility name:
// auth, authpriv, cron, daemon, ftp, kern, lpr, mail, news, syslog, user,
// uucp, local0 .. local7. Throws Fatal for any other name.
int syslog_facility(std::string_view name);

// The syslog severity of a message: 6 info, 4 warning, 3 error, 2 fatal (crit).
int syslog_severity(Severity severity) noexcept;

// $queue_directory/public/$service_name: where postlogd listens.
std::string postlog_service_path(std::string_view queue_directory,
                                 std::string_view service_name = kDefaultPostlogServiceName);

// Throws Fatal("maillog_file value 'FILE' does not match any prefix in
// maillog_file_prefixes") unless maillog_file starts with one of the
// comma- or space-separated prefixes, as Postfix refuses to log otherwise.
void check_maillog_file_prefixes(std::string_view maillog_file, std::string_view prefixes);

class LogServiceSink {
 public:
  static constexpr int kMailFacility = 2;
  static constexpr std::size_t kMaxText = 2000;

  using Clock = std::function<std::time_t()>;

  // The defaults are those of syslog(3) under Postfix: syslog framing to
  // /dev/log, facility mail.
  struct Options {
    LogFraming framing = LogFraming::syslog;
    // syslog: the daemon's socket; postlog: postlog_service_path(queue_directory).
    std::string path = std::string(kDefaultSyslogSocket);
    int facility = kMailFacility;  // syslog framing: a code from syslog_facility()
    std::string hostname;  // postlog framing: empty = gethostname(); the first label is used
    std::size_t max_text = kMaxText;  // bytes of message text kept; 0 = no limit
    Clock clock;  // empty: time()
    std::string fallback_file;  // empty: no fallback (see above)
  };

  explicit LogServiceSink(Options options);

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
  // without reconnecting, falling back or counting drops.
  void write_signal_safe(const LogRecord& record) const noexcept;

  const Options& options() const noexcept { return options_; }
  LogFraming framing() const noexcept { return options_.framing; }
  // The host label postlog records carry (empty with syslog framing).
  const std::string& hostname() const noexcept { return hostname_; }
  // The connected socket, or -1.
  int fd() const noexcept { return socket_.fd(); }
  // Records dropped since the last drop notice got through.
  std::uint64_t dropped() const noexcept { return dropped_; }
  // The connection: connect() it before a chroot, and set_path() the
  // socket's name inside the jail (e.g. /public/postlog) after it.
  LogSocket& socket() noexcept { return socket_; }

 private:
  void compose(RecordWriter& out, const LogRecord& record, const std::tm& time) const noexcept;
  bool deliver(const LogRecord& record, std::time_t now) noexcept;
  bool append_fallback(std::string_view record) const noexcept;

  Options options_;
  std::string hostname_;
  LogSocket socket_;
  std::uint64_t dropped_ = 0;
};

}  // namespace dgram
