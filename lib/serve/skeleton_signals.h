// SPDX-License-Identifier: MIT
// skeleton_signals - the two real-time signals the skeleton keeps for itself.
//
//   hand_off_signal()   a thread-directed timer raises it on the loop's
//                       thread when a quiet turn has lasted the busy
//                       threshold (hand_off_timer.h).
//   gate_wake_signal()  the loop's thread directs it at the gate thread to
//                       end a wait for the gate it no longer wants
//                       (gate_waiter.h).
// Services cannot register them (Events::on_signal refuses them), as they
// cannot SIGTERM and SIGALRM.
#pragma once

#include <signal.h>

namespace dgram {

inline int hand_off_signal() noexcept { return SIGRTMIN + 2; }
inline int gate_wake_signal() noexcept { return SIGRTMIN + 3; }

}  // namespace dgram
