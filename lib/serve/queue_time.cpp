// SPDX-License-Identifier: MIT
// queue_time - the histogram's bucket arithmetic.
#include "serve/queue_time.h"

#include <bit>
#include <cmath>
#include <limits>

namespace dgram {

namespace {

constexpr unsigned kFirstOctave = 10;  // 1024 ns: bucket 1 starts there
constexpr unsigned kSplits = 4;        // buckets per power of two

}  // namespace

std::size_t queue_bucket(std::uint64_t ns, std::size_t buckets) noexcept {
  if (ns < (std::uint64_t{1} << kFirstOctave)) return 0;
  unsigned octave = static_cast<unsigned>(std::bit_width(ns)) - 1;  // >= kFirstOctave
  std::uint64_t quarter = (ns >> (octave - 2)) & (kSplits - 1);
  std::size_t index = 1 + (octave - kFirstOctave) * kSplits + static_cast<std::size_t>(quarter);
  return index < buckets ? index : buckets - 1;
}

std::uint64_t queue_bucket_floor(std::size_t index) noexcept {
  if (index == 0) return 0;
  std::size_t octave = kFirstOctave + (index - 1) / kSplits;
  std::uint64_t quarter = (index - 1) % kSplits;
  if (octave >= 62) return std::numeric_limits<std::uint64_t>::max();
  return (kSplits + quarter) << (octave - 2);
}

std::uint64_t queue_bucket_ceiling(std::size_t index, std::size_t buckets) noexcept {
  if (index + 1 >= buckets) return std::numeric_limits<std::uint64_t>::max();
  return queue_bucket_floor(index + 1);
}

std::uint64_t queue_percentile(std::span<const std::uint64_t> buckets, double q, std::uint64_t max_ns) noexcept {
  std::uint64_t total = 0;
  for (std::uint64_t count : buckets) total += count;
  if (total == 0) return 0;
  if (q <= 0) q = 0;
  if (q > 1) q = 1;
  auto rank = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(total)));
  if (rank == 0) rank = 1;
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < buckets.size(); ++i) {
    seen += buckets[i];
    if (seen >= rank) {
      std::uint64_t ceiling = queue_bucket_ceiling(i, buckets.size());
      return ceiling < max_ns ? ceiling : max_ns;
    }
  }
  return max_ns;
}

}  // namespace dgram
