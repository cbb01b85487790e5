// SPDX-License-Identifier: MIT
// log_file_open - opening maillog_file the way Postfix's safe_open() does.
#include "log_file_open.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "dgram/error.h"
#include "log_file.h"

namespace dgram::logd {

namespace {

constexpr int kAppendFlags = O_WRONLY | O_APPEND | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;

[[noreturn]] void refuse(const std::string& path, const std::string& reason) {
  throw Fatal("open maillog_file " + path + ": " + reason);
}

[[noreturn]] void refuse_errno(const std::string& path, int error) { refuse(path, std::strerror(error)); }

// Linux's null device (character device 1,3): records written there are
// discarded, which benchmarks and dry runs ask for. Only the device itself
// passes, whatever its name; a FIFO or a file called /dev/null does not.
bool is_null_device(const struct stat& status) {
  return S_ISCHR(status.st_mode) && major(status.st_rdev) == 1 && minor(status.st_rdev) == 3;
}

// A file we are willing to append to: regular, one name; or the null device.
void check_file(const std::string& path, const struct stat& status) {
  if (is_null_device(status)) return;
  if (!S_ISREG(status.st_mode)) refuse(path, "not a regular file");
  if (status.st_nlink != 1) {
    refuse(path, "file has " + std::to_string(static_cast<unsigned long>(status.st_nlink)) + " hard links");
  }
}

// The checks after the open: the descriptor is the file that was checked.
UniqueFd verified(const std::string& path, UniqueFd fd, const struct stat* checked) {
  struct stat opened;
  if (::fstat(fd.get(), &opened) < 0) refuse_errno(path, errno);
  if (checked && (opened.st_dev != checked->st_dev || opened.st_ino != checked->st_ino)) {
    refuse(path, "file changed between the check and the open");
  }
  check_file(path, opened);
  int flags = ::fcntl(fd.get(), F_GETFL);
  if (flags < 0 || ::fcntl(fd.get(), F_SETFL, flags & ~O_NONBLOCK) < 0) refuse_errno(path, errno);
  return fd;
}

void run(const std::function<void()>& hook) {
  if (hook) hook();
}

}  // namespace

mode_t parse_maillog_file_permissions(std::string_view value) {
  if (value == "0600") return 0600;
  if (value == "0640") return 0640;
  if (value == "0644") return 0644;
  throw Fatal("invalid maillog_file_permissions value '" + std::string(value) +
              "': specify 0600, 0640 or 0644");
}

UniqueFd open_log_file(const std::string& path, mode_t create_mode,
                       const std::function<void()>& between_check_and_open) {
  if (path == kStandardOutput) {
    UniqueFd fd(::fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3));
    if (!fd) refuse(path, std::string("duplicate standard output: ") + std::strerror(errno));
    return fd;
  }
  // Two rounds at most: a file created by someone else between our lstat()
  // and our O_EXCL create is then checked like any existing file.
  for (int round = 0; round < 2; ++round) {
    struct stat checked;
    if (::lstat(path.c_str(), &checked) < 0) {
      if (errno != ENOENT) refuse_errno(path, errno);
      run(between_check_and_open);
      UniqueFd fd(::open(path.c_str(), kAppendFlags | O_CREAT | O_EXCL | O_NOFOLLOW, create_mode));
      if (!fd) {
        if (errno == EEXIST && round == 0) continue;
        refuse_errno(path, errno);
      }
      // The umask must not weaken or change the mode that was asked for.
      if (::fchmod(fd.get(), create_mode) < 0) refuse_errno(path, errno);
      return verified(path, std::move(fd), nullptr);
    }
    bool follow = S_ISLNK(checked.st_mode);
    if (follow) {
      if (checked.st_uid != 0) {
        refuse(path, "symbolic link not owned by root (owner uid " +
                         std::to_string(static_cast<unsigned long>(checked.st_uid)) + ")");
      }
      if (::stat(path.c_str(), &checked) < 0) {
        refuse(path, std::string("follow symbolic link: ") + std::strerror(errno));
      }
    }
    check_file(path, checked);
    run(between_check_and_open);
    UniqueFd fd(::open(path.c_str(), kAppendFlags | (follow ? 0 : O_NOFOLLOW)));
    if (!fd) {
      // Removed, or replaced by a link or a FIFO without a reader, since the check.
      if (errno == ENOENT || errno == ELOOP || errno == ENXIO) {
        refuse(path, "file changed between the check and the open");
      }
      refuse_errno(path, errno);
    }
    return verified(path, std::move(fd), &checked);
  }
  refuse(path, "file changed between the check and the open");
}

std::optional<std::string> reopen_log_file(LogFile& file, mode_t create_mode) {
  UniqueFd fd;
  try {
    fd = open_log_file(file.path(), create_mode);
  } catch (const Fatal& refusal) {
    return refusal.what();
  }
  file.replace_descriptor(std::move(fd));
  return std::nullopt;
}

}  // namespace dgram::logd
