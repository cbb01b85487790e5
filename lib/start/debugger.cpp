// SPDX-License-Identifier: MIT
// debugger - expanding and running debugger_command.
#include "start/debugger.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "dgram/config.h"
#include "dgram/error.h"
#include "config/skeleton_params.h"
#include "dgram/log.h"

namespace dgram {

void run_debugger(Config& config, Log& log) {
  config.set("process_id", std::to_string(::getpid()));
  std::string raw = skeleton_str(config, "debugger_command");
  if (raw.empty()) throw Fatal("debugging requested (-D or MAIL_DEBUG) but debugger_command is not set");
  std::string command = config.expand_text(raw);
  log.info("running: %s", command.c_str());
  pid_t pid = ::fork();
  if (pid < 0) throw_errno("fork for debugger_command");
  if (pid == 0) {
    ::execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) throw_errno("wait for debugger_command");
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    throw Fatal("debugger_command failed (" +
                (WIFEXITED(status) ? "exit status " + std::to_string(WEXITSTATUS(status))
                                   : "killed by signal " + std::to_string(WTERMSIG(status))) +
                "): " + command);
  }
}

}  // namespace dgram
