// SPDX-License-Identifier: MIT
// lock_file_gate - opening the lock file safely and flock()ing it.
#include "serve/lock_file_gate.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "dgram/error.h"

namespace dgram {

namespace {

[[noreturn]] void refuse(const std::string& path, const std::string& why) {
  throw Fatal("open lock file " + path + ": " + why);
}

}  // namespace

std::string lock_file_path(const std::string& queue_directory, const std::string& transport,
                           const std::string& service_name) {
  std::string dir = queue_directory;
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  return dir + "/pid/" + transport + "." + service_name;
}

LockFileGate::LockFileGate(const std::string& path) : path_(path) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
  if (fd < 0) {
    if (errno == ELOOP) refuse(path, "is a symbolic link");
    refuse(path, std::strerror(errno));
  }
  fd_.reset(fd);
  struct stat st {};
  if (::fstat(fd, &st) < 0) refuse(path, std::string("fstat: ") + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) refuse(path, "not a regular file");
  if (st.st_nlink != 1) refuse(path, "file has " + std::to_string(st.st_nlink) + " hard links");
  if (st.st_uid != ::geteuid()) {
    refuse(path, "file is owned by uid " + std::to_string(st.st_uid) + ", not by uid " +
                     std::to_string(::geteuid()));
  }
}

bool LockFileGate::acquire() {
  if (::flock(fd_.get(), LOCK_EX) == 0) return true;
  if (errno == EINTR) return false;  // the skeleton interrupts a wait it no longer wants
  throw_errno("lock " + path_);
}

bool LockFileGate::try_acquire() {
  for (;;) {
    if (::flock(fd_.get(), LOCK_EX | LOCK_NB) == 0) return true;
    if (errno == EWOULDBLOCK) return false;
    if (errno != EINTR) throw_errno("lock " + path_);
  }
}

void LockFileGate::release() {
  if (int error = release_in_signal_handler(); error != 0) {
    errno = error;
    throw_errno("unlock " + path_);
  }
}

int LockFileGate::release_in_signal_handler() noexcept {
  while (::flock(fd_.get(), LOCK_UN) < 0) {
    if (errno != EINTR) return errno;
  }
  return 0;
}

}  // namespace dgram
