// SPDX-License-Identifier: MIT
// syslog_forward - what dgram-logd does with records when maillog_file is empty.
//
// NAME
//   parse_postlog_record, SyslogForwarder
// SUMMARY
//   SyslogForwarder forwarder(options, log.program(), getpid());
//   forwarder.forward(line);   // a record already made one line
// DESCRIPTION
//   postlogd started with an empty maillog_file (its own main.cf or -o says
//   so) while clients still send it records hands them to syslog instead of
//   refusing to start. So does dgram-logd.
//
//   A record that a Postfix client framed, "Mmm dd hh:mm:ss HOST
//   PROGRAM[PID]: TEXT", is sent to syslog under the client's own name and
//   pid, with the severity its TEXT starts with ("warning: ", "error: ",
//   "fatal: "; anything else is info), so that the syslog line reads as if the
//   client had logged there itself: the syslog daemon adds its own time and
//   host. A record in any other shape is sent whole as an info message of
//   dgram-logd. The record is given as a length-bounded view (the caller has
//   already replaced NUL and other control bytes, see record_line.h); it is
//   never read as a C string. The syslog sink cuts the text at 2000 bytes,
//   as Postfix does, and counts what the syslog daemon does not take.
// DIAGNOSTICS
//   Nothing throws; see log/log_service_sink.h for drops.
// SEE ALSO
//   record_line.h, log/log_service_sink.h (both record formats)
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "dgram/log.h"
#include "log/log_service_sink.h"

namespace dgram::logd {

// The parts of a record as Postfix clients frame it; nullopt for another shape.
struct PostlogRecord {
  Severity severity = Severity::info;
  std::string_view program;
  long pid = 0;
  std::string_view text;  // after the severity prefix
};
std::optional<PostlogRecord> parse_postlog_record(std::string_view record) noexcept;

class SyslogForwarder {
 public:
  SyslogForwarder(LogServiceSink::Options options, std::string own_program, long own_pid);

  // Sends one record to syslog. Never throws.
  void forward(std::string_view line) noexcept;

  LogServiceSink& sink() noexcept { return sink_; }

 private:
  LogServiceSink sink_;  // with syslog framing
  std::string own_program_;
  long own_pid_;
};

}  // namespace dgram::logd
