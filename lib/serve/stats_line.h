// SPDX-License-Identifier: MIT
// stats_line - the statistics line a service logs every dgram_stats_interval,
// and which child logs it: pure functions (the ticker that calls them is in
// start/service_statistics.h).
//
// One line per service per interval, whichever child's timer comes first
// after the interval has passed (it claims the interval by a compare-and-
// swap of the time of the last line in the counter file; its siblings then
// see the line logged and stay quiet):
//
//   statistics: 120000 datagrams (2000/s over 60s), 9600000 bytes, 1870
//   wake-ups, 0 truncated, 0 failed, 0 dropped, 0 receive errors, 12 busy,
//   gate wait 0.004s, 5 children; queue time p50 8us p99 1.2ms max 3.1ms
//
// (one line in the log; the queue-time part only when times were counted).
//
// THREADS
//   Any (no state).
#pragma once

#include <cstdint>
#include <string>

#include "serve/counter_file.h"

namespace dgram {

// Whether a line is due at now_ns (realtime) when the last one was logged at
// last_ns (0: never): a tenth of the interval early is on time, so that the
// siblings' timers, started at different moments, do not skip an interval.
bool stats_line_due(std::uint64_t now_ns, std::uint64_t last_ns, std::uint64_t interval_ns) noexcept;

// "1.5ms", "12us", "3.25s", "800ns": a time for people.
std::string human_duration(std::uint64_t ns);

// The line, from the totals now, the datagrams counted when the previous line
// was logged and the seconds since (seconds <= 0: no rate).
std::string stats_line(const CounterSnapshot& totals, std::uint64_t previous_datagrams, double seconds);

}  // namespace dgram
