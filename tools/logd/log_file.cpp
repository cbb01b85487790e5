// log_file - opening the log file and appending batches of records.
#include "log_file.h"

#include <fcntl.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <climits>

#include "dgram/error.h"

namespace dgram::logd {

LogFile::LogFile(const std::string& path) : path_(path) {
  int fd;
  if (path == "/dev/stdout") {
    fd = ::fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
  } else {
    fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
  }
  if (fd < 0) throw_errno("open maillog_file " + path);
  fd_.reset(fd);
}

bool LogFile::append(const std::vector<std::string_view>& records) {
  static const char newline = '\n';
  std::vector<iovec> pieces;
  pieces.reserve(records.size() * 2);
  for (auto record : records) {
    pieces.push_back({const_cast<char*>(record.data()), record.size()});
    pieces.push_back({const_cast<char*>(&newline), 1});
  }
  std::size_t first = 0;
  while (first < pieces.size()) {
    int count = static_cast<int>(std::min<std::size_t>(pieces.size() - first, IOV_MAX));
    ssize_t written = ::writev(fd_.get(), pieces.data() + first, count);
    if (written < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    // Skip what was written; a short write resumes inside a piece.
    auto left = static_cast<std::size_t>(written);
    while (first < pieces.size() && left >= pieces[first].iov_len) {
      left -= pieces[first].iov_len;
      ++first;
    }
    if (left > 0) {
      pieces[first].iov_base = static_cast<char*>(pieces[first].iov_base) + left;
      pieces[first].iov_len -= left;
    }
  }
  return true;
}

}  // namespace dgram::logd
