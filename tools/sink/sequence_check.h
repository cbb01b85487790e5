// SPDX-License-Identifier: MIT
// sequence_check - checks that leading sequence numbers arrive without gaps
// or repeats, and keeps the runs seen so that several receivers' reports can
// be merged into one exactly-once verdict (see sequence_verdict.h).
//
// BOUND
//   Memory does not grow with the count of numbers, however they arrive: a
//   run is kept for each number that does not extend the latest run, up to
//   max_runs (default kDefaultMaxRuns = 65536 runs, 16 bytes each: 1 MiB).
//   In order, one receiver needs one run; several receivers sharing a socket
//   need one per stretch each of them took. Past the cap, a number that
//   would start a new run is only counted in overflow(): the runs are then
//   incomplete, and a merged verdict over them is "unknown", never a wrong
//   "exactly once" (a hostile or shuffled flood of 10^7 numbers gives at most
//   max_runs runs and an overflow count).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dgram::sink {

class SequenceCheck {
 public:
  static constexpr std::size_t kDefaultMaxRuns = 65536;

  explicit SequenceCheck(std::size_t max_runs = kDefaultMaxRuns) : max_runs_(max_runs) {}

  // Reads the decimal number at the start of data (leading digits, at most
  // 19). Data without a leading number counts as malformed.
  void observe(std::string_view data);

  std::uint64_t gaps() const { return gaps_; }        // numbers skipped between neighbours
  std::uint64_t repeats() const { return repeats_; }  // numbers not above the previous one
  std::uint64_t malformed() const { return malformed_; }
  // Numbers left out of the runs because max_runs runs were kept already.
  std::uint64_t overflow() const { return overflow_; }
  std::optional<std::uint64_t> first() const { return first_; }
  std::optional<std::uint64_t> last() const { return last_; }
  // Consecutive runs as "a-b" words separated by spaces, in arrival order
  // (at most max_runs words).
  std::string runs() const;
  std::size_t run_count() const { return runs_.size(); }

 private:
  std::size_t max_runs_;
  std::uint64_t gaps_ = 0;
  std::uint64_t repeats_ = 0;
  std::uint64_t malformed_ = 0;
  std::uint64_t overflow_ = 0;
  std::optional<std::uint64_t> first_;
  std::optional<std::uint64_t> last_;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> runs_;
};

}  // namespace dgram::sink
