// SPDX-License-Identifier: MIT
// syslog_sink_test - the exact datagrams of the log service sink with syslog
// framing, read from a socket bound in place of /dev/log; facilities,
// severities, reconnects, a full receiver queue and long records.
#include "log/log_service_sink.h"

#include <syslog.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "dgram/error.h"
#include "support/log_receiver.h"
#include "support/temp_dir.h"

namespace dgram {
namespace {

using testing::LogReceiver;
using testing::TempDir;

constexpr std::time_t kNov24 = 1795493831;  // 2026-11-24 04:17:11 UTC
constexpr std::time_t kDec5 = 1796454489;   // 2026-12-05 07:08:09 UTC

class SyslogSinkTest : public ::testing::Test {
 protected:
  SyslogSinkTest() {
    ::setenv("TZ", "UTC", 1);
    ::tzset();
  }

  LogServiceSink::Options options(int facility = LogServiceSink::kMailFacility) const {
    LogServiceSink::Options o;
    o.framing = LogFraming::syslog;
    o.path = receiver.path();
    o.facility = facility;
    o.clock = [] { return kDec5; };
    return o;
  }

  static LogRecord record(Severity severity, std::string_view text,
                          std::string_view program = "postfix/dgram-sink") {
    return LogRecord{severity, program, 4242, text, {}};
  }

  TempDir dir;
  LogReceiver receiver{dir.file("log")};
};

TEST_F(SyslogSinkTest, DefaultsAreThoseOfPostfix) {
  LogServiceSink::Options o;
  EXPECT_EQ(o.path, "/dev/log");
  EXPECT_EQ(o.facility, LOG_MAIL >> 3);
  EXPECT_EQ(o.max_text, 2000u);
}

TEST_F(SyslogSinkTest, FacilityNames) {
  struct Case {
    const char* name;
    int code;
  };
  const std::vector<Case> cases = {
      {"kern", LOG_KERN},       {"user", LOG_USER},     {"mail", LOG_MAIL},
      {"daemon", LOG_DAEMON},   {"auth", LOG_AUTH},     {"syslog", LOG_SYSLOG},
      {"lpr", LOG_LPR},         {"news", LOG_NEWS},     {"uucp", LOG_UUCP},
      {"cron", LOG_CRON},       {"authpriv", LOG_AUTHPRIV}, {"ftp", LOG_FTP},
      {"local0", LOG_LOCAL0},   {"local1", LOG_LOCAL1}, {"local2", LOG_LOCAL2},
      {"local3", LOG_LOCAL3},   {"local4", LOG_LOCAL4}, {"local5", LOG_LOCAL5},
      {"local6", LOG_LOCAL6},   {"local7", LOG_LOCAL7},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(syslog_facility(c.name), c.code >> 3) << c.name;
  }
}

TEST_F(SyslogSinkTest, UnknownFacilityIsFatal) {
  for (const char* name : {"", "MAIL", "mail ", "local8", "security", "bogus"}) {
    try {
      syslog_facility(name);
      ADD_FAILURE() << "accepted '" << name << "'";
    } catch (const Fatal& error) {
      EXPECT_EQ(std::string(error.what()), std::string("unknown syslog_facility: ") + name);
    }
  }
}

TEST_F(SyslogSinkTest, SeverityMapsToSyslogLevel) {
  EXPECT_EQ(syslog_severity(Severity::info), LOG_INFO);
  EXPECT_EQ(syslog_severity(Severity::warning), LOG_WARNING);
  EXPECT_EQ(syslog_severity(Severity::error), LOG_ERR);
  EXPECT_EQ(syslog_severity(Severity::fatal), LOG_CRIT);
}

TEST_F(SyslogSinkTest, ExactDatagramPerFacilityAndSeverity) {
  struct Case {
    const char* facility;
    Severity severity;
    const char* expected;
  };
  const std::vector<Case> cases = {
      {"mail", Severity::info, "<22>Dec  5 07:08:09 postfix/dgram-sink[4242]: hello"},
      {"mail", Severity::warning, "<20>Dec  5 07:08:09 postfix/dgram-sink[4242]: warning: hello"},
      {"mail", Severity::error, "<19>Dec  5 07:08:09 postfix/dgram-sink[4242]: error: hello"},
      {"mail", Severity::fatal, "<18>Dec  5 07:08:09 postfix/dgram-sink[4242]: fatal: hello"},
      {"kern", Severity::fatal, "<2>Dec  5 07:08:09 postfix/dgram-sink[4242]: fatal: hello"},
      {"user", Severity::info, "<14>Dec  5 07:08:09 postfix/dgram-sink[4242]: hello"},
      {"daemon", Severity::warning, "<28>Dec  5 07:08:09 postfix/dgram-sink[4242]: warning: hello"},
      {"auth", Severity::error, "<35>Dec  5 07:08:09 postfix/dgram-sink[4242]: error: hello"},
      {"local0", Severity::info, "<134>Dec  5 07:08:09 postfix/dgram-sink[4242]: hello"},
      {"local7", Severity::info, "<190>Dec  5 07:08:09 postfix/dgram-sink[4242]: hello"},
      {"local7", Severity::fatal, "<186>Dec  5 07:08:09 postfix/dgram-sink[4242]: fatal: hello"},
  };
  for (const auto& c : cases) {
    LogServiceSink sink(options(syslog_facility(c.facility)));
    sink.write(record(c.severity, "hello"));
    auto got = receiver.receive();
    ASSERT_TRUE(got) << c.facility;
    EXPECT_EQ(*got, c.expected) << c.facility;
  }
}

// What glibc's syslog(3) sent to a socket bound at /dev/log on this machine
// for openlog("postfix/x", LOG_PID | LOG_NDELAY, LOG_MAIL), then
// syslog(LOG_WARNING, "warning: hi") and syslog(LOG_CRIT, "fatal: x").
TEST_F(SyslogSinkTest, RecordsAsGlibcSyslogSendsThem) {
  constexpr std::time_t kSeen = 1795494057;  // 2026-11-24 04:20:57 UTC
  LogServiceSink sink(options());
  EXPECT_EQ(sink.format(record(Severity::warning, "hi", "postfix/x"), kSeen),
            "<20>Nov 24 04:20:57 postfix/x[4242]: warning: hi");
  EXPECT_EQ(sink.format(record(Severity::fatal, "x", "postfix/x"), kSeen),
            "<18>Nov 24 04:20:57 postfix/x[4242]: fatal: x");
}

TEST_F(SyslogSinkTest, DayOfMonthIsSpacePaddedLikeSyslog3) {
  struct Case {
    std::time_t when;
    const char* stamp;
  };
  const std::vector<Case> cases = {
      {kDec5, "Dec  5 07:08:09"},
      {kNov24, "Nov 24 04:17:11"},
      {0, "Jan  1 00:00:00"},
      {1709251199, "Feb 29 23:59:59"},
  };
  LogServiceSink sink(options());
  for (const auto& c : cases) {
    EXPECT_EQ(sink.format(record(Severity::info, "x", "p"), c.when),
              std::string("<22>") + c.stamp + " p[4242]: x");
  }
}

TEST_F(SyslogSinkTest, TimeStampIsLocalTime) {
  ::setenv("TZ", "EST5EDT", 1);
  ::tzset();
  LogServiceSink sink(options());
  // 07:08:09 UTC on December 5 is 02:08:09 EST.
  EXPECT_EQ(sink.format(record(Severity::info, "x", "p"), kDec5), "<22>Dec  5 02:08:09 p[4242]: x");
}

TEST_F(SyslogSinkTest, RecordsFromLogCarryItsProgramAndPid) {
  auto sink = std::make_shared<LogServiceSink>(options());
  Log log("postfix/dgram-sink");
  log.set_sink({});
  log.add_record_sink(shared_record_sink(sink));
  log.warn("queue %s is %d%% full", "incoming", 90);
  log.info("plain");
  std::string pid = std::to_string(::getpid());
  auto first = receiver.receive();
  auto second = receiver.receive();
  ASSERT_TRUE(first && second);
  EXPECT_EQ(*first, "<20>Dec  5 07:08:09 postfix/dgram-sink[" + pid +
                        "]: warning: queue incoming is 90% full");
  EXPECT_EQ(*second, "<22>Dec  5 07:08:09 postfix/dgram-sink[" + pid + "]: plain");
}

TEST_F(SyslogSinkTest, ConnectsLazily) {
  LogServiceSink sink(options());
  EXPECT_EQ(sink.fd(), -1);
  sink.write(record(Severity::info, "one"));
  EXPECT_GE(sink.fd(), 0);
  EXPECT_TRUE(receiver.receive());
}

TEST_F(SyslogSinkTest, ReconnectsAfterTheReceiverIsRecreated) {
  LogServiceSink sink(options());
  sink.write(record(Severity::info, "before"));
  ASSERT_EQ(receiver.receive().value_or(""), "<22>Dec  5 07:08:09 postfix/dgram-sink[4242]: before");
  receiver.rebind();
  sink.write(record(Severity::info, "after"));
  EXPECT_EQ(receiver.receive().value_or(""), "<22>Dec  5 07:08:09 postfix/dgram-sink[4242]: after");
  EXPECT_EQ(sink.dropped(), 0u);
}

TEST_F(SyslogSinkTest, AbsentReceiverDropsAndCountsThenReports) {
  LogServiceSink sink(options());
  sink.write(record(Severity::info, "seen"));
  ASSERT_TRUE(receiver.receive());
  receiver.close();
  sink.write(record(Severity::info, "lost 1"));
  sink.write(record(Severity::error, "lost 2"));
  EXPECT_EQ(sink.dropped(), 2u);
  receiver.rebind();
  sink.write(record(Severity::info, "back"));
  EXPECT_EQ(receiver.receive().value_or(""),
            "<20>Dec  5 07:08:09 postfix/dgram-sink[4242]: warning: 2 log records dropped");
  EXPECT_EQ(receiver.receive().value_or(""), "<22>Dec  5 07:08:09 postfix/dgram-sink[4242]: back");
  EXPECT_EQ(sink.dropped(), 0u);
}

TEST_F(SyslogSinkTest, NeverConnectedReceiverIsNotAnError) {
  LogServiceSink::Options o = options();
  o.path = dir.file("nobody-here");
  LogServiceSink sink(o);
  sink.write(record(Severity::info, "one"));
  EXPECT_EQ(sink.dropped(), 1u);
  EXPECT_EQ(sink.fd(), -1);
}

TEST_F(SyslogSinkTest, FullQueueDoesNotBlockAndIsReportedLater) {
  LogServiceSink sink(options());
  constexpr int kSent = 40;  // well above net.unix.max_dgram_qlen
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kSent; ++i) sink.write(record(Severity::info, "record " + std::to_string(i)));
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_LT(elapsed, std::chrono::seconds(1));
  ASSERT_GT(sink.dropped(), 0u);

  int received = 0;
  while (auto got = receiver.receive(0)) {
    EXPECT_EQ(*got, "<22>Dec  5 07:08:09 postfix/dgram-sink[4242]: record " +
                        std::to_string(received));
    ++received;
  }
  EXPECT_EQ(static_cast<std::uint64_t>(kSent - received), sink.dropped());

  sink.write(record(Severity::info, "after the flood"));
  EXPECT_EQ(receiver.receive().value_or(""),
            "<20>Dec  5 07:08:09 postfix/dgram-sink[4242]: warning: " +
                std::to_string(kSent - received) + " log records dropped");
  EXPECT_EQ(receiver.receive().value_or(""),
            "<22>Dec  5 07:08:09 postfix/dgram-sink[4242]: after the flood");
  EXPECT_EQ(sink.dropped(), 0u);
}

TEST_F(SyslogSinkTest, OneDroppedRecordIsSingular) {
  LogServiceSink sink(options());
  receiver.close();
  sink.write(record(Severity::info, "lost"));
  receiver.rebind();
  sink.write(record(Severity::info, "back"));
  EXPECT_EQ(receiver.receive().value_or(""),
            "<20>Dec  5 07:08:09 postfix/dgram-sink[4242]: warning: 1 log record dropped");
}

TEST_F(SyslogSinkTest, LongTextIsCutTo2000Bytes) {
  LogServiceSink sink(options());
  std::string text(100 * 1024, 'x');
  sink.write(record(Severity::warning, text));
  auto got = receiver.receive();
  ASSERT_TRUE(got);
  EXPECT_EQ(*got, "<20>Dec  5 07:08:09 postfix/dgram-sink[4242]: warning: " + std::string(2000, 'x'));
}

TEST_F(SyslogSinkTest, UncutRecordsPassUntilTheSocketRefusesThem) {
  LogServiceSink::Options o = options();
  o.max_text = 0;
  LogServiceSink sink(o);
  std::string text(100 * 1024, 'y');  // more than a 64 KiB receiver buffer
  sink.write(record(Severity::info, text));
  EXPECT_EQ(receiver.receive().value_or("").size(),
            std::string("<22>Dec  5 07:08:09 postfix/dgram-sink[4242]: ").size() + text.size());

  auto start = std::chrono::steady_clock::now();
  sink.write(record(Severity::info, std::string(4 * 1024 * 1024, 'z')));  // EMSGSIZE
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
  EXPECT_EQ(sink.dropped(), 1u);
  sink.write(record(Severity::info, "short"));
  EXPECT_EQ(receiver.receive().value_or(""),
            "<20>Dec  5 07:08:09 postfix/dgram-sink[4242]: warning: 1 log record dropped");
  EXPECT_EQ(receiver.receive().value_or(""), "<22>Dec  5 07:08:09 postfix/dgram-sink[4242]: short");
}

TEST_F(SyslogSinkTest, ThrowingClockIsContained) {
  LogServiceSink::Options o = options();
  o.clock = []() -> std::time_t { throw std::runtime_error("no time"); };
  LogServiceSink sink(o);
  sink.write(record(Severity::info, "x"));
  EXPECT_EQ(sink.dropped(), 1u);
}

TEST_F(SyslogSinkTest, SignalSafeFormatMatchesTheNormalOne) {
  LogServiceSink sink(options());
  for (std::time_t when : {kDec5, kNov24, std::time_t{0}, std::time_t{1709251199}}) {
    for (Severity severity : {Severity::info, Severity::fatal}) {
      LogRecord r = record(severity, "watchdog timeout");
      char buffer[512];
      std::size_t n = sink.format_signal_safe(r, when, buffer, sizeof(buffer));
      EXPECT_EQ(std::string(buffer, n), sink.format(r, when));
    }
  }
  char tiny[10];
  EXPECT_EQ(sink.format_signal_safe(record(Severity::info, "x"), kDec5, tiny, sizeof(tiny)), 10u);
  EXPECT_EQ(std::string(tiny, 10), "<22>Dec  5");
}

TEST_F(SyslogSinkTest, SignalSafeWriteUsesTheCurrentConnection) {
  LogServiceSink sink(options());
  LogRecord last = record(Severity::fatal, "watchdog timeout");
  sink.write_signal_safe(last);  // not connected yet: nothing, no crash
  EXPECT_FALSE(receiver.receive(100));
  sink.write(record(Severity::info, "connect"));
  ASSERT_TRUE(receiver.receive());
  sink.write_signal_safe(last);
  auto got = receiver.receive();
  ASSERT_TRUE(got);
  // Real time here: compare all but the stamp.
  std::string expected_tail = " postfix/dgram-sink[4242]: fatal: watchdog timeout";
  ASSERT_GT(got->size(), expected_tail.size());
  EXPECT_EQ(got->substr(0, 4), "<18>");
  EXPECT_EQ(got->substr(got->size() - expected_tail.size()), expected_tail);
}

}  // namespace
}  // namespace dgram
