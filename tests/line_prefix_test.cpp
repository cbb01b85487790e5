// SPDX-License-Identifier: MIT
// line_prefix_test - "PROGRAM[PID]: SEVERITY: " as a string, into a fixed
// buffer, and at the start of every Log line.
#include "log/line_prefix.h"

#include <unistd.h>

#include <gtest/gtest.h>

#include <climits>
#include <string>
#include <vector>

namespace dgram {
namespace {

TEST(LinePrefix, ProgramPidAndSeverity) {
  struct Case {
    Severity severity;
    const char* expected;
  };
  const std::vector<Case> cases = {
      {Severity::info, "postfix/x[42]: "},
      {Severity::warning, "postfix/x[42]: warning: "},
      {Severity::error, "postfix/x[42]: error: "},
      {Severity::fatal, "postfix/x[42]: fatal: "},
  };
  for (const auto& c : cases) EXPECT_EQ(line_prefix("postfix/x", 42, c.severity), c.expected);
}

TEST(LinePrefix, TheLargestPidFitsTheRoomCounted) {
  EXPECT_EQ(line_prefix("p", LONG_MIN, Severity::warning), "p[" + std::to_string(LONG_MIN) + "]: warning: ");
  EXPECT_LE(line_prefix("", LONG_MIN, Severity::warning).size(), kLinePrefixRoom);
}

TEST(LinePrefix, IntoAFixedBufferItIsCutNotOverrun) {
  char buffer[8];
  RecordWriter out(buffer, sizeof(buffer));
  append_line_prefix(out, "postfix/x", 42, Severity::fatal);
  EXPECT_EQ(out.view(), "postfix/");
  EXPECT_TRUE(out.truncated());
}

TEST(LinePrefix, StartsEveryLogLine) {
  Log log("postfix/x");
  std::vector<std::string> lines;
  log.set_sink([&lines](Severity, std::string_view line) { lines.emplace_back(line); });
  log.warn("hello");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0], line_prefix("postfix/x", ::getpid(), Severity::warning) + "hello");
}

}  // namespace
}  // namespace dgram
