// SPDX-License-Identifier: MIT
// log - formatting a message line and handing it to the sinks.
#include "dgram/log.h"

#include <unistd.h>

#include <cstdarg>
#include <cstdio>
#include <string>

#include "base/printable.h"
#include "dgram/embedding.h"
#include "log/line_prefix.h"

namespace dgram {

namespace {

std::string vformat(const char* fmt, va_list ap) {
  char small[512];
  va_list copy;
  va_copy(copy, ap);
  int n = std::vsnprintf(small, sizeof(small), fmt, copy);
  va_end(copy);
  if (n < 0) return fmt;
  if (static_cast<std::size_t>(n) < sizeof(small)) return std::string(small, n);
  std::string big(static_cast<std::size_t>(n) + 1, '\0');
  std::vsnprintf(big.data(), big.size(), fmt, ap);
  big.resize(static_cast<std::size_t>(n));
  return big;
}

}  // namespace

const char* severity_prefix(Severity severity) noexcept {
  switch (severity) {
    case Severity::info: return "";
    case Severity::warning: return "warning: ";
    case Severity::error: return "error: ";
    case Severity::fatal: return "fatal: ";
  }
  return "";
}

Log::Sink stderr_sink() {
  return [](Severity, std::string_view line) {
    std::string out(line);
    out.push_back('\n');
    // One write() per line so that lines of several processes do not mix.
    // A failed write to stderr has nowhere else to be reported.
    (void)!::write(STDERR_FILENO, out.data(), out.size());
  };
}

namespace {

// line_sink - a line sink seen as a record sink.
Log::RecordSink line_sink(Log::Sink sink) {
  return [sink = std::move(sink)](const LogRecord& record) { sink(record.severity, record.line); };
}

}  // namespace

Log::Log(std::string program) : program_(printable(program)) { add_sink(stderr_sink()); }

void Log::set_program(std::string program) {
  make_printable(program);
  program_ = std::move(program);
}

void Log::set_sink(Sink sink) {
  sinks_.clear();
  add_sink(std::move(sink));
}

void Log::add_sink(Sink sink) {
  if (sink) sinks_.push_back(line_sink(std::move(sink)));
}

void Log::set_record_sink(RecordSink sink) {
  sinks_.clear();
  add_record_sink(std::move(sink));
}

void Log::add_record_sink(RecordSink sink) {
  if (sink) sinks_.push_back(std::move(sink));
}

void Log::write(Severity severity, std::string_view text) {
  long pid = static_cast<long>(::getpid());
  std::string line = line_prefix(program_, pid, severity);
  std::size_t text_start = line.size();
  line.append(text);
  // No message may start a line of its own in the log: control characters
  // (a newline in a quoted value, an escape sequence) become '?'.
  if (!is_printable(text)) {
    std::string safe(text);
    make_printable(safe);
    line.replace(text_start, std::string::npos, safe);
  }
  LogRecord record{severity, program_, pid, std::string_view(line).substr(text_start), line};
  for (auto& sink : sinks_) sink(record);
}

#define DGRAM_LOG_FORMATTED(severity)      \
  va_list ap;                              \
  va_start(ap, fmt);                       \
  std::string text = vformat(fmt, ap);     \
  va_end(ap);                              \
  write(severity, text)

void Log::info(const char* fmt, ...) { DGRAM_LOG_FORMATTED(Severity::info); }
void Log::warn(const char* fmt, ...) { DGRAM_LOG_FORMATTED(Severity::warning); }
void Log::error(const char* fmt, ...) { DGRAM_LOG_FORMATTED(Severity::error); }

void Log::debug(int level, const char* fmt, ...) {
  if (verbose_ < level) return;
  DGRAM_LOG_FORMATTED(Severity::info);
}

#undef DGRAM_LOG_FORMATTED

void Log::fatal(std::string_view text) { write(Severity::fatal, text); }

}  // namespace dgram
