// SPDX-License-Identifier: MIT
// postfix_master_test - dgram-server programs as children of the real Postfix
// master(8), in a private instance (see support/postfix_instance.h), with
// Postfix's own programs and dgram-flood as clients.
#include <fcntl.h>
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
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "master_side.h"
#include "serve/counter_file.h"
#include "support/postfix_instance.h"

namespace dgram {
namespace {

using namespace std::chrono_literals;
using testing::MasterCfLine;
using testing::PostfixInstance;
using testing::process_ended;

std::string program(const char* variable) {
  const char* path = std::getenv(variable);
  if (path == nullptr) throw std::runtime_error(std::string(variable) + " is not set (run from meson test)");
  return path;
}

// Runs a command to completion (bounded), returns its exit status or -1.
// With stdout_path, its standard output goes to that file.
int run_command(std::vector<std::string> argv, std::chrono::milliseconds bound = 120s,
                const std::string& stdout_path = "") {
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid == 0) {
    if (!stdout_path.empty()) {
      int out = ::open(stdout_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (out < 0 || ::dup2(out, STDOUT_FILENO) < 0) ::_exit(126);
      ::close(out);
    }
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  auto status = launch::wait_for_exit(pid, bound);
  if (!status) {
    ::kill(pid, SIGKILL);
    launch::wait_for_exit(pid, 5s);
    return -1;
  }
  return WIFEXITED(*status) ? WEXITSTATUS(*status) : -1;
}

int flood(const std::string& socket, long count, long first = 0, int size = 100) {
  return run_command({program("DGRAM_FLOOD"), "--quiet", "--sequence", "-n", std::to_string(count), "--first",
                      std::to_string(first), "-s", std::to_string(size), socket});
}

// dgram-flood --json's "seconds": how long sending count datagrams took
// (a blocking sender: as long as the receivers took to make room), or -1.
double timed_flood(const std::string& socket, long count, long first, const std::string& json_path) {
  int status = run_command({program("DGRAM_FLOOD"), "--quiet", "--json", "--sequence", "-n", std::to_string(count),
                            "--first", std::to_string(first), "-s", "100", socket},
                           120s, json_path);
  if (status != 0) return -1;
  std::ifstream in(json_path);
  std::string json((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto key = json.find("\"seconds\":");
  if (key == std::string::npos) return -1;
  return std::strtod(json.c_str() + key + 10, nullptr);
}

// Everything that dgram-sink's exit lines say, added up.
struct SinkTotals {
  long reports = 0;
  long datagrams = 0;
  std::map<long, long> datagrams_by_pid;  // pid= -> datagrams= of each report
  std::map<long, std::vector<std::pair<long, long>>> runs_by_pid;  // pid= -> its seq_runs

  // How many reporting processes served a number in from..to.
  long pids_serving(long from, long to) const {
    long n = 0;
    for (const auto& [pid, runs] : runs_by_pid) {
      n += std::any_of(runs.begin(), runs.end(), [&](const auto& r) { return r.first <= to && r.second >= from; });
    }
    return n;
  }
  long gaps = 0;
  long repeats = 0;
  long malformed = 0;
  long overflow = 0;  // numbers a report could not keep in its runs (seq_overflow)
  std::vector<std::pair<long, long>> runs;

  // True when the runs cover first..last exactly once (never when a report
  // overflowed: its runs are then incomplete and prove nothing).
  bool covers_exactly_once(long first, long last) const {
    if (overflow > 0) return false;
    auto sorted = runs;
    std::sort(sorted.begin(), sorted.end());
    long next = first;
    for (const auto& [from, to] : sorted) {
      if (from != next) return false;
      next = to + 1;
    }
    return next == last + 1;
  }
};

SinkTotals read_summaries(const std::string& path) {
  SinkTotals totals;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    ++totals.reports;
    std::istringstream words(line);
    std::string word;
    long pid = 0;
    while (words >> word) {
      auto eq = word.find('=');
      if (eq == std::string::npos) continue;
      std::string key = word.substr(0, eq), value = word.substr(eq + 1);
      if (key == "pid") pid = std::stol(value);
      if (key == "datagrams") {
        totals.datagrams += std::stol(value);
        totals.datagrams_by_pid[pid] += std::stol(value);
      }
      if (key == "seq_gaps") totals.gaps += std::stol(value);
      if (key == "seq_repeats") totals.repeats += std::stol(value);
      if (key == "seq_malformed") totals.malformed += std::stol(value);
      if (key == "seq_overflow") totals.overflow += std::stol(value);
      if (key == "seq_runs" && value != "none") {
        std::istringstream runs(value);
        std::string run;
        while (std::getline(runs, run, ',')) {
          auto dash = run.find('-');
          totals.runs.emplace_back(std::stol(run.substr(0, dash)), std::stol(run.substr(dash + 1)));
          totals.runs_by_pid[pid].push_back(totals.runs.back());
        }
      }
    }
  }
  return totals;
}

// Waits until none of the master's children runs `name` (bounded).
bool wait_until_no_child(const PostfixInstance& postfix, const std::string& name, std::chrono::seconds bound) {
  auto deadline = std::chrono::steady_clock::now() + bound;
  for (;;) {
    bool any = false;
    for (pid_t pid : postfix.children()) {
      any = any || testing::read_proc(pid, "comm") == name + "\n";
    }
    if (!any) return true;
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
}

std::vector<pid_t> children_named(const PostfixInstance& postfix, const std::string& name) {
  std::vector<pid_t> pids;
  for (pid_t pid : postfix.children()) {
    if (testing::read_proc(pid, "comm") == name + "\n") pids.push_back(pid);
  }
  return pids;
}

std::vector<pid_t> wait_for_children(const PostfixInstance& postfix, const std::string& name, std::chrono::seconds bound) {
  auto deadline = std::chrono::steady_clock::now() + bound;
  for (;;) {
    auto pids = children_named(postfix, name);
    if (!pids.empty() || std::chrono::steady_clock::now() > deadline) return pids;
    std::this_thread::sleep_for(20ms);
  }
}

std::string environment_value(pid_t pid, const std::string& name) {
  std::istringstream in(testing::read_proc(pid, "environ"));
  std::string entry;
  while (std::getline(in, entry, '\0')) {
    if (entry.rfind(name + "=", 0) == 0) return entry.substr(name.size() + 1);
  }
  return "";
}

class RealMaster : public ::testing::Test {
 protected:
  // A log service (dgram-logd as "postlog") and a dgram-sink service "sink".
  std::unique_ptr<PostfixInstance> make(std::string sink_maxproc, std::vector<std::string> sink_options,
                                        std::string chroot = "n", std::vector<std::string> logd_options = {}) {
    std::vector<std::string> args{"-o", "dgram_sink_check_sequence=yes"};
    args.insert(args.end(), sink_options.begin(), sink_options.end());
    std::vector<MasterCfLine> lines{
        {"postlog", "dgram-logd", "1", "-", "n", std::move(logd_options)},
        {"sink", "dgram-sink", std::move(sink_maxproc), "-", std::move(chroot), args},
    };
    auto postfix = std::make_unique<PostfixInstance>(lines);
    // The summary file lives in the log folder (set after the folder exists).
    lines[1].arguments.push_back("-o");
    lines[1].arguments.push_back("dgram_sink_summary_file=" + postfix->log_dir() + "/summary");
    postfix->write_master_cf(lines);
    postfix->install(program("DGRAM_LOGD"));
    postfix->install(program("DGRAM_SINK"));
    return postfix;
  }

  void expect_master_content(const PostfixInstance& postfix) {
    auto complaints = postfix.master_complaints();
    EXPECT_TRUE(complaints.empty()) << complaints.front() << "\n(maillog:\n" << postfix.maillog() << ")";
  }
};

TEST_F(RealMaster, DgramLogdReplacesPostlogd) {
  // max_use=1 on its line: like postlogd it ignores the use limit.
  auto postfix = make("1", {}, "n", {"-o", "max_use=1"});
  postfix->start();
  // Postfix's own postlog(1) command sends to our service's socket.
  ASSERT_EQ(run_command({"/usr/sbin/postlog", "-c", postfix->config_dir(), "-t", "dgram-test", "hello through dgram-logd"}), 0);
  EXPECT_TRUE(postfix->wait_for_log("dgram-test[", 10s)) << postfix->maillog() << postfix->master_output();
  EXPECT_NE(postfix->maillog().find("]: hello through dgram-logd\n"), std::string::npos);
  auto logd = children_named(*postfix, "dgram-logd");
  ASSERT_EQ(logd.size(), 1u);
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(run_command({"/usr/sbin/postlog", "-c", postfix->config_dir(), "-t", "dgram-test", "record " + std::to_string(i)}), 0);
  }
  EXPECT_TRUE(postfix->wait_for_log("]: record 4\n", 10s));
  EXPECT_EQ(children_named(*postfix, "dgram-logd"), logd);  // the same process served them all
  // The master's own lines: a reload is logged by the master through the service.
  postfix->reload();
  EXPECT_TRUE(postfix->wait_for_log("postfix/master[", 10s));
  EXPECT_TRUE(postfix->wait_for_log("reload -- version", 10s)) << postfix->maillog();
  // A 10,000-byte record (longer than postlog(1) sends) arrives whole.
  std::string record = "Nov 24 04:17:11 host dgram-test[1]: " + std::string(10000 - 36, 'L');
  ASSERT_EQ(record.size(), 10000u);
  {
    int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(fd, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::string path = postfix->socket_path("postlog");
    std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
    EXPECT_EQ(::sendto(fd, record.data(), record.size(), 0, reinterpret_cast<sockaddr*>(&address), sizeof(address)),
              static_cast<ssize_t>(record.size()));
    ::close(fd);
  }
  EXPECT_TRUE(postfix->wait_for_log(record + "\n", 10s));
  expect_master_content(*postfix);
}

TEST_F(RealMaster, ChildrenLogThroughThePostlogServiceIntoMaillog) {
  auto postfix = make("1", {"-o", "max_use=0"});
  postfix->start();
  ASSERT_EQ(flood(postfix->socket_path("sink"), 100), 0);
  auto children = wait_for_children(*postfix, "dgram-sink", 10s);
  ASSERT_EQ(children.size(), 1u);
  postfix->reload();  // the child exits and logs its summary
  std::string expected = "postfix/dgram-sink[" + std::to_string(children.front()) + "]: exit: pid=";
  EXPECT_TRUE(postfix->wait_for_log(expected, 10s)) << postfix->maillog();
  EXPECT_NE(postfix->maillog().find(" datagrams=100 "), std::string::npos);
  expect_master_content(*postfix);
}

TEST_F(RealMaster, FourSinksOnOneSocketServeEveryDatagramExactlyOnce) {
  auto postfix = make("4", {"-o", "max_use=0", "-o", "max_idle=2s"});
  postfix->start();
  constexpr long kCount = 200000;
  ASSERT_EQ(flood(postfix->socket_path("sink"), kCount), 0);
  ASSERT_TRUE(wait_until_no_child(*postfix, "dgram-sink", 60s));
  SinkTotals totals = read_summaries(postfix->log_dir() + "/summary");
  EXPECT_EQ(totals.datagrams, kCount);
  EXPECT_EQ(totals.repeats, 0);
  EXPECT_EQ(totals.malformed, 0);
  EXPECT_TRUE(totals.covers_exactly_once(0, kCount - 1));
  EXPECT_GE(totals.reports, 1);
  expect_master_content(*postfix);
}

// The master protocol on a shared socket, proved with emulated work: with
// 1 ms of sleep per datagram one child serves about 1,000 datagrams/s, and
// the only way four can serve more is that each reports TAKEN while it
// works, the master sees every child busy with datagrams waiting, and starts
// another. The rate is what dgram-flood (a blocking sender) measures for
// kCount datagrams; the assertion is a ratio with margin (3x of an ideal 4x),
// never an absolute speed. Bounded: the flood by its own timeout, the
// children by max_idle and a wait for their exit.
struct WorkRun {
  double seconds = -1;  // dgram-flood's, for the kCount measured datagrams
  SinkTotals totals;
};

TEST_F(RealMaster, WithOneMillisecondOfWorkFourChildrenServeAtLeastThreeTimesWhatOneServes) {
  constexpr long kWarmUp = 400;  // lets the master start its children before the clock runs
  constexpr long kCount = 3000;
  auto serve = [&](const std::string& maxproc) {
    WorkRun run;
    auto postfix = make(maxproc, {"-o", "max_use=0", "-o", "max_idle=1s", "-o", "dgram_sink_work_usec=1000"});
    postfix->start();
    if (flood(postfix->socket_path("sink"), kWarmUp) != 0) return run;
    run.seconds = timed_flood(postfix->socket_path("sink"), kCount, kWarmUp, postfix->log_dir() + "/flood.json");
    // Idle for max_idle, every child exits and writes its summary.
    EXPECT_TRUE(wait_until_no_child(*postfix, "dgram-sink", 30s)) << "maxproc " << maxproc;
    run.totals = read_summaries(postfix->log_dir() + "/summary");
    EXPECT_EQ(run.totals.datagrams, kWarmUp + kCount) << "maxproc " << maxproc;
    EXPECT_TRUE(run.totals.covers_exactly_once(0, kWarmUp + kCount - 1)) << "maxproc " << maxproc;
    expect_master_content(*postfix);
    return run;
  };
  WorkRun one = serve("1");
  WorkRun four = serve("4");
  ASSERT_GT(one.seconds, 0) << "the maxproc 1 flood failed";
  ASSERT_GT(four.seconds, 0) << "the maxproc 4 flood failed";
  double rate_one = kCount / one.seconds, rate_four = kCount / four.seconds;
  const long first = kWarmUp, last = kWarmUp + kCount - 1;  // the measured numbers
  std::printf("1 ms of sleep per datagram, %ld datagrams: maxproc 1 %.0f/s (%ld children served them), "
              "maxproc 4 %.0f/s (%ld children): %.2fx\n",
              kCount, rate_one, one.totals.pids_serving(first, last), rate_four,
              four.totals.pids_serving(first, last), rate_four / rate_one);
  // 1 ms each: one child cannot go faster than 1,000/s, so the work is real.
  EXPECT_LT(rate_one, 1000.0);
  EXPECT_EQ(one.totals.pids_serving(first, last), 1);
  EXPECT_GE(rate_four, 3.0 * rate_one);
  EXPECT_GE(four.totals.pids_serving(first, last), 3) << "children that served the measured flood, maxproc 4";
}

TEST_F(RealMaster, SmallUseLimitMeansManyChildrenAndNothingLost) {
  auto postfix = make("2", {"-o", "max_use=100", "-o", "max_idle=2s"});
  postfix->start();
  constexpr long kCount = 3000;
  ASSERT_EQ(flood(postfix->socket_path("sink"), kCount), 0);
  ASSERT_TRUE(wait_until_no_child(*postfix, "dgram-sink", 60s));
  SinkTotals totals = read_summaries(postfix->log_dir() + "/summary");
  EXPECT_EQ(totals.datagrams, kCount);
  EXPECT_GE(totals.reports, kCount / 100);
  EXPECT_TRUE(totals.covers_exactly_once(0, kCount - 1));
  expect_master_content(*postfix);
}

// dgram-stat --openmetrics -c the instance's configuration, parsed by
// prometheus_client (tests/openmetrics_values.py): each sample by its name
// and labels. Empty when either program failed.
std::map<std::string, double> scrape(const PostfixInstance& postfix, const std::string& service) {
  std::string text = postfix.root() + "/openmetrics.txt";
  std::string values = postfix.root() + "/values.txt";
  if (run_command({program("DGRAM_STAT"), "-c", postfix.config_dir(), "--openmetrics", service}, 30s, text) != 0) {
    return {};
  }
  if (run_command({"/usr/bin/python3", program("OPENMETRICS_VALUES"), text}, 60s, values) != 0) return {};
  std::map<std::string, double> samples;
  std::ifstream in(values);
  std::string line;
  while (std::getline(in, line)) {
    auto space = line.rfind(' ');
    samples[line.substr(0, space)] = std::strtod(line.c_str() + space + 1, nullptr);
  }
  return samples;
}

// The counters of a service whose children come and go (max_use 100,
// maxproc 4): the counter file under data_directory holds every datagram
// that every child served, as the children's own exit lines add up, and a
// real OpenMetrics parser reads dgram-stat's text of it.
TEST_F(RealMaster, CountersAddUpEveryChildThatRanAcrossUseLimitChurn) {
  auto postfix = make("4", {"-o", "max_use=100", "-o", "max_idle=2s", "-o", "dgram_sink_receive_timestamp=yes"});
  postfix->start();
  constexpr long kCount = 4000;
  ASSERT_EQ(flood(postfix->socket_path("sink"), kCount), 0);
  ASSERT_TRUE(wait_until_no_child(*postfix, "dgram-sink", 60s));
  SinkTotals totals = read_summaries(postfix->log_dir() + "/summary");
  ASSERT_EQ(totals.datagrams, kCount);
  ASSERT_TRUE(totals.covers_exactly_once(0, kCount - 1));
  ASSERT_GE(totals.reports, kCount / 100);

  // The file: the service's user may write it, nobody else.
  std::string file = postfix->root() + "/data/dgram-stats/sink";
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0) << file;
  passwd* owner = ::getpwnam("postfix");
  ASSERT_NE(owner, nullptr);
  EXPECT_EQ(st.st_uid, owner->pw_uid);
  EXPECT_EQ(st.st_mode & 07777, 0644u);

  auto samples = scrape(*postfix, "sink");
  ASSERT_FALSE(samples.empty()) << "dgram-stat --openmetrics or its parse failed";
  const std::string sink = "{service=\"sink\"}";
  EXPECT_EQ(samples["dgram_datagrams_total" + sink], kCount);
  EXPECT_EQ(samples["dgram_bytes_total" + sink], kCount * 100.0);
  EXPECT_EQ(samples["dgram_children_started_total" + sink], totals.reports) << "every child that ran";
  EXPECT_EQ(samples["dgram_failed_total" + sink], 0);
  EXPECT_EQ(samples["dgram_truncated_total" + sink], 0);
  EXPECT_EQ(samples["dgram_receive_errors_total" + sink], 0);
  EXPECT_EQ(samples["dgram_dropped_total" + sink], 0);
  EXPECT_GE(samples["dgram_wake_ups_total" + sink], kCount / 100.0) << "max_use 100: at most 100 a wake-up";
  EXPECT_LE(samples["dgram_wake_ups_total" + sink], kCount);
  // Only the datagrams queued before the first child asked for timestamps
  // (the master's wake-up and a queue's worth: qlen at most 512) go untimed.
  double timed = samples["dgram_queue_time_seconds_count" + sink];
  EXPECT_LE(timed, kCount);
  EXPECT_GE(timed, kCount - 513);
  EXPECT_EQ(samples["dgram_queue_time_seconds_bucket{le=\"+Inf\",service=\"sink\"}"], timed);

  // The table says the same, and a file of another kind is refused by name
  // while the others are still shown.
  std::string bogus = postfix->root() + "/data/dgram-stats/bogus";
  std::ofstream(bogus) << std::string(dgram::kCounterFileSize, 'x');
  std::string table = postfix->root() + "/table.txt";
  EXPECT_EQ(run_command({program("DGRAM_STAT"), "-c", postfix->config_dir()}, 30s, table), 1);
  std::ifstream in(table);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("\nsink "), std::string::npos) << text;
  EXPECT_NE(text.find(" " + std::to_string(kCount) + " "), std::string::npos) << text;
  expect_master_content(*postfix);
}

TEST_F(RealMaster, ReloadRetiresOldChildrenAndStartsANewGeneration) {
  auto postfix = make("2", {"-o", "max_use=0", "-o", "max_idle=100s"});
  postfix->start();
  ASSERT_EQ(flood(postfix->socket_path("sink"), 1000, 0), 0);
  auto old_children = wait_for_children(*postfix, "dgram-sink", 10s);
  ASSERT_FALSE(old_children.empty());
  std::string old_generation = environment_value(old_children.front(), "GENERATION");
  ASSERT_FALSE(old_generation.empty()) << "child " << old_children.front() << " is gone already";
  postfix->reload();
  for (pid_t pid : old_children) {
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!process_ended(pid) && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(20ms);
    EXPECT_TRUE(process_ended(pid)) << "old child " << pid << " still runs after the reload";
  }
  ASSERT_EQ(flood(postfix->socket_path("sink"), 1000, 1000), 0);
  auto new_children = wait_for_children(*postfix, "dgram-sink", 10s);
  ASSERT_FALSE(new_children.empty());
  for (pid_t pid : new_children) {
    EXPECT_EQ(std::count(old_children.begin(), old_children.end(), pid), 0);
    EXPECT_NE(environment_value(pid, "GENERATION"), old_generation);
  }
  // Retire the new generation too (another reload), then count everything.
  postfix->reload();
  ASSERT_TRUE(wait_until_no_child(*postfix, "dgram-sink", 20s));
  SinkTotals totals = read_summaries(postfix->log_dir() + "/summary");
  EXPECT_EQ(totals.datagrams, 2000);
  EXPECT_TRUE(totals.covers_exactly_once(0, 1999));
  expect_master_content(*postfix);
}

TEST_F(RealMaster, StoppingTheMasterEndsEveryChild) {
  auto postfix = make("4", {"-o", "max_use=0"});
  postfix->start();
  ASSERT_EQ(flood(postfix->socket_path("sink"), 20000), 0);
  ASSERT_EQ(run_command({"/usr/sbin/postlog", "-c", postfix->config_dir(), "-t", "t", "x"}), 0);
  auto children = wait_for_children(*postfix, "dgram-sink", 10s);
  ASSERT_FALSE(children.empty());
  auto all = postfix->children();
  expect_master_content(*postfix);
  ASSERT_TRUE(postfix->stop(10s));
  auto deadline = std::chrono::steady_clock::now() + 10s;
  for (pid_t pid : all) {
    while (!process_ended(pid) && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(20ms);
    EXPECT_TRUE(process_ended(pid)) << "child " << pid << " outlived the master";
  }
}

TEST_F(RealMaster, UnprivilegedChrootedChildRunsAsMailOwnerInsideTheQueueDirectory) {
  auto postfix = make("1", {}, "y");
  postfix->start();
  ASSERT_EQ(flood(postfix->socket_path("sink"), 10), 0);
  auto children = wait_for_children(*postfix, "dgram-sink", 10s);
  ASSERT_EQ(children.size(), 1u);
  pid_t pid = children.front();
  passwd* pw = ::getpwnam("postfix");
  ASSERT_NE(pw, nullptr);
  std::string uids, gids;
  // The child starts as root and drops privileges itself: wait (bounded)
  // until it has, i.e. until it has served what was sent.
  auto deadline = std::chrono::steady_clock::now() + 10s;
  for (;;) {
    std::istringstream status(testing::read_proc(pid, "status"));
    std::string line;
    while (std::getline(status, line)) {
      if (line.rfind("Uid:", 0) == 0) uids = line;
      if (line.rfind("Gid:", 0) == 0) gids = line;
    }
    if (uids.find("\t0\t") == std::string::npos || std::chrono::steady_clock::now() > deadline) break;
    std::this_thread::sleep_for(20ms);
  }
  std::string u = std::to_string(pw->pw_uid), g = std::to_string(pw->pw_gid);
  EXPECT_EQ(uids, "Uid:\t" + u + "\t" + u + "\t" + u + "\t" + u);
  EXPECT_EQ(gids, "Gid:\t" + g + "\t" + g + "\t" + g + "\t" + g);
  char root[4096] = {};
  ASSERT_GT(::readlink(("/proc/" + std::to_string(pid) + "/root").c_str(), root, sizeof(root) - 1), 0);
  EXPECT_EQ(std::string(root), postfix->queue_dir());
  expect_master_content(*postfix);
}

// trace_has - whether the trace file holds "PID event" (polled up to bound).
bool trace_has(const std::string& path, pid_t pid, const std::string& event, std::chrono::seconds bound) {
  auto deadline = std::chrono::steady_clock::now() + bound;
  std::string wanted = std::to_string(pid) + " " + event;
  for (;;) {
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
      if (line == wanted) return true;
    }
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(10ms);
  }
}

TEST_F(RealMaster, SigtermDuringStartUpIsACleanExitAndTheMasterDoesNotThrottle) {
  std::vector<MasterCfLine> lines{
      {"postlog", "dgram-logd", "1", "-", "n", {}},
      {"trace", "trace-service", "1", "-", "n", {}},
  };
  auto postfix = std::make_unique<PostfixInstance>(lines);
  std::string trace = postfix->log_dir() + "/trace";
  lines[1].arguments = {"-o", "trace_file=" + trace, "-o", "trace_pre_init_nap=60"};
  postfix->write_master_cf(lines);
  postfix->install(program("DGRAM_LOGD"));
  postfix->install(program("DGRAM_TRACE_SERVICE"));
  postfix->start();
  // A datagram makes the master start a child, which takes its time in pre-init.
  ASSERT_EQ(flood(postfix->socket_path("trace"), 1), 0);
  auto first = wait_for_children(*postfix, "trace-service", 10s);
  ASSERT_EQ(first.size(), 1u) << postfix->maillog();
  ASSERT_TRUE(trace_has(trace, first[0], "napping", 10s)) << postfix->maillog();
  ASSERT_EQ(::kill(first[0], SIGTERM), 0);
  // The datagram is still queued, so a master that is not throttling the
  // service starts the next child at once (a throttled one waits a minute).
  auto deadline = std::chrono::steady_clock::now() + 15s;
  std::vector<pid_t> next;
  while (std::chrono::steady_clock::now() < deadline) {
    next = children_named(*postfix, "trace-service");
    next.erase(std::remove(next.begin(), next.end(), first[0]), next.end());
    if (!next.empty()) break;
    std::this_thread::sleep_for(20ms);
  }
  ASSERT_EQ(next.size(), 1u) << postfix->maillog();
  EXPECT_TRUE(trace_has(trace, first[0], "exit", 1s));  // it left through the exit hook
  EXPECT_TRUE(trace_has(trace, next[0], "napping", 10s));
  expect_master_content(*postfix);
  EXPECT_EQ(postfix->maillog().find("terminated on signal"), std::string::npos) << postfix->maillog();
}

}  // namespace
}  // namespace dgram
