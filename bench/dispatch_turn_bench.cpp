// dispatch_turn_bench - the cost of one dispatch turn with datagrams waiting.
//
// Each iteration sends N datagrams of 100 bytes to the socket and runs one
// turn of the skeleton's loop (wake, TAKEN, receive the batch, serve, AVAIL,
// idle timer): what one wake-up costs, in the batched mode and in the
// Postfix-compatible one-datagram mode, next to a plain send+recv baseline
// measured the same way. Sockets and the loop are made before the timed loop.
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <benchmark/benchmark.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include "dgram/config.h"
#include "dgram/log.h"
#include "dgram/master_protocol.h"
#include "dgram/service.h"
#include "dgram/unique_fd.h"
#include "dispatch_loop.h"

namespace {

struct Sockets {
  std::string dir;
  dgram::UniqueFd listen;
  dgram::UniqueFd sender;
  dgram::UniqueFd status_master;
  dgram::UniqueFd status_child;

  Sockets() {
    char templ[] = "/tmp/dgram-bench.XXXXXX";
    if (::mkdtemp(templ) == nullptr) std::abort();
    dir = templ;
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::string path = dir + "/socket";
    std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
    listen.reset(::socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    sender.reset(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (::bind(listen.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)) < 0 ||
        ::connect(sender.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)) < 0) {
      std::abort();
    }
    int pair[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, pair) < 0) std::abort();
    status_master.reset(pair[0]);
    status_child.reset(pair[1]);
  }
  ~Sockets() {
    ::unlink((dir + "/socket").c_str());
    ::rmdir(dir.c_str());
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
  dgram::StatusChannel status(sockets.status_child.get(), ::getpid(), 0);
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

}  // namespace

BENCHMARK_MAIN();
