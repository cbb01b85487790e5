// SPDX-License-Identifier: MIT
// NAME
//   sender_shares - how a flood is split over several senders: each one's
//   count, sequence range, rate and phase.
// SUMMARY
//   std::vector<SenderShare> shares = split_flood(count, first, rate, senders);
// DESCRIPTION
//   split_flood() gives sender k (from 0) the count / senders datagrams,
//   one more for the first count % senders of them: the shares differ by at
//   most one and add up to count exactly. Sender k's sequence numbers are
//   one stretch that starts where sender k-1's ends, the first one at
//   `first`: the union is first .. first+count-1, each number in exactly one
//   share, so a receiver's exactly-once check sees the same numbers as from
//   one sender, only interleaved.
//
//   With a rate (datagrams per second over the whole run; 0 = unpaced),
//   each sender paces at rate * its count / count, so all of them take the
//   same time and together keep the rate. Sender k also starts its pacing
//   k / rate seconds late (its phase): the senders' due times then fall
//   evenly between each other instead of all at once. Unpaced, the phase
//   is 0.
//
//   Pure: no system call, no clock.
// DIAGNOSTICS
//   None; senders must be at least 1 (the option parser sees to it). With
//   fewer datagrams than senders the last shares are empty.
#pragma once

#include <cstdint>
#include <vector>

namespace flood {

struct SenderShare {
  std::uint64_t first = 0;     // its first sequence number
  std::uint64_t count = 0;     // datagrams it sends
  double rate = 0;             // its datagrams per second; 0 = unpaced
  std::int64_t phase_ns = 0;   // how late its pacing starts after the common start
};

// split_flood - the shares of `senders` senders of count datagrams numbered from first.
std::vector<SenderShare> split_flood(std::uint64_t count, std::uint64_t first, double rate,
                                     unsigned senders);

}  // namespace flood
