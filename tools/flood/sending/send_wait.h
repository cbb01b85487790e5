// SPDX-License-Identifier: MIT
// NAME
//   send_wait - how long a sender waited in send(2) or sendmmsg(2): what a
//   blocking log client pays when the receiver falls behind.
// SUMMARY
//   SendWait wait;
//   wait.record(ns, datagrams);        // one call that took ns for that many
//   wait.merge(other);                 // another sender's
//   wait.quantile_ns(0.99);            // an upper bound of the 99th percentile
// DESCRIPTION
//   A log-linear histogram of nanoseconds: exact below 8 ns, then eight
//   buckets per power of two (a quantile is the upper edge of its bucket,
//   at most 12.5 % above the true value, and never above the largest wait
//   seen), up to 2^41 ns (about 36 minutes; longer waits count in the last
//   bucket, and max_ns keeps them exact). Each datagram counts once at the
//   wait of the call that sent it: a sendmmsg(2) call that took 2 ms for 64
//   datagrams counts 64 waits of 2 ms. A datagram the kernel took at once
//   waited 0 (sender.cpp offers it first without blocking). total_ns adds
//   each call's wait once, so total_ns over the sending time is the share of
//   it spent waiting for room; counts[0] are the datagrams that never waited.
//   The struct is trivially copyable: a forked sender hands it to the parent
//   as bytes (sender_team.h). Single-threaded; no system calls.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace flood {

struct SendWait {
  static constexpr int kSubBits = 3;                  // 8 buckets per power of two
  static constexpr int kTopPower = 41;                // 2^41 ns and more: the last bucket
  static constexpr std::size_t kBuckets = (kTopPower - kSubBits + 1) << kSubBits;

  std::array<std::uint64_t, kBuckets> counts{};
  std::uint64_t datagrams = 0;  // how many waits were recorded (the counts' sum)
  std::uint64_t total_ns = 0;   // time spent in the calls, each call once
  std::uint64_t max_ns = 0;

  // record - one call that took ns and sent `datagrams` datagrams.
  void record(std::uint64_t ns, std::uint64_t datagrams_sent = 1) noexcept;
  // merge - adds another sender's waits.
  void merge(const SendWait& other) noexcept;
  // quantile_ns - the wait q (0..1) of the datagrams waited at most; 0 when none.
  std::uint64_t quantile_ns(double q) const noexcept;
  // waited_share - the share (0..1) of the datagrams that waited at all; 0 when none.
  double waited_share() const noexcept;

  // bucket_of / upper_edge - where ns counts, and the largest value that bucket holds.
  static std::size_t bucket_of(std::uint64_t ns) noexcept;
  static std::uint64_t upper_edge(std::size_t bucket) noexcept;
};

}  // namespace flood
