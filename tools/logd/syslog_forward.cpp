// SPDX-License-Identifier: MIT
// syslog_forward - what dgram-logd does with records when maillog_file is empty.
#include "syslog_forward.h"

#include <cstddef>

#include "dgram/embedding.h"

namespace dgram::logd {

namespace {

constexpr std::size_t kTimeStampLength = 15;  // "Mmm dd hh:mm:ss"

// The next word of `rest`, up to (not including) one space, which is consumed.
std::optional<std::string_view> take_word(std::string_view& rest) noexcept {
  auto space = rest.find(' ');
  if (space == 0 || space == std::string_view::npos) return std::nullopt;
  std::string_view word = rest.substr(0, space);
  rest.remove_prefix(space + 1);
  return word;
}

bool looks_like_time_stamp(std::string_view text) noexcept {
  return text.size() == kTimeStampLength && text[3] == ' ' && text[6] == ' ' && text[9] == ':' &&
         text[12] == ':';
}

Severity severity_of(std::string_view& text) noexcept {
  for (Severity severity : {Severity::warning, Severity::error, Severity::fatal}) {
    std::string_view prefix = severity_prefix(severity);
    if (text.starts_with(prefix)) {
      text.remove_prefix(prefix.size());
      return severity;
    }
  }
  return Severity::info;
}

}  // namespace

std::optional<PostlogRecord> parse_postlog_record(std::string_view record) noexcept {
  if (record.size() <= kTimeStampLength || record[kTimeStampLength] != ' ') return std::nullopt;
  if (!looks_like_time_stamp(record.substr(0, kTimeStampLength))) return std::nullopt;
  std::string_view rest = record.substr(kTimeStampLength + 1);
  if (!take_word(rest)) return std::nullopt;  // the host
  auto open = rest.find('[');
  auto close = rest.find("]: ");
  if (open == 0 || open == std::string_view::npos || close == std::string_view::npos || close <= open + 1) {
    return std::nullopt;
  }
  PostlogRecord parsed;
  parsed.program = rest.substr(0, open);
  if (parsed.program.find(' ') != std::string_view::npos) return std::nullopt;
  long pid = 0;
  for (char digit : rest.substr(open + 1, close - open - 1)) {
    if (digit < '0' || digit > '9' || pid > 99999999) return std::nullopt;
    pid = pid * 10 + (digit - '0');
  }
  parsed.pid = pid;
  parsed.text = rest.substr(close + 3);
  parsed.severity = severity_of(parsed.text);
  return parsed;
}

SyslogForwarder::SyslogForwarder(LogServiceSink::Options options, std::string own_program, long own_pid)
    : sink_(std::move(options)), own_program_(std::move(own_program)), own_pid_(own_pid) {}

void SyslogForwarder::forward(std::string_view line) noexcept {
  LogRecord record;
  if (auto parsed = parse_postlog_record(line)) {
    record.severity = parsed->severity;
    record.program = parsed->program;
    record.pid = parsed->pid;
    record.text = parsed->text;
  } else {
    record.program = own_program_;
    record.pid = own_pid_;
    record.text = line;
  }
  sink_.write(record);
}

}  // namespace dgram::logd
