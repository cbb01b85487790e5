// SPDX-License-Identifier: MIT
// options_test - the master's command line, letter by letter.
#include "config/options.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dgram/error.h"

namespace dgram {
namespace {

Options parse(std::vector<std::string> words) {
  words.insert(words.begin(), "/usr/libexec/postfix/dgram-sink");
  return parse_options(words);
}

std::string error_of(std::vector<std::string> words) {
  try {
    parse(std::move(words));
  } catch (const Fatal& error) {
    return error.what();
  }
  return "(no error)";
}

TEST(Options, EmptyArgv) {
  // execve() may pass no argv[0] at all (found by fuzz/options_fuzz.cpp).
  Options o = parse_options(std::span<const std::string>());
  EXPECT_EQ(o.program_name, "dgram-server");
  EXPECT_EQ(o.service_name, "dgram-server");
  EXPECT_TRUE(o.args.empty());
  EXPECT_TRUE(o.overrides.empty());
}

TEST(Options, DefaultsWithoutOptions) {
  Options o = parse({});
  EXPECT_EQ(o.program_name, "dgram-sink");
  EXPECT_EQ(o.service_name, "dgram-sink");
  EXPECT_TRUE(o.daemon_mode);
  EXPECT_FALSE(o.chroot);
  EXPECT_FALSE(o.debug);
  EXPECT_FALSE(o.alone);
  EXPECT_FALSE(o.zero_limit);
  EXPECT_FALSE(o.unprivileged);
  EXPECT_EQ(o.verbose, 0);
  EXPECT_EQ(o.log_to_stderr, 0);
  EXPECT_EQ(o.socket_count, 1);
  EXPECT_FALSE(o.transport.has_value());
  EXPECT_TRUE(o.overrides.empty());
  EXPECT_TRUE(o.args.empty());
}

TEST(Options, EveryFlagLetter) {
  Options o = parse({"-c", "-d", "-D", "-l", "-u", "-v", "-v", "-V", "-z"});
  EXPECT_TRUE(o.chroot);
  EXPECT_FALSE(o.daemon_mode);
  EXPECT_TRUE(o.debug);
  EXPECT_TRUE(o.alone);
  EXPECT_TRUE(o.unprivileged);
  EXPECT_EQ(o.verbose, 2);
  EXPECT_EQ(o.log_to_stderr, 1);
  EXPECT_TRUE(o.zero_limit);
}

TEST(Options, FlagsCombineInOneWord) {
  Options o = parse({"-lvz", "-tunix-dgram"});
  EXPECT_TRUE(o.alone);
  EXPECT_EQ(o.verbose, 1);
  EXPECT_TRUE(o.zero_limit);
  EXPECT_EQ(o.transport, "unix-dgram");
}

TEST(Options, ValueLettersTakeAttachedOrNextWord) {
  Options o = parse({"-n", "postlog", "-t", "unix-dgram", "-s2", "-i", "10s", "-m5",
                     "-o", "a = 1", "-ob=2"});
  EXPECT_EQ(o.service_name, "postlog");
  EXPECT_EQ(o.transport, "unix-dgram");
  EXPECT_EQ(o.socket_count, 2);
  using Pair = std::pair<std::string, std::string>;
  std::vector<Pair> expected{{"max_idle", "10s"}, {"max_use", "5"}, {"a", "1"}, {"b", "2"}};
  EXPECT_EQ(o.overrides, expected);
}

TEST(Options, OverridesKeepCommandLineOrder) {
  Options o = parse({"-o", "max_use=7", "-m", "9", "-o", "max_use=3"});
  ASSERT_EQ(o.overrides.size(), 3u);
  EXPECT_EQ(o.overrides.back().second, "3");
}

TEST(Options, EmptyValueIsLegal) {
  Options o = parse({"-o", "stress="});
  ASSERT_EQ(o.overrides.size(), 1u);
  EXPECT_EQ(o.overrides[0].first, "stress");
  EXPECT_EQ(o.overrides[0].second, "");
}

TEST(Options, ArgumentsStartAtFirstNonOption) {
  Options o = parse({"-l", "-t", "unix-dgram", "one", "-v", "two"});
  EXPECT_EQ(o.verbose, 0);
  EXPECT_EQ(o.args, (std::vector<std::string>{"one", "-v", "two"}));
}

TEST(Options, DoubleDashEndsOptions) {
  Options o = parse({"-l", "--", "-v"});
  EXPECT_EQ(o.verbose, 0);
  EXPECT_EQ(o.args, (std::vector<std::string>{"-v"}));
}

struct BadCase {
  std::vector<std::string> words;
  std::string message;
};

class OptionErrors : public ::testing::TestWithParam<BadCase> {};

TEST_P(OptionErrors, OneClearLine) { EXPECT_EQ(error_of(GetParam().words), GetParam().message); }

INSTANTIATE_TEST_SUITE_P(
    Table, OptionErrors,
    ::testing::Values(
        BadCase{{"-x"}, "invalid option: -x (in \"-x\")"},
        BadCase{{"-lq"}, "invalid option: -q (in \"-lq\")"},
        BadCase{{"-o", "novalue"},
                "invalid \"-o novalue\" option value: missing '=' after parameter name"},
        BadCase{{"-o", "=value"}, "invalid \"-o =value\" option value: missing parameter name"},
        BadCase{{"-s", "0"}, "invalid socket_count: 0"},
        BadCase{{"-s", "-3"}, "invalid socket_count: -3"},
        BadCase{{"-s", "two"}, "invalid socket_count: two"},
        BadCase{{"-s", "2x"}, "invalid socket_count: 2x"},
        BadCase{{"-t"}, "option -t requires a value"},
        BadCase{{"-o", "process_name=evil"},
                "invalid \"-o process_name=evil\" option: parameter process_name is read-only"},
        BadCase{{"-o", "service_name = evil"},
                "invalid \"-o service_name = evil\" option: parameter service_name is read-only"}));

}  // namespace
}  // namespace dgram
