// SPDX-License-Identifier: MIT
// sequence_check_test - gap, repeat and run accounting of dgram-sink.
#include "sequence_check.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

namespace dgram::sink {
namespace {

SequenceCheck feed(const std::vector<std::string>& data) {
  SequenceCheck check;
  for (const auto& d : data) check.observe(d);
  return check;
}

TEST(SequenceCheck, InOrderHasNoGapsOrRepeats) {
  auto c = feed({"000000000000 a", "000000000001 b", "000000000002 c"});
  EXPECT_EQ(c.gaps(), 0u);
  EXPECT_EQ(c.repeats(), 0u);
  EXPECT_EQ(*c.first(), 0u);
  EXPECT_EQ(*c.last(), 2u);
  EXPECT_EQ(c.runs(), "0-2");
}

TEST(SequenceCheck, CountsMissingNumbersAsGaps) {
  auto c = feed({"1 a", "2", "5", "6", "10"});
  EXPECT_EQ(c.gaps(), 5u);  // 3, 4, 7, 8, 9
  EXPECT_EQ(c.runs(), "1-2 5-6 10-10");
}

TEST(SequenceCheck, CountsRepeatsAndGoingBack) {
  auto c = feed({"1", "2", "2", "1", "3"});
  EXPECT_EQ(c.repeats(), 2u);
  EXPECT_EQ(c.gaps(), 1u);  // from 1 back up to 3 skips 2 again
}

TEST(SequenceCheck, DataWithoutALeadingNumberIsMalformed) {
  auto c = feed({"", "x1", " 1", "7"});
  EXPECT_EQ(c.malformed(), 3u);
  EXPECT_EQ(*c.first(), 7u);
}

TEST(SequenceCheck, NotConfusedByBinaryBytesAfterTheNumber) {
  std::string data("42");
  data.push_back('\0');
  data += "43";
  auto c = feed({data});
  EXPECT_EQ(*c.first(), 42u);
}

}  // namespace
}  // namespace dgram::sink

namespace dgram::sink {
namespace {

// Count of "a-b" words in a runs() text.
std::size_t words(const std::string& runs) {
  if (runs.empty()) return 0;
  return static_cast<std::size_t>(std::count(runs.begin(), runs.end(), ' ')) + 1;
}

// A hostile order: every number starts a new run (descending), 10^6 of them.
TEST(SequenceCheckBound, HostileOrderKeepsAtMostTheCapOfRuns) {
  SequenceCheck check;
  constexpr std::uint64_t kCount = 1000000;
  for (std::uint64_t i = 0; i < kCount; ++i) check.observe(std::to_string(kCount - i));
  EXPECT_LE(words(check.runs()), std::size_t{65536});
  EXPECT_EQ(check.repeats(), kCount - 1);
}

TEST(SequenceCheckBound, OverflowCountsTheNumbersLeftOutOfTheRuns) {
  SequenceCheck check(3);
  for (const char* n : {"1", "2", "5", "9", "20", "21", "30", "31"}) check.observe(n);
  EXPECT_EQ(check.runs(), "1-2 5-5 9-9");
  EXPECT_EQ(check.run_count(), 3u);
  EXPECT_EQ(check.overflow(), 4u);  // 20, 21, 30, 31: none extends the latest kept run
  EXPECT_EQ(check.gaps(), 2u + 3u + 10u + 8u);  // gaps and repeats still count every number
  EXPECT_EQ(*check.last(), 31u);
}

TEST(SequenceCheckBound, InOrderFloodIsOneRunAndNoOverflow) {
  SequenceCheck check(2);
  for (int i = 0; i < 100000; ++i) check.observe(std::to_string(i));
  EXPECT_EQ(check.runs(), "0-99999");
  EXPECT_EQ(check.overflow(), 0u);
}

}  // namespace
}  // namespace dgram::sink
