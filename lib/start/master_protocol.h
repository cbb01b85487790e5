// SPDX-License-Identifier: MIT
// master_protocol - the child's side of the Postfix master(8) protocol.
//
// The master hands a child a status channel (fd 5, one end of a stream
// socketpair shared by all children of a service), a flow-control pipe
// (fds 3 and 4) and the listen sockets (fd 6 on). The child reports TAKEN
// before it serves and AVAIL after, each as one 12-byte {pid, generation,
// avail} record written with a single write(). GENERATION in the
// environment is the generation, in octal.
#pragma once

#include <sys/types.h>

#include <string_view>

#include "dgram/embedding.h"  // the descriptor numbers

namespace dgram {

enum class ChildStatus : int { taken = 0, avail = 1 };

// The record the master reads, in native byte order.
struct StatusRecord {
  int pid;
  unsigned generation;
  int avail;
};
static_assert(sizeof(StatusRecord) == 12, "the master reads 12-byte status records");

class StatusChannel {
 public:
  // fd is borrowed, not owned: the master's descriptors live as long as the process.
  StatusChannel(int fd, pid_t pid, unsigned generation) noexcept
      : fd_(fd), pid_(pid), generation_(generation) {}

  // Writes one record. False when the write failed or was short (the master is gone).
  bool notify(ChildStatus status) noexcept;

  int fd() const noexcept { return fd_; }
  unsigned generation() const noexcept { return generation_; }

 private:
  int fd_;
  pid_t pid_;
  unsigned generation_;
};

// Parses GENERATION: octal digits only. Throws Fatal("bad generation: X").
unsigned parse_generation(std::string_view text);

}  // namespace dgram
