// SPDX-License-Identifier: MIT
// receive_options - setsockopt() for SO_PASSCRED, SO_PASSPIDFD and
// SO_TIMESTAMPNS_NEW, and the line for a kernel too old for pidfds.
#include "start/receive_options.h"

#include <sys/socket.h>
#include <sys/utsname.h>

#include <cerrno>
#include <cstring>

#include "base/socket_constants.h"
#include "dgram/error.h"

namespace dgram {

namespace {

// turn_on - sets the int option `option` to 1 on fd; errno on failure.
bool turn_on(int fd, int option) {
  int on = 1;
  return ::setsockopt(fd, SOL_SOCKET, option, &on, sizeof(on)) == 0;
}

// kernel_release - uname's release, or "" when uname fails.
std::string kernel_release() {
  utsname names{};
  if (::uname(&names) < 0) return "";
  return names.release;
}

}  // namespace

std::string pidfd_unsupported_line(std::string_view release, int error) {
  return "the service asked for the sender's pidfd (receive.pidfd, SO_PASSPIDFD), which needs Linux 6.5 "
         "or later; this kernel is " +
         (release.empty() ? std::string("of unknown release") : std::string(release)) + ": " +
         std::strerror(error);
}

void apply_receive_options(std::span<const int> fds, const ReceiveOptions& options) {
  for (int fd : fds) {
    std::string where = " on the listen socket (fd " + std::to_string(fd) + ")";
    if ((options.credentials || options.pidfd) && !turn_on(fd, SO_PASSCRED)) throw_errno("SO_PASSCRED" + where);
    if (options.pidfd && !turn_on(fd, kPassPidfd)) {
      int error = errno;
      if (error == ENOPROTOOPT || error == EINVAL) throw Fatal(pidfd_unsupported_line(kernel_release(), error), error);
      throw_errno("SO_PASSPIDFD" + where);
    }
    if (options.timestamp && !turn_on(fd, kTimestampNs)) throw_errno("SO_TIMESTAMPNS_NEW" + where);
  }
}

}  // namespace dgram
