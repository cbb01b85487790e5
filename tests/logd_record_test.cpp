// SPDX-License-Identifier: MIT
// logd_record_test - dgram-logd's record handling: a received record made
// one line (record_line.h), and a record's parts for syslog (syslog_forward.h).
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "record_line.h"
#include "syslog_forward.h"

namespace dgram::logd {
namespace {

using namespace std::string_literals;

std::string one_line(std::string record) {
  record.resize(make_one_line(record.data(), record.size()));
  return record;
}

struct LineCase {
  std::string record;
  std::string line;
};

TEST(LogdRecordLine, ControlBytesBecomeQuestionMarksAndOneClientNewlineIsDropped) {
  const LineCase cases[] = {
      {"plain text", "plain text"},
      {"", ""},
      {"\n", ""},                                   // only the client's line end
      {"\r\n", ""},
      {"ends with its own newline\n", "ends with its own newline"},
      {"dos line end\r\n", "dos line end"},
      {"two line ends\n\n", "two line ends?"},      // an empty line inside the record
      {"forged\nDec 05 10:00:00 host postfix/smtpd[1]: fake", "forged?Dec 05 10:00:00 host postfix/smtpd[1]: fake"},
      {"nul\0inside"s, "nul?inside"},
      {"\0"s, "?"},
      {"tab\there, cr\rthere, esc\x1b[31m, del\x7f", "tab?here, cr?there, esc?[31m, del?"},
      {"\x01\x1f\x20\x7e\x7f", "??\x20\x7e?"},
      {"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x93\xa8", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x93\xa8"},  // UTF-8 kept
      {"\x80\xff raw high bytes", "\x80\xff raw high bytes"},
      {"cr alone at the end\r", "cr alone at the end?"},
      {"newline then cr\n\r", "newline then cr??"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(one_line(c.record), c.line) << "record: " << testing::PrintToString(c.record);
  }
}

TEST(LogdRecordLine, NoByteOfAnyValueSurvivesAsALineBreak) {
  std::string all;
  for (int byte = 0; byte < 256; ++byte) all += static_cast<char>(byte);
  std::string line = one_line(all);
  ASSERT_EQ(line.size(), all.size());
  for (std::size_t i = 0; i < line.size(); ++i) {
    auto byte = static_cast<unsigned char>(all[i]);
    EXPECT_EQ(line[i], is_line_breaking(byte) ? '?' : all[i]) << "byte " << i;
  }
}

TEST(LogdRecordLine, AReadOnlyRecordGivesTheSameLineAndIsCopiedOnlyWhenItMustBe) {
  const LineCase cases[] = {
      {"Dec 05 10:00:00 host postfix/smtpd[1]: clean", "Dec 05 10:00:00 host postfix/smtpd[1]: clean"},
      {"ends with its own newline\n", "ends with its own newline"},
      {"dos line end\r\n", "dos line end"},
      {"", ""},
      {"\r\n", ""},
      {"caf\xc3\xa9", "caf\xc3\xa9"},
      {"forged\nline", "forged?line"},
      {"two line ends\n\n", "two line ends?"},
      {"nul\0inside"s, "nul?inside"},
      {"\x7f at the start", "? at the start"},
  };
  for (const auto& c : cases) {
    const std::string record = c.record;  // const: it must not be written to
    std::string scratch(record.size(), '#');
    std::string_view line = one_line_of(record, scratch.data());
    EXPECT_EQ(line, c.line) << "record: " << testing::PrintToString(c.record);
    EXPECT_EQ(line, one_line(c.record)) << "record: " << testing::PrintToString(c.record);
    bool needs_rewriting = c.record.compare(0, c.line.size(), c.line) != 0;
    EXPECT_EQ(line.data(), needs_rewriting ? scratch.data() : record.data())
        << "record: " << testing::PrintToString(c.record);
    EXPECT_EQ(record, c.record);
  }
}

TEST(LogdPostlogRecord, SplitsWhatPostfixClientsSend) {
  auto parsed = parse_postlog_record("Dec 05 10:00:00 mail postfix/smtpd[123]: warning: hello world");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->program, "postfix/smtpd");
  EXPECT_EQ(parsed->pid, 123);
  EXPECT_EQ(parsed->severity, Severity::warning);
  EXPECT_EQ(parsed->text, "hello world");

  parsed = parse_postlog_record("Dec 05 10:00:00 mail postfix/cleanup[7]: 4ABC: message-id=<x@y>");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->severity, Severity::info);
  EXPECT_EQ(parsed->text, "4ABC: message-id=<x@y>");

  parsed = parse_postlog_record("Dec 05 10:00:00 mail postfix/master[1]: fatal: bad");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->severity, Severity::fatal);
  EXPECT_EQ(parsed->text, "bad");
}

TEST(LogdPostlogRecord, RefusesOtherShapes) {
  for (std::string_view record : {"", "hello", "Dec 05 10:00:00", "Dec 05 10:00:00 host", "Dec 05 10:00:00 host prog: x",
                                  "Dec 05 10:00:00 host prog[12x]: x", "Dec 05 10:00:00 host prog[]: x",
                                  "Dec 05 10:00:00 host [12]: x", "Dec-05 10:00:00 host prog[12]: x",
                                  "Dec 05 10:00:00 host prog[99999999999999999999]: x"}) {
    EXPECT_FALSE(parse_postlog_record(record)) << record;
  }
}

}  // namespace
}  // namespace dgram::logd
