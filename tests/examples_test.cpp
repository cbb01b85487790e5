// SPDX-License-Identifier: MIT
// examples_test - the example services of examples/ as real programs, with
// real client sockets, in every way a service can be started: under
// dgram-launch and under the real Postfix master (a private instance; needs
// root), under systemd-socket-activate (socket activation without systemd as
// PID 1) and standalone with --listen.
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/postfix_instance.h"
#include "support/temp_dir.h"
#include "tool_run.h"
#include "support/pidfds.h"

namespace dgram {
namespace {

using testing::kernel_has_pidfds;
using testing::pidfds_held_by;

using namespace std::chrono_literals;
using testing::MasterCfLine;
using testing::PostfixInstance;
using testing::TempDir;

std::string program(const char* variable) {
  const char* path = std::getenv(variable);
  if (path == nullptr) throw std::runtime_error(std::string(variable) + " is not set (run from meson test)");
  return path;
}

using testing::eventually;

using testing::count_lines;

bool contains(const std::string& text, const std::string& needle) { return text.find(needle) != std::string::npos; }

// An AF_UNIX address: "" is unnamed, "@name" abstract, anything else a path.
struct UnixAddress {
  sockaddr_un address{};
  socklen_t length = sizeof(sa_family_t);
};
UnixAddress unix_address(const std::string& name) {
  UnixAddress a;
  a.address.sun_family = AF_UNIX;
  if (name.empty()) return a;
  if (name.size() >= sizeof(a.address.sun_path)) throw std::runtime_error("socket name too long: " + name);
  std::memcpy(a.address.sun_path, name.data(), name.size());
  if (name[0] == '@') a.address.sun_path[0] = '\0';
  a.length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size() + (name[0] == '@' ? 0 : 1));
  return a;
}

// A client socket bound to name ("" leaves it unnamed), with 10 s send and receive limits.
UniqueFd client_socket(const std::string& name) {
  UniqueFd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!fd) throw_errno("socket");
  timeval limit{10, 0};
  if (::setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof(limit)) < 0 ||
      ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof(limit)) < 0)
    throw_errno("setsockopt");
  if (!name.empty()) {
    auto a = unix_address(name);
    if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&a.address), a.length) < 0) throw_errno("bind " + name);
  }
  return fd;
}

void send_to(int fd, const std::string& path, const std::string& data) {
  auto a = unix_address(path);
  if (::sendto(fd, data.data(), data.size(), 0, reinterpret_cast<const sockaddr*>(&a.address), a.length) !=
      static_cast<ssize_t>(data.size()))
    throw_errno("send to " + path);
}

void send_once(const std::string& path, const std::string& data) { send_to(client_socket("").get(), path, data); }

// The reply waiting on fd, or "" when none came within the socket's 10 s limit.
std::string receive(int fd) {
  std::string buffer(70000, '\0');
  ssize_t n = ::recv(fd, buffer.data(), buffer.size(), 0);
  if (n < 0) return "";
  buffer.resize(static_cast<std::size_t>(n));
  return buffer;
}

// Who the forked senders become: user nobody, with the group "mail" (a gid
// that differs from the uid, so a uid logged as gid would show).
struct Nobody {
  uid_t uid;
  gid_t gid;
};
Nobody nobody() {
  passwd* pw = ::getpwnam("nobody");
  struct group* gr = ::getgrnam("mail");
  if (pw == nullptr || gr == nullptr) throw std::runtime_error("user nobody or group mail is missing");
  if (gr->gr_gid == pw->pw_uid) throw std::runtime_error("group mail's gid equals nobody's uid");
  return {pw->pw_uid, gr->gr_gid};
}

// Forks a sender that binds bind_name (as root), connects to the service's
// socket (as root: the master's public/ folder is closed to others), then
// becomes user nobody (group mail) and sends data. Returns the sender's pid once it has
// sent and exited (bounded), or -1.
pid_t send_as_nobody(const std::string& service_path, const std::string& bind_name, const std::string& data) {
  Nobody who = nobody();
  auto fd = client_socket(bind_name);
  auto target = unix_address(service_path);
  pid_t pid = ::fork();
  if (pid < 0) throw_errno("fork");
  if (pid == 0) {
    if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&target.address), target.length) < 0) ::_exit(10);
    if (::setgroups(0, nullptr) < 0 || ::setresgid(who.gid, who.gid, who.gid) < 0 ||
        ::setresuid(who.uid, who.uid, who.uid) < 0)
      ::_exit(11);
    if (::send(fd.get(), data.data(), data.size(), 0) != static_cast<ssize_t>(data.size())) ::_exit(12);
    ::_exit(0);
  }
  auto status = launch::wait_for_exit(pid, 10s);
  if (!status || !WIFEXITED(*status) || WEXITSTATUS(*status) != 0) return -1;
  return pid;
}

// expect_senders_logged - user nobody sends to the dgram-whosent at
// service_path from a bound, an unnamed and an abstract socket; each
// sender's pid, uid, gid and address must show up in err().
void expect_senders_logged(const std::string& service_path, const TempDir& dir, const std::string& tag,
                           const std::function<std::string()>& err) {
  Nobody who = nobody();
  std::string ids = " uid=" + std::to_string(who.uid) + " gid=" + std::to_string(who.gid);
  pid_t bound = send_as_nobody(service_path, dir.file("bound-client"), "from a bound socket");
  ASSERT_GT(bound, 0);
  pid_t unnamed = send_as_nobody(service_path, "", "from an unnamed socket");
  ASSERT_GT(unnamed, 0);
  std::string abstract_name = "@whosent-" + tag + "-test-" + std::to_string(::getpid());
  pid_t abstract = send_as_nobody(service_path, abstract_name, "from an abstract socket");
  ASSERT_GT(abstract, 0);
  for (const std::string& line :
       {"]: pid=" + std::to_string(bound) + ids + " address=" + dir.file("bound-client") + "\n",
        "]: pid=" + std::to_string(unnamed) + ids + " address=unnamed\n",
        "]: pid=" + std::to_string(abstract) + ids + " address=" + abstract_name + "\n"}) {
    EXPECT_TRUE(eventually([&] { return contains(err(), line); })) << line << "\nnot in:\n" << err();
  }
}


// The processes whose parent is pid.
std::vector<pid_t> children_of(pid_t parent) {
  std::vector<pid_t> pids;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    pid_t pid = static_cast<pid_t>(std::stol(name));
    std::string text = testing::read_proc(pid, "stat");
    auto close_paren = text.rfind(')');
    if (close_paren == std::string::npos) continue;
    std::istringstream rest(text.substr(close_paren + 2));
    char state;
    pid_t ppid;
    rest >> state >> ppid;
    if (ppid == parent && state != 'Z') pids.push_back(pid);
  }
  return pids;
}

std::vector<pid_t> children_named(const PostfixInstance& postfix, const std::string& name) {
  std::vector<pid_t> pids;
  for (pid_t pid : postfix.children()) {
    if (testing::read_proc(pid, "comm") == name + "\n") pids.push_back(pid);
  }
  return pids;
}

// True when a thread of pid sleeps in flock(): the lock-file gate's waiter.
bool waits_for_a_lock(pid_t pid) {
  std::error_code error;
  std::filesystem::directory_iterator tasks("/proc/" + std::to_string(pid) + "/task", error);
  if (error) return false;
  for (const auto& task : tasks) {
    std::string name = "task/" + task.path().filename().string() + "/wchan";
    if (testing::read_proc(pid, name) == "locks_lock_inode_wait") return true;
  }
  return false;
}

int run_command(std::vector<std::string> argv, std::chrono::milliseconds bound = 60s) {
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) throw_errno("fork");
  if (pid == 0) {
    int null = ::open("/dev/null", O_WRONLY);
    if (null >= 0) ::dup2(null, 1);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  auto status = launch::wait_for_exit(pid, bound);
  if (!status) {
    ::kill(pid, SIGKILL);
    (void)launch::wait_for_exit(pid, 5s);
    return -1;
  }
  return WIFEXITED(*status) ? WEXITSTATUS(*status) : -1;
}

// An example run by dgram-launch: `dgram-launch --socket S -- PROGRAM...`.
class UnderLaunch : public ::testing::Test {
 protected:
  void TearDown() override {
    if (launch_.pid > 0) (void)testing::finish_tool(launch_, 0ms);  // kills a leftover
  }
  void start(std::vector<std::string> command) {
    std::vector<std::string> argv{program("DGRAM_LAUNCH"), "--socket", socket_, "--"};
    argv.insert(argv.end(), command.begin(), command.end());
    launch_ = testing::start_tool(argv, dir_.file("out"), dir_.file("err"));
    ASSERT_TRUE(eventually([&] {
      struct stat st {};
      return ::lstat(socket_.c_str(), &st) == 0 && S_ISSOCK(st.st_mode);
    })) << err();
  }
  // SIGTERM to dgram-launch; its exit status.
  int stop() {
    if (::kill(launch_.pid, SIGTERM) < 0) return -1;
    auto result = testing::finish_tool(launch_, 30s);
    launch_.pid = -1;
    return result.exit_code();
  }
  std::string err() const { return dir_.read("err"); }

  TempDir dir_;
  std::string socket_ = dir_.file("socket");
  testing::ToolChild launch_;
};

// An example as a service of a private Postfix instance, beside dgram-logd
// as its log service (children's lines land in the instance's maillog).
std::unique_ptr<PostfixInstance> real_master(const std::string& service, const std::string& variable,
                                             const std::string& maxproc, std::vector<std::string> arguments) {
  std::string path = program(variable.c_str());
  std::string command = std::filesystem::path(path).filename().string();
  std::vector<MasterCfLine> lines{{"postlog", "dgram-logd", "1", "-", "n", {}},
                                  {service, command, maxproc, "-", "n", arguments}};
  auto postfix = std::make_unique<PostfixInstance>(lines);
  postfix->install(program("DGRAM_LOGD"));
  postfix->install(path);
  return postfix;
}

class UnderRealMaster : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "the real Postfix master needs root";
  }
  void expect_master_content(const PostfixInstance& postfix) {
    auto complaints = postfix.master_complaints();
    EXPECT_TRUE(complaints.empty()) << complaints.front() << "\n(maillog:\n" << postfix.maillog() << ")";
  }
};

// The test's environment without what changes how a service starts or what
// it reads: whatever runs the tests (a systemd unit, a shell with
// MAIL_CONFIG) must not decide the mode under test.
std::map<std::string, std::string> service_environment() {
  auto env = process_environment();
  for (const char* name : {"LISTEN_PID", "LISTEN_PIDFDID", "LISTEN_FDS", "LISTEN_FDNAMES", "NOTIFY_SOCKET",
                           "WATCHDOG_USEC", "WATCHDOG_PID", "JOURNAL_STREAM", "MAIL_CONFIG", "MAIL_VERBOSE",
                           "MAIL_DEBUG"})
    env.erase(name);
  return env;
}

bool is_socket(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode);
}

// An example run without any master: the service's own process is the
// test's child (the program itself, or systemd-socket-activate, which execs
// the program in the same process). Killed and waited for on every path.
class WithoutMaster : public ::testing::Test {
 protected:
  void TearDown() override {
    if (service_.pid > 0) (void)testing::finish_tool(service_, 0ms);  // kills a leftover
  }
  // SIGTERM to the service; its exit status (-1 when killed, or still running after 30 s).
  int stop() {
    if (::kill(service_.pid, SIGTERM) < 0) return -1;
    auto result = testing::finish_tool(service_, 30s);
    service_.pid = -1;
    return result.exit_code();
  }
  // SIGTERM just after a new line holding needle was logged, so that a timer
  // a period away cannot log another before the exit. The exit status, and
  // in lines how many such lines there were when it was sent; -1 for both
  // when no new one came within 10 s (then nothing is sent).
  int stop_after_a_new_line(const std::string& needle, int& lines) {
    int before = count_lines(err(), needle);
    lines = before;
    if (!eventually([&] { return (lines = count_lines(err(), needle)) > before; }, 10s)) {
      lines = -1;
      return -1;
    }
    return stop();
  }
  std::string err() const { return dir_.read("err"); }
  // Waits (bounded) until stderr holds line; false at once when the service has ended.
  bool logged(const std::string& line) const {
    bool ended = false;
    return eventually([&] { return contains(err(), line) || (ended = testing::process_ended(service_.pid)); }) &&
           !ended;
  }

  TempDir dir_;
  std::string socket_ = dir_.file("socket");
  testing::ToolChild service_;
};

// Standalone: `PROGRAM --listen SOCKET [--mode MODE] WORD...`; the service
// makes its socket and removes it at exit.
class Standalone : public WithoutMaster {
 protected:
  // Returns once the service logged its start line (its socket is bound by then).
  void start(const std::string& path, const std::vector<std::string>& words, const std::string& mode = "") {
    std::vector<std::string> argv{path, "--listen", socket_};
    if (!mode.empty()) argv.insert(argv.end(), {"--mode", mode});
    argv.insert(argv.end(), words.begin(), words.end());
    service_ = testing::start_tool(argv, dir_.file("out"), dir_.file("err"), service_environment());
    std::string line = "]: listening on " + socket_ + " (created, mode " + (mode.empty() ? "0666" : mode) + ")\n";
    ASSERT_TRUE(logged(line)) << line << "\nnot in:\n" << err();
  }
};

// Socket activation: `systemd-socket-activate --datagram -l SOCKET
// --fdname=NAME [-E VAR=VALUE]... PROGRAM WORD...` binds SOCKET and execs the
// program at the first datagram, with LISTEN_FDS=1. The file is
// systemd-socket-activate's: the service must leave it in place.
class UnderSocketActivation : public WithoutMaster {
 protected:
  void SetUp() override {
    const char* path = std::getenv("DGRAM_SOCKET_ACTIVATE");
    if (path == nullptr || *path == '\0') GTEST_SKIP() << "systemd-socket-activate is missing (Debian's systemd package)";
    activate_ = path;
  }
  void TearDown() override {
    WithoutMaster::TearDown();
    ::unlink(socket_.c_str());
  }
  // Returns once SOCKET is bound; the program starts when the test sends the first datagram.
  void start(const std::string& path, const std::vector<std::string>& words, std::vector<std::string> env = {}) {
    name_ = std::filesystem::path(path).filename().string() + ".socket";  // systemd's default name
    std::vector<std::string> argv{activate_, "--datagram", "-l", socket_, "--fdname=" + name_};
    // It gives the program only PATH, HOME, TERM and what -E names: the
    // sanitizers' settings must be passed on by name.
    auto own = process_environment();
    for (const char* name : {"ASAN_OPTIONS", "LSAN_OPTIONS", "UBSAN_OPTIONS", "MSAN_OPTIONS"}) {
      if (auto it = own.find(name); it != own.end()) env.push_back(it->first + "=" + it->second);
    }
    for (const auto& variable : env) argv.insert(argv.end(), {"-E", variable});
    argv.push_back(path);
    argv.insert(argv.end(), words.begin(), words.end());
    service_ = testing::start_tool(argv, dir_.file("out"), dir_.file("err"), service_environment());
    ASSERT_TRUE(eventually([&] { return is_socket(socket_); })) << err();
  }
  // Waits for the line that says the program took the passed socket.
  void expect_activated() {
    std::string line = "]: started by systemd socket activation: fd 3 (" + name_ + ")\n";
    ASSERT_TRUE(logged(line)) << line << "\nnot in:\n" << err();
  }

  std::string activate_;
  std::string name_;
};

// A stand-in for systemd's notification socket (NOTIFY_SOCKET): a datagram
// socket bound at path that keeps what the service tells it.
class NotifyListener {
 public:
  explicit NotifyListener(const std::string& path) : fd_(client_socket(path)) {}
  // Waits (bounded) for a message equal to text, or starting with it when prefix.
  bool wait_for(const std::string& text, bool prefix = false) {
    return eventually([&] {
      drain();
      return std::any_of(messages_.begin(), messages_.end(), [&](const std::string& message) {
        return prefix ? message.compare(0, text.size(), text) == 0 : message == text;
      });
    }, 10s);
  }
  std::string all() {
    drain();
    std::string text;
    for (const auto& message : messages_) text += "[" + message + "]\n";
    return text;
  }

 private:
  void drain() {
    char buffer[4096];
    ssize_t n;
    while ((n = ::recv(fd_.get(), buffer, sizeof(buffer), MSG_DONTWAIT)) >= 0) {
      messages_.emplace_back(buffer, static_cast<std::size_t>(n));
    }
  }
  UniqueFd fd_;
  std::vector<std::string> messages_;
};

// strace attached to a running service (-p), tracing its writev() calls
// with the files they write to (-y) until detach(). The test's own child:
// killed and waited for on every path. Attached and detached while the
// service runs, so LeakSanitizer (which cannot work under ptrace) still
// checks the service at exit.
class WritevTrace {
 public:
  WritevTrace(pid_t service, const TempDir& dir) : service_(service), path_(dir.file("trace")) {
    strace_ = testing::start_tool({"/usr/bin/strace", "-qq", "-y", "-e", "trace=writev", "-o", path_, "-p",
                                   std::to_string(service)},
                                  dir.file("strace-out"), dir.file("strace-err"));
  }
  ~WritevTrace() {
    if (strace_.pid > 0) (void)testing::finish_tool(strace_, 0ms);
  }
  WritevTrace(const WritevTrace&) = delete;
  WritevTrace& operator=(const WritevTrace&) = delete;

  // True once the service is traced by this strace (bounded).
  bool attached() const {
    std::string tracer = "\nTracerPid:\t" + std::to_string(strace_.pid) + "\n";
    return eventually([&] { return contains(testing::read_proc(service_, "status"), tracer); }, 10s);
  }
  // Detaches (SIGINT: strace lets the service go, then ends by that signal)
  // and returns the trace; "" when strace did not end within 30 s.
  std::string detach() {
    if (::kill(strace_.pid, SIGINT) < 0) return "";
    auto result = testing::finish_tool(strace_, 30s);
    strace_.pid = -1;
    return result.status ? testing::read_whole(path_) : "";
  }
  std::string errors() const { return testing::read_whole(strace_.err_path); }

 private:
  pid_t service_;
  std::string path_;
  testing::ToolChild strace_;
};

// ---- dgram-echo

TEST_F(UnderLaunch, EchoRepliesWithTheSameBytesToABoundClient) {
  start({program("DGRAM_ECHO"), "-V"});
  auto client = client_socket(dir_.file("client"));
  send_to(client.get(), socket_, "hello echo");
  EXPECT_EQ(receive(client.get()), "hello echo") << err();
  std::string big(60000, 'B');  // more than the default 4096-byte receive buffer
  big[0] = '\0';
  send_to(client.get(), socket_, big);
  EXPECT_EQ(receive(client.get()), big) << err();
  // An unnamed sender cannot be answered: one warning, and the service goes on.
  send_once(socket_, "nobody hears this");
  ASSERT_TRUE(eventually([&] { return contains(err(), "warning: cannot reply to unnamed sender: "); })) << err();
  send_to(client.get(), socket_, "still there");
  EXPECT_EQ(receive(client.get()), "still there") << err();
  EXPECT_EQ(stop(), 0) << err();
  EXPECT_EQ(count_lines(err(), "fatal"), 0) << err();
}

TEST_F(UnderRealMaster, EchoRepliesToAnAbstractClientAndWarnsAboutAnUnnamedOne) {
  auto postfix = real_master("echo", "DGRAM_ECHO", "1", {});
  postfix->start();
  std::string service = postfix->socket_path("echo");
  auto client = client_socket("@dgram-echo-test-" + std::to_string(::getpid()));
  send_to(client.get(), service, "ping 1");
  EXPECT_EQ(receive(client.get()), "ping 1") << postfix->maillog();
  send_once(service, "unanswerable");
  EXPECT_TRUE(postfix->wait_for_log("warning: cannot reply to unnamed sender: ", 10s)) << postfix->maillog();
  send_to(client.get(), service, "ping 2");
  EXPECT_EQ(receive(client.get()), "ping 2") << postfix->maillog();
  EXPECT_EQ(children_named(*postfix, "dgram-echo").size(), 1u);
  expect_master_content(*postfix);
}

TEST_F(UnderSocketActivation, EchoRepliesOnThePassedSocketAndTellsTheServiceManager) {
  std::string notify_path = dir_.file("notify");
  NotifyListener notify(notify_path);
  ASSERT_NO_FATAL_FAILURE(start(program("DGRAM_ECHO"), {"-V"}, {"NOTIFY_SOCKET=" + notify_path}));
  auto client = client_socket(dir_.file("client"));
  // The first datagram starts the program; it waits in the socket's queue meanwhile.
  send_to(client.get(), socket_, "wake up");
  EXPECT_EQ(receive(client.get()), "wake up") << err();
  ASSERT_NO_FATAL_FAILURE(expect_activated());
  EXPECT_TRUE(notify.wait_for("READY=1\n", true)) << notify.all();
  std::string big(60000, 'A');
  big[0] = '\0';
  send_to(client.get(), socket_, big);
  EXPECT_EQ(receive(client.get()), big) << err();
  send_once(socket_, "nobody hears this");
  ASSERT_TRUE(eventually([&] { return contains(err(), "warning: cannot reply to unnamed sender: "); })) << err();
  send_to(client.get(), socket_, "still there");
  EXPECT_EQ(receive(client.get()), "still there") << err();
  EXPECT_EQ(stop(), 0) << err();
  EXPECT_TRUE(notify.wait_for("STOPPING=1\nSTATUS=4 datagrams served")) << notify.all();
  EXPECT_EQ(count_lines(err(), "fatal"), 0) << err();
  // The socket is the service manager's: the service leaves the file in place.
  EXPECT_TRUE(is_socket(socket_));
}

TEST_F(Standalone, EchoRepliesWithTheSameBytesAndRemovesItsSocketAtExit) {
  ASSERT_NO_FATAL_FAILURE(start(program("DGRAM_ECHO"), {"-V"}, "0660"));
  struct stat st {};
  ASSERT_EQ(::lstat(socket_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0660u);  // exactly --mode, whatever the umask
  auto client = client_socket(dir_.file("client"));
  send_to(client.get(), socket_, "hello echo");
  EXPECT_EQ(receive(client.get()), "hello echo") << err();
  // No main.cf was named and there is none in /etc/postfix: nothing named
  // queue_directory, so the service works in "/". Read once it has replied:
  // the socket file exists before the start-up reaches its chdir.
  if (::access("/etc/postfix/main.cf", F_OK) != 0) {
    EXPECT_EQ(std::filesystem::read_symlink("/proc/" + std::to_string(service_.pid) + "/cwd"), "/");
  }
  std::string big(60000, 'B');
  big[0] = '\0';
  send_to(client.get(), socket_, big);
  EXPECT_EQ(receive(client.get()), big) << err();
  send_once(socket_, "nobody hears this");
  ASSERT_TRUE(eventually([&] { return contains(err(), "warning: cannot reply to unnamed sender: "); })) << err();
  send_to(client.get(), socket_, "still there");
  EXPECT_EQ(receive(client.get()), "still there") << err();
  EXPECT_EQ(stop(), 0) << err();
  EXPECT_EQ(count_lines(err(), "fatal"), 0) << err();
  EXPECT_FALSE(is_socket(socket_)) << "the socket file outlived the service";
}

// ---- dgram-periodic

TEST_F(UnderLaunch, PeriodicReportsEveryPeriodEvenWhenIdleAndCountsFirstWords) {
  start({program("DGRAM_PERIODIC"), "-V", "-o", "periodic_report_every=1s"});
  // Nothing was sent: the timer reports anyway.
  ASSERT_TRUE(eventually([&] { return count_lines(err(), "report: total=0") >= 2; })) << err();
  for (const char* datagram : {"apple 1", "pear", "apple two words", "pear x", "apple"}) send_once(socket_, datagram);
  ASSERT_TRUE(eventually([&] { return contains(err(), "]: report: total=5 apple=3 pear=2\n"); })) << err();
  EXPECT_EQ(stop(), 0) << err();
}

TEST_F(UnderRealMaster, BothPeriodicChildrenReportWhileOneWaitsForTheLockFile) {
  // max_use=0: the traffic below must not end a child (the default use limit is 100).
  // dgram_busy_after_usec=0: every wake-up is busy (TAKEN), so the bursts
  // below make the master start the second child; by default this cheap
  // service's turns stay quiet and one child serves them all.
  auto postfix = real_master("periodic", "DGRAM_PERIODIC", "2",
                             {"-o", "periodic_report_every=1s", "-o", "max_use=0", "-o",
                              "dgram_busy_after_usec=0"});
  postfix->start();
  std::string service = postfix->socket_path("periodic");
  // The master starts a second child only while the first is busy: send
  // bursts until two run (bounded).
  std::vector<pid_t> children;
  auto deadline = std::chrono::steady_clock::now() + 30s;
  while ((children = children_named(*postfix, "dgram-periodic")).size() < 2 &&
         std::chrono::steady_clock::now() < deadline) {
    ASSERT_EQ(run_command({program("DGRAM_FLOOD"), "--quiet", "-n", "5000", "-s", "100", service}), 0);
  }
  ASSERT_EQ(children.size(), 2u) << postfix->maillog();
  // Traffic has stopped: one child holds the lock and waits on the socket,
  // the other waits for the lock. Both must keep reporting.
  std::size_t mark = postfix->maillog().size();
  for (pid_t pid : children) {
    std::string line = "dgram-periodic[" + std::to_string(pid) + "]: report: total=";
    EXPECT_TRUE(eventually([&] { return count_lines(postfix->maillog().substr(mark), line) >= 3; }, 15s))
        << "child " << pid << " did not report 3 times\n" << postfix->maillog().substr(mark);
  }
  // ... and one of them did so while it waited for the lock.
  EXPECT_TRUE(eventually([&] { return waits_for_a_lock(children[0]) != waits_for_a_lock(children[1]); }, 10s))
      << "neither child, or both, wait in flock()";
  EXPECT_EQ(children_named(*postfix, "dgram-periodic"), children);
  expect_master_content(*postfix);
}

TEST_F(Standalone, PeriodicReportsEverySecondAndOnceMoreAtExit) {
  ASSERT_NO_FATAL_FAILURE(start(program("DGRAM_PERIODIC"), {"-V", "-o", "periodic_report_every=1s"}));
  // Nothing was sent: the timer reports anyway, every second (the default is 60 s).
  ASSERT_TRUE(eventually([&] { return count_lines(err(), "]: report: total=0") >= 3; }, 10s)) << err();
  for (const char* datagram : {"apple 1", "pear", "apple two words", "pear x", "apple"}) {
    ASSERT_EQ(testing::send_datagram(socket_, datagram), "");
  }
  std::string report = "]: report: total=5 apple=3 pear=2";
  ASSERT_TRUE(eventually([&] { return contains(err(), report + "\n"); })) << err();
  // The exit hook logs the last report once more.
  int reports = 0;
  EXPECT_EQ(stop_after_a_new_line(report, reports), 0) << err();
  ASSERT_GT(reports, 0) << err();
  EXPECT_EQ(count_lines(err(), report), reports + 1) << err();
  EXPECT_FALSE(is_socket(socket_)) << "the socket file outlived the service";
}

TEST_F(UnderSocketActivation, PeriodicReportsEverySecondFromTheFirstDatagramOn) {
  ASSERT_NO_FATAL_FAILURE(start(program("DGRAM_PERIODIC"), {"-V", "-o", "periodic_report_every=1s"}));
  // The datagram that starts the program is counted like any other.
  ASSERT_EQ(testing::send_datagram(socket_, "apple 1"), "");
  ASSERT_NO_FATAL_FAILURE(expect_activated());
  ASSERT_TRUE(eventually([&] { return count_lines(err(), "]: report: total=1 apple=1") >= 3; }, 10s)) << err();
  for (const char* datagram : {"pear", "apple two words", "pear x", "apple"}) {
    ASSERT_EQ(testing::send_datagram(socket_, datagram), "");
  }
  std::string report = "]: report: total=5 apple=3 pear=2";
  ASSERT_TRUE(eventually([&] { return contains(err(), report + "\n"); })) << err();
  int reports = 0;
  EXPECT_EQ(stop_after_a_new_line(report, reports), 0) << err();
  ASSERT_GT(reports, 0) << err();
  EXPECT_EQ(count_lines(err(), report), reports + 1) << err();
  EXPECT_TRUE(is_socket(socket_)) << "the service removed the socket file it was given";
}

// ---- dgram-whosent

TEST_F(UnderLaunch, WhosentLogsTheSendersPidUidGidAndAddress) {
  if (::geteuid() != 0) GTEST_SKIP() << "sending as user nobody needs root";
  start({program("DGRAM_WHOSENT"), "-V"});
  // A first datagram, so the child surely asked for credentials before the real ones.
  send_once(socket_, "probe");
  ASSERT_TRUE(eventually([&] { return contains(err(), " address=unnamed\n"); })) << err();
  ASSERT_NO_FATAL_FAILURE(expect_senders_logged(socket_, dir_, "launch", [this] { return err(); }));
  EXPECT_EQ(stop(), 0) << err();
}

TEST_F(UnderRealMaster, WhosentLogsTheSendersPidUidGidAndAddress) {
  auto postfix = real_master("whosent", "DGRAM_WHOSENT", "1", {});
  postfix->start();
  std::string service = postfix->socket_path("whosent");
  send_once(service, "probe");  // the master starts the child for it
  ASSERT_TRUE(postfix->wait_for_log(" address=unnamed\n", 10s)) << postfix->maillog();
  Nobody who = nobody();
  std::string ids = " uid=" + std::to_string(who.uid) + " gid=" + std::to_string(who.gid);
  TempDir dir;
  pid_t bound = send_as_nobody(service, dir.file("client"), "bound");
  ASSERT_GT(bound, 0);
  pid_t unnamed = send_as_nobody(service, "", "unnamed");
  ASSERT_GT(unnamed, 0);
  EXPECT_TRUE(postfix->wait_for_log("]: pid=" + std::to_string(bound) + ids + " address=" + dir.file("client") + "\n", 10s))
      << postfix->maillog();
  EXPECT_TRUE(postfix->wait_for_log("]: pid=" + std::to_string(unnamed) + ids + " address=unnamed\n", 10s))
      << postfix->maillog();
  expect_master_content(*postfix);
}

TEST_F(Standalone, WhosentLogsTheSendersPidUidGidAndAddressFromTheFirstDatagramOn) {
  if (::geteuid() != 0) GTEST_SKIP() << "sending as user nobody needs root";
  ASSERT_NO_FATAL_FAILURE(start(program("DGRAM_WHOSENT"), {"-V"}));
  // The service asked for credentials on its own socket before anybody
  // could send to it: even the first datagram carries them.
  ASSERT_NO_FATAL_FAILURE(expect_senders_logged(socket_, dir_, "standalone", [this] { return err(); }));
  EXPECT_EQ(count_lines(err(), "pid=unknown"), 0) << err();
  EXPECT_EQ(stop(), 0) << err();
  EXPECT_FALSE(is_socket(socket_)) << "the socket file outlived the service";
}

// With whosent_pidfd = yes the line also names the sender through its
// pidfd: a sender still alive shows its own pid and alive=yes. Over many
// wake-ups the service holds no more pidfds than its last batch brought.
TEST_F(Standalone, WhosentWithPidfdNamesTheSenderAndKeepsNoPidfdPastTheNextWakeUp) {
  if (!kernel_has_pidfds()) GTEST_SKIP() << "SO_PASSPIDFD needs Linux 6.5";
  ASSERT_NO_FATAL_FAILURE(start(program("DGRAM_WHOSENT"), {"-V", "-o", "whosent_pidfd=yes"}));
  // A sender that stays alive until the test has seen its line.
  int go[2];
  ASSERT_EQ(::pipe2(go, O_CLOEXEC), 0);
  UniqueFd go_read(go[0]), go_write(go[1]);
  auto target = unix_address(socket_);
  UniqueFd fd = client_socket("");
  pid_t sender = ::fork();
  ASSERT_GE(sender, 0);
  if (sender == 0) {
    go_write.reset();
    if (::sendto(fd.get(), "alive", 5, 0, reinterpret_cast<const sockaddr*>(&target.address), target.length) != 5)
      ::_exit(1);
    char byte;
    (void)::read(go_read.get(), &byte, 1);  // until the test closes its end
    ::_exit(0);
  }
  go_read.reset();
  std::string who = std::to_string(sender);
  std::string line = "]: pid=" + who + " uid=" + std::to_string(::getuid()) + " gid=" + std::to_string(::getgid()) +
                     " address=unnamed pidfd_pid=" + who + " alive=yes\n";
  bool seen = logged(line);
  go_write.reset();
  auto status = launch::wait_for_exit(sender, 10s);
  ASSERT_TRUE(seen) << line << "\nnot in:\n" << err();
  ASSERT_TRUE(status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0);

  // Many wake-ups from this process; each waits until its datagrams were logged.
  std::string mine = " pidfd_pid=" + std::to_string(::getpid()) + " alive=yes";
  for (int round = 1; round <= 20; ++round) {
    for (int i = 0; i < 3; ++i) send_once(socket_, "again");
    ASSERT_TRUE(eventually([&] { return count_lines(err(), mine) == 3 * round; })) << err();
    ASSERT_LE(pidfds_held_by(service_.pid), 3) << "round " << round;
  }
  // Each receive closed the pidfds of the batch before it (a draining loop's
  // last, empty receive too): at most the last datagram's is left.
  send_once(socket_, "last");
  ASSERT_TRUE(eventually([&] { return count_lines(err(), mine) == 61; })) << err();
  EXPECT_LE(pidfds_held_by(service_.pid), 1);
  EXPECT_EQ(count_lines(err(), "pidfd=none"), 0) << err();
  EXPECT_EQ(stop(), 0) << err();
}

TEST_F(UnderSocketActivation, WhosentLogsTheSendersPidUidGidAndAddress) {
  if (::geteuid() != 0) GTEST_SKIP() << "sending as user nobody needs root";
  ASSERT_NO_FATAL_FAILURE(start(program("DGRAM_WHOSENT"), {"-V"}));
  // The first datagram was queued before the program existed, so before it
  // asked for credentials: it has none and says so (systemd's
  // PassCredentials=yes would have set SO_PASSCRED when binding).
  ASSERT_GT(send_as_nobody(socket_, dir_.file("first-client"), "wake up"), 0);
  ASSERT_NO_FATAL_FAILURE(expect_activated());
  std::string first = "]: pid=unknown uid=unknown gid=unknown address=" + dir_.file("first-client") + "\n";
  ASSERT_TRUE(eventually([&] { return contains(err(), first); })) << first << "\nnot in:\n" << err();
  ASSERT_NO_FATAL_FAILURE(expect_senders_logged(socket_, dir_, "activation", [this] { return err(); }));
  EXPECT_EQ(count_lines(err(), "pid=unknown"), 1) << err();
  EXPECT_EQ(stop(), 0) << err();
  EXPECT_TRUE(is_socket(socket_)) << "the service removed the socket file it was given";
}

// ---- dgram-batch-writer

// The writev() calls on path in an strace -y log: the iovec count of each.
std::vector<int> writev_counts(const std::string& trace, const std::string& path) {
  std::vector<int> counts;
  std::istringstream in(trace);
  std::string line;
  while (std::getline(in, line)) {
    if (!contains(line, "writev(") || !contains(line, "<" + path + ">")) continue;
    auto close = line.rfind(") = ");
    auto comma = line.rfind(", ", close);
    counts.push_back(std::stoi(line.substr(comma + 2, close - comma - 2)));
  }
  return counts;
}

TEST_F(UnderLaunch, BatchWriterAppendsOneLinePerDatagramWithOneWritevPerBatch) {
  std::string file = dir_.file("batches");
  std::string trace = dir_.file("trace");
  // strace between dgram-launch and the service: fds 3-6 pass through it.
  // dgram-launch puts the master's words (-l -t ...) right after the
  // program, like master(8), so a script takes them and passes them on.
  // LeakSanitizer cannot work under ptrace: off for the traced service only.
  std::string wrapper = dir_.file("traced-batch-writer");
  dir_.write("traced-batch-writer",
             "#!/bin/sh\nASAN_OPTIONS=\"${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0\" exec /usr/bin/strace -f -qq -y -e trace=writev -o '" + trace +
                                        "' -- '" + program("DGRAM_BATCH_WRITER") + "' \"$@\"\n");
  ASSERT_EQ(::chmod(wrapper.c_str(), 0755), 0);
  start({wrapper, "-V", "-o", "batch_writer_file=" + file});
  auto lines_in_file = [&] { return count_lines(dir_.read("batches"), ""); };
  // One datagram at a time: batches of one.
  send_once(socket_, "control\x01" "and\nnewline\x7f");
  ASSERT_TRUE(eventually([&] { return lines_in_file() == 1; })) << err();
  send_once(socket_, "second");
  ASSERT_TRUE(eventually([&] { return lines_in_file() == 2; })) << err();
  // Eight datagrams queued while the service is stopped (a UNIX datagram
  // socket queues at most net.unix.max_dgram_qlen, 10 by default): one batch of eight.
  std::vector<pid_t> strace_pids = children_of(launch_.pid);
  ASSERT_EQ(strace_pids.size(), 1u);
  std::vector<pid_t> service_pids = children_of(strace_pids.front());
  ASSERT_EQ(service_pids.size(), 1u);
  ASSERT_EQ(::kill(service_pids.front(), SIGSTOP), 0);
  auto client = client_socket("");
  for (int i = 0; i < 8; ++i) send_to(client.get(), socket_, "burst " + std::to_string(i));
  ASSERT_EQ(::kill(service_pids.front(), SIGCONT), 0);
  ASSERT_TRUE(eventually([&] { return lines_in_file() == 10; })) << err();
  EXPECT_EQ(stop(), 0) << err();

  std::string expected = "control?and?newline?\n" "second\n";
  for (int i = 0; i < 8; ++i) expected += "burst " + std::to_string(i) + "\n";
  EXPECT_EQ(dir_.read("batches"), expected);
  EXPECT_EQ(writev_counts(dir_.read("trace"), file), (std::vector<int>{1, 1, 8})) << dir_.read("trace");
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
}

TEST_F(UnderRealMaster, BatchWriterOpensItsFileBeforePrivilegesDropAndAppendsLines) {
  auto postfix = real_master("batch", "DGRAM_BATCH_WRITER", "1", {});
  // The file lives in the log folder (root's, mode 0755): only a process
  // that is still root can create it there.
  std::string file = postfix->log_dir() + "/batches";
  postfix->write_master_cf({{"postlog", "dgram-logd", "1", "-", "n", {}},
                            {"batch", "dgram-batch-writer", "1", "-", "n", {"-o", "batch_writer_file=" + file}}});
  postfix->start();
  std::string service = postfix->socket_path("batch");
  auto client = client_socket("");
  for (int i = 0; i < 10; ++i) send_to(client.get(), service, "record\t" + std::to_string(i));
  auto read_file = [&] { return testing::read_whole(file); };
  ASSERT_TRUE(eventually([&] { return count_lines(read_file(), "") == 10; }, 10s)) << postfix->maillog();
  std::string expected;
  for (int i = 0; i < 10; ++i) expected += "record?" + std::to_string(i) + "\n";
  EXPECT_EQ(read_file(), expected);
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  EXPECT_EQ(st.st_uid, 0u);
  // The child serves as mail_owner, not as root.
  auto children = children_named(*postfix, "dgram-batch-wri");  // comm is cut to 15 bytes
  ASSERT_EQ(children.size(), 1u);
  EXPECT_NE(testing::read_proc(children.front(), "status").find("Uid:\t" + std::to_string(::getpwnam("postfix")->pw_uid)),
            std::string::npos);
  expect_master_content(*postfix);
}

// Eight datagrams queued while the service is stopped (a UNIX datagram
// socket queues at most net.unix.max_dgram_qlen, 10 by default), then let
// go: one wake-up, one batch of eight. lines_before: lines in the file by now.
void send_a_burst_of_eight(pid_t service, const std::string& socket, const std::function<int()>& lines,
                           int lines_before) {
  ASSERT_EQ(::kill(service, SIGSTOP), 0);
  auto client = client_socket("");
  for (int i = 0; i < 8; ++i) send_to(client.get(), socket, "burst " + std::to_string(i));
  ASSERT_EQ(::kill(service, SIGCONT), 0);
  ASSERT_TRUE(eventually([&] { return lines() == lines_before + 8; }));
}

std::string burst_lines() {
  std::string text;
  for (int i = 0; i < 8; ++i) text += "burst " + std::to_string(i) + "\n";
  return text;
}

TEST_F(Standalone, BatchWriterAppendsOneLinePerDatagramWithOneWritevPerBatch) {
  std::string file = dir_.file("batches");
  ASSERT_NO_FATAL_FAILURE(start(program("DGRAM_BATCH_WRITER"), {"-V", "-o", "batch_writer_file=" + file}));
  WritevTrace trace(service_.pid, dir_);
  ASSERT_TRUE(trace.attached()) << trace.errors();
  auto lines_in_file = [&] { return count_lines(dir_.read("batches"), ""); };
  ASSERT_EQ(testing::send_datagram(socket_, "control\x01" "and\nnewline\x7f"), "");
  ASSERT_TRUE(eventually([&] { return lines_in_file() == 1; })) << err();
  ASSERT_EQ(testing::send_datagram(socket_, "second"), "");
  ASSERT_TRUE(eventually([&] { return lines_in_file() == 2; })) << err();
  ASSERT_NO_FATAL_FAILURE(send_a_burst_of_eight(service_.pid, socket_, lines_in_file, 2)) << err();
  std::string writes = trace.detach();
  EXPECT_EQ(stop(), 0) << err();
  EXPECT_FALSE(is_socket(socket_)) << "the socket file outlived the service";

  EXPECT_EQ(dir_.read("batches"), "control?and?newline?\n" "second\n" + burst_lines());
  EXPECT_EQ(writev_counts(writes, file), (std::vector<int>{1, 1, 8})) << writes << trace.errors();
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
}

TEST_F(UnderSocketActivation, BatchWriterAppendsOneLinePerDatagramWithOneWritevPerBatch) {
  std::string file = dir_.file("batches");
  ASSERT_NO_FATAL_FAILURE(start(program("DGRAM_BATCH_WRITER"), {"-V", "-o", "batch_writer_file=" + file}));
  auto lines_in_file = [&] { return count_lines(dir_.read("batches"), ""); };
  ASSERT_EQ(testing::send_datagram(socket_, "wake\x01up"), "");  // starts the program
  ASSERT_NO_FATAL_FAILURE(expect_activated());
  ASSERT_TRUE(eventually([&] { return lines_in_file() == 1; })) << err();
  WritevTrace trace(service_.pid, dir_);  // the pid of systemd-socket-activate, now the service's
  ASSERT_TRUE(trace.attached()) << trace.errors();
  ASSERT_EQ(testing::send_datagram(socket_, "second"), "");
  ASSERT_TRUE(eventually([&] { return lines_in_file() == 2; })) << err();
  ASSERT_NO_FATAL_FAILURE(send_a_burst_of_eight(service_.pid, socket_, lines_in_file, 2)) << err();
  std::string writes = trace.detach();
  EXPECT_EQ(stop(), 0) << err();
  EXPECT_TRUE(is_socket(socket_)) << "the service removed the socket file it was given";

  EXPECT_EQ(dir_.read("batches"), "wake?up\n" "second\n" + burst_lines());
  EXPECT_EQ(writev_counts(writes, file), (std::vector<int>{1, 8})) << writes << trace.errors();
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
}

}  // namespace
}  // namespace dgram
