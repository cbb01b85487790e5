// SPDX-License-Identifier: MIT
// postlog_sink_test - the exact datagrams of the log service sink with
// postlog framing, read from a socket bound in place of postlogd's; the
// records Postfix 3.7 was seen to send, reconnects, a full receiver queue,
// long records, the maillog_file fallback and the helpers the skeleton uses.
#include "log/log_service_sink.h"

#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "config/skeleton_params.h"
#include "dgram/error.h"
#include "support/log_receiver.h"
#include "support/temp_dir.h"

namespace dgram {
namespace {

using testing::LogReceiver;
using testing::TempDir;

constexpr std::time_t kNov24 = 1795493831;  // 2026-11-24 04:17:11 UTC
constexpr std::time_t kDec5 = 1796454489;   // 2026-12-05 07:08:09 UTC

class PostlogSinkTest : public ::testing::Test {
 protected:
  PostlogSinkTest() {
    ::setenv("TZ", "UTC", 1);
    ::tzset();
  }

  // $queue_directory/public/postlog, with its folder made.
  static std::string service_socket(const TempDir& queue_directory) {
    std::filesystem::create_directory(queue_directory.file("public"));
    return postlog_service_path(queue_directory.path());
  }

  LogServiceSink::Options options(std::time_t now = kDec5) const {
    LogServiceSink::Options o;
    o.framing = LogFraming::postlog;
    o.path = postlog_service_path(dir.path());
    o.hostname = "vm";
    o.clock = [now] { return now; };
    return o;
  }

  static LogRecord record(Severity severity, std::string_view text,
                          std::string_view program = "postfix/dgram-sink", long pid = 4242) {
    return LogRecord{severity, program, pid, text, {}};
  }

  TempDir dir;
  LogReceiver receiver{service_socket(dir)};
};

// What `postlog -t mytag hello world` and `postlog -p warning -t postfix/x
// second` sent on this machine (Postfix 3.7.11), the first also with the
// clock held at the epoch: the day is zero-padded.
TEST_F(PostlogSinkTest, RecordsAsPostfix37SendsThem) {
  struct Case {
    std::time_t when;
    LogRecord record;
    const char* expected;
  };
  const std::vector<Case> cases = {
      {kNov24, record(Severity::info, "hello world", "mytag", 13932),
       "Nov 24 04:17:11 vm mytag[13932]: hello world"},
      {kNov24, record(Severity::warning, "second", "postfix/x", 13934),
       "Nov 24 04:17:11 vm postfix/x[13934]: warning: second"},
      {0, record(Severity::info, "hello world", "mytag", 16998),
       "Jan 01 00:00:00 vm mytag[16998]: hello world"},
      {kDec5, record(Severity::error, "third"), "Dec 05 07:08:09 vm postfix/dgram-sink[4242]: error: third"},
      {kDec5, record(Severity::fatal, "last"), "Dec 05 07:08:09 vm postfix/dgram-sink[4242]: fatal: last"},
      {1709251199, record(Severity::info, ""), "Feb 29 23:59:59 vm postfix/dgram-sink[4242]: "},
  };
  for (const auto& c : cases) {
    LogServiceSink sink(options(c.when));
    sink.write(c.record);
    EXPECT_EQ(receiver.receive().value_or("(nothing)"), c.expected);
    EXPECT_EQ(sink.format(c.record, c.when), c.expected);
  }
}

TEST_F(PostlogSinkTest, HostIsTheFirstLabel) {
  struct Case {
    const char* given;
    const char* used;
  };
  const std::vector<Case> cases = {
      {"vm", "vm"}, {"mail.example.com", "mail"}, {"mx1.example.com.", "mx1"}, {".", "amnesiac"},
  };
  for (const auto& c : cases) {
    LogServiceSink::Options o = options();
    o.hostname = c.given;
    EXPECT_EQ(LogServiceSink(o).hostname(), c.used) << c.given;
  }
  char name[256] = {};
  ASSERT_EQ(::gethostname(name, sizeof(name) - 1), 0);
  LogServiceSink::Options o = options();
  o.hostname.clear();
  std::string local(name);
  EXPECT_EQ(LogServiceSink(o).hostname(), local.substr(0, local.find('.')));
}

TEST_F(PostlogSinkTest, ServicePathAndName) {
  EXPECT_EQ(kDefaultPostlogServiceName, "postlog");
  EXPECT_EQ(postlog_service_path("/var/spool/postfix"), "/var/spool/postfix/public/postlog");
  EXPECT_EQ(postlog_service_path("/tmp/pl/spool", "postlog2"), "/tmp/pl/spool/public/postlog2");
}

TEST_F(PostlogSinkTest, MaillogFilePrefixes) {
  struct Case {
    const char* file;
    std::string_view prefixes;
    bool accepted;
  };
  const std::vector<Case> cases = {
      {"/var/log/postfix.log", kDefaultMaillogFilePrefixes, true},
      {"/dev/stdout", kDefaultMaillogFilePrefixes, true},
      {"/tmp/pl/maillog", kDefaultMaillogFilePrefixes, false},
      {"/tmp/pl/maillog", "/tmp", true},
      {"/tmp/pl/maillog", " /srv,\t/tmp/pl ", true},
      {"/tmp/pl/maillog", "/srv /opt", false},
      {"/tmp/pl/maillog", "", false},
      {"", "/var", true},  // no maillog_file: nothing to check
  };
  for (const auto& c : cases) {
    if (c.accepted) {
      EXPECT_NO_THROW(check_maillog_file_prefixes(c.file, c.prefixes)) << c.file;
      continue;
    }
    try {
      check_maillog_file_prefixes(c.file, c.prefixes);
      ADD_FAILURE() << "accepted " << c.file << " for '" << c.prefixes << "'";
    } catch (const Fatal& error) {
      EXPECT_EQ(std::string(error.what()), std::string("maillog_file value '") + c.file +
                                               "' does not match any prefix in maillog_file_prefixes");
    }
  }
}

TEST_F(PostlogSinkTest, RecordsFromLogCarryItsProgramAndPid) {
  auto sink = std::make_shared<LogServiceSink>(options());
  Log log("postfix/dgram-sink");
  log.set_record_sink(shared_record_sink(sink));
  log.error("cannot %s", "cope");
  EXPECT_EQ(receiver.receive().value_or(""), "Dec 05 07:08:09 vm postfix/dgram-sink[" +
                                                 std::to_string(::getpid()) + "]: error: cannot cope");
}

TEST_F(PostlogSinkTest, ReconnectsAfterPostlogdRestarts) {
  LogServiceSink sink(options());
  EXPECT_EQ(sink.fd(), -1);
  sink.write(record(Severity::info, "before"));
  EXPECT_GE(sink.fd(), 0);
  ASSERT_EQ(receiver.receive().value_or(""), "Dec 05 07:08:09 vm postfix/dgram-sink[4242]: before");
  receiver.rebind();
  sink.write(record(Severity::info, "after"));
  EXPECT_EQ(receiver.receive().value_or(""), "Dec 05 07:08:09 vm postfix/dgram-sink[4242]: after");
  EXPECT_EQ(sink.dropped(), 0u);
}

TEST_F(PostlogSinkTest, AbsentServiceDropsAndCountsThenReports) {
  LogServiceSink sink(options());
  receiver.close();
  for (int i = 0; i < 3; ++i) sink.write(record(Severity::info, "lost"));
  EXPECT_EQ(sink.dropped(), 3u);
  EXPECT_EQ(sink.fd(), -1);
  receiver.rebind();
  sink.write(record(Severity::info, "back"));
  EXPECT_EQ(receiver.receive().value_or(""),
            "Dec 05 07:08:09 vm postfix/dgram-sink[4242]: warning: 3 log records dropped");
  EXPECT_EQ(receiver.receive().value_or(""), "Dec 05 07:08:09 vm postfix/dgram-sink[4242]: back");
}

TEST_F(PostlogSinkTest, FullQueueDoesNotBlockAndIsReportedLater) {
  LogServiceSink::Options o = options();
  o.fallback_file = dir.file("maillog");  // not used: postlogd is there, only busy
  LogServiceSink sink(o);
  constexpr int kSent = 40;  // well above net.unix.max_dgram_qlen
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kSent; ++i) sink.write(record(Severity::info, "record " + std::to_string(i)));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
  ASSERT_GT(sink.dropped(), 0u);

  int received = 0;
  while (auto got = receiver.receive(0)) {
    EXPECT_EQ(*got, "Dec 05 07:08:09 vm postfix/dgram-sink[4242]: record " + std::to_string(received));
    ++received;
  }
  EXPECT_EQ(static_cast<std::uint64_t>(kSent - received), sink.dropped());
  EXPECT_FALSE(std::filesystem::exists(dir.file("maillog")));

  sink.write(record(Severity::info, "after the flood"));
  EXPECT_EQ(receiver.receive().value_or(""), "Dec 05 07:08:09 vm postfix/dgram-sink[4242]: warning: " +
                                                 std::to_string(kSent - received) +
                                                 " log records dropped");
  EXPECT_EQ(receiver.receive().value_or(""),
            "Dec 05 07:08:09 vm postfix/dgram-sink[4242]: after the flood");
}

TEST_F(PostlogSinkTest, LongTextIsCutTo2000Bytes) {
  LogServiceSink sink(options());
  sink.write(record(Severity::info, std::string(70 * 1024, 'x')));
  EXPECT_EQ(receiver.receive().value_or(""),
            "Dec 05 07:08:09 vm postfix/dgram-sink[4242]: " + std::string(2000, 'x'));
}

TEST_F(PostlogSinkTest, TooLongForTheSocketIsDroppedNotFatal) {
  LogServiceSink::Options o = options();
  o.max_text = 0;
  LogServiceSink sink(o);
  auto start = std::chrono::steady_clock::now();
  sink.write(record(Severity::info, std::string(4 * 1024 * 1024, 'z')));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
  EXPECT_EQ(sink.dropped(), 1u);
  EXPECT_FALSE(receiver.receive(100));
  sink.write(record(Severity::info, "short"));
  EXPECT_EQ(receiver.receive().value_or(""),
            "Dec 05 07:08:09 vm postfix/dgram-sink[4242]: warning: 1 log record dropped");
  EXPECT_EQ(receiver.receive().value_or(""), "Dec 05 07:08:09 vm postfix/dgram-sink[4242]: short");
}

TEST_F(PostlogSinkTest, FallbackAppendsWhenPostlogdIsAbsent) {
  receiver.close();
  LogServiceSink::Options o = options();
  o.fallback_file = dir.file("maillog");
  LogServiceSink sink(o);
  mode_t old_mask = ::umask(022);
  sink.write(record(Severity::info, "one"));  // creates the file
  ::umask(old_mask);
  sink.write(record(Severity::warning, "two"));
  EXPECT_EQ(dir.read("maillog"),
            "Dec 05 07:08:09 vm postfix/dgram-sink[4242]: one\n"
            "Dec 05 07:08:09 vm postfix/dgram-sink[4242]: warning: two\n");
  struct stat st {};
  ASSERT_EQ(::stat(dir.file("maillog").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0644u);
  EXPECT_EQ(sink.dropped(), 0u);
}

TEST_F(PostlogSinkTest, FallbackRefusesLinksAndOtherFiles) {
  receiver.close();
  dir.write("target", "");
  std::filesystem::create_symlink(dir.file("target"), dir.file("symlink"));
  std::filesystem::create_hard_link(dir.file("target"), dir.file("hardlink"));
  std::filesystem::create_directory(dir.file("directory"));
  for (const char* name : {"symlink", "hardlink", "directory"}) {
    LogServiceSink::Options o = options();
    o.fallback_file = dir.file(name);
    LogServiceSink sink(o);
    sink.write(record(Severity::info, "nope"));
    EXPECT_EQ(sink.dropped(), 1u) << name;
  }
  EXPECT_EQ(dir.read("target"), "");
}

TEST_F(PostlogSinkTest, FallbackRefusesAFileOfAnotherOwner) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to give the file another owner";
  receiver.close();
  dir.write("maillog", "");
  ASSERT_EQ(::chown(dir.file("maillog").c_str(), 65534, 65534), 0);
  LogServiceSink::Options o = options();
  o.fallback_file = dir.file("maillog");
  LogServiceSink sink(o);
  sink.write(record(Severity::info, "nope"));
  EXPECT_EQ(sink.dropped(), 1u);
  EXPECT_EQ(dir.read("maillog"), "");
}

TEST_F(PostlogSinkTest, NoFallbackByDefault) {
  receiver.close();
  LogServiceSink sink(options());
  sink.write(record(Severity::info, "dropped"));
  EXPECT_EQ(sink.dropped(), 1u);
}

TEST_F(PostlogSinkTest, SignalSafeFormatMatchesTheNormalOne) {
  LogServiceSink sink(options());
  for (std::time_t when : {kDec5, kNov24, std::time_t{0}}) {
    LogRecord r = record(Severity::fatal, "watchdog timeout");
    char buffer[512];
    std::size_t n = sink.format_signal_safe(r, when, buffer, sizeof(buffer));
    EXPECT_EQ(std::string(buffer, n), sink.format(r, when));
  }
}

TEST_F(PostlogSinkTest, SignalSafeWriteUsesTheCurrentConnection) {
  LogServiceSink sink(options());
  LogRecord last = record(Severity::fatal, "watchdog timeout");
  sink.write_signal_safe(last);  // not connected yet: nothing
  EXPECT_FALSE(receiver.receive(100));
  ASSERT_EQ(sink.socket().connect(), 0);  // as the skeleton does before a chroot
  sink.write_signal_safe(last);
  auto got = receiver.receive();
  ASSERT_TRUE(got);
  std::string tail = " vm postfix/dgram-sink[4242]: fatal: watchdog timeout";
  ASSERT_GT(got->size(), tail.size());
  EXPECT_EQ(got->substr(got->size() - tail.size()), tail);
}

}  // namespace
}  // namespace dgram
