// SPDX-License-Identifier: MIT
// line_prefix - "PROGRAM[PID]: SEVERITY: ", written once for every caller.
#include "log/line_prefix.h"

#include "dgram/embedding.h"

namespace dgram {

void append_line_prefix(RecordWriter& out, std::string_view program, long pid,
                        Severity severity) noexcept {
  out.append(program);
  out.append('[');
  out.append_decimal(pid);
  out.append("]: ");
  out.append(severity_prefix(severity));
}

std::string line_prefix(std::string_view program, long pid, Severity severity) {
  return format_record(program.size() + kLinePrefixRoom, [&](RecordWriter& out) {
    append_line_prefix(out, program, pid, severity);
  });
}

}  // namespace dgram
