// SPDX-License-Identifier: MIT
// tool_run - starts a built tool as a real child with its stdout and stderr
// in files, and waits for it with a bounded deadline (tests of the tools);
// eventually() for bounded waits on a condition.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "dgram/error.h"
#include "dgram/embedding.h"
#include "dgram/unique_fd.h"
#include "master_side.h"

namespace dgram::testing {

struct ToolChild {
  pid_t pid = -1;
  std::string out_path;
  std::string err_path;
};

inline std::string read_whole(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Starts argv[0] with argv and env (the test's own environment when env is
// empty), stdin /dev/null, stdout and stderr into out_path and err_path.
inline ToolChild start_tool(const std::vector<std::string>& argv, const std::string& out_path,
                            const std::string& err_path,
                            std::map<std::string, std::string> env = {}) {
  if (env.empty()) env = process_environment();
  std::vector<std::string> words = argv;
  std::vector<std::string> env_words;
  for (const auto& [name, value] : env) env_words.push_back(name + "=" + value);
  std::vector<char*> argv_c, envp_c;
  for (auto& w : words) argv_c.push_back(w.data());
  argv_c.push_back(nullptr);
  for (auto& w : env_words) envp_c.push_back(w.data());
  envp_c.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) throw_errno("fork");
  if (pid == 0) {
    int in = ::open("/dev/null", O_RDONLY);
    int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (in < 0 || out < 0 || err < 0 || ::dup2(in, 0) < 0 || ::dup2(out, 1) < 0 ||
        ::dup2(err, 2) < 0)
      ::_exit(126);
    ::execve(argv_c[0], argv_c.data(), envp_c.data());
    ::_exit(127);
  }
  return {pid, out_path, err_path};
}

struct ToolResult {
  std::optional<int> status;  // wait status; nullopt when it outlived the bound (then killed)
  std::string out;
  std::string err;
  int exit_code() const { return status && WIFEXITED(*status) ? WEXITSTATUS(*status) : -1; }
};

// Waits up to bound for child; a child still running then is killed.
inline ToolResult finish_tool(const ToolChild& child, std::chrono::milliseconds bound) {
  ToolResult result;
  result.status = launch::wait_for_exit(child.pid, bound);
  if (!result.status) {
    ::kill(child.pid, SIGKILL);
    (void)launch::wait_for_exit(child.pid, std::chrono::seconds(10));
  }
  result.out = read_whole(child.out_path);
  result.err = read_whole(child.err_path);
  return result;
}

// send_datagram - one datagram to the socket at path from an unnamed socket,
// waiting up to 10 s while its queue is full. "" when sent, else why not.
inline std::string send_datagram(const std::string& path, const std::string& data) {
  UniqueFd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!fd) return std::string("socket: ") + std::strerror(errno);
  timeval limit{10, 0};
  if (::setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof(limit)) < 0) {
    return std::string("SO_SNDTIMEO: ") + std::strerror(errno);
  }
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.size() >= sizeof(address.sun_path)) return "path too long: " + path;
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  ssize_t sent = ::sendto(fd.get(), data.data(), data.size(), 0, reinterpret_cast<const sockaddr*>(&address),
                          sizeof(address));
  if (sent != static_cast<ssize_t>(data.size())) return "send to " + path + ": " + std::strerror(errno);
  return "";
}

// count_lines - how many lines of text hold needle.
inline int count_lines(const std::string& text, const std::string& needle) {
  std::istringstream in(text);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) n += line.find(needle) != std::string::npos;
  return n;
}

// eventually - waits (bounded) until condition holds; false when it never did.
template <typename F>
bool eventually(F condition, std::chrono::milliseconds bound = std::chrono::seconds(20)) {
  auto deadline = std::chrono::steady_clock::now() + bound;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

}  // namespace dgram::testing
