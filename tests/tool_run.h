// tool_run - starts a built tool as a real child with its stdout and stderr
// in files, and waits for it with a bounded deadline (tests of the tools).
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "dgram/error.h"
#include "dgram/server.h"
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

}  // namespace dgram::testing
