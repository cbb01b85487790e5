// SPDX-License-Identifier: MIT
// log - informational, warning and error lines of a daemon.
//
// A Log formats one line per message as `program[pid]: severity: text` and
// replaces control characters and broken UTF-8 in the text by '?', so that no
// message can forge a second line (printable.h); it
// hands it to its sinks (stderr by default; tests and embedders add their
// own). A line sink gets that line; a record sink gets its parts as well
// (LogRecord), so that it can frame them its own way (the library's log
// service sink frames them for syslog or for Postfix's postlog service). The program name follows Postfix: the process name,
// optionally prefixed by syslog_name. A Log is owned by whoever runs the skeleton and is
// passed down by reference; there is no process-wide logger.
#pragma once

#include "dgram/cxx20.h"
#if __cplusplus >= 202002L  // else cxx20.h has said why, once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace dgram {

enum class Severity { info, warning, error, fatal };

// The text Postfix puts before a message of this severity: "" for info,
// "warning: ", "error: ", "fatal: ".
const char* severity_prefix(Severity severity) noexcept;

// One message, as a record sink receives it. The views are valid only during
// the call.
struct LogRecord {
  Severity severity = Severity::info;
  std::string_view program;  // e.g. postfix/dgram-sink
  long pid = 0;
  std::string_view text;  // the message, without the severity prefix
  std::string_view line;  // program[pid]: <severity prefix>text
};

class Log {
 public:
  using Sink = std::function<void(Severity, std::string_view line)>;
  using RecordSink = std::function<void(const LogRecord&)>;

  explicit Log(std::string program = "dgram-server");

  // The program part of each line; control characters in it become '?'.
  void set_program(std::string program);
  const std::string& program() const { return program_; }
  void set_verbose(int level) { verbose_ = level; }
  int verbose() const { return verbose_; }

  // Replaces all sinks with the given one; an empty function means "discard".
  void set_sink(Sink sink);
  void add_sink(Sink sink);
  // The same for sinks that want the parts of each message.
  void set_record_sink(RecordSink sink);
  void add_record_sink(RecordSink sink);

  void info(const char* fmt, ...) __attribute__((format(printf, 2, 3)));
  void warn(const char* fmt, ...) __attribute__((format(printf, 2, 3)));
  void error(const char* fmt, ...) __attribute__((format(printf, 2, 3)));
  // Logs the line of a fatal condition; the caller then ends the process.
  void fatal(std::string_view text);
  // Logs only when verbose() >= level.
  void debug(int level, const char* fmt, ...) __attribute__((format(printf, 3, 4)));

  void write(Severity severity, std::string_view text);

 private:
  std::string program_;
  int verbose_ = 0;
  std::vector<RecordSink> sinks_;
};

// The sink that writes each line and a newline to stderr in one write().
Log::Sink stderr_sink();

// A record sink that calls target->write(record), sharing ownership of the
// target so that its owner can keep using it (e.g. for its descriptor).
template <typename Target>
Log::RecordSink shared_record_sink(std::shared_ptr<Target> target) {
  return [target = std::move(target)](const LogRecord& record) { target->write(record); };
}

}  // namespace dgram

#endif  // C++20
