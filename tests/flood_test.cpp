// SPDX-License-Identifier: MIT
// flood_test - runs the built dgram-flood against a socket the test binds.
//
// Each test binds its own AF_UNIX SOCK_DGRAM socket in a private temporary
// folder, forks and execs the program named by $DGRAM_FLOOD, and receives
// with one poll loop over the socket, the child's stdout and stderr and a
// pidfd for its exit. Every wait in that loop is bounded by a deadline; a
// child still running at the deadline is killed and the test fails.
//
// The drain and usage tests also fork receivers of their own (a reader that
// burns CPU per datagram, a "master" that forks its reader on the first
// datagram, as the Postfix master does); each one kills itself after 60 s
// and dies with the test (PR_SET_PDEATHSIG). The parsers and decisions of
// tools/flood/ are checked in-process, from tables.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

#include "latency_stamp.h"
#include "measuring/cpu_affinity.h"
#include "measuring/cpu_settle.h"
#include "measuring/proc_file.h"
#include "measuring/process_usage.h"
#include "measuring/receiving_socket.h"
#include "measuring/socket_holders.h"
#include "owned_fd.h"
#include "sending/send_wait.h"
#include "sending/sender_shares.h"

namespace {

using Clock = std::chrono::steady_clock;
using flood::OwnedFd;
using std::chrono::milliseconds;

constexpr milliseconds kRunDeadline{60'000};
constexpr std::size_t kReceiveBuffer = 65536 + 1;

[[noreturn]] void throw_errno(const std::string& what) {
  throw std::system_error(errno, std::generic_category(), what);
}


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
  int exit_status = -1;               // -1 when it did not exit normally
  bool exited_while_held = false;     // it finished while the receiver was not reading
  std::size_t datagrams_at_exit = 0;  // how many the test had received when it saw the exit
  Clock::duration elapsed{};          // from fork to exit
};

struct RunSpec {
  std::vector<std::string> args;  // options and operands after the program name
  int receiver = -1;              // socket to read, or -1 to read nothing
  milliseconds hold{0};           // do not read for this long after the start
  bool never_read = false;        // leave the queue alone for the whole run
  milliseconds pace{0};           // read one datagram at a time, this far apart
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

// drain_socket - receives what is queued now (at most `limit`, 0 = all); the real length
// even if truncated.
void drain_socket(int fd, std::vector<std::string>& into, std::vector<char>& buffer,
                  std::size_t limit = 0) {
  for (std::size_t got = 0; limit == 0 || got < limit; ++got) {
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
  auto next_read = start;  // with a pace: when the next datagram may be read

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
    bool resting = spec.pace.count() > 0 && now < next_read;
    bool reading = spec.receiver >= 0 && !holding && !resting;
    pollfd fds[4] = {
        {child.pidfd.get(), static_cast<short>(exited ? 0 : POLLIN), 0},
        {child.out.get(), static_cast<short>(out_open ? POLLIN : 0), 0},
        {child.err.get(), static_cast<short>(err_open ? POLLIN : 0), 0},
        {spec.receiver, static_cast<short>(reading ? POLLIN : 0), 0},
    };
    auto wake = holding && !spec.never_read ? std::min(deadline, hold_until) : deadline;
    if (!holding && resting) wake = std::min(wake, next_read);
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
      run.datagrams_at_exit = run.datagrams.size();
    }
    if (fds[1].revents != 0) out_open = drain_pipe(child.out.get(), run.out);
    if (fds[2].revents != 0) err_open = drain_pipe(child.err.get(), run.err);
    if (reading && fds[3].revents != 0) {
      std::size_t before = run.datagrams.size();
      drain_socket(spec.receiver, run.datagrams, buffer, spec.pace.count() > 0 ? 1 : 0);
      if (run.datagrams.size() > before) next_read = Clock::now() + spec.pace;
    }
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
  if (json[at] == '[' || json[at] == '{') {
    // Up to the matching bracket (dgram-flood's strings hold no brackets).
    int depth = 0;
    for (std::size_t end = at; end < json.size(); ++end) {
      if (json[end] == '[' || json[end] == '{') ++depth;
      if ((json[end] == ']' || json[end] == '}') && --depth == 0) {
        return json.substr(at, end + 1 - at);
      }
    }
    return "(unterminated)";
  }
  std::size_t end = json[at] == '"' ? json.find('"', at + 1) + 1 : json.find_first_of(",}", at);
  return end == std::string::npos ? "(unterminated)" : json.substr(at, end - at);
}

// expect_rate_of - the report's rate is `sent` over its seconds.
void expect_rate_of(const std::string& out, double sent) {
  double seconds = std::stod(json_value(out, "seconds"));
  double rate = std::stod(json_value(out, "datagrams_per_second"));
  EXPECT_GT(seconds, 0.0);
  EXPECT_NEAR(rate, sent / seconds, 0.01 * rate + 0.1);
}

// JsonCheck - whether a text is exactly one JSON value (RFC 8259 syntax), by recursive descent.
class JsonCheck {
 public:
  explicit JsonCheck(std::string_view text) : text_(text) {}
  bool valid() {
    if (!value()) return false;
    space();
    return at_ == text_.size();
  }

 private:
  void space() {
    while (at_ < text_.size() && std::strchr(" \t\r\n", text_[at_]) != nullptr) ++at_;
  }
  bool eat(char c) {
    space();
    if (at_ < text_.size() && text_[at_] == c) {
      ++at_;
      return true;
    }
    return false;
  }
  bool digits() {
    std::size_t from = at_;
    while (at_ < text_.size() && text_[at_] >= '0' && text_[at_] <= '9') ++at_;
    return at_ > from;
  }
  bool number() {
    if (text_[at_] == '-') ++at_;
    if (!digits()) return false;
    if (at_ < text_.size() && text_[at_] == '.' && (++at_, !digits())) return false;
    if (at_ < text_.size() && (text_[at_] == 'e' || text_[at_] == 'E')) {
      ++at_;
      if (at_ < text_.size() && (text_[at_] == '+' || text_[at_] == '-')) ++at_;
      if (!digits()) return false;
    }
    return true;
  }
  bool string() {
    if (!eat('"')) return false;
    while (at_ < text_.size() && text_[at_] != '"') {
      if (static_cast<unsigned char>(text_[at_]) < 0x20) return false;
      at_ += text_[at_] == '\\' ? 2 : 1;
    }
    return eat('"');
  }
  template <typename Item>
  bool sequence(char close, Item item) {
    if (eat(close)) return true;
    do {
      if (!item()) return false;
    } while (eat(','));
    return eat(close);
  }
  bool value() {
    space();
    if (at_ >= text_.size()) return false;
    char c = text_[at_];
    if (c == '{') {
      ++at_;
      return sequence('}', [this] { return string() && eat(':') && value(); });
    }
    if (c == '[') {
      ++at_;
      return sequence(']', [this] { return value(); });
    }
    if (c == '"') return string();
    if (c == '-' || (c >= '0' && c <= '9')) return number();
    for (std::string_view word : {"true", "false", "null"}) {
      if (text_.substr(at_, word.size()) == word) {
        at_ += word.size();
        return true;
      }
    }
    return false;
  }

  std::string_view text_;
  std::size_t at_ = 0;
};

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
  ASSERT_EQ(run.out.rfind('}'), run.out.size() - 2) << run.out;
  EXPECT_TRUE(JsonCheck(run.out).valid()) << run.out;  // send_wait_us is the one nested object
  EXPECT_TRUE(is_decimal(json_value(run.out, "seconds"), 6)) << run.out;
  EXPECT_TRUE(is_decimal(json_value(run.out, "datagrams_per_second"), 1)) << run.out;
  EXPECT_EQ(json_value(run.out, "sent"), "100");
  EXPECT_EQ(json_value(run.out, "size"), "20");
  EXPECT_EQ(json_value(run.out, "mode"), "\"sendmmsg\"");
  EXPECT_EQ(json_value(run.out, "first_sequence"), "5");
  expect_rate_of(run.out, 100);
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

// stamps - the --stamp time at the start of each datagram (latency_stamp.h), after
// checking that the rest is the pattern.
std::vector<std::int64_t> stamps(const Outcome& run, std::size_t size) {
  std::vector<std::int64_t> found;
  for (std::size_t i = 0; i < run.datagrams.size(); ++i) {
    const std::string& d = run.datagrams[i];
    EXPECT_EQ(d.size(), size) << "datagram " << i;
    std::optional<std::int64_t> stamp = dgram::latency::read_stamp(d);
    if (!stamp) {
      ADD_FAILURE() << "datagram " << i << " too short for a stamp";
      continue;
    }
    for (std::size_t k = dgram::latency::kStampSize; k < d.size(); ++k) {
      if (d[k] != pattern_at(k)) {
        ADD_FAILURE() << "datagram " << i << " offset " << k;
        break;
      }
    }
    found.push_back(*stamp);
  }
  return found;
}

TEST_F(FloodTest, StampsAreThePacersDueTimes) {
  // At 1000/s datagram i is due exactly i ms after the first: the stamps
  // are the schedule, to the nanosecond, whatever the sleeps overshot.
  for (const char* mode : {"--count=50", "--mmsg"}) {
    SCOPED_TRACE(mode);
    const std::int64_t before = dgram::latency::stamp_clock_ns();
    Outcome run = flood({mode, "--stamp", "-n", "50", "-r", "1000", "-s", "8", "--json", "--quiet"});
    const std::int64_t after = dgram::latency::stamp_clock_ns();
    EXPECT_EQ(run.exit_status, 0) << run.err;
    std::vector<std::int64_t> due = stamps(run, 8);
    ASSERT_EQ(due.size(), 50u);
    for (std::size_t i = 1; i < due.size(); ++i) {
      EXPECT_EQ(due[i] - due[i - 1], 1'000'000) << "datagram " << i;
    }
    EXPECT_GT(due.front(), before);
    EXPECT_LT(due.back(), after);
    EXPECT_EQ(json_value(run.out, "stamped"), "\"due\"") << run.out;
    EXPECT_NE(json_value(run.out, "late_sends"), "(missing)") << run.out;
  }
}

TEST_F(FloodTest, ASenderHeldUpStillStampsTheDueTimes) {
  // 3000 datagrams at 20000/s are due over 150 ms; the receiver reads nothing
  // for the first 400 ms, so the sender waits on a full queue and sends the
  // rest late. Their stamps are still the schedule (50 us apart: the
  // coordinated omission a receiver must not be spared), and the report
  // counts the late sends.
  for (const char* mode : {"--count=3000", "--mmsg"}) {
    SCOPED_TRACE(mode);
    Outcome run = flood({mode, "--stamp", "-n", "3000", "-r", "20000", "--json", "--quiet"},
                        milliseconds{400});
    EXPECT_EQ(run.exit_status, 0) << run.err;
    std::vector<std::int64_t> due = stamps(run, 100);
    ASSERT_EQ(due.size(), 3000u);
    for (std::size_t i = 1; i < due.size(); ++i) {
      ASSERT_EQ(due[i] - due[i - 1], 50'000) << "datagram " << i;
    }
    std::uint64_t late = std::stoull(json_value(run.out, "late_sends"));
    EXPECT_GT(late, 0u) << run.out;
    EXPECT_LE(late, 3000u) << run.out;
  }
}

TEST_F(FloodTest, StampsFromSeveralSendersAreEachOnesSchedule) {
  // Two senders at 500/s each (1000/s in all): each one's stamps are 2 ms
  // apart. Arrival order mixes the two; the stamps of one sender are the
  // ones 2 ms from a neighbour of the same stream, so sorted, every stamp
  // but the two first has one exactly 2 ms before it.
  Outcome run = flood({"--stamp", "-n", "40", "-r", "1000", "--senders", "2", "--json", "--quiet"});
  EXPECT_EQ(run.exit_status, 0) << run.err;
  std::vector<std::int64_t> due = stamps(run, 100);
  ASSERT_EQ(due.size(), 40u);
  std::sort(due.begin(), due.end());
  std::size_t with_predecessor = 0;
  for (std::int64_t stamp : due) {
    if (std::binary_search(due.begin(), due.end(), stamp - 2'000'000)) ++with_predecessor;
  }
  EXPECT_EQ(with_predecessor, 38u);
  EXPECT_EQ(json_value(run.out, "late_sends"), "0") << run.out;
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

// expect_refused - the command line is refused with status 2, a message
// naming the bad value and pointing at --help, and nothing on stdout.
void expect_refused(const BadCase& c) {
  SCOPED_TRACE(::testing::PrintToString(c.args));
  Outcome run = run_flood(RunSpec{c.args, -1, {}, false});
  EXPECT_EQ(run.exit_status, 2);
  EXPECT_NE(run.err.find(c.named), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("--help"), std::string::npos) << run.err;
  EXPECT_EQ(run.out, "");
}

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
      {{"--receiver", "abc", "/x"}, "'abc'"},
      {{"--receiver", "0", "/x"}, "'0'"},
      {{"--receiver", "2147483648", "/x"}, "'2147483648'"},
      {{"--master", "-1", "/x"}, "'-1'"},
      {{"--receiver", "5", "--find-receivers", "/x"}, "exclude each other"},
      {{"--receiver", "5", "--master", "5", "/x"}, "pid 5 is given as both"},
      {{"--drain=yes", "/x"}, "'--drain'"},
      {{"--stamp", "-s", "7", "/x"}, "--stamp needs --size of at least 8 bytes (the timestamp), got 7"},
      {{"--stamp", "-q", "/x"}, "--stamp and --sequence exclude each other"},
      {{"--settle", "300", "/x"}, "--settle watches the receivers' CPU time: it needs --receiver"},
      {{"--settle", "0", "--find-receivers", "/x"}, "'0'"},
  };
  for (const auto& c : cases) expect_refused(c);
}

TEST_F(FloodTest, HelpGoesToStdout) {
  Outcome run = run_flood(RunSpec{{"--help"}, -1, {}, false});
  EXPECT_EQ(run.exit_status, 0);
  EXPECT_EQ(run.out.rfind("Usage: dgram-flood", 0), 0u) << run.out;
  EXPECT_NE(run.out.find("\n      --senders N    send from N processes"), std::string::npos)
      << run.out;
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

// ---- Receivers of the test's own: forked, bounded, reporting through a pipe.

constexpr int kReceiverLifetimeSeconds = 60;  // a receiver never outlives a hung test by more

// burn_cpu - spins until this thread has used `us` microseconds of CPU.
void burn_cpu(long us) {
  auto cpu_now = [] {
    timespec t{};
    (void)::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return static_cast<long long>(t.tv_sec) * 1'000'000 + t.tv_nsec / 1000;
  };
  const long long until = cpu_now() + us;
  while (cpu_now() < until) {
  }
}

// say - writes a decimal number and a newline to fd (in a forked child: no exceptions).
void say(int fd, long long number) {
  char line[32];
  int length = std::snprintf(line, sizeof(line), "%lld\n", number);
  if (::write(fd, line, static_cast<std::size_t>(length)) != length) ::_exit(3);
}

// blocking_receiver - a datagram socket bound to path, blocking (in a forked child).
int blocking_receiver(const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    ::_exit(4);
  }
  return fd;
}

// receive_and_burn - forever: a blocking recv, then `burn_us` of CPU (in a forked child).
[[noreturn]] void receive_and_burn(int fd, long burn_us) {
  char buffer[65536];
  for (;;) {
    ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);
    if (n < 0 && errno != EINTR) ::_exit(5);
    if (n >= 0) burn_cpu(burn_us);
  }
}

// become_bounded_child - what each forked receiver does first.
void become_bounded_child() {
  (void)::prctl(PR_SET_PDEATHSIG, SIGKILL);
  ::alarm(kReceiverLifetimeSeconds);
}

// Forked - a child of the test running body(report_fd); killed and reaped when it goes.
class Forked {
 public:
  template <typename Body>
  explicit Forked(Body body) {
    int report[2];
    if (::pipe2(report, O_CLOEXEC) != 0) throw_errno("pipe2");
    pid_ = ::fork();
    if (pid_ < 0) throw_errno("fork");
    if (pid_ == 0) {
      ::close(report[0]);
      become_bounded_child();
      body(report[1]);
      ::_exit(0);
    }
    ::close(report[1]);
    report_ = OwnedFd(report[0]);
  }
  Forked(const Forked&) = delete;
  Forked& operator=(const Forked&) = delete;
  ~Forked() {
    (void)::kill(pid_, SIGKILL);
    int status = 0;
    (void)::waitpid(pid_, &status, 0);
  }

  pid_t pid() const { return pid_; }

  // next_number - the next line the child wrote, waiting at most 30 s; -1 if none came.
  long long next_number() {
    std::string line;
    auto until = Clock::now() + milliseconds{30'000};
    while (line.find('\n') == std::string::npos) {
      pollfd in{report_.get(), POLLIN, 0};
      int ready = ::poll(&in, 1, poll_ms(until));
      if (ready < 0 && errno == EINTR) continue;
      if (ready <= 0) return -1;
      char c;
      ssize_t n = ::read(report_.get(), &c, 1);
      if (n <= 0) return -1;
      line += c;
    }
    return std::stoll(line);
  }

 private:
  pid_t pid_ = -1;
  OwnedFd report_;
};

// burner - a receiver bound to path that uses burn_us of CPU per datagram; says 0 when bound.
Forked burner(const std::string& path, long burn_us) {
  return Forked([path, burn_us](int report) {
    int fd = blocking_receiver(path);
    say(report, 0);
    receive_and_burn(fd, burn_us);
  });
}

// pid_text - a pid as it appears in dgram-flood's output.
std::string pid_text(pid_t pid) { return std::to_string(pid); }

// pids_json - the "pids" array dgram-flood prints for these.
std::string pids_json(std::initializer_list<pid_t> pids) {
  std::string text = "[";
  for (pid_t pid : pids) text += (text.size() > 1 ? "," : "") + pid_text(pid);
  return text + "]";
}

// pid_limit - a pid no process can have (/proc/sys/kernel/pid_max itself).
std::string pid_limit() {
  std::FILE* file = std::fopen("/proc/sys/kernel/pid_max", "r");
  if (file == nullptr) throw_errno("/proc/sys/kernel/pid_max");
  long long value = 0;
  int got = std::fscanf(file, "%lld", &value);
  std::fclose(file);
  if (got != 1) throw std::runtime_error("unreadable pid_max");
  return std::to_string(value);
}

// ---- --drain

TEST_F(FloodTest, DrainReturnsOnlyWhenTheReceiverHasConsumedEverything) {
  // The test reads one datagram every 2 ms: when dgram-flood exits, the
  // receiver must already have every datagram.
  RunSpec spec{.args = {"--drain", "--json", "--quiet", "-n", "100", "-s", "30", path_},
               .receiver = receiver_.get(),
               .pace = milliseconds{2}};
  Outcome run = run_flood(spec);
  EXPECT_EQ(run.exit_status, 0) << run.err;
  EXPECT_EQ(run.datagrams_at_exit, 100u);
  check_datagrams(run, 100, 30, std::nullopt);
  EXPECT_TRUE(JsonCheck(run.out).valid()) << run.out;
  EXPECT_EQ(json_value(run.out, "timed_until"), "\"drained\"");
  EXPECT_EQ(json_value(run.out, "receiver_socket"), "\"open\"");
  // 100 reads 2 ms apart take about 0.2 s, nearly all of it before the last send.
  EXPECT_GE(std::stod(json_value(run.out, "seconds")), 0.15) << run.out;
  EXPECT_GT(std::stod(json_value(run.out, "drain_seconds")), 0.0) << run.out;

  // The same without --drain: it exits with a queueful still unread, so the
  // check above can tell the difference. The reader is slower here (a queue
  // of 10 is 200 ms of reading), so that the exit is seen before the queue
  // is read out even when dgram-flood takes long to exit (LeakSanitizer's
  // check at exit, a loaded machine: CI saw it with 2 ms).
  spec.args = {"--quiet", "-n", "100", "-s", "30", path_};
  spec.pace = milliseconds{20};
  Outcome plain = run_flood(spec);
  EXPECT_EQ(plain.exit_status, 0) << plain.err;
  EXPECT_LT(plain.datagrams_at_exit, 100u);
  check_datagrams(plain, 100, 30, std::nullopt);
}

TEST_F(FloodTest, DrainTimesOutWhenNobodyReads) {
  // Five datagrams fit in the queue: sending succeeds, consuming never comes.
  RunSpec spec{.args = {"--drain", "--timeout", "0.3", "-n", "5", path_},
               .receiver = receiver_.get(),
               .never_read = true};
  Outcome run = run_flood(spec);
  EXPECT_EQ(run.exit_status, 1);
  EXPECT_EQ(run.out, "");
  EXPECT_GE(run.elapsed, milliseconds{300});
  EXPECT_NE(run.err.find("timed out: the receiver at " + path_ + " consumed nothing for 0.3 s"),
            std::string::npos)
      << run.err;
  EXPECT_NE(run.err.find("5 of the 5 datagrams sent were not consumed"), std::string::npos)
      << run.err;
}

TEST_F(FloodTest, HumanLineSaysTheRunWasTimedUntilDrained) {
  Outcome run = flood({"--drain", "-n", "20"});
  EXPECT_EQ(run.exit_status, 0) << run.err;
  EXPECT_EQ(run.out.rfind("sent 20 datagrams of 100 bytes in ", 0), 0u) << run.out;
  EXPECT_NE(run.out.find(" datagrams/s (timed until drained, "), std::string::npos) << run.out;
  EXPECT_NE(run.out.find(" s after the last send)\n"), std::string::npos) << run.out;
}

// ---- --receiver, --find-receivers, --master

TEST_F(FloodTest, SettleTimesTheRunToTheReceiversLastCpuGrowth) {
  // A receiver that queues inside itself: it takes all 100 datagrams off the
  // socket at once, and only then spends 500 ms of CPU on them. The drain
  // comes first; --settle 300 waits for the CPU time to rest and times the
  // run to its last growth, at least 0.4 s after the drain.
  std::string path = dir_.file("queuer");
  Forked receiver([path](int report) {
    int fd = blocking_receiver(path);
    say(report, 0);
    char buffer[65536];
    for (int i = 0; i < 100; ++i) {
      if (::recv(fd, buffer, sizeof(buffer), 0) < 0) ::_exit(5);
    }
    burn_cpu(500'000);
    say(report, 1);
    for (;;) (void)::recv(fd, buffer, sizeof(buffer), 0);
  });
  ASSERT_EQ(receiver.next_number(), 0);
  Outcome run = run_flood(RunSpec{.args = {"--receiver", pid_text(receiver.pid()), "--settle", "300",
                                           "-n", "100", "--json", "--quiet", path}});
  ASSERT_EQ(run.exit_status, 0) << run.err;
  ASSERT_TRUE(JsonCheck(run.out).valid()) << run.out;
  EXPECT_EQ(json_value(run.out, "timed_until"), "\"settled\"");
  const double settle = std::stod(json_value(run.out, "settle_seconds"));
  EXPECT_GE(settle, 0.4) << run.out;
  EXPECT_GE(std::stod(json_value(run.out, "seconds")), settle) << run.out;
  EXPECT_GE(std::stod(json_value(json_value(run.out, "receivers"), "cpu_seconds")), 0.45) << run.out;
  EXPECT_EQ(receiver.next_number(), 1);  // its work was over when dgram-flood reported
}

TEST(FloodModules, SettleWatchWaitsForAQuietPeriodAfterTheLastGrowth) {
  struct Look {
    std::int64_t now_ns;
    std::uint64_t ticks;
    bool settled;
    std::int64_t last_growth_ns;
  };
  // Quiet period 100, drained at 1000 with 7 ticks.
  const Look looks[] = {
      {1010, 7, false, 1000}, {1050, 9, false, 1050}, {1100, 9, false, 1050},
      {1149, 9, false, 1050}, {1150, 9, true, 1050},
  };
  flood::SettleWatch watch(100, 1000, 7);
  for (const Look& look : looks) {
    SCOPED_TRACE(look.now_ns);
    EXPECT_EQ(watch.observe(look.now_ns, look.ticks), look.settled);
    EXPECT_EQ(watch.last_growth_ns(), look.last_growth_ns);
  }
  // No growth at all: settled a quiet period after the drain, timed to it.
  flood::SettleWatch idle(100, 1000, 7);
  EXPECT_FALSE(idle.observe(1090, 7));
  EXPECT_TRUE(idle.observe(1100, 7));
  EXPECT_EQ(idle.last_growth_ns(), 1000);
}

TEST_F(FloodTest, ReceiverCpuAndSwitchesAreCounted) {
  // 1 ms of CPU per datagram, datagrams 2 ms apart: the receiver blocks in
  // recv between them, so it both spends CPU and switches.
  std::string path = dir_.file("burner");
  Forked receiver = burner(path, 1000);
  ASSERT_EQ(receiver.next_number(), 0);
  Outcome run = run_flood(RunSpec{.args = {"--receiver", pid_text(receiver.pid()), "-n", "100",
                                           "-r", "500", "--json", "--quiet", path}});
  ASSERT_EQ(run.exit_status, 0) << run.err;
  ASSERT_TRUE(JsonCheck(run.out).valid()) << run.out;
  EXPECT_EQ(json_value(run.out, "timed_until"), "\"drained\"");  // implied
  EXPECT_EQ(json_value(run.out, "master"), "(missing)");
  EXPECT_EQ(json_value(run.out, "clock_ticks_per_second"), std::to_string(::sysconf(_SC_CLK_TCK)));
  EXPECT_NE(json_value(run.out, "sender_cpus"), "\"\"");
  std::string placement = json_value(run.out, "placement");
  EXPECT_TRUE(placement == "\"spread\"" || placement == "\"one-cpu\"") << placement;

  std::string group = json_value(run.out, "receivers");
  EXPECT_EQ(json_value(group, "pids"), pids_json({receiver.pid()}));
  EXPECT_EQ(json_value(group, "late_pids"), "[]");
  EXPECT_EQ(json_value(group, "exited_pids"), "[]");
  double cpu = std::stod(json_value(group, "cpu_seconds"));
  double switches = std::stod(json_value(group, "ctx_switches"));
  // At least 99 of the 100 milliseconds burned fall between the samples.
  EXPECT_GE(cpu, 0.05) << group;
  EXPECT_LT(cpu, 5.0) << group;
  EXPECT_GT(switches, 0) << group;
  EXPECT_NEAR(std::stod(json_value(group, "cpu_us_per_datagram")), cpu * 1e6 / 100, 0.01) << group;
  EXPECT_NEAR(std::stod(json_value(group, "ctx_switches_per_datagram")), switches / 100, 1e-6)
      << group;
  std::string cpus = json_value(json_value(group, "cpus"), pid_text(receiver.pid()));
  EXPECT_GE(cpus.size(), 3u) << group;  // "0-1", "0", ...

  // The summary lines say the same in words.
  Outcome human =
      run_flood(RunSpec{.args = {"--receiver", pid_text(receiver.pid()), "-n", "20", path}});
  EXPECT_EQ(human.exit_status, 0) << human.err;
  EXPECT_NE(human.out.find("(timed until drained, "), std::string::npos) << human.out;
  EXPECT_NE(human.out.find("\nreceivers: "), std::string::npos) << human.out;
  EXPECT_NE(human.out.find(" per datagram; pid " + pid_text(receiver.pid()) + " (cpus "),
            std::string::npos)
      << human.out;
  EXPECT_NE(human.out.find("\nplacement: "), std::string::npos) << human.out;
}

TEST_F(FloodTest, FindReceiversFindsTheHolderNotTheTest) {
  std::string path = dir_.file("held");
  Forked receiver = burner(path, 0);
  ASSERT_EQ(receiver.next_number(), 0);
  // The test itself holds a client socket connected to the same path.
  OwnedFd client(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  ASSERT_GE(client.get(), 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  ASSERT_EQ(::connect(client.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);

  Outcome run =
      run_flood(RunSpec{.args = {"--find-receivers", "-n", "200", "--json", "--quiet", path}});
  ASSERT_EQ(run.exit_status, 0) << run.err;
  ASSERT_TRUE(JsonCheck(run.out).valid()) << run.out;
  std::string group = json_value(run.out, "receivers");
  EXPECT_EQ(json_value(group, "pids"), pids_json({receiver.pid()})) << run.out;
  EXPECT_EQ(json_value(group, "late_pids"), "[]");
  EXPECT_EQ(json_value(run.out, "master"), "(missing)");
}

TEST_F(FloodTest, FindReceiversTellsTheMasterFromItsLateChild) {
  // Like the Postfix master: it holds the socket, and only when the first
  // datagram waits does it fork the child that receives.
  std::string path = dir_.file("master");
  Forked master([path](int report) {
    int fd = blocking_receiver(path);
    say(report, 0);
    pollfd in{fd, POLLIN, 0};
    if (::poll(&in, 1, 30'000) != 1) ::_exit(6);
    pid_t child = ::fork();
    if (child < 0) ::_exit(7);
    if (child == 0) {
      become_bounded_child();
      say(report, ::getpid());
      receive_and_burn(fd, 300);
    }
    for (;;) ::pause();
  });
  ASSERT_EQ(master.next_number(), 0);
  Outcome run =
      run_flood(RunSpec{.args = {"--find-receivers", "-n", "300", "--json", "--quiet", path}});
  auto child = static_cast<pid_t>(master.next_number());
  ASSERT_GT(child, 0);
  ASSERT_EQ(run.exit_status, 0) << run.err;
  ASSERT_TRUE(JsonCheck(run.out).valid()) << run.out;
  std::string receivers = json_value(run.out, "receivers");
  std::string masters = json_value(run.out, "master");
  EXPECT_EQ(json_value(receivers, "pids"), pids_json({child})) << run.out;
  EXPECT_EQ(json_value(receivers, "late_pids"), pids_json({child})) << run.out;
  EXPECT_EQ(json_value(masters, "pids"), pids_json({master.pid()})) << run.out;
  EXPECT_EQ(json_value(masters, "late_pids"), "[]") << run.out;
  // 300 datagrams at 300 us each: the child's CPU is there, counted from its start.
  EXPECT_GE(std::stod(json_value(receivers, "cpu_seconds")), 0.03) << run.out;
  EXPECT_GT(std::stod(json_value(receivers, "ctx_switches")), 0) << run.out;
}

TEST_F(FloodTest, ExplicitMasterIsReportedApart) {
  std::string path = dir_.file("named");
  Forked receiver = burner(path, 0);
  ASSERT_EQ(receiver.next_number(), 0);
  Outcome run =
      run_flood(RunSpec{.args = {"--receiver", pid_text(receiver.pid()), "--master",
                                 pid_text(::getpid()), "-n", "50", "--json", "--quiet", path}});
  ASSERT_EQ(run.exit_status, 0) << run.err;
  ASSERT_TRUE(JsonCheck(run.out).valid()) << run.out;
  EXPECT_EQ(json_value(json_value(run.out, "receivers"), "pids"), pids_json({receiver.pid()}));
  EXPECT_EQ(json_value(json_value(run.out, "master"), "pids"), pids_json({::getpid()}));
}

TEST_F(FloodTest, SocketNobodyHoldsIsAClearError) {
  // The receiving socket stays alive only inside an SCM_RIGHTS message: it
  // is bound and connectable, but no process has it open.
  int pair[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, pair), 0);
  OwnedFd keep(pair[0]);
  OwnedFd queue(pair[1]);
  char byte = 'x';
  iovec part{&byte, 1};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr message{};
  message.msg_iov = &part;
  message.msg_iovlen = 1;
  message.msg_control = control;
  message.msg_controllen = sizeof(control);
  cmsghdr* rights = CMSG_FIRSTHDR(&message);
  rights->cmsg_level = SOL_SOCKET;
  rights->cmsg_type = SCM_RIGHTS;
  rights->cmsg_len = CMSG_LEN(sizeof(int));
  int in_flight = receiver_.get();
  std::memcpy(CMSG_DATA(rights), &in_flight, sizeof(int));
  ASSERT_EQ(::sendmsg(keep.get(), &message, 0), 1);
  receiver_.reset();

  Outcome run = run_flood(RunSpec{.args = {"--find-receivers", "-n", "5", path_}});
  EXPECT_EQ(run.exit_status, 2);
  EXPECT_NE(run.err.find("no process holds the socket at " + path_), std::string::npos) << run.err;
  EXPECT_EQ(run.out, "");
}

TEST_F(FloodTest, PidWithNoProcessExitsTwoNamingIt) {
  const std::string nobody = pid_limit();
  for (const char* option : {"--receiver", "--master"}) {
    SCOPED_TRACE(option);
    Outcome run = run_flood(RunSpec{.args = {option, nobody, "-n", "5", path_}});
    EXPECT_EQ(run.exit_status, 2);
    EXPECT_NE(run.err.find(std::string(option) + " " + nobody + ": no such process"),
              std::string::npos)
        << run.err;
    EXPECT_EQ(run.out, "");
  }
}

// ---- --senders

// json_items - the items of a JSON array text "[a,b,...]" (dgram-flood's strings hold no
// brackets or commas that matter here: its per-sender objects hold numbers only).
std::vector<std::string> json_items(const std::string& array) {
  std::vector<std::string> items;
  if (array.size() < 2 || array.front() != '[' || array.back() != ']') return items;
  int depth = 0;
  std::size_t from = 1;
  for (std::size_t at = 1; at + 1 < array.size(); ++at) {
    char c = array[at];
    if (c == '[' || c == '{') ++depth;
    if (c == ']' || c == '}') --depth;
    if (c == ',' && depth == 0) {
      items.push_back(array.substr(from, at - from));
      from = at + 1;
    }
  }
  if (array.size() > 2) items.push_back(array.substr(from, array.size() - 1 - from));
  return items;
}

// SenderFields - one entry of "per_sender", read back.
struct SenderFields {
  long long pid = 0;
  std::uint64_t sent = 0;
  std::uint64_t first = 0;
  double seconds = 0;
  double rate = 0;
};

// per_sender - the "per_sender" entries of a JSON line, or a failed assertion.
std::vector<SenderFields> per_sender(const std::string& json) {
  std::vector<SenderFields> senders;
  for (const std::string& item : json_items(json_value(json, "per_sender"))) {
    SenderFields s;
    s.pid = std::stoll(json_value(item, "pid"));
    s.sent = std::stoull(json_value(item, "sent"));
    s.first = std::stoull(json_value(item, "first_sequence"));
    EXPECT_TRUE(is_decimal(json_value(item, "seconds"), 6)) << item;
    EXPECT_TRUE(is_decimal(json_value(item, "datagrams_per_second"), 1)) << item;
    s.seconds = std::stod(json_value(item, "seconds"));
    s.rate = std::stod(json_value(item, "datagrams_per_second"));
    senders.push_back(s);
  }
  return senders;
}

// sequence_of - the number in a --sequence header, or -1 when the header is malformed.
long long sequence_of(const std::string& datagram) {
  if (datagram.size() < 13 || datagram[12] != ' ') return -1;
  long long n = 0;
  for (std::size_t k = 0; k < 12; ++k) {
    if (datagram[k] < '0' || datagram[k] > '9') return -1;
    n = n * 10 + (datagram[k] - '0');
  }
  return n;
}

// children_of - the processes whose parent is `parent`, from /proc/*/stat.
std::vector<pid_t> children_of(pid_t parent) {
  std::vector<pid_t> pids;
  std::vector<pid_t> found;
  if (int error = flood::list_numbered("/proc", pids); error != 0) {
    throw std::system_error(error, std::generic_category(), "list /proc");
  }
  for (pid_t pid : pids) {
    std::string text;
    if (flood::read_proc_file("/proc/" + std::to_string(pid) + "/stat", text) != 0) continue;
    auto stat = flood::parse_stat(text);
    if (stat && stat->ppid == parent) found.push_back(pid);
  }
  return found;
}

TEST_F(FloodTest, SendersSendEveryNumberExactlyOnce) {
  // Four senders, four sockets: their datagrams interleave at the receiver,
  // but each number of first..first+count-1 arrives once, and each sender's
  // own numbers arrive in order (one socket, one queue).
  constexpr std::uint64_t kCount = 4002;
  constexpr std::uint64_t kFirst = 1000;
  constexpr std::size_t kSize = 40;
  for (const char* mode : {"--count=4002", "--mmsg"}) {
   for (std::size_t team : {4u, 8u}) {
    SCOPED_TRACE(std::string(mode) + " with " + std::to_string(team) + " senders");
    Outcome run = flood({mode, "-q", "-n", "4002", "-s", "40", "--first", "1000", "--senders",
                         std::to_string(team), "--batch", "7", "--json", "--quiet"});
    ASSERT_EQ(run.exit_status, 0) << run.err;
    ASSERT_EQ(run.datagrams.size(), kCount);
    std::vector<SenderFields> senders = per_sender(run.out);
    ASSERT_EQ(senders.size(), team) << run.out;

    std::vector<int> seen(kCount, 0);
    std::vector<long long> last_of(senders.size(), -1);  // each sender's latest number
    for (std::size_t i = 0; i < run.datagrams.size(); ++i) {
      const std::string& d = run.datagrams[i];
      ASSERT_EQ(d.size(), kSize) << "datagram " << i;
      for (std::size_t k = 13; k < d.size(); ++k) {
        ASSERT_EQ(d[k], pattern_at(k)) << "datagram " << i << " offset " << k;
      }
      long long n = sequence_of(d);
      ASSERT_GE(n, static_cast<long long>(kFirst)) << "datagram " << i << ": " << d.substr(0, 13);
      ASSERT_LT(n, static_cast<long long>(kFirst + kCount)) << "datagram " << i;
      ++seen[static_cast<std::size_t>(n) - kFirst];
      std::size_t owner = senders.size();
      for (std::size_t s = 0; s < senders.size(); ++s) {
        auto from = static_cast<long long>(senders[s].first);
        if (n >= from && n < from + static_cast<long long>(senders[s].sent)) owner = s;
      }
      ASSERT_LT(owner, senders.size()) << "number " << n << " is in no sender's range";
      EXPECT_GT(n, last_of[owner]) << "sender " << owner + 1 << " out of order";
      last_of[owner] = n;
    }
    for (std::uint64_t k = 0; k < kCount; ++k) {
      ASSERT_EQ(seen[k], 1) << "number " << kFirst + k;
    }
    // The ranges are contiguous from --first, in sender order, one per sender.
    std::uint64_t next = kFirst;
    for (const SenderFields& s : senders) {
      EXPECT_EQ(s.first, next);
      next += s.sent;
    }
    EXPECT_EQ(next, kFirst + kCount);
   }
  }
}

TEST_F(FloodTest, SendersReportEachShareAndTheTotal) {
  Outcome run = flood({"-n", "1003", "-s", "20", "--senders", "4", "--json", "--quiet"});
  ASSERT_EQ(run.exit_status, 0) << run.err;
  ASSERT_TRUE(JsonCheck(run.out).valid()) << run.out;
  check_datagrams(run, 1003, 20, std::nullopt);  // the pattern alone, no numbers
  // The fields of one sender are all there, unchanged in form.
  EXPECT_EQ(json_value(run.out, "sent"), "1003");
  EXPECT_EQ(json_value(run.out, "mode"), "\"send\"");
  EXPECT_EQ(json_value(run.out, "first_sequence"), "0");
  EXPECT_EQ(json_value(run.out, "timed_until"), "\"sent\"");
  EXPECT_EQ(json_value(run.out, "senders"), "4");
  expect_rate_of(run.out, 1003);

  std::vector<SenderFields> senders = per_sender(run.out);
  ASSERT_EQ(senders.size(), 4u) << run.out;
  const std::uint64_t shares[] = {251, 251, 251, 250};
  const std::uint64_t firsts[] = {0, 251, 502, 753};
  std::uint64_t total = 0;
  for (std::size_t k = 0; k < senders.size(); ++k) {
    SCOPED_TRACE(k);
    const SenderFields& s = senders[k];
    EXPECT_EQ(s.sent, shares[k]);
    EXPECT_EQ(s.first, firsts[k]);
    EXPECT_GT(s.pid, 0);
    EXPECT_NE(s.pid, ::getpid());
    for (std::size_t j = 0; j < k; ++j) EXPECT_NE(s.pid, senders[j].pid);
    // The whole run spans every sender's own time.
    EXPECT_GT(s.seconds, 0.0);
    EXPECT_LE(s.seconds, std::stod(json_value(run.out, "seconds")) + 1e-6);
    EXPECT_NEAR(s.rate, static_cast<double>(s.sent) / s.seconds, 0.01 * s.rate + 0.1);
    total += s.sent;
  }
  EXPECT_EQ(total, 1003u);

  // The same in words: the first line as with one sender, then one line each.
  Outcome human = flood({"-n", "1003", "-s", "20", "--senders", "4"});
  ASSERT_EQ(human.exit_status, 0) << human.err;
  EXPECT_EQ(human.err, "");
  EXPECT_EQ(human.out.rfind("sent 1003 datagrams of 20 bytes in ", 0), 0u) << human.out;
  EXPECT_NE(human.out.find(" datagrams/s from 4 senders\nsender 1 (pid "), std::string::npos)
      << human.out;
  for (const char* numbers : {"(numbers 0-250) in ", "(numbers 251-501) in ",
                              "(numbers 502-752) in ", "(numbers 753-1002) in "}) {
    EXPECT_NE(human.out.find(numbers), std::string::npos) << numbers << "\n" << human.out;
  }
  EXPECT_NE(human.out.find("\nsender 4 (pid "), std::string::npos) << human.out;
  EXPECT_EQ(human.out.find("sender 5"), std::string::npos) << human.out;
}

TEST_F(FloodTest, OneSenderPrintsNoSenderFields) {
  // --senders 1 is the default, and its report is the one it always was.
  for (const char* senders : {"--senders=1", "--quiet"}) {
    Outcome run = flood({senders, "-n", "10", "--json"});
    EXPECT_EQ(run.exit_status, 0) << run.err;
    EXPECT_EQ(json_value(run.out, "senders"), "(missing)") << run.out;
    EXPECT_EQ(json_value(run.out, "per_sender"), "(missing)") << run.out;
  }
  Outcome human = flood({"--senders", "1", "-n", "10"});
  EXPECT_EQ(human.out.find("sender"), std::string::npos) << human.out;
}

TEST_F(FloodTest, SendersShareTheRate) {
  // 100 datagrams at 500/s in all: the last is due 99/500 s = 198 ms after
  // the start, whichever sender has it, and no sender may be faster than its
  // quarter of the rate (25 datagrams, the last one due after 192 ms or more).
  Outcome run = flood({"-n", "100", "-r", "500", "--senders", "4", "--json", "--quiet"});
  ASSERT_EQ(run.exit_status, 0) << run.err;
  check_datagrams(run, 100, 100, std::nullopt);
  EXPECT_GE(run.elapsed, milliseconds{180});
  EXPECT_GE(std::stod(json_value(run.out, "seconds")), 0.180) << run.out;
  EXPECT_LE(std::stod(json_value(run.out, "datagrams_per_second")), 560.0) << run.out;
  std::vector<SenderFields> senders = per_sender(run.out);
  ASSERT_EQ(senders.size(), 4u) << run.out;
  for (const SenderFields& s : senders) {
    EXPECT_EQ(s.sent, 25u);
    EXPECT_GE(s.seconds, 0.180) << run.out;
    EXPECT_LE(s.rate, 140.0) << run.out;
  }
}

TEST_F(FloodTest, DrainWaitsForEverySender) {
  // The test reads one datagram every 2 ms: when dgram-flood exits, every
  // sender's datagrams must have been consumed, not only one sender's.
  RunSpec spec{.args = {"--drain", "--json", "--quiet", "-q", "-n", "90", "-s", "30", "--senders",
                        "3", path_},
               .receiver = receiver_.get(),
               .pace = milliseconds{2}};
  Outcome run = run_flood(spec);
  ASSERT_EQ(run.exit_status, 0) << run.err;
  EXPECT_EQ(run.datagrams_at_exit, 90u);
  ASSERT_EQ(run.datagrams.size(), 90u);
  ASSERT_TRUE(JsonCheck(run.out).valid()) << run.out;
  EXPECT_EQ(json_value(run.out, "timed_until"), "\"drained\"");
  EXPECT_EQ(json_value(run.out, "receiver_socket"), "\"open\"");
  EXPECT_EQ(json_value(run.out, "senders"), "3");
  EXPECT_GE(std::stod(json_value(run.out, "seconds")), 0.15) << run.out;
  EXPECT_GT(std::stod(json_value(run.out, "drain_seconds")), 0.0) << run.out;
  // The run is timed until the drain: no sender's own time is longer.
  std::vector<SenderFields> senders = per_sender(run.out);
  EXPECT_EQ(senders.size(), 3u) << run.out;
  for (const SenderFields& s : senders) {
    EXPECT_EQ(s.sent, 30u);
    EXPECT_LE(s.seconds, std::stod(json_value(run.out, "seconds"))) << run.out;
  }
}

TEST_F(FloodTest, FindReceiversWithSeveralSenders) {
  // The senders hold sockets connected to the receiver, not the receiving
  // socket: the only holder found is the receiver.
  std::string path = dir_.file("many");
  Forked receiver = burner(path, 100);
  ASSERT_EQ(receiver.next_number(), 0);
  Outcome run = run_flood(RunSpec{
      .args = {"--find-receivers", "--senders", "3", "-n", "300", "--json", "--quiet", path}});
  ASSERT_EQ(run.exit_status, 0) << run.err;
  ASSERT_TRUE(JsonCheck(run.out).valid()) << run.out;
  std::string group = json_value(run.out, "receivers");
  EXPECT_EQ(json_value(group, "pids"), pids_json({receiver.pid()})) << run.out;
  EXPECT_EQ(json_value(run.out, "master"), "(missing)") << run.out;
  // 300 datagrams at 100 us each were all consumed before the end sample.
  EXPECT_GE(std::stod(json_value(group, "cpu_seconds")), 0.02) << run.out;
  EXPECT_EQ(json_value(run.out, "senders"), "3");
}

TEST_F(FloodTest, SenderTimeoutNamesTheSender) {
  RunSpec spec{{"--timeout", "0.3", "-n", "100000", "--senders", "2", path_},
               receiver_.get(), {}, true};
  Outcome run = run_flood(spec);
  EXPECT_EQ(run.exit_status, 1);
  EXPECT_EQ(run.out, "");
  // The sender's own line, then the parent's about it.
  EXPECT_NE(run.err.find(" of 2: timed out: no datagram could be sent to " + path_ + " for 0.3 s"),
            std::string::npos)
      << run.err;
  EXPECT_NE(run.err.find(" of 50000 datagrams sent"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find(" of 2 (pid "), std::string::npos) << run.err;
  EXPECT_NE(run.err.find(") exited with status 1"), std::string::npos) << run.err;
}

TEST_F(FloodTest, SenderThatDiesStopsTheOthers) {
  // Three senders wait on a queue nobody reads (--timeout 30 would keep them
  // there); the test kills one: dgram-flood must say which, stop the other
  // two at once and exit 1, well before any timeout.
  Child child = spawn({"-n", "100000", "--senders", "3", "--timeout", "30", path_});
  // Datagrams queued mean go() was written: every sender was forked and ready.
  pollfd in{receiver_.get(), POLLIN, 0};
  ASSERT_EQ(::poll(&in, 1, 30'000), 1);
  std::vector<pid_t> senders = children_of(child.pid);
  ASSERT_EQ(senders.size(), 3u);
  auto killed_at = Clock::now();
  ASSERT_EQ(::kill(senders[1], SIGKILL), 0);
  pollfd gone{child.pidfd.get(), POLLIN, 0};
  ASSERT_EQ(::poll(&gone, 1, 10'000), 1) << "dgram-flood did not notice";
  EXPECT_LT(Clock::now() - killed_at, milliseconds{10'000});
  int status = reap(child.pid);
  std::string err;
  while (drain_pipe(child.err.get(), err)) {
  }
  std::string out;
  while (drain_pipe(child.out.get(), out)) {
  }
  EXPECT_EQ(status, 1);
  EXPECT_EQ(out, "");
  EXPECT_NE(err.find(" of 3 (pid " + pid_text(senders[1]) + ") was killed by signal 9"),
            std::string::npos)
      << err;
  EXPECT_NE(err.find("; stopped 2 other senders"), std::string::npos) << err;
  // The others were reaped by dgram-flood: they are gone.
  for (pid_t pid : {senders[0], senders[2]}) {
    EXPECT_EQ(::kill(pid, 0), -1) << "sender " << pid << " still there";
    EXPECT_EQ(errno, ESRCH);
  }
}

TEST_F(FloodTest, SendersRefusesWhatItCannotSplit) {
  const BadCase cases[] = {
      {{"--senders", "0", "/x"}, "invalid --senders value '0': must be from 1 to 256"},
      {{"--senders", "257", "/x"}, "invalid --senders value '257'"},
      {{"--senders", "two", "/x"}, "invalid --senders value 'two'"},
      {{"--senders", "-2", "/x"}, "'-2'"},
      {{"--senders=5", "-n", "4", "/x"}, "--senders 5 with --count 4: every sender needs"},
      {{"-n", "0", "--senders", "2", "/x"}, "--senders 2 with --count 0"},
      {{"--senders"}, "'--senders' needs a value"},
  };
  for (const auto& c : cases) expect_refused(c);
  // As many senders as datagrams is fine: one each.
  Outcome run = flood({"-q", "-s", "13", "-n", "4", "--senders", "4", "--json"});
  EXPECT_EQ(run.exit_status, 0) << run.err;
  EXPECT_EQ(run.datagrams.size(), 4u);
  EXPECT_EQ(json_value(run.out, "senders"), "4");
}

// ---- What a sender waits: send_wait_us.

// send_wait_field - one number of the "send_wait_us" object.
double send_wait_field(const std::string& out, const std::string& key) {
  std::string object = json_value(out, "send_wait_us");
  std::string field = "\"" + key + "\":";
  std::size_t at = object.find(field);
  if (at == std::string::npos) {
    ADD_FAILURE() << "no " << key << " in send_wait_us of " << out;
    return -1;
  }
  return std::stod(object.substr(at + field.size()));
}

// dgram_qlen - net.unix.max_dgram_qlen: how many datagrams a receiver's queue takes.
std::size_t dgram_qlen() {
  std::FILE* file = std::fopen("/proc/sys/net/unix/max_dgram_qlen", "r");
  unsigned long value = 10;
  if (file != nullptr) {
    if (std::fscanf(file, "%lu", &value) != 1) value = 10;
    std::fclose(file);
  }
  return static_cast<std::size_t>(value);
}

TEST_F(FloodTest, SendWaitIsNearZeroWhenTheReceiverKeepsUp) {
  // 200 datagrams at 1000/s, read as they come: no send has to wait for room.
  for (const char* mode : {"--count=200", "--mmsg"}) {
    SCOPED_TRACE(mode);
    Outcome run = flood({mode, "-n", "200", "-r", "1000", "--json", "-q"});
    ASSERT_EQ(run.exit_status, 0) << run.err;
    check_datagrams(run, 200, 100, 0);
    // Most sends find room at once: they waited nothing at all.
    EXPECT_EQ(send_wait_field(run.out, "p50"), 0.0) << run.out;
    EXPECT_LT(send_wait_field(run.out, "p99"), 2000.0) << run.out;
    EXPECT_LE(send_wait_field(run.out, "p99"), send_wait_field(run.out, "p99_9")) << run.out;
    EXPECT_LE(send_wait_field(run.out, "p99_9"), send_wait_field(run.out, "max")) << run.out;
    EXPECT_LT(send_wait_field(run.out, "share"), 0.2) << run.out;
  }
}

TEST_F(FloodTest, ASendThatFindsRoomWaitsNothing) {
  // Nobody reads, but the queue has room for every datagram (and the
  // sender's buffer too): each send is taken at once and waits 0, however
  // long the call itself ran.
  const std::size_t count = std::min<std::size_t>(dgram_qlen(), 200);
  for (const char* mode : {"--count", "--mmsg"}) {
    SCOPED_TRACE(mode);
    std::vector<std::string> args{"-n", std::to_string(count), "--json", "-q"};
    if (std::string(mode) == "--mmsg") args.push_back("--mmsg");
    args.push_back(path_);
    RunSpec spec{args, receiver_.get(), milliseconds{0}, true, milliseconds{0}};
    Outcome run = run_flood(spec);
    ASSERT_EQ(run.exit_status, 0) << run.err;
    EXPECT_EQ(send_wait_field(run.out, "max"), 0.0) << run.out;
    EXPECT_EQ(send_wait_field(run.out, "share"), 0.0) << run.out;
    EXPECT_EQ(send_wait_field(run.out, "waited"), 0.0) << run.out;
    std::vector<std::string> queued;
    std::vector<char> buffer(65536);
    drain_socket(receiver_.get(), queued, buffer);  // room again for the next mode
    EXPECT_EQ(queued.size(), count);
  }
}

TEST_F(FloodTest, SendWaitShowsAReceiverThatSleepsBetweenReads) {
  // The receiver reads one datagram every 2 ms. Once its queue is full
  // (max_dgram_qlen datagrams, or the sender's buffer), each send waits for
  // the next read: the last 50 sends wait about 2 ms each.
  const std::size_t count = std::min<std::size_t>(dgram_qlen(), 600) + 50;
  for (const char* mode : {"--count", "--mmsg"}) {
    SCOPED_TRACE(mode);
    std::vector<std::string> args{"-n", std::to_string(count), "--json", "-q"};
    if (std::string(mode) == "--mmsg") args.push_back("--mmsg");
    args.push_back(path_);
    RunSpec spec{args, receiver_.get(), milliseconds{0}, false, milliseconds{2}};
    Outcome run = run_flood(spec);
    ASSERT_EQ(run.exit_status, 0) << run.err;
    check_datagrams(run, count, 100, 0);
    EXPECT_GE(send_wait_field(run.out, "p99"), 1000.0) << run.out;
    EXPECT_GE(send_wait_field(run.out, "max"), 1500.0) << run.out;
    EXPECT_GE(send_wait_field(run.out, "share"), 0.5) << run.out;
    EXPECT_LE(send_wait_field(run.out, "share"), 1.0) << run.out;
    // Most of the last 50 datagrams found the queue full (the receiver's
    // first reads make room for a few more than the queue holds).
    EXPECT_GE(send_wait_field(run.out, "waited"), 40.0 / static_cast<double>(count)) << run.out;
    EXPECT_LE(send_wait_field(run.out, "waited"), 1.0) << run.out;
  }
}

TEST_F(FloodTest, SendWaitAddsUpEverySender) {
  // Four senders against a receiver that sleeps: their waits are all counted.
  const std::size_t count = std::min<std::size_t>(dgram_qlen(), 600) + 60;
  std::vector<std::string> args{"-n", std::to_string(count), "--senders", "4", "--json", "-q", path_};
  RunSpec spec{args, receiver_.get(), milliseconds{0}, false, milliseconds{2}};
  Outcome run = run_flood(spec);
  ASSERT_EQ(run.exit_status, 0) << run.err;
  EXPECT_EQ(run.datagrams.size(), count);
  EXPECT_GE(send_wait_field(run.out, "p99"), 1000.0) << run.out;
  EXPECT_GE(send_wait_field(run.out, "share"), 0.3) << run.out;
}

// ---- The modules' parsers and decisions, in-process.

TEST(FloodModules, SendWaitQuantilesAreUpperBoundsWithinAnEighth) {
  struct Row {
    std::vector<std::uint64_t> waits;  // one datagram each
    double q;
    std::uint64_t at_least, at_most;   // the true value, and 12.5 % above it (capped at the max)
  };
  const Row rows[] = {
      {{}, 0.99, 0, 0},
      {{5}, 0.5, 5, 5},
      {{1, 2, 3, 4, 5, 6, 7}, 0.5, 4, 4},              // exact below 8 ns
      {{1000, 1000, 1000, 1000}, 0.99, 1000, 1000},    // never above the largest seen
      {{1000, 2000, 3000, 4000}, 0.5, 2000, 2250},
      {{1000, 2000, 3000, 4000}, 0.75, 3000, 3375},
      {{10, 20, 30, 1000000}, 0.99, 1000000, 1000000},
      {{10, 20, 30, 1000000}, 0.25, 10, 11},
      {{(1ull << 45)}, 0.5, 1ull << 45, 1ull << 45},    // past the last bucket: the max, exact
  };
  for (const Row& row : rows) {
    flood::SendWait wait;
    for (std::uint64_t ns : row.waits) wait.record(ns);
    std::uint64_t got = wait.quantile_ns(row.q);
    SCOPED_TRACE(::testing::PrintToString(row.waits) + " q " + std::to_string(row.q));
    EXPECT_GE(got, row.at_least);
    EXPECT_LE(got, row.at_most);
  }
}

TEST(FloodModules, SendWaitCountsEachDatagramAndEachCallOnce) {
  flood::SendWait a;
  a.record(2'000'000, 64);  // one sendmmsg call: 64 datagrams waited 2 ms
  a.record(1'000, 1);
  a.record(5'000, 0);       // nothing sent: nothing counted
  EXPECT_EQ(a.datagrams, 65u);
  EXPECT_EQ(a.total_ns, 2'001'000u);
  EXPECT_EQ(a.max_ns, 2'000'000u);
  EXPECT_GE(a.quantile_ns(0.01), 1'000u);
  EXPECT_LT(a.quantile_ns(0.01), 1'200u);
  EXPECT_EQ(a.quantile_ns(0.5), 2'000'000u);
  flood::SendWait b;
  b.record(3'000'000, 35);
  a.merge(b);
  EXPECT_EQ(a.datagrams, 100u);
  EXPECT_EQ(a.max_ns, 3'000'000u);
  EXPECT_EQ(a.quantile_ns(0.99), 3'000'000u);
  EXPECT_EQ(a.total_ns, 5'001'000u);
  EXPECT_DOUBLE_EQ(a.waited_share(), 1.0);
  flood::SendWait c;
  EXPECT_EQ(c.waited_share(), 0.0);  // nothing sent
  c.record(0, 3);                     // taken at once
  c.record(4'000, 1);                 // made to wait
  EXPECT_DOUBLE_EQ(c.waited_share(), 0.25);
  EXPECT_EQ(c.quantile_ns(0.5), 0u);
  // Bucket edges grow and every value lies at or below its bucket's edge.
  for (std::uint64_t ns = 0; ns < 100'000; ns = ns * 3 / 2 + 1) {
    EXPECT_LE(ns, flood::SendWait::upper_edge(flood::SendWait::bucket_of(ns))) << ns;
  }
  for (std::size_t i = 1; i + 1 < flood::SendWait::kBuckets; ++i) {
    EXPECT_LT(flood::SendWait::upper_edge(i - 1), flood::SendWait::upper_edge(i)) << i;
  }
}

// ---- The modules' parsers and decisions, in-process.

TEST(FloodModules, ParseStat) {
  // A command name with spaces and parentheses ends at the last ')'.
  const std::string fields =
      " S 41 42 42 0 -1 4194560 100 0 0 0 17 5 3 2 20 0 1 0 123456 1000 10 0 0";
  auto stat = flood::parse_stat("42 (a) b (c)" + fields);
  ASSERT_TRUE(stat);
  EXPECT_EQ(stat->state, 'S');
  EXPECT_EQ(stat->ppid, 41);
  EXPECT_EQ(stat->cpu_ticks, 22u);
  EXPECT_EQ(stat->reaped_ticks, 5u);
  EXPECT_EQ(stat->start_time, 123456u);
  EXPECT_FALSE(flood::parse_stat("42 (short) S 1 2 3"));
  EXPECT_FALSE(flood::parse_stat("no parenthesis at all"));
  EXPECT_FALSE(flood::parse_stat("42 (x) S 41 42 42 0 -1 4194560 100 0 0 0 x 5 3 2 20 0 1 0 9"));
}

TEST(FloodModules, ParseSwitches) {
  EXPECT_EQ(flood::parse_switches("Name:\tx\nvoluntary_ctxt_switches:\t7\n"
                                  "nonvoluntary_ctxt_switches:\t3\n"),
            10u);
  EXPECT_FALSE(flood::parse_switches("nonvoluntary_ctxt_switches:\t3\n"));
  EXPECT_FALSE(
      flood::parse_switches("voluntary_ctxt_switches:\tmany\n"
                            "nonvoluntary_ctxt_switches:\t3\n"));
}

TEST(FloodModules, SamplesSumTheThreads) {
  flood::ProcessSample before;
  ASSERT_EQ(flood::sample_process(::getpid(), before), 0);
  burn_cpu(50'000);
  flood::ProcessSample after;
  // A thread that sleeps five times switches at least five times, and it
  // started after the first sample: all its switches count.
  std::thread sleeper([&] {
    for (int i = 0; i < 5; ++i) std::this_thread::sleep_for(milliseconds{1});
    EXPECT_EQ(flood::sample_process(::getpid(), after), 0);
  });
  sleeper.join();
  ASSERT_TRUE(flood::same_process(before, after));
  flood::ProcessUsage used = flood::usage_between(before, after);
  EXPECT_GE(used.cpu_ticks, 3u);  // 50 ms at 100 ticks a second
  EXPECT_GE(used.switches, 5u);
  EXPECT_GT(after.switches.size(), before.switches.size());
  flood::ProcessSample none;
  EXPECT_EQ(flood::sample_process(static_cast<pid_t>(std::stoll(pid_limit())), none), ESRCH);
}

TEST(FloodModules, CpuListsAndPlacement) {
  EXPECT_EQ(flood::cpu_list({}), "");
  EXPECT_EQ(flood::cpu_list({0}), "0");
  EXPECT_EQ(flood::cpu_list({0, 1}), "0-1");
  EXPECT_EQ(flood::cpu_list({0, 1, 2, 3, 6, 8, 9}), "0-3,6,8-9");
  EXPECT_STREQ(flood::placement({{0}, {0}, {0}}), "one-cpu");
  EXPECT_STREQ(flood::placement({{1}, {1}}), "one-cpu");
  EXPECT_STREQ(flood::placement({{0}, {1}}), "spread");
  EXPECT_STREQ(flood::placement({{0, 1}, {0}}), "spread");
  EXPECT_STREQ(flood::placement({{0}, {}}), "unknown");
  std::vector<int> own;
  ASSERT_EQ(flood::cpu_affinity(0, own), 0);
  EXPECT_FALSE(own.empty());
}

TEST(FloodModules, MastersAreParentsOfHolders) {
  struct Case {
    std::vector<flood::Holder> holders;
    std::vector<pid_t> masters;
    std::vector<pid_t> receivers;
  };
  const Case cases[] = {
      {{{10, 1}}, {}, {10}},                            // one process: a receiver
      {{{10, 1}, {11, 10}, {12, 10}}, {10}, {11, 12}},  // a master and two children
      {{{11, 10}, {12, 10}}, {}, {11, 12}},             // the parent does not hold it
      {{{10, 1}, {20, 1}}, {}, {10, 20}},               // two unrelated receivers
      {{{10, 1, true}}, {10}, {}},                      // its children came and went
  };
  for (const auto& c : cases) {
    flood::MasterSplit split = flood::split_masters(c.holders);
    EXPECT_EQ(split.masters, c.masters);
    EXPECT_EQ(split.receivers, c.receivers);
  }
}

TEST(FloodModules, BoundInodesFromProcNetUnix) {
  const std::string table =
      "Num       RefCount Protocol Flags    Type St Inode Path\n"
      "0000000000000000: 00000002 00000000 00000000 0002 01   101 /run/a.sock\n"
      "0000000000000000: 00000002 00000000 00010000 0001 01   102 /run/a.sock\n"
      "0000000000000000: 00000002 00000000 00000000 0002 01   103\n"
      "0000000000000000: 00000002 00000000 00000000 0002 01 1000104 /run/with space\n"
      "0000000000000000: 00000002 00000000 00000000 0002 01   105 @abstract\n"
      "0000000000000000: 00000002 00000000 00000000 0002 01   106 /run/b.sock\n"
      "0000000000000000: 00000002 00000000 00000000 0002 01   107 /run/b.sock\n";
  using Inodes = std::vector<std::uint64_t>;
  EXPECT_EQ(flood::bound_inodes(table, {"/run/a.sock"}), Inodes{101});  // not the stream one
  EXPECT_EQ(flood::bound_inodes(table, {"/run/with space"}), Inodes{1000104});
  EXPECT_EQ(flood::bound_inodes(table, {"@abstract"}), Inodes{105});
  EXPECT_EQ(flood::bound_inodes(table, {"/run/b.sock"}), (Inodes{106, 107}));  // ambiguous
  EXPECT_EQ(flood::bound_inodes(table, {"/run/none", "/run/a.sock"}), Inodes{101});
  EXPECT_TRUE(flood::bound_inodes(table, {"/run"}).empty());
}

TEST(FloodModules, ReceivingSocketIsThePeer) {
  TempDir dir;
  std::string path = dir.file("peer");
  OwnedFd receiver = bind_receiver(path);
  OwnedFd sender(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  ASSERT_EQ(::connect(sender.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  struct stat own {};
  ASSERT_EQ(::fstat(receiver.get(), &own), 0);
  flood::ReceivingSocket found = flood::find_receiving_socket(sender.get(), path);
  EXPECT_EQ(found.inode, own.st_ino) << found.problem;
  EXPECT_EQ(flood::socket_presence(found.inode), flood::SocketPresence::open);
  receiver.reset();
  EXPECT_EQ(flood::socket_presence(found.inode), flood::SocketPresence::closed);
}

TEST(FloodModules, SplitFloodSharesCountNumbersAndRate) {
  struct Case {
    std::uint64_t count;
    std::uint64_t first;
    unsigned senders;
    std::vector<std::uint64_t> counts;  // the shares, in sender order
  };
  const Case cases[] = {
      {10, 0, 1, {10}},
      {10, 0, 3, {4, 3, 3}},
      {1003, 0, 4, {251, 251, 251, 250}},
      {8, 100, 4, {2, 2, 2, 2}},
      {5, 999999999995ULL, 5, {1, 1, 1, 1, 1}},
      {3, 0, 4, {1, 1, 1, 0}},  // the parser refuses it; the split stays exact
      {0, 7, 2, {0, 0}},
      {UINT64_MAX, 0, 2, {UINT64_MAX / 2 + 1, UINT64_MAX / 2}},
      {1000001, 0, 256, {}},  // counts checked by the rules below only
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(::testing::Message() << c.count << " from " << c.first << " over " << c.senders);
    std::vector<flood::SenderShare> shares = flood::split_flood(c.count, c.first, 0, c.senders);
    ASSERT_EQ(shares.size(), c.senders);
    std::uint64_t next = c.first;
    std::uint64_t low = UINT64_MAX;
    std::uint64_t high = 0;
    for (std::size_t k = 0; k < shares.size(); ++k) {
      if (!c.counts.empty()) {
        EXPECT_EQ(shares[k].count, c.counts[k]) << "sender " << k;
      }
      EXPECT_EQ(shares[k].first, next) << "sender " << k;  // contiguous, disjoint, in order
      EXPECT_EQ(shares[k].rate, 0.0);
      EXPECT_EQ(shares[k].phase_ns, 0);
      low = std::min(low, shares[k].count);
      high = std::max(high, shares[k].count);
      next += shares[k].count;
    }
    EXPECT_EQ(next - c.first, c.count);  // they add up exactly
    EXPECT_LE(high - low, 1u);
  }

  // With a rate: each sender's share of it, and phases 1/rate apart.
  struct RateCase {
    std::uint64_t count;
    double rate;
    unsigned senders;
    std::vector<double> rates;
    std::vector<std::int64_t> phases_ns;
  };
  const RateCase rate_cases[] = {
      {100, 1000, 4, {250, 250, 250, 250}, {0, 1'000'000, 2'000'000, 3'000'000}},
      {10, 30, 3, {12, 9, 9}, {0, 33'333'333, 66'666'666}},
      {7, 3.5, 2, {2, 1.5}, {0, 285'714'285}},
      {8, 0.5, 4, {0.125, 0.125, 0.125, 0.125}, {0, 2'000'000'000, 4'000'000'000, 6'000'000'000}},
      {5, 1000, 1, {1000}, {0}},
  };
  for (const auto& c : rate_cases) {
    SCOPED_TRACE(::testing::Message() << c.count << " at " << c.rate << " over " << c.senders);
    std::vector<flood::SenderShare> shares = flood::split_flood(c.count, 0, c.rate, c.senders);
    ASSERT_EQ(shares.size(), c.senders);
    double total = 0;
    for (std::size_t k = 0; k < shares.size(); ++k) {
      EXPECT_DOUBLE_EQ(shares[k].rate, c.rates[k]) << "sender " << k;
      EXPECT_NEAR(static_cast<double>(shares[k].phase_ns), static_cast<double>(c.phases_ns[k]), 1)
          << "sender " << k;
      total += shares[k].rate;
    }
    EXPECT_DOUBLE_EQ(total, c.rate);
  }
}

TEST(FloodModules, JsonCheckRejectsWhatIsNotJson) {
  EXPECT_TRUE(JsonCheck("{\"a\":[1,2.5,-3e2],\"b\":{\"c\":\"d\"},\"e\":true}\n").valid());
  EXPECT_TRUE(JsonCheck("[]").valid());
  for (const char* bad : {"{\"a\":1,}", "{\"a\" 1}", "[1 2]", "{\"a\":1}}", "{a:1}", "1.", ""}) {
    EXPECT_FALSE(JsonCheck(bad).valid()) << bad;
  }
}

}  // namespace
