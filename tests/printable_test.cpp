// SPDX-License-Identifier: MIT
// printable_test - what may reach a log line, byte by byte.
#include "base/printable.h"

#include <gtest/gtest.h>

#include <string>

namespace dgram {
namespace {

struct PrintableCase {
  std::string name;
  std::string in;
  std::string out;
};

class Printable : public ::testing::TestWithParam<PrintableCase> {};

TEST_P(Printable, ReplacesWhatCouldForgeOrSteerALine) {
  std::string text = GetParam().in;
  std::size_t replaced = make_printable(text);
  EXPECT_EQ(text, GetParam().out);
  EXPECT_EQ(printable(GetParam().in), GetParam().out);
  EXPECT_EQ(is_printable(GetParam().in), GetParam().in == GetParam().out);
  EXPECT_EQ(replaced == 0, GetParam().in == GetParam().out);
  EXPECT_TRUE(is_printable(text));
}

INSTANTIATE_TEST_SUITE_P(
    Table, Printable,
    ::testing::Values(
        PrintableCase{"plain", "hello, world: 100% (ok)", "hello, world: 100% (ok)"},
        PrintableCase{"empty", "", ""},
        PrintableCase{"newline_and_return", "a\nb\rc", "a?b?c"},
        PrintableCase{"nul_and_tab", std::string("a\0b\tc", 5), "a?b?c"},
        PrintableCase{"escape_and_del", "\x1b[31mred\x7f", "?[31mred?"},
        PrintableCase{"two_byte_utf8", "caf\xc3\xa9", "caf\xc3\xa9"},
        PrintableCase{"three_byte_utf8", "\xe2\x82\xac 5", "\xe2\x82\xac 5"},
        PrintableCase{"four_byte_utf8", "\xf0\x9f\x93\xac", "\xf0\x9f\x93\xac"},
        PrintableCase{"c1_control_is_one_mark", "a\xc2\x85z", "a?z"},
        PrintableCase{"nbsp_is_kept", "a\xc2\xa0z", "a\xc2\xa0z"},
        PrintableCase{"stray_continuation", "a\x80z", "a?z"},
        PrintableCase{"overlong_slash", "\xc0\xaf", "??"},
        PrintableCase{"overlong_three", "\xe0\x80\xaf", "???"},
        PrintableCase{"surrogate", "\xed\xa0\x80", "???"},
        PrintableCase{"past_max", "\xf4\x90\x80\x80", "????"},
        PrintableCase{"cut_short", "ab\xe2\x82", "ab??"},
        PrintableCase{"latin1_byte", "caf\xe9!", "caf?!"}),
    [](const ::testing::TestParamInfo<PrintableCase>& info) { return info.param.name; });

}  // namespace
}  // namespace dgram
