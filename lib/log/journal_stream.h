// SPDX-License-Identifier: MIT
// journal_stream - logging to journald through stderr.
//
// systemd connects a service's stderr to journald and says so with
// JOURNAL_STREAM=DEVICE:INODE. When that names our stderr, each line goes
// there with a <N> syslog priority in front (journald keeps it as the
// record's priority) and without the program[pid] prefix, which journald
// records itself. A JOURNAL_STREAM inherited by a process whose stderr was
// pointed elsewhere does not match, and logging stays as configured.
#pragma once

#include <map>
#include <string>

#include "dgram/log.h"

namespace dgram {

// True when JOURNAL_STREAM is set and names the file open on fd.
bool journal_stream_matches(const std::map<std::string, std::string>& env, int fd);

// The record sink that writes "<N>severity: text\n" to fd in one write().
Log::RecordSink journal_sink(int fd);

// <N> for a severity: info 6, warning 4, error 3, fatal 2 (as Postfix's
// msg_fatal logs at LOG_CRIT).
int journal_priority(Severity severity) noexcept;

}  // namespace dgram
