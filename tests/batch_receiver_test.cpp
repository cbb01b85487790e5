// SPDX-License-Identifier: MIT
// batch_receiver_test - the receiver's control messages on real sockets: the
// kernel's queueing time, the sender's pidfd (and that it still names that
// process once it has died), and that no pidfd outlives the next receive
// or the receiver. The options are set by apply_receive_options, as the
// skeleton does. Every wait is bounded (poll, waitpid after a pipe closes).
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "dgram/error.h"
#include "dgram/unique_fd.h"
#include "serve/batch_receiver.h"
#include "start/receive_options.h"
#include "support/pidfds.h"

namespace dgram {
namespace {

using testing::kernel_has_pidfds;
using testing::open_pidfds;
using testing::pidfd_pid;

// A datagram socket pair: receiver gets what sender sends.
struct Pair {
  UniqueFd receiver;
  UniqueFd sender;
};
Pair socket_pair() {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, fds) < 0) throw_errno("socketpair");
  return {UniqueFd(fds[0]), UniqueFd(fds[1])};
}

void send_text(int fd, const std::string& text) {
  ASSERT_EQ(::send(fd, text.data(), text.size(), 0), static_cast<ssize_t>(text.size())) << std::strerror(errno);
}

// Waits (10 s at most) until fd is readable.
bool readable(int fd) {
  pollfd p{fd, POLLIN, 0};
  int n;
  do {
    n = ::poll(&p, 1, 10000);
  } while (n < 0 && errno == EINTR);
  return n == 1;
}

int pidfd_send_signal(int pidfd, int signal) {
  return static_cast<int>(::syscall(SYS_pidfd_send_signal, pidfd, signal, nullptr, 0));
}

ReceiveOptions with_pidfd() {
  ReceiveOptions options;
  options.pidfd = true;
  return options;
}

TEST(BatchReceiver, ReceivedAtLiesBetweenTheSendAndTheReceive) {
  Pair pair = socket_pair();
  ReceiveOptions options;
  options.timestamp = true;
  int fd = pair.receiver.get();
  apply_receive_options(std::span<const int>(&fd, 1), options);
  BatchReceiver receiver(64, 4, options);
  for (int round = 0; round < 20; ++round) {
    auto before = std::chrono::system_clock::now();
    send_text(pair.sender.get(), "now");
    ASSERT_EQ(receiver.receive(fd, 4), 1);
    auto after = std::chrono::system_clock::now();
    Datagram datagram = receiver.datagram(0);
    EXPECT_GE(datagram.received_at, before) << "round " << round;
    EXPECT_LE(datagram.received_at, after) << "round " << round;
  }
}

TEST(BatchReceiver, ReceivedAtIsTheQueueingTimeNotTheReadingTime) {
  Pair pair = socket_pair();
  ReceiveOptions options;
  options.timestamp = true;
  int fd = pair.receiver.get();
  apply_receive_options(std::span<const int>(&fd, 1), options);
  BatchReceiver receiver(64, 4, options);
  send_text(pair.sender.get(), "queued");
  auto queued_by = std::chrono::system_clock::now();
  // Read it measurably later (bounded: 20 ms).
  timespec pause{0, 20 * 1000 * 1000};
  while (::nanosleep(&pause, &pause) < 0 && errno == EINTR) {
  }
  ASSERT_EQ(receiver.receive(fd, 4), 1);
  EXPECT_LE(receiver.datagram(0).received_at, queued_by);
}

TEST(BatchReceiver, WithoutTimestampReceivedAtIsTheEpoch) {
  Pair pair = socket_pair();
  BatchReceiver receiver(64, 4, ReceiveOptions{});
  send_text(pair.sender.get(), "when?");
  ASSERT_EQ(receiver.receive(pair.receiver.get(), 4), 1);
  EXPECT_EQ(receiver.datagram(0).received_at, std::chrono::system_clock::time_point{});
  EXPECT_EQ(receiver.datagram(0).credentials, nullptr);
}

TEST(BatchReceiver, EveryOptionTogetherFitsEachDatagramOfABatch) {
  if (!kernel_has_pidfds()) GTEST_SKIP() << "SO_PASSPIDFD needs Linux 6.5";
  Pair pair = socket_pair();
  ReceiveOptions options{true, true, true, true};
  int fd = pair.receiver.get();
  apply_receive_options(std::span<const int>(&fd, 1), options);
  BatchReceiver receiver(64, 8, options);
  auto before = std::chrono::system_clock::now();
  for (int i = 0; i < 8; ++i) send_text(pair.sender.get(), "d" + std::to_string(i));
  ASSERT_EQ(receiver.receive(fd, 8), 8);
  for (std::size_t i = 0; i < 8; ++i) {
    Datagram datagram = receiver.datagram(i);
    EXPECT_EQ(datagram.data, "d" + std::to_string(i));
    ASSERT_NE(datagram.credentials, nullptr);
    EXPECT_EQ(datagram.credentials->pid, ::getpid());
    EXPECT_GE(datagram.credentials->pidfd, 0);
    EXPECT_EQ(pidfd_pid(datagram.credentials->pidfd), ::getpid());
    EXPECT_GE(datagram.received_at, before);
  }
  EXPECT_EQ(receiver.control_truncated(), 0u);
}

// A forked child sends and waits; the pidfd names it while it lives, and
// still names it (and no later process) once it has exited and been reaped.
TEST(BatchReceiver, ThePidfdNamesTheSenderEvenAfterItWasReaped) {
  if (!kernel_has_pidfds()) GTEST_SKIP() << "SO_PASSPIDFD needs Linux 6.5";
  Pair pair = socket_pair();
  int fd = pair.receiver.get();
  apply_receive_options(std::span<const int>(&fd, 1), with_pidfd());
  BatchReceiver receiver(64, 4, with_pidfd());
  int go[2];
  ASSERT_EQ(::pipe2(go, O_CLOEXEC), 0);
  UniqueFd go_read(go[0]), go_write(go[1]);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    go_write.reset();
    if (::send(pair.sender.get(), "me", 2, 0) != 2) ::_exit(1);
    char byte;
    (void)::read(go_read.get(), &byte, 1);  // until the parent closes its end
    ::_exit(0);
  }
  go_read.reset();
  ASSERT_TRUE(readable(fd));
  ASSERT_EQ(receiver.receive(fd, 4), 1);
  Datagram datagram = receiver.datagram(0);
  ASSERT_NE(datagram.credentials, nullptr);
  EXPECT_EQ(datagram.credentials->pid, child);
  int pidfd = datagram.credentials->pidfd;
  ASSERT_GE(pidfd, 0);
  EXPECT_EQ(pidfd_pid(pidfd), child);
  EXPECT_EQ(pidfd_send_signal(pidfd, 0), 0) << std::strerror(errno);
  EXPECT_NE(::fcntl(pidfd, F_GETFD) & FD_CLOEXEC, 0) << "a received pidfd must be close-on-exec";

  go_write.reset();  // the child exits
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  // Reaped: its pid may be anybody's now, but the pidfd still means the dead one.
  EXPECT_EQ(pidfd_pid(pidfd), -1);
  errno = 0;
  EXPECT_EQ(pidfd_send_signal(pidfd, 0), -1);
  EXPECT_EQ(errno, ESRCH);
}

TEST(BatchReceiver, ADatagramQueuedBeforeTheOptionCarriesNoPidfd) {
  if (!kernel_has_pidfds()) GTEST_SKIP() << "SO_PASSPIDFD needs Linux 6.5";
  Pair pair = socket_pair();
  int fd = pair.receiver.get();
  int held = open_pidfds();
  send_text(pair.sender.get(), "early");
  apply_receive_options(std::span<const int>(&fd, 1), with_pidfd());
  send_text(pair.sender.get(), "late");
  BatchReceiver receiver(64, 4, with_pidfd());
  ASSERT_EQ(receiver.receive(fd, 4), 2);
  Datagram early = receiver.datagram(0);
  EXPECT_EQ(early.data, "early");
  EXPECT_EQ(early.credentials, nullptr);
  Datagram late = receiver.datagram(1);
  ASSERT_NE(late.credentials, nullptr);
  EXPECT_EQ(pidfd_pid(late.credentials->pidfd), ::getpid());
  EXPECT_EQ(open_pidfds(), held + 1) << "only the late datagram brought a pidfd";
  ASSERT_EQ(receiver.receive(fd, 4), 0);
  EXPECT_EQ(open_pidfds(), held);
}

// Each receive closes the pidfds of the batch before it; the destructor
// closes those of the last one; none piles up over many batches.
TEST(BatchReceiver, NoPidfdOutlivesTheNextReceiveOrTheReceiver) {
  if (!kernel_has_pidfds()) GTEST_SKIP() << "SO_PASSPIDFD needs Linux 6.5";
  Pair pair = socket_pair();
  int fd = pair.receiver.get();
  apply_receive_options(std::span<const int>(&fd, 1), with_pidfd());
  int held = open_pidfds();
  {
    BatchReceiver receiver(32, 8, with_pidfd());
    for (int batch = 0; batch < 200; ++batch) {
      int count = 1 + batch % 8;
      for (int i = 0; i < count; ++i) send_text(pair.sender.get(), "x");
      ASSERT_EQ(receiver.receive(fd, 8), count);
      // Not asking for every datagram (as after a callback threw) changes nothing.
      if (batch % 2 == 0) {
        EXPECT_GE(receiver.datagram(0).credentials->pidfd, 0);
      }
      ASSERT_EQ(open_pidfds(), held + count) << "batch " << batch;
    }
    ASSERT_EQ(receiver.receive(fd, 8), 0);
    EXPECT_EQ(open_pidfds(), held);
    send_text(pair.sender.get(), "last");
    ASSERT_EQ(receiver.receive(fd, 8), 1);
    EXPECT_EQ(open_pidfds(), held + 1);
  }
  EXPECT_EQ(open_pidfds(), held) << "the receiver's destructor closes the last batch's pidfds";
}

// A descriptor a sender passes itself is never left open in the receiver.
TEST(BatchReceiver, DescriptorsASenderPassesAreNotKept) {
  if (!kernel_has_pidfds()) GTEST_SKIP() << "SO_PASSPIDFD needs Linux 6.5";
  Pair pair = socket_pair();
  int fd = pair.receiver.get();
  auto count_fds = [] {
    int n = 0;
    for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
    return n;
  };
  // Sent before the options (no credentials, no pidfd), and after.
  auto send_with_fd = [&](const char* text) {
    int passed = STDIN_FILENO;
    char space[CMSG_SPACE(sizeof(int))] = {};
    iovec vector{const_cast<char*>(text), std::strlen(text)};
    msghdr message{};
    message.msg_iov = &vector;
    message.msg_iovlen = 1;
    message.msg_control = space;
    message.msg_controllen = sizeof(space);
    cmsghdr* cmsg = CMSG_FIRSTHDR(&message);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(cmsg), &passed, sizeof(passed));
    ASSERT_EQ(::sendmsg(pair.sender.get(), &message, 0), static_cast<ssize_t>(vector.iov_len)) << std::strerror(errno);
  };
  send_with_fd("early");
  ReceiveOptions options{true, true, true, true};
  apply_receive_options(std::span<const int>(&fd, 1), options);
  send_with_fd("late");
  int before = count_fds();
  {
    BatchReceiver receiver(64, 4, options);
    ASSERT_EQ(receiver.receive(fd, 4), 2);
    EXPECT_EQ(receiver.datagram(0).data, "early");
    EXPECT_EQ(receiver.datagram(1).data, "late");
    ASSERT_EQ(receiver.receive(fd, 4), 0);
    EXPECT_EQ(count_fds(), before);
  }
  EXPECT_EQ(count_fds(), before);
}

// Options someone else set on the socket bring messages nobody made room
// for: they are cut (MSG_CTRUNC, counted), what was asked for is still read
// right, and no descriptor is left open.
TEST(BatchReceiver, MessagesNotAskedForAreCutCountedAndLeaveNothingOpen) {
  if (!kernel_has_pidfds()) GTEST_SKIP() << "SO_PASSPIDFD needs Linux 6.5";
  Pair pair = socket_pair();
  int fd = pair.receiver.get();
  apply_receive_options(std::span<const int>(&fd, 1), ReceiveOptions{false, true, true, true});
  ReceiveOptions asked;
  asked.timestamp = true;
  int held = open_pidfds();
  {
    BatchReceiver receiver(64, 4, asked);
    auto before = std::chrono::system_clock::now();
    for (int i = 0; i < 4; ++i) send_text(pair.sender.get(), "cut");
    ASSERT_EQ(receiver.receive(fd, 4), 4);
    auto after = std::chrono::system_clock::now();
    for (std::size_t i = 0; i < 4; ++i) {
      Datagram datagram = receiver.datagram(i);
      EXPECT_EQ(datagram.data, "cut");
      EXPECT_EQ(datagram.credentials, nullptr);
      EXPECT_GE(datagram.received_at, before);
      EXPECT_LE(datagram.received_at, after);
    }
    EXPECT_EQ(receiver.control_truncated(), 4u);
    EXPECT_EQ(open_pidfds(), held);
  }
  EXPECT_EQ(open_pidfds(), held);
}

}  // namespace
}  // namespace dgram
