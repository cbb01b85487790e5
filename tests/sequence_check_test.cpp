// sequence_check_test - gap, repeat and run accounting of dgram-sink.
#include "sequence_check.h"

#include <gtest/gtest.h>

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
