// SPDX-License-Identifier: MIT
// server_test - the whole skeleton run in-process on descriptors the test
// owns: this test plays the master (status channel, flow pipe) and the client.
#include "dgram/embedding.h"

#include <fcntl.h>
#include <pty.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <pthread.h>
#include <sys/wait.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <algorithm>
#include <thread>
#include <fstream>
#include <atomic>
#include <functional>
#include <cstddef>
#include <cstring>
#include <span>
#include <system_error>
#include <chrono>
#include <map>
#include <regex>
#include <string>
#include <vector>

#include "dgram/config.h"
#include "serve/lock_file_gate.h"
#include "start/master_protocol.h"
#include "dgram/unique_fd.h"
#include "support/datagram_socket.h"
#include "support/temp_dir.h"
#include "support/pidfds.h"

namespace dgram {
namespace {

using testing::kernel_has_pidfds;
using testing::open_pidfds;
using testing::pidfd_pid;

using testing::DatagramSocket;
using testing::TempDir;

struct Pair {
  UniqueFd ours;
  UniqueFd theirs;
};

Pair stream_pair() {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) < 0) throw_errno("socketpair");
  return {UniqueFd(fds[0]), UniqueFd(fds[1])};
}

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cwd_.reset(::open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    dir_.write_main_cf();
    int pipe_fds[2];
    ASSERT_EQ(::pipe2(pipe_fds, O_CLOEXEC), 0);
    flow_read_.reset(pipe_fds[0]);
    flow_write_.reset(pipe_fds[1]);
    null_.reset(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  }
  void TearDown() override { ASSERT_EQ(::fchdir(cwd_.get()), 0); }

  // Runs the skeleton with the master's usual words plus `words`.
  int run_with(const Service& service, std::vector<std::string> words,
               std::vector<int> listen = {}) {
    Launch launch;
    launch.argv = {"/usr/libexec/test-service"};
    launch.argv.insert(launch.argv.end(), words.begin(), words.end());
    launch.env = env_;
    launch.env.try_emplace("MAIL_CONFIG", dir_.path());
    launch.fds.flow_read = flow_read_.get();
    launch.fds.flow_write = flow_write_.get();
    launch.fds.status = status_.theirs.get();
    launch.fds.listen = listen.empty() ? std::vector<int>{socket_.listen_fd()} : listen;
    launch.fds.terminal_check = terminal_ ? terminal_ : null_.get();
    launch.log_sink = [this](Severity, std::string_view line) { log_.emplace_back(line); };
    return run(service, launch);
  }

  // The records the skeleton wrote, as "T"/"A" letters; checks pid and generation.
  std::string records(unsigned generation = 0) {
    std::string letters;
    StatusRecord record;
    while (::recv(status_.ours.get(), &record, sizeof(record), MSG_DONTWAIT) ==
           static_cast<ssize_t>(sizeof(record))) {
      EXPECT_EQ(record.pid, ::getpid());
      EXPECT_EQ(record.generation, generation);
      letters += record.avail == 1 ? "A" : record.avail == 0 ? "T" : "?";
    }
    return letters;
  }

  bool logged(const std::string& text) const {
    for (const auto& line : log_) {
      if (line.find(text) != std::string::npos) return true;
    }
    return false;
  }

  std::string log_text() const {
    std::string text;
    for (const auto& line : log_) text += line + "\n";
    return text;
  }

  TempDir dir_;
  DatagramSocket socket_{dir_.file("socket")};
  Pair status_ = stream_pair();
  UniqueFd flow_read_;
  UniqueFd flow_write_;
  UniqueFd null_;
  UniqueFd cwd_;
  int terminal_ = 0;
  std::map<std::string, std::string> env_;
  std::vector<std::string> log_;
};

// Writes "+" for acquire() and "-" for release(), also from the hand-off's
// signal handler: the trace's capacity is reserved, so that appending there
// allocates nothing.
class CountingGate final : public Gate {
 public:
  explicit CountingGate(std::string* trace) : trace_(trace) { trace_->reserve(1 << 16); }
  bool acquire() override {
    *trace_ += "+";
    return true;
  }
  void release() override { *trace_ += "-"; }
  int release_in_signal_handler() noexcept override {
    if (trace_->size() < trace_->capacity()) trace_->push_back('-');
    return 0;
  }

 private:
  std::string* trace_;
};

// A service whose hooks and service calls are written down in order.
struct Recorder {
  std::vector<std::string> calls;
  std::vector<std::string> data;
  Service service() {
    Service s;
    s.on_datagram = [this](const Datagram& d, Context&) {
      calls.push_back("service");
      data.emplace_back(d.data);
    };
    s.hooks.pre_init = [this](Context&) { calls.push_back("pre_init"); };
    s.hooks.post_init = [this](Context&) { calls.push_back("post_init"); };
    s.hooks.loop = [this](Context&) {
      calls.push_back("loop");
      return -1;
    };
    s.hooks.pre_accept = [this](Context&) { calls.push_back("pre_accept"); };
    s.hooks.on_exit = [this](Context&) { calls.push_back("exit"); };
    return s;
  }
  int count(const std::string& name) const {
    int n = 0;
    for (const auto& c : calls) n += c == name;
    return n;
  }
};

const std::vector<std::string> kCompatible{"-o", "dgram_postfix_compatible=yes"};

std::vector<std::string> operator+(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

TEST_F(ServerTest, HooksRunInTheSeedsOrder) {
  Recorder recorder;
  socket_.send("one");
  socket_.send("two");
  ASSERT_EQ(run_with(recorder.service(), std::vector<std::string>{"-l", "-t", "unix-dgram", "-m", "2"} + kCompatible), 0) << log_text();
  std::vector<std::string> expected{"pre_init", "post_init", "loop", "pre_accept", "service",
                                    "loop", "pre_accept", "service", "exit"};
  EXPECT_EQ(recorder.calls, expected);
  EXPECT_EQ(recorder.data, (std::vector<std::string>{"one", "two"}));
}

TEST_F(ServerTest, ABatchIsServedInOneTurnInArrivalOrder) {
  Recorder recorder;
  for (const char* d : {"one", "two", "three"}) socket_.send(d);
  ASSERT_EQ(run_with(recorder.service(), {"-l", "-t", "unix-dgram", "-m", "3"}), 0) << log_text();
  std::vector<std::string> expected{"pre_init", "post_init", "loop", "pre_accept", "service",
                                    "service", "service", "exit"};
  EXPECT_EQ(recorder.calls, expected);
  EXPECT_EQ(recorder.data, (std::vector<std::string>{"one", "two", "three"}));
}

TEST_F(ServerTest, ReportsTakenBeforeAndAvailAfterEachRequestWithGeneration) {
  Recorder recorder;
  env_["GENERATION"] = "17";
  for (int i = 0; i < 3; ++i) socket_.send("x");
  ASSERT_EQ(run_with(recorder.service(), std::vector<std::string>{"-l", "-t", "unix-dgram", "-m", "3"} + kCompatible), 0);
  EXPECT_EQ(records(017), "TATATA");
}

TEST_F(ServerTest, ReportsTakenAndAvailOncePerBatchWhenSharingTheSocket) {
  Recorder recorder;
  Service service = recorder.service();
  std::string gate_trace;
  service.gate = [&](const std::string&) { return std::make_unique<CountingGate>(&gate_trace); };
  env_["GENERATION"] = "5";
  for (int i = 0; i < 3; ++i) socket_.send("x");
  ASSERT_EQ(run_with(service, {"-n", "svc", "-t", "unix-dgram", "-m", "3", "-o", "dgram_busy_after_usec=0"}), 0);
  EXPECT_EQ(records(5), "TA");
  EXPECT_EQ(recorder.count("service"), 3);
}

TEST_F(ServerTest, SharingTheSocketByDefaultShortTurnsKeepTheGateAndReportNothing) {
  Recorder recorder;
  Service service = recorder.service();
  std::string gate_trace;
  service.gate = [&](const std::string&) { return std::make_unique<CountingGate>(&gate_trace); };
  for (int i = 0; i < 3; ++i) socket_.send("x");
  ASSERT_EQ(run_with(service, {"-n", "svc", "-t", "unix-dgram", "-m", "3", "-o", "dgram_receive_batch=1"}), 0);
  EXPECT_EQ(recorder.count("service"), 3);
  EXPECT_EQ(records(), "");     // three turns well under 1 ms: none busy
  EXPECT_EQ(gate_trace, "+-");  // taken once, given back at exit
}

// dgram_busy_after_usec (1000 by default): a child whose turns stay short keeps the
// gate across wake-ups and reports nothing; the master has nothing to do.
TEST_F(ServerTest, WithABusyThresholdShortTurnsKeepTheGateAndReportNothing) {
  Recorder recorder;
  Service service = recorder.service();
  std::string gate_trace;
  service.gate = [&](const std::string&) { return std::make_unique<CountingGate>(&gate_trace); };
  for (int i = 0; i < 3; ++i) socket_.send("x");
  ASSERT_EQ(run_with(service, {"-t", "unix-dgram", "-m", "3", "-o", "dgram_receive_batch=1", "-o",
                               "dgram_busy_after_usec=1000000"}),
            0);
  EXPECT_EQ(recorder.count("service"), 3);
  EXPECT_EQ(records(), "");      // three turns, none busy
  EXPECT_EQ(gate_trace, "+-");   // taken once, given back at exit
}

// A datagram that takes longer than the threshold makes its turn busy: the
// gate goes to a sibling and TAKEN goes out while the rest of the batch is
// served; then AVAIL. The next turn, with datagrams known to be slow, is
// Postfix's: gate released first, one datagram, TAKEN and AVAIL around it.
TEST_F(ServerTest, WithABusyThresholdASlowDatagramHandsTheGateOnMidBatch) {
  Recorder recorder;
  Service service = recorder.service();
  std::string gate_trace;
  service.gate = [&](const std::string&) { return std::make_unique<CountingGate>(&gate_trace); };
  auto record = service.on_datagram;
  service.on_datagram = [&](const Datagram& d, Context& context) {
    record(d, context);
    // 3 ms, three times the threshold (nanosleep returns early on a signal).
    auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(3);
    while (std::chrono::steady_clock::now() < until) {
      timespec nap{0, 100 * 1000};
      ::nanosleep(&nap, nullptr);
    }
  };
  int loops = 0;
  service.hooks.loop = [&](Context&) {
    if (++loops == 2) {  // more traffic once the first wake-up is done
      socket_.send("late1");
      socket_.send("late2");
    }
    return -1;
  };
  for (int i = 0; i < 3; ++i) socket_.send("x");
  ASSERT_EQ(run_with(service, {"-t", "unix-dgram", "-m", "5", "-o", "dgram_busy_after_usec=1000"}), 0);
  EXPECT_EQ(recorder.count("service"), 5);
  // Wake-up 1: three datagrams, busy during the first; wake-ups 2 and 3: one each.
  EXPECT_EQ(records(), "TATATA");
  EXPECT_EQ(gate_trace, "+-+-+-");
}

// One callback that runs long must not keep the gate: the hand-off timer's
// signal handler, on the loop's thread, gives it up and tells the master
// TAKEN while the callback still runs (a sibling can serve meanwhile);
// AVAIL follows when it returns.
TEST_F(ServerTest, WithABusyThresholdOneLongCallbackHandsTheGateOnWhileItRuns) {
  Recorder recorder;
  Service service = recorder.service();
  std::string gate_trace;
  service.gate = [&](const std::string&) { return std::make_unique<CountingGate>(&gate_trace); };
  bool taken_seen_inside = false;
  service.on_datagram = [&](const Datagram&, Context&) {
    // Up to 2 s, looking at the master's end for the TAKEN record.
    for (int i = 0; i < 2000 && !taken_seen_inside; ++i) {
      StatusRecord record;
      if (::recv(status_.ours.get(), &record, sizeof(record), MSG_PEEK | MSG_DONTWAIT) ==
          static_cast<ssize_t>(sizeof(record))) {
        taken_seen_inside = record.avail == 0;
        break;
      }
      timespec nap{0, 1000 * 1000};
      ::nanosleep(&nap, nullptr);
    }
  };
  socket_.send("long");
  ASSERT_EQ(run_with(service, {"-t", "unix-dgram", "-m", "1", "-o", "dgram_busy_after_usec=2000"}), 0)
      << log_text();
  EXPECT_TRUE(taken_seen_inside);
  EXPECT_EQ(records(), "TA");
  EXPECT_EQ(gate_trace, "+-");
}

TEST_F(ServerTest, NoStatusReportsWithProcessLimitOne) {
  // The master cannot start a second child for a maxproc 1 service, so the
  // reports could not change what it does; they are left out.
  Recorder recorder;
  for (int i = 0; i < 3; ++i) socket_.send("x");
  ASSERT_EQ(run_with(recorder.service(), {"-l", "-t", "unix-dgram", "-m", "3"}), 0);
  EXPECT_EQ(records(), "");
  EXPECT_EQ(recorder.count("service"), 3);
}

TEST_F(ServerTest, ALoneDatagramIsServedAtOnceWithoutWaitingToFillABatch) {
  Recorder recorder;
  socket_.send("alone");
  // No use limit and a 64-datagram batch: the lone datagram is served in the
  // first turn; the idle limit ends the process afterwards.
  ASSERT_EQ(run_with(recorder.service(), {"-l", "-t", "unix-dgram", "-i", "1"}), 0);
  std::vector<std::string> expected{"pre_init", "post_init", "loop", "pre_accept", "service", "loop", "exit"};
  EXPECT_EQ(recorder.calls, expected);
}

// Every exit path: whatever was read from the socket was served, whatever
// was not is still queued, and the exit hook ran once.
struct ExitPathCase {
  const char* name;
  std::vector<std::string> words;
  bool close_master;
  bool raise_sigterm;
  int expect_served;  // -1: any number, as long as nothing read is lost
};

class NothingLost : public ServerTest, public ::testing::WithParamInterface<ExitPathCase> {};

TEST_P(NothingLost, OnEveryExitPath) {
  Recorder recorder;
  Service service = recorder.service();
  std::string gate_trace;
  service.gate = [&](const std::string&) { return std::make_unique<CountingGate>(&gate_trace); };
  if (GetParam().raise_sigterm) {
    service.hooks.loop = [&](Context&) {
      recorder.calls.push_back("loop");
      ::raise(SIGTERM);
      return -1;
    };
  }
  if (GetParam().close_master) status_.ours.reset();
  for (int i = 0; i < 7; ++i) socket_.send("d" + std::to_string(i));
  ASSERT_EQ(run_with(service, GetParam().words), 0) << log_text();
  int served = recorder.count("service");
  EXPECT_EQ(served + socket_.drain(), 7);
  if (GetParam().expect_served >= 0) {
    EXPECT_EQ(served, GetParam().expect_served);
  }
  EXPECT_EQ(recorder.count("exit"), 1);
  // Served in order: what was served is a prefix of what was sent.
  for (int i = 0; i < served; ++i) EXPECT_EQ(recorder.data[static_cast<std::size_t>(i)], "d" + std::to_string(i));
}

INSTANTIATE_TEST_SUITE_P(
    Table, NothingLost,
    ::testing::Values(
        ExitPathCase{"use limit", {"-n", "s", "-t", "unix-dgram", "-m", "5", "-o", "dgram_receive_batch=3"}, false, false, 5},
        ExitPathCase{"master gone", {"-n", "s", "-t", "unix-dgram"}, true, false, -1},
        ExitPathCase{"sigterm", {"-n", "s", "-t", "unix-dgram"}, false, true, -1},
        ExitPathCase{"idle", {"-n", "s", "-t", "unix-dgram", "-i", "1", "-o", "dgram_receive_batch=2"}, false, false, 7}),
    [](const ::testing::TestParamInfo<ExitPathCase>& info) {
      std::string name = info.param.name;
      for (char& c : name) if (c == ' ') c = '_';
      return name;
    });

TEST_F(ServerTest, BatchSizeIsBoundedByDgramReceiveBatch) {
  std::vector<std::size_t> sizes;
  Service service;
  service.on_batch = [&](std::span<const Datagram> batch, Context&) { sizes.push_back(batch.size()); };
  for (int i = 0; i < 5; ++i) socket_.send("x");
  ASSERT_EQ(run_with(service, {"-l", "-t", "unix-dgram", "-m", "5", "-o", "dgram_receive_batch=2"}), 0);
  // 5 datagrams in receives of at most 2.
  EXPECT_EQ(sizes, (std::vector<std::size_t>{2, 2, 1}));
}

TEST_F(ServerTest, UseLimitServesExactlyThatMany) {
  Recorder recorder;
  for (int i = 0; i < 5; ++i) socket_.send(std::to_string(i));
  ASSERT_EQ(run_with(recorder.service(), {"-l", "-t", "unix-dgram", "-m", "3"}), 0);
  EXPECT_EQ(recorder.count("service"), 3);
  EXPECT_EQ(recorder.count("exit"), 1);
  EXPECT_EQ(socket_.drain(), 2);
}

TEST_F(ServerTest, UseLimitFromMainCfAndCommandLineOverride) {
  dir_.write_main_cf("max_use = 1\n");
  Recorder recorder;
  for (int i = 0; i < 4; ++i) socket_.send("x");
  ASSERT_EQ(run_with(recorder.service(), {"-l", "-t", "unix-dgram"}), 0);
  EXPECT_EQ(recorder.count("service"), 1);
  ASSERT_EQ(run_with(recorder.service(), {"-l", "-t", "unix-dgram", "-o", "max_use=2"}), 0);
  EXPECT_EQ(recorder.count("service"), 3);
}

TEST_F(ServerTest, MainCfWarningsAreLogged) {
  dir_.write("main.cf", "  stray continuation at the top\nqueue_directory = " + dir_.path() + "\ndata_directory = " + dir_.path() + "\nmax_use = 1\n");
  Recorder recorder;
  socket_.send("x");
  ASSERT_EQ(run_with(recorder.service(), {"-l", "-t", "unix-dgram"}), 0) << log_text();
  bool warned = false;
  for (const auto& line : log_) warned = warned || line.find("warning: ") != std::string::npos;
  EXPECT_TRUE(warned) << log_text();
}

TEST_F(ServerTest, IdleLimitEndsCleanlyWithExitHookOnce) {
  Recorder recorder;
  auto start = std::chrono::steady_clock::now();
  ASSERT_EQ(run_with(recorder.service(), {"-l", "-t", "unix-dgram", "-i", "1"}), 0);
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(900));
  EXPECT_EQ(recorder.count("exit"), 1);
  EXPECT_EQ(recorder.count("service"), 0);
}

TEST_F(ServerTest, IdleTimerIsReArmedAfterEachRequest) {
  // The loop hook sends the next datagram, 600 ms apart, four times: with a
  // 1 s idle limit the process lives past 2 s only if each request re-arms it.
  Recorder recorder;
  Service service = recorder.service();
  int sent = 0;
  service.hooks.loop = [&](Context&) {
    if (sent < 4) {
      ::usleep(600 * 1000);
      socket_.send("tick");
      ++sent;
    }
    return -1;
  };
  ASSERT_EQ(run_with(service, {"-l", "-t", "unix-dgram", "-i", "1"}), 0);
  EXPECT_EQ(recorder.count("service"), 4);
  EXPECT_EQ(recorder.count("exit"), 1);
}

TEST_F(ServerTest, MasterGoneEndsCleanlyWithExitHookOnce) {
  Recorder recorder;
  status_.ours.reset();
  ASSERT_EQ(run_with(recorder.service(), {"-l", "-t", "unix-dgram"}), 0);
  EXPECT_EQ(recorder.count("exit"), 1);
  EXPECT_EQ(recorder.count("service"), 0);
}

TEST_F(ServerTest, SigtermEndsCleanlyWithExitHookOnce) {
  Recorder recorder;
  Service service = recorder.service();
  service.hooks.loop = [](Context&) {
    ::raise(SIGTERM);  // delivered to the loop's signal event
    return -1;
  };
  ASSERT_EQ(run_with(service, {"-l", "-t", "unix-dgram"}), 0) << log_text();
  EXPECT_EQ(recorder.count("exit"), 1);
}

TEST_F(ServerTest, FailedAvailWriteEndsAfterServingTheRequest) {
  Recorder recorder;
  for (int i = 0; i < 3; ++i) socket_.send("x");
  // The master stops reading: writes fail with EPIPE, nothing becomes readable.
  ASSERT_EQ(::shutdown(status_.ours.get(), SHUT_RD), 0);
  ASSERT_EQ(run_with(recorder.service(), std::vector<std::string>{"-l", "-t", "unix-dgram"} + kCompatible), 0);
  EXPECT_EQ(recorder.count("service"), 1);
  EXPECT_EQ(recorder.count("exit"), 1);
  EXPECT_EQ(socket_.drain(), 2);
}

TEST_F(ServerTest, FailedAvailWriteEndsAfterServingTheWholeBatch) {
  Recorder recorder;
  Service service = recorder.service();
  std::string gate_trace;
  service.gate = [&](const std::string&) { return std::make_unique<CountingGate>(&gate_trace); };
  for (int i = 0; i < 3; ++i) socket_.send("x");
  ASSERT_EQ(::shutdown(status_.ours.get(), SHUT_RD), 0);
  // Every turn reports (a default turn this short would report nothing).
  ASSERT_EQ(run_with(service, {"-n", "svc", "-t", "unix-dgram", "-o", "dgram_busy_after_usec=0"}), 0);
  EXPECT_EQ(recorder.count("service"), 3);  // nothing read is lost
  EXPECT_EQ(recorder.count("exit"), 1);
}

TEST_F(ServerTest, TruncatedDatagramIsFlaggedAndLoggedWithItsLength) {
  Recorder recorder;
  Service service = recorder.service();
  Datagram seen{};
  service.on_datagram = [&](const Datagram& d, Context&) { seen = d; };
  socket_.send(std::string(5000, 'a'));
  ASSERT_EQ(run_with(service, {"-l", "-t", "unix-dgram", "-m", "1"}), 0);
  EXPECT_TRUE(seen.truncated);
  EXPECT_EQ(seen.data.size(), 4096u);
  EXPECT_EQ(seen.length, 5000u);
  EXPECT_TRUE(logged("datagram of 5000 bytes truncated to the 4096-byte receive buffer"))
      << log_text();
}

TEST_F(ServerTest, ZeroLengthDatagramIsDelivered) {
  Service service;
  int calls = 0;
  std::size_t size = 99;
  service.on_datagram = [&](const Datagram& d, Context&) {
    ++calls;
    size = d.data.size();
    EXPECT_FALSE(d.truncated);
  };
  socket_.send("");
  ASSERT_EQ(run_with(service, {"-l", "-t", "unix-dgram", "-m", "1"}), 0);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(size, 0u);
}

TEST_F(ServerTest, LargestReceiveBufferKeepsA64KiBDatagramWhole) {
  Service service;
  service.receive_buffer = kMaxReceiveBuffer;
  std::string payload(kMaxReceiveBuffer, 'z');
  payload[0] = 'A';
  payload.back() = 'Z';
  std::string seen;
  bool truncated = true;
  service.on_datagram = [&](const Datagram& d, Context&) {
    seen = d.data;
    truncated = d.truncated;
  };
  socket_.send(payload);
  ASSERT_EQ(run_with(service, {"-l", "-t", "unix-dgram", "-m", "1"}), 0) << log_text();
  EXPECT_FALSE(truncated);
  EXPECT_EQ(seen, payload);
}

TEST_F(ServerTest, ReceiveBufferOutOfRangeIsFatal) {
  Service service;
  service.on_datagram = [](const Datagram&, Context&) {};
  service.receive_buffer = kMaxReceiveBuffer + 1;
  EXPECT_EQ(run_with(service, {"-l", "-t", "unix-dgram"}), 1);
  EXPECT_TRUE(logged("receive buffer of 65537 bytes is not in 1..65536")) << log_text();
}

TEST_F(ServerTest, SocketFormHandsTheReadableSocketToTheService) {
  Service service;
  std::string seen;
  std::size_t allowed = 0;
  service.on_socket = [&](const SocketReady& ready, Context&) -> std::size_t {
    allowed = ready.max_datagrams;
    std::string buffer(20000, '\0');
    ssize_t n = ::recv(ready.fd, buffer.data(), buffer.size(), MSG_DONTWAIT);
    if (n < 0) return 0;
    seen.assign(buffer.data(), static_cast<std::size_t>(n));
    return 1;
  };
  std::string record(10000, 'r');
  socket_.send(record);
  ASSERT_EQ(run_with(service, {"-l", "-t", "unix-dgram", "-m", "1"}), 0);
  EXPECT_EQ(seen, record);
  EXPECT_EQ(allowed, 1u);  // the use limit leaves one
}

TEST_F(ServerTest, ServesEveryListenSocket) {
  DatagramSocket second(dir_.file("socket2"));
  Recorder recorder;
  socket_.send("first");
  second.send("second");
  ASSERT_EQ(run_with(recorder.service(), {"-l", "-t", "unix-dgram", "-s", "2", "-m", "2"},
                     {socket_.listen_fd(), second.listen_fd()}),
            0);
  std::sort(recorder.data.begin(), recorder.data.end());
  EXPECT_EQ(recorder.data, (std::vector<std::string>{"first", "second"}));
}

// Both sockets readable in one wait, every wake-up busy: the first wake-up
// gives the gate up, so the second socket waits for this child's next turn
// with the gate held; no wake-up receives without it.
TEST_F(ServerTest, TwoReadableSocketsAreEachServedWithTheGateHeld) {
  DatagramSocket second(dir_.file("socket2"));
  Recorder recorder;
  Service service = recorder.service();
  std::string gate_trace;
  service.gate = [&](const std::string&) { return std::make_unique<CountingGate>(&gate_trace); };
  socket_.send("first");
  second.send("second");
  ASSERT_EQ(run_with(service, {"-n", "shared", "-t", "unix-dgram", "-s", "2", "-m", "2", "-o",
                               "dgram_busy_after_usec=0"},
                     {socket_.listen_fd(), second.listen_fd()}),
            0)
      << log_text();
  std::sort(recorder.data.begin(), recorder.data.end());
  EXPECT_EQ(recorder.data, (std::vector<std::string>{"first", "second"}));
  EXPECT_EQ(gate_trace, "+-+-");
  EXPECT_EQ(records(), "TATA");
}

TEST_F(ServerTest, LoopHookDelayWakesTheLoopWithoutEvents) {
  Recorder recorder;
  Service service = recorder.service();
  int loops = 0;
  service.hooks.loop = [&](Context&) {
    ++loops;
    if (loops == 5) socket_.send("done");
    return loops < 5 ? 0 : -1;
  };
  ASSERT_EQ(run_with(service, {"-l", "-t", "unix-dgram", "-m", "1"}), 0);
  EXPECT_EQ(loops, 5);
  EXPECT_EQ(recorder.count("service"), 1);
}

// A std::chrono wait is kept to the millisecond: three 30 ms waits are
// neither polls nor rounded up to seconds.
TEST_F(ServerTest, LoopHookChronoDelayIsKeptToTheMillisecond) {
  Recorder recorder;
  Service service = recorder.service();
  int loops = 0;
  std::chrono::steady_clock::time_point first;
  std::chrono::steady_clock::duration waited{};
  service.hooks.loop = [&](Context&) -> LoopWait {
    if (++loops == 1) first = std::chrono::steady_clock::now();
    if (loops < 4) return std::chrono::milliseconds(30);
    waited = std::chrono::steady_clock::now() - first;
    socket_.send("done");
    return LoopWait::forever();
  };
  ASSERT_EQ(run_with(service, {"-l", "-t", "unix-dgram", "-m", "1"}), 0) << log_text();
  EXPECT_EQ(loops, 4);
  EXPECT_GE(waited, std::chrono::milliseconds(85));
  EXPECT_LT(waited, std::chrono::milliseconds(2500));
  EXPECT_EQ(recorder.count("service"), 1);
}

TEST_F(ServerTest, WatchdogTimeoutSetsTheLimitAndWinsOverWatchdogSeconds) {
  Recorder recorder;
  Service service = recorder.service();
  service.flags.watchdog_seconds = 100;
  service.flags.watchdog_timeout = std::chrono::seconds(0);
  EXPECT_EQ(run_with(service, {"-l", "-t", "unix-dgram"}), 1);
  EXPECT_TRUE(logged("invalid watchdog timeout: 0")) << log_text();
}

TEST_F(ServerTest, AWatchdogTimeoutBeyondAnIntIsTheLongestNotAWrappedOne) {
  Recorder recorder;
  Service service = recorder.service();
  service.flags.watchdog_timeout = std::chrono::seconds(1LL << 32);  // as an int: 0
  socket_.send("x");
  EXPECT_EQ(run_with(service, {"-l", "-t", "unix-dgram", "-m", "1"}), 0) << log_text();
  EXPECT_EQ(recorder.count("service"), 1);
}

TEST_F(ServerTest, ProtocolDescriptorsAreCloseOnExec) {
  Recorder recorder;
  socket_.send("x");
  for (int fd : {socket_.listen_fd(), status_.theirs.get(), flow_read_.get(), flow_write_.get()}) {
    ASSERT_EQ(::fcntl(fd, F_SETFD, 0), 0);
  }
  ASSERT_EQ(run_with(recorder.service(), {"-l", "-t", "unix-dgram", "-m", "1"}), 0);
  for (int fd : {socket_.listen_fd(), status_.theirs.get(), flow_read_.get(), flow_write_.get()}) {
    EXPECT_TRUE(::fcntl(fd, F_GETFD) & FD_CLOEXEC) << "fd " << fd;
  }
}


TEST_F(ServerTest, GateIsAcquiredBeforeEachWaitAndReleasedOnArrival) {
  Recorder recorder;
  Service service = recorder.service();
  std::string trace;
  std::string path;
  service.gate = [&](const std::string& lock_path) {
    path = lock_path;
    return std::make_unique<CountingGate>(&trace);
  };
  service.hooks.pre_accept = [&](Context&) { trace += "a"; };
  socket_.send("x");
  socket_.send("y");
  ASSERT_EQ(run_with(service, std::vector<std::string>{"-n", "svc", "-t", "unix-dgram", "-m", "2"} + kCompatible), 0);
  EXPECT_EQ(path, dir_.path() + "/pid/unix-dgram.svc");
  // acquire, arrival (release, pre-accept), twice; the use limit then ends
  // the loop without taking the gate again.
  EXPECT_EQ(trace, "+-a+-a");
}

TEST_F(ServerTest, GateHeldAtAnIdleExitIsReleased) {
  Recorder recorder;
  Service service = recorder.service();
  std::string trace;
  service.gate = [&](const std::string&) { return std::make_unique<CountingGate>(&trace); };
  ASSERT_EQ(run_with(service, {"-n", "svc", "-t", "unix-dgram", "-i", "1"}), 0);
  EXPECT_EQ(trace, "+-");
}

TEST_F(ServerTest, NoGateWithProcessLimitOne) {
  Recorder recorder;
  Service service = recorder.service();
  bool made = false;
  service.gate = [&](const std::string& lock_path) {
    made = true;
    return std::make_unique<LockFileGate>(lock_path);
  };
  socket_.send("x");
  ASSERT_EQ(run_with(service, {"-l", "-t", "unix-dgram", "-m", "1"}), 0);
  EXPECT_FALSE(made);
}

TEST_F(ServerTest, DefaultGateIsTheLockFile) {
  Recorder recorder;
  socket_.send("x");
  ASSERT_EQ(run_with(recorder.service(), {"-n", "svc", "-t", "unix-dgram", "-m", "1"}), 0)
      << log_text();
  struct stat st {};
  ASSERT_EQ(::stat(dir_.file("pid/unix-dgram.svc").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
}

// Draining (dgram_direct_receive): after serving what it received, a
// wake-up receives again until it finds the socket empty, so datagrams that
// keep arriving are served without a wait in the event loop for each.
// ChainService serves datagram N by queueing N+1 (up to `last`), so the next
// one is always waiting when a batch has been served; its pre_accept counts
// the wake-ups, and each callback checks that the listen socket's file
// flags and receive timeout are what they were (the skeleton never changes
// a socket the master and every sibling share).
struct ChainService {
  ChainService(const DatagramSocket* to, int until) : socket(to), last(until) {
    flags = ::fcntl(socket->listen_fd(), F_GETFL);
    socklen_t length = sizeof(timeout);
    ::getsockopt(socket->listen_fd(), SOL_SOCKET, SO_RCVTIMEO, &timeout, &length);
  }
  const DatagramSocket* socket;
  int last;
  int served = 0;
  int wake_ups = 0;
  int socket_changed = 0;  // callbacks that found the socket's state changed
  int flags = 0;
  timeval timeout{};
  std::function<void(int)> after;  // called with the count served so far
  std::vector<int> order;

  // The same, sharing the socket: the gate is a CountingGate writing to trace.
  Service shared_service(std::string* trace) {
    Service s = service();
    s.gate = [trace](const std::string&) { return std::make_unique<CountingGate>(trace); };
    return s;
  }
  // Every datagram, 0 to last - 1, was served once and in order.
  void expect_served_in_order() const {
    ASSERT_EQ(served, last);
    for (int i = 0; i < last; ++i) ASSERT_EQ(order[static_cast<std::size_t>(i)], i);
  }
  bool socket_as_it_was(int fd) const {
    timeval now{};
    socklen_t length = sizeof(now);
    return ::fcntl(fd, F_GETFL) == flags &&
           ::getsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &now, &length) == 0 &&
           now.tv_sec == timeout.tv_sec && now.tv_usec == timeout.tv_usec;
  }

  Service service() {
    Service s;
    s.on_datagram = [this](const Datagram& d, Context&) {
      if (!socket_as_it_was(d.socket_fd)) ++socket_changed;
      order.push_back(std::stoi(std::string(d.data)));
      ++served;
      if (served < last) socket->send(std::to_string(served));
      if (after) after(served);
    };
    s.hooks.pre_accept = [this](Context&) { ++wake_ups; };
    return s;
  }
};

// The master's listen socket is non-blocking; these tests make theirs so too.
void make_non_blocking(int fd) {
  int flags = ::fcntl(fd, F_GETFL);
  ASSERT_GE(flags, 0);
  ASSERT_EQ(::fcntl(fd, F_SETFL, flags | O_NONBLOCK), 0);
}

TEST_F(ServerTest, AloneOnItsSocketAWakeUpDrainsWhatKeepsArriving) {
  make_non_blocking(socket_.listen_fd());
  ChainService chain{&socket_, 500};
  socket_.send("0");
  ASSERT_EQ(run_with(chain.service(), {"-l", "-t", "unix-dgram", "-m", "500"}), 0) << log_text();
  ASSERT_NO_FATAL_FAILURE(chain.expect_served_in_order());
  // A wake-up drains for up to 10 ms: far fewer wake-ups than datagrams.
  EXPECT_GE(chain.wake_ups, 1);
  EXPECT_LT(chain.wake_ups, 100);
  EXPECT_EQ(chain.socket_changed, 0);
  EXPECT_TRUE(chain.socket_as_it_was(socket_.listen_fd()));
  EXPECT_EQ(records(), "");
}

// Sharing the socket, a child that keeps up keeps the gate and reports
// nothing while it drains. (The threshold is far above any streak here.)
TEST_F(ServerTest, SharingTheSocketAWakeUpThatKeepsUpKeepsTheGateAndSaysNothing) {
  make_non_blocking(socket_.listen_fd());
  ChainService chain{&socket_, 500};
  std::string gate_trace;
  Service service = chain.shared_service(&gate_trace);
  socket_.send("0");
  ASSERT_EQ(run_with(service, {"-n", "shared", "-t", "unix-dgram", "-m", "500", "-o",
                               "dgram_busy_after_usec=5000000"}),
            0)
      << log_text();
  ASSERT_NO_FATAL_FAILURE(chain.expect_served_in_order());
  EXPECT_LT(chain.wake_ups, 100);
  EXPECT_EQ(gate_trace, "+-");  // taken once, given back at exit
  EXPECT_EQ(records(), "");     // no streak was busy: the master heard nothing
  EXPECT_EQ(chain.socket_changed, 0);
}

// A child that never finds its socket empty is behind, however short each
// datagram: after the threshold (1 ms by default) its wake-up is busy, the
// gate goes to a sibling and the master hears TAKEN; it drains on without
// the gate until the drain's span ends, says AVAIL and takes the gate again.
// Whatever the machine's pace, every datagram is served once, in order, and
// each busy wake-up gave the gate up once and said TAKEN, AVAIL.
TEST_F(ServerTest, AChildThatNeverFindsItsSocketEmptyTellsTheMasterItIsBusy) {
  ChainService chain{&socket_, 20000};
  std::string gate_trace;
  Service service = chain.shared_service(&gate_trace);
  socket_.send("0");
  ASSERT_EQ(run_with(service, {"-n", "shared", "-t", "unix-dgram", "-m", "20000"}), 0) << log_text();
  ASSERT_NO_FATAL_FAILURE(chain.expect_served_in_order());
  std::string reports = records();
  EXPECT_TRUE(std::regex_match(reports, std::regex("(TA)+"))) << reports;
  EXPECT_TRUE(std::regex_match(gate_trace, std::regex("(\\+-)+"))) << gate_trace;
  // One acquire and release per busy wake-up, and one more when the last wake-up was quiet.
  EXPECT_TRUE(gate_trace.size() == reports.size() || gate_trace.size() == reports.size() + 2)
      << gate_trace.size() << " gate calls, " << reports.size() << " reports";
}

// One callback that runs long while the child drains with the gate held is
// handed on during the callback, from the hand-off timer's signal handler on
// the loop's own thread: the gate is given up and TAKEN said while the
// callback still runs; AVAIL follows when the wake-up ends, and the child
// takes the gate again.
TEST_F(ServerTest, ALongCallbackInADrainingWakeUpHandsTheGateOnWhileItRuns) {
  ChainService chain{&socket_, 300};
  std::string gate_trace;
  Service service = chain.shared_service(&gate_trace);
  std::string trace_inside;
  bool taken_inside = false;
  chain.after = [&](int served) {
    if (served != 100) return;
    // 300 ms, six times the threshold (nanosleep returns early on a signal).
    auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(300);
    while (std::chrono::steady_clock::now() < until) {
      timespec nap{0, 1000 * 1000};
      ::nanosleep(&nap, nullptr);
    }
    trace_inside = gate_trace;
    StatusRecord record;
    taken_inside = ::recv(status_.ours.get(), &record, sizeof(record), MSG_PEEK | MSG_DONTWAIT) ==
                       static_cast<ssize_t>(sizeof(record)) &&
                   record.avail == 0;
  };
  socket_.send("0");
  ASSERT_EQ(run_with(service, {"-n", "shared", "-t", "unix-dgram", "-m", "300", "-o",
                               "dgram_busy_after_usec=50000"}),
            0)
      << log_text();
  ASSERT_NO_FATAL_FAILURE(chain.expect_served_in_order());
  ASSERT_FALSE(trace_inside.empty());
  EXPECT_EQ(trace_inside.back(), '-') << "the gate was not handed on during the long callback: " << trace_inside;
  EXPECT_TRUE(taken_inside) << "no TAKEN during the long callback";
  std::string reports = records();
  EXPECT_TRUE(std::regex_match(reports, std::regex("(TA)+"))) << reports;
  EXPECT_TRUE(std::regex_match(gate_trace, std::regex("(\\+-){2,}"))) << gate_trace;
}

TEST_F(ServerTest, OneReceivePerWakeUpWhereDrainingIsOffOrEveryWakeUpIsBusy) {
  struct Case {
    const char* what;
    std::vector<std::string> words;
  };
  const std::vector<Case> cases{
      {"dgram_direct_receive = no", {"-l", "-t", "unix-dgram", "-o", "dgram_direct_receive=no"}},
      {"Postfix-compatible", {"-l", "-t", "unix-dgram", "-o", "dgram_postfix_compatible=yes"}},
      {"sharing the socket, every wake-up busy (gate released, TAKEN/AVAIL)",
       {"-n", "shared", "-t", "unix-dgram", "-o", "dgram_busy_after_usec=0"}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    ChainService chain{&socket_, 50};
    socket_.send("0");
    ASSERT_EQ(run_with(chain.service(), c.words + std::vector<std::string>{"-m", "50"}), 0) << log_text();
    EXPECT_EQ(chain.served, 50);
    EXPECT_EQ(chain.wake_ups, 50);  // the chain holds one datagram at a time
    (void)records();
  }
  // A loop hook is called before each wait, drained or not.
  ChainService chain{&socket_, 50};
  Service service = chain.service();
  int loops = 0;
  service.hooks.loop = [&](Context&) {
    ++loops;
    return -1;
  };
  socket_.send("0");
  ASSERT_EQ(run_with(service, {"-l", "-t", "unix-dgram", "-m", "50"}), 0) << log_text();
  EXPECT_EQ(chain.served, 50);
  EXPECT_GE(loops, chain.wake_ups);
}

TEST_F(ServerTest, DrainingKeepsTheUseLimitExactAndRunsPreAcceptOncePerWakeUp) {
  ChainService chain{&socket_, 1000};
  socket_.send("0");
  ASSERT_EQ(run_with(chain.service(), {"-l", "-t", "unix-dgram", "-m", "120"}), 0) << log_text();
  EXPECT_EQ(chain.served, 120);
  EXPECT_EQ(socket_.drain(), 1);  // the 121st, queued by the 120th, is left for the next process
  EXPECT_GE(chain.wake_ups, 1);
  EXPECT_LT(chain.wake_ups, 120);
}

TEST_F(ServerTest, TheMasterGoingAwayEndsADrainThatDatagramsKeepFeeding) {
  // The chain would go on for 200000 datagrams; after 50 the master closes
  // the status channel. The loop looks at it after a drain's span and ends.
  ChainService chain{&socket_, 200000};
  chain.after = [this](int served) {
    if (served == 50) status_.ours.reset();
  };
  socket_.send("0");
  ASSERT_EQ(run_with(chain.service(), {"-l", "-t", "unix-dgram"}), 0) << log_text();
  EXPECT_GE(chain.served, 50);
  EXPECT_LT(chain.served, 200000);
  EXPECT_EQ(socket_.drain(), 1);  // what was read was served; the next one waits
  EXPECT_EQ(chain.socket_changed, 0);
}

TEST_F(ServerTest, SigtermDuringADrainServesWhatIsInHandAndTakesNothingNew) {
  ChainService chain{&socket_, 200000};
  chain.after = [](int served) {
    if (served == 30) ::raise(SIGTERM);
  };
  socket_.send("0");
  ASSERT_EQ(run_with(chain.service(), {"-l", "-t", "unix-dgram"}), 0) << log_text();
  EXPECT_EQ(chain.served, 30);
  EXPECT_EQ(socket_.drain(), 1);
}

TEST_F(ServerTest, InFlowDelayTakesATokenPerRequest) {
  Recorder recorder;
  Service service = recorder.service();
  service.flags.in_flow_delay = true;
  ASSERT_EQ(::write(flow_write_.get(), "xy", 2), 2);
  socket_.send("1");
  ASSERT_EQ(run_with(service, {"-l", "-t", "unix-dgram", "-m", "1"}), 0);
  char left[4];
  EXPECT_EQ(::read(flow_read_.get(), left, sizeof(left)), 1);  // one token taken, one left
}

TEST_F(ServerTest, InFlowDelayPausesWithoutAToken) {
  Recorder recorder;
  Service service = recorder.service();
  service.flags.in_flow_delay = true;
  socket_.send("1");
  auto start = std::chrono::steady_clock::now();
  ASSERT_EQ(run_with(service, {"-l", "-t", "unix-dgram", "-m", "1", "-o", "in_flow_delay=1s"}), 0);
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(950));
  EXPECT_EQ(recorder.count("service"), 1);
}

TEST_F(ServerTest, ExceptionFromTheServiceIsOneFatalLine) {
  Service service;
  service.on_datagram = [](const Datagram&, Context&) { throw std::runtime_error("boom"); };
  int exits = 0;
  service.hooks.on_exit = [&](Context&) { ++exits; };
  socket_.send("x");
  EXPECT_EQ(run_with(service, {"-l", "-t", "unix-dgram"}), 1);
  EXPECT_TRUE(logged("fatal: unexpected error: boom")) << log_text();
  EXPECT_EQ(exits, 0);
}

TEST_F(ServerTest, DebugOptionRunsDebuggerCommandWithNameAndPidExpanded) {
  dir_.write_main_cf("debugger_command = echo $process_name $process_id > " + dir_.file("debug.out") + "\n");
  Recorder recorder;
  socket_.send("x");
  ASSERT_EQ(run_with(recorder.service(), {"-D", "-l", "-t", "unix-dgram", "-m", "1"}), 0) << log_text();
  EXPECT_EQ(dir_.read("debug.out"), "test-service " + std::to_string(::getpid()) + "\n");
  env_["MAIL_DEBUG"] = "";
  socket_.send("x");
  ASSERT_EQ(::unlink(dir_.file("debug.out").c_str()), 0);
  ASSERT_EQ(run_with(recorder.service(), {"-l", "-t", "unix-dgram", "-m", "1"}), 0) << log_text();
  EXPECT_EQ(dir_.read("debug.out"), "test-service " + std::to_string(::getpid()) + "\n");
}

TEST_F(ServerTest, FailingOrMissingDebuggerCommandIsFatal) {
  Recorder recorder;
  EXPECT_EQ(run_with(recorder.service(), {"-D", "-l", "-t", "unix-dgram"}), 1);
  EXPECT_TRUE(logged("debugger_command is not set")) << log_text();
  dir_.write_main_cf("debugger_command = exit 3\n");
  EXPECT_EQ(run_with(recorder.service(), {"-D", "-l", "-t", "unix-dgram"}), 1);
  EXPECT_TRUE(logged("debugger_command failed (exit status 3): exit 3")) << log_text();
  EXPECT_EQ(recorder.count("pre_init"), 0);
}

TEST_F(ServerTest, RefusesATerminalInDaemonMode) {
  int master_fd = -1, slave_fd = -1;
  ASSERT_EQ(::openpty(&master_fd, &slave_fd, nullptr, nullptr, nullptr), 0);
  UniqueFd pty_master(master_fd), pty_slave(slave_fd);
  terminal_ = slave_fd;
  Recorder recorder;
  EXPECT_EQ(run_with(recorder.service(), {"-l", "-t", "unix-dgram"}), 1);
  EXPECT_TRUE(logged("fatal: do not run this command by hand")) << log_text();
  EXPECT_EQ(recorder.count("pre_init"), 0);
  // With -d (the master in the foreground) a terminal is fine.
  socket_.send("x");
  EXPECT_EQ(run_with(recorder.service(), {"-d", "-l", "-t", "unix-dgram", "-m", "1"}), 0);
}

struct FatalCase {
  std::vector<std::string> words;
  std::map<std::string, std::string> env;
  Flags flags;
  std::string message;
};

class ServerFatal : public ServerTest, public ::testing::WithParamInterface<FatalCase> {};

TEST_P(ServerFatal, OneLineNonZeroExitNoHooks) {
  Recorder recorder;
  Service service = recorder.service();
  service.flags = GetParam().flags;
  for (const auto& [name, value] : GetParam().env) env_[name] = value;
  EXPECT_EQ(run_with(service, GetParam().words), 1);
  EXPECT_TRUE(logged(GetParam().message)) << log_text();
  EXPECT_EQ(recorder.count("exit"), 0);
  EXPECT_EQ(recorder.count("pre_init"), 0);
  std::size_t fatal_lines = 0;
  for (const auto& line : log_) fatal_lines += line.find("fatal: ") != std::string::npos;
  EXPECT_EQ(fatal_lines, 1u);
}

Flags solitary() { Flags f; f.solitary = true; return f; }
Flags unlimited() { Flags f; f.unlimited = true; return f; }
Flags privileged() { Flags f; f.privileged = true; return f; }

INSTANTIATE_TEST_SUITE_P(
    Table, ServerFatal,
    ::testing::Values(
        FatalCase{{"-l"}, {}, {}, "not started by the Postfix master (-t unix-dgram), by systemd socket activation"},
        FatalCase{{"-l", "-t", "unix"}, {}, {}, "unsupported transport type: unix"},
        FatalCase{{"-l", "-t", "unix-dgram", "-x"}, {}, {}, "invalid option: -x"},
        FatalCase{{"-l", "-t", "unix-dgram", "-o", "oops"}, {}, {},
                  "invalid \"-o oops\" option value: missing '='"},
        FatalCase{{"-l", "-t", "unix-dgram", "-o", "process_name=x"}, {}, {},
                  "parameter process_name is read-only"},
        FatalCase{{"-l", "-t", "unix-dgram", "-s", "0"}, {}, {}, "invalid socket_count: 0"},
        FatalCase{{"-l", "-t", "unix-dgram"}, {{"GENERATION", "12x"}}, {}, "bad generation: 12x"},
        FatalCase{{"-l", "-t", "unix-dgram"}, {{"GENERATION", "9"}}, {}, "bad generation: 9"},
        FatalCase{{"-n", "svc", "-t", "unix-dgram"}, {}, solitary(),
                  "service svc requires a process limit of 1"},
        FatalCase{{"-l", "-n", "svc", "-t", "unix-dgram"}, {}, unlimited(),
                  "service svc requires a process limit of 0"},
        FatalCase{{"-l", "-u", "-n", "svc", "-t", "unix-dgram"}, {}, privileged(),
                  "service svc requires privileged operation"},
        FatalCase{{"-l", "-t", "unix-dgram", "-m", "many"}, {}, {},
                  "bad numerical configuration: max_use = many"},
        FatalCase{{"-l", "-t", "unix-dgram", "-i", "10x"}, {}, {},
                  "parameter max_idle: bad time value or unit: 10x"},
        FatalCase{{"-l", "-t", "unix-dgram"}, {{"MAIL_CONFIG", "/nonexistent/dgram"}}, {},
                  "/nonexistent/dgram/main.cf"}));

// --- off the happy path: a failing service, a failing socket, forged lines

struct FailureCase {
  std::string name;
  std::vector<std::string> words;
  int served;  // how many on_datagram calls returned normally
  int queued;  // how many datagrams were left in the socket
  std::string fatal;
};

class FailingService : public ServerTest, public ::testing::WithParamInterface<FailureCase> {};

TEST_P(FailingService, LosesOnlyTheDatagramInHand) {
  int calls = 0;
  Service service;
  service.on_datagram = [&](const Datagram& d, Context&) {
    ++calls;
    if (d.data == "d1") throw Fatal("cannot store d1");
  };
  int exits = 0;
  service.hooks.on_exit = [&](Context&) { ++exits; };
  for (int i = 0; i < 10; ++i) socket_.send("d" + std::to_string(i));
  EXPECT_EQ(run_with(service, GetParam().words), 1);
  int served = calls - 1;
  int queued = socket_.drain();
  EXPECT_EQ(served + queued, 9);  // only the failing one is gone
  EXPECT_EQ(served, GetParam().served);
  EXPECT_EQ(queued, GetParam().queued);
  EXPECT_EQ(exits, 0);
  int fatal_lines = 0;
  for (const auto& line : log_) fatal_lines += line.find(": fatal: ") != std::string::npos;
  EXPECT_EQ(fatal_lines, 1) << log_text();
  EXPECT_TRUE(logged("fatal: " + GetParam().fatal)) << log_text();
}

INSTANTIATE_TEST_SUITE_P(
    Table, FailingService,
    ::testing::Values(
        FailureCase{"batched", {"-l", "-t", "unix-dgram"}, 9, 0,
                    "cannot store d1 (datagram 2 of a batch of 10; the other 9 were served)"},
        FailureCase{"postfix_compatible", std::vector<std::string>{"-l", "-t", "unix-dgram"} + kCompatible, 1, 8,
                    "cannot store d1"}),
    [](const ::testing::TestParamInfo<FailureCase>& info) { return info.param.name; });

TEST_F(ServerTest, AnyExceptionFromTheServiceIsOneFatalLineNamingIt) {
  Service service;
  service.on_datagram = [](const Datagram&, Context&) { throw std::runtime_error("disk on fire"); };
  socket_.send("x");
  EXPECT_EQ(run_with(service, {"-l", "-t", "unix-dgram"}), 1);
  EXPECT_EQ(log_.size(), 1u) << log_text();
  EXPECT_TRUE(logged("fatal: unexpected error: disk on fire")) << log_text();
}

TEST_F(ServerTest, APermanentReceiveErrorIsFatalAtOnce) {
  // A listen descriptor that is readable but no socket: every recvmmsg fails.
  int pipe_fds[2];
  ASSERT_EQ(::pipe2(pipe_fds, O_CLOEXEC), 0);
  UniqueFd read_end(pipe_fds[0]), write_end(pipe_fds[1]);
  ASSERT_EQ(::write(write_end.get(), "x", 1), 1);
  Recorder recorder;
  EXPECT_EQ(run_with(recorder.service(), {"-l", "-t", "unix-dgram"}, {read_end.get()}), 1);
  EXPECT_EQ(log_.size(), 1u) << log_text();  // one line, not a warning per turn
  EXPECT_TRUE(logged("fatal: receive on fd " + std::to_string(read_end.get()) +
                     ": Socket operation on non-socket"))
      << log_text();
  EXPECT_EQ(recorder.count("exit"), 0);
}

TEST_F(ServerTest, ASocketServiceThatNeverReadsIsFatalInsteadOfSpinning) {
  Service service;
  int calls = 0;
  service.on_socket = [&](const SocketReady&, Context&) -> std::size_t {
    ++calls;
    return 0;
  };
  socket_.send("never read");
  EXPECT_EQ(run_with(service, {"-l", "-t", "unix-dgram"}), 1);
  EXPECT_EQ(calls, 100);
  EXPECT_TRUE(logged("fatal: service read nothing from readable fd " +
                     std::to_string(socket_.listen_fd()) + " 100 times in a row"))
      << log_text();
  EXPECT_EQ(socket_.drain(), 1);  // still there for the next process
}

TEST_F(ServerTest, ASocketServiceThatReadsMoreThanItMayIsFatal) {
  Service service;
  service.on_socket = [&](const SocketReady& ready, Context&) -> std::size_t {
    char buffer[16];
    while (::recv(ready.fd, buffer, sizeof(buffer), MSG_DONTWAIT) >= 0) {
    }
    return ready.max_datagrams + 2;
  };
  for (int i = 0; i < 5; ++i) socket_.send("x");
  EXPECT_EQ(run_with(service, {"-l", "-t", "unix-dgram", "-m", "3"}), 1);
  EXPECT_TRUE(logged("fatal: service read 5 datagrams from fd " + std::to_string(socket_.listen_fd()) +
                     " where it was allowed 3"))
      << log_text();
}

TEST_F(ServerTest, ASocketServiceThatSometimesFindsNothingKeepsServing) {
  // A sibling may take the datagram first: one empty read is no error.
  Service service;
  int calls = 0;
  service.on_socket = [&](const SocketReady& ready, Context&) -> std::size_t {
    if (++calls == 1) return 0;
    char buffer[16];
    return ::recv(ready.fd, buffer, sizeof(buffer), MSG_DONTWAIT) >= 0 ? 1 : 0;
  };
  socket_.send("x");
  EXPECT_EQ(run_with(service, {"-l", "-t", "unix-dgram", "-m", "1"}), 0) << log_text();
  EXPECT_EQ(calls, 2);
}

TEST_F(ServerTest, ControlCharactersInLoggedTextBecomeQuestionMarks) {
  Service service;
  service.on_datagram = [](const Datagram& d, Context& context) {
    context.log.warn("client said: %s", std::string(d.data).c_str());
  };
  socket_.send("hi\nDec  1 12:00:00 host postfix/smtpd[1]: forged\r\x1b[2J\x7f caf\xc3\xa9 \xff");
  EXPECT_EQ(run_with(service, {"-l", "-t", "unix-dgram", "-m", "1"}), 0);
  ASSERT_EQ(log_.size(), 1u) << log_text();
  EXPECT_EQ(log_[0].substr(log_[0].find(": warning: ")),
            ": warning: client said: hi?Dec  1 12:00:00 host postfix/smtpd[1]: forged??[2J? caf\xc3\xa9 ?");
}

TEST_F(ServerTest, AQuotedValueInAFatalLineCannotStartASecondLine) {
  Recorder recorder;
  EXPECT_EQ(run_with(recorder.service(), {"-l", "-t", "unix-dgram", "-o", "max_use=1\nfatal: forged"}), 1);
  ASSERT_EQ(log_.size(), 1u) << log_text();
  EXPECT_EQ(log_[0].find('\n'), std::string::npos);
  EXPECT_TRUE(logged("fatal: bad numerical configuration: max_use = 1?fatal: forged")) << log_text();
}

// --- the service API: batches, what a datagram carries, replies, events, stop

// A client socket: bound to a path, to an abstract name, or unnamed.
UniqueFd client_socket(const std::string& path = "", bool abstract = false) {
  UniqueFd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!fd) throw_errno("socket");
  if (!path.empty()) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::size_t offset = abstract ? 1 : 0;
    std::memcpy(address.sun_path + offset, path.data(), path.size());
    auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + offset + path.size() + (abstract ? 0 : 1));
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&address), length) < 0) throw_errno("bind " + path);
  }
  return fd;
}

void send_to(int fd, const std::string& path, std::string_view data) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  if (::sendto(fd, data.data(), data.size(), 0, reinterpret_cast<sockaddr*>(&address), sizeof(address)) < 0) {
    throw_errno("sendto " + path);
  }
}

std::string receive_now(int fd) {
  char buffer[256];
  ssize_t n = ::recv(fd, buffer, sizeof(buffer), MSG_DONTWAIT);
  return n < 0 ? "(nothing)" : std::string(buffer, static_cast<std::size_t>(n));
}

TEST_F(ServerTest, OnBatchGetsEveryDatagramOfAWakeUpAtOnceInOrder) {
  std::vector<std::vector<std::string>> batches;
  Service service;
  service.on_batch = [&](std::span<const Datagram> batch, Context&) {
    std::vector<std::string> data;
    for (const Datagram& d : batch) data.emplace_back(d.data);
    batches.push_back(data);
  };
  for (int i = 0; i < 5; ++i) socket_.send("d" + std::to_string(i));
  ASSERT_EQ(run_with(service, {"-l", "-t", "unix-dgram", "-m", "5", "-o", "dgram_receive_batch=3"}), 0)
      << log_text();
  EXPECT_EQ(batches, (std::vector<std::vector<std::string>>{{"d0", "d1", "d2"}, {"d3", "d4"}}));
}

TEST_F(ServerTest, OnBatchGetsOneDatagramPerTurnInPostfixCompatibleMode) {
  std::vector<std::size_t> sizes;
  Service service;
  service.on_batch = [&](std::span<const Datagram> batch, Context&) { sizes.push_back(batch.size()); };
  for (int i = 0; i < 3; ++i) socket_.send("x");
  ASSERT_EQ(run_with(service, std::vector<std::string>{"-l", "-t", "unix-dgram", "-m", "3"} + kCompatible), 0);
  EXPECT_EQ(sizes, (std::vector<std::size_t>{1, 1, 1}));
}

TEST_F(ServerTest, AFailingBatchIsOneFatalLineSayingHowManyItHeld) {
  Service service;
  service.on_batch = [](std::span<const Datagram>, Context&) { throw Fatal("database is down"); };
  for (int i = 0; i < 4; ++i) socket_.send("x");
  EXPECT_EQ(run_with(service, {"-l", "-t", "unix-dgram"}), 1);
  ASSERT_EQ(log_.size(), 1u) << log_text();
  EXPECT_TRUE(logged("fatal: database is down (in a batch of 4 datagrams, none of them known to be served)"))
      << log_text();
}

TEST_F(ServerTest, ExactlyOneServiceFormIsADefinitionRule) {
  Service service;
  service.on_datagram = [](const Datagram&, Context&) {};
  service.on_batch = [](std::span<const Datagram>, Context&) {};
  EXPECT_EQ(run_with(service, {"-l", "-t", "unix-dgram"}), 1);
  EXPECT_TRUE(logged("service definition error: set exactly one of on_datagram, on_batch and on_socket"));
}

TEST_F(ServerTest, AParameterWithoutATargetIsADefinitionErrorNotACrash) {
  Recorder recorder;
  Service service = recorder.service();
  service.params.ints.push_back({"hello_count", 3, nullptr});
  EXPECT_EQ(run_with(service, {"-l", "-t", "unix-dgram"}), 1);
  EXPECT_TRUE(logged("service definition error: parameter hello_count has no target to store its value in"))
      << log_text();
  EXPECT_EQ(recorder.count("pre_init"), 0);
}

TEST_F(ServerTest, WithoutReceiveOptionsADatagramCarriesNoSenderNorCredentials) {
  int seen = 0;
  Service service;
  service.on_datagram = [&](const Datagram& d, Context&) {
    ++seen;
    EXPECT_EQ(d.sender, nullptr);
    EXPECT_EQ(d.credentials, nullptr);
    EXPECT_EQ(d.socket_fd, socket_.listen_fd());
    EXPECT_EQ(d.socket_index, 0u);
  };
  socket_.send("x");
  ASSERT_EQ(run_with(service, {"-l", "-t", "unix-dgram", "-m", "1"}), 0);
  EXPECT_EQ(seen, 1);
}

TEST_F(ServerTest, TheSendersAddressIsAPathAnAbstractNameOrUnnamed) {
  std::vector<std::string> seen;
  Service service;
  service.receive.sender = true;
  service.on_datagram = [&](const Datagram& d, Context&) {
    ASSERT_NE(d.sender, nullptr);
    const char* kind = d.sender->kind == SenderAddress::Kind::path       ? "path"
                       : d.sender->kind == SenderAddress::Kind::abstract ? "abstract"
                                                                         : "unnamed";
    seen.push_back(std::string(kind) + ":" + std::string(d.sender->name));
  };
  std::string abstract_name = "dgram-test-" + std::to_string(::getpid());
  UniqueFd by_path = client_socket(dir_.file("client"));
  UniqueFd by_name = client_socket(abstract_name, true);
  UniqueFd unnamed = client_socket();
  send_to(by_path.get(), socket_.path(), "a");
  send_to(by_name.get(), socket_.path(), "b");
  send_to(unnamed.get(), socket_.path(), "c");
  ASSERT_EQ(run_with(service, {"-l", "-t", "unix-dgram", "-m", "3"}), 0) << log_text();
  EXPECT_EQ(seen, (std::vector<std::string>{"path:" + dir_.file("client"), "abstract:" + abstract_name,
                                            "unnamed:"}));
}

TEST_F(ServerTest, CredentialsSayWhoSentAndNoneForADatagramQueuedBeforeTheyWereAsked) {
  socket_.send("early");  // queued before the skeleton sets SO_PASSCRED
  std::vector<std::string> seen;
  Service service;
  service.receive.credentials = true;
  service.hooks.post_init = [&](Context&) { socket_.send("late"); };
  service.on_datagram = [&](const Datagram& d, Context&) {
    if (d.credentials == nullptr) {
      seen.push_back(std::string(d.data) + ":none");
    } else {
      seen.push_back(std::string(d.data) + ":" + std::to_string(d.credentials->pid) + "/" +
                     std::to_string(d.credentials->uid) + "/" + std::to_string(d.credentials->gid));
    }
  };
  ASSERT_EQ(run_with(service, {"-l", "-t", "unix-dgram", "-m", "2"}), 0) << log_text();
  std::string me = std::to_string(::getpid()) + "/" + std::to_string(::getuid()) + "/" + std::to_string(::getgid());
  EXPECT_EQ(seen, (std::vector<std::string>{"early:none", "late:" + me}));
}

TEST_F(ServerTest, EachDatagramSaysWhichListenSocketItCameOn) {
  DatagramSocket second(dir_.file("second"));
  std::vector<std::string> seen;
  Service service;
  service.on_datagram = [&](const Datagram& d, Context&) {
    seen.push_back(std::string(d.data) + "@" + std::to_string(d.socket_index) +
                   (d.socket_fd == (d.socket_index == 0 ? socket_.listen_fd() : second.listen_fd()) ? "" : "?"));
  };
  socket_.send("one");
  second.send("two");
  ASSERT_EQ(run_with(service, {"-l", "-t", "unix-dgram", "-m", "2"}, {socket_.listen_fd(), second.listen_fd()}), 0);
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(seen, (std::vector<std::string>{"one@0", "two@1"}));
}

TEST_F(ServerTest, AReplyGoesToTheSenderAndFailuresAreReturnedNotFatal) {
  UniqueFd bound = client_socket(dir_.file("client"));
  UniqueFd unnamed = client_socket();
  std::vector<std::error_code> results;
  Service service;
  service.receive.sender = true;
  service.on_datagram = [&](const Datagram& d, Context& context) {
    results.push_back(context.reply(d, "re: " + std::string(d.data)));
  };
  send_to(bound.get(), socket_.path(), "hello");
  send_to(unnamed.get(), socket_.path(), "anyone?");
  ASSERT_EQ(run_with(service, {"-l", "-t", "unix-dgram", "-m", "2"}), 0) << log_text();
  ASSERT_EQ(results.size(), 2u);
  EXPECT_FALSE(results[0]) << results[0].message();
  EXPECT_EQ(receive_now(bound.get()), "re: hello");
  EXPECT_EQ(results[1], std::errc::destination_address_required);
}

TEST_F(ServerTest, AReplyToAFullOrVanishedSenderNeverBlocks) {
  // The sender's queue is full: the reply fails with EAGAIN at once.
  UniqueFd full = client_socket(dir_.file("full"));
  UniqueFd filler = client_socket();
  {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::string path = dir_.file("full");
    std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
    ASSERT_EQ(::connect(filler.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
    while (::send(filler.get(), "x", 1, MSG_DONTWAIT) == 1) {
    }
  }
  UniqueFd gone = client_socket(dir_.file("gone"));
  std::vector<std::error_code> results;
  Service service;
  service.receive.sender = true;
  service.on_datagram = [&](const Datagram& d, Context& context) {
    if (d.data == "from gone") {
      ::unlink(dir_.file("gone").c_str());  // nobody listens at that name any more
      gone.reset();
    }
    results.push_back(context.reply(d, "re"));
  };
  send_to(full.get(), socket_.path(), "from full");
  send_to(gone.get(), socket_.path(), "from gone");
  ASSERT_EQ(run_with(service, {"-l", "-t", "unix-dgram", "-m", "2"}), 0) << log_text();
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0], std::errc::resource_unavailable_try_again) << results[0].message();
  EXPECT_TRUE(results[1] == std::errc::connection_refused || results[1] == std::errc::no_such_file_or_directory)
      << results[1].message();
}

TEST_F(ServerTest, TimersRunOnTheLoopAndAServiceCanStopItself) {
  std::vector<std::string> calls;
  EventHandle once, periodic, cancelled;
  int ticks = 0;
  Service service;
  service.on_datagram = [&](const Datagram&, Context&) { calls.push_back("datagram"); };
  service.hooks.post_init = [&](Context& context) {
    once = context.events.after(std::chrono::milliseconds(10), [&](Context&) { calls.push_back("once"); });
    cancelled = context.events.after(std::chrono::milliseconds(5), [&](Context&) { calls.push_back("never"); });
    cancelled.cancel();
    periodic = context.events.every(std::chrono::milliseconds(20), [&](Context& c) {
      calls.push_back("tick");
      if (++ticks == 3) c.stop();
    });
  };
  service.hooks.on_exit = [&](Context&) { calls.push_back("exit"); };
  ASSERT_EQ(run_with(service, {"-l", "-t", "unix-dgram"}), 0) << log_text();
  EXPECT_EQ(calls, (std::vector<std::string>{"once", "tick", "tick", "tick", "exit"}));
  EXPECT_FALSE(once.active());
  EXPECT_FALSE(periodic.active());  // the handle outlives the loop and does nothing
  periodic.cancel();
}

TEST_F(ServerTest, DescriptorsAndSignalsOfTheServiceRunOnTheLoop) {
  int pipe_fds[2];
  ASSERT_EQ(::pipe2(pipe_fds, O_CLOEXEC | O_NONBLOCK), 0);
  UniqueFd read_end(pipe_fds[0]), write_end(pipe_fds[1]);
  std::vector<std::string> calls;
  EventHandle readable, signal, kick;
  Service service;
  service.on_datagram = [](const Datagram&, Context&) {};
  service.hooks.post_init = [&](Context& context) {
    readable = context.events.when_readable(read_end.get(), [&](Context&) {
      char byte;
      while (::read(read_end.get(), &byte, 1) == 1) calls.push_back(std::string("read ") + byte);
      ::raise(SIGUSR1);
    });
    signal = context.events.on_signal(SIGUSR1, [&](Context& c) {
      calls.push_back("SIGUSR1");
      c.stop();
    });
    kick = context.events.after(std::chrono::milliseconds(1), [&](Context&) {
      ASSERT_EQ(::write(write_end.get(), "z", 1), 1);
    });
  };
  ASSERT_EQ(run_with(service, {"-l", "-t", "unix-dgram"}), 0) << log_text();
  EXPECT_EQ(calls, (std::vector<std::string>{"read z", "SIGUSR1"}));
}

TEST_F(ServerTest, SignalsTheSkeletonOwnsAreRefused) {
  Service service;
  service.on_datagram = [](const Datagram&, Context&) {};
  EventHandle handle;
  service.hooks.post_init = [&](Context& context) { handle = context.events.on_signal(SIGTERM, [](Context&) {}); };
  EXPECT_EQ(run_with(service, {"-l", "-t", "unix-dgram"}), 1);
  EXPECT_TRUE(logged("events: signal 15 is not for services")) << log_text();
}

TEST_F(ServerTest, AnExceptionInAnEventCallbackIsOneFatalLine) {
  Service service;
  service.on_datagram = [](const Datagram&, Context&) {};
  EventHandle timer;
  service.hooks.post_init = [&](Context& context) {
    timer = context.events.after(std::chrono::milliseconds(1), [](Context&) { throw Fatal("report failed"); });
  };
  EXPECT_EQ(run_with(service, {"-l", "-t", "unix-dgram"}), 1);
  EXPECT_EQ(log_.size(), 1u) << log_text();
  EXPECT_TRUE(logged("fatal: report failed")) << log_text();
}

TEST_F(ServerTest, StopFinishesTheBatchInHandRunsTheExitHookAndTakesNothingMore) {
  std::vector<std::string> served;
  int exits = 0;
  Service service;
  service.on_datagram = [&](const Datagram& d, Context& context) {
    served.emplace_back(d.data);
    if (d.data == "d1") context.stop();
  };
  service.hooks.on_exit = [&](Context&) { ++exits; };
  for (int i = 0; i < 4; ++i) socket_.send("d" + std::to_string(i));
  ASSERT_EQ(run_with(service, {"-l", "-t", "unix-dgram", "-o", "dgram_receive_batch=3"}), 0) << log_text();
  EXPECT_EQ(served, (std::vector<std::string>{"d0", "d1", "d2"}));  // the batch in hand
  EXPECT_EQ(exits, 1);
  EXPECT_EQ(socket_.drain(), 1);
}

TEST_F(ServerTest, APeriodicTimerKeepsFiringWhileTheChildWaitsForTheLockFile) {
  // A sibling holds the lock file for the whole test: this child never gets
  // its turn at the socket, yet its own timer fires on time.
  LockFileGate sibling(dir_.file("pid/unix-dgram.shared"));
  ASSERT_TRUE(sibling.acquire());
  socket_.send("not for this child");
  int ticks = 0;
  int served = 0;
  EventHandle periodic;
  Service service;
  service.on_datagram = [&](const Datagram&, Context&) { ++served; };
  service.hooks.post_init = [&](Context& context) {
    periodic = context.events.every(std::chrono::milliseconds(20), [&](Context& c) {
      if (++ticks == 5) c.stop();
    });
  };
  ASSERT_EQ(run_with(service, {"-n", "shared", "-t", "unix-dgram"}), 0) << log_text();
  EXPECT_EQ(ticks, 5);
  EXPECT_EQ(served, 0);
  EXPECT_EQ(socket_.drain(), 1);
  sibling.release();
}

// --- The turn core's defects (issue 16): each of these failed before the
// rebuild, on the code path named.

// A thread waits, up to 5 s, until the thread `tid` of this process is
// blocked in system call `number` (/proc/self/task/TID/syscall).
bool wait_until_in_syscall(pid_t tid, long number) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < deadline) {
    std::ifstream syscall("/proc/self/task/" + std::to_string(tid) + "/syscall");
    long now = -1;
    if (syscall >> now && now == number) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return false;
}

// Defect 1 and the O_NONBLOCK note: the direct receive set SO_RCVTIMEO and
// cleared O_NONBLOCK on the socket every sibling and the master share, and
// an exiting child reset the timeout to 0 for all of them.
TEST_F(ServerTest, TheSharedListenSocketsTimeoutAndFileFlagsAreNeverChanged) {
  make_non_blocking(socket_.listen_fd());
  timeval seven{7, 0};
  ASSERT_EQ(::setsockopt(socket_.listen_fd(), SOL_SOCKET, SO_RCVTIMEO, &seven, sizeof(seven)), 0);
  // 100 datagrams: every wake-up busy writes 200 records, which the status
  // channel holds without this test reading them meanwhile.
  const std::vector<std::vector<std::string>> modes{
      {"-l", "-t", "unix-dgram", "-m", "100"},
      {"-n", "shared", "-t", "unix-dgram", "-m", "100"},
      {"-n", "shared", "-t", "unix-dgram", "-m", "100", "-o", "dgram_busy_after_usec=0"}};
  for (const auto& words : modes) {
    SCOPED_TRACE(words.back());
    ChainService chain{&socket_, 100};
    std::string gate_trace;
    Service service = words[0] == "-l" ? chain.service() : chain.shared_service(&gate_trace);
    socket_.send("0");
    ASSERT_EQ(run_with(service, words), 0) << log_text();
    EXPECT_EQ(chain.served, 100);
    EXPECT_EQ(chain.socket_changed, 0) << "callbacks saw the socket's flags or timeout changed";
    EXPECT_TRUE(chain.socket_as_it_was(socket_.listen_fd())) << "left changed at exit";
    (void)records();
  }
}

// Defect 2: SIGTERM's handler had no SA_RESTART, so a stop broke the
// service's own blocking read with EINTR and the datagram in hand was lost.
TEST_F(ServerTest, SigtermDuringAServicesBlockingReadLetsTheReadFinishAndTheDatagramBeServed) {
  int block[2];
  ASSERT_EQ(::pipe2(block, O_CLOEXEC), 0);
  UniqueFd block_read(block[0]), block_write(block[1]);
  const pid_t loop_thread = ::gettid();
  const pthread_t loop_handle = ::pthread_self();
  std::atomic<bool> in_callback{false};
  ssize_t got = -2;
  int read_errno = 0;
  Service service;
  service.on_datagram = [&](const Datagram&, Context&) {
    in_callback = true;
    char byte;
    got = ::read(block_read.get(), &byte, 1);
    read_errno = got < 0 ? errno : 0;
    if (got != 1) throw std::runtime_error("the service's read was broken");
  };
  int exits = 0;
  service.hooks.on_exit = [&](Context&) { ++exits; };
  std::thread stopper([&] {
    while (!in_callback) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    bool blocked = wait_until_in_syscall(loop_thread, SYS_read);
    ::pthread_kill(loop_handle, SIGTERM);  // while the service is in read(2)
    if (blocked) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    (void)!::write(block_write.get(), "x", 1);
  });
  for (int i = 0; i < 3; ++i) socket_.send("d");
  int status = run_with(service, {"-l", "-t", "unix-dgram", "-o", "dgram_receive_batch=1"});
  stopper.join();
  EXPECT_EQ(status, 0) << log_text();
  EXPECT_EQ(got, 1) << "read failed: " << std::strerror(read_errno);
  EXPECT_EQ(exits, 1);
  EXPECT_EQ(socket_.drain(), 2);  // nothing new was taken after SIGTERM
}

// Defect 3: in the direct receive pre_accept ran after recvmmsg; when it
// threw, the batch received was never served nor counted.
TEST_F(ServerTest, APreAcceptThatThrowsLosesNothingThatWasQueued) {
  ChainService chain{&socket_, 100000};
  Service service = chain.service();
  int calls = 0;
  service.hooks.pre_accept = [&](Context&) {
    if (++calls == 2) throw std::runtime_error("pre-accept boom");
  };
  socket_.send("0");
  // The chain never leaves the socket empty: the first wake-up drains for
  // its span, and the second one's pre_accept throws.
  EXPECT_EQ(run_with(service, {"-l", "-t", "unix-dgram", "-m", "100000"}), 1);
  EXPECT_TRUE(logged("fatal: unexpected error: pre-accept boom")) << log_text();
  // The chain queues one after each it serves: that one is still there.
  EXPECT_GE(chain.served, 1);
  EXPECT_EQ(socket_.drain(), 1) << "a received datagram was lost";
}

// Defect 4: a gate factory that returned nothing crashed the child at its
// first long turn, with no log line.
TEST_F(ServerTest, AGateFactoryThatReturnsNothingIsADefinitionError) {
  Service service;
  service.on_datagram = [](const Datagram&, Context&) {};
  service.gate = [](const std::string&) { return std::unique_ptr<Gate>(); };
  socket_.send("x");
  EXPECT_EQ(run_with(service, {"-n", "shared", "-t", "unix-dgram"}), 1);
  EXPECT_TRUE(logged("fatal: service definition error: the gate factory (Service::gate) returned no gate"))
      << log_text();
  EXPECT_EQ(socket_.drain(), 1);
}

// A gate whose acquire() waits in read(2) on a pipe nobody writes, until a
// signal interrupts it (then false, as gate.h asks); try_acquire() says no.
class NeverFreeGate final : public Gate {
 public:
  NeverFreeGate() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) < 0) throw_errno("pipe2");
    read_.reset(fds[0]);
    write_.reset(fds[1]);
  }
  bool acquire() override {
    ++entered;
    inside = true;
    char byte;
    ssize_t n = ::read(read_.get(), &byte, 1);
    inside = false;
    return n == 1;
  }
  void release() override { ++*releases; }
  std::atomic<int> entered{0};
  std::atomic<bool> inside{false};
  std::atomic<int>* releases = nullptr;  // the test's (the gate dies with the run)

 private:
  UniqueFd read_, write_;
};

// Defect 5: a child that stopped while waiting for the gate kept waiting
// through its exit hook (and could take the gate then), and its teardown
// raised the process-wide SIGTERM flag.
TEST_F(ServerTest, AChildThatStopsWhileWaitingForTheGateStopsWaitingBeforeItsExitHook) {
  NeverFreeGate* gate = nullptr;
  std::atomic<int> releases{0};
  Service service;
  service.on_datagram = [](const Datagram&, Context&) {};
  service.gate = [&](const std::string&) {
    auto made = std::make_unique<NeverFreeGate>();
    made->releases = &releases;
    gate = made.get();
    return made;
  };
  EventHandle stop_soon;
  service.hooks.post_init = [&](Context& context) {
    stop_soon = context.events.after(std::chrono::milliseconds(50), [](Context& c) { c.stop(); });
  };
  int entered_at_exit = -1;
  bool inside_at_exit = true;
  service.hooks.on_exit = [&](Context&) {
    entered_at_exit = gate->entered;
    inside_at_exit = gate->inside;
  };
  ASSERT_EQ(run_with(service, {"-n", "shared", "-t", "unix-dgram", "-v"}), 0) << log_text();
  EXPECT_GE(entered_at_exit, 1) << "the child never waited for the gate";
  EXPECT_FALSE(inside_at_exit) << "the exit hook ran while the gate was still waited for";
  EXPECT_EQ(releases.load(), 0);
  EXPECT_TRUE(logged("the service asked to stop -- exiting")) << log_text();
  EXPECT_FALSE(logged("SIGTERM")) << log_text();
}

// Defect 6: in a quiet turn the in-flow-delay pause ran with the gate held
// and nothing reported; Postfix lets the lock go before it dozes.
TEST_F(ServerTest, AnInFlowDelayPauseNeverHoldsTheGate) {
  Recorder recorder;
  Service service = recorder.service();
  service.flags.in_flow_delay = true;
  std::string gate_trace;
  service.gate = [&](const std::string&) { return std::make_unique<CountingGate>(&gate_trace); };
  std::string trace_at_service;
  bool taken_at_service = false;
  service.on_datagram = [&](const Datagram&, Context&) {
    trace_at_service = gate_trace;
    StatusRecord record;
    taken_at_service = ::recv(status_.ours.get(), &record, sizeof(record), MSG_PEEK | MSG_DONTWAIT) ==
                           static_cast<ssize_t>(sizeof(record)) &&
                       record.avail == 0;
  };
  socket_.send("1");  // no flow token: a pause of 1 s
  ASSERT_EQ(run_with(service, {"-n", "shared", "-t", "unix-dgram", "-m", "1", "-o", "in_flow_delay=1s"}), 0)
      << log_text();
  EXPECT_EQ(trace_at_service, "+-") << "the gate was held through the pause";
  EXPECT_TRUE(taken_at_service) << "the master was not told TAKEN before the pause";
  EXPECT_EQ(records(), "TA");
}

// What ThreadCheckingGate saw; kept by the test (the gate dies with the run).
struct GateCalls {
  std::atomic<pid_t> acquire_tid{0};
  std::atomic<int> off_the_loop{0};  // try_acquire/release calls not on the loop's thread
  std::atomic<int> on_the_loop{0};   // acquire calls on the loop's thread
  std::atomic<int> overlaps{0};
  std::atomic<int> releases{0};
  std::atomic<int> handler_releases{0};
  std::atomic<int> in_call{0};
};

// Records the thread of every call, and whether two ever overlapped.
class ThreadCheckingGate final : public Gate {
 public:
  ThreadCheckingGate(pid_t loop_thread, GateCalls* calls) : loop_thread_(loop_thread), calls_(calls) {}
  bool acquire() override {
    enter(false);
    calls_->acquire_tid = ::gettid();
    leave();
    return true;
  }
  bool try_acquire() override {
    enter(true);
    leave();
    return false;  // the gate thread takes it
  }
  void release() override {
    enter(true);
    ++calls_->releases;
    leave();
  }
  int release_in_signal_handler() noexcept override {
    enter(true);
    ++calls_->handler_releases;
    leave();
    return 0;
  }

 private:
  void enter(bool loop_only) noexcept {
    if (calls_->in_call.fetch_add(1) != 0) ++calls_->overlaps;
    bool on_loop = ::gettid() == loop_thread_;
    if (loop_only && !on_loop) ++calls_->off_the_loop;
    if (!loop_only && on_loop) ++calls_->on_the_loop;
  }
  void leave() noexcept { calls_->in_call.fetch_sub(1); }
  pid_t loop_thread_;
  GateCalls* calls_;
};

// Defect 7: a custom gate was called from three threads (acquire on the
// waiter, release on the loop, the turn timer's thread and the waiter's
// destructor). Now acquire() runs on the gate thread, everything else on the
// loop's, one call at a time.
TEST_F(ServerTest, AGateIsCalledOnTheGateThreadForAcquireAndOnTheLoopsThreadForTheRest) {
  GateCalls calls;
  ChainService chain{&socket_, 3000};
  Service service = chain.service();
  service.gate = [&](const std::string&) { return std::make_unique<ThreadCheckingGate>(::gettid(), &calls); };
  chain.after = [](int served) {
    if (served % 1000 != 0) return;
    // A long callback now and then: handed on from the signal handler.
    auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(5);
    while (std::chrono::steady_clock::now() < until) {
    }
  };
  socket_.send("0");
  ASSERT_EQ(run_with(service, {"-n", "shared", "-t", "unix-dgram", "-m", "3000"}), 0) << log_text();
  ASSERT_NO_FATAL_FAILURE(chain.expect_served_in_order());
  EXPECT_GE(calls.handler_releases.load() + calls.releases.load(), 2);
  EXPECT_EQ(calls.off_the_loop.load(), 0);
  EXPECT_EQ(calls.on_the_loop.load(), 0);
  EXPECT_NE(calls.acquire_tid.load(), 0);
  EXPECT_EQ(calls.overlaps.load(), 0);
  (void)records();
}

// Defect 8: a helper the service forks without exec inherited a SIGTERM
// handler that swallowed SIGTERM and a wake pipe shared with the server:
// signalling the helper stopped the server.
TEST_F(ServerTest, AForkedHelperEndsOnSigtermAndTheServerServesOn) {
  Recorder recorder;
  Service service = recorder.service();
  int helper_status = -1;
  bool helper_ended = false;
  service.hooks.post_init = [&](Context&) {
    pid_t helper = ::fork();
    if (helper == 0) {
      for (;;) ::pause();
    }
    ASSERT_GT(helper, 0);
    ASSERT_EQ(::kill(helper, SIGTERM), 0);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (std::chrono::steady_clock::now() < deadline) {
      if (::waitpid(helper, &helper_status, WNOHANG) == helper) {
        helper_ended = true;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    if (!helper_ended) {
      ::kill(helper, SIGKILL);
      ::waitpid(helper, nullptr, 0);
    }
  };
  socket_.send("a");
  socket_.send("b");
  ASSERT_EQ(run_with(service, {"-l", "-t", "unix-dgram", "-m", "2", "-v"}), 0) << log_text();
  EXPECT_TRUE(helper_ended) << "the helper swallowed SIGTERM";
  EXPECT_TRUE(WIFSIGNALED(helper_status) && WTERMSIG(helper_status) == SIGTERM) << helper_status;
  EXPECT_EQ(recorder.count("service"), 2);
  EXPECT_TRUE(logged("use limit reached -- exiting")) << log_text();
}

// A gate whose release fails, as the lock file's would on a read-only file
// system; it cannot be released from a signal handler.
class FailingReleaseGate final : public Gate {
 public:
  bool acquire() override { return true; }
  void release() override { throw Fatal("unlock /q/pid/unix-dgram.shared: Read-only file system", EROFS); }
};

// Defect 9: a failure of the skeleton's own gate was reported as the
// service failing a datagram ("the other 2 were served").
TEST_F(ServerTest, TheGatesFailureIsReportedAsTheGatesAndTheBatchInHandIsServed) {
  int served = 0;
  Service service;
  service.on_datagram = [&](const Datagram&, Context&) {
    if (++served == 1) {
      auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(3);
      while (std::chrono::steady_clock::now() < until) {
      }
    }
  };
  service.gate = [](const std::string&) { return std::make_unique<FailingReleaseGate>(); };
  for (int i = 0; i < 3; ++i) socket_.send("x");
  EXPECT_EQ(run_with(service, {"-n", "shared", "-t", "unix-dgram", "-o", "dgram_busy_after_usec=1000"}), 1);
  EXPECT_EQ(served, 3);
  EXPECT_TRUE(logged("fatal: unlock /q/pid/unix-dgram.shared: Read-only file system")) << log_text();
  EXPECT_FALSE(logged("were served")) << log_text();
}

// Defect 10: SIGTERM (or stop()) during pre_accept still took a new batch.
TEST_F(ServerTest, SigtermOrStopDuringPreAcceptTakesNothing) {
  for (bool sigterm : {true, false}) {
    for (const char* mode : {"-l", "shared"}) {
      SCOPED_TRACE(std::string(sigterm ? "SIGTERM" : "stop()") + " " + mode);
      Recorder recorder;
      Service service = recorder.service();
      std::string gate_trace;
      if (std::string(mode) == "shared") {
        service.gate = [&](const std::string&) { return std::make_unique<CountingGate>(&gate_trace); };
      }
      service.hooks.pre_accept = [&](Context& context) {
        recorder.calls.push_back("pre_accept");
        if (sigterm) {
          ::raise(SIGTERM);
        } else {
          context.stop();
        }
      };
      for (int i = 0; i < 5; ++i) socket_.send("d");
      std::vector<std::string> words = std::string(mode) == "-l"
                                           ? std::vector<std::string>{"-l", "-t", "unix-dgram"}
                                           : std::vector<std::string>{"-n", "shared", "-t", "unix-dgram"};
      ASSERT_EQ(run_with(service, words), 0) << log_text();
      EXPECT_EQ(recorder.count("service"), 0);
      EXPECT_EQ(recorder.count("exit"), 1);
      EXPECT_EQ(socket_.drain(), 5);
      (void)records();
    }
  }
}


// ---- receive.pidfd and receive.timestamp (issue 19) through the whole skeleton

TEST_F(ServerTest, APidfdNamesTheSenderInTheCallbackAndNoneOutlivesTheRun) {
  if (!kernel_has_pidfds()) GTEST_SKIP() << "SO_PASSPIDFD needs Linux 6.5";
  int held = open_pidfds();
  for (const char* form : {"datagram", "batch"}) {
    std::vector<long> named;
    int sent = 0;
    Service service;
    service.receive.pidfd = true;
    // Five queued at a time (the queue is short): each one served sends the next.
    auto look = [&](const Datagram& d) {
      named.push_back(d.credentials == nullptr ? 0 : pidfd_pid(d.credentials->pidfd));
      if (sent < 40) socket_.send(std::to_string(sent++));
    };
    if (std::string(form) == "batch") {
      service.on_batch = [&](std::span<const Datagram> batch, Context&) {
        for (const Datagram& d : batch) look(d);
      };
    } else {
      service.on_datagram = [&](const Datagram& d, Context&) { look(d); };
    }
    service.hooks.post_init = [&](Context&) {
      while (sent < 5) socket_.send(std::to_string(sent++));
    };
    ASSERT_EQ(run_with(service, {"-l", "-t", "unix-dgram", "-m", "40", "-o", "dgram_receive_batch=7"}), 0)
        << log_text();
    EXPECT_EQ(named, std::vector<long>(40, ::getpid())) << form;
    EXPECT_EQ(open_pidfds(), held) << form << ": pidfds left open after run()";
  }
}

TEST_F(ServerTest, NoPidfdIsLeftOpenWhenACallbackThrows) {
  if (!kernel_has_pidfds()) GTEST_SKIP() << "SO_PASSPIDFD needs Linux 6.5";
  int held = open_pidfds();
  for (const char* form : {"datagram", "batch"}) {
    Service service;
    service.receive.pidfd = true;
    if (std::string(form) == "batch") {
      service.on_batch = [](std::span<const Datagram>, Context&) { throw std::runtime_error("refused"); };
    } else {
      service.on_datagram = [](const Datagram& d, Context&) {
        if (d.data == "2") throw std::runtime_error("refused");
      };
    }
    service.hooks.post_init = [&](Context&) {
      for (int i = 0; i < 5; ++i) socket_.send(std::to_string(i));
    };
    EXPECT_EQ(run_with(service, {"-l", "-t", "unix-dgram", "-m", "5", "-o", "dgram_receive_batch=5"}), 1)
        << log_text();
    EXPECT_EQ(open_pidfds(), held) << form << ": pidfds left open after the fatal error";
    (void)socket_.drain();
  }
}

TEST_F(ServerTest, ReceivedAtIsWhenTheKernelQueuedTheDatagramAndTheEpochWhenNotAsked) {
  for (bool asked : {true, false}) {
    std::vector<std::chrono::system_clock::time_point> seen;
    Service service;
    service.receive.timestamp = asked;
    service.on_datagram = [&](const Datagram& d, Context&) { seen.push_back(d.received_at); };
    std::chrono::system_clock::time_point before;
    service.hooks.post_init = [&](Context&) {
      before = std::chrono::system_clock::now();
      for (int i = 0; i < 3; ++i) socket_.send("t");
    };
    ASSERT_EQ(run_with(service, {"-l", "-t", "unix-dgram", "-m", "3"}), 0) << log_text();
    auto after = std::chrono::system_clock::now();
    ASSERT_EQ(seen.size(), 3u);
    for (auto when : seen) {
      if (asked) {
        EXPECT_GE(when, before);
        EXPECT_LE(when, after);
      } else {
        EXPECT_EQ(when, std::chrono::system_clock::time_point{});
      }
    }
  }
}

TEST_F(ServerTest, PidfdAndTimestampAreNotForOnSocket) {
  for (bool pidfd : {true, false}) {
    Service service;
    service.receive.pidfd = pidfd;
    service.receive.timestamp = !pidfd;
    service.on_socket = [](const SocketReady&, Context&) -> std::size_t { return 0; };
    EXPECT_EQ(run_with(service, {"-l", "-t", "unix-dgram", "-m", "1"}), 1);
    EXPECT_NE(log_text().find("receive options are for on_datagram and on_batch"), std::string::npos)
        << log_text();
  }
}

}  // namespace
}  // namespace dgram
