// SPDX-License-Identifier: MIT
// log_socket - the client end of a datagram log service.
//
// NAME
//   LogSocket, RecordWriter, log_local_time, log_local_time_signal_safe,
//   civil_time, append_log_time, log_drop_notice
// SUMMARY
//   What the log service sink's two framings (syslog, postlog) have in
//   common: a UNIX datagram socket to a log receiver (/dev/log,
//   $queue_directory/public/postlog) that never blocks the caller, and the
//   `Mmm dd hh:mm:ss` time stamp that starts every record.
// DESCRIPTION
//   LogSocket connects lazily, on the first send, with a non-blocking
//   close-on-exec socket. When a send fails with ECONNREFUSED or ENOTCONN
//   (the receiver went away or its socket was re-created) it reconnects once
//   and sends again. A full receiver queue is not waited for: send() returns
//   EAGAIN and the caller decides (the sink drops the record and counts it).
//   It is owned by one sink and used from one thread; fd() may be read from a
//   signal handler.
//
//   RecordWriter formats into a caller's fixed buffer without allocating, so
//   the same code serves the normal path and a signal handler (the
//   watchdog's last line). log_local_time_signal_safe() turns a time into
//   calendar fields with arithmetic only, given the offset from UTC that
//   log_local_time() last saw.
// DIAGNOSTICS
//   Nothing throws. send() and connect() report failure with an errno value.
// SEE ALSO
//   log_service_sink.h, line_prefix.h
#pragma once

#include <sys/socket.h>

#include <csignal>
#include <cstddef>
#include <cstdint>
#include <ctime>
#include <string>
#include <string_view>

#include "dgram/embedding.h"
#include "dgram/unique_fd.h"

namespace dgram {

class LogSocket {
 public:
  explicit LogSocket(std::string path) : path_(std::move(path)) {}

  const std::string& path() const noexcept { return path_; }
  // The name used by the next connect (e.g. the socket's name inside a
  // chroot jail). A live connection is kept: connect before the chroot, set
  // the jail's name after it, and a reconnect finds the socket again.
  void set_path(std::string path) { path_ = std::move(path); }

  // Connects now, closing any earlier connection. Returns 0 or an errno
  // value (ENOENT: no socket there; ECONNREFUSED: nobody bound to it).
  int connect() noexcept;
  void close() noexcept { fd_.reset(); }
  // The connected socket, or -1.
  int fd() const noexcept { return fd_.get(); }

  // Sends one datagram without blocking. Returns 0 or an errno value:
  // EAGAIN (the receiver's queue is full), EMSGSIZE (too long), or what
  // connecting failed with.
  int send(std::string_view record) noexcept;

 private:
  std::string path_;
  UniqueFd fd_;
};

// RecordWriter - appends to a fixed buffer, silently cutting what does not fit.
class RecordWriter {
 public:
  RecordWriter(char* data, std::size_t size) noexcept : data_(data), size_(size) {}

  void append(std::string_view text) noexcept;
  void append(char c) noexcept { append(std::string_view(&c, 1)); }
  void append_decimal(long value) noexcept;
  // Two digits, zero-padded or space-padded.
  void append_two_digits(int value, char pad) noexcept;

  std::size_t size() const noexcept { return length_; }
  std::string_view view() const noexcept { return {data_, length_}; }
  bool truncated() const noexcept { return truncated_; }

 private:
  char* data_;
  std::size_t size_;
  std::size_t length_ = 0;
  bool truncated_ = false;
};

// How the day of the month is padded: syslog(3) writes "Nov  5" (strftime
// %e), Postfix's postlog client writes "Nov 05" (%d).
enum class DayPad { zero, space };

// Local calendar time of `when` (localtime_r), remembering its offset from
// UTC for the signal-safe variant.
std::tm log_local_time(std::time_t when) noexcept;
// The same from arithmetic only, using the UTC offset of the last
// log_local_time() call (so a DST change since then is not seen).
// Async-signal-safe.
std::tm log_local_time_signal_safe(std::time_t when) noexcept;
// The calendar fields of `when` shifted by `offset` seconds (no time zone
// database, async-signal-safe). Only the fields a log stamp needs are set.
std::tm civil_time(std::time_t when, long offset) noexcept;

// Appends `Mmm dd hh:mm:ss` with English month names, whatever the locale.
void append_log_time(RecordWriter& out, const std::tm& time, DayPad pad) noexcept;

// The warning text a sink sends before the first record that gets through
// after drops: "1 log record dropped", "N log records dropped".
std::string log_drop_notice(std::uint64_t count);

// limit_text - the text cut to max bytes (0: no limit).
inline std::string_view limit_text(std::string_view text, std::size_t max) noexcept {
  return max != 0 && text.size() > max ? text.substr(0, max) : text;
}

// format_record - a record sink's datagram: compose(RecordWriter&) writes it
// into a buffer of `room` bytes (enough for framing and text).
template <typename Compose>
std::string format_record(std::size_t room, Compose&& compose) {
  std::string buffer(room, '\0');
  RecordWriter out(buffer.data(), buffer.size());
  compose(out);
  buffer.resize(out.size());
  return buffer;
}

// send_signal_safe - a last record from a signal handler: format(buffer,
// size) fills a stack buffer, which is sent on fd (if connected) without
// blocking; no allocation, no reconnection.
template <typename Format>
void send_signal_safe(int fd, Format&& format) noexcept {
  if (fd < 0) return;
  char buffer[4096];
  std::size_t n = format(buffer, sizeof(buffer));
  (void)::send(fd, buffer, n, MSG_DONTWAIT | MSG_NOSIGNAL);
}

// deliver_counting_drops - the write() of a record sink: a record that
// deliver(record) cannot send is counted in `dropped`; when earlier records
// were dropped, the next one that gets through is preceded by a warning that
// says how many. Never throws.
template <typename Deliver>
void deliver_counting_drops(const LogRecord& record, std::uint64_t& dropped, Deliver&& deliver) noexcept {
  try {
    if (dropped > 0) {
      std::string notice = log_drop_notice(dropped);
      LogRecord warning{Severity::warning, record.program, record.pid, notice, {}};
      if (!deliver(warning)) {
        ++dropped;
        return;
      }
      dropped = 0;
    }
    if (!deliver(record)) ++dropped;
  } catch (...) {
    ++dropped;
  }
}

}  // namespace dgram
