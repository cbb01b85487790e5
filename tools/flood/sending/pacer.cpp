// SPDX-License-Identifier: MIT
// pacer - absolute due times and the sleep until the next one.
#include "sending/pacer.h"

#include <algorithm>

#include "clock.h"

namespace flood {

std::int64_t Pacer::due_ns(std::uint64_t index) const {
  long double offset = static_cast<long double>(index) * kNanosPerSecond / rate_;
  return start_ns_ + static_cast<std::int64_t>(offset);
}

bool Pacer::late(std::uint64_t index, std::int64_t now_ns) const {
  if (!paced()) return false;
  // now - due > 1 / rate, without rounding the period to whole nanoseconds.
  return static_cast<long double>(now_ns - due_ns(index)) * rate_ > kNanosPerSecond;
}

std::uint64_t Pacer::wait_for(std::uint64_t index, std::uint64_t limit) {
  if (!paced() || limit == 0) return limit;
  std::int64_t due = due_ns(index);
  std::int64_t now = monotonic_ns();
  if (now < due) {
    sleep_until_ns(due);
    return 1;
  }
  // Late: everything due by now goes out together (the catch-up burst).
  // The last due index comes from the elapsed time; the two loops only
  // correct floating-point rounding at the edge, by a step or two.
  long double elapsed = static_cast<long double>(now - start_ns_);
  auto last = static_cast<std::uint64_t>(elapsed * rate_ / kNanosPerSecond);
  last = std::clamp(last, index, index + (limit - 1));
  while (last > index && due_ns(last) > now) --last;
  while (last - index + 1 < limit && due_ns(last + 1) <= now) ++last;
  std::uint64_t ready = last - index + 1;
  return ready;
}

}  // namespace flood
