// SPDX-License-Identifier: MIT
// service_counters - what a service's children add into its counter file.
// (Placeholder while the counter file is built: add_dropped() is kept so
// that Context::count_dropped() has somewhere to go.)
#pragma once

#include <cstdint>

namespace dgram {

class ServiceCounters {
 public:
  void add_dropped(std::uint64_t records) noexcept { dropped_ += records; }
  std::uint64_t dropped() const noexcept { return dropped_; }

 private:
  std::uint64_t dropped_ = 0;
};

}  // namespace dgram
