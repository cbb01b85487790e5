// SPDX-License-Identifier: MIT
// NAME
//   dgram-flood - send datagrams to a UNIX-domain datagram socket.
// SUMMARY
//   dgram-flood [-n N] [-s S] [-r R] [-q [--first N]] [-m [--batch B]]
//               [--json] [--timeout SEC] [--quiet] [--drain]
//               [--receiver PID]... [--find-receivers] [--master PID]
//               [--senders N] SOCKET_PATH
// DESCRIPTION
//   A load generator for datagram services: connects an AF_UNIX SOCK_DGRAM
//   socket to SOCKET_PATH and sends N datagrams of S bytes, optionally paced
//   to R per second and numbered so that a receiver can check for gaps (see
//   tools/sink). A full receiver queue makes it wait, never drop. When done
//   it prints one summary line, or one JSON object with --json, on stdout.
//   A progress bar is drawn on stderr when stderr is a terminal.
//
//   With --drain it then waits until the receiver has consumed everything
//   and times the run up to that moment (measuring/receiver_drain.h). With
//   --receiver, --find-receivers or --master it also reports what the
//   receiving processes spent, CPU and context switches, in all and per
//   datagram, and where they and the sender may run (measuring/usage_meter.h).
//   With --settle it waits, after the drain, until the receivers' CPU time
//   has stopped growing, and times the run to its last growth
//   (measuring/cpu_settle.h).
//
//   With --senders N it connects N sockets and forks N senders, one on each
//   (sending/sender_team.h), with their shares of the count, of the sequence numbers
//   and of the rate (sending/sender_shares.h); everything above is then about all
//   of them together: the report spans the first sender's start to the last
//   one's end (or the drain, over all the sockets), and lists each sender.
//
//   The options are listed by --help (flood_options.cpp); the bytes of a
//   datagram are described in sending/payload.h, pacing in sending/pacer.h, the waiting
//   in sending/sender.h and the summary in report.h.
//
//   With one sender (the default) it sends from its own process, with the
//   progress bar; there is none with several.
// DIAGNOSTICS
//   One line on stderr, "dgram-flood: ...", and exit status 2 for a bad
//   command line (with a hint to --help), a socket that cannot be
//   connected, a --receiver or --master PID with no process, or a receiving
//   socket that no process holds; exit status 1 for a send error, a
//   timeout (sending or draining), an unreadable /proc or an unwritable
//   stdout (failure.h). A sender of several that fails or dies stops the
//   others; it and the parent each say why (sending/sender_team.h).
// SEE ALSO
//   dgram-sink, sendmmsg(2), unix(7).
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <exception>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "clock.h"
#include "failure.h"
#include "flood_options.h"
#include "measuring/cpu_affinity.h"
#include "measuring/cpu_settle.h"
#include "measuring/receiver_drain.h"
#include "measuring/receiving_socket.h"
#include "measuring/usage_meter.h"
#include "progress.h"
#include "report.h"
#include "sending/datagram_socket.h"
#include "sending/sender.h"
#include "sending/sender_shares.h"
#include "sending/sender_team.h"

namespace {

constexpr const char* kProgram = "dgram-flood";

// put_line - writes text to a stream, or throws Failure naming it.
void put_line(std::FILE* stream, const char* name, const std::string& text) {
  if (std::fputs(text.c_str(), stream) == EOF || std::fflush(stream) == EOF) {
    throw flood::errno_failure(flood::kExitSendFailed, std::string("cannot write to ") + name,
                               errno);
  }
}

using flood::complain;

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

// own_cpus - the CPUs dgram-flood may run on.
std::vector<int> own_cpus() {
  std::vector<int> cpus;
  if (int error = flood::cpu_affinity(0, cpus); error != 0) {
    throw flood::errno_failure(flood::kExitSendFailed, "sched_getaffinity", error);
  }
  return cpus;
}

// connect_senders - one socket connected to the target for each sender.
std::vector<flood::DatagramSocket> connect_senders(const flood::FloodOptions& options) {
  std::vector<flood::DatagramSocket> sockets;
  sockets.reserve(options.senders);
  for (unsigned k = 0; k < options.senders; ++k) {
    sockets.push_back(flood::DatagramSocket::connect_to(options.socket_path));
  }
  return sockets;
}

// find_target - the receiving socket, when the drain or --find-receivers needs it.
// Every sender's socket must reach the same one: the path bound again
// between two connects would leave part of the drain unwatched.
flood::ReceivingSocket find_target(const flood::FloodOptions& options, std::span<const int> fds) {
  if (!options.drain) return {};
  flood::ReceivingSocket target = flood::find_receiving_socket(fds[0], options.socket_path);
  if (options.find_receivers && target.inode == 0) {
    throw flood::Failure{flood::kExitUsage, "cannot find the receiving socket of " +
                                                options.socket_path + ": " + target.problem};
  }
  for (std::size_t k = 1; k < fds.size() && target.inode != 0; ++k) {
    flood::ReceivingSocket other = flood::find_receiving_socket(fds[k], options.socket_path);
    if (other.inode != target.inode) {
      throw flood::Failure{
          flood::kExitUsage,
          "the senders' sockets reach different sockets at " + options.socket_path +
              " (inode " + std::to_string(target.inode) + " for sender 1, " +
              (other.inode != 0 ? "inode " + std::to_string(other.inode) : other.problem) +
              " for sender " + std::to_string(k + 1) + "): was it bound again meanwhile?"};
    }
  }
  return target;
}

// usage_plan - the processes to count, from the options and the receiving socket.
flood::UsagePlan usage_plan(const flood::FloodOptions& options,
                            const flood::ReceivingSocket& target) {
  flood::UsagePlan plan;
  plan.receivers = options.receivers;
  plan.master = options.master;
  plan.discover = options.find_receivers;
  plan.inode = target.inode;
  plan.socket_path = options.socket_path;
  return plan;
}

double seconds(std::int64_t ns) { return static_cast<double>(ns) / flood::kNanosPerSecond; }

// send_here - one sender: this process sends, with the progress bar.
std::vector<flood::SenderResult> send_here(const flood::FloodOptions& options, int fd,
                                           flood::Progress& progress,
                                           std::optional<flood::UsageMeter>& meter) {
  if (meter) meter->start();
  flood::Sender sender(options, fd, progress);
  flood::SendOutcome outcome = sender.run();
  return {flood::SenderResult{::getpid(), options.first, outcome.sent, outcome.start_ns,
                              outcome.elapsed_ns, outcome.wait, outcome.late}};
}

// send_from_team - several senders: forked, sampled around, waited for.
std::vector<flood::SenderResult> send_from_team(const flood::FloodOptions& options,
                                                std::span<const int> fds,
                                                std::optional<flood::UsageMeter>& meter) {
  const std::vector<flood::SenderShare> shares =
      flood::split_flood(options.count, options.first, options.rate, options.senders);
  flood::SenderTeam team(options, fds, shares);  // every sender ready, none sending yet
  if (meter) meter->start();
  team.go();
  return team.wait();
}

// run - connect, sample, send, drain, sample again: the report of one flood.
flood::Report run(const flood::FloodOptions& options, flood::Progress& progress) {
  const std::vector<flood::DatagramSocket> sockets = connect_senders(options);
  std::vector<int> fds;
  for (const auto& socket : sockets) fds.push_back(socket.fd());
  const std::vector<int> cpus = own_cpus();
  const flood::ReceivingSocket target = find_target(options, fds);
  std::optional<flood::UsageMeter> meter;
  if (options.measures_usage()) meter.emplace(usage_plan(options, target));

  const std::vector<flood::SenderResult> senders =
      options.senders == 1 ? send_here(options, fds[0], progress, meter)
                           : send_from_team(options, fds, meter);
  // The span of the run: the first sender's start to the last one's end.
  std::int64_t start_ns = senders[0].start_ns;
  std::int64_t end_ns = senders[0].start_ns + senders[0].elapsed_ns;
  std::uint64_t sent = 0;
  flood::Report report;
  for (const flood::SenderResult& sender : senders) {
    start_ns = std::min(start_ns, sender.start_ns);
    end_ns = std::max(end_ns, sender.start_ns + sender.elapsed_ns);
    sent += sender.sent;
    report.send_wait.merge(sender.wait);
    report.late_sends += sender.late;
    report.sending_ns += static_cast<std::uint64_t>(sender.elapsed_ns);
    report.per_sender.push_back(
        flood::SenderLine{sender.pid, sender.sent, sender.first, seconds(sender.elapsed_ns)});
  }

  report.sent = sent;
  report.size = options.size;
  report.seconds = seconds(end_ns - start_ns);
  report.mmsg = options.mmsg;
  report.first_sequence = options.first;
  report.paced = options.rate > 0;
  report.stamped = options.stamp;
  report.sender_cpus = flood::cpu_list(cpus);
  if (options.drain) {
    std::int64_t consumed_ns = flood::wait_until_consumed(fds, options, sent, progress);
    std::int64_t done_ns = consumed_ns;
    if (options.settle_ms > 0) {
      done_ns = flood::wait_until_settled([&meter] { return meter->receiver_ticks(); }, options,
                                          consumed_ns);
      report.settled = true;
      report.settle_seconds = seconds(done_ns - consumed_ns);
    }
    if (meter) report.usage = meter->finish(cpus);
    report.drained = true;
    report.seconds = seconds(done_ns - start_ns);
    report.drain_seconds = seconds(consumed_ns - end_ns);
    report.receiver_socket = flood::presence_name(flood::socket_presence(target.inode));
  }
  return report;
}

int flood_main(const flood::FloodOptions& options) {
  // Several senders draw no bar: none of them sees the whole count.
  flood::Progress progress(
      options.senders == 1 && !options.quiet && flood::stderr_is_terminal(), options.count);
  try {
    flood::Report report = run(options, progress);
    progress.clear();
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
