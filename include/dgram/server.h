// server - running a Service as a child of the Postfix master.
//
// run(service, argc, argv) is the whole program: it parses the master's
// command line and environment, reads main.cf, sets up the master's
// descriptors (3, 4, 5, 6...), serves datagrams until a limit is reached or
// the master goes away, and returns the exit status (0 on a normal exit, 1
// after one fatal log line). It never calls exit(), so main() is one line:
//
//   int main(int argc, char** argv) { return dgram::run(service, argc, argv); }
//
// run(service, launch) does the same on descriptors, arguments and an
// environment that the caller provides, so tests can run the whole skeleton
// in-process without touching fds 3-6.
#pragma once

#include "dgram/cxx20.h"
#if __cplusplus >= 202002L  // else cxx20.h has said why, once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "dgram/log.h"
#include "dgram/service.h"

namespace dgram {

// The descriptors the master passes, as numbers (the real ones are 3, 4, 5, 6...).
inline constexpr int kFlowReadFd = 3;
inline constexpr int kFlowWriteFd = 4;
inline constexpr int kStatusFd = 5;
inline constexpr int kFirstListenFd = 6;

struct Descriptors {
  int flow_read = kFlowReadFd;
  int flow_write = kFlowWriteFd;
  int status = kStatusFd;
  // Listen sockets; empty means the master's: 6 .. 6 + (-s count) - 1.
  std::vector<int> listen;
  int terminal_check = 0;  // the descriptor checked for a terminal in daemon mode (stdin)
};

struct Launch {
  std::vector<std::string> argv;
  std::map<std::string, std::string> env;  // MAIL_CONFIG, MAIL_VERBOSE, MAIL_DEBUG, GENERATION
  Descriptors fds;
  std::optional<Log::Sink> log_sink;  // replaces the stderr sink when set
};

// The process environment as a map (for Launch::env).
std::map<std::string, std::string> process_environment();

int run(const Service& service, const Launch& launch);
int run(const Service& service, int argc, char** argv);

}  // namespace dgram

#endif  // C++20
