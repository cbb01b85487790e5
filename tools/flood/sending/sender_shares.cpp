// SPDX-License-Identifier: MIT
// sender_shares - splitting count, sequence numbers and rate over the senders.
#include "sending/sender_shares.h"

#include "clock.h"

namespace flood {

std::vector<SenderShare> split_flood(std::uint64_t count, std::uint64_t first, double rate,
                                     unsigned senders) {
  std::vector<SenderShare> shares(senders);
  const std::uint64_t base = count / senders;
  const std::uint64_t extra = count % senders;
  std::uint64_t next = first;
  for (unsigned k = 0; k < senders; ++k) {
    SenderShare& share = shares[k];
    share.first = next;
    share.count = base + (k < extra ? 1 : 0);
    next += share.count;
    if (rate > 0 && count > 0) {
      share.rate = rate * static_cast<double>(share.count) / static_cast<double>(count);
      share.phase_ns = static_cast<std::int64_t>(static_cast<long double>(k) * kNanosPerSecond / rate);
    }
  }
  return shares;
}

}  // namespace flood
