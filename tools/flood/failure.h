// NAME
//   failure - how dgram-flood gives up.
// DESCRIPTION
//   A problem that ends the run is thrown as Failure: one line for stderr
//   (without the program name) and the exit status. main() catches it once,
//   clears the progress bar and prints the line.
//
//   Exit statuses: 1 for a failure while sending (a send error, a timeout),
//   2 for a bad command line or a socket that cannot be connected.
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

}  // namespace flood
