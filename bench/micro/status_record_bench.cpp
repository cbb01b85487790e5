// SPDX-License-Identifier: MIT
// status_record_bench - the cost of one TAKEN/AVAIL record to the master.
//
// StatusChannel::notify() writes one 12-byte record into one end of a stream
// socketpair, as a child does on fd 5. The benchmark plays the master: it
// drains the other end, but only every kDrainEvery records and with the timer
// paused, so the timed loop holds nothing but notify(). The pair is made
// before the loop.
#include <sys/socket.h>
#include <unistd.h>

#include <benchmark/benchmark.h>

#include <array>
#include <cerrno>

#include "dgram/error.h"
#include "start/master_protocol.h"
#include "dgram/unique_fd.h"

namespace {

constexpr int kDrainEvery = 256;  // 3 KiB of records: far below the socket buffer

// drain - reads whatever the "master" end holds, without blocking.
void drain(int fd) {
  std::array<char, 16384> buffer;
  while (::recv(fd, buffer.data(), buffer.size(), MSG_DONTWAIT) > 0) {
  }
}

void BM_StatusNotify(benchmark::State& state) {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) < 0) dgram::throw_errno("socketpair");
  dgram::UniqueFd child_end(fds[0]);
  dgram::UniqueFd master_end(fds[1]);
  dgram::StatusChannel channel(child_end.get(), ::getpid(), 0);
  int since_drain = 0;
  bool ok = true;
  for (auto _ : state) {
    ok &= channel.notify((since_drain & 1) ? dgram::ChildStatus::avail : dgram::ChildStatus::taken);
    if (++since_drain == kDrainEvery) {
      state.PauseTiming();
      drain(master_end.get());
      since_drain = 0;
      state.ResumeTiming();
    }
  }
  drain(master_end.get());
  if (!ok) state.SkipWithError("notify failed");
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_StatusNotify);

}  // namespace

BENCHMARK_MAIN();
