// SPDX-License-Identifier: MIT
// syslog_sink - RFC 3164-style records to the local syslog socket.
#include "log/syslog_sink.h"

#include <sys/socket.h>

#include <array>
#include <utility>

#include "dgram/error.h"

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

constexpr std::size_t kFramingRoom = 64;  // <PRI>, time stamp, [pid]: , severity prefix


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

SyslogSink::SyslogSink(Options options)
    : options_(std::move(options)), socket_(options_.path) {
  // Primes the UTC offset that the signal-safe formatting uses.
  (void)log_local_time(::time(nullptr));
}

void SyslogSink::compose(RecordWriter& out, const LogRecord& record,
                         const std::tm& time) const noexcept {
  out.append('<');
  out.append_decimal(options_.facility * 8 + syslog_severity(record.severity));
  out.append('>');
  append_log_time(out, time, DayPad::space);
  out.append(' ');
  out.append(record.program);
  out.append('[');
  out.append_decimal(record.pid);
  out.append("]: ");
  out.append(severity_prefix(record.severity));
  out.append(limit_text(record.text, options_.max_text));
}

std::string SyslogSink::format(const LogRecord& record, std::time_t now) const {
  std::size_t room =
      kFramingRoom + record.program.size() + limit_text(record.text, options_.max_text).size();
  return format_record(room, [&](RecordWriter& out) { compose(out, record, log_local_time(now)); });
}

std::size_t SyslogSink::format_signal_safe(const LogRecord& record, std::time_t now,
                                           char* buffer, std::size_t size) const noexcept {
  RecordWriter out(buffer, size);
  compose(out, record, log_local_time_signal_safe(now));
  return out.size();
}

void SyslogSink::write_signal_safe(const LogRecord& record) const noexcept {
  send_signal_safe(socket_.fd(), [&](char* buffer, std::size_t size) {
    return format_signal_safe(record, ::time(nullptr), buffer, size);
  });
}

bool SyslogSink::deliver(const LogRecord& record, std::time_t now) noexcept {
  try {
    return socket_.send(format(record, now)) == 0;
  } catch (...) {
    return false;
  }
}

void SyslogSink::write(const LogRecord& record) noexcept {
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
