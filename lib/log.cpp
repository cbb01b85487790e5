// log - formatting a message line and handing it to the sinks.
#include "dgram/log.h"

#include <unistd.h>

#include <cstdarg>
#include <cstdio>
#include <string>

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

const char* severity_prefix(Severity severity) {
  switch (severity) {
    case Severity::info: return "";
    case Severity::warning: return "warning: ";
    case Severity::error: return "error: ";
    case Severity::fatal: return "fatal: ";
  }
  return "";
}

}  // namespace

Log::Sink stderr_sink() {
  return [](Severity, std::string_view line) {
    std::string out(line);
    out.push_back('\n');
    // One write() per line so that lines of several processes do not mix.
    // A failed write to stderr has nowhere else to be reported.
    (void)!::write(STDERR_FILENO, out.data(), out.size());
  };
}

Log::Log(std::string program) : program_(std::move(program)) { sinks_.push_back(stderr_sink()); }

void Log::set_sink(Sink sink) {
  sinks_.clear();
  if (sink) sinks_.push_back(std::move(sink));
}

void Log::add_sink(Sink sink) {
  if (sink) sinks_.push_back(std::move(sink));
}

void Log::write(Severity severity, std::string_view text) {
  std::string line = program_ + "[" + std::to_string(::getpid()) + "]: " + severity_prefix(severity);
  line.append(text);
  for (auto& sink : sinks_) sink(severity, line);
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
