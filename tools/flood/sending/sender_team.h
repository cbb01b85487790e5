// SPDX-License-Identifier: MIT
// NAME
//   sender_team - several sender processes (--senders), started together and
//   waited for.
// SUMMARY
//   SenderTeam team(options, socket_fds, split_flood(...));  // forked, all ready
//   meter.start();
//   team.go();
//   std::vector<SenderResult> results = team.wait();
// DESCRIPTION
//   The constructor forks one process per share (sender_shares.h). Sender k
//   sends on fds[k], a socket the parent connected, and closes the others'
//   sockets; it runs the same Sender as a single dgram-flood does
//   (sender.h), with its share's count, first sequence number, rate and
//   phase, and no progress bar. Each one tells the parent through a pipe of
//   its own that it is ready (one byte), then blocks on a start pipe common
//   to all. The constructor returns when every sender is ready, so that
//   what the caller samples next (the receivers' usage) comes before any
//   send; go() releases them all at once with one write of one byte each.
//
//   When a sender is done it writes its report (datagrams sent, start and
//   elapsed CLOCK_MONOTONIC nanoseconds: one clock for all processes; its
//   send waits and late sends) on
//   its pipe and exits 0. wait() polls every pipe; a pipe at end of file is
//   a sender that exited, and it is reaped then, so a sender that dies is
//   noticed at once, whenever it dies. The wait is as bounded as each
//   sender is: a sender gives up after --timeout without progress and
//   exits, and one that dies ends its pipe at once. Nothing else is waited
//   for without a bound.
//
//   The parent owns the sockets (they outlive the senders, for the drain:
//   receiver_drain.h) and the read ends of the pipes; the team owns its
//   processes: the destructor kills (SIGKILL) and reaps those still there.
//   Each sender dies with the parent as well (PR_SET_PDEATHSIG). dgram-flood
//   has one thread, so the children may allocate and throw like any
//   process; they leave with _exit(), never through the parent's code.
// DIAGNOSTICS
//   A sender prints its own error ("dgram-flood: sender 2 of 4: timed out:
//   ...") and exits with its status (failure.h). The parent then stops the
//   others and throws Failure naming the sender, its pid, how it ended and
//   how many others it stopped ("; stopped 3 other senders"):
//   "exited with status 1", "was killed by signal 9 (Killed)", "exited
//   without its report"; the exit status is the sender's own (1 or 2), 1
//   for a signal. Failing system calls (pipe2, fork, poll, read, write,
//   waitpid, prctl) throw Failure naming the call and the sender.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "flood_options.h"
#include "owned_fd.h"
#include "sending/send_wait.h"
#include "sending/sender_shares.h"

namespace flood {

struct SenderResult {
  pid_t pid = 0;
  std::uint64_t first = 0;      // its first sequence number
  std::uint64_t sent = 0;
  std::int64_t start_ns = 0;    // CLOCK_MONOTONIC just before its first send
  std::int64_t elapsed_ns = 0;  // from then to just after its last send
  SendWait wait;                // its send calls' waits (send_wait.h)
  std::uint64_t late = 0;       // its late sends (sender.h)
};

class SenderTeam {
 public:
  // SenderTeam - forks sender k on fds[k] with shares[k]; returns when all are ready.
  SenderTeam(const FloodOptions& options, std::span<const int> fds,
             std::span<const SenderShare> shares);
  SenderTeam(const SenderTeam&) = delete;
  SenderTeam& operator=(const SenderTeam&) = delete;
  ~SenderTeam();

  // go - lets every sender start sending.
  void go();

  // wait - the senders' results in sender order, once all exited well; else Failure.
  std::vector<SenderResult> wait();

 private:
  struct Member {
    pid_t pid = -1;
    SenderShare share;
    OwnedFd report;          // read end of its pipe; closed at end of file
    std::string received;    // bytes of its report so far
    bool reaped = false;
    int status = 0;          // waitpid status, once reaped
  };

  // fork_sender - starts sender k; in the child it never returns.
  void fork_sender(std::size_t k, std::span<const int> fds);
  // wait_ready - the ready byte of every sender, or Failure for one that died first.
  void wait_ready();
  // reap - waitpid for one member whose pipe reached end of file.
  void reap(Member& member);
  // fail - stops the others and throws the Failure for member, which ended badly.
  [[noreturn]] void fail(const Member& member, const std::string& how, int exit_status);
  // stop_all - SIGKILL and waitpid for every sender not reaped yet; never throws.
  void stop_all() noexcept;
  // name - "sender 2 of 4 (pid 1234)".
  std::string name(const Member& member) const;

  const FloodOptions& options_;
  OwnedFd go_read_;   // the start pipe: the senders read it ...
  OwnedFd go_write_;  // ... and go() writes one byte for each
  std::vector<Member> members_;
};

}  // namespace flood
