// SPDX-License-Identifier: MIT
// proc_file - whole-file reads and numbered folder listings under /proc.
#include "measuring/proc_file.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <memory>

namespace flood {

namespace {

struct DirCloser {
  void operator()(DIR* dir) const { (void)::closedir(dir); }  // read-only: nothing to lose
};

// decimal_id - the id a name like "4242" stands for, or -1 for any other name.
pid_t decimal_id(const char* name) {
  if (*name == '\0') return -1;
  long long value = 0;
  for (const char* c = name; *c != '\0'; ++c) {
    if (*c < '0' || *c > '9') return -1;
    value = value * 10 + (*c - '0');
    if (value > INT_MAX) return -1;
  }
  return static_cast<pid_t>(value);
}

}  // namespace

int read_proc_file(const std::string& path, std::string& text) {
  text.clear();
  int fd;
  do {
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return errno;
  int error = 0;
  char buffer[4096];
  for (;;) {
    ssize_t n = ::read(fd, buffer, sizeof(buffer));
    if (n > 0) {
      text.append(buffer, static_cast<std::size_t>(n));
    } else if (n == 0) {
      break;
    } else if (errno != EINTR) {
      error = errno;
      break;
    }
  }
  (void)::close(fd);  // opened read-only: close() has nothing to report
  return error;
}

int list_numbered(const std::string& dir, std::vector<pid_t>& ids) {
  ids.clear();
  std::unique_ptr<DIR, DirCloser> folder(::opendir(dir.c_str()));
  if (!folder) return errno;
  for (;;) {
    errno = 0;
    const dirent* entry = ::readdir(folder.get());
    if (entry == nullptr) return errno;  // 0 at the end of the folder
    pid_t id = decimal_id(entry->d_name);
    if (id >= 0) ids.push_back(id);
  }
}

}  // namespace flood
