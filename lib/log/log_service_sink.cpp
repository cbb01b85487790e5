// SPDX-License-Identifier: MIT
// log_service_sink - records for the syslog daemon or Postfix's postlog service.
#include "log/log_service_sink.h"

#include <sys/uio.h>
#include <unistd.h>

#include <array>
#include <utility>

#include "dgram/error.h"
#include "log/line_prefix.h"
#include "log/safe_append_open.h"

namespace dgram {

namespace {

struct FacilityName {
  std::string_view name;
  int code;
};

// The names main.cf's syslog_facility accepts on Linux, with their codes.
constexpr std::array<FacilityName, 20> kFacilities{{
    {"kern", 0},     {"user", 1},     {"mail", 2},     {"daemon", 3},   {"auth", 4},
    {"syslog", 5},   {"lpr", 6},      {"news", 7},     {"uucp", 8},     {"cron", 9},
    {"authpriv", 10}, {"ftp", 11},    {"local0", 16},  {"local1", 17},  {"local2", 18},
    {"local3", 19},  {"local4", 20},  {"local5", 21},  {"local6", 22},  {"local7", 23},
}};

constexpr std::size_t kFramingRoom = 64;  // <PRI> or spaces, time stamp, [pid]: , severity prefix
constexpr const char* kNoHostname = "amnesiac";  // Postfix's name when it knows none

// first_label - the host name up to its first dot.
std::string first_label(std::string_view name) { return std::string(name.substr(0, name.find('.'))); }

// local_host_name - gethostname(), or Postfix's stand-in when that fails.
std::string local_host_name() {
  char name[256] = {};
  if (::gethostname(name, sizeof(name) - 1) < 0 || name[0] == '\0') return kNoHostname;
  return name;
}

// postlog_host_label - the HOST of postlog records: the first label of the
// given name, else of the local host name.
std::string postlog_host_label(const std::string& given) {
  std::string label = first_label(given.empty() ? local_host_name() : given);
  return label.empty() ? kNoHostname : label;
}

// fallback_rules - how the postlog fallback opens maillog_file.
AppendOpenRules fallback_rules() {
  AppendOpenRules rules;
  rules.create_mode = 0644;
  rules.umask_applies = true;
  rules.owned_by_effective_user = true;
  return rules;
}

}  // namespace

int syslog_facility(std::string_view name) {
  for (const auto& facility : kFacilities) {
    if (facility.name == name) return facility.code;
  }
  throw Fatal("unknown syslog_facility: " + std::string(name));
}

int syslog_severity(Severity severity) noexcept {
  switch (severity) {
    case Severity::info: return 6;     // LOG_INFO
    case Severity::warning: return 4;  // LOG_WARNING
    case Severity::error: return 3;    // LOG_ERR
    case Severity::fatal: return 2;    // LOG_CRIT
  }
  return 6;
}

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

LogServiceSink::LogServiceSink(Options options)
    : options_(std::move(options)),
      hostname_(options_.framing == LogFraming::postlog ? postlog_host_label(options_.hostname) : ""),
      socket_(options_.path) {
  // Primes the UTC offset that the signal-safe formatting uses.
  (void)log_local_time(::time(nullptr));
}

void LogServiceSink::compose(RecordWriter& out, const LogRecord& record,
                             const std::tm& time) const noexcept {
  if (options_.framing == LogFraming::syslog) {
    out.append('<');
    out.append_decimal(options_.facility * 8 + syslog_severity(record.severity));
    out.append('>');
    append_log_time(out, time, DayPad::space);
  } else {
    append_log_time(out, time, DayPad::zero);
    out.append(' ');
    out.append(hostname_);
  }
  out.append(' ');
  append_line_prefix(out, record.program, record.pid, record.severity);
  out.append(limit_text(record.text, options_.max_text));
}

std::string LogServiceSink::format(const LogRecord& record, std::time_t now) const {
  std::size_t room = kFramingRoom + hostname_.size() + record.program.size() +
                     limit_text(record.text, options_.max_text).size();
  return format_record(room, [&](RecordWriter& out) { compose(out, record, log_local_time(now)); });
}

std::size_t LogServiceSink::format_signal_safe(const LogRecord& record, std::time_t now,
                                               char* buffer, std::size_t size) const noexcept {
  RecordWriter out(buffer, size);
  compose(out, record, log_local_time_signal_safe(now));
  return out.size();
}

void LogServiceSink::write_signal_safe(const LogRecord& record) const noexcept {
  send_signal_safe(socket_.fd(), [&](char* buffer, std::size_t size) {
    return format_signal_safe(record, ::time(nullptr), buffer, size);
  });
}

bool LogServiceSink::append_fallback(std::string_view record) const noexcept {
  try {
    AppendOpened file = safe_append_open(options_.fallback_file, fallback_rules());
    if (!file.fd) return false;
    char newline = '\n';
    iovec parts[2] = {{const_cast<char*>(record.data()), record.size()}, {&newline, 1}};
    ssize_t n = ::writev(file.fd.get(), parts, 2);
    return n == static_cast<ssize_t>(record.size() + 1);
  } catch (...) {
    return false;
  }
}

bool LogServiceSink::deliver(const LogRecord& record, std::time_t now) noexcept {
  try {
    std::string datagram = format(record, now);
    if (socket_.send(datagram) == 0) return true;
    // Not connected: the receiver is not there. A full queue is not a
    // reason to write behind its back.
    if (socket_.fd() < 0 && !options_.fallback_file.empty()) return append_fallback(datagram);
    return false;
  } catch (...) {
    return false;
  }
}

void LogServiceSink::write(const LogRecord& record) noexcept {
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
