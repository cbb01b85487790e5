// SPDX-License-Identifier: MIT
// latency_record - the send-time stamp a latency datagram carries, and the
// delays a receiver collects from such datagrams.
//
// A latency datagram begins with the sender's CLOCK_MONOTONIC time in
// nanoseconds, 8 bytes in native byte order (sender and receiver are on the
// same machine, and that clock is shared by all its processes); the rest is
// padding. A DelayRecorder keeps each delay (receive time minus send time) in
// storage reserved up front, so recording allocates nothing, and reports
// count, minimum, p50, p99, p99.9 and maximum in microseconds.
#pragma once

#include <time.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace dgram::bench {

inline constexpr std::size_t kStampSize = sizeof(std::int64_t);

// monotonic_ns - CLOCK_MONOTONIC now, in nanoseconds.
inline std::int64_t monotonic_ns() noexcept {
  timespec now{};
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<std::int64_t>(now.tv_sec) * 1000000000 + now.tv_nsec;
}

// write_stamp - puts the send time at the start of a datagram of at least kStampSize bytes.
inline void write_stamp(char* datagram, std::int64_t ns) noexcept { std::memcpy(datagram, &ns, kStampSize); }

// read_stamp - the send time of a datagram; false when it is too short to carry one.
inline bool read_stamp(std::string_view datagram, std::int64_t& ns) noexcept {
  if (datagram.size() < kStampSize) return false;
  std::memcpy(&ns, datagram.data(), kStampSize);
  return true;
}

class DelayRecorder {
 public:
  explicit DelayRecorder(std::size_t capacity = 1 << 20) { delays_ns_.reserve(capacity); }

  // Records one delay; beyond the reserved capacity, delays are counted but not kept.
  void record(std::int64_t delay_ns) noexcept {
    ++count_;
    if (delays_ns_.size() < delays_ns_.capacity()) delays_ns_.push_back(delay_ns);
  }
  void record_malformed() noexcept { ++malformed_; }

  std::uint64_t count() const noexcept { return count_; }
  // The delays kept so far, in nanoseconds, in arrival order until summary() sorts them.
  const std::vector<std::int64_t>& delays_ns() const noexcept { return delays_ns_; }

  // One line of key=value words (microseconds), sorting the kept delays.
  std::string summary() {
    std::sort(delays_ns_.begin(), delays_ns_.end());
    char line[256];
    std::snprintf(line, sizeof(line),
                  "count=%llu kept=%zu malformed=%llu min_us=%.1f p50_us=%.1f p99_us=%.1f p999_us=%.1f max_us=%.1f",
                  static_cast<unsigned long long>(count_), delays_ns_.size(),
                  static_cast<unsigned long long>(malformed_), at(0.0), at(0.50), at(0.99), at(0.999),
                  at(1.0));
    return line;
  }

 private:
  // at - the delay at quantile q of the sorted delays, in microseconds (0 when none).
  double at(double q) const noexcept {
    if (delays_ns_.empty()) return 0.0;
    auto index = static_cast<std::size_t>(q * static_cast<double>(delays_ns_.size() - 1) + 0.5);
    return static_cast<double>(delays_ns_[std::min(index, delays_ns_.size() - 1)]) / 1000.0;
  }

  std::vector<std::int64_t> delays_ns_;
  std::uint64_t count_ = 0;
  std::uint64_t malformed_ = 0;
};

}  // namespace dgram::bench
