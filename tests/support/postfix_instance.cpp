// SPDX-License-Identifier: MIT
// postfix_instance - a test's private master, through tools/postfix-instance.
#include "postfix_instance.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "dgram/unique_fd.h"
#include "master_side.h"

#ifndef DGRAM_POSTFIX_INSTANCE_TOOL
#error "tests/meson.build defines DGRAM_POSTFIX_INSTANCE_TOOL: the path of tools/postfix-instance"
#endif

namespace dgram::testing {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

constexpr const char* kTool = DGRAM_POSTFIX_INSTANCE_TOOL;

struct ToolOutcome {
  int exit_code = -1;  // -1: killed at the bound, or ended by a signal
  std::string output;  // its stdout and stderr together
};

// run_tool - tools/postfix-instance with words; waits up to bound (then SIGKILL).
ToolOutcome run_tool(const std::vector<std::string>& words, std::chrono::milliseconds bound) {
  std::vector<std::string> argv{kTool};
  argv.insert(argv.end(), words.begin(), words.end());
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  int ends[2];
  if (::pipe2(ends, O_CLOEXEC) < 0) throw std::runtime_error("pipe2 for " + std::string(kTool));
  UniqueFd read_end(ends[0]);
  UniqueFd write_end(ends[1]);
  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork for " + std::string(kTool));
  if (pid == 0) {
    int in = ::open("/dev/null", O_RDONLY);
    if (in < 0 || ::dup2(in, 0) < 0 || ::dup2(write_end.get(), 1) < 0 || ::dup2(write_end.get(), 2) < 0) ::_exit(126);
    ::execv(kTool, args.data());
    ::_exit(127);
  }
  write_end.reset();
  ToolOutcome outcome;
  auto deadline = std::chrono::steady_clock::now() + bound;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      ::kill(pid, SIGKILL);  // our own child, not yet reaped
      outcome.output += "\n(" + std::string(kTool) + " killed after " + std::to_string(bound.count()) + " ms)";
      break;
    }
    pollfd p{read_end.get(), POLLIN, 0};
    int ready = ::poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) break;
    if (ready == 0) continue;
    char buffer[4096];
    ssize_t n = ::read(read_end.get(), buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    outcome.output.append(buffer, static_cast<std::size_t>(n));
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) outcome.exit_code = WEXITSTATUS(status);
  return outcome;
}

// must_run_tool - run_tool, or runtime_error with the tool's words and output.
std::string must_run_tool(const std::vector<std::string>& words, std::chrono::milliseconds bound = 60s) {
  ToolOutcome outcome = run_tool(words, bound);
  if (outcome.exit_code != 0) {
    std::string command = "postfix-instance";
    for (const auto& w : words) command += " " + w;
    throw std::runtime_error(command + " failed (exit " + std::to_string(outcome.exit_code) + "):\n" +
                             outcome.output);
  }
  return outcome.output;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string master_cf_line(const MasterCfLine& s) {
  std::string text = s.name + " unix-dgram n " + s.unprivileged + " " + s.chroot + " - " + s.maxproc + " " + s.command;
  for (const auto& word : s.arguments) text += " " + word;
  return text;
}

}  // namespace

std::string read_proc(pid_t pid, const std::string& name) {
  std::string path = "/proc/" + std::to_string(pid) + "/" + name;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "";
  std::string text;
  char buffer[4096];
  ssize_t n;
  while ((n = ::read(fd, buffer, sizeof(buffer))) > 0) text.append(buffer, static_cast<std::size_t>(n));
  ::close(fd);
  return n < 0 ? "" : text;
}

bool process_ended(pid_t pid) {
  std::string text = read_proc(pid, "stat");
  if (text.empty()) return true;
  auto close_paren = text.rfind(')');
  return close_paren == std::string::npos || close_paren + 2 >= text.size() || text[close_paren + 2] == 'Z';
}

PostfixInstance::PostfixInstance(std::vector<MasterCfLine> services, const std::string& extra_main_cf) {
  if (::geteuid() != 0) throw std::runtime_error("the real Postfix master needs root");
  std::string templ = (fs::temp_directory_path() / "dgram-postfix.XXXXXX").string();
  if (::mkdtemp(templ.data()) == nullptr) throw std::runtime_error("mkdtemp");
  root_ = templ;
  std::vector<std::string> words{"create", root_};
  for (const auto& s : services) {
    words.push_back("--service");
    words.push_back(master_cf_line(s));
  }
  std::istringstream extra(extra_main_cf);
  std::string line;
  while (std::getline(extra, line)) {
    if (line.empty()) continue;
    words.push_back("--main-cf-line");
    words.push_back(line);
  }
  try {
    must_run_tool(words);
  } catch (...) {
    std::error_code ignored;
    fs::remove_all(root_, ignored);
    throw;
  }
}

PostfixInstance::~PostfixInstance() {
  if (master_pid_ > 0) {
    try {
      (void)stop(10s);
    } catch (const std::exception&) {
    }
    if (master_pid_ > 0) {
      // The tool did not run: our own child, not yet reaped, so its pid is still its own.
      ::kill(master_pid_, SIGKILL);
      ::waitpid(master_pid_, nullptr, 0);
    }
  }
  std::error_code ignored;
  fs::remove_all(root_, ignored);
}

void PostfixInstance::write_master_cf(const std::vector<MasterCfLine>& services) const {
  std::vector<std::string> words{"write-master-cf", root_};
  for (const auto& s : services) {
    words.push_back("--service");
    words.push_back(master_cf_line(s));
  }
  must_run_tool(words);
}

void PostfixInstance::install(const std::string& program_path) { must_run_tool({"install", root_, program_path}); }

void PostfixInstance::start() {
  std::vector<std::string> argv{kTool, "run", root_};
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork");
  if (pid == 0) {
    // `run` makes the session, the redirection and the environment, then
    // becomes the master: this pid, our child.
    ::execv(kTool, args.data());
    ::_exit(127);
  }
  master_pid_ = pid;
  ToolOutcome ready = run_tool({"ready", root_, "--pid", std::to_string(pid), "--timeout", "10"}, 40s);
  if (ready.exit_code != 0) throw std::runtime_error("the master did not start:\n" + ready.output);
}

void PostfixInstance::reload() { must_run_tool({"reload", root_}); }

bool PostfixInstance::stop(std::chrono::milliseconds bound) {
  if (master_pid_ <= 0) return true;
  std::string seconds = std::to_string(static_cast<double>(bound.count()) / 1000.0);
  ToolOutcome outcome = run_tool({"stop", root_, "--timeout", seconds}, bound + 30s);
  // The tool waited for the master to end: reap it. Bounded, since a tool
  // that did not get to run has left it running (the destructor kills it).
  auto status = launch::wait_for_exit(master_pid_, outcome.exit_code >= 0 ? 10s : 0ms);
  if (!status) return false;
  master_pid_ = -1;
  return outcome.exit_code == 0;
}

std::vector<pid_t> PostfixInstance::children() const {
  std::vector<pid_t> pids;
  if (master_pid_ <= 0) return pids;
  for (const auto& entry : fs::directory_iterator("/proc")) {
    std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string text = read_proc(static_cast<pid_t>(std::stol(name)), "stat");
    auto close_paren = text.rfind(')');
    if (close_paren == std::string::npos) continue;
    std::istringstream rest(text.substr(close_paren + 2));
    char state;
    pid_t ppid;
    rest >> state >> ppid;
    if (ppid == master_pid_ && state != 'Z') pids.push_back(static_cast<pid_t>(std::stol(name)));
  }
  return pids;
}

std::string PostfixInstance::maillog() const { return read_file(maillog_path()); }
std::string PostfixInstance::master_output() const { return read_file(log_dir() + "/master.out"); }

bool PostfixInstance::wait_for_log(const std::string& text, std::chrono::milliseconds timeout) const {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (maillog().find(text) != std::string::npos) return true;
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
}

std::vector<std::string> PostfixInstance::master_complaints() const {
  std::vector<std::string> lines;
  std::istringstream log(maillog());
  std::string line;
  while (std::getline(log, line)) {
    for (const char* bad : {"partial status update", "ignoring status update", "bad command startup", "throttling"}) {
      if (line.find(bad) != std::string::npos) {
        lines.push_back(line);
        break;
      }
    }
  }
  return lines;
}

}  // namespace dgram::testing
