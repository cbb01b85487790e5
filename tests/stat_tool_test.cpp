// SPDX-License-Identifier: MIT
// stat_tool_test - dgram-stat as a program, on counter files made here:
// the table from -f and from main.cf's dgram_stats_directory, the rate
// since the previous look (kept in $XDG_RUNTIME_DIR), --watch's tables,
// --openmetrics, and a file it cannot read (named, the others still shown,
// status 1) or a bad option (status 2).
#include <sys/stat.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "dgram/embedding.h"
#include "serve/counter_file.h"
#include "support/temp_dir.h"
#include "tool_run.h"

namespace dgram {
namespace {

using namespace std::chrono_literals;
using testing::TempDir;

class StatTool : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* stat = std::getenv("DGRAM_STAT");
    ASSERT_NE(stat, nullptr) << "DGRAM_STAT is set by tests/meson.build";
    stat_ = stat;
    ASSERT_EQ(::mkdir(dir_.file("stats").c_str(), 0755), 0);
  }
  // A counter file of service with datagrams counted.
  std::string make_file(const std::string& service, std::uint64_t datagrams) {
    std::string path = dir_.file("stats/" + service);
    CounterFile file = CounterFile::open_for_adding(path, service, std::nullopt);
    file.add(Counter::datagrams, datagrams);
    file.add(Counter::bytes, datagrams * 100);
    return path;
  }
  testing::ToolResult run(std::vector<std::string> words, std::chrono::milliseconds bound = 20s) {
    words.insert(words.begin(), stat_);
    auto env = process_environment();
    env["XDG_RUNTIME_DIR"] = dir_.path();
    env.erase("MAIL_CONFIG");
    auto child = testing::start_tool(words, dir_.file("out"), dir_.file("err"), env);
    return testing::finish_tool(child, bound);
  }

  TempDir dir_;
  std::string stat_;
};

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  for (std::size_t at = 0, end; (end = text.find('\n', at)) != std::string::npos; at = end + 1) {
    lines.push_back(text.substr(at, end - at));
  }
  return lines;
}

TEST_F(StatTool, ATableOfTheNamedFilesThenRatesSinceThePreviousLook) {
  std::string path = make_file("sink", 1000);
  auto first = run({"-f", path});
  EXPECT_EQ(first.exit_code(), 0) << first.err;
  auto rows = lines_of(first.out);
  ASSERT_EQ(rows.size(), 2u) << first.out;
  EXPECT_EQ(rows[1].rfind("sink ", 0), 0u) << rows[1];
  EXPECT_NE(rows[1].find(" 1000          - "), std::string::npos) << "no earlier look yet: " << rows[1];
  CounterFile::open_for_adding(path, "sink", std::nullopt).add(Counter::datagrams, 500);
  auto second = run({"-f", path});
  rows = lines_of(second.out);
  ASSERT_EQ(rows.size(), 2u) << second.out;
  EXPECT_NE(rows[1].find(" 1500 "), std::string::npos) << rows[1];
  // A rate now: 500 since the first look, over however long that was.
  std::string after = rows[1].substr(rows[1].find(" 1500 ") + 6);
  EXPECT_GT(std::strtod(after.c_str(), nullptr), 0) << rows[1];
}

TEST_F(StatTool, FindsTheFilesWhereMainCfSaysAndTheNamedServices) {
  make_file("sink", 7);
  make_file("postlog", 9);
  dir_.write("main.cf", "data_directory = " + dir_.path() + "\ndgram_stats_directory = $data_directory/stats\n");
  auto all = run({"-c", dir_.path()});
  EXPECT_EQ(all.exit_code(), 0) << all.err;
  auto rows = lines_of(all.out);
  ASSERT_EQ(rows.size(), 3u) << all.out;
  EXPECT_EQ(rows[1].rfind("postlog ", 0), 0u) << "sorted by file name: " << all.out;
  EXPECT_EQ(rows[2].rfind("sink ", 0), 0u);
  auto one = run({"-c", dir_.path(), "sink"});
  rows = lines_of(one.out);
  ASSERT_EQ(rows.size(), 2u) << one.out;
  EXPECT_EQ(rows[1].rfind("sink ", 0), 0u);
}

TEST_F(StatTool, WatchPrintsATableEachIntervalWithItsRate) {
  std::string path = make_file("sink", 10);
  auto watched = run({"--watch", "-i", "1", "-n", "2", "-f", path});
  EXPECT_EQ(watched.exit_code(), 0) << watched.err;
  auto rows = lines_of(watched.out);
  ASSERT_EQ(rows.size(), 5u) << watched.out;  // header, row, blank, header, row
  EXPECT_EQ(rows[2], "");
  EXPECT_NE(rows[4].find(" 10          0 "), std::string::npos) << "nothing new in a second: " << rows[4];
}

TEST_F(StatTool, OpenMetricsForTheGivenFile) {
  std::string path = make_file("sink", 100000);
  auto metrics = run({"--openmetrics", "-f", path});
  EXPECT_EQ(metrics.exit_code(), 0) << metrics.err;
  EXPECT_NE(metrics.out.find("\ndgram_datagrams_total{service=\"sink\"} 100000\n"), std::string::npos)
      << metrics.out;
  EXPECT_EQ(metrics.out.substr(metrics.out.size() - 6), "# EOF\n");
}

TEST_F(StatTool, AFileItCannotReadIsNamedAndTheOthersAreStillShown) {
  std::string good = make_file("sink", 3);
  dir_.write("stats/old", std::string(kCounterFileSize, '\0'));
  auto result = run({"-f", dir_.file("stats/old"), "-f", good, "-f", dir_.file("stats/missing")});
  EXPECT_EQ(result.exit_code(), 1);
  EXPECT_NE(result.err.find("dgram-stat: counter file " + dir_.file("stats/old") +
                            ": is not a dgram-server counter file\n"),
            std::string::npos)
      << result.err;
  EXPECT_NE(result.err.find("dgram-stat: counter file " + dir_.file("stats/missing") +
                            ": open: No such file or directory\n"),
            std::string::npos)
      << result.err;
  EXPECT_EQ(lines_of(result.out).size(), 2u) << result.out;
}

TEST_F(StatTool, ABadOptionIsStatusTwo) {
  auto bad = run({"-x"});
  EXPECT_EQ(bad.exit_code(), 2);
  EXPECT_NE(bad.err.find("dgram-stat: unknown option or missing value: -x"), std::string::npos) << bad.err;
  auto both = run({"--watch", "--openmetrics"});
  EXPECT_EQ(both.exit_code(), 2);
  auto number = run({"--watch", "-i", "0"});
  EXPECT_EQ(number.exit_code(), 2);
  EXPECT_NE(number.err.find("-i: bad number: 0"), std::string::npos) << number.err;
}

}  // namespace
}  // namespace dgram
