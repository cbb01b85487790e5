// SPDX-License-Identifier: MIT
// integration_test - dgram-sink and the trace service run as real child
// processes, with fds 3/4/5/6 set up the way master(8) does it; this test
// plays the master (status channel, flow pipe) and the client.
#include <fcntl.h>
#include <pty.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "serve/lock_file_gate.h"
#include "start/master_protocol.h"
#include "dgram/unique_fd.h"
#include "master_side.h"
#include "support/datagram_socket.h"
#include "support/temp_dir.h"

namespace dgram {
namespace {

// ThreadSanitizer defers a signal's handler until the thread leaves a system
// call it does not know as blocking (open of a FIFO, clock_nanosleep), so a
// test that needs a handler to run inside such a call cannot pass under it.
#if defined(__SANITIZE_THREAD__)
constexpr bool kThreadSanitizer = true;
#else
constexpr bool kThreadSanitizer = false;
#endif
constexpr const char* kSignalsDeferred =
    "ThreadSanitizer defers signal handlers until a blocking call returns";

using namespace std::chrono_literals;
using launch::MasterSide;
using testing::DatagramSocket;
using testing::TempDir;

std::string program(const char* variable) {
  const char* path = std::getenv(variable);
  if (path == nullptr) throw std::runtime_error(std::string(variable) + " is not set (run from meson test)");
  return path;
}

// queued_records - every datagram waiting on a bound socket (a stand-in syslogd).
std::vector<std::string> queued_records(const DatagramSocket& socket) {
  std::vector<char> buffer(70000);
  std::vector<std::string> records;
  ssize_t n;
  while ((n = ::recv(socket.listen_fd(), buffer.data(), buffer.size(), MSG_DONTWAIT)) > 0) {
    records.emplace_back(buffer.data(), static_cast<std::size_t>(n));
  }
  return records;
}

class ChildTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_.write_main_cf(); }

  void TearDown() override {
    for (pid_t pid : children_) {
      // Only our own children, by PID, and only those still running.
      if (::waitpid(pid, nullptr, WNOHANG) == 0) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, nullptr, 0);
      }
    }
  }

  pid_t spawn(const std::string& path, std::vector<std::string> words,
              std::map<std::string, std::string> env = {}, int stdin_fd = -1) {
    std::vector<std::string> argv{path};
    argv.insert(argv.end(), words.begin(), words.end());
    env.try_emplace("MAIL_CONFIG", dir_.path());
    env.try_emplace("PATH", "/usr/bin:/bin");
    if (const char* asan = std::getenv("ASAN_OPTIONS")) env.try_emplace("ASAN_OPTIONS", asan);
    if (const char* ubsan = std::getenv("UBSAN_OPTIONS")) env.try_emplace("UBSAN_OPTIONS", ubsan);
    UniqueFd err(::open(dir_.file("stderr").c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
    pid_t pid = master_.spawn(path, argv, env, {socket_.listen_fd()}, stdin_fd, err.get());
    children_.push_back(pid);
    return pid;
  }

  // Waits for the child's exit; returns "exit N" / "signal N" / "timeout".
  std::string finish(pid_t pid, std::chrono::milliseconds timeout = 10s) {
    auto status = launch::wait_for_exit(pid, timeout);
    return status ? launch::describe_wait_status(*status) : "timeout";
  }

  StatusRecord record() {
    auto r = master_.read_record(10s);
    if (!r) throw std::runtime_error("no status record within 10 s");
    return *r;
  }

  // Reads n records and returns them as letters T/A, checking pid and generation.
  std::string records(int n, pid_t pid, unsigned generation) {
    std::string letters;
    for (int i = 0; i < n; ++i) {
      StatusRecord r = record();
      EXPECT_EQ(r.pid, pid);
      EXPECT_EQ(r.generation, generation);
      letters += r.avail == 1 ? "A" : r.avail == 0 ? "T" : "?";
    }
    return letters;
  }

  std::string stderr_text() const { return dir_.read("stderr"); }

  TempDir dir_;
  DatagramSocket socket_{dir_.file("socket")};
  MasterSide master_;
  std::vector<pid_t> children_;
};

class SinkTest : public ChildTest {
 protected:
  pid_t sink(std::vector<std::string> words, std::map<std::string, std::string> env = {},
             int stdin_fd = -1) {
    words.insert(words.begin(), {"-o", "dgram_sink_summary_file=" + dir_.file("summary")});
    return spawn(program("DGRAM_SINK"), words, std::move(env), stdin_fd);
  }
  std::string summary() const { return dir_.read("summary"); }
};

TEST_F(SinkTest, ReportsTakenAndAvailPerRequestAndCountsWhatItServed) {
  pid_t pid = sink({"-V", "-l", "-t", "unix-dgram", "-o", "dgram_postfix_compatible=yes"}, {{"GENERATION", "17"}});
  socket_.send("a");
  socket_.send("bb");
  socket_.send("ccc");
  EXPECT_EQ(records(6, pid, 017), "TATATA");
  master_.close_status();  // the master goes away
  EXPECT_EQ(finish(pid), "exit 0") << stderr_text();
  EXPECT_NE(summary().find(" datagrams=3 bytes=6 truncated=0"), std::string::npos) << summary();
  EXPECT_NE(stderr_text().find("exit: pid=" + std::to_string(pid)), std::string::npos);
}

TEST_F(SinkTest, SharingTheSocketEveryTurnItReportsTakenAndAvailAroundEachBatch) {
  for (const char* d : {"a", "bb", "ccc"}) socket_.send(d);
  pid_t pid = sink({"-n", "shared", "-t", "unix-dgram", "-o", "dgram_busy_after_usec=0"}, {{"GENERATION", "3"}});
  EXPECT_EQ(records(2, pid, 3), "TA");  // the three queued datagrams were one batch
  master_.close_status();
  EXPECT_EQ(finish(pid), "exit 0") << stderr_text();
  EXPECT_NE(summary().find(" datagrams=3 bytes=6 truncated=0 batches=1 "), std::string::npos) << summary();
}

// By default (dgram_busy_after_usec = 1000) a turn shorter than 1 ms is not
// busy: the master hears nothing, as nothing would change what it does;
// with 20 ms of work per datagram the turn is busy and it hears TAKEN, AVAIL
// (one callback is looked at within the threshold and 2 ms more: 20 ms leaves
// the hand-off timer's signal room to be late).
TEST_F(SinkTest, SharingTheSocketItReportsOnlyTurnsThatLastedAMillisecond) {
  for (const char* d : {"a", "bb", "ccc"}) socket_.send(d);
  pid_t pid = sink({"-n", "shared", "-t", "unix-dgram", "-m", "3"}, {{"GENERATION", "3"}});
  EXPECT_EQ(finish(pid), "exit 0") << stderr_text();
  EXPECT_FALSE(master_.read_record(std::chrono::milliseconds(0))) << "a short turn was reported";
  socket_.send("slow");
  pid = sink({"-n", "shared", "-t", "unix-dgram", "-o", "dgram_sink_work_usec=20000"}, {{"GENERATION", "3"}});
  EXPECT_EQ(records(2, pid, 3), "TA");
  master_.close_status();
  EXPECT_EQ(finish(pid), "exit 0") << stderr_text();
}

TEST_F(SinkTest, ChecksSequenceNumbersWithoutGapsOrRepeats) {
  pid_t pid = sink({"-l", "-t", "unix-dgram", "-o", "dgram_sink_check_sequence=yes", "-m", "8"});
  for (int i = 0; i < 8; ++i) {
    char text[32];
    std::snprintf(text, sizeof(text), "%012d payload", i);
    socket_.send(text);
  }
  EXPECT_EQ(finish(pid), "exit 0") << stderr_text();
  EXPECT_NE(summary().find("datagrams=8"), std::string::npos) << summary();
  EXPECT_NE(summary().find("seq_first=0 seq_last=7 seq_gaps=0 seq_repeats=0 seq_malformed=0 "
                           "seq_runs=0-7"),
            std::string::npos)
      << summary();
}

TEST_F(SinkTest, WithoutDashVStderrGetsOnlyFatalLines) {
  socket_.send(std::string(5000, 'x'));
  pid_t pid = sink({"-l", "-t", "unix-dgram", "-m", "1"});
  EXPECT_EQ(finish(pid), "exit 0");
  EXPECT_EQ(stderr_text(), "");  // the warning and the exit line went to syslog
  pid = sink({"-l", "-t", "unix-dgram", "-o", "max_use=x"});
  EXPECT_EQ(finish(pid), "exit 1");
  EXPECT_EQ(stderr_text(), "postfix/dgram-sink[" + std::to_string(pid) +
                               "]: fatal: bad numerical configuration: max_use = x\n");
}

TEST_F(SinkTest, LogsToSyslogWithSyslogNameAndFacility) {
  DatagramSocket syslog(dir_.file("syslog"));  // stands in for /dev/log
  dir_.write_main_cf("dgram_syslog_socket = " + dir_.file("syslog") +
                     "\nsyslog_name = mailer\nsyslog_facility = local3\n");
  socket_.send(std::string(5000, 'x'));
  pid_t pid = sink({"-l", "-t", "unix-dgram", "-m", "1"});
  EXPECT_EQ(finish(pid), "exit 0");
  std::vector<std::string> records = queued_records(syslog);
  ASSERT_EQ(records.size(), 2u);
  std::string tag = " mailer/dgram-sink[" + std::to_string(pid) + "]: ";
  // local3 = 19: warning 19*8+4 = 156, info 19*8+6 = 158.
  EXPECT_EQ(records[0].rfind("<156>", 0), 0u) << records[0];
  EXPECT_NE(records[0].find(tag + "warning: datagram of 5000 bytes truncated"), std::string::npos) << records[0];
  EXPECT_EQ(records[1].rfind("<158>", 0), 0u) << records[1];
  EXPECT_NE(records[1].find(tag + "exit: pid="), std::string::npos) << records[1];
}

TEST_F(SinkTest, UseLimitEndsTheProcessAfterExactlyThatMany) {
  for (int i = 0; i < 5; ++i) socket_.send("x");
  pid_t pid = sink({"-l", "-t", "unix-dgram", "-m", "3"});
  EXPECT_EQ(finish(pid), "exit 0") << stderr_text();
  EXPECT_NE(summary().find(" datagrams=3 "), std::string::npos) << summary();
  EXPECT_EQ(socket_.drain(), 2);
}

TEST_F(SinkTest, IdleLimitEndsTheProcess) {
  pid_t pid = sink({"-l", "-t", "unix-dgram", "-i", "1"});
  EXPECT_EQ(finish(pid), "exit 0") << stderr_text();
  EXPECT_NE(summary().find(" datagrams=0 "), std::string::npos) << summary();
}

TEST_F(SinkTest, TruncatedDatagramIsCountedAndLogged) {
  socket_.send(std::string(5000, 'x'));
  pid_t pid = sink({"-V", "-l", "-t", "unix-dgram", "-m", "1"});
  EXPECT_EQ(finish(pid), "exit 0") << stderr_text();
  EXPECT_NE(summary().find(" datagrams=1 bytes=4096 truncated=1"), std::string::npos) << summary();
  EXPECT_NE(stderr_text().find("warning: datagram of 5000 bytes truncated"), std::string::npos)
      << stderr_text();
}

TEST_F(SinkTest, MastersDescriptorsAreCloseOnExecInTheChild) {
  pid_t pid = sink({"-l", "-t", "unix-dgram", "-o", "dgram_postfix_compatible=yes"});
  socket_.send("x");
  EXPECT_EQ(records(2, pid, 0), "TA");  // it is serving, so set-up is done
  for (int fd = 3; fd <= 6; ++fd) {
    std::ifstream info("/proc/" + std::to_string(pid) + "/fdinfo/" + std::to_string(fd));
    std::string line;
    unsigned long flags = 0;
    while (std::getline(info, line)) {
      if (line.rfind("flags:", 0) == 0) flags = std::stoul(line.substr(6), nullptr, 8);
    }
    EXPECT_TRUE(flags & O_CLOEXEC) << "fd " << fd << " flags " << std::oct << flags;
  }
  master_.close_status();
  EXPECT_EQ(finish(pid), "exit 0");
}

TEST_F(SinkTest, RefusesToRunByHandOnATerminal) {
  int pty_master = -1, pty_slave = -1;
  ASSERT_EQ(::openpty(&pty_master, &pty_slave, nullptr, nullptr, nullptr), 0);
  UniqueFd keep_master(pty_master), keep_slave(pty_slave);
  pid_t pid = sink({"-l", "-t", "unix-dgram"}, {}, pty_slave);
  EXPECT_EQ(finish(pid), "exit 1");
  EXPECT_NE(stderr_text().find("fatal: do not run this command by hand"), std::string::npos)
      << stderr_text();
}

struct StartError {
  std::vector<std::string> words;
  std::map<std::string, std::string> env;
  std::string message;
};

class SinkStartErrors : public SinkTest, public ::testing::WithParamInterface<StartError> {};

TEST_P(SinkStartErrors, ExitNonZeroWithOneClearLine) {
  pid_t pid = sink(GetParam().words, GetParam().env);
  EXPECT_EQ(finish(pid), "exit 1");
  EXPECT_NE(stderr_text().find("fatal: "), std::string::npos) << stderr_text();
  EXPECT_NE(stderr_text().find(GetParam().message), std::string::npos) << stderr_text();
  EXPECT_EQ(summary(), "");  // the exit hook did not run
}

INSTANTIATE_TEST_SUITE_P(
    Table, SinkStartErrors,
    ::testing::Values(
        StartError{{"-l"}, {}, "not started by the Postfix master (-t unix-dgram), by systemd socket activation"},
        StartError{{"-l", "-t", "inet"}, {}, "unsupported transport type: inet"},
        StartError{{"-l", "-t", "unix-dgram", "-o", "service_name=x"}, {},
                   "parameter service_name is read-only"},
        StartError{{"-l", "-t", "unix-dgram", "-q"}, {}, "invalid option: -q"},
        StartError{{"-l", "-t", "unix-dgram"}, {{"GENERATION", "8"}}, "bad generation: 8"},
        StartError{{"-l", "-t", "unix-dgram", "-o", "dgram_sink_check_sequence=maybe"}, {},
                   "bad boolean configuration: dgram_sink_check_sequence = maybe"},
        StartError{{"-l", "-t", "unix-dgram", "-o", "dgram_sink_work_usec=-1"}, {},
                   "fatal: invalid dgram_sink_work_usec parameter value -1 < 0"},
        StartError{{"-l", "-t", "unix-dgram", "-o", "dgram_sink_work_usec=10000001"}, {},
                   "fatal: invalid dgram_sink_work_usec parameter value 10000001 > 10000000"},
        StartError{{"-l", "-t", "unix-dgram", "-o", "dgram_sink_work_usec=1ms"}, {},
                   "fatal: bad numerical configuration: dgram_sink_work_usec = 1ms"},
        StartError{{"-l", "-t", "unix-dgram", "-o", "dgram_sink_work_spin=fast"}, {},
                   "fatal: bad boolean configuration: dgram_sink_work_spin = fast"}));

// dgram_sink_work_usec: SIGTERM while the sink sleeps over a datagram ends
// neither the sleep nor the process at once: the datagram gets its whole
// time, then the child exits normally, through its exit hook.
TEST_F(SinkTest, SigtermDuringEmulatedWorkFinishesTheDatagramThenExitsCleanly) {
  if (kThreadSanitizer) GTEST_SKIP() << kSignalsDeferred;
  // Sharing the socket (no -l), so that it reports TAKEN before it works.
  pid_t pid = sink({"-n", "shared", "-t", "unix-dgram", "-o", "dgram_sink_work_usec=1000000"}, {{"GENERATION", "1"}});
  socket_.send("a");
  ASSERT_EQ(records(1, pid, 1), "T");  // it took the datagram and is at work
  auto taken = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(100ms);  // well inside the 1 s of work
  ASSERT_EQ(::kill(pid, SIGTERM), 0);
  EXPECT_EQ(finish(pid), "exit 0") << stderr_text();
  EXPECT_GE(std::chrono::steady_clock::now() - taken, 800ms);  // the sleep was not cut short
  EXPECT_NE(summary().find(" datagrams=1 "), std::string::npos) << summary();
  EXPECT_EQ(stderr_text().find("fatal"), std::string::npos) << stderr_text();
}

// --- the trace service: hook order and the lock-file gate between processes

struct TraceLine {
  pid_t pid;
  std::string event;
};

std::vector<TraceLine> read_trace(const std::string& path) {
  std::vector<TraceLine> lines;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    auto space = line.find(' ');
    lines.push_back({static_cast<pid_t>(std::stol(line.substr(0, space))), line.substr(space + 1)});
  }
  return lines;
}

// The non-gate events of one process as one string of letters:
// i pre_init, p post_init, l loop, a pre_accept, s service, x exit.
std::string hook_letters(const std::vector<TraceLine>& lines, pid_t pid) {
  std::string letters;
  for (const auto& line : lines) {
    if (line.pid != pid) continue;
    const std::string& e = line.event;
    if (e == "pre_init") letters += 'i';
    else if (e == "post_init") letters += 'p';
    else if (e == "loop") letters += 'l';
    else if (e == "pre_accept") letters += 'a';
    else if (e.rfind("service", 0) == 0) letters += 's';
    else if (e == "exit") letters += 'x';
  }
  return letters;
}

class TraceTest : public ChildTest {
 protected:
  void SetUp() override { dir_.write_main_cf("trace_file = " + dir_.file("trace") + "\n"); }
  pid_t trace_service(std::vector<std::string> words, std::map<std::string, std::string> env = {}) {
    return spawn(program("DGRAM_TRACE_SERVICE"), std::move(words), std::move(env));
  }
  std::vector<TraceLine> trace() const { return read_trace(dir_.file("trace")); }
};

std::string whereabouts(const std::vector<TraceLine>& lines, const std::string& hook) {
  for (const auto& line : lines) {
    if (line.event.rfind("whereabouts " + hook + " ", 0) == 0) return line.event.substr(13 + hook.size());
  }
  return "(none)";
}

TEST_F(TraceTest, StartUpOrderChdirPreInitThenChrootAndUserThenPostInit) {
  passwd* pw = ::getpwnam("nobody");
  ASSERT_NE(pw, nullptr);
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to chroot and switch users";
  // The queue directory must be reachable for the unprivileged user.
  ASSERT_EQ(::chmod(dir_.path().c_str(), 0755), 0);
  dir_.write_main_cf("trace_file = " + dir_.file("trace") + "\nmail_owner = nobody\n");
  // LeakSanitizer cannot read /proc inside the chroot (sanitizer builds).
  pid_t pid = trace_service({"-l", "-c", "-u", "-t", "unix-dgram", "-m", "1"},
                            {{"ASAN_OPTIONS", "detect_leaks=0:halt_on_error=1"}});
  socket_.send("x");
  EXPECT_EQ(finish(pid), "exit 0") << stderr_text();
  auto lines = trace();
  EXPECT_EQ(hook_letters(lines, pid), "iplasx");
  EXPECT_EQ(whereabouts(lines, "pre_init"), "cwd=" + dir_.path() + " queue_is_root=no uid=0 euid=0 gid=0");
  std::string u = std::to_string(pw->pw_uid), g = std::to_string(pw->pw_gid);
  EXPECT_EQ(whereabouts(lines, "post_init"),
            "cwd=/ queue_is_root=yes uid=" + u + " euid=" + u + " gid=" + g);
}

TEST_F(TraceTest, WatchdogKillsAProcessStuckInItsCallback) {
  pid_t pid = trace_service({"-l", "-t", "unix-dgram"}, {{"TRACE_WATCHDOG", "1"}});
  socket_.send("stall");
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(finish(pid, 15s), "exit 1");
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
  EXPECT_NE(stderr_text().find("trace-service[" + std::to_string(pid) + "]: fatal: watchdog timeout"),
            std::string::npos)
      << stderr_text();
  EXPECT_EQ(hook_letters(trace(), pid), "iplas");  // no exit hook: it was killed
}

TEST_F(TraceTest, WatchdogNeverKillsAnIdleProcess) {
  pid_t pid = trace_service({"-l", "-t", "unix-dgram", "-o", "dgram_postfix_compatible=yes"},
                            {{"TRACE_WATCHDOG", "1"}});
  // Idle three times the limit (no idle limit is set in this main.cf).
  EXPECT_EQ(finish(pid, 3s), "timeout");
  socket_.send("still here");
  EXPECT_EQ(record().avail, 0);
  EXPECT_EQ(record().avail, 1);
  master_.close_status();
  EXPECT_EQ(finish(pid), "exit 0") << stderr_text();
  EXPECT_EQ(stderr_text().find("watchdog"), std::string::npos) << stderr_text();
}

TEST_F(TraceTest, UnknownMailOwnerIsFatal) {
  dir_.write_main_cf("trace_file = " + dir_.file("trace") + "\nmail_owner = no-such-user-here\n");
  pid_t pid = trace_service({"-l", "-u", "-t", "unix-dgram"});
  EXPECT_EQ(finish(pid), "exit 1");
  EXPECT_NE(stderr_text().find("fatal: unknown user: no-such-user-here (mail_owner)"), std::string::npos)
      << stderr_text();
  EXPECT_EQ(hook_letters(trace(), pid), "i");  // pre-init ran, post-init did not
}

TEST_F(TraceTest, FailedChrootIsFatal) {
  // An unprivileged process cannot chroot: run the service as nobody.
  ASSERT_EQ(::chmod(dir_.path().c_str(), 0777), 0);
  pid_t pid = spawn("/usr/bin/setpriv",
                    {"--reuid=65534", "--regid=65534", "--clear-groups", "--", program("DGRAM_TRACE_SERVICE"),
                     "-l", "-c", "-t", "unix-dgram"});
  EXPECT_EQ(finish(pid), "exit 1");
  EXPECT_NE(stderr_text().find("fatal: chroot(\"" + dir_.path() + "\"): Operation not permitted"),
            std::string::npos)
      << stderr_text();
}

TEST_F(TraceTest, HooksRunPreInitPostInitThenLoopAcceptServiceThenExit) {
  pid_t pid = trace_service({"-l", "-t", "unix-dgram", "-m", "3", "-o", "dgram_postfix_compatible=yes"});
  for (int i = 0; i < 3; ++i) socket_.send("d" + std::to_string(i));
  EXPECT_EQ(finish(pid), "exit 0") << stderr_text();
  EXPECT_EQ(hook_letters(trace(), pid), "iplaslaslasx");
}

// Opens the FIFO for writing as soon as the blocked service has it open for
// reading, then writes one byte; bounded by a deadline.
bool release_blocked_service(const std::string& fifo) {
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline) {
    int fd = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd >= 0) {
      bool ok = ::write(fd, "go", 1) == 1;
      ::close(fd);
      return ok;
    }
    if (errno != ENXIO) return false;
    ::usleep(10 * 1000);  // the reader has not opened it yet; look again
  }
  return false;
}

// The pid of the first trace line with this event, waiting for it up to 10 s
// (the trace file is re-read every 10 ms until then).
std::optional<pid_t> wait_for_event(const std::string& path, const std::string& event) {
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline) {
    for (const auto& line : read_trace(path)) {
      if (line.event == event) return line.pid;
    }
    ::usleep(10 * 1000);
  }
  return std::nullopt;
}

// Both hand-offs: by default a callback that has run 1 ms is busy (the
// blocked callback's gate is given up from the hand-off timer's signal
// handler); with dgram_busy_after_usec = 0 every wake-up is, Postfix's way.
struct HandOff {
  const char* name;
  std::vector<std::string> words;
  int min_acquisitions;  // every turn takes the gate anew; busy turns keep it
};

class SharedSocketTest : public TraceTest, public ::testing::WithParamInterface<HandOff> {};

INSTANTIATE_TEST_SUITE_P(HandOffs, SharedSocketTest,
                         ::testing::Values(HandOff{"AfterAMillisecond", {}, 2},
                                           HandOff{"EveryTurn", {"-o", "dgram_busy_after_usec=0"}, 3}),
                         [](const auto& info) { return std::string(info.param.name); });

// The hand-off timer is set before a wait for the threshold and a little
// more; a wait that lasts longer lets it run out. The long callback of the
// first wake-up after such an idle spell must still be handed on from the
// timer's handler (before the fix it was not: the sibling waited until the
// callback returned).
TEST_F(TraceTest, ALongCallbackAfterAnIdleSpellIsHandedOnToTheSibling) {
  if (kThreadSanitizer) GTEST_SKIP() << kSignalsDeferred;
  ASSERT_EQ(::mkfifo(dir_.file("trace.fifo").c_str(), 0600), 0);
  std::vector<std::string> words{"-n", "shared", "-t", "unix-dgram"};
  pid_t first = trace_service(words);
  pid_t second = trace_service(words);
  // One of them holds the gate and waits for requests; let that wait run
  // well past the timer's 1 ms + 2 ms.
  ASSERT_TRUE(wait_for_event(dir_.file("trace"), "gate+").has_value()) << stderr_text();
  ::usleep(50 * 1000);
  socket_.send("block");
  auto busy = wait_for_event(dir_.file("trace"), "service block");
  ASSERT_TRUE(busy.has_value()) << stderr_text();
  pid_t other = *busy == first ? second : first;
  socket_.send("hello");
  auto helper = wait_for_event(dir_.file("trace"), "service hello");
  ASSERT_TRUE(helper.has_value()) << "the sibling never served while the first one's callback was blocked";
  EXPECT_EQ(*helper, other);
  ASSERT_TRUE(release_blocked_service(dir_.file("trace.fifo")));
  master_.hang_up();
  EXPECT_EQ(finish(first), "exit 0") << stderr_text();
  EXPECT_EQ(finish(second), "exit 0") << stderr_text();
}

TEST_P(SharedSocketTest, TwoProcessesShareOneSocketBothServeNeverBothWait) {
  // AfterAMillisecond hands the gate on from a signal handler while the callback waits.
  if (kThreadSanitizer && GetParam().words.empty()) GTEST_SKIP() << kSignalsDeferred;
  ASSERT_EQ(::mkfifo(dir_.file("trace.fifo").c_str(), 0600), 0);
  std::vector<std::string> words{"-n", "shared", "-t", "unix-dgram"};
  words.insert(words.end(), GetParam().words.begin(), GetParam().words.end());
  pid_t first = trace_service(words);
  pid_t second = trace_service(words);

  // Whoever takes "block" stays busy in its callback...
  socket_.send("block");
  auto busy = wait_for_event(dir_.file("trace"), "service block");
  ASSERT_TRUE(busy.has_value()) << stderr_text();
  ASSERT_TRUE(*busy == first || *busy == second);
  pid_t other = *busy == first ? second : first;
  // ...so the other one must serve the next datagram.
  socket_.send("hello");
  auto helper = wait_for_event(dir_.file("trace"), "service hello");
  ASSERT_TRUE(helper.has_value());
  EXPECT_EQ(*helper, other);
  ASSERT_TRUE(release_blocked_service(dir_.file("trace.fifo")));
  // More traffic while both are free; every datagram is served once.
  for (int i = 0; i < 8; ++i) socket_.send("more" + std::to_string(i));
  ASSERT_TRUE(wait_for_event(dir_.file("trace"), "service more7").has_value());
  master_.hang_up();
  EXPECT_EQ(finish(first), "exit 0") << stderr_text();
  EXPECT_EQ(finish(second), "exit 0") << stderr_text();

  auto lines = trace();
  // Lock holders strictly alternate: a gate+ is always followed by the same
  // process's gate- before anyone's next gate+.
  std::optional<pid_t> holder;
  int acquisitions = 0;
  std::map<std::string, int> served_data;
  std::set<pid_t> served_by;
  for (const auto& line : lines) {
    if (line.event == "gate+") {
      ASSERT_FALSE(holder.has_value()) << "pid " << line.pid << " waited while pid " << *holder << " did";
      holder = line.pid;
      ++acquisitions;
    } else if (line.event == "gate-") {
      ASSERT_TRUE(holder.has_value()) << "pid " << line.pid << " released a gate it did not hold";
      ASSERT_EQ(*holder, line.pid);
      holder.reset();
    } else if (line.event.rfind("service ", 0) == 0) {
      served_by.insert(line.pid);
      ++served_data[line.event.substr(8)];
    }
  }
  EXPECT_GE(acquisitions, GetParam().min_acquisitions);
  EXPECT_EQ(served_by, (std::set<pid_t>{first, second}));
  EXPECT_EQ(served_data.size(), 10u);
  for (const auto& [data, times] : served_data) EXPECT_EQ(times, 1) << data;
  for (pid_t pid : {first, second}) {
    EXPECT_TRUE(std::regex_match(hook_letters(lines, pid), std::regex("ip(la(s)*)+l?x")))
        << hook_letters(lines, pid);
  }
  // Each process's records alternate TAKEN, AVAIL (a process woken for a
  // datagram that its sibling took first reports both without serving).
  std::map<pid_t, std::string> letters;
  while (auto r = master_.read_record(5s)) letters[r->pid] += r->avail ? "A" : "T";
  for (const auto& [pid, text] : letters) {
    EXPECT_TRUE(pid == first || pid == second) << pid;
    EXPECT_TRUE(std::regex_match(text, std::regex("(TA)+"))) << text;
  }
}


// --- off the happy path: SIGTERM at any moment, the watchdog to the end

// wait_for_event - polls the trace for pid's event, up to timeout.
bool wait_for_event(const std::string& trace_path, pid_t pid, const std::string& event,
                    std::chrono::milliseconds timeout = 10s) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    for (const auto& line : read_trace(trace_path)) {
      if (line.pid == pid && line.event == event) return true;
    }
    ::usleep(2000);
  }
  return false;
}

TEST_F(TraceTest, SigtermDuringStartUpEndsTheChildWithStatusZero) {
  // A master that sees a child killed before its first request throttles
  // the service; a clean exit 0 does not.
  pid_t pid = trace_service({"-l", "-t", "unix-dgram", "-o", "trace_pre_init_nap=30"});
  ASSERT_TRUE(wait_for_event(dir_.file("trace"), pid, "napping")) << stderr_text();
  ASSERT_EQ(::kill(pid, SIGTERM), 0);
  EXPECT_EQ(finish(pid, 10s), "exit 0") << stderr_text();
  // Start-up went on to the loop, which ended at once: the exit hook ran once.
  EXPECT_EQ(hook_letters(trace(), pid), "iplx");
}

TEST_F(TraceTest, SigtermWhileWaitingForTheLockEndsTheChildAtOnce) {
  // This test holds the service's lock file, as a busy sibling would.
  LockFileGate sibling(dir_.file("pid/unix-dgram.shared"));
  ASSERT_TRUE(sibling.acquire());
  pid_t pid = trace_service({"-n", "shared", "-t", "unix-dgram"});
  ASSERT_TRUE(wait_for_event(dir_.file("trace"), pid, "post_init")) << stderr_text();
  // It is now blocked in the lock (or about to be): nothing ends that wait but SIGTERM.
  ASSERT_EQ(finish(pid, 300ms), "timeout");
  ASSERT_EQ(::kill(pid, SIGTERM), 0);
  EXPECT_EQ(finish(pid, 5s), "exit 0") << stderr_text();
  auto lines = trace();
  EXPECT_EQ(hook_letters(lines, pid), "ipx");  // never held the gate, never looped
  for (const auto& line : lines) EXPECT_NE(line.event, "gate+");
  sibling.release();
}

TEST_F(TraceTest, WatchdogStaysArmedWhileTheExitHookRuns) {
  pid_t pid = trace_service({"-l", "-t", "unix-dgram", "-m", "1"},
                            {{"TRACE_WATCHDOG", "1"}, {"TRACE_EXIT_STALL", "1"}});
  socket_.send("one");
  EXPECT_EQ(finish(pid, 15s), "exit 1");
  EXPECT_NE(stderr_text().find("trace-service[" + std::to_string(pid) + "]: fatal: watchdog timeout"),
            std::string::npos)
      << stderr_text();
  auto lines = trace();
  EXPECT_EQ(hook_letters(lines, pid), "iplasx");
  for (const auto& line : lines) EXPECT_NE(line.event, "exit stall survived");
}

TEST_F(TraceTest, WatchdogKillInABatchSaysHowManyReceivedDatagramsWereNotServed) {
  for (const char* d : {"a", "stall", "c", "d", "e"}) socket_.send(d);
  pid_t pid = trace_service({"-l", "-t", "unix-dgram"}, {{"TRACE_WATCHDOG", "1"}});
  EXPECT_EQ(finish(pid, 15s), "exit 1");
  // One batch of five: "a" was served, "stall" and the three after it were not.
  EXPECT_NE(stderr_text().find("]: fatal: watchdog timeout: 4 received datagrams not served\n"),
            std::string::npos)
      << stderr_text();
}

TEST_F(TraceTest, AFailingDatagramInARealChildIsOneFatalLineAndTheRestIsServed) {
  for (const char* d : {"a", "fail", "c", "d"}) socket_.send(d);
  pid_t pid = trace_service({"-l", "-t", "unix-dgram"});
  EXPECT_EQ(finish(pid), "exit 1");
  std::string err = stderr_text();
  EXPECT_EQ(err, "postfix/trace-service[" + std::to_string(pid) +
                     "]: fatal: cannot serve \"fail\" (datagram 2 of a batch of 4; the other 3 were "
                     "served)\n");
  EXPECT_EQ(hook_letters(trace(), pid), "iplassss");  // no exit hook after a fatal error
  EXPECT_EQ(socket_.drain(), 0);
}

// --- early fatal lines: they reach the log, not only stderr

struct EarlyFatal {
  std::string name;
  std::vector<std::string> words;
  std::string main_cf;  // appended to dgram_syslog_socket = ...
  std::string line;     // expected after "fatal: "
};

class EarlyFatalLines : public SinkTest, public ::testing::WithParamInterface<EarlyFatal> {};

TEST_P(EarlyFatalLines, ReachTheSyslogSocketWithTheSyslogNamePrefix) {
  DatagramSocket syslog(dir_.file("syslog"));
  dir_.write_main_cf("dgram_syslog_socket = " + dir_.file("syslog") + "\n" + GetParam().main_cf);
  pid_t pid = sink(GetParam().words);
  EXPECT_EQ(finish(pid), "exit 1");
  std::vector<std::string> records = queued_records(syslog);
  ASSERT_EQ(records.size(), 1u) << stderr_text();
  // mail = 2: fatal is LOG_CRIT, 2*8+2 = 18.
  EXPECT_EQ(records[0].rfind("<18>", 0), 0u) << records[0];
  std::string tail = " postfix/dgram-sink[" + std::to_string(pid) + "]: fatal: " + GetParam().line;
  EXPECT_EQ(records[0].substr(records[0].size() - std::min(records[0].size(), tail.size())), tail);
  EXPECT_EQ(records[0].find('\n'), std::string::npos);
  // stderr has the same line, once.
  EXPECT_EQ(stderr_text(), tail.substr(1) + "\n");
}

INSTANTIATE_TEST_SUITE_P(
    Table, EarlyFatalLines,
    ::testing::Values(
        EarlyFatal{"bad_option", {"-l", "-t", "unix-dgram", "-q"}, "", "invalid option: -q (in \"-q\")"},
        EarlyFatal{"bad_o_value", {"-l", "-t", "unix-dgram", "-o", "novalue"}, "",
                   "invalid \"-o novalue\" option value: missing '=' after parameter name"},
        EarlyFatal{"bad_max_use", {"-l", "-t", "unix-dgram", "-o", "max_use=many"}, "",
                   "bad numerical configuration: max_use = many"},
        EarlyFatal{"bad_max_idle_in_main_cf", {"-l", "-t", "unix-dgram"}, "max_idle = soon\n",
                   "parameter max_idle: bad time value or unit: soon"},
        EarlyFatal{"bad_facility", {"-l", "-t", "unix-dgram"}, "syslog_facility = nowhere\n",
                   "unknown syslog_facility: nowhere"},
        EarlyFatal{"maillog_file_outside_prefixes", {"-l", "-t", "unix-dgram"},
                   "maillog_file = /tmp/elsewhere.log\n",
                   "maillog_file value '/tmp/elsewhere.log' does not match any prefix in "
                   "maillog_file_prefixes"},
        EarlyFatal{"newline_in_a_quoted_value", {"-l", "-t", "unix-dgram", "-o", "max_use=1\nforged: line"},
                   "", "bad numerical configuration: max_use = 1?forged: line"}),
    [](const ::testing::TestParamInfo<EarlyFatal>& info) { return info.param.name; });

TEST_F(SinkTest, AMalformedMainCfIsReportedToDevLogWithTheDefaults) {
  // main.cf cannot say where syslog is when it cannot be read: the line goes
  // to /dev/log. The child runs in a mount namespace of its own whose /dev
  // is a fresh tmpfs, with this test's socket mounted on /dev/log.
  if (::geteuid() != 0 || ::access("/usr/bin/unshare", X_OK) != 0) {
    GTEST_SKIP() << "needs root and unshare(1) for a private /dev";
  }
  DatagramSocket syslog(dir_.file("syslog"));
  dir_.write_main_cf("queue_directory = " + dir_.path() + "\nthis line has no equals sign\n");
  const std::string script =
      "mount -t tmpfs -o mode=0755 dgram-test-dev /dev && mknod -m 0666 /dev/null c 1 3 && "
      ": > /dev/log && mount --bind \"$1\" /dev/log && shift && exec \"$@\"";
  pid_t pid = spawn("/usr/bin/unshare",
                    {"--mount", "--propagation", "private", "/bin/sh", "-c", script, "sh",
                     dir_.file("syslog"), program("DGRAM_SINK"), "-l", "-t", "unix-dgram"});
  EXPECT_EQ(finish(pid), "exit 1") << stderr_text();
  std::vector<char> buffer(70000);
  ssize_t n = ::recv(syslog.listen_fd(), buffer.data(), buffer.size(), MSG_DONTWAIT);
  ASSERT_GT(n, 0) << "nothing reached /dev/log; stderr: " << stderr_text();
  std::string record(buffer.data(), static_cast<std::size_t>(n));
  EXPECT_EQ(record.rfind("<18>", 0), 0u) << record;  // facility mail, LOG_CRIT
  EXPECT_NE(record.find(" postfix/dgram-sink[" + std::to_string(pid) + "]: fatal: " + dir_.path() +
                        "/main.cf, line 4: missing '=' after attribute name"),
            std::string::npos)
      << record;
  EXPECT_LT(::recv(syslog.listen_fd(), buffer.data(), buffer.size(), MSG_DONTWAIT), 0);  // one line
}

TEST_F(TraceTest, WatchdogEndsAServiceTimerThatGetsStuck) {
  pid_t pid = trace_service({"-l", "-t", "unix-dgram", "-o", "trace_stall_timer_ms=10"}, {{"TRACE_WATCHDOG", "1"}});
  EXPECT_EQ(finish(pid, 15s), "exit 1");
  EXPECT_NE(stderr_text().find("trace-service[" + std::to_string(pid) + "]: fatal: watchdog timeout"),
            std::string::npos)
      << stderr_text();
  auto lines = trace();
  bool stalled = false;
  for (const auto& line : lines) {
    stalled = stalled || line.event == "timer stall";
    EXPECT_NE(line.event, "timer stall survived");
  }
  EXPECT_TRUE(stalled);
}

}  // namespace
}  // namespace dgram
