// SPDX-License-Identifier: MIT
// sender_team - forking the senders, starting them together, collecting their reports.
#include "sending/sender_team.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <csignal>
#include <cstring>
#include <exception>

#include "failure.h"
#include "progress.h"
#include "sending/sender.h"

namespace flood {

namespace {

constexpr char kReady = 'R';
constexpr char kGo = 'g';

// What a sender writes on its pipe when done: one write, less than PIPE_BUF, so whole.
struct WireReport {
  std::uint64_t sent;
  std::int64_t start_ns;
  std::int64_t elapsed_ns;
  SendWait wait;
  std::uint64_t late;
};
static_assert(sizeof(WireReport) < PIPE_BUF, "a sender's report goes in one write");

// write_all - writes bytes to fd, or throws Failure naming what it was for.
void write_all(int fd, const void* data, std::size_t size, const std::string& what) {
  const char* at = static_cast<const char*>(data);
  while (size > 0) {
    ssize_t n = ::write(fd, at, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw errno_failure(kExitSendFailed, "write " + what, errno);
    }
    at += n;
    size -= static_cast<std::size_t>(n);
  }
}

// wait_for_go - blocks until the parent's start byte; false when the parent gave up instead.
bool wait_for_go(int fd) {
  char byte = 0;
  for (;;) {
    ssize_t n = ::read(fd, &byte, 1);
    if (n == 1) return byte == kGo;
    if (n == 0) return false;  // the parent closed the start pipe without starting
    if (errno != EINTR) {
      throw errno_failure(kExitSendFailed, "read the start byte from the parent", errno);
    }
  }
}

// be_sender - the life of sender `index` in its own process: ready, go, send, report, _exit.
[[noreturn]] void be_sender(const FloodOptions& options, const SenderShare& share, std::size_t index,
                            int fd, int report_fd, int go_fd, pid_t parent) {
  const std::string who =
      "sender " + std::to_string(index + 1) + " of " + std::to_string(options.senders);
  int status = kExitSendFailed;
  try {
    if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) {
      throw errno_failure(kExitSendFailed, "prctl(PR_SET_PDEATHSIG, SIGKILL)", errno);
    }
    // The parent died before prctl took effect: nobody is left to report to.
    if (::getppid() != parent) ::_exit(kExitSendFailed);
    FloodOptions own = options;
    own.count = share.count;
    own.first = share.first;
    own.rate = share.rate;
    Progress silent(false, share.count);
    Sender sender(own, fd, silent, share.phase_ns);
    write_all(report_fd, &kReady, 1, "the ready byte to the parent");
    if (!wait_for_go(go_fd)) ::_exit(kExitSendFailed);  // the parent is failing and says why
    SendOutcome outcome = sender.run();
    WireReport report{outcome.sent, outcome.start_ns, outcome.elapsed_ns, outcome.wait, outcome.late};
    write_all(report_fd, &report, sizeof(report), "the report to the parent");
    ::_exit(0);
  } catch (const Failure& failure) {
    complain(who + ": " + failure.line);
    status = failure.exit_status;
  } catch (const std::exception& error) {
    complain(who + ": fatal: " + error.what());
  }
  ::_exit(status);
}

// ended - how a waitpid status ended a sender, in words.
std::string ended(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    int signal = WTERMSIG(status);
    const char* text = ::strsignal(signal);
    return "was killed by signal " + std::to_string(signal) + " (" +
           (text != nullptr ? text : "unknown") + ")";
  }
  return "ended with wait status " + std::to_string(status);
}

// exit_status_for - dgram-flood's exit status after a sender ended this way.
int exit_status_for(int status) {
  if (WIFEXITED(status) &&
      (WEXITSTATUS(status) == kExitSendFailed || WEXITSTATUS(status) == kExitUsage)) {
    return WEXITSTATUS(status);
  }
  return kExitSendFailed;
}

}  // namespace

SenderTeam::SenderTeam(const FloodOptions& options, std::span<const int> fds,
                       std::span<const SenderShare> shares)
    : options_(options) {
  int go[2];
  if (::pipe2(go, O_CLOEXEC) != 0) {
    throw errno_failure(kExitSendFailed, "pipe2 for the senders' start pipe", errno);
  }
  go_read_ = OwnedFd(go[0]);
  go_write_ = OwnedFd(go[1]);
  members_.reserve(shares.size());
  try {
    for (std::size_t k = 0; k < shares.size(); ++k) {
      members_.emplace_back();
      members_.back().share = shares[k];
      fork_sender(k, fds);
    }
    go_read_.reset();  // the senders' end only
    wait_ready();
  } catch (...) {
    stop_all();
    throw;
  }
}

SenderTeam::~SenderTeam() { stop_all(); }

void SenderTeam::fork_sender(std::size_t k, std::span<const int> fds) {
  Member& member = members_[k];
  const std::string who =
      "sender " + std::to_string(k + 1) + " of " + std::to_string(options_.senders);
  int ends[2];
  if (::pipe2(ends, O_CLOEXEC) != 0) {
    throw errno_failure(kExitSendFailed, "pipe2 for the report pipe of " + who, errno);
  }
  member.report = OwnedFd(ends[0]);
  OwnedFd write_end(ends[1]);
  const pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) throw errno_failure(kExitSendFailed, "fork for " + who, errno);
  if (pid == 0) {
    // Copies of the parent's descriptors that this sender has no business with.
    // The objects that own them are never destroyed here (be_sender ends in _exit).
    for (std::size_t j = 0; j < fds.size(); ++j) {
      if (j != k) (void)::close(fds[j]);
    }
    for (const Member& other : members_) (void)::close(other.report.get());
    (void)::close(go_write_.get());
    be_sender(options_, member.share, k, fds[k], write_end.get(), go_read_.get(), parent);
  }
  member.pid = pid;
}

void SenderTeam::wait_ready() {
  for (Member& member : members_) {
    char byte = 0;
    ssize_t n;
    do {
      n = ::read(member.report.get(), &byte, 1);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
      throw errno_failure(kExitSendFailed, "read the ready byte of " + name(member), errno);
    }
    if (n == 0) {
      member.report.reset();
      reap(member);
      fail(member, ended(member.status) + " before it was ready to send",
           exit_status_for(member.status));
    }
    if (byte != kReady) {
      fail(member, "sent '" + std::string(1, byte) + "' instead of its ready byte", kExitSendFailed);
    }
  }
}

void SenderTeam::go() {
  const std::string start(members_.size(), kGo);  // at most 256 bytes: one write, whole
  write_all(go_write_.get(), start.data(), start.size(), "to the senders' start pipe");
  go_write_.reset();
}

std::vector<SenderResult> SenderTeam::wait() {
  std::size_t running = members_.size();
  std::vector<pollfd> polled;
  std::vector<Member*> whose;
  while (running > 0) {
    polled.clear();
    whose.clear();
    for (Member& member : members_) {
      if (member.report.get() < 0) continue;
      polled.push_back(pollfd{member.report.get(), POLLIN, 0});
      whose.push_back(&member);
    }
    if (::poll(polled.data(), polled.size(), -1) < 0) {
      if (errno == EINTR) continue;
      throw errno_failure(kExitSendFailed, "poll on the senders' report pipes", errno);
    }
    for (std::size_t i = 0; i < polled.size(); ++i) {
      if (polled[i].revents == 0) continue;
      Member& member = *whose[i];
      char buffer[sizeof(WireReport) * 2];
      ssize_t n = ::read(member.report.get(), buffer, sizeof(buffer));
      if (n < 0) {
        if (errno == EINTR) continue;
        throw errno_failure(kExitSendFailed, "read the report of " + name(member), errno);
      }
      if (n > 0) {
        member.received.append(buffer, static_cast<std::size_t>(n));
        continue;
      }
      member.report.reset();  // end of file: the sender has exited
      --running;
      reap(member);
      if (!WIFEXITED(member.status) || WEXITSTATUS(member.status) != 0) {
        fail(member, ended(member.status), exit_status_for(member.status));
      }
      if (member.received.size() != sizeof(WireReport)) {
        fail(member,
             "exited without its report (" + std::to_string(member.received.size()) + " of " +
                 std::to_string(sizeof(WireReport)) + " bytes)",
             kExitSendFailed);
      }
    }
  }

  std::vector<SenderResult> results;
  for (const Member& member : members_) {
    WireReport report{};
    std::memcpy(&report, member.received.data(), sizeof(report));
    if (report.sent != member.share.count) {
      fail(member,
           "reported " + std::to_string(report.sent) + " of its " +
               std::to_string(member.share.count) + " datagrams sent",
           kExitSendFailed);
    }
    results.push_back(SenderResult{member.pid, member.share.first, report.sent, report.start_ns,
                                   report.elapsed_ns, report.wait, report.late});
  }
  return results;
}

// wait_for - waitpid(pid) past signals; the pid reaped, or -1 with errno set.
static pid_t wait_for(pid_t pid, int& status) {
  pid_t got;
  do {
    got = ::waitpid(pid, &status, 0);
  } while (got < 0 && errno == EINTR);
  return got;
}

void SenderTeam::reap(Member& member) {
  int status = 0;
  pid_t got = wait_for(member.pid, status);
  if (got != member.pid) {
    throw errno_failure(kExitSendFailed, "waitpid for " + name(member), errno);
  }
  member.reaped = true;
  member.status = status;
}

void SenderTeam::fail(const Member& member, const std::string& how, int exit_status) {
  std::size_t others = 0;
  for (const Member& other : members_) {
    if (other.pid > 0 && !other.reaped) ++others;
  }
  stop_all();
  std::string line = name(member) + " " + how;
  if (others > 0) {
    line += "; stopped " + std::to_string(others) + (others == 1 ? " other sender" : " other senders");
  }
  throw Failure{exit_status, line};
}

void SenderTeam::stop_all() noexcept {
  for (Member& member : members_) {
    if (member.pid <= 0 || member.reaped) continue;
    // An unreaped child cannot be gone (ESRCH): it is at worst a zombie.
    if (::kill(member.pid, SIGKILL) != 0) {
      complain("cannot stop " + name(member) + ": kill: " + std::strerror(errno));
    }
    int status = 0;
    pid_t got = wait_for(member.pid, status);
    if (got != member.pid) {
      complain("cannot reap " + name(member) + ": waitpid: " + std::strerror(errno));
    }
    member.reaped = true;
    member.status = status;
  }
}

std::string SenderTeam::name(const Member& member) const {
  std::size_t k = static_cast<std::size_t>(&member - members_.data());
  return "sender " + std::to_string(k + 1) + " of " + std::to_string(options_.senders) + " (pid " +
         std::to_string(member.pid) + ")";
}

}  // namespace flood
