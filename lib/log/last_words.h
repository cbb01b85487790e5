// SPDX-License-Identifier: MIT
// last_words - what a log destination says from a signal handler, just
// before the process ends.
//
// A LastWords is called with the text of one fatal message (no program[pid]
// prefix, no severity prefix: "watchdog timeout" and what follows) from a
// signal handler, so it must be async-signal-safe: no allocation, no lock, no
// time zone database. The log wing makes them (log_destinations.h: one per
// record sink, each framing the line its own way); the watchdog
// (serve/watchdog.h) keeps them and calls them when it ends a stuck process.
// A LastWords is valid as long as the object that made it.
#pragma once

#include <functional>
#include <string_view>

namespace dgram {

using LastWords = std::function<void(std::string_view text)>;

}  // namespace dgram
