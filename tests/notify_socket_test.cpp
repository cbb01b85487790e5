// SPDX-License-Identifier: MIT
// notify_socket_test - what a process tells systemd and journald: the
// NOTIFY_SOCKET address and its datagrams, the watchdog interval, the
// JOURNAL_STREAM check and its lines, and the SystemdSupervisor on a real
// event loop (READY, STATUS, WATCHDOG, RELOADING on SIGHUP, STOPPING, the
// fatal report), all received by this test on sockets it binds itself.
#include "start/notify_socket.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstring>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "dgram/config.h"
#include "dgram/error.h"
#include "base/event_loop.h"
#include "dgram/embedding.h"
#include "dgram/log.h"
#include "dgram/service.h"
#include "dgram/unique_fd.h"
#include "log/journal_stream.h"
#include "serve/service_events.h"
#include "start/systemd_supervisor.h"
#include "support/temp_dir.h"

namespace dgram {
namespace {

using testing::TempDir;
using Env = std::map<std::string, std::string>;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

#define EXPECT_SAYS(line, part) EXPECT_NE((line).find(part), std::string::npos) << "line: " << (line)

// A datagram socket the test binds at a path or an abstract @name, playing
// the service manager.
class Receiver {
 public:
  explicit Receiver(const std::string& name) : name_(name) {
    socket_.reset(::socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!socket_) throw_errno("socket");
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path, name.data(), name.size());
    bool abstract = name[0] == '@';
    if (abstract) address.sun_path[0] = '\0';
    auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size() + (abstract ? 0 : 1));
    if (::bind(socket_.get(), reinterpret_cast<const sockaddr*>(&address), length) < 0) throw_errno("bind " + name);
  }

  // Everything queued now.
  std::vector<std::string> take() {
    std::vector<std::string> messages;
    char buffer[4096];
    for (;;) {
      ssize_t n = ::recv(socket_.get(), buffer, sizeof(buffer), MSG_DONTWAIT);
      if (n < 0) break;
      messages.emplace_back(buffer, static_cast<std::size_t>(n));
    }
    return messages;
  }
  // One datagram, waiting at most two seconds.
  std::optional<std::string> wait_one() {
    pollfd ready{socket_.get(), POLLIN, 0};
    if (::poll(&ready, 1, 2000) != 1) return std::nullopt;
    auto messages = take();
    if (messages.empty()) return std::nullopt;
    return messages.front();
  }
  void close() { socket_.reset(); }
  const std::string& name() const { return name_; }

 private:
  std::string name_;
  UniqueFd socket_;
};

NotifySocket connected(const std::string& address) {
  auto notify = NotifySocket::from_environment({{"NOTIFY_SOCKET", address}});
  if (!notify) throw Fatal("no NotifySocket for " + address);
  notify->connect();
  return std::move(*notify);
}

std::string from_environment_error(const std::string& value) {
  try {
    (void)NotifySocket::from_environment({{"NOTIFY_SOCKET", value}});
  } catch (const Fatal& error) {
    return error.what();
  }
  return "(no error)";
}

// --- NotifySocket ----------------------------------------------------------------

TEST(NotifySocket, UnsetIsNobodyToTell) {
  EXPECT_FALSE(NotifySocket::from_environment({}).has_value());
  EXPECT_FALSE(NotifySocket::from_environment({{"LISTEN_FDS", "1"}}).has_value());
}

TEST(NotifySocket, PathAndAbstractAddressesAreTaken) {
  auto path = NotifySocket::from_environment({{"NOTIFY_SOCKET", "/run/systemd/notify"}});
  ASSERT_TRUE(path.has_value());
  EXPECT_EQ(path->address(), "/run/systemd/notify");
  auto abstract = NotifySocket::from_environment({{"NOTIFY_SOCKET", "@/org/freedesktop/systemd1/notify/1"}});
  ASSERT_TRUE(abstract.has_value());
  EXPECT_EQ(abstract->address(), "@/org/freedesktop/systemd1/notify/1");
}

TEST(NotifySocket, AddressesThatNameNoUnixSocketAreRefused) {
  std::string too_long = "/" + std::string(sizeof(sockaddr_un::sun_path), 'x');
  for (const std::string& value : {std::string("run/notify"), std::string("x"), std::string("vsock:1:2"),
                                   std::string(""), std::string("/"), std::string("@"), too_long}) {
    std::string line = from_environment_error(value);
    EXPECT_SAYS(line, "NOTIFY_SOCKET=" + value + ":");
  }
  EXPECT_SAYS(from_environment_error("vsock:1:2"), "vsock");
}

TEST(NotifySocket, LongestPathIsTaken) {
  std::string longest = "/" + std::string(sizeof(sockaddr_un::sun_path) - 2, 'x');
  auto notify = NotifySocket::from_environment({{"NOTIFY_SOCKET", longest}});
  ASSERT_TRUE(notify.has_value());
  EXPECT_EQ(notify->address(), longest);
}

TEST(NotifySocket, SendsToAPathSocket) {
  TempDir dir;
  Receiver receiver(dir.file("notify"));
  NotifySocket notify = connected(receiver.name());
  ASSERT_TRUE(notify.send("READY=1\nSTATUS=serving"));
  EXPECT_EQ(receiver.wait_one(), "READY=1\nSTATUS=serving");
  ASSERT_TRUE(notify.send("WATCHDOG=1"));
  EXPECT_EQ(receiver.wait_one(), "WATCHDOG=1");
}

TEST(NotifySocket, SendsToAnAbstractSocket) {
  Receiver receiver("@dgram-notify-test-" + std::to_string(::getpid()));
  NotifySocket notify = connected(receiver.name());
  ASSERT_TRUE(notify.send("READY=1"));
  EXPECT_EQ(receiver.wait_one(), "READY=1");
}

TEST(NotifySocket, SendingBeforeConnectFails) {
  auto notify = NotifySocket::from_environment({{"NOTIFY_SOCKET", "/run/nothing"}});
  ASSERT_TRUE(notify.has_value());
  errno = 0;
  EXPECT_FALSE(notify->send("READY=1"));
  EXPECT_EQ(errno, ENOTCONN);
}

TEST(NotifySocket, SendingToAClosedReceiverFails) {
  TempDir dir;
  Receiver receiver(dir.file("notify"));
  NotifySocket notify = connected(receiver.name());
  receiver.close();
  EXPECT_FALSE(notify.send("READY=1"));
}

TEST(NotifySocket, ConnectingToAMissingPathIsFatal) {
  TempDir dir;
  std::string path = dir.file("missing");
  auto notify = NotifySocket::from_environment({{"NOTIFY_SOCKET", path}});
  ASSERT_TRUE(notify.has_value());
  try {
    notify->connect();
    FAIL() << "connect() to a missing path succeeded";
  } catch (const Fatal& error) {
    std::string line = error.what();
    EXPECT_SAYS(line, "NOTIFY_SOCKET=" + path);
    EXPECT_SAYS(line, std::strerror(ENOENT));
    EXPECT_EQ(error.error_number(), ENOENT);
  }
}

// --- watchdog_interval_usec --------------------------------------------------------

std::string watchdog_error(const Env& env) {
  try {
    (void)watchdog_interval_usec(env, 4242);
  } catch (const Fatal& error) {
    return error.what();
  }
  return "(no error)";
}

TEST(WatchdogInterval, UnsetIsNone) {
  EXPECT_EQ(watchdog_interval_usec({}, 4242), std::nullopt);
  EXPECT_EQ(watchdog_interval_usec({{"WATCHDOG_PID", "4242"}}, 4242), std::nullopt);
}

TEST(WatchdogInterval, SetForUs) {
  EXPECT_EQ(watchdog_interval_usec({{"WATCHDOG_USEC", "30000000"}}, 4242), 30000000ULL);
  EXPECT_EQ(watchdog_interval_usec({{"WATCHDOG_USEC", "1"}}, 4242), 1ULL);
  EXPECT_EQ(watchdog_interval_usec({{"WATCHDOG_USEC", "30000000"}, {"WATCHDOG_PID", "4242"}}, 4242), 30000000ULL);
}

TEST(WatchdogInterval, MeantForAnotherProcess) {
  EXPECT_EQ(watchdog_interval_usec({{"WATCHDOG_USEC", "30000000"}, {"WATCHDOG_PID", "4343"}}, 4242), std::nullopt);
}

TEST(WatchdogInterval, BadValuesAreFatal) {
  for (const char* pid : {"abc", "", "-1", "42x"}) {
    std::string line = watchdog_error({{"WATCHDOG_USEC", "30000000"}, {"WATCHDOG_PID", pid}});
    EXPECT_SAYS(line, std::string("invalid WATCHDOG_PID=") + pid + ":");
  }
  for (const char* usec : {"0", "abc", "", "-5", "1s", "99999999999999999999999"}) {
    std::string line = watchdog_error({{"WATCHDOG_USEC", usec}});
    EXPECT_SAYS(line, std::string("invalid WATCHDOG_USEC=") + usec + ":");
  }
}

// --- journal_stream ------------------------------------------------------------------

struct Pipe {
  UniqueFd read;
  UniqueFd write;
  Pipe() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) < 0) throw_errno("pipe2");
    read.reset(fds[0]);
    write.reset(fds[1]);
  }
  std::string read_available() const {
    std::string text;
    char buffer[512];
    pollfd ready{read.get(), POLLIN, 0};
    while (::poll(&ready, 1, 0) == 1) {
      ssize_t n = ::read(read.get(), buffer, sizeof(buffer));
      if (n <= 0) break;
      text.append(buffer, static_cast<std::size_t>(n));
    }
    return text;
  }
};

std::string dev_ino(int fd) {
  struct stat status {};
  if (::fstat(fd, &status) < 0) throw_errno("fstat");
  return std::to_string(status.st_dev) + ":" + std::to_string(status.st_ino);
}

TEST(JournalStream, MatchesTheStreamItNames) {
  Pipe pipe;
  EXPECT_TRUE(journal_stream_matches({{"JOURNAL_STREAM", dev_ino(pipe.write.get())}}, pipe.write.get()));
}

TEST(JournalStream, AnotherStreamDoesNotMatch) {
  Pipe pipe;
  Pipe other;
  struct stat status {};
  ASSERT_EQ(::fstat(pipe.write.get(), &status), 0);
  std::string wrong_inode = std::to_string(status.st_dev) + ":" + std::to_string(status.st_ino + 1000);
  EXPECT_FALSE(journal_stream_matches({{"JOURNAL_STREAM", wrong_inode}}, pipe.write.get()));
  std::string wrong_device = std::to_string(status.st_dev + 1) + ":" + std::to_string(status.st_ino);
  EXPECT_FALSE(journal_stream_matches({{"JOURNAL_STREAM", wrong_device}}, pipe.write.get()));
  EXPECT_FALSE(journal_stream_matches({{"JOURNAL_STREAM", dev_ino(other.write.get())}}, pipe.write.get()));
}

TEST(JournalStream, GarbageDoesNotMatch) {
  Pipe pipe;
  std::string good = dev_ino(pipe.write.get());
  for (const std::string& value : {std::string(""), std::string("abc"), std::string(":"), good + "x",
                                   good + ":1", good.substr(0, good.find(':')), std::string("x") + good}) {
    EXPECT_FALSE(journal_stream_matches({{"JOURNAL_STREAM", value}}, pipe.write.get())) << value;
  }
}

TEST(JournalStream, UnsetDoesNotMatch) {
  Pipe pipe;
  EXPECT_FALSE(journal_stream_matches({}, pipe.write.get()));
}

TEST(JournalStream, ClosedFdDoesNotMatch) {
  int fd = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  std::string value = dev_ino(fd);
  ::close(fd);
  EXPECT_FALSE(journal_stream_matches({{"JOURNAL_STREAM", value}}, fd));
}

TEST(JournalStream, PriorityOfEachSeverity) {
  EXPECT_EQ(journal_priority(Severity::info), 6);
  EXPECT_EQ(journal_priority(Severity::warning), 4);
  EXPECT_EQ(journal_priority(Severity::error), 3);
  EXPECT_EQ(journal_priority(Severity::fatal), 2);
}

TEST(JournalStream, SinkWritesPriorityAndSeverityWithoutProgram) {
  Pipe pipe;
  Log::RecordSink sink = journal_sink(pipe.write.get());
  LogRecord record;
  record.severity = Severity::warning;
  record.program = "dgram-test";
  record.pid = 4242;
  record.text = "text";
  record.line = "dgram-test[4242]: warning: text";
  sink(record);
  EXPECT_EQ(pipe.read_available(), "<4>warning: text\n");
}

TEST(JournalStream, SinkUnderALog) {
  Pipe pipe;
  Log log("dgram-test");
  log.set_record_sink(journal_sink(pipe.write.get()));
  log.info("served %d", 3);
  log.warn("text");
  log.error("bad %s", "thing");
  log.fatal("the end");
  EXPECT_EQ(pipe.read_available(), "<6>served 3\n<4>warning: text\n<3>error: bad thing\n<2>fatal: the end\n");
}

TEST(JournalStream, SinkToAClosedPipeDoesNotThrow) {
  Pipe pipe;
  pipe.read.reset();
  ::signal(SIGPIPE, SIG_IGN);
  Log::RecordSink sink = journal_sink(pipe.write.get());
  LogRecord record;
  record.severity = Severity::error;
  record.text = "nobody reads";
  EXPECT_NO_THROW(sink(record));
}

// --- SystemdSupervisor --------------------------------------------------------------------

// The skeleton's side of a run on a real event loop: base, events, context,
// and a NotifySocket connected to a socket this test reads.
class SystemdSupervisorTest : public ::testing::Test {
 protected:
  SystemdSupervisorTest() {
    log_.set_sink([this](Severity, std::string_view line) { log_lines_.emplace_back(line); });
    events_.set_context(&context_);
  }

  void make(std::optional<unsigned long long> watchdog_usec = std::nullopt, HookFn reload = {},
            bool with_notify = true) {
    manager_.emplace(with_notify ? &notify_ : nullptr, events_, log_, watchdog_usec, std::move(reload));
  }

  // Runs the loop until done() or the deadline; the messages received meanwhile go to messages_.
  bool run_until(const std::function<bool()>& done, std::chrono::milliseconds limit) {
    EventHandle ticker = events_.every(10ms, [](Context&) {});  // run_once() returns at least this often
    auto deadline = Clock::now() + limit;
    for (;;) {
      collect();
      if (done()) return true;
      if (Clock::now() >= deadline) return false;
      base_.run_once();
      events_.collect_cancelled();
    }
  }
  void run_for(std::chrono::milliseconds duration) {
    (void)run_until([] { return false; }, duration);
  }
  void collect() {
    for (auto& message : receiver_.take()) messages_.push_back(std::move(message));
  }
  // The messages received since the last call.
  std::vector<std::string> take() {
    collect();
    return std::exchange(messages_, {});
  }
  std::size_t count(const std::string& message) const {
    return static_cast<std::size_t>(std::count(messages_.begin(), messages_.end(), message));
  }
  std::size_t count_prefix(const std::string& prefix) const {
    return static_cast<std::size_t>(std::count_if(messages_.begin(), messages_.end(), [&](const std::string& m) {
      return m.compare(0, prefix.size(), prefix) == 0;
    }));
  }

  TempDir dir_;
  Receiver receiver_{dir_.file("notify")};
  NotifySocket notify_ = connected(receiver_.name());
  Log log_{"dgram-test"};
  std::vector<std::string> log_lines_;
  Config config_;
  std::vector<std::string> args_;
  unsigned long long served_ = 0;
  std::vector<std::string> messages_;
  EventBase base_;  // before everything that has events on it
  ServiceEvents events_{base_};
  Context context_{"dgram-test", args_, log_, config_, events_};
  std::optional<SystemdSupervisor> manager_;  // last: goes first
};

TEST_F(SystemdSupervisorTest, ReadySaysReadyAndTheCount) {
  make();
  manager_->ready();
  EXPECT_EQ(take(), (std::vector<std::string>{"READY=1\nSTATUS=0 datagrams served"}));
}

TEST_F(SystemdSupervisorTest, StatusSaysOneDatagramInTheSingular) {
  make();
  served_ = 1;
  manager_->served(served_);
  manager_->ready();
  EXPECT_EQ(take(), (std::vector<std::string>{"READY=1\nSTATUS=1 datagram served"}));
}

TEST_F(SystemdSupervisorTest, WithoutServedSourceTheCountIsZero) {
  manager_.emplace(&notify_, events_, log_, std::nullopt, HookFn{});
  manager_->ready();
  EXPECT_EQ(take(), (std::vector<std::string>{"READY=1\nSTATUS=0 datagrams served"}));
}

TEST_F(SystemdSupervisorTest, WatchdogPingsAtOnceAndThenPeriodically) {
  make(100000);  // 100 ms: a ping every 50 ms
  manager_->ready();
  EXPECT_EQ(take(), (std::vector<std::string>{"READY=1\nSTATUS=0 datagrams served", "WATCHDOG=1"}));
  auto start = Clock::now();
  ASSERT_TRUE(run_until([this] { return count("WATCHDOG=1") >= 5; }, 5s))
      << count("WATCHDOG=1") << " pings in 5 s";
  // Five periods of 50 ms at the least: the pings come from a timer, not a busy loop.
  EXPECT_GE(Clock::now() - start, 200ms);
  EXPECT_EQ(count("WATCHDOG=1"), messages_.size());  // nothing else was said
}

TEST_F(SystemdSupervisorTest, NoWatchdogNoPings) {
  make();
  manager_->ready();
  run_for(300ms);
  EXPECT_EQ(take(), (std::vector<std::string>{"READY=1\nSTATUS=0 datagrams served"}));
}

TEST_F(SystemdSupervisorTest, LongWatchdogIntervalPingsOnlyAtFirst) {
  make(3600ULL * 1000000ULL);
  manager_->ready();
  run_for(300ms);
  EXPECT_EQ(take(), (std::vector<std::string>{"READY=1\nSTATUS=0 datagrams served", "WATCHDOG=1"}));
}

TEST_F(SystemdSupervisorTest, StatusAtMostOnceASecondAfterServing) {
  make();
  manager_->ready();
  ASSERT_EQ(take().size(), 1u);

  auto start = Clock::now();
  served_ = 3;
  manager_->served(served_);
  served_ = 5;
  manager_->served(served_);
  EXPECT_TRUE(take().empty()) << "no system call per wake-up";
  ASSERT_TRUE(run_until([this] { return !messages_.empty(); }, 3s)) << "no STATUS within 3 s";
  auto waited = Clock::now() - start;
  EXPECT_GE(waited, 900ms);
  EXPECT_LE(waited, 2500ms);
  run_for(1300ms);  // and no second one
  auto status = take();
  ASSERT_EQ(status.size(), 1u);
  // 5 since READY, about a second ago: a rate of 5/s at most.
  EXPECT_TRUE(status[0] == "STATUS=5 datagrams served, 5/s" || status[0] == "STATUS=5 datagrams served, 4/s" ||
              status[0] == "STATUS=5 datagrams served, 3/s" || status[0] == "STATUS=5 datagrams served, 2/s")
      << status[0];

  // A wake-up that changed nothing since: nothing to say.
  manager_->served(served_);
  run_for(1500ms);
  EXPECT_TRUE(take().empty());

  served_ = 6;
  manager_->served(served_);
  ASSERT_TRUE(run_until([this] { return !messages_.empty(); }, 3s));
  status = take();
  ASSERT_EQ(status.size(), 1u);
  EXPECT_EQ(status[0].rfind("STATUS=6 datagrams served, ", 0), 0u) << status[0];
}

TEST_F(SystemdSupervisorTest, NoStatusWhenNothingChangedSinceReady) {
  make();
  manager_->ready();
  manager_->served(served_);  // count still 0, as READY said
  run_for(1500ms);
  EXPECT_EQ(take(), (std::vector<std::string>{"READY=1\nSTATUS=0 datagrams served"}));
}

// Every STATUS= counts as reported, READY's after a reload too: a status
// timer armed before the SIGHUP does not send the same count again.
TEST_F(SystemdSupervisorTest, NoStatusRepeatingWhatTheReadyAfterAReloadSaid) {
  make(std::nullopt, [](Context&) {});
  manager_->ready();
  served_ = 3;
  manager_->served(served_);
  EventHandle trigger = events_.after(10ms, [](Context&) { ::raise(SIGHUP); });
  ASSERT_TRUE(run_until([this] { return count_prefix("READY=1\nSTATUS=3") == 1; }, 3s));
  run_for(1500ms);
  collect();
  EXPECT_EQ(count("STATUS=3 datagrams served"), 0u);
  EXPECT_EQ(messages_.size(), 3u);  // READY, RELOADING, READY
}

TEST_F(SystemdSupervisorTest, NoStatusWithoutNotifySocket) {
  make(100000, {}, false);
  manager_->ready();
  served_ = 2;
  manager_->served(served_);
  run_for(1300ms);
  EXPECT_TRUE(take().empty());
}

TEST_F(SystemdSupervisorTest, StoppingSaysStoppingAndEndsThePings) {
  make(100000);
  manager_->ready();
  ASSERT_TRUE(run_until([this] { return count("WATCHDOG=1") >= 2; }, 3s));
  served_ = 7;
  manager_->served(served_);  // a status report pending: it is not sent after STOPPING
  manager_->stopping();
  collect();
  ASSERT_FALSE(messages_.empty());
  EXPECT_EQ(messages_.back(), "STOPPING=1\nSTATUS=7 datagrams served");
  take();
  run_for(1300ms);
  EXPECT_TRUE(take().empty());
}

TEST_F(SystemdSupervisorTest, SighupRunsTheReloadHookFramedByReloadingAndReady) {
  int reloads = 0;
  Context* seen = nullptr;
  bool between = false;
  make(std::nullopt, [&](Context& context) {
    ++reloads;
    seen = &context;
    // The hook runs after RELOADING=1 was sent and before READY=1 is.
    collect();
    between = count_prefix("RELOADING=1\n") == 1 && count_prefix("READY=1") == 0;
  });
  manager_->ready();
  ASSERT_EQ(take().size(), 1u);
  served_ = 4;
  manager_->served(served_);

  timespec before{};
  ::clock_gettime(CLOCK_MONOTONIC, &before);
  EventHandle trigger = events_.after(10ms, [](Context&) { ::raise(SIGHUP); });
  ASSERT_TRUE(run_until([&] { return reloads == 1 && count_prefix("READY=1") == 1; }, 3s))
      << reloads << " reloads";
  timespec after{};
  ::clock_gettime(CLOCK_MONOTONIC, &after);
  run_for(100ms);
  EXPECT_EQ(reloads, 1);
  EXPECT_EQ(seen, &context_);
  EXPECT_TRUE(between);

  std::vector<std::string> messages = take();
  ASSERT_EQ(messages.size(), 2u);
  const std::string prefix = "RELOADING=1\nMONOTONIC_USEC=";
  ASSERT_EQ(messages[0].compare(0, prefix.size(), prefix), 0) << messages[0];
  unsigned long long usec = std::stoull(messages[0].substr(prefix.size()));
  auto as_usec = [](const timespec& t) {
    return static_cast<unsigned long long>(t.tv_sec) * 1000000ULL + static_cast<unsigned long long>(t.tv_nsec) / 1000;
  };
  EXPECT_GE(usec, as_usec(before));
  EXPECT_LE(usec, as_usec(after));
  EXPECT_EQ(messages[1], "READY=1\nSTATUS=4 datagrams served");
  EXPECT_TRUE(std::any_of(log_lines_.begin(), log_lines_.end(),
                          [](const std::string& line) { return line.find("reloading (SIGHUP)") != std::string::npos; }));
}

TEST_F(SystemdSupervisorTest, SighupTwiceReloadsTwice) {
  int reloads = 0;
  make(std::nullopt, [&](Context&) { ++reloads; });
  manager_->ready();
  EventHandle first = events_.after(10ms, [](Context&) { ::raise(SIGHUP); });
  ASSERT_TRUE(run_until([&] { return reloads == 1; }, 3s));
  EventHandle second = events_.after(10ms, [](Context&) { ::raise(SIGHUP); });
  ASSERT_TRUE(run_until([&] { return reloads == 2; }, 3s));
  run_for(50ms);
  EXPECT_EQ(count_prefix("RELOADING=1\n"), 2u);
  EXPECT_EQ(count_prefix("READY=1\n"), 3u);
}

TEST_F(SystemdSupervisorTest, SighupWithoutReloadHookStillFrames) {
  make();
  manager_->ready();
  ASSERT_EQ(take().size(), 1u);
  EventHandle trigger = events_.after(10ms, [](Context&) { ::raise(SIGHUP); });
  ASSERT_TRUE(run_until([this] { return count_prefix("READY=1") == 1; }, 3s));
  ASSERT_EQ(messages_.size(), 2u);
  EXPECT_EQ(messages_[0].compare(0, 12, "RELOADING=1\n"), 0);
  EXPECT_TRUE(std::any_of(log_lines_.begin(), log_lines_.end(),
                          [](const std::string& line) { return line.find("no reload hook") != std::string::npos; }));
}

TEST_F(SystemdSupervisorTest, SighupReloadsWithoutNotifySocket) {
  int reloads = 0;
  make(std::nullopt, [&](Context&) { ++reloads; }, false);
  manager_->ready();
  EventHandle trigger = events_.after(10ms, [](Context&) { ::raise(SIGHUP); });
  ASSERT_TRUE(run_until([&] { return reloads == 1; }, 3s));
  EXPECT_TRUE(take().empty());
}

TEST_F(SystemdSupervisorTest, SighupIsTheSkeletonsOnceTheManagerHasIt) {
  make();
  try {
    EventHandle refused = events_.on_signal(SIGHUP, [](Context&) {});
    FAIL() << "on_signal(SIGHUP) was accepted";
  } catch (const Fatal& error) {
    EXPECT_SAYS(std::string(error.what()), "signal " + std::to_string(SIGHUP));
  }
  EventHandle other = events_.on_signal(SIGUSR1, [](Context&) {});  // others stay the service's
  EXPECT_TRUE(other.active());
}

TEST_F(SystemdSupervisorTest, UnreachableManagerIsWarnedAboutOnce) {
  make(100000);
  receiver_.close();
  manager_->ready();
  run_for(200ms);
  manager_->stopping();
  auto warnings = std::count_if(log_lines_.begin(), log_lines_.end(), [this](const std::string& line) {
    return line.find("warning: cannot notify the service manager at NOTIFY_SOCKET=" + receiver_.name()) !=
           std::string::npos;
  });
  EXPECT_EQ(warnings, 1);
}

TEST_F(SystemdSupervisorTest, ReportFatalFlattensTheText) {
  make();
  manager_->fatal("cannot open\n/var/x: denied\nreally", 13);
  EXPECT_EQ(take(), (std::vector<std::string>{"STOPPING=1\nERRNO=13\nSTATUS=fatal: cannot open /var/x: denied really"}));
}

TEST_F(SystemdSupervisorTest, ReportFatalCutsALongText) {
  make();
  manager_->fatal(std::string(1000, 'x'), 5);
  std::vector<std::string> messages = take();
  ASSERT_EQ(messages.size(), 1u);
  const std::string prefix = "STOPPING=1\nERRNO=5\nSTATUS=fatal: ";
  ASSERT_EQ(messages[0].compare(0, prefix.size(), prefix), 0);
  EXPECT_EQ(messages[0].size(), prefix.size() + 400);
}

TEST_F(SystemdSupervisorTest, ReportFatalWithoutNotifySocket) {
  make(std::nullopt, {}, false);
  EXPECT_NO_FATAL_FAILURE(manager_->fatal("text", 1));
  EXPECT_TRUE(take().empty());
}

// --- ServiceEvents: SIGHUP once the skeleton has it ------------------------------------

TEST(ServiceEventsSignals, OnSignalRefusesASkeletonSignal) {
  EventBase base;
  ServiceEvents events(base);
  {
    EventHandle before = events.on_signal(SIGHUP, [](Context&) {});  // a service's, until the skeleton takes it
    EXPECT_TRUE(before.active());
  }
  EventHandle skeleton = events.skeleton_signal(SIGHUP, [](Context&) {});
  try {
    EventHandle refused = events.on_signal(SIGHUP, [](Context&) {});
    FAIL() << "on_signal(SIGHUP) after skeleton_signal(SIGHUP) was accepted";
  } catch (const Fatal& error) {
    std::string line = error.what();
    EXPECT_SAYS(line, "signal " + std::to_string(SIGHUP));
    EXPECT_SAYS(line, "skeleton");
  }
}

}  // namespace
}  // namespace dgram

TEST(StatusWords, FromTheirTable) {
  EXPECT_EQ(dgram::status_words(0, std::nullopt), "0 datagrams served");
  EXPECT_EQ(dgram::status_words(1, std::nullopt), "1 datagram served");
  EXPECT_EQ(dgram::status_words(5, 2500.4), "5 datagrams served, 2500/s");
  EXPECT_EQ(dgram::status_words(7, 0.0), "7 datagrams served, 0/s");
}
