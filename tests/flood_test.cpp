// flood_test - runs the built dgram-flood against a socket the test binds.
//
// Each test binds its own AF_UNIX SOCK_DGRAM socket in a private temporary
// folder, forks and execs the program named by $DGRAM_FLOOD, and receives
// with one poll loop over the socket, the child's stdout and stderr and a
// pidfd for its exit. Every wait in that loop is bounded by a deadline; a
// child still running at the deadline is killed and the test fails.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr milliseconds kRunDeadline{60'000};
constexpr std::size_t kReceiveBuffer = 65536 + 1;

[[noreturn]] void throw_errno(const std::string& what) {
  throw std::system_error(errno, std::generic_category(), what);
}

// OwnedFd - closes one descriptor when it goes out of scope.
class OwnedFd {
 public:
  explicit OwnedFd(int fd = -1) : fd_(fd) {}
  OwnedFd(OwnedFd&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  OwnedFd& operator=(OwnedFd&& other) noexcept {
    std::swap(fd_, other.fd_);
    return *this;
  }
  ~OwnedFd() { reset(); }
  int get() const { return fd_; }
  void reset() {
    if (fd_ >= 0) (void)::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

// TempDir - a private folder, removed with the files the tests put in it.
class TempDir {
 public:
  TempDir() {
    char name[] = "/tmp/flood_test.XXXXXX";
    if (::mkdtemp(name) == nullptr) throw_errno("mkdtemp");
    path_ = name;
  }
  ~TempDir() {
    for (const auto& file : files_) (void)::unlink(file.c_str());
    (void)::rmdir(path_.c_str());
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::string file(const std::string& name) {
    files_.push_back(path_ + "/" + name);
    return files_.back();
  }

 private:
  std::string path_;
  std::vector<std::string> files_;
};

// bind_receiver - a datagram socket bound to path, non-blocking, close-on-exec.
OwnedFd bind_receiver(const std::string& path) {
  OwnedFd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (fd.get() < 0) throw_errno("socket");
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    throw_errno("bind " + path);
  }
  return fd;
}

// What one run of dgram-flood left behind.
struct Outcome {
  std::vector<std::string> datagrams;  // in arrival order
  std::string out;
  std::string err;
  int exit_status = -1;            // -1 when it did not exit normally
  bool exited_while_held = false;  // it finished while the receiver was not reading
  Clock::duration elapsed{};       // from fork to exit
};

struct RunSpec {
  std::vector<std::string> args;  // options and operands after the program name
  int receiver = -1;              // socket to read, or -1 to read nothing
  milliseconds hold{0};           // do not read for this long after the start
  bool never_read = false;        // leave the queue alone for the whole run
};

// Child - the forked dgram-flood: its pid, a pidfd and its output pipes.
struct Child {
  pid_t pid = -1;
  OwnedFd pidfd;
  OwnedFd out;
  OwnedFd err;
};

Child spawn(const std::vector<std::string>& args) {
  const char* program = std::getenv("DGRAM_FLOOD");
  if (program == nullptr) throw std::runtime_error("DGRAM_FLOOD is not set");
  std::vector<std::string> words{program};
  words.insert(words.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& word : words) argv.push_back(word.data());
  argv.push_back(nullptr);

  int out[2];
  int err[2];
  if (::pipe2(out, O_CLOEXEC) != 0) throw_errno("pipe2");
  OwnedFd out_read(out[0]);
  OwnedFd out_write(out[1]);
  if (::pipe2(err, O_CLOEXEC) != 0) throw_errno("pipe2");
  OwnedFd err_read(err[0]);
  OwnedFd err_write(err[1]);

  pid_t pid = ::fork();
  if (pid < 0) throw_errno("fork");
  if (pid == 0) {
    // Only async-signal-safe calls between fork and exec.
    if (::dup2(out[1], STDOUT_FILENO) < 0 || ::dup2(err[1], STDERR_FILENO) < 0) ::_exit(126);
    ::execv(argv[0], argv.data());
    static const char message[] = "flood_test: cannot exec $DGRAM_FLOOD\n";
    (void)!::write(STDERR_FILENO, message, sizeof(message) - 1);
    ::_exit(127);
  }
  Child child;
  child.pid = pid;
  // Called directly: glibc 2.36's <sys/pidfd.h> lacks extern "C" for C++.
  child.pidfd = OwnedFd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  if (child.pidfd.get() < 0) throw_errno("pidfd_open");
  child.out = std::move(out_read);
  child.err = std::move(err_read);
  return child;
}

// drain_pipe - appends what is readable; false at end of file.
bool drain_pipe(int fd, std::string& into) {
  char buffer[4096];
  ssize_t n = ::read(fd, buffer, sizeof(buffer));
  if (n < 0) {
    if (errno == EINTR || errno == EAGAIN) return true;
    throw_errno("read pipe");
  }
  into.append(buffer, static_cast<std::size_t>(n));
  return n > 0;
}

// drain_socket - receives everything queued now; the real length even if truncated.
void drain_socket(int fd, std::vector<std::string>& into, std::vector<char>& buffer) {
  for (;;) {
    ssize_t n = ::recv(fd, buffer.data(), buffer.size(), MSG_DONTWAIT | MSG_TRUNC);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      if (errno == EINTR) continue;
      throw_errno("recv");
    }
    std::size_t kept = std::min(static_cast<std::size_t>(n), buffer.size());
    std::string datagram(buffer.data(), kept);
    datagram.resize(static_cast<std::size_t>(n), '?');  // mark lost bytes, keep the length
    into.push_back(std::move(datagram));
  }
}

// reap - collects the exit status of a child whose pidfd is readable.
int reap(pid_t pid) {
  int status = 0;
  pid_t got;
  do {
    got = ::waitpid(pid, &status, WNOHANG);
  } while (got < 0 && errno == EINTR);
  if (got != pid) throw_errno("waitpid");
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int poll_ms(Clock::time_point until) {
  auto left = std::chrono::duration_cast<milliseconds>(until - Clock::now()).count() + 1;
  return static_cast<int>(std::max<long long>(0, left));
}

Outcome run_flood(const RunSpec& spec) {
  Outcome run;
  std::vector<char> buffer(kReceiveBuffer);
  auto start = Clock::now();
  Child child = spawn(spec.args);
  const auto deadline = start + kRunDeadline;
  const auto hold_until = start + spec.hold;
  bool out_open = true;
  bool err_open = true;
  bool exited = false;

  while (!exited || out_open || err_open) {
    auto now = Clock::now();
    if (now >= deadline) {
      (void)::kill(child.pid, SIGKILL);
      int status = 0;
      (void)::waitpid(child.pid, &status, 0);
      ADD_FAILURE() << "dgram-flood still running after " << kRunDeadline.count() << " ms";
      return run;
    }
    bool holding = spec.never_read || now < hold_until;
    bool reading = spec.receiver >= 0 && !holding;
    pollfd fds[4] = {
        {child.pidfd.get(), static_cast<short>(exited ? 0 : POLLIN), 0},
        {child.out.get(), static_cast<short>(out_open ? POLLIN : 0), 0},
        {child.err.get(), static_cast<short>(err_open ? POLLIN : 0), 0},
        {spec.receiver, static_cast<short>(reading ? POLLIN : 0), 0},
    };
    auto wake = holding && !spec.never_read ? std::min(deadline, hold_until) : deadline;
    int ready = ::poll(fds, spec.receiver >= 0 ? 4 : 3, poll_ms(wake));
    if (ready < 0) {
      if (errno == EINTR) continue;
      throw_errno("poll");
    }
    if (fds[0].revents != 0 && !exited) {
      exited = true;
      run.elapsed = Clock::now() - start;
      run.exit_status = reap(child.pid);
      run.exited_while_held = holding;
    }
    if (fds[1].revents != 0) out_open = drain_pipe(child.out.get(), run.out);
    if (fds[2].revents != 0) err_open = drain_pipe(child.err.get(), run.err);
    if (reading && fds[3].revents != 0) drain_socket(spec.receiver, run.datagrams, buffer);
  }
  // Everything the child sent is queued by the time it exits.
  if (spec.receiver >= 0 && !spec.never_read) drain_socket(spec.receiver, run.datagrams, buffer);
  return run;
}

// pattern_at - the filler byte dgram-flood puts at offset k.
char pattern_at(std::size_t k) { return static_cast<char>('a' + k % 26); }

// header - what --sequence puts in front for number n.
std::string header(std::uint64_t n) {
  char text[32];
  std::snprintf(text, sizeof(text), "%012llu ", static_cast<unsigned long long>(n));
  return text;
}

// check_datagrams - count, sizes, pattern and (optionally) sequence numbers.
void check_datagrams(const Outcome& run, std::uint64_t count, std::size_t size,
                     std::optional<std::uint64_t> first_sequence) {
  ASSERT_EQ(run.datagrams.size(), count);
  for (std::size_t i = 0; i < run.datagrams.size(); ++i) {
    const std::string& d = run.datagrams[i];
    ASSERT_EQ(d.size(), size) << "datagram " << i;
    std::size_t k = 0;
    if (first_sequence) {
      ASSERT_EQ(d.substr(0, 13), header(*first_sequence + i)) << "datagram " << i;
      k = 13;
    }
    for (; k < d.size(); ++k) {
      ASSERT_EQ(d[k], pattern_at(k)) << "datagram " << i << " offset " << k;
    }
  }
}

// json_value - the text of a top-level "key":value in dgram-flood's JSON line.
// (No std::regex: GCC 12 warns inside <regex> when built with sanitizers.)
std::string json_value(const std::string& json, const std::string& key) {
  std::string field = "\"" + key + "\":";
  std::size_t at = json.find(field);
  if (at == std::string::npos) return "(missing)";
  at += field.size();
  std::size_t end = json[at] == '"' ? json.find('"', at + 1) + 1 : json.find_first_of(",}", at);
  return end == std::string::npos ? "(unterminated)" : json.substr(at, end - at);
}

// is_decimal - digits, a dot and exactly `decimals` digits (any when -1).
bool is_decimal(const std::string& text, int decimals) {
  std::size_t dot = text.find('.');
  std::string whole = text.substr(0, dot);
  std::string fraction = dot == std::string::npos ? "" : text.substr(dot + 1);
  auto digits = [](const std::string& t) {
    return !t.empty() && t.find_first_not_of("0123456789") == std::string::npos;
  };
  if (!digits(whole)) return false;
  if (decimals == 0) return dot == std::string::npos;
  return digits(fraction) &&
         (decimals < 0 || fraction.size() == static_cast<std::size_t>(decimals));
}

class FloodTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NE(std::getenv("DGRAM_FLOOD"), nullptr) << "run through meson test";
    path_ = dir_.file("in");
    receiver_ = bind_receiver(path_);
  }

  Outcome flood(std::vector<std::string> args, milliseconds hold = milliseconds{0}) {
    args.push_back(path_);
    RunSpec spec{args, receiver_.get(), hold, false};
    return run_flood(spec);
  }

  TempDir dir_;
  std::string path_;
  OwnedFd receiver_;
};

struct SizeCase {
  std::vector<std::string> args;
  std::uint64_t count;
  std::size_t size;
};

TEST_F(FloodTest, SendsExactCountAndSizes) {
  const SizeCase cases[] = {
      {{}, 1000, 100},
      {{"-n", "10", "-s", "0"}, 10, 0},
      {{"-n", "300", "-s", "1"}, 300, 1},
      {{"--count=5", "--size=65536"}, 5, 65536},
      {{"-n", "0"}, 0, 100},
      {{"-mn", "10", "-s", "0"}, 10, 0},
      {{"-m", "-n", "5", "-s", "65536"}, 5, 65536},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(::testing::PrintToString(c.args));
    Outcome run = flood(c.args);
    EXPECT_EQ(run.exit_status, 0) << run.err;
    EXPECT_EQ(run.err, "");  // stderr is a pipe: no progress bar
    check_datagrams(run, c.count, c.size, std::nullopt);
  }
}

TEST_F(FloodTest, SequenceNumbersArriveInOrder) {
  Outcome run = flood({"--sequence", "-n", "3000", "-s", "40"});
  EXPECT_EQ(run.exit_status, 0) << run.err;
  check_datagrams(run, 3000, 40, 0);
}

TEST_F(FloodTest, SequenceHeaderFillsTheSmallestSize) {
  Outcome run = flood({"-q", "-n", "3", "-s", "13"});
  EXPECT_EQ(run.exit_status, 0) << run.err;
  ASSERT_EQ(run.datagrams.size(), 3u);
  EXPECT_EQ(run.datagrams[2], "000000000002 ");
}

TEST_F(FloodTest, FirstSequenceNumberUpToTwelveDigits) {
  Outcome run = flood({"-q", "--first", "999999999990", "-n", "10", "-s", "20"});
  EXPECT_EQ(run.exit_status, 0) << run.err;
  check_datagrams(run, 10, 20, 999999999990ULL);
}

TEST_F(FloodTest, MmsgDeliversTheSame) {
  // Batches of 64, of 7 (the last one partial) and of 1.
  for (const char* batch : {"64", "7", "1"}) {
    SCOPED_TRACE(batch);
    Outcome run = flood({"-m", "--batch", batch, "-q", "-n", "3000", "-s", "50", "--first", "17"});
    EXPECT_EQ(run.exit_status, 0) << run.err;
    check_datagrams(run, 3000, 50, 17);
  }
}

TEST_F(FloodTest, HumanSummaryLine) {
  Outcome run = flood({"-n", "100", "-s", "20"});
  EXPECT_EQ(run.exit_status, 0) << run.err;
  // "sent 100 datagrams of 20 bytes in T s: R datagrams/s\n"
  const std::string lead = "sent 100 datagrams of 20 bytes in ";
  ASSERT_EQ(run.out.rfind(lead, 0), 0u) << run.out;
  std::size_t s_at = run.out.find(" s: ", lead.size());
  std::size_t r_end = run.out.find(" datagrams/s\n");
  ASSERT_NE(s_at, std::string::npos) << run.out;
  ASSERT_NE(r_end, std::string::npos) << run.out;
  EXPECT_TRUE(is_decimal(run.out.substr(lead.size(), s_at - lead.size()), 3)) << run.out;
  EXPECT_TRUE(is_decimal(run.out.substr(s_at + 4, r_end - s_at - 4), 0)) << run.out;
  EXPECT_EQ(r_end + 13, run.out.size()) << run.out;
}

TEST_F(FloodTest, JsonReportsTheRun) {
  Outcome run = flood({"--json", "-m", "-q", "-n", "100", "-s", "20", "--first", "5"});
  EXPECT_EQ(run.exit_status, 0) << run.err;
  ASSERT_FALSE(run.out.empty());
  ASSERT_EQ(run.out.front(), '{') << run.out;
  ASSERT_EQ(run.out.find('\n'), run.out.size() - 1) << run.out;
  ASSERT_EQ(run.out.find('}'), run.out.size() - 2) << run.out;
  EXPECT_TRUE(is_decimal(json_value(run.out, "seconds"), 6)) << run.out;
  EXPECT_TRUE(is_decimal(json_value(run.out, "datagrams_per_second"), 1)) << run.out;
  EXPECT_EQ(json_value(run.out, "sent"), "100");
  EXPECT_EQ(json_value(run.out, "size"), "20");
  EXPECT_EQ(json_value(run.out, "mode"), "\"sendmmsg\"");
  EXPECT_EQ(json_value(run.out, "first_sequence"), "5");
  double seconds = std::stod(json_value(run.out, "seconds"));
  double rate = std::stod(json_value(run.out, "datagrams_per_second"));
  EXPECT_GT(seconds, 0.0);
  EXPECT_NEAR(rate, 100 / seconds, 0.01 * rate + 0.1);
  check_datagrams(run, 100, 20, 5);

  Outcome plain = flood({"--json", "-n", "3"});
  EXPECT_EQ(json_value(plain.out, "mode"), "\"send\"");
  EXPECT_EQ(json_value(plain.out, "first_sequence"), "0");
}

TEST_F(FloodTest, QuietPrintsOnlyWhatWasAskedFor) {
  Outcome quiet = flood({"--quiet", "-n", "10"});
  EXPECT_EQ(quiet.exit_status, 0) << quiet.err;
  EXPECT_EQ(quiet.out, "");
  EXPECT_EQ(quiet.err, "");
  Outcome json = flood({"--quiet", "--json", "-n", "10"});
  EXPECT_EQ(json_value(json.out, "sent"), "10");
}

TEST_F(FloodTest, RatePacesTheSends) {
  // 50 datagrams at 500/s: the last one is due 49/500 s = 98 ms after the first.
  for (const char* mode : {"--count=50", "--mmsg"}) {
    SCOPED_TRACE(mode);
    Outcome run = flood({mode, "-n", "50", "-r", "500", "--json", "-q"});
    EXPECT_EQ(run.exit_status, 0) << run.err;
    check_datagrams(run, 50, 100, 0);
    EXPECT_GE(run.elapsed, milliseconds{80});
    EXPECT_GE(std::stod(json_value(run.out, "seconds")), 0.080) << run.out;
  }
}

TEST_F(FloodTest, StalledReceiverLosesNothing) {
  // Far more datagrams than the receiver's queue holds: while the receiver is
  // not reading, the sender must be waiting, not finished, and after that
  // every datagram must arrive once and in order.
  for (const char* mode : {"--count=20000", "--mmsg"}) {
    SCOPED_TRACE(mode);
    Outcome run = flood({mode, "-q", "-n", "20000", "-s", "100"}, milliseconds{300});
    EXPECT_EQ(run.exit_status, 0) << run.err;
    EXPECT_FALSE(run.exited_while_held);
    EXPECT_GE(run.elapsed, milliseconds{300});
    check_datagrams(run, 20000, 100, 0);
  }
}

TEST_F(FloodTest, TimeoutGivesUpWithAClearError) {
  RunSpec spec{{"--timeout", "0.2", "-n", "100000", path_}, receiver_.get(), {}, true};
  Outcome run = run_flood(spec);
  EXPECT_EQ(run.exit_status, 1);
  EXPECT_NE(run.err.find("timed out"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find(path_), std::string::npos) << run.err;
  EXPECT_EQ(run.out, "");
}

TEST_F(FloodTest, ReceiverGoingAwayIsFatal) {
  // Close the receiver while the sender waits on its full queue.
  RunSpec spec{{"-n", "100000", path_}, -1, {}, false};
  Child child = spawn(spec.args);
  // Wait (bounded) until the queue holds something: the sender is running.
  pollfd in{receiver_.get(), POLLIN, 0};
  ASSERT_EQ(::poll(&in, 1, 30'000), 1);
  receiver_.reset();
  pollfd gone{child.pidfd.get(), POLLIN, 0};
  ASSERT_EQ(::poll(&gone, 1, 30'000), 1) << "dgram-flood did not notice";
  int status = reap(child.pid);
  std::string err;
  while (drain_pipe(child.err.get(), err)) {
  }
  EXPECT_EQ(status, 1);
  EXPECT_NE(err.find("send to " + path_ + ": "), std::string::npos) << err;
  EXPECT_NE(err.find("of 100000 datagrams sent"), std::string::npos) << err;
}

struct BadCase {
  std::vector<std::string> args;  // the socket path is not added
  std::string named;              // must appear in the message
};

TEST_F(FloodTest, BadCommandLinesExitTwoNamingTheValue) {
  const BadCase cases[] = {
      {{"--count", "abc", "/x"}, "'abc'"},
      {{"-n", "12x", "/x"}, "'12x'"},
      {{"-n", "99999999999999999999", "/x"}, "'99999999999999999999'"},
      {{"-s", "65537", "/x"}, "'65537'"},
      {{"--size=-1", "/x"}, "'-1'"},
      {{"-r", "fast", "/x"}, "'fast'"},
      {{"--rate", "1e3", "/x"}, "'1e3'"},
      {{"--batch", "0", "/x"}, "'0'"},
      {{"--batch", "1025", "/x"}, "'1025'"},
      {{"--timeout", "-5", "/x"}, "'-5'"},
      {{"--first", "1000000000000", "/x"}, "'1000000000000'"},
      {{"--bogus", "/x"}, "'--bogus'"},
      {{"-z", "/x"}, "'-z'"},
      {{"--json=yes", "/x"}, "'--json'"},
      {{"/x", "-n"}, "'-n' needs a value"},
      {{"-n", "5"}, "missing SOCKET_PATH"},
      {{"/x", "/y"}, "'/y'"},
      {{"-q", "-s", "12", "/x"}, "got 12"},
      {{"-q", "--first", "999999999999", "-n", "2", "/x"}, "999999999999"},
      {{std::string(200, 'p')}, "too long"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(::testing::PrintToString(c.args));
    Outcome run = run_flood(RunSpec{c.args, -1, {}, false});
    EXPECT_EQ(run.exit_status, 2);
    EXPECT_NE(run.err.find(c.named), std::string::npos) << run.err;
    EXPECT_NE(run.err.find("--help"), std::string::npos) << run.err;
    EXPECT_EQ(run.out, "");
  }
}

TEST_F(FloodTest, HelpGoesToStdout) {
  Outcome run = run_flood(RunSpec{{"--help"}, -1, {}, false});
  EXPECT_EQ(run.exit_status, 0);
  EXPECT_EQ(run.out.rfind("Usage: dgram-flood", 0), 0u) << run.out;
  EXPECT_EQ(run.err, "");
}

TEST_F(FloodTest, MissingSocketIsAClearError) {
  std::string missing = dir_.file("nobody-here");
  Outcome run = run_flood(RunSpec{{missing}, -1, {}, false});
  EXPECT_EQ(run.exit_status, 2);
  EXPECT_NE(run.err.find("cannot connect to " + missing + ": No such file or directory"),
            std::string::npos)
      << run.err;
}

TEST_F(FloodTest, StaleSocketFileIsAClearError) {
  receiver_.reset();  // the file stays, nobody is bound to it any more
  Outcome run = run_flood(RunSpec{{path_}, -1, {}, false});
  EXPECT_EQ(run.exit_status, 2);
  EXPECT_NE(run.err.find("cannot connect to " + path_ + ": Connection refused"), std::string::npos)
      << run.err;
}

}  // namespace
