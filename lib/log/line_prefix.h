// SPDX-License-Identifier: MIT
// line_prefix - the "PROGRAM[PID]: SEVERITY: " that starts every log line.
//
// SUMMARY
//   std::string line = line_prefix("postfix/dgram-sink", 4242, Severity::warning) + text;
//   append_line_prefix(out, record.program, record.pid, record.severity);
// DESCRIPTION
//   Every line the library writes starts the same way, as in Postfix: the
//   program name, the pid in brackets, ": ", then the severity's prefix
//   (severity_prefix(): "" for info, "warning: ", "error: ", "fatal: ").
//   Log::write() builds its lines with it, the log service sink frames its
//   records with it, and the watchdog's last line is made from it.
//
//   append_line_prefix() writes into a RecordWriter: no allocation, no
//   lock, no state of its own (any thread), async-signal-safe. line_prefix() returns the same text as a
//   string, for callers that build a line ahead of time (a signal handler
//   then only copies it).
// DIAGNOSTICS
//   None. line_prefix() may throw std::bad_alloc.
// SEE ALSO
//   dgram/log.h, log_socket.h (RecordWriter)
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "dgram/log.h"
#include "log/log_socket.h"

namespace dgram {

// Bytes a prefix takes beyond the program name, at most: "[", a long's
// digits and sign, "]: " and the longest severity prefix ("warning: ").
inline constexpr std::size_t kLinePrefixRoom = 40;

// Appends "program[pid]: " and the severity's prefix. Async-signal-safe.
void append_line_prefix(RecordWriter& out, std::string_view program, long pid,
                        Severity severity) noexcept;

// The same text as a string.
std::string line_prefix(std::string_view program, long pid, Severity severity);

}  // namespace dgram
