// SPDX-License-Identifier: MIT
// sink_receive_test - dgram-sink's dgram_sink_receive_sender and
// dgram_sink_receive_credentials parameters, run as a real program under
// dgram-launch: off by default (credentials=0 closes the summary), and with
// credentials on every datagram sent once the child is serving carries them.
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "dgram/unique_fd.h"
#include "support/temp_dir.h"
#include "tool_run.h"

namespace dgram {
namespace {

using namespace std::chrono_literals;
using testing::TempDir;

using testing::eventually;

// The words of the one summary line, in order.
std::vector<std::string> words_of(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> words;
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

class SinkReceive : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* launch = std::getenv("DGRAM_LAUNCH");
    const char* sink = std::getenv("DGRAM_SINK");
    ASSERT_TRUE(launch && sink) << "DGRAM_LAUNCH and DGRAM_SINK are set by tests/meson.build";
    launch_ = launch;
    sink_ = sink;
  }
  void TearDown() override {
    if (child_.pid > 0) (void)testing::finish_tool(child_, 0ms);  // kills a leftover
  }

  // dgram-launch -- dgram-sink -V -v (its "receive batch" line says the
  // child has set up its listen socket) with these -o words.
  void start(const std::vector<std::string>& words) {
    std::vector<std::string> argv{launch_, "--socket", socket_, "--",
                                  sink_,   "-V",       "-v",    "-o",
                                  "dgram_sink_summary_file=" + summary_};
    argv.insert(argv.end(), words.begin(), words.end());
    child_ = testing::start_tool(argv, dir_.file("out"), dir_.file("err"));
  }
  std::string err() const { return dir_.read("err"); }
  bool socket_ready() const {
    struct stat st {};
    return ::lstat(socket_.c_str(), &st) == 0 && S_ISSOCK(st.st_mode);
  }
  void send(const std::string& data) {
    ASSERT_EQ(testing::send_datagram(socket_, data), "");
  }

  // Waits until dgram-launch's first child has set up its listen socket
  // (its "receive batch" line comes after SO_PASSCRED), sends `count`
  // datagrams, stops dgram-launch and returns the words of the child's
  // summary line.
  std::vector<std::string> serve(std::vector<std::string> words, int count) {
    // The child ends itself after exactly `count` datagrams, so that stopping
    // dgram-launch cannot come before it has served them.
    words.insert(words.end(), {"-o", "max_use=" + std::to_string(count)});
    start(words);
    EXPECT_TRUE(eventually([&] { return socket_ready(); })) << err();
    EXPECT_TRUE(eventually([&] { return err().find("receive batch") != std::string::npos; })) << err();
    for (int i = 0; i < count; ++i) send("datagram " + std::to_string(i));
    // The child's exit summary is written once it served what was sent.
    EXPECT_TRUE(eventually([&] { return dir_.read("summary").find("exit: ") != std::string::npos; })) << err();
    EXPECT_EQ(::kill(child_.pid, SIGTERM), 0);
    auto r = testing::finish_tool(child_, 30s);
    child_.pid = -1;
    EXPECT_EQ(r.exit_code(), 0) << r.err;
    std::string summary = dir_.read("summary");
    EXPECT_EQ(summary.find('\n'), summary.size() - 1) << "one summary line expected: " << summary;
    return words_of(summary);
  }

  TempDir dir_;
  std::string launch_, sink_;
  std::string socket_ = dir_.file("socket");
  std::string summary_ = dir_.file("summary");
  testing::ToolChild child_;
};

TEST_F(SinkReceive, ByDefaultNoDatagramCarriesCredentialsAndTheWordComesLast) {
  auto words = serve({}, 5);
  ASSERT_GE(words.size(), 2u);
  EXPECT_EQ(words[0], "exit:");
  EXPECT_NE(std::find(words.begin(), words.end(), "datagrams=5"), words.end());
  EXPECT_EQ(words.back(), "credentials=0");
}

TEST_F(SinkReceive, WithCredentialsEveryDatagramCarriesThem) {
  auto words = serve({"-o", "dgram_sink_receive_credentials=yes"}, 5);
  ASSERT_GE(words.size(), 2u);
  EXPECT_NE(std::find(words.begin(), words.end(), "datagrams=5"), words.end());
  EXPECT_EQ(words.back(), "credentials=5");
}

TEST_F(SinkReceive, SenderAloneCarriesNoCredentials) {
  auto words = serve({"-o", "dgram_sink_receive_sender=yes"}, 5);
  ASSERT_GE(words.size(), 2u);
  EXPECT_NE(std::find(words.begin(), words.end(), "datagrams=5"), words.end());
  EXPECT_EQ(words.back(), "credentials=0");
}

TEST_F(SinkReceive, BothTogetherServeEveryDatagram) {
  auto words = serve({"-o", "dgram_sink_receive_sender=yes", "-o", "dgram_sink_receive_credentials=yes",
                      "-o", "dgram_sink_check_sequence=no"},
                     5);
  ASSERT_GE(words.size(), 2u);
  EXPECT_NE(std::find(words.begin(), words.end(), "datagrams=5"), words.end());
  EXPECT_NE(std::find(words.begin(), words.end(), "truncated=0"), words.end());
  EXPECT_EQ(words.back(), "credentials=5");
}

TEST_F(SinkReceive, ABadValueIsRefusedNamingTheParameter) {
  start({"-o", "dgram_sink_receive_credentials=maybe"});
  ASSERT_TRUE(eventually([&] { return socket_ready(); })) << err();
  send("x");
  ASSERT_TRUE(eventually([&] { return err().find("dgram_sink_receive_credentials") != std::string::npos; }))
      << err();
  EXPECT_EQ(::kill(child_.pid, SIGTERM), 0);
  (void)testing::finish_tool(child_, 30s);
  child_.pid = -1;
}

}  // namespace
}  // namespace dgram
