// NAME
//   dgram-flood - send datagrams to a UNIX-domain datagram socket.
// SUMMARY
//   dgram-flood [-n N] [-s S] [-r R] [-q [--first N]] [-m [--batch B]]
//               [--json] [--timeout SEC] [--quiet] SOCKET_PATH
// DESCRIPTION
//   A load generator for datagram services: connects an AF_UNIX SOCK_DGRAM
//   socket to SOCKET_PATH and sends N datagrams of S bytes, optionally paced
//   to R per second and numbered so that a receiver can check for gaps (see
//   tools/sink). A full receiver queue makes it wait, never drop. When done
//   it prints one summary line, or one JSON object with --json, on stdout.
//   A progress bar is drawn on stderr when stderr is a terminal.
//
//   The options are listed by --help (flood_options.cpp); the bytes of a
//   datagram are described in payload.h, pacing in pacer.h and the waiting
//   in sender.h.
// DIAGNOSTICS
//   One line on stderr, "dgram-flood: ...", and exit status 2 for a bad
//   command line (with a hint to --help) or a socket that cannot be
//   connected; exit status 1 for a send error, a timeout or an unwritable
//   stdout.
// SEE ALSO
//   dgram-sink, sendmmsg(2), unix(7).
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>

#include "clock.h"
#include "datagram_socket.h"
#include "failure.h"
#include "flood_options.h"
#include "progress.h"
#include "report.h"
#include "sender.h"

namespace {

constexpr const char* kProgram = "dgram-flood";

// put_line - writes text to a stream, or throws Failure naming it.
void put_line(std::FILE* stream, const char* name, const std::string& text) {
  if (std::fputs(text.c_str(), stream) == EOF || std::fflush(stream) == EOF) {
    throw flood::errno_failure(flood::kExitSendFailed, std::string("cannot write to ") + name,
                               errno);
  }
}

// complain - the one stderr line of a failure; nothing else is left to tell if it fails.
void complain(const std::string& line) {
  std::string text = std::string(kProgram) + ": " + line + "\n";
  (void)!::write(STDERR_FILENO, text.data(), text.size());
}

// open_standard_fds - puts /dev/null on a closed 0, 1 or 2, so that the socket
// never becomes "stdout" and receives the summary line.
bool open_standard_fds() {
  for (int fd = 0; fd <= 2; ++fd) {
    if (::fcntl(fd, F_GETFD) >= 0 || errno != EBADF) continue;
    int null = ::open("/dev/null", O_RDWR);
    if (null != fd) return false;  // -1, or not the lowest free number after all
  }
  return true;
}

int flood_main(const flood::FloodOptions& options) {
  flood::Progress progress(!options.quiet && flood::stderr_is_terminal(), options.count);
  try {
    flood::DatagramSocket socket = flood::DatagramSocket::connect_to(options.socket_path);
    flood::Sender sender(options, socket.fd(), progress);
    flood::SendOutcome outcome = sender.run();
    progress.clear();

    flood::Report report;
    report.sent = outcome.sent;
    report.size = options.size;
    report.seconds = static_cast<double>(outcome.elapsed_ns) / flood::kNanosPerSecond;
    report.mmsg = options.mmsg;
    report.first_sequence = options.first;
    if (options.json) {
      put_line(stdout, "stdout", flood::json_report(report));
    } else if (!options.quiet) {
      put_line(stdout, "stdout", flood::human_report(report));
    }
    return 0;
  } catch (const flood::Failure& failure) {
    progress.clear();
    complain(failure.line);
    return failure.exit_status;
  } catch (const std::exception& error) {
    progress.clear();
    complain(std::string("fatal: ") + error.what());
    return flood::kExitSendFailed;
  }
}

}  // namespace

int main(int argc, char* argv[]) {
  if (!open_standard_fds()) return flood::kExitSendFailed;  // no stderr to say so
  // A closed stdout should be an error line (EPIPE from put_line), not a silent death.
  if (std::signal(SIGPIPE, SIG_IGN) == SIG_ERR) {
    complain(std::string("cannot ignore SIGPIPE: ") + std::strerror(errno));
    return flood::kExitSendFailed;
  }
  flood::ParseResult parsed = flood::parse_flood_options(argc, argv);
  switch (parsed.action) {
    case flood::ParseResult::Action::error:
      complain(parsed.error);
      complain(std::string("try '") + kProgram + " --help' for more information");
      return flood::kExitUsage;
    case flood::ParseResult::Action::help:
      try {
        put_line(stdout, "stdout", flood::usage_text(kProgram));
      } catch (const flood::Failure& failure) {
        complain(failure.line);
        return failure.exit_status;
      }
      return 0;
    case flood::ParseResult::Action::run:
      break;
  }
  return flood_main(parsed.options);
}
