// SPDX-License-Identifier: MIT
// safe_append_open - the checks around opening a log file for appending.
#include "log/safe_append_open.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace dgram {

namespace {

constexpr int kAppendFlags = O_WRONLY | O_APPEND | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
constexpr const char* kChanged = "file changed between the check and the open";

AppendOpened refused(std::string reason) { return AppendOpened{UniqueFd(), std::move(reason)}; }
AppendOpened refused_errno(int error) { return refused(std::strerror(error)); }

std::string decimal(unsigned long value) { return std::to_string(value); }

// Linux's null device (character device 1,3), whatever its name; a FIFO or a
// file called /dev/null is not it.
bool is_null_device(const struct stat& status) {
  return S_ISCHR(status.st_mode) && major(status.st_rdev) == 1 && minor(status.st_rdev) == 3;
}

// why_refused - the reason a file may not be appended to; empty when it may.
std::string why_refused(const struct stat& status, const AppendOpenRules& rules) {
  if (rules.null_device_allowed && is_null_device(status)) return {};
  if (!S_ISREG(status.st_mode)) return "not a regular file";
  if (status.st_nlink != 1) return "file has " + decimal(status.st_nlink) + " hard links";
  if (rules.owned_by_effective_user && status.st_uid != ::geteuid()) {
    return "file owned by uid " + decimal(status.st_uid) + ", not by the effective user (uid " +
           decimal(::geteuid()) + ")";
  }
  return {};
}

// verified - the checks after the open: the descriptor is the file that was
// checked (when one was), a file we accept, and blocking again.
AppendOpened verified(UniqueFd fd, const struct stat* checked, const AppendOpenRules& rules) {
  struct stat opened;
  if (::fstat(fd.get(), &opened) < 0) return refused_errno(errno);
  if (checked && (opened.st_dev != checked->st_dev || opened.st_ino != checked->st_ino)) {
    return refused(kChanged);
  }
  if (std::string reason = why_refused(opened, rules); !reason.empty()) return refused(std::move(reason));
  int flags = ::fcntl(fd.get(), F_GETFL);
  if (flags < 0 || ::fcntl(fd.get(), F_SETFL, flags & ~O_NONBLOCK) < 0) return refused_errno(errno);
  return AppendOpened{std::move(fd), {}};
}

void run(const std::function<void()>& hook) {
  if (hook) hook();
}

}  // namespace

AppendOpened safe_append_open(const std::string& path, const AppendOpenRules& rules) {
  // Two rounds at most: a file created by someone else between our lstat()
  // and our O_EXCL create is then checked like any existing file.
  for (int round = 0; round < 2; ++round) {
    struct stat checked;
    if (::lstat(path.c_str(), &checked) < 0) {
      if (errno != ENOENT) return refused_errno(errno);
      run(rules.between_check_and_open);
      UniqueFd fd(::open(path.c_str(), kAppendFlags | O_CREAT | O_EXCL | O_NOFOLLOW, rules.create_mode));
      if (!fd) {
        if (errno == EEXIST && round == 0) continue;
        return refused_errno(errno);
      }
      // Unless told otherwise, the umask must not change the mode asked for.
      if (!rules.umask_applies && ::fchmod(fd.get(), rules.create_mode) < 0) return refused_errno(errno);
      return verified(std::move(fd), nullptr, rules);
    }
    bool follow = S_ISLNK(checked.st_mode);
    if (follow) {
      if (!rules.follow_link_owned_by_root) return refused("symbolic link");
      if (checked.st_uid != 0) {
        return refused("symbolic link not owned by root (owner uid " + decimal(checked.st_uid) + ")");
      }
      if (::stat(path.c_str(), &checked) < 0) {
        return refused(std::string("follow symbolic link: ") + std::strerror(errno));
      }
    }
    if (std::string reason = why_refused(checked, rules); !reason.empty()) return refused(std::move(reason));
    run(rules.between_check_and_open);
    UniqueFd fd(::open(path.c_str(), kAppendFlags | (follow ? 0 : O_NOFOLLOW)));
    if (!fd) {
      // Removed, or replaced by a link or a FIFO without a reader, since the check.
      if (errno == ENOENT || errno == ELOOP || errno == ENXIO) return refused(kChanged);
      return refused_errno(errno);
    }
    return verified(std::move(fd), &checked, rules);
  }
  return refused(kChanged);
}

}  // namespace dgram
