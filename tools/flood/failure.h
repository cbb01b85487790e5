// SPDX-License-Identifier: MIT
// NAME
//   failure - how dgram-flood gives up.
// DESCRIPTION
//   A problem that ends the run is thrown as Failure: one line for stderr
//   (without the program name) and the exit status. main() catches it once,
//   clears the progress bar and prints the line.
//
//   Exit statuses: 1 for a failure while sending or draining (a send error,
//   a timeout) and for a system problem (/proc unreadable), 2 for a bad
//   command line, a socket that cannot be connected, and targets that are
//   not there: a --receiver or --master PID with no process, a socket whose
//   receiver cannot be found.
//
//   The rule at each boundary: utilities (proc_file, process_usage,
//   cpu_affinity) return 0 or an error number and leave the verdict to the
//   caller; the modules that decide the run (sender, receiver_drain,
//   usage_meter, ...) throw Failure; only main() prints, and, with
//   --senders, each sender process, which has no main() to go back to
//   (sending/sender_team.h). Both print with complain().
#pragma once

#include <string>

namespace flood {

inline constexpr int kExitSendFailed = 1;
inline constexpr int kExitUsage = 2;

struct Failure {
  int exit_status;
  std::string line;
};

// errno_failure - a Failure reading "<what>: <strerror(error)>".
Failure errno_failure(int exit_status, const std::string& what, int error);

// complain - writes "dgram-flood: <line>" to stderr in one write(2); if that
// fails there is nothing left to tell it with.
void complain(const std::string& line);

}  // namespace flood
