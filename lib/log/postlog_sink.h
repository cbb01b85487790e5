// SPDX-License-Identifier: MIT
// postlog_sink - log records to Postfix's postlog service (maillog_file).
//
// NAME
//   PostlogSink, postlog_service_path, check_maillog_file_prefixes
// SUMMARY
//   A Log record sink for Postfix's own log-file mode: when main.cf sets
//   maillog_file, each record goes as one datagram to the postlog service
//   socket, $queue_directory/public/$postlog_service_name, and postlogd
//   appends it and a newline to maillog_file.
// DESCRIPTION
//   The datagram is what Postfix 3.7's client sends (seen on Debian 12 with
//   a socket bound in place of postlogd's):
//
//     Mmm dd hh:mm:ss HOST PROGRAM[PID]: TEXT
//
//   with local time, the day zero-padded ("Dec 05", strftime %d, unlike
//   syslog's "Dec  5"), HOST the first label of the host name (Postfix:
//   $myhostname; here gethostname() unless given), TEXT the severity prefix
//   ("warning: " ...) and the message cut to max_text bytes (Postfix: 2000),
//   and no trailing newline.
//
//   Like the syslog sink it never blocks for long and never throws: a lazy,
//   non-blocking connection, one reconnect when postlogd went away or was
//   restarted, MSG_DONTWAIT; a record that cannot be sent is dropped and
//   counted, and the next one that gets through is preceded by a warning
//   "N log records dropped".
//
//   Fallback. Postfix's daemons drop records when the postlog socket is
//   missing or refuses; only the postfix(1) and postlog(1) commands then
//   append to maillog_file themselves. The fallback_file option mirrors
//   that for commands and is off by default (the skeleton leaves it off):
//   when connecting fails (not when the queue is full), the record and a
//   newline are appended in one write to fallback_file, opened with
//   O_APPEND|O_NOFOLLOW, or created with O_EXCL, mode 0644, when absent; a
//   file that is not a regular file with one link, owned by the effective
//   user, is refused and the record dropped.
//
//   A service must never log to its own socket: the skeleton compares its
//   service name with postlog_service_name and, when they are equal (the
//   process IS postlogd or its replacement), installs no PostlogSink.
//
//   A PostlogSink is owned by whoever runs the skeleton (usually through a
//   shared_ptr, see shared_record_sink() in log.h) and is used from one
//   thread. fd() and write_signal_safe() are for a signal handler.
// DIAGNOSTICS
//   check_maillog_file_prefixes() throws Fatal. Nothing else throws.
// SEE ALSO
//   log.h, log_socket.h, syslog_sink.h
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

// main.cf's default postlog_service_name.
inline constexpr std::string_view kDefaultPostlogServiceName = "postlog";
// main.cf's default maillog_file_prefixes.
inline constexpr std::string_view kDefaultMaillogFilePrefixes = "/var, /dev/stdout";

// $queue_directory/public/$service_name: where postlogd listens.
std::string postlog_service_path(std::string_view queue_directory,
                                 std::string_view service_name = kDefaultPostlogServiceName);

// Throws Fatal("maillog_file value 'FILE' does not match any prefix in
// maillog_file_prefixes") unless maillog_file starts with one of the
// comma- or space-separated prefixes, as Postfix refuses to log otherwise.
void check_maillog_file_prefixes(std::string_view maillog_file, std::string_view prefixes);

class PostlogSink {
 public:
  static constexpr std::size_t kMaxText = 2000;

  using Clock = std::function<std::time_t()>;

  struct Options {
    std::string path;  // e.g. postlog_service_path(queue_directory)
    std::string hostname;  // empty: gethostname(); only the first label is used
    std::size_t max_text = kMaxText;  // bytes of message text kept; 0 = no limit
    Clock clock;  // empty: time()
    std::string fallback_file;  // empty: no fallback (see above)
  };

  explicit PostlogSink(Options options);

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

  // The host label the records carry.
  const std::string& hostname() const noexcept { return hostname_; }
  // The connected socket, or -1.
  int fd() const noexcept { return socket_.fd(); }
  // Records dropped since the last drop notice got through.
  std::uint64_t dropped() const noexcept { return dropped_; }
  // The connection: connect() it before a chroot, and set_path() the
  // socket's name inside the jail (/public/postlog) after it.
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
