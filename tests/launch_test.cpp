// SPDX-License-Identifier: MIT
// launch_test - dgram-launch run as a real program with dgram-sink as its
// service: it serves past a child's use limit, throttles a failing child,
// stops cleanly on SIGTERM, stays out of the system's Postfix spool, and ends
// every error with one fatal line.
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/temp_dir.h"
#include "tool_run.h"

namespace dgram {
namespace {

using namespace std::chrono_literals;
using testing::TempDir;

using testing::count_lines;

// Sum of datagrams=N words over the sink's summary lines.
long served(const std::string& summaries) {
  std::istringstream in(summaries);
  std::string word;
  long total = 0;
  while (in >> word) {
    if (word.rfind("datagrams=", 0) == 0) total += std::stol(word.substr(10));
  }
  return total;
}

using testing::eventually;

class Launch : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* launch = std::getenv("DGRAM_LAUNCH");
    const char* sink = std::getenv("DGRAM_SINK");
    ASSERT_TRUE(launch && sink) << "DGRAM_LAUNCH and DGRAM_SINK are set by tests/meson.build";
    launch_ = launch;
    sink_ = sink;
    std::filesystem::create_directory(tmp_);
  }
  void TearDown() override {
    if (child_.pid > 0) (void)testing::finish_tool(child_, 0ms);  // kills a leftover
  }

  // Starts dgram-launch with options, then -- dgram-sink -V WORD..., with
  // TMPDIR pointing at a folder of this test (to see its temporary folder).
  void start(std::vector<std::string> options, std::vector<std::string> words) {
    std::vector<std::string> argv{launch_, "--socket", socket_};
    argv.insert(argv.end(), options.begin(), options.end());
    argv.insert(argv.end(), {"--", sink_, "-V", "-o", "dgram_sink_summary_file=" + summary_});
    argv.insert(argv.end(), words.begin(), words.end());
    auto env = process_environment();
    env["TMPDIR"] = tmp_;
    child_ = testing::start_tool(argv, dir_.file("out"), dir_.file("err"), env);
  }
  testing::ToolResult finish(std::chrono::milliseconds bound = 30s) {
    auto result = testing::finish_tool(child_, bound);
    child_.pid = -1;
    return result;
  }
  bool socket_ready() {
    struct stat st {};
    return ::lstat(socket_.c_str(), &st) == 0 && S_ISSOCK(st.st_mode);
  }
  bool tmp_empty() const { return std::filesystem::is_empty(tmp_); }
  std::string err() const { return dir_.read("err"); }

  // Sends one datagram, blocking up to 10 s while the queue is full.
  void send(const std::string& data) {
    ASSERT_EQ(testing::send_datagram(socket_, data), "");
  }

  TempDir dir_;
  std::string launch_, sink_;
  std::string socket_ = dir_.file("socket");
  std::string summary_ = dir_.file("summary");
  std::string tmp_ = dir_.file("tmp");
  testing::ToolChild child_;
};

TEST_F(Launch, ServesPastAChildsUseLimitUntilStopped) {
  start({}, {"-o", "max_use=3"});
  ASSERT_TRUE(eventually([&] { return socket_ready(); })) << err();
  for (int i = 0; i < 12; ++i) send("x");
  // Four children in turn serve 3 each and exit; then none runs until a datagram waits.
  ASSERT_TRUE(eventually([&] { return count_lines(dir_.read("summary"), "exit: pid=") == 4; }))
      << err();
  ASSERT_EQ(::kill(child_.pid, SIGTERM), 0);
  auto r = finish();
  EXPECT_EQ(r.exit_code(), 0) << r.err;
  EXPECT_EQ(served(dir_.read("summary")), 12);
  EXPECT_EQ(count_lines(dir_.read("summary"), "exit: pid="), 4);
  EXPECT_EQ(r.out, "launch: taken=0 avail=0 bad=0 exit=exit 0 starts=4 failures=0\n");
}

TEST_F(Launch, SigtermStopsTheChildAndCleansUp) {
  start({}, {"-v"});
  ASSERT_TRUE(eventually([&] { return socket_ready(); })) << err();
  send("x");
  ASSERT_TRUE(eventually([&] { return !tmp_empty(); })) << err();
  // Once the child says the request arrived, the datagram is served before
  // anything can end it (a stop that came first would leave it queued).
  ASSERT_TRUE(eventually([&] { return err().find("request arrived") != std::string::npos; })) << err();
  ASSERT_EQ(::kill(child_.pid, SIGTERM), 0);
  auto r = finish();
  EXPECT_EQ(r.exit_code(), 0) << r.err;
  EXPECT_EQ(count_lines(r.out, "launch: "), 1) << r.out;
  EXPECT_EQ(count_lines(r.out, "exit=exit 0 starts=1 failures=0"), 1) << r.out;
  // The child saw the status channel close, served what it had and ran its exit hook.
  EXPECT_EQ(served(dir_.read("summary")), 1) << r.err;
  EXPECT_FALSE(socket_ready());
  EXPECT_TRUE(tmp_empty());
}

TEST_F(Launch, SigintStopsItToo) {
  start({}, {});
  ASSERT_TRUE(eventually([&] { return socket_ready(); })) << err();
  ASSERT_EQ(::kill(child_.pid, SIGINT), 0);
  auto r = finish();
  EXPECT_EQ(r.exit_code(), 0) << r.err;
  EXPECT_EQ(count_lines(r.out, "launch: "), 1);
  EXPECT_FALSE(socket_ready());
  EXPECT_TRUE(tmp_empty());
}

TEST_F(Launch, AFailingChildIsStartedAgainOnlyAfterTheThrottlePause) {
  start({"--throttle", "1"}, {"-o", "max_use=bad"});
  auto warnings = [&] { return count_lines(err(), "dgram-launch: warning: "); };
  ASSERT_TRUE(eventually([&] { return warnings() >= 1; })) << err();
  auto first = std::chrono::steady_clock::now();
  ASSERT_TRUE(eventually([&] { return warnings() >= 2; })) << err();
  auto pause = std::chrono::steady_clock::now() - first;
  // Each warning is written when a child is reaped; the next start is a
  // second later (seen here within one 10 ms look of each line).
  EXPECT_GE(pause, 980ms) << err();
  EXPECT_EQ(count_lines(err(), "fatal: bad numerical configuration: max_use = bad"), 2) << err();
  EXPECT_EQ(count_lines(err(), "exit 1; starting it again in 1 s"), 2) << err();
  ASSERT_EQ(::kill(child_.pid, SIGTERM), 0);
  auto r = finish();
  EXPECT_EQ(r.exit_code(), 1);  // the last child's status
  EXPECT_EQ(count_lines(r.out, "exit=exit 1 starts=2 failures=2"), 1) << r.out;
  EXPECT_TRUE(tmp_empty());
}

TEST_F(Launch, AConfigWithoutQueueDirectoryStaysOutOfTheSystemSpool) {
  const std::string name = "dgram-launch-test-" + std::to_string(::getpid());
  const std::string lock_file = "/var/spool/postfix/pid/unix-dgram." + name;
  std::filesystem::create_directory(dir_.file("conf"));
  dir_.write("conf/main.cf", "max_idle = 100s\n");
  // --maxproc 2: the child takes a lock file in $queue_directory/pid.
  start({"--config", dir_.file("conf"), "--maxproc", "2", "--service-name", name},
        {"-o", "max_use=1"});
  ASSERT_TRUE(eventually([&] { return socket_ready(); })) << err();
  send("x");
  ASSERT_TRUE(eventually([&] { return served(dir_.read("summary")) == 1; })) << err();
  bool in_spool = std::filesystem::exists(lock_file);
  ASSERT_EQ(::kill(child_.pid, SIGTERM), 0);
  auto r = finish();
  if (in_spool) std::filesystem::remove(lock_file);  // what the old code left there
  EXPECT_FALSE(in_spool) << lock_file << " was created";
  EXPECT_EQ(r.exit_code(), 0) << r.err;
  EXPECT_TRUE(tmp_empty());
}

TEST_F(Launch, AConfigNamingTheSystemSpoolIsRefused) {
  std::filesystem::create_directory(dir_.file("conf"));
  dir_.write("conf/main.cf", "queue_directory = /var/spool/postfix/\n");
  start({"--config", dir_.file("conf")}, {});
  auto r = finish();
  EXPECT_EQ(r.exit_code(), 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "dgram-launch: fatal: queue_directory = /var/spool/postfix/ in " +
                       dir_.file("conf") +
                       "/main.cf is the system's Postfix spool; dgram-launch does not run "
                       "services there: set a private queue_directory\n");
  EXPECT_FALSE(socket_ready());
  EXPECT_TRUE(tmp_empty());
}

struct ErrorCase {
  std::vector<std::string> options;  // after --socket PATH
  std::string program;               // empty: dgram-sink
  std::string fatal;                 // the expected line, after "dgram-launch: fatal: "
  int status;
};

void PrintTo(const ErrorCase& c, std::ostream* out) { *out << c.fatal; }

class LaunchErrors : public Launch, public ::testing::WithParamInterface<ErrorCase> {};

TEST_P(LaunchErrors, OneFatalLineAndNoTemporaryFolderLeft) {
  const ErrorCase& c = GetParam();
  std::vector<std::string> argv{launch_, "--socket", socket_};
  for (auto option : c.options) {
    auto at = option.find("@DIR@");
    if (at != std::string::npos) option.replace(at, 5, dir_.path());
    argv.push_back(option);
  }
  argv.insert(argv.end(), {"--", c.program.empty() ? sink_ : c.program});
  auto env = process_environment();
  env["TMPDIR"] = tmp_;
  child_ = testing::start_tool(argv, dir_.file("out"), dir_.file("err"), env);
  auto r = finish();
  std::string fatal = c.fatal;
  auto at = fatal.find("@DIR@");
  if (at != std::string::npos) fatal.replace(at, 5, dir_.path());
  EXPECT_EQ(r.exit_code(), c.status);
  EXPECT_EQ(r.err, "dgram-launch: fatal: " + fatal + "\n");
  EXPECT_EQ(r.out, "");
  EXPECT_TRUE(tmp_empty());
  EXPECT_FALSE(socket_ready());
}

INSTANTIATE_TEST_SUITE_P(
    Table, LaunchErrors,
    ::testing::Values(
        ErrorCase{{"--maxproc", "x"}, "", "bad --maxproc value: x (0..1000)", 2},
        ErrorCase{{"--throttle", "0"}, "", "bad --throttle value: 0 (1..3600)", 2},
        ErrorCase{{"--generation", "9"}, "", "bad generation: 9 (not octal)", 2},
        ErrorCase{{"--config", "@DIR@/none"}, "", "open @DIR@/none/main.cf: No such file or directory", 1},
        ErrorCase{{}, "/nonexistent/service", "exec /nonexistent/service: No such file or directory", 1}));

TEST_F(Launch, ASocketPathThatCannotBeBoundIsOneFatalLine) {
  auto env = process_environment();
  env["TMPDIR"] = tmp_;
  child_ = testing::start_tool({launch_, "--socket", dir_.file("no/such/dir/socket"), "--", sink_},
                               dir_.file("out"), dir_.file("err"), env);
  auto r = finish();
  EXPECT_EQ(r.exit_code(), 1);
  EXPECT_EQ(r.err, "dgram-launch: fatal: bind " + dir_.file("no/such/dir/socket") +
                       ": No such file or directory\n");
  EXPECT_TRUE(tmp_empty());
}

}  // namespace
}  // namespace dgram
