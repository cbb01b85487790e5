// SPDX-License-Identifier: MIT
// batch_receiver - takes the datagrams already queued on a socket, in one
// recvmmsg() call, into buffers allocated once.
//
// DESCRIPTION
//   receive() never blocks (MSG_DONTWAIT: the socket's own flags, which the
//   master and every sibling share, are never changed) and never reads more
//   than it is asked to, so a use limit stays exact. It returns finished
//   batches: the caller serves datagram(0 .. count-1) before the next
//   receive. Each datagram keeps its real length, so one longer than the
//   receive buffer is reported as truncated.
//
//   With ReceiveOptions it also takes, for each datagram, what the kernel
//   attaches: the sender's address (sender), its credentials (credentials),
//   a pidfd of the sending process (pidfd, which implies credentials) and
//   the time the datagram was queued (timestamp). The control space holds
//   every message asked for, per datagram, and is allocated once with the
//   buffers; what is not asked for is neither received nor parsed. Nothing
//   is allocated per datagram.
//
// PIDFDS
//   The kernel opens one pidfd per datagram (close-on-exec, MSG_CMSG_CLOEXEC)
//   while receive() runs. The receiver owns them: receive() first closes
//   every pidfd of the batch before it, and the destructor closes those of
//   the last one. So a pidfd stays open from the receive that took it to the
//   next receive() (the service may use it during its callback only), and
//   none is ever leaked: not when a callback throws (the next receive or the
//   destructor closes them) and not when datagram(i) is never asked for.
//   Between two wake-ups at most batch_limit() of them are open.
//   A descriptor a sender passed itself (SCM_RIGHTS, which can land in room
//   left by a missing message), or a pidfd that was not asked for, is
//   closed at once, unread.
//
// DIAGNOSTICS
//   receive() returns -1 with errno as recvmmsg() left it. A datagram whose
//   control messages did not fit (MSG_CTRUNC; not expected, the space is
//   sized for everything asked for) keeps only the messages that arrived
//   whole; control_truncated() counts such datagrams. A negative number in
//   an SCM_PIDFD message (a kernel could not make the pidfd) gives pidfd -1.
//
// THREADS
//   The loop's only.
#pragma once

#include <sys/socket.h>
#include <sys/un.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "dgram/service.h"
#include "dgram/unique_fd.h"

namespace dgram {

class BatchReceiver {
 public:
  // options.pidfd implies options.credentials.
  BatchReceiver(std::size_t buffer_size, std::size_t batch_limit, ReceiveOptions options = {});
  BatchReceiver(const BatchReceiver&) = delete;
  BatchReceiver& operator=(const BatchReceiver&) = delete;

  // Closes the pidfds of the previous batch, then receives up to
  // min(limit, batch_limit()) datagrams without blocking. Returns how many
  // (0 when none was queued), or -1 with errno set.
  int receive(int fd, std::size_t limit);

  // The i-th datagram of the last receive(); its sender and credentials
  // point into this object, and its pidfd is open, until the next receive().
  Datagram datagram(std::size_t i);
  std::size_t batch_limit() const { return headers_.size(); }
  // How many datagrams so far came with their control messages cut short.
  std::uint64_t control_truncated() const { return control_truncated_; }

 private:
  // What the control messages of datagram i said, parsed once by receive().
  void parse_control(std::size_t i);

  std::size_t buffer_size_;
  ReceiveOptions options_;
  std::size_t control_space_;  // per datagram: every control message asked for
  std::vector<char> storage_;
  std::vector<iovec> vectors_;
  std::vector<mmsghdr> headers_;
  std::vector<sockaddr_un> names_;         // with options.sender
  std::vector<char> control_;              // control_space_ per datagram
  std::vector<SenderAddress> senders_;
  std::vector<Credentials> credentials_;   // pid 0: none came (queued before they were asked for)
  std::vector<UniqueFd> pidfds_;           // with options.pidfd: open until the next receive()
  std::vector<std::chrono::system_clock::time_point> times_;  // with options.timestamp
  std::uint64_t control_truncated_ = 0;
};

}  // namespace dgram
