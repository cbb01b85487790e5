// SPDX-License-Identifier: MIT
// no_allocation_test - serving allocates nothing per datagram: between one
// batch and the next (receive, sender addresses, credentials, pidfds,
// timestamps, the batch span, status records, the loop's turn) the heap is
// not touched.
//
// The test binary counts every operator new; the service writes down the
// count when each batch starts, into storage that exists beforehand.
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <span>
#include <string>
#include <vector>

#include "base/socket_constants.h"
#include "dgram/embedding.h"
#include "dgram/unique_fd.h"
#include "support/datagram_socket.h"
#include "support/temp_dir.h"

namespace {
std::atomic<unsigned long> allocations{0};
}  // namespace

// The replacements below pair malloc with free; g++ cannot see that where it
// inlines them into library code and warns about a mismatch that is not one.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

void* operator new(std::size_t size) {
  allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace dgram {
namespace {

struct Form {
  const char* name;
  bool batch;
  bool sender;
  bool credentials;
  bool pidfd = false;      // with credentials: SO_PASSPIDFD (skipped before Linux 6.5)
  bool timestamp = false;
};

class NoAllocation : public ::testing::TestWithParam<Form> {};

TEST_P(NoAllocation, BetweenOneBatchAndTheNext) {
  testing::TempDir dir;
  dir.write_main_cf();
  testing::DatagramSocket socket(dir.file("socket"));
  int status[2], flow[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, status), 0);
  ASSERT_EQ(::pipe2(flow, O_CLOEXEC), 0);
  UniqueFd status_ours(status[0]), status_theirs(status[1]), flow_read(flow[0]), flow_write(flow[1]);
  UniqueFd null(::open("/dev/null", O_RDONLY | O_CLOEXEC));

  // Counts at the start of each batch; reserved before anything runs.
  std::vector<unsigned long> at_batch;
  at_batch.reserve(16);
  std::size_t seen_in_batch = 0;
  Service service;
  service.receive.sender = GetParam().sender;
  service.receive.credentials = GetParam().credentials;
  service.receive.pidfd = GetParam().pidfd;
  service.receive.timestamp = GetParam().timestamp;
  if (GetParam().pidfd) {
    // Asked for before the datagrams below are queued, so they carry pidfds
    // (the skeleton sets the same options again at start-up).
    int on = 1;
    if (::setsockopt(socket.listen_fd(), SOL_SOCKET, kPassPidfd, &on, sizeof(on)) < 0) {
      GTEST_SKIP() << "SO_PASSPIDFD needs Linux 6.5";
    }
    ASSERT_EQ(::setsockopt(socket.listen_fd(), SOL_SOCKET, SO_PASSCRED, &on, sizeof(on)), 0);
  }
  std::size_t with_pidfd = 0;
  auto count_pidfd = [&](const Datagram& d) {
    if (d.credentials != nullptr && d.credentials->pidfd >= 0) ++with_pidfd;
  };
  if (GetParam().batch) {
    service.on_batch = [&](std::span<const Datagram> batch, Context&) {
      at_batch.push_back(allocations.load(std::memory_order_relaxed));
      for (const Datagram& d : batch) count_pidfd(d);
    };
  } else {
    service.on_datagram = [&](const Datagram& d, Context&) {
      if (seen_in_batch++ % 3 == 0) at_batch.push_back(allocations.load(std::memory_order_relaxed));
      count_pidfd(d);
    };
  }
  for (int i = 0; i < 9; ++i) socket.send("datagram " + std::to_string(i));

  Launch launch;
  // -n without -l: status records are written for every batch.
  launch.argv = {"/usr/libexec/test", "-n", "svc", "-t", "unix-dgram", "-m", "9", "-o",
                 "dgram_receive_batch=3"};
  launch.env = {{"MAIL_CONFIG", dir.path()}};
  launch.fds.flow_read = flow_read.get();
  launch.fds.flow_write = flow_write.get();
  launch.fds.status = status_theirs.get();
  launch.fds.listen = {socket.listen_fd()};
  launch.fds.terminal_check = null.get();
  launch.log_sink = [](Severity, std::string_view) {};
  service.gate = [](const std::string&) {
    struct NoGate final : Gate {
      bool acquire() override { return true; }
      void release() override {}
    };
    return std::make_unique<NoGate>();
  };
  ASSERT_EQ(run(service, launch), 0);
  ASSERT_EQ(at_batch.size(), 3u);
  // The first batch may warm things up (libevent, first receive); after
  // that, a whole turn and a whole batch allocate nothing.
  EXPECT_EQ(at_batch[2] - at_batch[1], 0u) << GetParam().name;
  EXPECT_EQ(with_pidfd, GetParam().pidfd ? 9u : 0u);
}

INSTANTIATE_TEST_SUITE_P(Forms, NoAllocation,
                         ::testing::Values(Form{"datagram", false, false, false},
                                           Form{"batch", true, false, false},
                                           Form{"datagram_with_sender_and_credentials", false, true, true},
                                           Form{"batch_with_sender_and_credentials", true, true, true},
                                           Form{"datagram_with_every_option", false, true, true, true, true},
                                           Form{"batch_with_every_option", true, true, true, true, true}),
                         [](const ::testing::TestParamInfo<Form>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace dgram
