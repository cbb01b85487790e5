// SPDX-License-Identifier: MIT
// send_wait - the log-linear histogram of the senders' waits.
#include "sending/send_wait.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace flood {

std::size_t SendWait::bucket_of(std::uint64_t ns) noexcept {
  constexpr std::uint64_t kExact = 1u << kSubBits;
  if (ns < kExact) return static_cast<std::size_t>(ns);
  const int power = std::bit_width(ns) - 1;  // ns lies in [2^power, 2^(power+1))
  if (power >= kTopPower) return kBuckets - 1;
  const auto sub = static_cast<std::size_t>((ns >> (power - kSubBits)) & (kExact - 1));
  return (static_cast<std::size_t>(power - kSubBits + 1) << kSubBits) + sub;
}

std::uint64_t SendWait::upper_edge(std::size_t bucket) noexcept {
  constexpr std::size_t kExact = 1u << kSubBits;
  if (bucket < kExact) return bucket;
  const int power = static_cast<int>(bucket >> kSubBits) + kSubBits - 1;
  const std::uint64_t sub = bucket & (kExact - 1);
  const std::uint64_t step = std::uint64_t{1} << (power - kSubBits);
  return (std::uint64_t{1} << power) + (sub + 1) * step - 1;
}

void SendWait::record(std::uint64_t ns, std::uint64_t datagrams_sent) noexcept {
  if (datagrams_sent == 0) return;
  counts[bucket_of(ns)] += datagrams_sent;
  datagrams += datagrams_sent;
  total_ns += ns;
  max_ns = std::max(max_ns, ns);
}

void SendWait::merge(const SendWait& other) noexcept {
  for (std::size_t i = 0; i < kBuckets; ++i) counts[i] += other.counts[i];
  datagrams += other.datagrams;
  total_ns += other.total_ns;
  max_ns = std::max(max_ns, other.max_ns);
}

double SendWait::waited_share() const noexcept {
  if (datagrams == 0) return 0.0;
  return static_cast<double>(datagrams - counts[bucket_of(0)]) / static_cast<double>(datagrams);
}

std::uint64_t SendWait::quantile_ns(double q) const noexcept {
  if (datagrams == 0) return 0;
  q = std::clamp(q, 0.0, 1.0);
  // The rank of the wanted datagram, 1-based: at least the first.
  auto rank = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(datagrams)));
  rank = std::clamp<std::uint64_t>(rank, 1, datagrams);
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < kBuckets; ++i) {
    seen += counts[i];
    if (seen >= rank) return i + 1 == kBuckets ? max_ns : std::min(upper_edge(i), max_ns);
  }
  return max_ns;
}

}  // namespace flood
