// SPDX-License-Identifier: MIT
// NAME
//   receiver_drain - waits until the receiver has consumed every datagram
//   the sender's socket sent.
// SUMMARY
//   std::int64_t consumed_ns = wait_until_consumed(fds, options, sent, progress);
// DESCRIPTION
//   The kernel charges an AF_UNIX datagram to the socket that sent it until
//   the receiver takes it off its queue (recv, recvmmsg) and it is freed;
//   ioctl(SIOCOUTQ) on the sending socket reads that charge in bytes. When
//   it reads 0, every datagram this socket sent has been consumed. Checked
//   on the project's Linux 6.18 machines: 768 bytes per 100-byte datagram,
//   2304 per 1000-byte one, down by one datagram's worth at each recv, not
//   at a recv with MSG_PEEK, and 0 after the last one. The charge also
//   falls to 0 when the receiver closes its socket with datagrams queued
//   (the kernel frees them unread); receiving_socket tells that case apart.
//
//   With several senders (--senders) each has its own socket; the wait
//   looks at the sum of their charges, which is 0 once the receiver has
//   consumed what every one of them sent.
//
//   The wait polls the charge: it sleeps 10 us, then twice as long after
//   each look, at most 1 ms. So the moment of the last consumption is known
//   to within that step, and a slow receiver costs the sender at most about
//   a thousand looks a second, which matters when both share one CPU.
//   wait_until_consumed() returns the CLOCK_MONOTONIC time of the look that
//   saw 0.
//
//   unconsumed_datagrams() turns a charge back into datagrams: it measures
//   the charge of one datagram of that size on a private socket pair (it
//   depends on the kernel's allocation sizes, not on the payload alone).
// DIAGNOSTICS
//   Throws Failure with exit status 1 when the charge has not fallen for
//   options.timeout seconds (0: wait forever), with a line naming the path,
//   how many of the datagrams sent were not consumed and the bytes still
//   charged; and when ioctl(SIOCOUTQ) fails.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "flood_options.h"

namespace flood {

class Progress;

// wait_until_consumed - polls SIOCOUTQ on fds until their sum is 0; the monotonic time it saw 0.
std::int64_t wait_until_consumed(std::span<const int> fds, const FloodOptions& options,
                                 std::uint64_t sent, Progress& progress);

// unconsumed_datagrams - how many datagrams of size bytes make a charge of `bytes`,
// or nothing when that cannot be measured or is not a whole number of them.
std::optional<std::uint64_t> unconsumed_datagrams(std::uint64_t bytes, std::size_t size);

}  // namespace flood
