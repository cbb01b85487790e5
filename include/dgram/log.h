// log - informational, warning and error lines of a daemon.
//
// A Log formats one line per message as `program[pid]: severity: text` and
// hands it to its sinks (stderr by default; tests and embedders add their
// own). The program name follows Postfix: the process name, optionally
// prefixed by syslog_name. A Log is owned by whoever runs the skeleton and is
// passed down by reference; there is no process-wide logger.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace dgram {

enum class Severity { info, warning, error, fatal };

class Log {
 public:
  using Sink = std::function<void(Severity, std::string_view line)>;

  explicit Log(std::string program = "dgram-server");

  void set_program(std::string program) { program_ = std::move(program); }
  const std::string& program() const { return program_; }
  void set_verbose(int level) { verbose_ = level; }
  int verbose() const { return verbose_; }

  // Replaces all sinks with the given one; an empty function means "discard".
  void set_sink(Sink sink);
  void add_sink(Sink sink);

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
  std::vector<Sink> sinks_;
};

// The sink that writes each line and a newline to stderr in one write().
Log::Sink stderr_sink();

}  // namespace dgram
