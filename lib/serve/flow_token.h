// SPDX-License-Identifier: MIT
// flow_token - in-flow-delay's token: one byte from the master's flow-control
// pipe (fd 3), shared with the master and every sibling, so its file status
// flags are never changed. Loop's thread only.
#pragma once

namespace dgram {

// Takes one token from the read end of the flow pipe without blocking. True
// when a token was taken.
bool take_flow_token(int flow_read_fd) noexcept;

}  // namespace dgram
