// SPDX-License-Identifier: MIT
// run_anywhere_test - the same service binary outside Postfix's master:
// under systemd's own socket activation tool (systemd-socket-activate, which
// needs no systemd as PID 1) talking sd_notify to a socket the test reads,
// and on its own with --listen. Real processes, real sockets; every wait is
// bounded and every child is reaped by PID.
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "support/temp_dir.h"
#include "tool_run.h"

namespace {

using namespace std::chrono_literals;
using dgram::testing::count_lines;
using dgram::testing::eventually;
using dgram::testing::finish_tool;
using dgram::testing::read_whole;
using dgram::testing::send_datagram;
using dgram::testing::start_tool;
using dgram::testing::ToolChild;
using Clock = std::chrono::steady_clock;

std::string trace_service() {
  const char* path = std::getenv("DGRAM_TRACE_SERVICE");
  return path ? path : "tests/trace-service";
}

std::string socket_activate() { return "/usr/bin/systemd-socket-activate"; }

bool exists(const std::string& path) {
  struct stat status {};
  return ::lstat(path.c_str(), &status) == 0;
}

// The environment of a child: the test's own without anything that would
// change how it starts.
std::map<std::string, std::string> clean_env() {
  auto env = dgram::process_environment();
  for (const char* name : {"LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES", "LISTEN_PIDFDID", "NOTIFY_SOCKET",
                           "WATCHDOG_USEC", "WATCHDOG_PID", "JOURNAL_STREAM", "MAIL_CONFIG"}) {
    env.erase(name);
  }
  return env;
}

// LeakSanitizer needs /proc, which a chroot hides (the sanitizer build).
std::map<std::string, std::string> chrooted_env() {
  auto env = clean_env();
  std::string options = env.count("ASAN_OPTIONS") ? env["ASAN_OPTIONS"] + ":" : "";
  env["ASAN_OPTIONS"] = options + "detect_leaks=0";
  return env;
}

// The socket systemd would listen on for sd_notify messages.
class NotifyListener {
 public:
  struct Message {
    Clock::time_point at;
    std::string text;
  };

  // path "@name" binds an abstract name.
  explicit NotifyListener(const std::string& path) : path_(path) {
    fd_ = dgram::UniqueFd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!fd_) dgram::throw_errno("socket");
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path, path.data(), path.size());
    bool abstract = path[0] == '@';
    if (abstract) address.sun_path[0] = '\0';
    auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() + (abstract ? 0 : 1));
    if (::bind(fd_.get(), reinterpret_cast<sockaddr*>(&address), length) < 0) dgram::throw_errno("bind " + path);
  }

  // Reads what arrives until some message holds needle or bound passes.
  bool wait_for(const std::string& needle, std::chrono::milliseconds bound = 20s) {
    auto deadline = Clock::now() + bound;
    for (;;) {
      for (std::size_t i = checked_; i < messages_.size(); ++i) {
        if (messages_[i].text.find(needle) != std::string::npos) {
          checked_ = i + 1;
          return true;
        }
      }
      checked_ = messages_.size();
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) return false;
      read_some(left);
    }
  }
  // Reads for exactly this long (for what must not arrive).
  void drain_for(std::chrono::milliseconds span) {
    auto deadline = Clock::now() + span;
    for (auto left = span; left.count() > 0;
         left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now())) {
      read_some(left);
    }
  }
  const std::vector<Message>& messages() const { return messages_; }
  std::vector<Message> with(const std::string& needle) const {
    std::vector<Message> found;
    for (const auto& message : messages_) {
      if (message.text.find(needle) != std::string::npos) found.push_back(message);
    }
    return found;
  }
  std::string all() const {
    std::string text;
    for (const auto& message : messages_) text += "[" + message.text + "] ";
    return text;
  }

 private:
  void read_some(std::chrono::milliseconds bound) {
    pollfd wait{fd_.get(), POLLIN, 0};
    int ready = ::poll(&wait, 1, static_cast<int>(std::max<long long>(1, bound.count())));
    if (ready <= 0) return;
    char buffer[4096];
    ssize_t n = ::recv(fd_.get(), buffer, sizeof(buffer), 0);
    if (n > 0) messages_.push_back({Clock::now(), std::string(buffer, static_cast<std::size_t>(n))});
  }

  std::string path_;
  dgram::UniqueFd fd_;
  std::vector<Message> messages_;
  std::size_t checked_ = 0;
};

class RunAnywhere : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::access(socket_activate().c_str(), X_OK) != 0) {
      GTEST_FAIL() << socket_activate() << " is missing: install Debian's systemd package (tools/test does)";
    }
    socket_ = dir_.path() + "/service.sock";
    trace_ = dir_.path() + "/trace";
    notify_ = dir_.path() + "/notify.sock";
  }
  void TearDown() override {
    for (pid_t pid : started_) {
      if (::kill(pid, 0) == 0) {
        ::kill(pid, SIGKILL);
        (void)dgram::launch::wait_for_exit(pid, 10s);
      }
    }
  }

  ToolChild start(const std::vector<std::string>& argv, std::map<std::string, std::string> env) {
    ToolChild child = start_tool(argv, dir_.path() + "/out", dir_.path() + "/err", std::move(env));
    started_.push_back(child.pid);
    return child;
  }
  // The trace service under systemd-socket-activate on socket_, with extra
  // -E settings; the first datagram (which makes it exec) is "first".
  ToolChild activate(const std::vector<std::string>& settings, const std::vector<std::string>& service_words = {},
                     bool datagram = true) {
    std::vector<std::string> argv{socket_activate()};
    if (datagram) argv.push_back("--datagram");
    argv.insert(argv.end(), {"-l", socket_});
    for (const auto& setting : settings) argv.insert(argv.end(), {"-E", setting});
    argv.push_back(trace_service());
    argv.insert(argv.end(), {"-o", "trace_file=" + trace_});
    argv.insert(argv.end(), service_words.begin(), service_words.end());
    ToolChild child = start(argv, clean_env());
    EXPECT_TRUE(eventually([&] { return exists(socket_); })) << read_whole(child.err_path);
    return child;
  }
  std::string trace() const { return read_whole(trace_); }
  bool traced(const std::string& needle, int times = 1) const {
    return eventually([&] { return count_lines(trace(), needle) >= times; });
  }
  std::string err() const { return read_whole(dir_.path() + "/err"); }

  dgram::testing::TempDir dir_;
  std::string socket_;
  std::string trace_;
  std::string notify_;
  std::vector<pid_t> started_;
};

// --- systemd socket activation

TEST_F(RunAnywhere, ActivatedServiceNotifiesReadyStatusWatchdogAndStopping) {
  NotifyListener manager(notify_);
  ToolChild child = activate({"NOTIFY_SOCKET=" + notify_, "WATCHDOG_USEC=400000"}, {},
                             true);
  ASSERT_EQ(send_datagram(socket_, "first"), "");
  ASSERT_TRUE(manager.wait_for("READY=1")) << manager.all() << err();
  // READY comes after post_init (the trace line is written before).
  EXPECT_GE(count_lines(trace(), "post_init"), 1) << trace();
  ASSERT_TRUE(traced("service first")) << trace();
  for (int i = 0; i < 20; ++i) ASSERT_EQ(send_datagram(socket_, "d" + std::to_string(i)), "");
  ASSERT_TRUE(traced("service d19"));
  ASSERT_TRUE(manager.wait_for("STATUS=21 datagrams served", 10s)) << manager.all();
  manager.drain_for(1500ms);  // watchdog pings go on while idle
  ASSERT_EQ(::kill(child.pid, SIGTERM), 0);
  ASSERT_TRUE(manager.wait_for("STOPPING=1")) << manager.all();
  auto result = finish_tool(child, 20s);
  EXPECT_EQ(result.exit_code(), 0) << result.err;
  EXPECT_TRUE(traced("exit"));

  // STATUS at most once a second, never per datagram.
  auto status = manager.with("STATUS=");
  std::vector<NotifyListener::Message> periodic;
  for (const auto& message : status) {
    if (message.text.rfind("STATUS=", 0) == 0) periodic.push_back(message);  // not READY's or STOPPING's
  }
  EXPECT_GE(periodic.size(), 1u) << manager.all();
  EXPECT_LE(periodic.size(), 3u) << manager.all();
  for (std::size_t i = 1; i < periodic.size(); ++i) {
    EXPECT_GE(periodic[i].at - periodic[i - 1].at, 900ms) << manager.all();
  }
  // WATCHDOG=1 at half of WATCHDOG_USEC: never a gap systemd would act on.
  auto pings = manager.with("WATCHDOG=1");
  EXPECT_GE(pings.size(), 4u) << manager.all();
  for (std::size_t i = 1; i < pings.size(); ++i) {
    EXPECT_LT(pings[i].at - pings[i - 1].at, 400ms) << "ping " << i << ": " << manager.all();
  }
  // The last word is STOPPING, with what was served.
  EXPECT_NE(manager.messages().back().text.find("STOPPING=1\nSTATUS=21 datagrams served"), std::string::npos)
      << manager.all();
  // A socket systemd passed is never removed.
  EXPECT_TRUE(exists(socket_));
}

TEST_F(RunAnywhere, AnAbstractNotifySocketGetsTheMessagesToo) {
  std::string name = "@dgram-run-anywhere-" + std::to_string(::getpid());
  NotifyListener manager(name);
  ToolChild child = activate({"NOTIFY_SOCKET=" + name});
  ASSERT_EQ(send_datagram(socket_, "first"), "");
  EXPECT_TRUE(manager.wait_for("READY=1")) << manager.all() << err();
  ::kill(child.pid, SIGTERM);
  EXPECT_TRUE(manager.wait_for("STOPPING=1")) << manager.all();
  EXPECT_EQ(finish_tool(child, 20s).exit_code(), 0);
}

TEST_F(RunAnywhere, AWatchdogMeantForAnotherProcessIsNotPinged) {
  NotifyListener manager(notify_);
  ToolChild child = activate({"NOTIFY_SOCKET=" + notify_, "WATCHDOG_USEC=100000", "WATCHDOG_PID=1"});
  ASSERT_EQ(send_datagram(socket_, "first"), "");
  ASSERT_TRUE(manager.wait_for("READY=1")) << manager.all() << err();
  manager.drain_for(600ms);  // six intervals: a pinging process would have sent ten
  ::kill(child.pid, SIGTERM);
  EXPECT_EQ(finish_tool(child, 20s).exit_code(), 0);
  EXPECT_TRUE(manager.with("WATCHDOG=1").empty()) << manager.all();
}

TEST_F(RunAnywhere, AFatalErrorIsToldWithErrnoAndStatus) {
  NotifyListener manager(notify_);
  ToolChild child = activate({"NOTIFY_SOCKET=" + notify_});
  ASSERT_EQ(send_datagram(socket_, "fail"), "");
  auto result = finish_tool(child, 20s);
  EXPECT_EQ(result.exit_code(), 1) << result.err;
  EXPECT_EQ(count_lines(result.err, "fatal: cannot serve \"fail\""), 1) << result.err;
  ASSERT_TRUE(manager.wait_for("ERRNO=", 5s)) << manager.all();
  auto fatal = manager.with("ERRNO=");
  ASSERT_EQ(fatal.size(), 1u);
  EXPECT_NE(fatal[0].text.find("ERRNO=22\nSTATUS=fatal: cannot serve \"fail\""), std::string::npos)
      << fatal[0].text;
}

TEST_F(RunAnywhere, TheActivationVariablesAreNotInheritedAndTheNamesArePassedOn) {
  std::vector<std::string> argv{socket_activate(), "--datagram", "-l", socket_, "--fdname=trace.socket",
                                trace_service(), "-o", "trace_file=" + trace_};
  ToolChild child = start(argv, clean_env());
  ASSERT_TRUE(eventually([&] { return exists(socket_); }));
  ASSERT_EQ(send_datagram(socket_, "env"), "");
  ASSERT_EQ(send_datagram(socket_, "names"), "");
  ASSERT_TRUE(traced("names")) << trace() << err();
  EXPECT_EQ(count_lines(trace(), "env LISTEN_PID=- LISTEN_FDS=- LISTEN_FDNAMES=- LISTEN_PIDFDID=-"), 1) << trace();
  EXPECT_EQ(count_lines(trace(), "names trace.socket"), 1) << trace();
  ::kill(child.pid, SIGTERM);
  EXPECT_EQ(finish_tool(child, 20s).exit_code(), 0);
}

TEST_F(RunAnywhere, SighupRunsTheReloadHookAndServingGoesOn) {
  NotifyListener manager(notify_);
  ToolChild child = activate({"NOTIFY_SOCKET=" + notify_});
  ASSERT_EQ(send_datagram(socket_, "first"), "");
  ASSERT_TRUE(manager.wait_for("READY=1")) << manager.all() << err();
  ASSERT_EQ(::kill(child.pid, SIGHUP), 0);
  ASSERT_TRUE(traced("reload")) << trace();
  ASSERT_TRUE(manager.wait_for("READY=1")) << manager.all();
  ASSERT_EQ(send_datagram(socket_, "after"), "");
  EXPECT_TRUE(traced("service after"));
  auto reloading = manager.with("RELOADING=1\nMONOTONIC_USEC=");
  EXPECT_EQ(reloading.size(), 1u) << manager.all();
  ::kill(child.pid, SIGTERM);
  EXPECT_EQ(finish_tool(child, 20s).exit_code(), 0);
  EXPECT_EQ(count_lines(trace(), "reload"), 1);
}

TEST_F(RunAnywhere, AStreamSocketFromSystemdIsOneClearFatalLine) {
  ToolChild child = activate({}, {}, false);  // ListenStream= by mistake
  {
    dgram::UniqueFd client(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path, socket_.c_str(), socket_.size() + 1);
    ASSERT_EQ(::connect(client.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
    auto result = finish_tool(child, 20s);
    EXPECT_EQ(result.exit_code(), 1) << result.err;
    EXPECT_EQ(count_lines(result.err,
                          "fatal: fd 3 from LISTEN_FDS is a stream socket (ListenStream=), not a datagram socket"),
              1)
        << result.err;
  }
}

TEST_F(RunAnywhere, SocketsPassedToAnotherProcessAreRefusedByName) {
  auto env = clean_env();
  env["LISTEN_PID"] = "1";
  env["LISTEN_FDS"] = "1";
  ToolChild child = start({trace_service(), "-o", "trace_file=" + trace_}, env);
  auto result = finish_tool(child, 20s);
  EXPECT_EQ(result.exit_code(), 1);
  EXPECT_EQ(count_lines(result.err, "fatal: LISTEN_PID=1 is not this process (pid " + std::to_string(child.pid)), 1)
      << result.err;
}

// stderr connected to journald: <N> priorities, no program[pid] prefix.
TEST_F(RunAnywhere, WithJournalStreamOnStderrLinesCarryTheirPriority) {
  std::string err_path = dir_.path() + "/err";
  { std::ofstream create(err_path); }
  struct stat status {};
  ASSERT_EQ(::stat(err_path.c_str(), &status), 0);
  std::string stream = std::to_string(status.st_dev) + ":" + std::to_string(status.st_ino);
  ToolChild child = activate({"JOURNAL_STREAM=" + stream});
  ASSERT_EQ(send_datagram(socket_, "fail"), "");
  auto result = finish_tool(child, 20s);
  EXPECT_EQ(result.exit_code(), 1);
  EXPECT_EQ(count_lines(result.err, "<6>started by systemd socket activation: fd 3"), 1) << result.err;
  EXPECT_EQ(count_lines(result.err, "<2>fatal: cannot serve \"fail\""), 1) << result.err;
  EXPECT_EQ(count_lines(result.err, "trace-service["), 0) << result.err;
}

TEST_F(RunAnywhere, AJournalStreamThatIsNotOurStderrChangesNothing) {
  ToolChild child = activate({"JOURNAL_STREAM=1:1"});
  ASSERT_EQ(send_datagram(socket_, "fail"), "");
  auto result = finish_tool(child, 20s);
  EXPECT_EQ(result.exit_code(), 1);
  EXPECT_EQ(count_lines(result.err, "trace-service[" + std::to_string(child.pid) + "]: fatal: cannot serve"), 1)
      << result.err;
  EXPECT_EQ(count_lines(result.err, "<2>"), 0) << result.err;
}

// --- on its own

TEST_F(RunAnywhere, RunByHandItSaysHowItCanBeStarted) {
  ToolChild child = start({trace_service()}, clean_env());
  auto result = finish_tool(child, 20s);
  EXPECT_EQ(result.exit_code(), 1);
  EXPECT_EQ(count_lines(result.err, "fatal: not started by the Postfix master (-t unix-dgram), by systemd socket "
                                    "activation (LISTEN_FDS), nor with --listen:"),
            1)
      << result.err;
  EXPECT_EQ(count_lines(result.err, "trace-service --listen PATH [--mode OCTAL]"), 1) << result.err;
  EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << "one line: " << result.err;
}

TEST_F(RunAnywhere, ListenCreatesTheSocketServesAndRemovesItAtSigterm) {
  NotifyListener manager(notify_);
  auto env = clean_env();
  env["NOTIFY_SOCKET"] = notify_;
  ToolChild child = start({trace_service(), "--listen", socket_, "--mode", "0620", "-o", "trace_file=" + trace_}, env);
  ASSERT_TRUE(manager.wait_for("READY=1")) << manager.all() << err();
  struct stat status {};
  ASSERT_EQ(::lstat(socket_.c_str(), &status), 0);
  EXPECT_TRUE(S_ISSOCK(status.st_mode));
  EXPECT_EQ(status.st_mode & 07777, 0620u);
  // No use limit without a master: 150 datagrams (max_use's default is 100).
  for (int i = 0; i < 150; ++i) ASSERT_EQ(send_datagram(socket_, "d" + std::to_string(i)), "");
  ASSERT_TRUE(traced("service d149")) << err();
  ASSERT_EQ(send_datagram(socket_, "names"), "");
  ASSERT_TRUE(traced("names " + socket_));
  // Without main.cf the working directory is /.
  EXPECT_EQ(count_lines(trace(), "whereabouts pre_init cwd=/ "), 1) << trace();
  ASSERT_EQ(::kill(child.pid, SIGTERM), 0);
  auto result = finish_tool(child, 20s);
  EXPECT_EQ(result.exit_code(), 0) << result.err;
  EXPECT_TRUE(traced("exit"));
  EXPECT_FALSE(exists(socket_));
}

TEST_F(RunAnywhere, AStaleSocketIsReplacedAndALiveOneRefused) {
  {
    dgram::UniqueFd stale(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path, socket_.c_str(), socket_.size() + 1);
    ASSERT_EQ(::bind(stale.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  }  // closed: the file stays, nobody listens
  ASSERT_TRUE(exists(socket_));
  ToolChild first = start({trace_service(), "--listen", socket_, "-V", "-o", "trace_file=" + trace_}, clean_env());
  ASSERT_TRUE(traced("post_init")) << err();  // the socket is bound before pre_init
  ASSERT_EQ(send_datagram(socket_, "one"), "");
  ASSERT_TRUE(traced("service one")) << err();
  EXPECT_EQ(count_lines(err(), "listening on " + socket_ + " (replaced a stale socket, mode 0666)"), 1) << err();

  ToolChild second = start_tool({trace_service(), "--listen", socket_, "-o", "trace_file=" + trace_},
                                dir_.path() + "/out2", dir_.path() + "/err2", clean_env());
  started_.push_back(second.pid);
  auto refused = finish_tool(second, 20s);
  EXPECT_EQ(refused.exit_code(), 1);
  EXPECT_EQ(count_lines(refused.err, "fatal: --listen " + socket_ +
                                         ": another process is serving this socket; stop it first"),
            1)
      << refused.err;
  // The first one still has its socket and serves.
  ASSERT_EQ(send_datagram(socket_, "two"), "");
  EXPECT_TRUE(traced("service two"));
  ::kill(first.pid, SIGTERM);
  EXPECT_EQ(finish_tool(first, 20s).exit_code(), 0);
  EXPECT_FALSE(exists(socket_));
}

TEST_F(RunAnywhere, AFileThatIsNotASocketIsLeftAlone) {
  { std::ofstream file(socket_); file << "precious\n"; }
  auto result = finish_tool(start({trace_service(), "--listen", socket_}, clean_env()), 20s);
  EXPECT_EQ(result.exit_code(), 1);
  EXPECT_EQ(count_lines(result.err, "fatal: --listen " + socket_ + ": the path is a regular file, not a socket"), 1)
      << result.err;
  EXPECT_EQ(read_whole(socket_), "precious\n");
}

TEST_F(RunAnywhere, StandaloneSighupReloadsAndOwnerAndGroupAreSet) {
  passwd* nobody = ::getpwnam("nobody");
  group* nogroup = ::getgrnam("nogroup");
  if (::geteuid() != 0 || !nobody || !nogroup) GTEST_SKIP() << "needs root and the nobody user, nogroup group";
  ToolChild child = start({trace_service(), "--listen", socket_, "--owner", "nobody", "--group", "nogroup", "-o",
                           "trace_file=" + trace_},
                          clean_env());
  ASSERT_TRUE(traced("post_init")) << err();
  struct stat status {};
  ASSERT_EQ(::lstat(socket_.c_str(), &status), 0);
  EXPECT_EQ(status.st_uid, nobody->pw_uid);
  EXPECT_EQ(status.st_gid, nogroup->gr_gid);
  ASSERT_EQ(send_datagram(socket_, "before"), "");
  ASSERT_TRUE(traced("service before"));
  ASSERT_EQ(::kill(child.pid, SIGHUP), 0);
  ASSERT_TRUE(traced("reload"));
  ASSERT_EQ(send_datagram(socket_, "after"), "");
  EXPECT_TRUE(traced("service after"));
  ::kill(child.pid, SIGTERM);
  EXPECT_EQ(finish_tool(child, 20s).exit_code(), 0);
  EXPECT_FALSE(exists(socket_));
}

TEST_F(RunAnywhere, ChrootAndUserSwitchWorkOnTheirOwnToo) {
  passwd* nobody = ::getpwnam("nobody");
  if (::geteuid() != 0 || !nobody) GTEST_SKIP() << "needs root and the nobody user";
  std::string queue = dir_.path() + "/queue";
  std::string run = dir_.path() + "/run";
  ASSERT_EQ(::mkdir(queue.c_str(), 0755), 0);
  ASSERT_EQ(::mkdir((queue + "/pid").c_str(), 0755), 0);
  ASSERT_EQ(::mkdir(run.c_str(), 0777), 0);
  ASSERT_EQ(::chmod(run.c_str(), 0777), 0);  // nobody may remove the socket at exit
  ASSERT_EQ(::chmod(dir_.path().c_str(), 0755), 0);
  std::string path = run + "/chrooted.sock";
  ToolChild child = start({trace_service(), "--listen", path, "-c", "-u", "-o", "queue_directory=" + queue, "-o",
                           "mail_owner=nobody", "-o", "trace_file=" + trace_},
                          chrooted_env());
  ASSERT_TRUE(traced("whereabouts post_init")) << err();
  EXPECT_EQ(count_lines(trace(), "whereabouts post_init cwd=/ queue_is_root=yes uid=" +
                                     std::to_string(nobody->pw_uid)),
            1)
      << trace();
  ASSERT_EQ(send_datagram(path, "inside"), "");
  EXPECT_TRUE(traced("service inside"));
  ::kill(child.pid, SIGTERM);
  auto result = finish_tool(child, 20s);
  EXPECT_EQ(result.exit_code(), 0) << result.err;
  EXPECT_FALSE(exists(path)) << "removed through the directory opened before the chroot";
}

}  // namespace
