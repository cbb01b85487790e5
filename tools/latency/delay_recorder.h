// SPDX-License-Identifier: MIT
// NAME
//   delay_recorder - the delays a receiver collects from stamped datagrams
//   (latency_stamp.h), and their summary.
// SUMMARY
//   DelayRecorder delays(capacity);
//   delays.record(now - stamp);   // or record_malformed()
//   std::string line = delays.summary();
// DESCRIPTION
//   A DelayRecorder keeps each delay (receive time minus stamp, nanoseconds)
//   in storage reserved up front, so recording allocates nothing; beyond the
//   capacity, delays are counted but not kept. summary() sorts the kept
//   delays and reports count, kept, malformed (datagrams too short for a
//   stamp), minimum, p50, p99, p99.9 and maximum in microseconds, as
//   key=value words. Used by dgram-sink and bench/harness/raw-receiver.
// DIAGNOSTICS
//   None: the reserve at construction is the one allocation (std::bad_alloc).
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace dgram::latency {

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

}  // namespace dgram::latency
