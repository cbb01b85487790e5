// SPDX-License-Identifier: MIT
// pidfds - /proc and a socket option, read for the pidfd tests.
#include "support/pidfds.h"

#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>

#include "base/socket_constants.h"
#include "dgram/unique_fd.h"

namespace dgram::testing {

bool kernel_has_pidfds() {
  UniqueFd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  int on = 1;
  return fd && ::setsockopt(fd.get(), SOL_SOCKET, kPassPidfd, &on, sizeof(on)) == 0;
}

long pidfd_pid(int fd) {
  std::ifstream info("/proc/self/fdinfo/" + std::to_string(fd));
  std::string word;
  long pid = 0;
  while (info >> word) {
    if (word == "Pid:" && (info >> pid)) return pid;
  }
  return 0;
}

int pidfds_held_by(pid_t pid) {
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd")) {
    std::error_code error;
    auto target = std::filesystem::read_symlink(entry.path(), error);
    if (!error && target.string().find("pidfd") != std::string::npos) ++count;
  }
  return count;
}

int open_pidfds() { return pidfds_held_by(::getpid()); }

}  // namespace dgram::testing
