// SPDX-License-Identifier: MIT
// cpu_settle - the quiet-period decision and the 10 ms looks.
#include "measuring/cpu_settle.h"

#include <cstdio>
#include <string>

#include "clock.h"
#include "failure.h"

namespace flood {

namespace {

constexpr std::int64_t kLookNs = 10'000'000;  // 10 ms

}  // namespace

bool SettleWatch::observe(std::int64_t now_ns, std::uint64_t ticks) {
  if (ticks != ticks_) {
    ticks_ = ticks;
    last_growth_ns_ = now_ns;
    return false;
  }
  return now_ns - last_growth_ns_ >= quiet_ns_;
}

std::int64_t wait_until_settled(const std::function<std::uint64_t()>& ticks,
                                const FloodOptions& options, std::int64_t drained_ns) {
  const std::int64_t quiet_ns = static_cast<std::int64_t>(options.settle_ms) * 1'000'000;
  SettleWatch watch(quiet_ns, drained_ns, ticks());
  const bool forever = options.timeout <= 0;
  const auto limit_ns = static_cast<std::int64_t>(options.timeout * kNanosPerSecond);
  for (;;) {
    std::int64_t now = monotonic_ns();
    if (watch.observe(now, ticks())) return watch.last_growth_ns();
    if (!forever && now - drained_ns >= limit_ns) {
      char seconds[32];
      std::snprintf(seconds, sizeof(seconds), "%g", options.timeout);
      throw Failure{kExitSendFailed, "the receivers' CPU time was still growing " +
                                         std::string(seconds) + " s after the drain (--settle " +
                                         std::to_string(options.settle_ms) + " ms)"};
    }
    sleep_until_ns(now + kLookNs);
  }
}

}  // namespace flood
