// SPDX-License-Identifier: MIT
// postlog_sink - records for Postfix's postlog service.
#include "log/postlog_sink.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "dgram/error.h"
#include "dgram/unique_fd.h"

namespace dgram {

namespace {

constexpr std::size_t kFramingRoom = 64;  // time stamp, spaces, [pid]: , severity prefix
constexpr const char* kNoHostname = "amnesiac";  // Postfix's name when it knows none


// first_label - the host name up to its first dot.
std::string first_label(std::string_view name) { return std::string(name.substr(0, name.find('.'))); }

// local_host_name - gethostname(), or Postfix's stand-in when that fails.
std::string local_host_name() {
  char name[256] = {};
  if (::gethostname(name, sizeof(name) - 1) < 0 || name[0] == '\0') return kNoHostname;
  return name;
}

// open_log_file - an existing log file for appending, or a new one; -1 when
// it is not a plain file of ours with a single link.
UniqueFd open_log_file(const std::string& path) {
  constexpr int kFlags = O_WRONLY | O_APPEND | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK | O_CLOEXEC;
  UniqueFd fd(::open(path.c_str(), kFlags));
  if (!fd && errno == ENOENT) fd.reset(::open(path.c_str(), kFlags | O_CREAT | O_EXCL, 0644));
  if (!fd) return fd;
  struct stat st {};
  if (::fstat(fd.get(), &st) < 0 || !S_ISREG(st.st_mode) || st.st_nlink != 1 ||
      st.st_uid != ::geteuid()) {
    return UniqueFd();
  }
  return fd;
}

}  // namespace

std::string postlog_service_path(std::string_view queue_directory, std::string_view service_name) {
  std::string path(queue_directory);
  path += "/public/";
  path += service_name;
  return path;
}

void check_maillog_file_prefixes(std::string_view maillog_file, std::string_view prefixes) {
  if (maillog_file.empty()) return;
  constexpr std::string_view kSeparators = ", \t\r\n";
  std::size_t start = prefixes.find_first_not_of(kSeparators);
  while (start != std::string_view::npos) {
    std::size_t end = prefixes.find_first_of(kSeparators, start);
    std::string_view prefix = prefixes.substr(start, end == std::string_view::npos ? end : end - start);
    if (maillog_file.substr(0, prefix.size()) == prefix) return;
    start = prefixes.find_first_not_of(kSeparators, end);
  }
  throw Fatal("maillog_file value '" + std::string(maillog_file) +
              "' does not match any prefix in maillog_file_prefixes");
}

PostlogSink::PostlogSink(Options options)
    : options_(std::move(options)),
      hostname_(first_label(options_.hostname.empty() ? local_host_name() : options_.hostname)),
      socket_(options_.path) {
  if (hostname_.empty()) hostname_ = kNoHostname;
  // Primes the UTC offset that the signal-safe formatting uses.
  (void)log_local_time(::time(nullptr));
}

void PostlogSink::compose(RecordWriter& out, const LogRecord& record,
                          const std::tm& time) const noexcept {
  append_log_time(out, time, DayPad::zero);
  out.append(' ');
  out.append(hostname_);
  out.append(' ');
  out.append(record.program);
  out.append('[');
  out.append_decimal(record.pid);
  out.append("]: ");
  out.append(severity_prefix(record.severity));
  out.append(limit_text(record.text, options_.max_text));
}

std::string PostlogSink::format(const LogRecord& record, std::time_t now) const {
  std::size_t room =
      kFramingRoom + hostname_.size() + record.program.size() + limit_text(record.text, options_.max_text).size();
  return format_record(room, [&](RecordWriter& out) { compose(out, record, log_local_time(now)); });
}

std::size_t PostlogSink::format_signal_safe(const LogRecord& record, std::time_t now,
                                            char* buffer, std::size_t size) const noexcept {
  RecordWriter out(buffer, size);
  compose(out, record, log_local_time_signal_safe(now));
  return out.size();
}

void PostlogSink::write_signal_safe(const LogRecord& record) const noexcept {
  send_signal_safe(socket_.fd(), [&](char* buffer, std::size_t size) {
    return format_signal_safe(record, ::time(nullptr), buffer, size);
  });
}

bool PostlogSink::append_fallback(std::string_view record) const noexcept {
  try {
    UniqueFd fd = open_log_file(options_.fallback_file);
    if (!fd) return false;
    char newline = '\n';
    iovec parts[2] = {{const_cast<char*>(record.data()), record.size()}, {&newline, 1}};
    ssize_t n = ::writev(fd.get(), parts, 2);
    return n == static_cast<ssize_t>(record.size() + 1);
  } catch (...) {
    return false;
  }
}

bool PostlogSink::deliver(const LogRecord& record, std::time_t now) noexcept {
  try {
    std::string datagram = format(record, now);
    if (socket_.send(datagram) == 0) return true;
    // Not connected: postlogd is not there. A full queue is not a reason
    // to write behind its back.
    if (socket_.fd() < 0 && !options_.fallback_file.empty()) return append_fallback(datagram);
    return false;
  } catch (...) {
    return false;
  }
}

void PostlogSink::write(const LogRecord& record) noexcept {
  std::time_t now;
  try {
    now = options_.clock ? options_.clock() : ::time(nullptr);
  } catch (...) {
    ++dropped_;  // a clock that throws costs this record, nothing more
    return;
  }
  deliver_counting_drops(record, dropped_, [&](const LogRecord& r) { return deliver(r, now); });
}

}  // namespace dgram
