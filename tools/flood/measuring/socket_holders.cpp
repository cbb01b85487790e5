// SPDX-License-Identifier: MIT
// socket_holders - scanning /proc/*/fd for one socket, and telling masters from receivers.
#include "measuring/socket_holders.h"

#include <unistd.h>

#include <algorithm>
#include <climits>
#include <string>

#include "failure.h"
#include "measuring/proc_file.h"

namespace flood {

namespace {

constexpr pid_t kInit = 1;

// holds - whether one of the descriptors of pid is the link `wanted`; error set when unreadable.
bool holds(pid_t pid, const std::string& wanted, int& error) {
  const std::string folder = "/proc/" + std::to_string(pid) + "/fd";
  std::vector<pid_t> fds;
  error = list_numbered(folder, fds);
  if (error != 0) return false;
  char link[PATH_MAX];
  for (pid_t fd : fds) {
    const std::string entry = folder + "/" + std::to_string(fd);
    ssize_t n = ::readlink(entry.c_str(), link, sizeof(link));
    // A descriptor closed since the listing has no link any more: it holds nothing.
    if (n < 0) continue;
    if (std::string_view(link, static_cast<std::size_t>(n)) == wanted) return true;
  }
  return false;
}

}  // namespace

HolderScan scan_socket_holders(std::uint64_t inode, pid_t self) {
  std::vector<pid_t> pids;
  if (int error = list_numbered("/proc", pids); error != 0) {
    throw errno_failure(kExitSendFailed, "cannot list /proc", error);
  }
  const std::string wanted = "socket:[" + std::to_string(inode) + "]";
  HolderScan scan;
  for (pid_t pid : pids) {
    if (pid == self || pid == kInit) continue;
    int error = 0;
    if (holds(pid, wanted, error)) {
      scan.holders.push_back(pid);
    } else if (error != 0 && !is_gone(error)) {
      ++scan.uninspected;
    }
  }
  std::sort(scan.holders.begin(), scan.holders.end());
  return scan;
}

MasterSplit split_masters(const std::vector<Holder>& holders) {
  MasterSplit split;
  for (const Holder& h : holders) {
    bool is_parent = std::any_of(holders.begin(), holders.end(),
                                 [&](const Holder& other) { return other.ppid == h.pid; });
    (is_parent || h.reaped_children ? split.masters : split.receivers).push_back(h.pid);
  }
  std::sort(split.masters.begin(), split.masters.end());
  std::sort(split.receivers.begin(), split.receivers.end());
  return split;
}

}  // namespace flood
