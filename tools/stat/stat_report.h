// SPDX-License-Identifier: MIT
// stat_report - what dgram-stat prints, from counter snapshots: the table
// (totals, and rates since an earlier look) and the OpenMetrics text. Pure
// functions: no clock, no files.
//
// THREADS
//   Any (no state).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "serve/counter_file.h"

namespace dgram {

// One service's counters as read at a moment.
struct Look {
  std::string path;        // the counter file
  CounterSnapshot totals;
  std::uint64_t at_ns = 0;  // when (realtime)
};

// An earlier look at the same file, for rates: its datagrams and bytes and
// when it was taken; it counts only when the file is the same one (created_ns).
struct EarlierLook {
  std::uint64_t created_ns = 0;
  std::uint64_t at_ns = 0;
  std::uint64_t datagrams = 0;
  std::uint64_t bytes = 0;
};

// The table: a header and one row per look. earlier[i] belongs to looks[i]
// (none: "-" for its rates).
std::string format_table(const std::vector<Look>& looks, const std::vector<std::optional<EarlierLook>>& earlier);

// The OpenMetrics text exposition of the looks, one family per counter with
// a service label, ending with "# EOF".
std::string format_openmetrics(const std::vector<Look>& looks);

// A label value with \, " and newline escaped, as the format asks.
std::string escape_label_value(const std::string& value);

}  // namespace dgram
