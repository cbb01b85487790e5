// SPDX-License-Identifier: MIT
// log - informational, warning and error lines of a daemon.
//
// A service logs through Context::log: info(), warn(), error(), debug() and
// fatal(). A Log formats one line per message as
// `program[pid]: severity: text` and replaces control characters and broken
// UTF-8 in the text by '?', so that no message can forge a second line; it
// hands the line to its sinks (stderr by default, syslog or postlog under
// the skeleton; a record sink gets the line's parts too, LogRecord, to frame
// them its own way). The program name follows Postfix: the process name,
// optionally prefixed by syslog_name. A Log is owned by whoever runs the
// skeleton and is passed down by reference; there is no process-wide logger.
//
// Where the lines go is the business of whoever runs the skeleton, not of
// a service: the sink members below are for embedders and tests, and the
// rest of the sink interface (LogRecord, severity_prefix(), stderr_sink(),
// shared_record_sink()) is in dgram/embedding.h since 0.2.
#pragma once

#include "dgram/cxx20.h"
#if __cplusplus >= 202002L  // else cxx20.h has said why, once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace dgram {

enum class Severity { info, warning, error, fatal };

struct LogRecord;  // embedding.h

class Log {
 public:
  explicit Log(std::string program = "dgram-server");

  // The program part of each line; control characters in it become '?'.
  void set_program(std::string program);
  const std::string& program() const { return program_; }
  void set_verbose(int level) { verbose_ = level; }
  int verbose() const { return verbose_; }

  void info(const char* fmt, ...) __attribute__((format(printf, 2, 3)));
  void warn(const char* fmt, ...) __attribute__((format(printf, 2, 3)));
  void error(const char* fmt, ...) __attribute__((format(printf, 2, 3)));
  // Logs the line of a fatal condition; the caller then ends the process.
  void fatal(std::string_view text);
  // Logs only when verbose() >= level.
  void debug(int level, const char* fmt, ...) __attribute__((format(printf, 3, 4)));

  void write(Severity severity, std::string_view text);

  // The sinks: for embedders and tests (see dgram/embedding.h), not for a
  // service. A line sink gets each finished line; a record sink gets its
  // parts as well (LogRecord, in embedding.h).
  using Sink = std::function<void(Severity, std::string_view line)>;
  using RecordSink = std::function<void(const LogRecord&)>;
  // Replaces all sinks with the given one; an empty function means "discard".
  void set_sink(Sink sink);
  void add_sink(Sink sink);
  // The same for sinks that want the parts of each message.
  void set_record_sink(RecordSink sink);
  void add_record_sink(RecordSink sink);

 private:
  std::string program_;
  int verbose_ = 0;
  std::vector<RecordSink> sinks_;
};

}  // namespace dgram

// Until the release after 0.2: what moved to dgram/embedding.h (log sinks'
// helpers, Gate) is still found through this header, as it was in 0.1.
#include "dgram/embedding.h"  // IWYU pragma: export

#endif  // C++20
