// SPDX-License-Identifier: MIT
// stats_line - the statistics line's words and its timing.
#include "serve/stats_line.h"

#include <cstdio>

#include "serve/queue_time.h"

namespace dgram {

bool stats_line_due(std::uint64_t now_ns, std::uint64_t last_ns, std::uint64_t interval_ns) noexcept {
  if (last_ns == 0) return true;
  if (now_ns < last_ns) return true;  // the clock was set back: begin again
  return now_ns - last_ns >= interval_ns - interval_ns / 10;
}

std::string human_duration(std::uint64_t ns) {
  char text[48];
  auto value = static_cast<double>(ns);
  if (ns < 1000) {
    std::snprintf(text, sizeof(text), "%lluns", static_cast<unsigned long long>(ns));
  } else if (ns < 1000000) {
    std::snprintf(text, sizeof(text), "%.3gus", value / 1e3);
  } else if (ns < 1000000000) {
    std::snprintf(text, sizeof(text), "%.3gms", value / 1e6);
  } else {
    std::snprintf(text, sizeof(text), "%.3fs", value / 1e9);
  }
  return text;
}

std::string stats_line(const CounterSnapshot& totals, std::uint64_t previous_datagrams, double seconds) {
  auto number = [&](Counter counter) { return std::to_string(totals[counter]); };
  std::string line = "statistics: " + number(Counter::datagrams) + " datagrams";
  if (seconds > 0) {
    std::uint64_t now = totals[Counter::datagrams];
    std::uint64_t since = now >= previous_datagrams ? now - previous_datagrams : now;
    char rate[64];
    std::snprintf(rate, sizeof(rate), " (%.0f/s over %.0fs)", static_cast<double>(since) / seconds, seconds);
    line += rate;
  }
  line += ", " + number(Counter::bytes) + " bytes, " + number(Counter::wake_ups) + " wake-ups, " +
          number(Counter::truncated) + " truncated, " + number(Counter::failed) + " failed, " +
          number(Counter::dropped) + " dropped, " + number(Counter::receive_errors) + " receive errors, " +
          number(Counter::busy_turns) + " busy, gate wait " + human_duration(totals[Counter::gate_wait_ns]) +
          ", " + number(Counter::children_started) + " children";
  if (totals[Counter::queue_samples] > 0) {
    std::uint64_t max = totals[Counter::queue_ns_max];
    line += "; queue time p50 " + human_duration(queue_percentile(totals.buckets, 0.5, max)) + " p99 " +
            human_duration(queue_percentile(totals.buckets, 0.99, max)) + " max " + human_duration(max);
  }
  return line;
}

}  // namespace dgram
