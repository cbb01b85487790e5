// SPDX-License-Identifier: MIT
// NAME
//   cpu_settle - waits after the drain until the receivers' CPU time has
//   stopped growing (--settle), for receivers that queue inside themselves.
// SUMMARY
//   SettleWatch watch(quiet_ns, drained_ns, ticks_now);
//   while (!watch.observe(now_ns, ticks_now)) ...;    // the decision, pure
//   std::int64_t last = wait_until_settled(ticks, options, drained_ns);
// DESCRIPTION
//   A receiver such as rsyslogd takes datagrams off its socket at once and
//   works on them later, from a queue of its own: the socket drains long
//   before the work is done. What shows the end of the work is its CPU
//   time: when it has not grown for --settle milliseconds, the receivers
//   are taken to be idle, and the run is timed to the last look that saw it
//   grow (or to the drain, when it never grew after it).
//
//   SettleWatch is that decision, fed one look at a time: the time of the
//   look and the receivers' CPU ticks (utime + stime, every thread). It is
//   settled once a look comes quiet_ns or more after the last growth.
//   wait_until_settled() looks every 10 ms (CPU time itself moves in clock
//   ticks, 10 ms at the usual 100 per second, so a quiet period much under
//   100 ms would mistake a tick not yet due for idleness; dgram-flood's man
//   page suggests 300).
//
//   The ticks come from the caller (usage_meter.h: the counted receivers
//   sampled at the start, not the master, not processes that appeared
//   later).
// DIAGNOSTICS
//   wait_until_settled() throws Failure with exit status 1 when the CPU
//   time is still growing options.timeout seconds after the drain (0: wait
//   forever), naming the settle time and how long it waited.
#pragma once

#include <cstdint>
#include <functional>

#include "flood_options.h"

namespace flood {

class SettleWatch {
 public:
  SettleWatch(std::int64_t quiet_ns, std::int64_t start_ns, std::uint64_t ticks)
      : quiet_ns_(quiet_ns), last_growth_ns_(start_ns), ticks_(ticks) {}

  // observe - one look at the ticks; true once they have not grown for quiet_ns.
  bool observe(std::int64_t now_ns, std::uint64_t ticks);

  // last_growth_ns - the look that last saw the ticks grow (the start when none did).
  std::int64_t last_growth_ns() const { return last_growth_ns_; }

 private:
  std::int64_t quiet_ns_;
  std::int64_t last_growth_ns_;
  std::uint64_t ticks_;
};

// wait_until_settled - looks at ticks() until settled; the time of the last growth.
std::int64_t wait_until_settled(const std::function<std::uint64_t()>& ticks,
                                const FloodOptions& options, std::int64_t drained_ns);

}  // namespace flood
