// SPDX-License-Identifier: MIT
// last_look - the looks kept between runs of dgram-stat.
#include "stat/last_look.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sstream>

namespace dgram {

std::optional<std::string> last_look_path(const char* runtime_dir, const char* home) {
  if (runtime_dir != nullptr && *runtime_dir == '/') return std::string(runtime_dir) + "/dgram-stat.looks";
  if (home != nullptr && *home == '/') return std::string(home) + "/.cache/dgram-stat.looks";
  return std::nullopt;
}

LastLooks parse_last_looks(const std::string& text) {
  LastLooks looks;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream words(line);
    EarlierLook look;
    std::string path;
    if (!(words >> look.created_ns >> look.at_ns >> look.datagrams >> look.bytes)) continue;
    words >> std::ws;
    std::getline(words, path);
    if (path.empty() || path[0] != '/') continue;
    looks[path] = look;
  }
  return looks;
}

std::string format_last_looks(const LastLooks& looks) {
  std::string text;
  for (const auto& [path, look] : looks) {
    if (path.find('\n') != std::string::npos) continue;
    text += std::to_string(look.created_ns) + " " + std::to_string(look.at_ns) + " " +
            std::to_string(look.datagrams) + " " + std::to_string(look.bytes) + " " + path + "\n";
  }
  return text;
}

LastLooks read_last_looks(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return {};
  std::string text;
  char buffer[4096];
  for (;;) {
    ssize_t got = ::read(fd, buffer, sizeof(buffer));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    text.append(buffer, static_cast<std::size_t>(got));
    if (text.size() > (1u << 20)) break;  // not ours: a looks file is small
  }
  ::close(fd);
  return parse_last_looks(text);
}

std::optional<std::string> write_last_looks(const std::string& path, const LastLooks& looks) {
  std::string directory = path.substr(0, path.find_last_of('/'));
  if (::mkdir(directory.c_str(), 0700) < 0 && errno != EEXIST) {
    return "mkdir " + directory + ": " + std::strerror(errno);
  }
  std::string temporary = path + "." + std::to_string(::getpid());
  int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return "open " + temporary + ": " + std::strerror(errno);
  std::string text = format_last_looks(looks);
  std::size_t done = 0;
  while (done < text.size()) {
    ssize_t wrote = ::write(fd, text.data() + done, text.size() - done);
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote < 0) {
      std::string why = "write " + temporary + ": " + std::strerror(errno);
      ::close(fd);
      ::unlink(temporary.c_str());
      return why;
    }
    done += static_cast<std::size_t>(wrote);
  }
  if (::close(fd) < 0) {
    std::string why = "close " + temporary + ": " + std::strerror(errno);
    ::unlink(temporary.c_str());
    return why;
  }
  if (::rename(temporary.c_str(), path.c_str()) < 0) {
    std::string why = "rename " + temporary + ": " + std::strerror(errno);
    ::unlink(temporary.c_str());
    return why;
  }
  return std::nullopt;
}

}  // namespace dgram
