// SPDX-License-Identifier: MIT
// receive_options_test - which socket options apply_receive_options sets
// (read back with getsockopt on real sockets), and the fatal line for a
// kernel without SO_PASSPIDFD, from a table.
#include <sys/socket.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "base/socket_constants.h"
#include "dgram/error.h"
#include "dgram/unique_fd.h"
#include "start/receive_options.h"
#include "support/pidfds.h"

namespace dgram {
namespace {

using testing::kernel_has_pidfds;

UniqueFd datagram_socket() {
  UniqueFd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!fd) throw_errno("socket");
  return fd;
}

// The option's value, or -1 when getsockopt refuses it.
int option_value(int fd, int option) {
  int value = 0;
  socklen_t length = sizeof(value);
  if (::getsockopt(fd, SOL_SOCKET, option, &value, &length) < 0) return -1;
  return value;
}

TEST(ReceiveOptions, NothingAskedNothingSet) {
  UniqueFd fd = datagram_socket();
  int fds[] = {fd.get()};
  ASSERT_NO_THROW(apply_receive_options(fds, ReceiveOptions{true, false, false, false}));
  EXPECT_EQ(option_value(fd.get(), SO_PASSCRED), 0);
  EXPECT_EQ(option_value(fd.get(), kTimestampNs), 0);
}

TEST(ReceiveOptions, CredentialsAndTimestampOnEverySocket) {
  UniqueFd first = datagram_socket(), second = datagram_socket();
  int fds[] = {first.get(), second.get()};
  ReceiveOptions options;
  options.credentials = true;
  options.timestamp = true;
  ASSERT_NO_THROW(apply_receive_options(fds, options));
  for (int fd : fds) {
    EXPECT_EQ(option_value(fd, SO_PASSCRED), 1);
    EXPECT_EQ(option_value(fd, kTimestampNs), 1);
  }
}

TEST(ReceiveOptions, PidfdImpliesCredentials) {
  if (!kernel_has_pidfds()) GTEST_SKIP() << "SO_PASSPIDFD needs Linux 6.5";
  UniqueFd fd = datagram_socket();
  int fds[] = {fd.get()};
  ReceiveOptions options;
  options.pidfd = true;
  ASSERT_NO_THROW(apply_receive_options(fds, options));
  EXPECT_EQ(option_value(fd.get(), SO_PASSCRED), 1);
  EXPECT_EQ(option_value(fd.get(), kPassPidfd), 1);
}

TEST(ReceiveOptions, AFailureNamesTheOptionAndTheFd) {
  int fds[] = {1000000};  // not open
  ReceiveOptions options;
  options.credentials = true;
  try {
    apply_receive_options(fds, options);
    FAIL() << "no error for a closed fd";
  } catch (const Fatal& fatal) {
    EXPECT_EQ(std::string(fatal.what()),
              "SO_PASSCRED on the listen socket (fd 1000000): " + std::string(std::strerror(EBADF)));
    EXPECT_EQ(fatal.error_number(), EBADF);
  }
}

struct OldKernel {
  const char* release;
  int error;
  const char* line;
};

TEST(ReceiveOptions, TheLineForAKernelWithoutPidfds) {
  const std::string head =
      "the service asked for the sender's pidfd (receive.pidfd, SO_PASSPIDFD), which needs Linux 6.5 or later; ";
  const OldKernel table[] = {
      {"6.1.0-18-amd64", ENOPROTOOPT, "this kernel is 6.1.0-18-amd64: Protocol not available"},
      {"5.10.0-28-amd64", ENOPROTOOPT, "this kernel is 5.10.0-28-amd64: Protocol not available"},
      {"4.19.0-x", EINVAL, "this kernel is 4.19.0-x: Invalid argument"},
      {"", ENOPROTOOPT, "this kernel is of unknown release: Protocol not available"},
  };
  for (const OldKernel& row : table) {
    EXPECT_EQ(pidfd_unsupported_line(row.release, row.error), head + row.line) << row.release;
  }
}

}  // namespace
}  // namespace dgram
