// SPDX-License-Identifier: MIT
// dgram_config_test - dgram-config run as a real program: it knows the
// skeleton's own parameters, prints their defaults, and refuses the limits a
// child would refuse.
#include <gtest/gtest.h>

#include <cstdlib>
#include <ostream>
#include <string>
#include <vector>

#include "config/skeleton_params.h"
#include "support/temp_dir.h"
#include "tool_run.h"

namespace dgram {
namespace {

using namespace std::chrono_literals;
using testing::TempDir;

class DgramConfig : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* tool = std::getenv("DGRAM_CONFIG");
    ASSERT_NE(tool, nullptr) << "DGRAM_CONFIG is not set (tests/meson.build sets it)";
    tool_ = tool;
    dir_.write("main.cf", "t_a = 1\n");
  }

  testing::ToolResult config(std::vector<std::string> args) {
    std::vector<std::string> argv{tool_, "-c", dir_.path()};
    argv.insert(argv.end(), args.begin(), args.end());
    return testing::finish_tool(
        testing::start_tool(argv, dir_.file("out"), dir_.file("err")), 10s);
  }

  std::string tool_;
  TempDir dir_;
};

TEST_F(DgramConfig, PrintsTheDefaultOfEverySkeletonParameter) {
  for (const auto& param : skeleton_param_table()) {
    auto r = config({std::string(param.name)});
    EXPECT_EQ(r.exit_code(), 0) << param.name << ": " << r.err;
    std::string expected = std::string(param.name) + " =";
    if (!param.default_value.empty()) expected += " " + std::string(param.default_value);
    EXPECT_EQ(r.out, expected + "\n");
    EXPECT_EQ(r.err, "") << param.name;
  }
}

TEST_F(DgramConfig, DefaultsAsPostconfPrintsThem) {
  auto r = config({"max_use", "max_idle", "queue_directory", "syslog_name", "in_flow_delay",
                   "mail_owner", "postlog_service_name", "maillog_file_prefixes"});
  EXPECT_EQ(r.exit_code(), 0) << r.err;
  EXPECT_EQ(r.out,
            "max_use = 100\nmax_idle = 100s\nqueue_directory = /var/spool/postfix\n"
            "syslog_name = ${multi_instance_name?{$multi_instance_name}:{postfix}}\n"
            "in_flow_delay = 1s\nmail_owner = postfix\npostlog_service_name = postlog\n"
            "maillog_file_prefixes = /var, /dev/stdout\n");
  EXPECT_EQ(r.err, "");
}

TEST_F(DgramConfig, DefaultsExpandAndAreFoundByReferences) {
  dir_.write("main.cf", "t_dir = $queue_directory/x\n");
  auto r = config({"-x", "syslog_name", "t_dir"});
  EXPECT_EQ(r.exit_code(), 0) << r.err;
  EXPECT_EQ(r.out, "syslog_name = postfix\nt_dir = /var/spool/postfix/x\n");
}

TEST_F(DgramConfig, MainCfAndOverridesWinOverDefaults) {
  dir_.write("main.cf", "max_use = 7\n");
  auto r = config({"-h", "-o", "max_idle=5s", "max_use", "max_idle"});
  EXPECT_EQ(r.exit_code(), 0) << r.err;
  EXPECT_EQ(r.out, "7\n5s\n");
}

TEST_F(DgramConfig, UnknownNamesStillWarn) {
  auto r = config({"t_a", "hello_greeting", "max_use"});
  EXPECT_EQ(r.exit_code(), 0);
  EXPECT_EQ(r.out, "t_a = 1\nmax_use = 100\n");
  EXPECT_EQ(r.err, "dgram-config: warning: hello_greeting: unknown parameter\n");
}

TEST_F(DgramConfig, ListingWithoutNamesShowsOnlyWhatIsDefined) {
  auto r = config({});
  EXPECT_EQ(r.exit_code(), 0);
  EXPECT_EQ(r.out, "t_a = 1\n");
}

struct BadLimit {
  std::string setting;
  std::string name;
  std::string fatal;
};

void PrintTo(const BadLimit& c, std::ostream* out) { *out << c.setting; }

class DgramConfigLimits : public DgramConfig, public ::testing::WithParamInterface<BadLimit> {};

TEST_P(DgramConfigLimits, RefusedAsAChildWouldRefuseIt) {
  auto r = config({"-o", GetParam().setting, GetParam().name});
  EXPECT_EQ(r.exit_code(), 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "dgram-config: fatal: " + GetParam().fatal + "\n");
}

INSTANTIATE_TEST_SUITE_P(
    Table, DgramConfigLimits,
    ::testing::Values(BadLimit{"max_use=-1", "max_use", "invalid max_use parameter value -1 < 1"},
                      BadLimit{"max_idle=-1", "max_idle", "parameter max_idle: bad time value or unit: -1"},
                      BadLimit{"max_use=lots", "max_use", "bad numerical configuration: max_use = lots"},
                      BadLimit{"dgram_receive_batch=0", "dgram_receive_batch",
                               "invalid dgram_receive_batch parameter value 0 < 1"}));

TEST_F(DgramConfig, ZeroLimitsAreAccepted) {
  auto r = config({"-o", "max_use=0", "-o", "max_idle=0", "max_use", "max_idle"});
  EXPECT_EQ(r.exit_code(), 0) << r.err;
  EXPECT_EQ(r.out, "max_use = 0\nmax_idle = 0\n");
}

}  // namespace
}  // namespace dgram
