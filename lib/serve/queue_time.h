// SPDX-License-Identifier: MIT
// queue_time - how long datagrams waited between the kernel queueing them
// and the service's callback, kept as a log-scale histogram: bucket 0 holds
// waits under 1024 ns; above, every power of two is split in four, so a
// bucket's upper bound is at most 25% above any wait it holds; the last
// bucket holds everything from about 37 minutes up. Pure functions, shared
// by the skeleton (which fills the buckets) and dgram-stat (which reads
// them).
//
// THREADS
//   Any (no state).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace dgram {

// The bucket a wait of `ns` nanoseconds falls in, of `buckets` (> 1).
std::size_t queue_bucket(std::uint64_t ns, std::size_t buckets) noexcept;
// The least wait bucket `index` holds, and the least it does not (for the
// last bucket: UINT64_MAX).
std::uint64_t queue_bucket_floor(std::size_t index) noexcept;
std::uint64_t queue_bucket_ceiling(std::size_t index, std::size_t buckets) noexcept;
// The wait that a share q (0 < q <= 1) of the counted waits are at most, as
// the upper bound of the bucket where that share is reached, but never above
// max_ns (the longest wait seen); 0 when nothing was counted.
std::uint64_t queue_percentile(std::span<const std::uint64_t> buckets, double q, std::uint64_t max_ns) noexcept;

}  // namespace dgram
