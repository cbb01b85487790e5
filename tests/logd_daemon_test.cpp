// SPDX-License-Identifier: MIT
// logd_daemon_test - dgram-logd as a real child process, with fds 3/4/5/6
// set up the way master(8) does it; the test plays the master (status
// channel) and the Postfix clients (records sent to the socket), and reads
// maillog_file, stderr and a syslog socket it binds itself. The reload tests
// start it without the master (--listen PATH), as a service manager would,
// and play logrotate. The rate-limit tests (issue 19) send from forked
// processes of their own: the test process is the master, which is exempt.
#include <fcntl.h>
#include <signal.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <cstdlib>
#include <functional>
#include <map>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "dgram/unique_fd.h"
#include "master_side.h"
#include "support/datagram_socket.h"
#include "support/log_receiver.h"
#include "serve/counter_file.h"
#include "support/temp_dir.h"
#include "tool_run.h"

namespace dgram {
namespace {

using namespace std::chrono_literals;
using namespace std::string_literals;
using launch::MasterSide;
using testing::DatagramSocket;
using testing::LogReceiver;
using testing::TempDir;

std::string logd_program() {
  const char* path = std::getenv("DGRAM_LOGD");
  if (path == nullptr) throw std::runtime_error("DGRAM_LOGD is not set (run from meson test)");
  return path;
}

// Polls `done` every 10 ms until it holds or `bound` has passed.
bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds bound = 10s) {
  auto deadline = std::chrono::steady_clock::now() + bound;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The framing of dgram-logd's own lines: "Mmm dd hh:mm:ss HOST PROGRAM[PID]: ".
std::string own_line_pattern(pid_t pid, const std::string& text) {
  return R"(^[A-Z][a-z]{2} \d\d \d\d:\d\d:\d\d \S+ postfix/dgram-logd\[)" + std::to_string(pid) + R"(\]: )" + text + "$";
}

// Standard output that keeps the boundaries of the child's writes: each
// write()/writev() is one datagram of a socket pair (connected, so no queue
// length limit applies).
class WriteRecorder {
 public:
  WriteRecorder() {
    int ends[2];
    if (::socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, ends) < 0) {
      throw std::runtime_error(std::string("socketpair: ") + std::strerror(errno));
    }
    reader_.reset(ends[0]);
    writer_.reset(ends[1]);
  }
  int writer_fd() const { return writer_.get(); }
  // The bytes of the next write, or nullopt when none comes within bound.
  std::optional<std::string> next_write(std::chrono::milliseconds bound = 10s) const {
    pollfd ready{reader_.get(), POLLIN, 0};
    if (::poll(&ready, 1, static_cast<int>(bound.count())) != 1) return std::nullopt;
    std::string bytes(1 << 20, '\0');
    ssize_t got = ::recv(reader_.get(), bytes.data(), bytes.size(), MSG_DONTWAIT);
    if (got < 0) return std::nullopt;
    bytes.resize(static_cast<std::size_t>(got));
    return bytes;
  }

 private:
  UniqueFd reader_;
  UniqueFd writer_;
};

// A client bound to its own name, to which the listen socket is connected:
// records from a connected peer are not held to net.unix.max_dgram_qlen
// (10), so a whole batch of them can wait for the child.
class PeerClient {
 public:
  PeerClient(const std::string& own_path, int listen_fd, const std::string& listen_path) {
    fd_.reset(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!fd_) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
    sockaddr_un own = address(own_path);
    sockaddr_un listen = address(listen_path);
    if (::bind(fd_.get(), reinterpret_cast<sockaddr*>(&own), sizeof(own)) < 0 ||
        ::connect(listen_fd, reinterpret_cast<sockaddr*>(&own), sizeof(own)) < 0 ||
        ::connect(fd_.get(), reinterpret_cast<sockaddr*>(&listen), sizeof(listen)) < 0) {
      throw std::runtime_error("peer client " + own_path + ": " + std::strerror(errno));
    }
  }
  void send(const std::string& record) const {
    if (::send(fd_.get(), record.data(), record.size(), MSG_DONTWAIT) != static_cast<ssize_t>(record.size())) {
      throw std::runtime_error("send record: " + std::string(std::strerror(errno)));
    }
  }

 private:
  static sockaddr_un address(const std::string& path) {
    sockaddr_un result{};
    result.sun_family = AF_UNIX;
    if (path.size() >= sizeof(result.sun_path)) throw std::runtime_error("socket path too long: " + path);
    std::memcpy(result.sun_path, path.c_str(), path.size() + 1);
    return result;
  }
  UniqueFd fd_;
};

class LogdTest : public ::testing::Test {
 protected:
  void TearDown() override {
    for (pid_t pid : children_) {
      if (::waitpid(pid, nullptr, WNOHANG) == 0) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, nullptr, 0);
      }
    }
  }

  // main.cf with maillog_file in the test's folder (unless maillog_file is
  // given in extra), and a syslog socket of the test's own.
  void write_main_cf(const std::string& extra = "", bool with_maillog_file = true) {
    std::string text = "maillog_file_prefixes = " + dir_.path() + ", /dev/stdout\n" +
                       "dgram_syslog_socket = " + syslog_.path() + "\n";
    if (with_maillog_file) text += "maillog_file = " + maillog_path_ + "\n";
    dir_.write_main_cf(text + extra);
  }

  // The child's environment: main.cf in the test's folder, and the
  // sanitizers' options when the test has them.
  std::map<std::string, std::string> child_environment() const {
    std::map<std::string, std::string> env{{"MAIL_CONFIG", dir_.path()}, {"PATH", "/usr/bin:/bin"}};
    if (const char* asan = std::getenv("ASAN_OPTIONS")) env.try_emplace("ASAN_OPTIONS", asan);
    if (const char* ubsan = std::getenv("UBSAN_OPTIONS")) env.try_emplace("UBSAN_OPTIONS", ubsan);
    return env;
  }

  // Starts dgram-logd as master(8) starts postlog; stdout_fd, when given,
  // becomes its standard output.
  pid_t spawn(std::vector<std::string> words = {}, int stdout_fd = -1) {
    std::vector<std::string> argv{logd_program(), "-n", "postlog", "-t", "unix-dgram", "-l"};
    argv.insert(argv.end(), words.begin(), words.end());
    std::map<std::string, std::string> env = child_environment();
    UniqueFd err(::open(dir_.file("stderr").c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
    // MasterSide gives the child our stdout: put the wanted one there for the fork.
    std::fflush(stdout);
    UniqueFd saved_stdout;
    if (stdout_fd >= 0) {
      saved_stdout.reset(::dup(STDOUT_FILENO));
      if (!saved_stdout || ::dup2(stdout_fd, STDOUT_FILENO) < 0) throw std::runtime_error("dup2 stdout failed");
    }
    pid_t pid = master_.spawn(argv[0], argv, env, {socket_.listen_fd()}, -1, err.get());
    if (saved_stdout && ::dup2(saved_stdout.get(), STDOUT_FILENO) < 0) throw std::runtime_error("restore stdout failed");
    children_.push_back(pid);
    return pid;
  }

  // The master goes away; dgram-logd runs its exit hook and exits.
  std::string finish(pid_t pid, std::chrono::milliseconds bound = 10s) {
    master_.close_status();
    return wait_exit(pid, bound);
  }
  std::string wait_exit(pid_t pid, std::chrono::milliseconds bound = 10s) {
    auto status = launch::wait_for_exit(pid, bound);
    return status ? launch::describe_wait_status(*status) : "timeout";
  }

  std::string maillog() const { return dir_.read("maillog"); }
  std::string stderr_text() const { return dir_.read("stderr"); }
  bool maillog_has(const std::string& text, std::chrono::milliseconds bound = 10s) const {
    return wait_until([&] { return maillog().find(text) != std::string::npos; }, bound);
  }
  std::vector<std::string> fatal_lines() const {
    std::vector<std::string> fatal;
    for (const auto& line : split_lines(stderr_text())) {
      if (line.find("fatal: ") != std::string::npos) fatal.push_back(line);
    }
    return fatal;
  }

  TempDir dir_;
  std::string maillog_path_ = dir_.file("maillog");
  LogReceiver syslog_{dir_.file("syslog")};
  DatagramSocket socket_{dir_.file("postlog")};
  MasterSide master_;
  std::vector<pid_t> children_;
};

// --- item 12: each record is one line -----------------------------------

TEST_F(LogdTest, ControlBytesInARecordCannotForgeALine) {
  write_main_cf();
  pid_t pid = spawn();
  socket_.send("Dec 05 10:00:00 host postfix/smtpd[1]: hi\nDec 05 10:00:01 host postfix/forged[2]: fake");
  socket_.send("nul\0and\x1b[31mescape\x7f"s);
  socket_.send("the client's own newline\n");
  socket_.send("utf-8 caf\xc3\xa9 stays");
  socket_.send("last");
  ASSERT_TRUE(maillog_has("last\n")) << maillog();
  EXPECT_EQ(maillog(),
            "Dec 05 10:00:00 host postfix/smtpd[1]: hi?Dec 05 10:00:01 host postfix/forged[2]: fake\n"
            "nul?and?[31mescape?\n"
            "the client's own newline\n"
            "utf-8 caf\xc3\xa9 stays\n"
            "last\n");
  EXPECT_EQ(finish(pid), "exit 0") << stderr_text();
}

// --- item 8: a record is whole in the file or absent ---------------------

TEST_F(LogdTest, AFileSizeLimitLeavesOnlyWholeRecordsAndTheLossIsTold) {
  write_main_cf();
  // Postfix-compatible mode reports TAKEN and AVAIL around each record: the
  // test knows when a record has been served even when it left no trace.
  // No counter file: the child might make it after the limit is set.
  pid_t pid = spawn({"-o", "dgram_postfix_compatible=yes", "-o", "dgram_stats_directory="});
  // The limit is set on the running child before any record reaches it.
  // Only the soft limit: lowering the hard one could not be undone without
  // CAP_SYS_RESOURCE.
  rlimit original;
  ASSERT_EQ(::prlimit(pid, RLIMIT_FSIZE, nullptr, &original), 0) << std::strerror(errno);
  rlimit small{1000, original.rlim_max};
  ASSERT_EQ(::prlimit(pid, RLIMIT_FSIZE, &small, nullptr), 0) << std::strerror(errno);
  std::vector<std::string> records;
  for (char c : std::string("abcde")) records.push_back(std::string(299, c) + "!");  // 301 bytes with '\n'
  for (const auto& r : records) socket_.send(r);  // 3 fit in 1000 bytes, the 4th is cut at 97
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(master_.read_record(10s)) << "status record " << i;
  ASSERT_EQ(::prlimit(pid, RLIMIT_FSIZE, &original, nullptr), 0) << std::strerror(errno);
  socket_.send("after the limit");
  ASSERT_TRUE(maillog_has("after the limit\n")) << maillog();
  EXPECT_EQ(finish(pid), "exit 0") << stderr_text();

  auto lines = split_lines(maillog());
  ASSERT_EQ(lines.size(), 6u) << maillog();
  EXPECT_EQ(lines[0], records[0]);
  EXPECT_EQ(lines[1], records[1]);
  EXPECT_EQ(lines[2], records[2]);
  EXPECT_TRUE(std::regex_match(lines[3], std::regex(own_line_pattern(pid,
      "warning: 2 log records were not written to " + maillog_path_ + R"( \(last error: File too large\))"))))
      << lines[3];
  EXPECT_EQ(lines[4], "after the limit");
  EXPECT_TRUE(std::regex_match(lines[5], std::regex(own_line_pattern(pid,
      "warning: 4 log records written, 2 lost \\(not written to " + maillog_path_ + "\\), 0 truncated"))))
      << lines[5];
  EXPECT_NE(stderr_text().find("warning: write " + maillog_path_ + ": File too large"), std::string::npos)
      << stderr_text();
}

// --- item 10: its own warnings go into maillog_file ----------------------

TEST_F(LogdTest, ItsOwnWarningsGoIntoTheFileNotToSyslog) {
  write_main_cf();
  pid_t pid = spawn();
  socket_.send(std::string(70000, 'x'));  // longer than a datagram buffer of 64 KiB
  socket_.send("next");
  ASSERT_TRUE(maillog_has("next\n")) << "(maillog too long to show)";
  EXPECT_EQ(finish(pid), "exit 0") << stderr_text();
  auto lines = split_lines(maillog());
  // One warning about the truncated record (the skeleton's), not two.
  ASSERT_EQ(lines.size(), 4u) << lines[0] << "\n" << lines[1].substr(0, 100);
  EXPECT_TRUE(std::regex_match(lines[0], std::regex(own_line_pattern(pid,
      "warning: datagram of 70000 bytes truncated to the 65536-byte receive buffer")))) << lines[0];
  EXPECT_EQ(lines[1], std::string(65536, 'x'));
  EXPECT_EQ(lines[2], "next");
  EXPECT_TRUE(std::regex_match(lines[3], std::regex(own_line_pattern(pid,
      "2 log records written, 0 lost, 1 truncated")))) << lines[3];
  EXPECT_EQ(syslog_.receive(0), std::nullopt) << "sent to syslog";
}

TEST_F(LogdTest, DevStdoutGetsTheRecordsAndItsOwnLines) {
  write_main_cf("maillog_file = /dev/stdout\n");
  UniqueFd out(::open(dir_.file("stdout").c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600));
  ASSERT_TRUE(out);
  pid_t pid = spawn({}, out.get());
  socket_.send("to the container's output");
  ASSERT_TRUE(wait_until([&] { return dir_.read("stdout").find("output\n") != std::string::npos; }));
  EXPECT_EQ(finish(pid), "exit 0") << stderr_text();
  auto lines = split_lines(dir_.read("stdout"));
  ASSERT_EQ(lines.size(), 2u) << dir_.read("stdout");
  EXPECT_EQ(lines[0], "to the container's output");
  EXPECT_TRUE(std::regex_match(lines[1], std::regex(own_line_pattern(pid, "1 log records written, 0 lost, 0 truncated"))))
      << lines[1];
  EXPECT_EQ(syslog_.receive(0), std::nullopt) << "sent to syslog";
}

// --- item 9: maillog_file opened like safe_open, with its permissions -----

TEST_F(LogdTest, RefusesAHardLinkedFileWithOneFatalLine) {
  write_main_cf();
  dir_.write("maillog", "");
  ASSERT_EQ(::link(maillog_path_.c_str(), dir_.file("elsewhere").c_str()), 0);
  pid_t pid = spawn();
  EXPECT_EQ(wait_exit(pid, 5s), "exit 1");
  auto fatal = fatal_lines();
  ASSERT_EQ(fatal.size(), 1u) << stderr_text();
  EXPECT_NE(fatal[0].find("fatal: open maillog_file " + maillog_path_ + ": file has 2 hard links"), std::string::npos)
      << fatal[0];
}

TEST_F(LogdTest, RefusesASymbolicLinkNotOwnedByRoot) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to chown a link";
  write_main_cf();
  dir_.write("target", "");
  ASSERT_EQ(::symlink(dir_.file("target").c_str(), maillog_path_.c_str()), 0);
  ASSERT_EQ(::lchown(maillog_path_.c_str(), 65534, 65534), 0);
  pid_t pid = spawn();
  EXPECT_EQ(wait_exit(pid, 5s), "exit 1");
  auto fatal = fatal_lines();
  ASSERT_EQ(fatal.size(), 1u) << stderr_text();
  EXPECT_NE(fatal[0].find("fatal: open maillog_file " + maillog_path_ +
                          ": symbolic link not owned by root (owner uid 65534)"),
            std::string::npos)
      << fatal[0];
}

TEST_F(LogdTest, CreatesTheFileWithMaillogFilePermissions) {
  write_main_cf("maillog_file_permissions = 0640\n");
  pid_t pid = spawn();
  socket_.send("one");
  ASSERT_TRUE(maillog_has("one\n"));
  struct stat status;
  ASSERT_EQ(::stat(maillog_path_.c_str(), &status), 0);
  EXPECT_EQ(status.st_mode & 07777, 0640u);
  EXPECT_EQ(finish(pid), "exit 0") << stderr_text();
}

TEST_F(LogdTest, RefusesOtherMaillogFilePermissions) {
  write_main_cf("maillog_file_permissions = 0666\n");
  pid_t pid = spawn();
  EXPECT_EQ(wait_exit(pid, 5s), "exit 1");
  auto fatal = fatal_lines();
  ASSERT_EQ(fatal.size(), 1u) << stderr_text();
  EXPECT_NE(fatal[0].find("fatal: invalid maillog_file_permissions value '0666': specify 0600, 0640 or 0644"),
            std::string::npos)
      << fatal[0];
}

// --- item 11: empty maillog_file, arguments, watchdog, one per turn ------

TEST_F(LogdTest, WithAnEmptyMaillogFileRecordsGoToSyslog) {
  write_main_cf("", false);
  pid_t pid = spawn();
  socket_.send("Dec 05 10:00:00 host postfix/smtpd[123]: warning: hello\0world"s);
  socket_.send("no postfix frame\0\0\n"s);
  std::vector<std::string> received;
  auto wanted = [&](const std::string& pattern) {
    for (const auto& d : received) {
      if (std::regex_match(d, std::regex(pattern))) return true;
    }
    return false;
  };
  const std::string forwarded = R"(^<20>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d postfix/smtpd\[123\]: warning: hello\?world$)";
  const std::string shapeless = R"(^<22>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d postfix/dgram-logd\[)" +
                                std::to_string(pid) + R"(\]: no postfix frame\?\?$)";
  for (int i = 0; i < 10 && !(wanted(forwarded) && wanted(shapeless)); ++i) {
    auto datagram = syslog_.receive(2000);
    if (!datagram) break;
    received.push_back(*datagram);
  }
  std::string all;
  for (const auto& d : received) all += d + "|";
  EXPECT_TRUE(wanted(forwarded)) << all << stderr_text();
  EXPECT_TRUE(wanted(shapeless)) << all;
  EXPECT_EQ(finish(pid), "exit 0") << stderr_text();
}

TEST_F(LogdTest, RefusesCommandLineArguments) {
  write_main_cf();
  pid_t pid = spawn({"surplus", "words"});
  EXPECT_EQ(wait_exit(pid, 5s), "exit 1");
  auto fatal = fatal_lines();
  ASSERT_EQ(fatal.size(), 1u) << stderr_text();
  EXPECT_NE(fatal[0].find("fatal: unexpected command-line argument: surplus"), std::string::npos) << fatal[0];
}

TEST_F(LogdTest, PostlogdWatchdogTimeoutEndsAWriteStuckOnAFullPipe) {
  write_main_cf("maillog_file = /dev/stdout\n");
  int ends[2];
  ASSERT_EQ(::pipe2(ends, O_CLOEXEC), 0);
  UniqueFd read_end(ends[0]);
  UniqueFd write_end(ends[1]);
  // Fill the pipe, then make writes to it block again: nobody ever reads.
  ASSERT_EQ(::fcntl(write_end.get(), F_SETFL, O_NONBLOCK), 0);
  std::string chunk(4096, 'f');
  while (::write(write_end.get(), chunk.data(), chunk.size()) > 0) {
  }
  ASSERT_EQ(errno, EAGAIN);
  ASSERT_EQ(::fcntl(write_end.get(), F_SETFL, 0), 0);
  pid_t pid = spawn({"-o", "postlogd_watchdog_timeout=1s"}, write_end.get());
  socket_.send("this write blocks");
  // The 1 s limit ends it; the default limit of 1000 s would not, within 8 s.
  EXPECT_EQ(wait_exit(pid, 8s), "exit 1");
  EXPECT_NE(stderr_text().find("fatal: watchdog timeout"), std::string::npos) << stderr_text();
}

TEST_F(LogdTest, OneRecordPerTurnInPostfixCompatibleMode) {
  write_main_cf();
  for (const char* r : {"one", "two", "three"}) socket_.send(r);  // queued before it starts
  pid_t pid = spawn({"-o", "dgram_postfix_compatible=yes"});
  std::string letters;
  for (int i = 0; i < 6; ++i) {
    auto record = master_.read_record(5s);
    if (!record) break;
    letters += record->avail == 1 ? "A" : "T";
  }
  EXPECT_EQ(letters, "TATATA");  // TAKEN and AVAIL around each record: one per turn
  EXPECT_TRUE(maillog_has("three\n")) << maillog();
  EXPECT_EQ(finish(pid), "exit 0") << stderr_text();
  EXPECT_EQ(maillog().substr(0, 14), "one\ntwo\nthree\n");
}

// --- on the skeleton's batch callback: one writev per wake-up -------------

TEST_F(LogdTest, AllTheRecordsOfAWakeUpGoOutWithOneWritev) {
  write_main_cf("maillog_file = /dev/stdout\n");
  WriteRecorder out;
  PeerClient client(dir_.file("client"), socket_.listen_fd(), socket_.path());
  // A full batch (dgram_receive_batch, 64), queued before the child starts,
  // one of them with a control byte to rewrite and one with its own newline.
  std::string expected;
  for (int i = 0; i < 64; ++i) {
    std::string record = "record " + std::to_string(i);
    if (i == 10) record += "\ttab";
    if (i == 20) record += "\n";
    client.send(record);
    expected += "record " + std::to_string(i) + (i == 10 ? "?tab" : "") + "\n";
  }
  pid_t pid = spawn({}, out.writer_fd());
  auto first = out.next_write();
  ASSERT_TRUE(first) << stderr_text();
  EXPECT_EQ(*first, expected) << "the first write holds " << split_lines(*first).size() << " records";
  EXPECT_EQ(finish(pid), "exit 0") << stderr_text();
  auto exit_line = out.next_write();
  ASSERT_TRUE(exit_line);
  ASSERT_TRUE(exit_line->ends_with('\n')) << *exit_line;
  exit_line->pop_back();
  EXPECT_TRUE(std::regex_match(*exit_line, std::regex(own_line_pattern(pid, "64 log records written, 0 lost, 0 truncated"))))
      << *exit_line;
  EXPECT_EQ(out.next_write(0ms), std::nullopt);
}

TEST_F(LogdTest, PostfixCompatibleModeWritesOneRecordPerTurn) {
  write_main_cf("maillog_file = /dev/stdout\n");
  WriteRecorder out;
  for (const char* r : {"one", "two", "three"}) socket_.send(r);  // queued before it starts
  pid_t pid = spawn({"-o", "dgram_postfix_compatible=yes"}, out.writer_fd());
  std::string letters;
  for (int i = 0; i < 6; ++i) {
    auto record = master_.read_record(5s);
    if (!record) break;
    letters += record->avail == 1 ? "A" : "T";
  }
  EXPECT_EQ(letters, "TATATA");  // TAKEN and AVAIL around each record: one per turn
  for (const char* r : {"one\n", "two\n", "three\n"}) EXPECT_EQ(out.next_write(), std::optional<std::string>(r));
  EXPECT_EQ(finish(pid), "exit 0") << stderr_text();
}

// --- issue 19 item 5: the rate limit per sending process -----------------

class LogdRateLimitTest : public LogdTest {
 protected:
  // A process of its own sends count records "PREFIX i" (each send blocks
  // while the socket's queue is full) and exits; returns its pid once it has
  // exited, so that all its records are queued before the next one sent.
  pid_t send_from_child(int count, const std::string& prefix) {
    std::fflush(nullptr);
    pid_t child = ::fork();
    if (child < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
    if (child == 0) {
      for (int i = 0; i < count; ++i) {
        if (!testing::send_datagram(socket_.path(), prefix + " " + std::to_string(i)).empty()) ::_exit(1);
      }
      ::_exit(0);
    }
    children_.push_back(child);
    auto status = launch::wait_for_exit(child, 20s);
    EXPECT_TRUE(status && launch::describe_wait_status(*status) == "exit 0") << "sender " << child;
    return child;
  }
  // Sent by the test process, the master here (exempt), after everything
  // sent before: once it is in the file, so is what the limit let through.
  void send_last_and_wait(const std::string& last = "last") {
    socket_.send(last);
    ASSERT_TRUE(maillog_has(last + "\n")) << maillog() << stderr_text();
  }
  std::vector<std::string> lines_starting(const std::string& prefix) const {
    std::vector<std::string> found;
    for (const auto& line : split_lines(maillog())) {
      if (line.starts_with(prefix)) found.push_back(line);
    }
    return found;
  }
  int notices_for(pid_t logd, pid_t sender, int dropped, int burst, const std::string& interval) const {
    std::regex notice(own_line_pattern(logd, "warning: dropped " + std::to_string(dropped) + " records from pid " +
                                                 std::to_string(sender) + R"( \(rate limit: )" +
                                                 std::to_string(burst) + " records per " + interval + R"(\))"));
    int n = 0;
    for (const auto& line : split_lines(maillog())) n += std::regex_match(line, notice);
    return n;
  }
  std::vector<std::string> numbered(const std::string& prefix, int count) const {
    std::vector<std::string> lines;
    for (int i = 0; i < count; ++i) lines.push_back(prefix + " " + std::to_string(i));
    return lines;
  }
};

TEST_F(LogdRateLimitTest, OffByDefaultEveryRecordIsWritten) {
  write_main_cf();
  pid_t pid = spawn();
  send_last_and_wait("serving");
  send_from_child(100, "record");
  send_last_and_wait();
  EXPECT_EQ(finish(pid), "exit 0") << stderr_text();
  EXPECT_EQ(lines_starting("record "), numbered("record", 100));
  EXPECT_EQ(testing::count_lines(maillog(), "dropped"), 0) << maillog();
  EXPECT_EQ(split_lines(maillog()).size(), 103u);
  EXPECT_TRUE(std::regex_match(split_lines(maillog()).back(),
                               std::regex(own_line_pattern(pid, "102 log records written, 0 lost, 0 truncated"))))
      << split_lines(maillog()).back();
}

TEST_F(LogdRateLimitTest, KeepsTheBurstDropsTheRestAndSaysHowManyOnceAtExit) {
  write_main_cf("dgram_logd_rate_limit_interval = 1h\ndgram_logd_rate_limit_burst = 10\n"
                "dgram_stats_file = " + dir_.file("counters") + "\n");
  pid_t pid = spawn();
  // Once this is written, the socket asks for credentials (it did so before
  // the pre-init hook): what the sender sends next carries its pid.
  send_last_and_wait("serving");
  pid_t sender = send_from_child(100, "record");
  // The master (the test process) is never limited.
  for (int i = 0; i < 20; ++i) ASSERT_EQ(testing::send_datagram(socket_.path(), "master " + std::to_string(i)), "");
  send_last_and_wait();
  // The window (an hour) has not ended: no notice yet.
  EXPECT_EQ(testing::count_lines(maillog(), "dropped"), 0) << maillog();
  EXPECT_EQ(finish(pid), "exit 0") << stderr_text();

  EXPECT_EQ(lines_starting("record "), numbered("record", 10));
  EXPECT_EQ(lines_starting("master "), numbered("master", 20));
  EXPECT_EQ(notices_for(pid, sender, 90, 10, "3600s"), 1) << maillog();
  EXPECT_EQ(testing::count_lines(maillog(), "dropped 90 records"), 1) << maillog();
  auto lines = split_lines(maillog());
  ASSERT_EQ(lines.size(), 1u + 10 + 20 + 1 + 2) << maillog();
  EXPECT_TRUE(std::regex_match(lines.back(), std::regex(own_line_pattern(pid,
      "32 log records written, 0 lost, 0 truncated, 90 dropped by the rate limit")))) << lines.back();
  // The counter file (dgram-stat) has them too: every record handed to it,
  // the dropped ones among them, and each one's time in the queue.
  CounterSnapshot totals = CounterFile::open_for_reading(dir_.file("counters")).snapshot();
  EXPECT_EQ(totals[Counter::datagrams], 122u);
  EXPECT_EQ(totals[Counter::dropped], 90u);
  EXPECT_EQ(totals[Counter::queue_samples], 122u);
}

TEST_F(LogdRateLimitTest, ASenderThatStopsGetsItsNoticeWhenItsWindowEnds) {
  write_main_cf();
  pid_t pid = spawn({"-o", "dgram_logd_rate_limit_interval=1s", "-o", "dgram_logd_rate_limit_burst=10"});
  send_last_and_wait("serving");
  pid_t sender = send_from_child(100, "record");
  // The sweep (once a second) gives the notice within about 2 s of the
  // window's start; the bound leaves room for a slow machine.
  ASSERT_TRUE(wait_until([&] { return notices_for(pid, sender, 90, 10, "1s") == 1; }, 15s)) << maillog();
  pid_t second = send_from_child(5, "again");  // another sender, within its burst
  send_last_and_wait();
  EXPECT_EQ(finish(pid), "exit 0") << stderr_text();

  EXPECT_EQ(lines_starting("record "), numbered("record", 10));
  EXPECT_EQ(lines_starting("again "), numbered("again", 5));
  EXPECT_EQ(notices_for(pid, sender, 90, 10, "1s"), 1) << maillog();  // not again at exit
  EXPECT_EQ(testing::count_lines(maillog(), "dropped"), 2) << maillog();  // the notice and the exit line
  EXPECT_EQ(testing::count_lines(maillog(), "from pid " + std::to_string(second)), 0) << maillog();
  EXPECT_TRUE(std::regex_match(split_lines(maillog()).back(), std::regex(own_line_pattern(pid,
      "17 log records written, 0 lost, 0 truncated, 90 dropped by the rate limit"))))
      << split_lines(maillog()).back();
}

TEST_F(LogdRateLimitTest, RecordsQueuedBeforeItStartedCarryNoCredentialsAndAreNotLimited) {
  write_main_cf("dgram_logd_rate_limit_interval = 1h\ndgram_logd_rate_limit_burst = 3\n");
  // Queued before the socket asked for credentials, by a process of its own
  // (8: fewer than net.unix.max_dgram_qlen, so no send waits).
  pid_t early = send_from_child(8, "early");
  pid_t pid = spawn();
  send_last_and_wait("serving");
  pid_t late = send_from_child(15, "late");
  send_last_and_wait();
  EXPECT_EQ(finish(pid), "exit 0") << stderr_text();

  EXPECT_EQ(lines_starting("early "), numbered("early", 8));
  EXPECT_EQ(lines_starting("late "), numbered("late", 3));
  EXPECT_EQ(testing::count_lines(maillog(), "from pid " + std::to_string(early)), 0) << maillog();
  EXPECT_EQ(notices_for(pid, late, 12, 3, "3600s"), 1) << maillog();
}

TEST_F(LogdRateLimitTest, AnIntervalWithoutABurstIsAFatalErrorNamingBoth) {
  write_main_cf("dgram_logd_rate_limit_interval = 10s\n");
  pid_t pid = spawn();
  EXPECT_EQ(wait_exit(pid, 5s), "exit 1");
  auto fatal = fatal_lines();
  ASSERT_EQ(fatal.size(), 1u) << stderr_text();
  EXPECT_NE(fatal[0].find("fatal: invalid dgram_logd_rate_limit_burst value 0: specify 1 or more when "
                          "dgram_logd_rate_limit_interval is set (it is 10s)"),
            std::string::npos)
      << fatal[0];
}

// --- issue 9 item 7: without the master, SIGHUP reopens maillog_file -------

// dgram-logd started as a service manager or an admin starts it:
// `dgram-logd --listen PATH`, no master, stopped with SIGTERM. The test plays
// logrotate: it renames the file and sends SIGHUP.
class LogdReloadTest : public LogdTest {
 protected:
  // Writes main.cf (extra lines added) and starts the child; returns once
  // its socket is there. Fails the test when the child ends or makes no
  // socket; callers then return (HasFatalFailure()).
  void start_standalone(const std::string& main_cf_extra = "", const std::vector<std::string>& words = {}) {
    write_main_cf(main_cf_extra);
    std::vector<std::string> argv{logd_program(), "--listen", listen_path_};
    argv.insert(argv.end(), words.begin(), words.end());
    child_ = testing::start_tool(argv, dir_.file("stdout"), dir_.file("stderr"), child_environment());
    children_.push_back(child_.pid);
    int status = 0;
    bool ended = false;
    bool listening = wait_until([&] {
      if (::waitpid(child_.pid, &status, WNOHANG) == child_.pid) ended = true;
      struct stat file;
      return ended || (::stat(listen_path_.c_str(), &file) == 0 && S_ISSOCK(file.st_mode));
    });
    if (ended) {
      FAIL() << "dgram-logd --listen ended: " << launch::describe_wait_status(status) << "\n" << stderr_text();
    }
    ASSERT_TRUE(listening) << "no socket at " << listen_path_ << " within 10 s\n" << stderr_text();
  }

  void send(const std::string& record) const { ASSERT_EQ(testing::send_datagram(listen_path_, record), ""); }
  void signal(int number) const { ASSERT_EQ(::kill(child_.pid, number), 0) << std::strerror(errno); }
  // SIGTERM, then the exit (bounded).
  testing::ToolResult stop() const {
    ::kill(child_.pid, SIGTERM);
    return testing::finish_tool(child_, 10s);
  }

  bool is_own_line(const std::string& line) const {
    return std::regex_match(line, std::regex(own_line_pattern(child_.pid, ".*")));
  }
  // The lines of a file that are records, and those that are dgram-logd's own.
  std::vector<std::string> records_in(const std::string& text) const {
    std::vector<std::string> records;
    for (const auto& line : split_lines(text)) {
      if (!is_own_line(line)) records.push_back(line);
    }
    return records;
  }
  std::vector<std::string> own_lines_in(const std::string& text) const {
    std::vector<std::string> own;
    for (const auto& line : split_lines(text)) {
      if (is_own_line(line)) own.push_back(line);
    }
    return own;
  }
  bool has_line(const std::vector<std::string>& lines, const std::string& text) const {
    for (const auto& line : lines) {
      if (std::regex_match(line, std::regex(own_line_pattern(child_.pid, text)))) return true;
    }
    return false;
  }
  std::string rotated() const { return dir_.read("maillog.1"); }
  bool rotated_has(const std::string& text) const {
    return wait_until([&] { return rotated().find(text) != std::string::npos; });
  }

  std::string listen_path_ = dir_.file("standalone.sock");
  std::string rotated_path_ = dir_.file("maillog.1");
  testing::ToolChild child_;
};

TEST_F(LogdReloadTest, SighupReopensTheFileThatLogrotateRenamed) {
  start_standalone();
  if (HasFatalFailure()) return;
  for (const char* record : {"before 1", "before 2", "before 3"}) send(record);
  ASSERT_TRUE(maillog_has("before 3\n")) << maillog() << stderr_text();
  ASSERT_EQ(::rename(maillog_path_.c_str(), rotated_path_.c_str()), 0);
  signal(SIGHUP);
  ASSERT_TRUE(maillog_has("reopened " + maillog_path_ + "\n")) << stderr_text();
  for (const char* record : {"after 1", "after 2", "after 3"}) send(record);
  ASSERT_TRUE(maillog_has("after 3\n")) << maillog();
  auto result = stop();
  EXPECT_EQ(result.exit_code(), 0) << result.err;

  // Each record once, in the file that was open when it came.
  EXPECT_EQ(records_in(rotated()), (std::vector<std::string>{"before 1", "before 2", "before 3"})) << rotated();
  EXPECT_EQ(records_in(maillog()), (std::vector<std::string>{"after 1", "after 2", "after 3"})) << maillog();
  auto lines = split_lines(maillog());
  ASSERT_FALSE(lines.empty());
  EXPECT_TRUE(std::regex_match(lines.front(), std::regex(own_line_pattern(child_.pid, "reopened " + maillog_path_))))
      << lines.front();
  EXPECT_TRUE(std::regex_match(lines.back(), std::regex(own_line_pattern(child_.pid,
      "6 log records written, 0 lost, 0 truncated")))) << lines.back();
  EXPECT_EQ(testing::count_lines(rotated(), "reopened"), 0) << rotated();
  EXPECT_EQ(testing::count_lines(maillog(), "reopened"), 1) << maillog();
}

TEST_F(LogdReloadTest, ARefusedReopenWarnsAndWritesOnIntoTheOpenFile) {
  start_standalone();
  if (HasFatalFailure()) return;
  send("before");
  ASSERT_TRUE(maillog_has("before\n")) << maillog() << stderr_text();
  ASSERT_EQ(::rename(maillog_path_.c_str(), rotated_path_.c_str()), 0);
  // What is at the path now must not be written: it has a second name.
  dir_.write("maillog", "");
  ASSERT_EQ(::link(maillog_path_.c_str(), dir_.file("elsewhere").c_str()), 0);
  signal(SIGHUP);
  ASSERT_TRUE(rotated_has("not reopened")) << rotated() << stderr_text();
  send("after");
  ASSERT_TRUE(rotated_has("after\n")) << rotated();
  auto result = stop();
  EXPECT_EQ(result.exit_code(), 0) << result.err;

  const std::string warning = "warning: open maillog_file " + maillog_path_ +
                              ": file has 2 hard links; not reopened, writing on to the file that was open";
  EXPECT_EQ(records_in(rotated()), (std::vector<std::string>{"before", "after"})) << rotated();
  EXPECT_TRUE(has_line(own_lines_in(rotated()), warning)) << rotated();
  EXPECT_EQ(maillog(), "");
  EXPECT_NE(stderr_text().find(warning), std::string::npos) << stderr_text();
}

TEST_F(LogdReloadTest, OnStandardOutputSighupChangesNothing) {
  // -v: the reload says so in a debug line, which tells the test it ran.
  start_standalone("maillog_file = /dev/stdout\n", {"-v"});
  if (HasFatalFailure()) return;
  auto out = [&] { return dir_.read("stdout"); };
  send("before");
  ASSERT_TRUE(wait_until([&] { return out().find("before\n") != std::string::npos; })) << out() << stderr_text();
  signal(SIGHUP);
  ASSERT_TRUE(wait_until([&] { return out().find("reload: maillog_file is /dev/stdout, nothing to reopen") !=
                                      std::string::npos; }))
      << out();
  send("after");
  ASSERT_TRUE(wait_until([&] { return out().find("after\n") != std::string::npos; })) << out();
  auto result = stop();
  EXPECT_EQ(result.exit_code(), 0) << result.err;
  EXPECT_EQ(records_in(out()), (std::vector<std::string>{"before", "after"})) << out();
  EXPECT_EQ(testing::count_lines(out(), "reopened"), 0) << out();
}

}  // namespace
}  // namespace dgram
