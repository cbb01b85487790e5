// SPDX-License-Identifier: MIT
// skeleton_params_test - the table of the skeleton's own parameters, and the
// use and idle limits as a whole skeleton run in-process reads them.
#include "config/skeleton_params.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "dgram/config.h"
#include "dgram/embedding.h"
#include "dgram/unique_fd.h"
#include "support/datagram_socket.h"
#include "support/temp_dir.h"

namespace dgram {
namespace {

using testing::DatagramSocket;
using testing::TempDir;

TEST(SkeletonParamTable, SortedByNameAndFindsEachEntry) {
  auto table = skeleton_param_table();
  ASSERT_FALSE(table.empty());
  for (std::size_t i = 1; i < table.size(); ++i) EXPECT_LT(table[i - 1].name, table[i].name);
  for (const auto& entry : table) EXPECT_EQ(find_skeleton_param(entry.name), &entry);
  EXPECT_EQ(find_skeleton_param("no_such_parameter"), nullptr);
}

TEST(SkeletonParamTable, NamesEveryParameterTheSkeletonAndItsLogDestinationsRead) {
  for (const char* name :
       {"queue_directory", "mail_owner", "debugger_command", "syslog_name", "syslog_facility",
        "maillog_file", "max_idle", "max_use", "in_flow_delay", "dgram_receive_batch",
        "dgram_postfix_compatible", "postlog_service_name", "maillog_file_prefixes",
        "dgram_syslog_socket", "myhostname"}) {
    EXPECT_NE(find_skeleton_param(name), nullptr) << name;
  }
}

TEST(SkeletonParamTable, DefaultsAreTheOnesAChildUses) {
  Config config;
  SkeletonParams params = load_skeleton_params(config);
  EXPECT_EQ(params.queue_directory, "/var/spool/postfix");
  EXPECT_EQ(params.mail_owner, "postfix");
  EXPECT_EQ(params.syslog_name, "postfix");  // the default expression, expanded
  EXPECT_EQ(params.syslog_facility, "mail");
  EXPECT_EQ(params.max_idle, 100);
  EXPECT_EQ(params.max_use, 100);
  EXPECT_EQ(params.in_flow_delay, 1);
  EXPECT_EQ(params.receive_batch, 64);
  EXPECT_FALSE(params.postfix_compatible);
  EXPECT_EQ(skeleton_str(config, "postlog_service_name"), "postlog");
  EXPECT_EQ(skeleton_str(config, "maillog_file_prefixes"), "/var, /dev/stdout");
  EXPECT_EQ(skeleton_str(config, "dgram_syslog_socket"), "/dev/log");
  EXPECT_EQ(skeleton_str(config, "myhostname"), "");
}

TEST(SkeletonParamTable, ReadingANameOutsideTheTableIsAProgrammingError) {
  Config config;
  EXPECT_THROW(skeleton_str(config, "hello_greeting"), std::logic_error);
  EXPECT_THROW(skeleton_int(config, "queue_directory"), std::logic_error);
}

struct LimitCase {
  const char* name;
  const char* value;
  const char* message;  // empty: accepted
  int seconds_or_count;
};

class Limits : public ::testing::TestWithParam<LimitCase> {};

TEST_P(Limits, NegativeIsRefusedWithPostfixWordsZeroMeansNoLimit) {
  const LimitCase& c = GetParam();
  Config config;
  config.set(c.name, c.value);
  if (*c.message == '\0') {
    SkeletonParams params = load_skeleton_params(config);
    EXPECT_EQ(std::string(c.name) == "max_use" ? params.max_use : params.max_idle,
              c.seconds_or_count);
    return;
  }
  try {
    load_skeleton_params(config);
    ADD_FAILURE() << c.name << " = " << c.value << " was accepted";
  } catch (const ConfigError& error) {
    EXPECT_EQ(std::string(error.what()), c.message);
  }
}

void PrintTo(const LimitCase& c, std::ostream* out) { *out << c.name << "=" << c.value; }

INSTANTIATE_TEST_SUITE_P(
    Table, Limits,
    ::testing::Values(LimitCase{"max_use", "-1", "invalid max_use parameter value -1 < 1", 0},
                      LimitCase{"max_use", "-100", "invalid max_use parameter value -100 < 1", 0},
                      LimitCase{"max_use", "0", "", 0}, LimitCase{"max_use", "1", "", 1},
                      LimitCase{"max_idle", "-1", "parameter max_idle: bad time value or unit: -1", 0},
                      LimitCase{"max_idle", "-5s", "parameter max_idle: bad time value or unit: -5s", 0},
                      LimitCase{"max_idle", "0", "", 0}, LimitCase{"max_idle", "2m", "", 120}));

// The whole skeleton in-process, this test playing the master and the client.
class SkeletonLimits : public ::testing::Test {
 protected:
  void SetUp() override {
    cwd_.reset(::open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    dir_.write_main_cf();
    int fds[2];
    ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
    flow_read_.reset(fds[0]);
    flow_write_.reset(fds[1]);
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
    status_ours_.reset(fds[0]);
    status_theirs_.reset(fds[1]);
    null_.reset(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    ASSERT_TRUE(null_);
  }
  void TearDown() override { ASSERT_EQ(::fchdir(cwd_.get()), 0); }

  int run_with(std::vector<std::string> words) {
    Service service;
    service.on_datagram = [this](const Datagram&, Context&) {
      if (++served_ < refill_until_) socket_.send("x");  // one queued at a time
    };
    Launch launch;
    launch.argv = {"/usr/libexec/limits-test", "-l", "-t", "unix-dgram"};
    launch.argv.insert(launch.argv.end(), words.begin(), words.end());
    launch.env["MAIL_CONFIG"] = dir_.path();
    launch.fds.flow_read = flow_read_.get();
    launch.fds.flow_write = flow_write_.get();
    launch.fds.status = status_theirs_.get();
    launch.fds.listen = {socket_.listen_fd()};
    launch.fds.terminal_check = null_.get();
    launch.log_sink = [this](Severity, std::string_view line) { log_ += std::string(line) + "\n"; };
    return run(service, launch);
  }

  TempDir dir_;
  DatagramSocket socket_{dir_.file("socket")};
  UniqueFd flow_read_, flow_write_, status_ours_, status_theirs_, null_, cwd_;
  int served_ = 0;
  int refill_until_ = 0;  // the callback sends the next datagram until this many were served
  std::string log_;
};

TEST_F(SkeletonLimits, NegativeUseLimitIsFatalBeforeServing) {
  socket_.send("x");
  // max_idle=1 bounds the run should the limit be taken as "none".
  EXPECT_EQ(run_with({"-o", "max_use=-1", "-o", "max_idle=1"}), 1);
  EXPECT_NE(log_.find("fatal: invalid max_use parameter value -1 < 1"), std::string::npos) << log_;
  EXPECT_EQ(served_, 0);
}

TEST_F(SkeletonLimits, NegativeUseLimitFromTheCommandLineFlag) {
  socket_.send("x");
  EXPECT_EQ(run_with({"-m", "-7", "-i", "1"}), 1);
  EXPECT_NE(log_.find("fatal: invalid max_use parameter value -7 < 1"), std::string::npos) << log_;
}

TEST_F(SkeletonLimits, NegativeIdleLimitIsFatal) {
  EXPECT_EQ(run_with({"-i", "-1", "-m", "1"}), 1);
  EXPECT_NE(log_.find("fatal: parameter max_idle: bad time value or unit: -1"), std::string::npos) << log_;
}

TEST_F(SkeletonLimits, ZeroUseLimitServesPastTheDefaultHundred) {
  constexpr int kCount = 150;
  refill_until_ = kCount;
  socket_.send("x");
  // The idle limit ends the run once the queue is empty.
  EXPECT_EQ(run_with({"-o", "max_use=0", "-o", "max_idle=1"}), 0) << log_;
  EXPECT_EQ(served_, kCount);
}

}  // namespace
}  // namespace dgram
