// SPDX-License-Identifier: MIT
// sink_receive_test - dgram-sink's dgram_sink_receive_sender and
// dgram_sink_receive_credentials parameters, run as a real program under
// dgram-launch: off by default (credentials=0 closes the summary), and with
// credentials on every datagram sent once the child is serving carries them;
// and its latency mode (dgram_sink_latency_*): one delay per stamped
// datagram, each between 0 and the time the test waited, in the report line
// and the samples file.
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
#include "serve/counter_file.h"
#include "serve/queue_time.h"
#include "latency_stamp.h"
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

// The queue-time histogram against a service that sleeps a known time: 10
// datagrams sent at once to a sink that sleeps 20 ms on each wait about 0,
// 20, ..., 180 ms in the socket (the i-th waits for the i before it), so
// the counter file must hold 10 times adding up to at least 900 ms, a
// median of at least 80 ms and a longest of at least 180 ms (the upper
// bounds leave a loaded machine a second).
TEST_F(SinkReceive, TimeInTheQueueOfASleepingServiceIsCounted) {
  std::string counters = dir_.file("counters");
  auto words = serve({"-o", "dgram_sink_receive_timestamp=yes", "-o", "dgram_sink_work_usec=20000", "-o",
                      "dgram_stats_file=" + counters, "-o", "dgram_sink_check_sequence=no"},
                     10);
  EXPECT_NE(std::find(words.begin(), words.end(), "datagrams=10"), words.end());
  CounterSnapshot totals = CounterFile::open_for_reading(counters).snapshot();
  constexpr std::uint64_t ms = 1000000;
  EXPECT_EQ(totals[Counter::datagrams], 10u);
  EXPECT_EQ(totals[Counter::children_started], 1u);
  EXPECT_EQ(totals[Counter::queue_samples], 10u);
  std::uint64_t max = totals[Counter::queue_ns_max];
  EXPECT_GE(totals[Counter::queue_ns_sum], 900 * ms);
  EXPECT_LT(totals[Counter::queue_ns_sum], 900 * ms + 10 * 1000 * ms);
  EXPECT_GE(max, 180 * ms);
  EXPECT_LT(max, 1180 * ms);
  std::uint64_t median = queue_percentile(totals.buckets, 0.5, max);
  EXPECT_GE(median, 80 * ms);
  EXPECT_LT(median, 1100 * ms);
  std::uint64_t in_buckets = 0;
  for (std::uint64_t count : totals.buckets) in_buckets += count;
  EXPECT_EQ(in_buckets, 10u);
}

TEST_F(SinkReceive, WithoutTimestampsNoQueueTimeIsCounted) {
  std::string counters = dir_.file("counters");
  serve({"-o", "dgram_stats_file=" + counters}, 5);
  CounterSnapshot totals = CounterFile::open_for_reading(counters).snapshot();
  EXPECT_EQ(totals[Counter::datagrams], 5u);
  EXPECT_EQ(totals[Counter::bytes], std::string("datagram 0").size() * 5);
  EXPECT_EQ(totals[Counter::queue_samples], 0u);
}

// dgram_stats_interval: the child logs the statistics line with the totals
// of its counter file, the first one a second after it started, and again
// every second, the rate in the lines after the first.
TEST_F(SinkReceive, TheStatisticsLineComesEveryIntervalWithTheTotals) {
  std::string counters = dir_.file("counters");
  start({"-o", "dgram_stats_file=" + counters, "-o", "dgram_stats_interval=1s", "-o", "max_use=0"});
  ASSERT_TRUE(eventually([&] { return err().find("receive batch") != std::string::npos; })) << err();
  for (int i = 0; i < 3; ++i) send("datagram " + std::to_string(i));
  ASSERT_TRUE(eventually([&] { return err().find("statistics: 3 datagrams (") != std::string::npos; })) << err();
  std::string text = err();
  std::size_t line = text.find("statistics: 3 datagrams (");
  std::string rest = text.substr(line, text.find('\n', line) - line);
  EXPECT_NE(rest.find("/s over 1s), 30 bytes, "), std::string::npos) << rest;
  EXPECT_NE(rest.find(", 1 children"), std::string::npos) << rest;
  EXPECT_EQ(rest.find("queue time"), std::string::npos) << "no timestamps asked for: " << rest;
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

TEST_F(SinkReceive, LatencyModeRecordsEveryStampedDatagramOnce) {
  const std::string report = dir_.file("latency.report");
  const std::string samples = dir_.file("latency.samples");
  constexpr int kStamped = 20;
  // One datagram too short for a stamp, then the stamped ones; the child
  // ends itself after all of them (max_use), so none is left unserved.
  start({"-o", "dgram_sink_latency_report_file=" + report, "-o",
         "dgram_sink_latency_samples_file=" + samples, "-o",
         "max_use=" + std::to_string(kStamped + 1)});
  ASSERT_TRUE(eventually([&] { return socket_ready(); })) << err();
  ASSERT_TRUE(eventually([&] { return err().find("receive batch") != std::string::npos; })) << err();
  send("short");
  const std::int64_t first_sent = latency::stamp_clock_ns();
  for (int i = 0; i < kStamped; ++i) {
    std::string datagram(100, 'x');
    latency::write_stamp(datagram.data(), latency::stamp_clock_ns());
    send(datagram);
  }
  ASSERT_TRUE(eventually([&] { return dir_.read("latency.report").find('\n') != std::string::npos; }))
      << err();
  const std::int64_t waited = latency::stamp_clock_ns() - first_sent;
  EXPECT_EQ(::kill(child_.pid, SIGTERM), 0);
  auto r = testing::finish_tool(child_, 30s);
  child_.pid = -1;
  EXPECT_EQ(r.exit_code(), 0) << r.err;

  // The report: one line, every stamped datagram counted once, the short one apart.
  std::string line = dir_.read("latency.report");
  EXPECT_EQ(line.find('\n'), line.size() - 1) << "one report line expected: " << line;
  auto words = words_of(line);
  ASSERT_GE(words.size(), 2u) << line;
  EXPECT_EQ(words[0], "exit:");
  for (const std::string& expected : {"count=" + std::to_string(kStamped), "kept=" + std::to_string(kStamped),
                                      std::string("malformed=1")}) {
    EXPECT_NE(std::find(words.begin(), words.end(), expected), words.end()) << expected << " in " << line;
  }
  // The samples: one 8-byte delay per stamped datagram, none negative, none
  // longer than the test waited from its first send to the report.
  std::string raw = dir_.read("latency.samples");
  ASSERT_EQ(raw.size(), kStamped * sizeof(std::int64_t));
  for (std::size_t at = 0; at < raw.size(); at += sizeof(std::int64_t)) {
    std::int64_t delay = 0;
    std::memcpy(&delay, raw.data() + at, sizeof(delay));
    EXPECT_GE(delay, 0) << "sample " << at / sizeof(delay);
    EXPECT_LE(delay, waited) << "sample " << at / sizeof(delay);
  }
  // The counting summary saw the same datagrams.
  auto summary = words_of(dir_.read("summary"));
  EXPECT_NE(std::find(summary.begin(), summary.end(), "datagrams=" + std::to_string(kStamped + 1)),
            summary.end());
}

TEST_F(SinkReceive, LatencyModeIsOffByDefault) {
  auto words = serve({}, 3);
  EXPECT_NE(std::find(words.begin(), words.end(), "datagrams=3"), words.end());
  EXPECT_EQ(err().find(" kept="), std::string::npos) << "a latency line was logged: " << err();
}

}  // namespace
}  // namespace dgram
