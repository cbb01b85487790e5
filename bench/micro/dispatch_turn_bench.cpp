// SPDX-License-Identifier: MIT
// dispatch_turn_bench - the cost of one dispatch turn with datagrams waiting.
//
// Each iteration sends N datagrams of 100 bytes to the socket and runs the
// skeleton's loop until they are served (wake, TAKEN, receive the batch,
// serve, AVAIL, idle timer): what one wake-up costs, in the batched mode and
// in the Postfix-compatible one-datagram mode, next to a plain send+recv
// baseline measured the same way. Sockets and the loop are made before the
// timed loop.
//
// api_turn/* measure what the service API asks for, with the settings the
// skeleton uses under the master with a process limit of 1 (batched, no
// status reports, no gate), the sender bound to a path: on_datagram (the old
// form), on_batch, and on_datagram with receive.sender, .credentials or
// both. api_turn/gate_* add the
// lock-file gate (a LockFileGate on a temporary file, status reports on, as
// with a process limit above 1), with a TerminationLatch installed as under
// dgram::run; the gate is free, so it is taken without the gate thread.
// Wall-clock time (the gate thread's work is in it): the counter
// per_datagram is the time per datagram, the time column per iteration (one
// wake-up's worth: N datagrams). For medians, as in bench/RESULTS.md:
//   dispatch_turn_bench --benchmark_repetitions=7 --benchmark_enable_random_interleaving=true
//     --benchmark_report_aggregates_only=true --benchmark_min_time=0.2
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <benchmark/benchmark.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "dgram/config.h"
#include "serve/lock_file_gate.h"
#include "dgram/log.h"
#include "dgram/service.h"
#include "dgram/unique_fd.h"
#include "serve/dispatch_loop.h"
#include "serve/termination.h"
#include "start/master_supervisor.h"

namespace {

struct Sockets {
  std::string dir;
  dgram::UniqueFd listen;
  dgram::UniqueFd sender;
  dgram::UniqueFd status_master;
  dgram::UniqueFd status_child;

  // named_sender: the sender is bound to a path (what receive.sender then
  // reports; a reply could reach it).
  explicit Sockets(bool named_sender = false) {
    char templ[] = "/tmp/dgram-bench.XXXXXX";
    if (::mkdtemp(templ) == nullptr) std::abort();
    dir = templ;
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::string path = dir + "/socket";
    std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
    listen.reset(::socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    sender.reset(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (::bind(listen.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)) < 0) std::abort();
    if (named_sender) {
      sockaddr_un own{};
      own.sun_family = AF_UNIX;
      std::string own_path = dir + "/sender";
      std::memcpy(own.sun_path, own_path.c_str(), own_path.size() + 1);
      if (::bind(sender.get(), reinterpret_cast<sockaddr*>(&own), sizeof(own)) < 0) std::abort();
    }
    if (::connect(sender.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)) < 0) std::abort();
    int pair[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, pair) < 0) std::abort();
    status_master.reset(pair[0]);
    status_child.reset(pair[1]);
  }
  ~Sockets() {
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }
  void send(int count) const {
    static const std::string payload(100, 'x');
    for (int i = 0; i < count; ++i) {
      if (::send(sender.get(), payload.data(), payload.size(), 0) < 0) std::abort();
    }
  }
  void drain_status() const {
    char buffer[16384];
    while (::recv(status_master.get(), buffer, sizeof(buffer), MSG_DONTWAIT) > 0) {
    }
  }
};

void turn(benchmark::State& state, bool compatible) {
  const int waiting = static_cast<int>(state.range(0));
  Sockets sockets;
  dgram::Log log("bench");
  log.set_sink({});
  dgram::Config config;
  unsigned long long served = 0;
  dgram::Service service;
  service.on_datagram = [&served](const dgram::Datagram& d, dgram::Context&) {
    served += d.data.size() > 0;
  };
  std::vector<std::string> args;
  dgram::EventBase base;
  dgram::ServiceEvents events(base);
  dgram::Context context{"bench", args, log, config, events};
  events.set_context(&context);
  dgram::MasterSupervisor status(dgram::StatusChannel(sockets.status_child.get(), ::getpid(), 0));
  dgram::DispatchSettings settings;
  settings.max_idle = 100;
  settings.batch_limit = compatible ? 1 : 64;
  settings.report_status = true;
  dgram::DispatchLoop loop(base, service, context, status, nullptr, nullptr, &events,
                           {sockets.listen.get()}, settings);
  unsigned long long turns = 0;
  for (auto _ : state) {
    sockets.send(waiting);
    bool running = true;
    for (int left = waiting; left > 0 && running; left -= compatible ? 1 : waiting) running = loop.turn();
    if (!running) {
      state.SkipWithError("the loop stopped (status channel full?)");
      break;
    }
    // The master's end is read now and then (its cost, amortized, is in the
    // figure). Often enough: each 12-byte record takes a whole socket buffer
    // slot, so a few hundred unread ones fill the channel and AVAIL fails.
    if (++turns % 16 == 0) sockets.drain_status();
  }
  if (served != static_cast<unsigned long long>(state.iterations()) * static_cast<unsigned long long>(waiting)) {
    state.SkipWithError("not every datagram was served");
  }
  state.SetItemsProcessed(state.iterations() * waiting);
}

void BM_TurnBatched(benchmark::State& state) { turn(state, false); }
void BM_TurnPostfixCompatible(benchmark::State& state) { turn(state, true); }

// The baseline: the same sends and one plain recv() per datagram.
void BM_SendRecvBaseline(benchmark::State& state) {
  const int waiting = static_cast<int>(state.range(0));
  Sockets sockets;
  char buffer[4096];
  for (auto _ : state) {
    sockets.send(waiting);
    for (int i = 0; i < waiting; ++i) {
      if (::recv(sockets.listen.get(), buffer, sizeof(buffer), 0) < 0) std::abort();
    }
  }
  state.SetItemsProcessed(state.iterations() * waiting);
}

BENCHMARK(BM_SendRecvBaseline)->Arg(1)->Arg(8);
BENCHMARK(BM_TurnBatched)->Arg(1)->Arg(8);
BENCHMARK(BM_TurnPostfixCompatible)->Arg(1)->Arg(8);

// ---------------------------------------------------------------- the new API

enum class Form { datagram, batch };
enum class GateUse { none, thread };

struct Variant {
  Form form = Form::datagram;
  dgram::ReceiveOptions receive;
  GateUse gate = GateUse::none;
};

// What a callback does with each datagram: enough to read every field it
// was handed, so the compiler keeps what the receiver filled in.
struct Tally {
  unsigned long long served = 0;
  unsigned long long checksum = 0;
  void see(const dgram::Datagram& d) {
    ++served;
    checksum += d.data.size();
    if (d.sender) checksum += static_cast<unsigned long long>(d.sender->kind) + d.sender->name.size();
    if (d.credentials) checksum += static_cast<unsigned long long>(d.credentials->pid);
  }
};

void api_turn(benchmark::State& state, Variant variant) {
  const int waiting = static_cast<int>(state.range(0));
  Sockets sockets(/*named_sender=*/true);
  if (variant.receive.credentials) {
    int on = 1;
    if (::setsockopt(sockets.listen.get(), SOL_SOCKET, SO_PASSCRED, &on, sizeof(on)) < 0) std::abort();
  }
  // The latch makes the loop wait for the gate on its thread (as under run()).
  std::optional<dgram::TerminationLatch> latch;
  if (variant.gate == GateUse::thread) latch.emplace();
  std::unique_ptr<dgram::LockFileGate> gate;
  if (variant.gate != GateUse::none) gate = std::make_unique<dgram::LockFileGate>(sockets.dir + "/unix-dgram.bench");

  dgram::Log log("bench");
  log.set_sink({});
  dgram::Config config;
  Tally tally;
  dgram::Service service;
  service.receive = variant.receive;
  if (variant.form == Form::batch) {
    service.on_batch = [&tally](std::span<const dgram::Datagram> batch, dgram::Context&) {
      for (const auto& d : batch) tally.see(d);
    };
  } else {
    service.on_datagram = [&tally](const dgram::Datagram& d, dgram::Context&) { tally.see(d); };
  }
  std::vector<std::string> args;
  dgram::EventBase base;
  dgram::ServiceEvents events(base);
  dgram::Context context{"bench", args, log, config, events};
  events.set_context(&context);
  dgram::MasterSupervisor status(dgram::StatusChannel(sockets.status_child.get(), ::getpid(), 0));
  dgram::DispatchSettings settings;
  settings.max_idle = 100;
  settings.batch_limit = 64;
  // As the skeleton does: status reports only when the master may start a sibling.
  settings.report_status = variant.gate != GateUse::none;
  dgram::DispatchLoop loop(base, service, context, status, gate.get(), nullptr, &events,
                           {sockets.listen.get()}, settings);
  unsigned long long turns = 0;
  unsigned long long target = 0;
  for (auto _ : state) {
    sockets.send(waiting);
    target += static_cast<unsigned long long>(waiting);
    // With the gate on its thread a wake-up takes two turns: one that gets
    // the gate, one that serves; the loop runs until everything was served.
    bool running = true;
    while (tally.served < target && running) {
      running = loop.turn();
      if (++turns % 16 == 0) sockets.drain_status();
    }
    if (!running) {
      state.SkipWithError("the loop stopped (status channel full?)");
      break;
    }
  }
  benchmark::DoNotOptimize(tally.checksum);
  if (tally.served != target) state.SkipWithError("not every datagram was served");
  if (variant.receive.credentials && tally.checksum == 0) state.SkipWithError("no credentials seen");
  state.SetItemsProcessed(state.iterations() * waiting);
  state.counters["per_datagram"] = benchmark::Counter(static_cast<double>(state.iterations() * waiting),
                                                      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  state.counters["turns_per_iteration"] =
      benchmark::Counter(static_cast<double>(turns), benchmark::Counter::kAvgIterations);
}

constexpr dgram::ReceiveOptions kBare{};
constexpr dgram::ReceiveOptions kSender{.sender = true, .credentials = false};
constexpr dgram::ReceiveOptions kCredentials{.sender = false, .credentials = true};
constexpr dgram::ReceiveOptions kBoth{.sender = true, .credentials = true};

BENCHMARK_CAPTURE(api_turn, on_datagram, Variant{Form::datagram, kBare, GateUse::none})->Arg(1)->Arg(8)->UseRealTime();
BENCHMARK_CAPTURE(api_turn, on_batch, Variant{Form::batch, kBare, GateUse::none})->Arg(1)->Arg(8)->UseRealTime();
BENCHMARK_CAPTURE(api_turn, on_datagram_sender, Variant{Form::datagram, kSender, GateUse::none})->Arg(1)->Arg(8)->UseRealTime();
BENCHMARK_CAPTURE(api_turn, on_datagram_credentials, Variant{Form::datagram, kCredentials, GateUse::none})
    ->Arg(1)
    ->Arg(8)
    ->UseRealTime();
BENCHMARK_CAPTURE(api_turn, on_datagram_both, Variant{Form::datagram, kBoth, GateUse::none})->Arg(1)->Arg(8)->UseRealTime();
BENCHMARK_CAPTURE(api_turn, gate_thread, Variant{Form::datagram, kBare, GateUse::thread})->Arg(1)->Arg(8)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
