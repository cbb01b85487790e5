// SPDX-License-Identifier: MIT
// counters_test - the service counters' parts, each against its own table
// or a real file: the queue-time buckets and percentiles, the counter
// file's header check (another magic, version or layout is refused, never
// misread), creating and re-opening a file (children add into one), a
// wake-up's counts added at flush, the statistics line and which child
// logs it, where the file lives, and dgram-stat's table, OpenMetrics text
// and kept looks.
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "dgram/error.h"
#include "serve/counter_file.h"
#include "serve/queue_time.h"
#include "serve/service_counters.h"
#include "serve/stats_line.h"
#include "start/service_statistics.h"
#include "stat/last_look.h"
#include "stat/stat_report.h"
#include "support/temp_dir.h"

namespace dgram {
namespace {

using testing::TempDir;

TEST(QueueTime, BucketsFromTheirTable) {
  struct Row {
    std::uint64_t ns;
    std::size_t bucket;
  };
  const Row rows[] = {
      {0, 0},    {1, 0},    {1023, 0}, {1024, 1}, {1279, 1}, {1280, 2}, {1535, 2}, {1536, 3},
      {1791, 3}, {1792, 4}, {2047, 4}, {2048, 5}, {4096, 9}, {1000000, 40},
      {~std::uint64_t{0}, kQueueBuckets - 1},
  };
  for (const Row& row : rows) EXPECT_EQ(queue_bucket(row.ns, kQueueBuckets), row.bucket) << row.ns;
  // Every bucket's floor falls in it, and the one below its floor in the one before.
  for (std::size_t i = 1; i + 1 < kQueueBuckets; ++i) {
    EXPECT_EQ(queue_bucket(queue_bucket_floor(i), kQueueBuckets), i);
    EXPECT_EQ(queue_bucket(queue_bucket_floor(i) - 1, kQueueBuckets), i - 1);
    EXPECT_EQ(queue_bucket_ceiling(i, kQueueBuckets), queue_bucket_floor(i + 1));
    // At most 25% between a bucket's floor and ceiling.
    EXPECT_LE(queue_bucket_ceiling(i, kQueueBuckets), queue_bucket_floor(i) + queue_bucket_floor(i) / 4 + 1);
  }
}

TEST(QueueTime, PercentilesFromTheirTable) {
  std::vector<std::uint64_t> buckets(kQueueBuckets, 0);
  EXPECT_EQ(queue_percentile(buckets, 0.5, 0), 0u) << "nothing counted";
  buckets[queue_bucket(1500, kQueueBuckets)] = 50;    // 50 waits of about 1.5 us
  buckets[queue_bucket(100000, kQueueBuckets)] = 49;  // 49 of about 100 us
  buckets[queue_bucket(5000000, kQueueBuckets)] = 1;  // 1 of 5 ms
  EXPECT_EQ(queue_percentile(buckets, 0.5, 5000000), 1536u);  // bucket [1280, 1536)
  std::uint64_t p99 = queue_percentile(buckets, 0.99, 5000000);
  EXPECT_GE(p99, 100000u);
  EXPECT_LE(p99, 125000u);
  EXPECT_EQ(queue_percentile(buckets, 1.0, 5000000), 5000000u) << "capped by the longest wait";
  EXPECT_EQ(queue_percentile(buckets, 1.0, 4000000), 4000000u);
}

std::vector<char> header_bytes() {
  TempDir dir;
  CounterFile file = CounterFile::open_for_adding(dir.file("c"), "svc", std::nullopt);
  std::string text = dir.read("c");
  return {text.begin(), text.end()};
}

TEST(CounterFile, HeaderCheckRefusesWhatItCannotRead) {
  std::vector<char> good = header_bytes();
  ASSERT_EQ(good.size(), kCounterFileSize);
  EXPECT_EQ(check_counter_header(good.data(), good.size()), std::nullopt);
  struct Row {
    std::size_t offset;  // a byte to change (or size to cut to, when cut)
    bool cut;
    std::string said;
  };
  const Row rows[] = {
      {0, false, "is not a dgram-server counter file"},
      {8, false, "is a counter file of version 2; this build reads version 1"},
      {16, false, "has another layout"},
      {20, false, "has another layout"},
      {100, true, "is 100 bytes long, too short for a counter file"},
      {kCounterFileSize - 8, true, "has another layout"},
  };
  for (const Row& row : rows) {
    std::vector<char> bytes = good;
    std::size_t size = bytes.size();
    if (row.cut) {
      size = row.offset;
    } else {
      bytes[row.offset] = static_cast<char>(bytes[row.offset] + 1);
    }
    auto said = check_counter_header(bytes.data(), size);
    ASSERT_TRUE(said) << row.said;
    EXPECT_NE(said->find(row.said), std::string::npos) << *said;
  }
}

TEST(CounterFile, ChildrenAddIntoOneFileAndAReaderSeesTheTotals) {
  TempDir dir;
  std::string path = dir.file("sink");
  {
    CounterFile first = CounterFile::open_for_adding(path, "sink", std::nullopt);
    CounterFile second = CounterFile::open_for_adding(path, "other name is ignored", std::nullopt);
    first.add(Counter::datagrams, 3);
    second.add(Counter::datagrams, 4);
    second.raise_to(Counter::queue_ns_max, 10);
    first.raise_to(Counter::queue_ns_max, 7);
    EXPECT_TRUE(first.replace(Counter::stats_logged_ns, 0, 99));
    EXPECT_FALSE(second.replace(Counter::stats_logged_ns, 0, 100)) << "the first took it";
  }
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0644u);
  CounterFile reader = CounterFile::open_for_reading(path);
  CounterSnapshot totals = reader.snapshot();
  EXPECT_EQ(totals.service, "sink");
  EXPECT_EQ(totals[Counter::datagrams], 7u);
  EXPECT_EQ(totals[Counter::children_started], 2u);
  EXPECT_EQ(totals[Counter::queue_ns_max], 10u);
  EXPECT_EQ(totals[Counter::stats_logged_ns], 99u);
  EXPECT_GT(totals.created_unix_ns, 0u);
  reader.add(Counter::datagrams, 5);  // read-only: nothing happens
  EXPECT_EQ(reader.load(Counter::datagrams), 7u);
}

TEST(CounterFile, RefusesASymbolicLinkAnotherLayoutAndAStrangersFile) {
  TempDir dir;
  dir.write("target", "");
  ASSERT_EQ(::symlink(dir.file("target").c_str(), dir.file("link").c_str()), 0);
  try {
    CounterFile::open_for_adding(dir.file("link"), "s", std::nullopt);
    ADD_FAILURE() << "a symbolic link was followed";
  } catch (const Fatal& fatal) {
    EXPECT_EQ(std::string(fatal.what()), "counter file " + dir.file("link") + ": is a symbolic link");
  }
  dir.write("old", std::string(kCounterFileSize, 'x'));
  try {
    CounterFile::open_for_adding(dir.file("old"), "s", std::nullopt);
    ADD_FAILURE() << "a file of another kind was taken";
  } catch (const Fatal& fatal) {
    EXPECT_EQ(std::string(fatal.what()), "counter file " + dir.file("old") + ": is not a dgram-server counter file");
  }
  EXPECT_EQ(dir.read("old"), std::string(kCounterFileSize, 'x')) << "never rewritten";
  if (::geteuid() == 0) {
    dir.write("strange", "");
    ASSERT_EQ(::chown(dir.file("strange").c_str(), 4242, 4242), 0);
    try {
      CounterFile::open_for_adding(dir.file("strange"), "s", std::make_pair(uid_t{4343}, gid_t{4343}));
      ADD_FAILURE() << "another user's file was taken";
    } catch (const Fatal& fatal) {
      EXPECT_NE(std::string(fatal.what()).find("is owned by uid 4242, not by uid 4343"), std::string::npos)
          << fatal.what();
    }
    // A new file is given to the service's user.
    CounterFile given = CounterFile::open_for_adding(dir.file("given"), "s", std::make_pair(uid_t{4343}, gid_t{4344}));
    struct stat st {};
    ASSERT_EQ(::stat(dir.file("given").c_str(), &st), 0);
    EXPECT_EQ(st.st_uid, 4343u);
    EXPECT_EQ(st.st_gid, 4344u);
  }
}

TEST(ServiceCounters, AWakeUpsCountsReachTheFileAtFlushAndOnlyThen) {
  TempDir dir;
  CounterFile file = CounterFile::open_for_adding(dir.file("c"), "s", std::nullopt);
  ServiceCounters counters(&file);
  counters.wake_up();
  counters.served(100, false);
  counters.served(4096, true);
  counters.failed(1);
  counters.queued(500);
  counters.queued(2000000);
  counters.busy_turn();
  counters.gate_waited(1234);
  counters.receive_error();
  EXPECT_EQ(file.load(Counter::datagrams), 0u) << "nothing before the flush";
  counters.flush();
  counters.flush();  // a second flush adds nothing
  CounterSnapshot totals = file.snapshot();
  EXPECT_EQ(totals[Counter::datagrams], 2u);
  EXPECT_EQ(totals[Counter::bytes], 4196u);
  EXPECT_EQ(totals[Counter::wake_ups], 1u);
  EXPECT_EQ(totals[Counter::truncated], 1u);
  EXPECT_EQ(totals[Counter::failed], 1u);
  EXPECT_EQ(totals[Counter::busy_turns], 1u);
  EXPECT_EQ(totals[Counter::gate_wait_ns], 1234u);
  EXPECT_EQ(totals[Counter::receive_errors], 1u);
  EXPECT_EQ(totals[Counter::queue_samples], 2u);
  EXPECT_EQ(totals[Counter::queue_ns_sum], 2000500u);
  EXPECT_EQ(totals[Counter::queue_ns_max], 2000000u);
  EXPECT_EQ(totals.buckets[0], 1u);
  EXPECT_EQ(totals.buckets[queue_bucket(2000000, kQueueBuckets)], 1u);
  counters.add_dropped(7);  // at once, no flush needed
  EXPECT_EQ(file.load(Counter::dropped), 7u);
}

TEST(StatsLine, DueFromItsTable) {
  constexpr std::uint64_t s = 1000000000;
  struct Row {
    std::uint64_t now, last, interval;
    bool due;
  };
  const Row rows[] = {
      {100 * s, 0, 60 * s, true},         // never logged
      {100 * s, 99 * s, 60 * s, false},   // a second ago
      {154 * s, 100 * s, 60 * s, true},   // a tenth early is on time
      {153 * s, 100 * s, 60 * s, false},  // more is not
      {90 * s, 100 * s, 60 * s, true},    // the clock went back
  };
  for (const Row& row : rows) EXPECT_EQ(stats_line_due(row.now, row.last, row.interval), row.due) << row.now;
}

TEST(StatsLine, SaysTotalsRateAndQueueTime) {
  CounterSnapshot totals;
  totals.counters[static_cast<std::size_t>(Counter::datagrams)] = 1200;
  totals.counters[static_cast<std::size_t>(Counter::bytes)] = 120000;
  totals.counters[static_cast<std::size_t>(Counter::children_started)] = 3;
  totals.counters[static_cast<std::size_t>(Counter::gate_wait_ns)] = 4000000;
  EXPECT_EQ(stats_line(totals, 600, 60),
            "statistics: 1200 datagrams (10/s over 60s), 120000 bytes, 0 wake-ups, 0 truncated, 0 failed, "
            "0 dropped, 0 receive errors, 0 busy, gate wait 4ms, 3 children");
  totals.counters[static_cast<std::size_t>(Counter::queue_samples)] = 2;
  totals.counters[static_cast<std::size_t>(Counter::queue_ns_max)] = 3000000;
  totals.buckets[queue_bucket(1500, kQueueBuckets)] = 1;
  totals.buckets[queue_bucket(3000000, kQueueBuckets)] = 1;
  std::string line = stats_line(totals, 0, 0);
  EXPECT_EQ(line.find("(") , std::string::npos) << "no rate for the first line: " << line;
  EXPECT_NE(line.find("; queue time p50 1.54us p99 3ms max 3ms"), std::string::npos) << line;
}

TEST(HumanDuration, FromItsTable) {
  EXPECT_EQ(human_duration(0), "0ns");
  EXPECT_EQ(human_duration(999), "999ns");
  EXPECT_EQ(human_duration(1500), "1.5us");
  EXPECT_EQ(human_duration(2500000), "2.5ms");
  EXPECT_EQ(human_duration(3250000000ULL), "3.250s");
}

TEST(ServiceStatistics, OneSiblingLogsEachIntervalsLine) {
  TempDir dir;
  std::string path = dir.file("stats/sink");
  ServiceStatistics first(path, "sink", std::nullopt, true);
  ServiceStatistics second(path, "sink", std::nullopt, true);
  std::vector<std::string> lines;
  Log log("test");
  log.set_sink([&](Severity, std::string_view text) { lines.emplace_back(text); });
  constexpr std::uint64_t s = 1000000000;
  first.counters().served(10, false);
  first.counters().flush();
  EXPECT_TRUE(first.tick(log, 1000 * s, 60 * s));
  EXPECT_FALSE(second.tick(log, 1001 * s, 60 * s)) << "the first has logged this interval's line";
  second.counters().served(10, false);
  second.counters().served(10, false);
  EXPECT_TRUE(second.tick(log, 1060 * s, 60 * s)) << "its own counts flushed before it reads";
  EXPECT_FALSE(first.tick(log, 1061 * s, 60 * s));
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_NE(lines[0].find("statistics: 1 datagrams, 10 bytes"), std::string::npos) << lines[0];
  EXPECT_NE(lines[1].find("statistics: 3 datagrams (0/s over 60s), 30 bytes"), std::string::npos) << lines[1];
}

TEST(ServiceStatistics, WhereTheFileLives) {
  EXPECT_EQ(counter_file_path("/x/f", "/d", true, "sink"), "/x/f");
  EXPECT_EQ(counter_file_path("/x/f", "/d", false, "sink"), "/x/f");
  EXPECT_EQ(counter_file_path("", "/d/", true, "sink"), "/d/sink");
  EXPECT_EQ(counter_file_path("", "/d", false, "sink"), std::nullopt) << "systemd, --listen: only when asked";
  EXPECT_EQ(counter_file_path("", "", true, "sink"), std::nullopt) << "turned off";
  EXPECT_EQ(counter_file_name("private/a%b"), "private%2Fa%25b");
  EXPECT_EQ(counter_file_name(".."), "%..");
  EXPECT_EQ(counter_file_name(""), "%");
}

TEST(ServiceStatistics, AFailureNamesThePathAndHowToTurnItOff) {
  try {
    ServiceStatistics statistics("/nonexistent-dgram-test/a/b", "s", std::nullopt, true);
    ADD_FAILURE() << "opened";
  } catch (const Fatal& fatal) {
    std::string text = fatal.what();
    EXPECT_EQ(text.find("counter file /nonexistent-dgram-test/a/b: mkdir /nonexistent-dgram-test/a: "), 0u) << text;
    EXPECT_NE(text.find("dgram_stats_directory"), std::string::npos) << text;
  }
}

Look look_of(const std::string& service, std::uint64_t datagrams, std::uint64_t at_ns) {
  Look look;
  look.path = "/d/" + service;
  look.totals.service = service;
  look.totals.created_unix_ns = 1700000000000000000ULL;
  look.totals.counters[static_cast<std::size_t>(Counter::datagrams)] = datagrams;
  look.at_ns = at_ns;
  return look;
}

TEST(StatReport, TableGivesRatesOnlyAgainstALookAtTheSameFile) {
  constexpr std::uint64_t s = 1000000000;
  std::vector<Look> looks = {look_of("sink", 3000, 12 * s), look_of("logd", 10, 12 * s)};
  std::vector<std::optional<EarlierLook>> earlier = {
      EarlierLook{1700000000000000000ULL, 10 * s, 1000, 0},  // two seconds before: 1000/s
      EarlierLook{1, 10 * s, 0, 0},                          // another file of that name
  };
  std::string table = format_table(looks, earlier);
  std::vector<std::string> rows;
  for (std::size_t at = 0, end; (end = table.find('\n', at)) != std::string::npos; at = end + 1) {
    rows.push_back(table.substr(at, end - at));
  }
  ASSERT_EQ(rows.size(), 3u) << table;
  EXPECT_EQ(rows[0].find("SERVICE"), 0u);
  EXPECT_NE(rows[1].find(" 3000       1000 "), std::string::npos) << rows[1];
  EXPECT_NE(rows[2].find(" 10          - "), std::string::npos) << rows[2];
}

TEST(StatReport, OpenMetricsNamesEachCounterWithItsServiceLabel) {
  Look look = look_of("we\"ird\\name", 100000, 1);
  look.totals.counters[static_cast<std::size_t>(Counter::queue_samples)] = 2;
  look.totals.buckets[0] = 1;
  look.totals.buckets[3] = 1;
  std::string text = format_openmetrics({look});
  EXPECT_NE(text.find("# TYPE dgram_datagrams counter\n"), std::string::npos);
  EXPECT_NE(text.find("dgram_datagrams_total{service=\"we\\\"ird\\\\name\"} 100000\n"), std::string::npos) << text;
  EXPECT_NE(text.find("dgram_queue_time_seconds_bucket{service=\"we\\\"ird\\\\name\",le=\"+Inf\"} 2\n"),
            std::string::npos);
  EXPECT_EQ(text.substr(text.size() - 6), "# EOF\n");
}

TEST(LastLook, KeptLinesReadBackAndBadOnesSkipped) {
  LastLooks looks;
  looks["/d/sink"] = EarlierLook{1, 2, 3, 4};
  looks["/d/with space"] = EarlierLook{5, 6, 7, 8};
  std::string text = format_last_looks(looks);
  LastLooks back = parse_last_looks(text + "garbage line\n1 2 3\n9 9 9 9 relative\n");
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back["/d/with space"].datagrams, 7u);
  EXPECT_EQ(back["/d/sink"].bytes, 4u);
  EXPECT_EQ(last_look_path("/run/user/0", "/root"), "/run/user/0/dgram-stat.looks");
  EXPECT_EQ(last_look_path(nullptr, "/root"), "/root/.cache/dgram-stat.looks");
  EXPECT_EQ(last_look_path("relative", nullptr), std::nullopt);
  TempDir dir;
  ASSERT_EQ(write_last_looks(dir.file("cache/looks"), looks), std::nullopt);
  EXPECT_EQ(read_last_looks(dir.file("cache/looks")).size(), 2u);
}

}  // namespace
}  // namespace dgram
