// SPDX-License-Identifier: MIT
// log_destinations_test - which sink a child's log gets from its settings,
// and what reconfiguring the destinations keeps and what it replaces.
#include "log/log_destinations.h"

#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "dgram/error.h"
#include "support/log_receiver.h"
#include "support/temp_dir.h"

namespace dgram {
namespace {

using testing::LogReceiver;
using testing::TempDir;

class LogDestinationsTest : public ::testing::Test {
 protected:
  // $queue_directory/public/postlog, with its folder made.
  static std::string service_socket(const TempDir& queue_directory) {
    std::filesystem::create_directory(queue_directory.file("public"));
    return postlog_service_path(queue_directory.path());
  }

  LogSettings syslog_settings(const char* facility = "mail") const {
    LogSettings settings = default_log_settings();
    settings.queue_directory = dir.path();
    settings.syslog_socket = syslog.path();
    settings.syslog_facility = facility;
    return settings;
  }
  LogSettings postlog_settings() const {
    LogSettings settings = syslog_settings();
    settings.maillog_file = "/var/log/maillog";
    settings.hostname = "vm";
    return settings;
  }

  // The part of a received record after its time stamp.
  static std::string after_stamp(const std::optional<std::string>& record, std::size_t stamp_end) {
    return record && record->size() > stamp_end ? record->substr(stamp_end) : "(nothing)";
  }
  // "<PRI>Mmm dd hh:mm:ss " is 4 + 16 bytes for a PRI of two digits.
  static std::string syslog_tail(const std::optional<std::string>& record) { return after_stamp(record, 20); }
  static std::string pri(const std::optional<std::string>& record) { return record ? record->substr(0, 4) : ""; }

  std::string pid = std::to_string(::getpid());
  TempDir dir;
  LogReceiver syslog{dir.file("log")};
  LogReceiver postlog{service_socket(dir)};
  Log log{"postfix/test"};
};

TEST_F(LogDestinationsTest, SyslogWithoutMaillogFile) {
  LogDestinations destinations(log, syslog_settings(), "", false, false);
  log.info("hello");
  auto got = syslog.receive();
  EXPECT_EQ(pri(got), "<22>");
  EXPECT_EQ(syslog_tail(got), "postfix/test[" + pid + "]: hello");
  EXPECT_FALSE(postlog.receive(50));
}

TEST_F(LogDestinationsTest, PostlogWithMaillogFileButNotForThePostlogServiceItself) {
  LogDestinations destinations(log, postlog_settings(), "", false, false);
  log.info("to postlog");
  auto got = postlog.receive();
  ASSERT_TRUE(got);
  EXPECT_EQ(got->substr(15), " vm postfix/test[" + pid + "]: to postlog");

  destinations.reconfigure(postlog_settings(), "postlog", false);
  log.info("to syslog");
  EXPECT_EQ(syslog_tail(syslog.receive()), "postfix/test[" + pid + "]: to syslog");
  EXPECT_FALSE(postlog.receive(50));
}

TEST_F(LogDestinationsTest, ReconfiguringWithTheSameReceiverKeepsTheSinkAndItsDrops) {
  LogDestinations destinations(log, syslog_settings(), "", false, false);
  syslog.close();
  log.info("lost");
  syslog.rebind();
  destinations.reconfigure(syslog_settings(), "service", false);
  log.info("back");
  EXPECT_EQ(syslog_tail(syslog.receive()), "postfix/test[" + pid + "]: warning: 1 log record dropped");
  EXPECT_EQ(syslog_tail(syslog.receive()), "postfix/test[" + pid + "]: back");
}

TEST_F(LogDestinationsTest, ReconfiguringWithOtherSettingsMakesANewSink) {
  LogDestinations destinations(log, syslog_settings(), "", false, false);
  syslog.close();
  log.info("lost");
  syslog.rebind();
  destinations.reconfigure(syslog_settings("local0"), "", false);
  log.info("new facility");
  auto got = syslog.receive();
  EXPECT_EQ(got.value_or("").substr(0, 5), "<134>");
  EXPECT_EQ(after_stamp(got, 21), "postfix/test[" + pid + "]: new facility");
  EXPECT_FALSE(syslog.receive(50));
}

TEST_F(LogDestinationsTest, ARefusedFacilityChangesNothing) {
  LogDestinations destinations(log, syslog_settings(), "", false, false);
  try {
    destinations.reconfigure(syslog_settings("bogus"), "", false);
    ADD_FAILURE() << "accepted an unknown facility";
  } catch (const Fatal& error) {
    EXPECT_STREQ(error.what(), "unknown syslog_facility: bogus");
  }
  log.warn("still here");
  auto got = syslog.receive();
  EXPECT_EQ(pri(got), "<20>");
  EXPECT_EQ(syslog_tail(got), "postfix/test[" + pid + "]: warning: still here");
}

TEST_F(LogDestinationsTest, ACustomSinkStaysTheOnlyOne) {
  std::string seen;
  log.set_sink([&seen](Severity, std::string_view line) { seen = line; });
  LogDestinations destinations(log, syslog_settings(), "", false, true);
  destinations.reconfigure(postlog_settings(), "", true);
  log.info("mine");
  EXPECT_EQ(seen, "postfix/test[" + pid + "]: mine");
  EXPECT_FALSE(syslog.receive(50));
  EXPECT_FALSE(postlog.receive(50));
  EXPECT_TRUE(destinations.watchdog_last_words("postfix/test", ::getpid()).empty());
}

TEST_F(LogDestinationsTest, LastWordsGoThroughTheCurrentSink) {
  LogDestinations destinations(log, postlog_settings(), "", false, false);
  destinations.prepare_for_chroot(nullptr);
  auto words = destinations.watchdog_last_words("postfix/test", 77);
  ASSERT_EQ(words.size(), 1u);
  words[0]("watchdog timeout");
  auto got = postlog.receive();
  ASSERT_TRUE(got);
  EXPECT_EQ(got->substr(15), " vm postfix/test[77]: fatal: watchdog timeout");
}

}  // namespace
}  // namespace dgram
