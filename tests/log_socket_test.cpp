// SPDX-License-Identifier: MIT
// log_socket_test - what the log service sink is built on: the signal-safe
// calendar, the fixed-buffer writer, the time stamp and the non-blocking
// socket.
#include "log/log_socket.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <string>
#include <vector>

#include "support/log_receiver.h"
#include "support/temp_dir.h"

namespace dgram {
namespace {

using testing::LogReceiver;
using testing::TempDir;

TEST(CivilTime, AgreesWithGmtimeOverFourCenturies) {
  // From 1801 to 2200 in steps of a little over a day, so that every day of
  // the month, leap days and century years come by.
  constexpr long long kFrom = -5333126400LL;  // 1801-01-01
  constexpr long long kTo = 7258118400LL;     // 2200-01-01
  for (long long t = kFrom; t < kTo; t += 86400 + 3607) {
    std::time_t when = static_cast<std::time_t>(t);
    std::tm expected{};
    ASSERT_NE(::gmtime_r(&when, &expected), nullptr);
    std::tm got = civil_time(when, 0);
    ASSERT_EQ(got.tm_year, expected.tm_year) << t;
    ASSERT_EQ(got.tm_mon, expected.tm_mon) << t;
    ASSERT_EQ(got.tm_mday, expected.tm_mday) << t;
    ASSERT_EQ(got.tm_hour, expected.tm_hour) << t;
    ASSERT_EQ(got.tm_min, expected.tm_min) << t;
    ASSERT_EQ(got.tm_sec, expected.tm_sec) << t;
  }
}

TEST(CivilTime, AppliesTheOffset) {
  std::tm t = civil_time(0, -5 * 3600);  // the epoch in New York
  EXPECT_EQ(t.tm_year, 69);
  EXPECT_EQ(t.tm_mon, 11);
  EXPECT_EQ(t.tm_mday, 31);
  EXPECT_EQ(t.tm_hour, 19);
}

TEST(LogLocalTime, SignalSafeVariantFollowsTheLastOffset) {
  ::setenv("TZ", "EST5EDT", 1);
  ::tzset();
  constexpr std::time_t kDec5 = 1796454489;  // 2026-12-05 07:08:09 UTC
  std::tm normal = log_local_time(kDec5);
  std::tm safe = log_local_time_signal_safe(kDec5 + 60);
  EXPECT_EQ(normal.tm_hour, 2);
  EXPECT_EQ(safe.tm_hour, 2);
  EXPECT_EQ(safe.tm_min, 9);
  ::setenv("TZ", "UTC", 1);
  ::tzset();
}

TEST(AppendLogTime, PadsTheDayAsAsked) {
  struct Case {
    int mon, mday, hour, min, sec;
    DayPad pad;
    const char* expected;
  };
  const std::vector<Case> cases = {
      {0, 1, 0, 0, 0, DayPad::zero, "Jan 01 00:00:00"},
      {0, 1, 0, 0, 0, DayPad::space, "Jan  1 00:00:00"},
      {11, 31, 23, 59, 59, DayPad::zero, "Dec 31 23:59:59"},
      {10, 24, 4, 17, 11, DayPad::space, "Nov 24 04:17:11"},
      {4, 9, 9, 5, 7, DayPad::space, "May  9 09:05:07"},
  };
  for (const auto& c : cases) {
    std::tm t{};
    t.tm_mon = c.mon;
    t.tm_mday = c.mday;
    t.tm_hour = c.hour;
    t.tm_min = c.min;
    t.tm_sec = c.sec;
    char buffer[32];
    RecordWriter out(buffer, sizeof(buffer));
    append_log_time(out, t, c.pad);
    EXPECT_EQ(out.view(), c.expected);
  }
}

TEST(RecordWriter, CutsWhatDoesNotFit) {
  char buffer[8];
  RecordWriter out(buffer, sizeof(buffer));
  out.append("abc");
  EXPECT_FALSE(out.truncated());
  out.append("defghij");
  EXPECT_TRUE(out.truncated());
  EXPECT_EQ(out.view(), "abcdefgh");
  out.append('x');
  EXPECT_EQ(out.size(), 8u);
}

TEST(RecordWriter, Decimals) {
  struct Case {
    long value;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {0, "0"}, {7, "7"}, {4242, "4242"}, {-15, "-15"},
      {LONG_MAX, std::to_string(LONG_MAX)}, {LONG_MIN, std::to_string(LONG_MIN)},
  };
  for (const auto& c : cases) {
    char buffer[32];
    RecordWriter out(buffer, sizeof(buffer));
    out.append_decimal(c.value);
    EXPECT_EQ(out.view(), c.expected);
  }
}

TEST(LogDropNotice, SingularAndPlural) {
  EXPECT_EQ(log_drop_notice(1), "1 log record dropped");
  EXPECT_EQ(log_drop_notice(2), "2 log records dropped");
  EXPECT_EQ(log_drop_notice(12345), "12345 log records dropped");
}

TEST(LogSocket, ReportsWhyItCannotConnect) {
  TempDir dir;
  LogSocket absent(dir.file("nothing"));
  EXPECT_EQ(absent.connect(), ENOENT);
  EXPECT_EQ(absent.send("x"), ENOENT);
  EXPECT_EQ(absent.fd(), -1);

  LogSocket too_long(std::string(200, 'a'));
  EXPECT_EQ(too_long.connect(), ENAMETOOLONG);
  LogSocket empty("");
  EXPECT_EQ(empty.send("x"), ENAMETOOLONG);

  {
    LogReceiver gone(dir.file("stale"));
    gone.close();
  }
  LogSocket stale(dir.file("stale"));
  EXPECT_NE(stale.connect(), 0);
}

TEST(LogSocket, SetPathKeepsTheConnectionAndNamesTheNextOne) {
  TempDir dir;
  LogReceiver first(dir.file("first"));
  LogReceiver second(dir.file("second"));
  LogSocket socket(first.path());
  EXPECT_EQ(socket.send("to first"), 0);
  socket.set_path(second.path());  // as after a chroot
  EXPECT_GE(socket.fd(), 0);
  EXPECT_EQ(socket.send("still to first"), 0);
  first.close();  // the receiver goes away: the reconnect uses the new name
  EXPECT_EQ(socket.send("to second"), 0);
  EXPECT_EQ(second.receive().value_or(""), "to second");
}

TEST(LogSocket, ReconnectsOnceWhenTheReceiverWasRecreated) {
  TempDir dir;
  LogReceiver receiver(dir.file("log"));
  LogSocket socket(receiver.path());
  ASSERT_EQ(socket.send("one"), 0);
  receiver.rebind();
  EXPECT_EQ(socket.send("two"), 0);
  EXPECT_EQ(receiver.receive().value_or(""), "two");
  receiver.close();
  EXPECT_EQ(socket.send("three"), ENOENT);
}

TEST(LogSocket, FullQueueIsEagain) {
  TempDir dir;
  LogReceiver receiver(dir.file("log"));
  LogSocket socket(receiver.path());
  int error = 0;
  for (int i = 0; i < 100 && error == 0; ++i) error = socket.send("x");
  EXPECT_EQ(error, EAGAIN);
  EXPECT_GE(socket.fd(), 0);  // still connected: the receiver is only busy
}

}  // namespace
}  // namespace dgram
