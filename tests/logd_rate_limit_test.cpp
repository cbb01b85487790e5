// SPDX-License-Identifier: MIT
// logd_rate_limit_test - dgram-logd's rate limit as a pure class
// (rate_limit.h), from tables and against a model built of standard
// containers. Single-threaded, in-process.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <list>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

#include "rate_limit.h"

namespace dgram::logd {
namespace {

using namespace std::chrono_literals;
using std::chrono::nanoseconds;

constexpr pid_t kSelf = 10;
constexpr pid_t kMaster = 1;

// One record and what the limit must say about it.
struct Step {
  std::optional<pid_t> pid;
  nanoseconds at;
  bool pass;
  std::optional<RateNotice> notice = std::nullopt;
};

struct Table {
  const char* name;
  std::uint32_t burst;
  std::vector<Step> steps;
};

TEST(LogdRateLimit, DecidesEachRecordFromTheTable) {
  const Table tables[] = {
      {"the burst passes, the record after it is dropped", 3,
       {{100, 0s, true}, {100, 0s, true}, {100, 0s, true}, {100, 0s, false}, {100, 1s, false}}},
      {"a burst of 1", 1, {{100, 0s, true}, {100, 0s, false}, {100, 10s, true, RateNotice{100, 1}}}},
      {"the window ends exactly one interval after its first record", 2,
       {{100, 0s, true}, {100, 1s, true}, {100, 2s, false}, {100, 10s - 1ns, false},
        {100, 10s, true, RateNotice{100, 2}}, {100, 10s, true}, {100, 11s, false}}},
      {"the window starts at the first record, not at time 0", 1,
       {{100, 5s, true}, {100, 14s, false}, {100, 15s, true, RateNotice{100, 1}}}},
      {"a window that dropped nothing owes nothing", 2,
       {{100, 0s, true}, {100, 1s, true}, {100, 10s, true}, {100, 20s, true}}},
      {"the notice is given once: the next window starts from zero", 1,
       {{100, 0s, true}, {100, 0s, false}, {100, 0s, false}, {100, 10s, true, RateNotice{100, 2}},
        {100, 20s, true}, {100, 30s, true}}},
      {"a late record after a long silence starts one new window", 1,
       {{100, 0s, true}, {100, 1s, false}, {100, 1000s, true, RateNotice{100, 1}}, {100, 1001s, false}}},
      {"senders are counted apart", 1,
       {{100, 0s, true}, {200, 0s, true}, {100, 1s, false}, {200, 1s, false}, {300, 1s, true},
        {200, 10s, true, RateNotice{200, 1}}, {100, 10s, true, RateNotice{100, 1}}, {300, 10s, false}}},
      {"dgram-logd itself and the master are never limited", 1,
       {{kSelf, 0s, true}, {kSelf, 0s, true}, {kSelf, 0s, true}, {kMaster, 0s, true}, {kMaster, 0s, true}}},
      {"a record without credentials is never limited", 1,
       {{std::nullopt, 0s, true}, {std::nullopt, 0s, true}, {std::nullopt, 0s, true}, {100, 0s, true},
        {std::nullopt, 0s, true}, {100, 0s, false}}},
  };
  for (const auto& table : tables) {
    SCOPED_TRACE(table.name);
    RateLimit limit(10s, table.burst, {kSelf, kMaster});
    for (std::size_t i = 0; i < table.steps.size(); ++i) {
      const Step& step = table.steps[i];
      RateLimit::Verdict verdict = limit.admit(step.pid, step.at);
      EXPECT_EQ(verdict.pass, step.pass) << "step " << i;
      EXPECT_EQ(verdict.notice, step.notice) << "step " << i;
    }
  }
}

TEST(LogdRateLimit, ExemptAndUncredentialedRecordsAreNotTracked) {
  RateLimit limit(10s, 1, {kSelf, kMaster});
  for (int i = 0; i < 100; ++i) {
    EXPECT_TRUE(limit.admit(kSelf, 0s).pass);
    EXPECT_TRUE(limit.admit(kMaster, 0s).pass);
    EXPECT_TRUE(limit.admit(std::nullopt, 0s).pass);
  }
  EXPECT_EQ(limit.tracked(), 0u);
  EXPECT_TRUE(limit.flush().empty());
}

TEST(LogdRateLimit, SweepGivesTheNoticeOfAnEndedWindowOnceAndForgetsTheSender) {
  RateLimit limit(10s, 2, {});
  for (int i = 0; i < 100; ++i) limit.admit(100, 0s);  // 98 dropped
  limit.admit(200, 5s);                                 // nothing dropped
  for (int i = 0; i < 5; ++i) limit.admit(300, 5s);     // 3 dropped
  EXPECT_TRUE(limit.sweep(10s - 1ns).empty());
  EXPECT_EQ(limit.tracked(), 3u);
  EXPECT_EQ(limit.sweep(10s), (std::vector<RateNotice>{{100, 98}}));
  EXPECT_EQ(limit.tracked(), 2u);
  EXPECT_TRUE(limit.sweep(12s).empty());
  // 200 dropped nothing: forgotten without a notice.
  EXPECT_EQ(limit.sweep(15s), (std::vector<RateNotice>{{300, 3}}));
  EXPECT_EQ(limit.tracked(), 0u);
  EXPECT_TRUE(limit.sweep(100s).empty());
  // Forgotten means a fresh window: the burst passes again.
  EXPECT_TRUE(limit.admit(100, 100s).pass);
  EXPECT_TRUE(limit.admit(100, 100s).pass);
  EXPECT_FALSE(limit.admit(100, 100s).pass);
}

TEST(LogdRateLimit, TheNoticeOfAWindowSweptIsNotGivenAgainByTheNextRecord) {
  RateLimit limit(10s, 1, {});
  limit.admit(100, 0s);
  limit.admit(100, 0s);
  EXPECT_EQ(limit.sweep(10s), (std::vector<RateNotice>{{100, 1}}));
  EXPECT_EQ(limit.admit(100, 11s).notice, std::nullopt);
  EXPECT_TRUE(limit.flush().empty());
}

TEST(LogdRateLimit, FlushGivesEveryNoticeStillOwedLeastRecentlySeenFirst) {
  RateLimit limit(10s, 1, {});
  for (pid_t pid : {100, 200, 300}) {
    limit.admit(pid, 0s);
    limit.admit(pid, 0s);
  }
  limit.admit(400, 0s);       // nothing dropped
  limit.admit(100, 1s);       // 100 is now the most recently seen
  EXPECT_EQ(limit.flush(), (std::vector<RateNotice>{{200, 1}, {300, 1}, {100, 2}}));
  EXPECT_EQ(limit.tracked(), 0u);
  EXPECT_TRUE(limit.flush().empty());
}

TEST(LogdRateLimit, TracksAtMost4096SendersAndEvictsTheLeastRecentlySeen) {
  ASSERT_EQ(RateLimit::kMaxSenders, 4096u);
  RateLimit limit(10s, 1, {});
  const pid_t first = 1000;
  // 1000 drops one record; then 4095 more senders, one record each.
  EXPECT_TRUE(limit.admit(first, 0s).pass);
  EXPECT_FALSE(limit.admit(first, 0s).pass);
  for (pid_t pid = first + 1; pid < first + 4096; ++pid) {
    RateLimit::Verdict verdict = limit.admit(pid, 1s);
    ASSERT_TRUE(verdict.pass) << pid;
    ASSERT_EQ(verdict.notice, std::nullopt) << pid;
  }
  EXPECT_EQ(limit.tracked(), 4096u);
  // The 4097th evicts 1000, the least recently seen, whose drop is told now.
  RateLimit::Verdict verdict = limit.admit(9000, 2s);
  EXPECT_TRUE(verdict.pass);
  EXPECT_EQ(verdict.notice, (RateNotice{first, 1}));
  EXPECT_EQ(limit.tracked(), 4096u);
  // 1001 is touched and so kept; the next newcomer evicts 1002 (no drops: no notice).
  EXPECT_FALSE(limit.admit(first + 1, 2s).pass);
  verdict = limit.admit(9001, 2s);
  EXPECT_TRUE(verdict.pass);
  EXPECT_EQ(verdict.notice, std::nullopt);
  // 1000 comes back as a new sender: a new window, and 1003 goes.
  verdict = limit.admit(first, 3s);
  EXPECT_TRUE(verdict.pass);
  EXPECT_EQ(verdict.notice, std::nullopt);
  // 1002 was evicted: it starts a new window too (and 1004 goes).
  EXPECT_TRUE(limit.admit(first + 2, 3s).pass);
  // Every sender still tracked is still found: its second record in the window is dropped.
  for (pid_t pid = first + 5; pid < first + 4096; ++pid) ASSERT_FALSE(limit.admit(pid, 4s).pass) << pid;
  EXPECT_EQ(limit.tracked(), 4096u);
  // At exit: 1001 and the 4091 above owe one notice each; 9000, 9001, 1000
  // and 1002 dropped nothing.
  auto notices = limit.flush();
  EXPECT_EQ(notices.size(), 4092u);
  std::uint64_t total = 0;
  for (const auto& notice : notices) total += notice.dropped;
  EXPECT_EQ(total, 4092u);
  EXPECT_EQ(notices.back(), (RateNotice{first + 4095, 1}));
  EXPECT_EQ(limit.tracked(), 0u);
}

// The same decisions made with std::list and std::unordered_map, to check
// the pool, the open-addressing table and the chain under churn.
class ModelLimit {
 public:
  ModelLimit(nanoseconds interval, std::uint32_t burst) : interval_(interval), burst_(burst) {}

  RateLimit::Verdict admit(pid_t pid, nanoseconds now) {
    RateLimit::Verdict verdict;
    auto found = index_.find(pid);
    if (found != index_.end()) {
      order_.splice(order_.end(), order_, found->second);
      Entry& entry = *found->second;
      if (now - entry.start >= interval_) {
        verdict.notice = end(entry);
        entry.start = now;
      }
    } else {
      if (order_.size() == RateLimit::kMaxSenders) {
        verdict.notice = end(order_.front());
        index_.erase(order_.front().pid);
        order_.pop_front();
      }
      order_.push_back(Entry{pid, 0, 0, now});
      index_[pid] = std::prev(order_.end());
    }
    Entry& entry = order_.back();
    if (entry.passed < burst_) {
      ++entry.passed;
    } else {
      ++entry.dropped;
      verdict.pass = false;
    }
    return verdict;
  }

  std::vector<RateNotice> sweep(nanoseconds now) {
    std::vector<RateNotice> notices;
    for (auto it = order_.begin(); it != order_.end();) {
      if (now - it->start < interval_) {
        ++it;
        continue;
      }
      if (auto notice = end(*it)) notices.push_back(*notice);
      index_.erase(it->pid);
      it = order_.erase(it);
    }
    return notices;
  }

  std::size_t tracked() const { return order_.size(); }

 private:
  struct Entry {
    pid_t pid;
    std::uint32_t passed;
    std::uint64_t dropped;
    nanoseconds start;
  };
  static std::optional<RateNotice> end(Entry& entry) {
    std::optional<RateNotice> notice;
    if (entry.dropped > 0) notice = RateNotice{entry.pid, entry.dropped};
    entry.passed = 0;
    entry.dropped = 0;
    return notice;
  }

  nanoseconds interval_;
  std::uint32_t burst_;
  std::list<Entry> order_;
  std::unordered_map<pid_t, std::list<Entry>::iterator> index_;
};

TEST(LogdRateLimit, AgreesWithAModelUnderChurn) {
  std::mt19937 random(19);  // fixed: the same run every time
  for (pid_t pid_range : {300, 5000, 20000}) {
    SCOPED_TRACE("pids 1.." + std::to_string(pid_range));
    RateLimit limit(1s, 3, {});
    ModelLimit model(1s, 3);
    nanoseconds now{0};
    std::uniform_int_distribution<pid_t> pick(1, pid_range);
    std::uniform_int_distribution<int> step(0, 200);  // microseconds
    for (int i = 0; i < 150000; ++i) {  // enough for runs that wrap round the table's end
      now += std::chrono::microseconds(step(random));
      if (i % 15000 == 14999) {  // seldom enough that 4096 are passed and evicted
        ASSERT_EQ(limit.sweep(now), model.sweep(now)) << "sweep at record " << i;
      }
      pid_t pid = pick(random);
      RateLimit::Verdict got = limit.admit(pid, now);
      RateLimit::Verdict want = model.admit(pid, now);
      ASSERT_EQ(got.pass, want.pass) << "record " << i << " from " << pid;
      ASSERT_EQ(got.notice, want.notice) << "record " << i << " from " << pid;
      ASSERT_EQ(limit.tracked(), model.tracked()) << "record " << i;
    }
  }
}

TEST(LogdRateLimit, RefusesANonPositiveIntervalAndABurstBelowOne) {
  EXPECT_THROW(RateLimit(0s, 1, {}), std::invalid_argument);
  EXPECT_THROW(RateLimit(-1s, 1, {}), std::invalid_argument);
  EXPECT_THROW(RateLimit(1s, 0, {}), std::invalid_argument);
  EXPECT_NO_THROW(RateLimit(1ns, 1, {}));
}

TEST(LogdRateLimit, TheNoticeLine) {
  EXPECT_EQ(rate_notice_text({1234, 90}, 10, 10), "dropped 90 records from pid 1234 (rate limit: 10 records per 10s)");
  EXPECT_EQ(rate_notice_text({7, 1}, 1, 3600), "dropped 1 records from pid 7 (rate limit: 1 records per 3600s)");
}


struct SetupCase {
  const char* main_cf;
  std::vector<std::string> argv;
  bool on;
};

}  // namespace
}  // namespace dgram::logd
