// SPDX-License-Identifier: MIT
// sequence_verdict_test - several receivers' summaries merged into one
// exactly-once verdict, with capped runs making it "unknown", never wrong.
#include "sequence_verdict.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "sequence_check.h"

namespace dgram::sink {
namespace {

// The seq_ words of a summary line as dgram-sink writes them.
std::string summary(const SequenceCheck& check) {
  std::string runs = check.runs();
  std::replace(runs.begin(), runs.end(), ' ', ',');
  return "exit: pid=1 datagrams=9 seq_overflow=" + std::to_string(check.overflow()) +
         " seq_runs=" + (runs.empty() ? std::string("none") : runs);
}

// Deals 0..count-1 to receivers in turns of 1..7 numbers, in order within each.
std::vector<SequenceCheck> deal(std::uint64_t count, std::size_t receivers, std::size_t max_runs,
                                std::uint64_t duplicate = UINT64_MAX) {
  std::vector<SequenceCheck> checks(receivers, SequenceCheck(max_runs));
  std::mt19937 rng(7);
  std::uint64_t n = 0;
  while (n < count) {
    auto& check = checks[rng() % receivers];
    for (unsigned k = 1 + rng() % 7; k > 0 && n < count; --k, ++n) {
      check.observe(std::to_string(n));
      if (n == duplicate) checks[(&check - checks.data() + 1) % receivers].observe(std::to_string(n));
    }
  }
  return checks;
}

SequenceVerdict verdict(const std::vector<SequenceCheck>& checks, std::uint64_t last) {
  std::vector<std::string> lines;
  for (const auto& c : checks) lines.push_back(summary(c));
  return merged_verdict(lines, 0, last);
}

TEST(SequenceVerdict, ReceiversSharingASocketServeEveryNumberOnce) {
  EXPECT_EQ(verdict(deal(20000, 4, SequenceCheck::kDefaultMaxRuns), 19999),
            SequenceVerdict::exactly_once);
}

TEST(SequenceVerdict, ANumberServedTwiceIsNotExactlyOnce) {
  EXPECT_EQ(verdict(deal(20000, 4, SequenceCheck::kDefaultMaxRuns, 777), 19999),
            SequenceVerdict::not_exactly_once);
}

TEST(SequenceVerdict, AMissingNumberIsNotExactlyOnce) {
  std::vector<std::string> lines{"seq_overflow=0 seq_runs=0-9,11-19"};
  EXPECT_EQ(merged_verdict(lines, 0, 19), SequenceVerdict::not_exactly_once);
  EXPECT_EQ(merged_verdict({"seq_overflow=0 seq_runs=0-20"}, 0, 19), SequenceVerdict::not_exactly_once);
  EXPECT_EQ(merged_verdict({"seq_overflow=0 seq_runs=none"}, 0, 19), SequenceVerdict::not_exactly_once);
}

TEST(SequenceVerdict, CappedRunsMakeItUnknownNotWrong) {
  // Small caps: each receiver overflows, so what its runs leave out is not known.
  auto checks = deal(20000, 4, 50);
  ASSERT_GT(checks[0].overflow(), 0u);
  EXPECT_EQ(verdict(checks, 19999), SequenceVerdict::unknown);
  // Also when the left-out part holds a duplicate: it cannot be seen, so not "exactly once".
  EXPECT_EQ(verdict(deal(20000, 4, 50, 19990), 19999), SequenceVerdict::unknown);
}

TEST(SequenceVerdict, AHostileFloodStaysBoundedAndUnknown) {
  // 10^6 numbers in a shuffled order into one receiver.
  std::vector<std::uint64_t> numbers(1000000);
  for (std::uint64_t i = 0; i < numbers.size(); ++i) numbers[i] = i;
  std::shuffle(numbers.begin(), numbers.end(), std::mt19937(11));
  SequenceCheck check;
  for (auto n : numbers) check.observe(std::to_string(n));
  EXPECT_LE(check.run_count(), SequenceCheck::kDefaultMaxRuns);
  EXPECT_EQ(check.run_count() + check.overflow() >= SequenceCheck::kDefaultMaxRuns, true);
  EXPECT_EQ(merged_verdict({summary(check)}, 0, numbers.size() - 1), SequenceVerdict::unknown);
}

TEST(SequenceVerdict, AnOverlapIsSeenEvenPastTheCap) {
  std::vector<std::string> lines{"seq_overflow=5 seq_runs=0-9", "seq_overflow=0 seq_runs=9-12"};
  EXPECT_EQ(merged_verdict(lines, 0, 19), SequenceVerdict::not_exactly_once);
}

TEST(SequenceVerdict, AReportWithoutRunsIsUnknown) {
  EXPECT_EQ(merged_verdict({"seq_overflow=0 seq_runs=0-19", "exit: datagrams=3"}, 0, 19),
            SequenceVerdict::unknown);
}

TEST(SequenceVerdict, MalformedWordsAreNamed) {
  try {
    merged_verdict({"seq_runs=0-x"}, 0, 1);
    ADD_FAILURE() << "accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()), "bad number in summary word: seq_runs=0-x");
  }
  EXPECT_THROW(merged_verdict({"seq_runs=5-1"}, 0, 9), std::invalid_argument);
}

}  // namespace
}  // namespace dgram::sink
