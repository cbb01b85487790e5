// SPDX-License-Identifier: MIT
// receive_options - asks the kernel, on each listen socket, for what the
// service's ReceiveOptions want attached to every datagram.
//
// DESCRIPTION
//   apply_receive_options() sets SO_PASSCRED (credentials or pidfd),
//   SO_PASSPIDFD (pidfd) and SO_TIMESTAMPNS_NEW (timestamp) on every fd, and
//   nothing for what is off. Datagrams queued from then on carry them. It
//   runs once, at start-up, before pre_init.
//
//   Why a socket the siblings share may be changed here (the rule is never
//   to change shared socket state beyond one's own call): on AF_UNIX these
//   are the only way to ask (recvmsg has no per-call flag for them); every
//   child of one service sets the same values, from the same service
//   definition, so no sibling's request is undone; and the master never
//   reads from the socket. An option a service does not ask for is never
//   cleared.
//
// DIAGNOSTICS
//   Fatal on any failure, naming the option and the fd. A kernel without
//   SO_PASSPIDFD (ENOPROTOOPT or EINVAL) gets pidfd_unsupported_line():
//   what the service asked for, that it needs Linux 6.5 or later, the
//   running kernel's release and the error's text.
//
// THREADS
//   Start-up only, before the loop exists.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "dgram/service.h"

namespace dgram {

// Throws Fatal when the kernel refuses one of the options.
void apply_receive_options(std::span<const int> fds, const ReceiveOptions& options);

// The fatal line for a kernel that refused SO_PASSPIDFD with error; release
// is uname's (empty when unknown).
std::string pidfd_unsupported_line(std::string_view release, int error);

}  // namespace dgram
