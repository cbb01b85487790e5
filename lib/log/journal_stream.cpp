// SPDX-License-Identifier: MIT
// journal_stream - <N>-prefixed lines on a stderr that journald reads.
#include "log/journal_stream.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "dgram/embedding.h"

namespace dgram {

bool journal_stream_matches(const std::map<std::string, std::string>& env, int fd) {
  auto it = env.find("JOURNAL_STREAM");
  if (it == env.end()) return false;
  unsigned long long device = 0;
  unsigned long long inode = 0;
  char extra = 0;
  if (std::sscanf(it->second.c_str(), "%llu:%llu%c", &device, &inode, &extra) != 2) return false;
  struct stat status {};
  if (::fstat(fd, &status) < 0) return false;
  return static_cast<unsigned long long>(status.st_dev) == device &&
         static_cast<unsigned long long>(status.st_ino) == inode;
}

int journal_priority(Severity severity) noexcept {
  switch (severity) {
    case Severity::info: return 6;
    case Severity::warning: return 4;
    case Severity::error: return 3;
    case Severity::fatal: return 2;
  }
  return 6;
}

Log::RecordSink journal_sink(int fd) {
  return [fd](const LogRecord& record) {
    char priority[4] = {'<', static_cast<char>('0' + journal_priority(record.severity)), '>', '\0'};
    std::string line;
    line.reserve(record.text.size() + 16);
    line.append(priority, 3);
    line.append(severity_prefix(record.severity));
    line.append(record.text);
    line.push_back('\n');
    const char* data = line.data();
    std::size_t left = line.size();
    while (left > 0) {
      ssize_t written = ::write(fd, data, left);
      if (written < 0 && errno == EINTR) continue;
      if (written <= 0) return;  // journald is gone: nowhere else to say it
      data += written;
      left -= static_cast<std::size_t>(written);
    }
  };
}

}  // namespace dgram
