// SPDX-License-Identifier: MIT
// sequence_verdict - merges several dgram-sink exit summaries into one
// exactly-once verdict over the sequence numbers first..last.
//
// Each summary line (see dgram_sink.cpp) carries seq_runs=a-b,c-d,... and
// seq_overflow=N. The verdict is
//   exactly_once      the runs of all reports cover first..last, each number once;
//   not_exactly_once  a number is in two runs, or (no report overflowed) a
//                     number of first..last is in none, or one is outside it;
//   unknown           no overlap was seen, but a report overflowed its cap
//                     (seq_overflow > 0), so its runs do not list every number.
// A line without seq_runs (sequence checking off) makes the verdict unknown.
//
// DIAGNOSTICS
//   A malformed seq_runs or seq_overflow word throws std::invalid_argument
//   naming the word.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace dgram::sink {

enum class SequenceVerdict { exactly_once, not_exactly_once, unknown };

const char* to_string(SequenceVerdict verdict);

SequenceVerdict merged_verdict(const std::vector<std::string>& summary_lines, std::uint64_t first,
                               std::uint64_t last);

}  // namespace dgram::sink
