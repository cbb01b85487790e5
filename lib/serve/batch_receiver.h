// SPDX-License-Identifier: MIT
// batch_receiver - takes the datagrams already queued on a socket, in one
// recvmmsg() call, into buffers allocated once.
//
// receive() never blocks (MSG_DONTWAIT: the socket's own flags, which the
// master and every sibling share, are never changed) and never reads more
// than it is asked to, so a use limit stays exact. It returns finished
// batches: the caller serves datagram(0 .. count-1) before the next receive. Each datagram keeps its real length, so one longer than
// the receive buffer is reported as truncated. With ReceiveOptions it also
// takes each sender's address and credentials, into storage allocated once
// with the buffers; what is not asked for is neither received nor parsed.
// Nothing is allocated per datagram.
#pragma once

#include <sys/socket.h>
#include <sys/un.h>

#include <cstddef>
#include <vector>

#include "dgram/service.h"

namespace dgram {

class BatchReceiver {
 public:
  BatchReceiver(std::size_t buffer_size, std::size_t batch_limit, ReceiveOptions options = {});

  // Receives up to min(limit, batch_limit()) datagrams without blocking.
  // Returns how many (0 when none was queued), or -1 with errno set.
  int receive(int fd, std::size_t limit);

  // The i-th datagram of the last receive(); its sender and credentials
  // point into this object and stay valid until the next receive().
  Datagram datagram(std::size_t i);
  std::size_t batch_limit() const { return headers_.size(); }

 private:

  std::size_t buffer_size_;
  ReceiveOptions options_;
  std::vector<char> storage_;
  std::vector<iovec> vectors_;
  std::vector<mmsghdr> headers_;
  std::vector<sockaddr_un> names_;         // with options.sender
  std::vector<char> control_;              // with options.credentials: one cmsg per datagram
  std::vector<SenderAddress> senders_;
  std::vector<Credentials> credentials_;
};

}  // namespace dgram
