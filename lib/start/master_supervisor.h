// SPDX-License-Identifier: MIT
// master_supervisor - the Postfix master as the supervisor: busy is TAKEN,
// idle is AVAIL, each one 12-byte record on the status channel
// (master_protocol.h); the channel becomes readable when the master has
// gone. Everything else the master learns from the child's exit status and
// its log lines, so the other reports go nowhere.
//
// THREADS
//   The loop's; busy() and idle() also from the hand-off signal's handler
//   there (one write(2) each, async-signal-safe).
#pragma once

#include "serve/supervisor.h"
#include "start/master_protocol.h"

namespace dgram {

class MasterSupervisor final : public Supervisor {
 public:
  explicit MasterSupervisor(StatusChannel channel) noexcept : channel_(channel) {}

  bool busy() noexcept override { return channel_.notify(ChildStatus::taken); }
  bool idle() noexcept override { return channel_.notify(ChildStatus::avail); }
  int gone_fd() const noexcept override { return channel_.fd(); }

 private:
  StatusChannel channel_;
};

}  // namespace dgram
