// SPDX-License-Identifier: MIT
// master_side - socket, socketpair, pipe, fork/exec and record reading.
#include "master_side.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "dgram/error.h"

namespace dgram::launch {

UniqueFd bind_datagram_socket(const std::string& path) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.size() >= sizeof(address.sun_path)) throw Fatal("socket path too long: " + path);
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  UniqueFd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd) throw_errno("socket(AF_UNIX, SOCK_DGRAM)");
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode) && ::unlink(path.c_str()) < 0) {
    throw_errno("remove stale socket " + path);
  }
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)) < 0) {
    throw_errno("bind " + path);
  }
  if (::chmod(path.c_str(), 0666) < 0) throw_errno("chmod 0666 " + path);
  return fd;
}

MasterSide::MasterSide() {
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) < 0) throw_errno("socketpair");
  status_master_.reset(pair[0]);
  status_child_.reset(pair[1]);
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) < 0) throw_errno("pipe");
  flow_read_.reset(pipe_fds[0]);
  flow_write_.reset(pipe_fds[1]);
}

namespace {

[[noreturn]] void report_and_exit(int report_fd) {
  int error = errno;
  (void)!::write(report_fd, &error, sizeof(error));
  ::_exit(127);
}

// Child side after fork(): only async-signal-safe calls.
[[noreturn]] void exec_child(const char* program, char* const* argv, char* const* envp,
                             const std::vector<int>& sources, int stdin_fd, int stderr_fd,
                             int report_fd) {
  // The master's children start with no signal blocked, whatever the parent blocks.
  sigset_t none;
  sigemptyset(&none);
  if (::sigprocmask(SIG_SETMASK, &none, nullptr) < 0) report_and_exit(report_fd);
  constexpr int kHigh = 100;
  int moved[64];
  std::size_t count = sources.size() < 64 ? sources.size() : 64;
  for (std::size_t i = 0; i < count; ++i) {
    moved[i] = ::fcntl(sources[i], F_DUPFD_CLOEXEC, kHigh);
    if (moved[i] < 0) report_and_exit(report_fd);
  }
  int input = stdin_fd >= 0 ? stdin_fd : ::open("/dev/null", O_RDONLY);
  if (input < 0 || ::dup2(input, 0) < 0) report_and_exit(report_fd);
  if (stderr_fd >= 0 && ::dup2(stderr_fd, 2) < 0) report_and_exit(report_fd);
  for (std::size_t i = 0; i < count; ++i) {
    // dup2 leaves the copy without close-on-exec, as the master's children get them.
    if (::dup2(moved[i], 3 + static_cast<int>(i)) < 0) report_and_exit(report_fd);
  }
  ::execve(program, argv, envp);
  report_and_exit(report_fd);
}

std::vector<char*> c_strings(std::vector<std::string>& words) {
  std::vector<char*> pointers;
  for (auto& word : words) pointers.push_back(word.data());
  pointers.push_back(nullptr);
  return pointers;
}

}  // namespace

pid_t MasterSide::spawn(const std::string& program, const std::vector<std::string>& argv,
                        const std::map<std::string, std::string>& env,
                        const std::vector<int>& listen_fds, int stdin_fd, int stderr_fd) {
  if (!status_child_) throw Fatal("spawn after the master side closed its status channel");
  std::vector<std::string> argv_copy = argv;
  std::vector<std::string> env_words;
  for (const auto& [name, value] : env) env_words.push_back(name + "=" + value);
  std::vector<char*> argv_c = c_strings(argv_copy);
  std::vector<char*> envp_c = c_strings(env_words);
  std::vector<int> sources{flow_read_.get(), flow_write_.get(), status_child_.get()};
  sources.insert(sources.end(), listen_fds.begin(), listen_fds.end());
  if (sources.size() > 64) throw Fatal("too many listen sockets");

  int report[2];
  if (::pipe2(report, O_CLOEXEC) < 0) throw_errno("pipe");
  UniqueFd report_read(report[0]);
  UniqueFd report_write(report[1]);
  pid_t pid = ::fork();
  if (pid < 0) throw_errno("fork");
  if (pid == 0) {
    exec_child(program.c_str(), argv_c.data(), envp_c.data(), sources, stdin_fd, stderr_fd,
               report[1]);
  }
  report_write.reset();
  int child_errno = 0;
  ssize_t n;
  do {
    n = ::read(report_read.get(), &child_errno, sizeof(child_errno));
  } while (n < 0 && errno == EINTR);
  if (n == static_cast<ssize_t>(sizeof(child_errno))) {
    int status;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    throw Fatal("exec " + program + ": " + std::strerror(child_errno));
  }
  return pid;
}

std::optional<StatusRecord> MasterSide::read_record(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (partial_.size() < sizeof(StatusRecord)) {
    if (!status_master_) return std::nullopt;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() < 0) return std::nullopt;
    pollfd p{status_master_.get(), POLLIN, 0};
    int ready = ::poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) throw_errno("poll status channel");
    if (ready == 0) return std::nullopt;
    char buffer[sizeof(StatusRecord) * 64];
    ssize_t n = ::read(status_master_.get(), buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw_errno("read status channel");
    if (n == 0) return std::nullopt;
    partial_.append(buffer, static_cast<std::size_t>(n));
  }
  StatusRecord record;
  std::memcpy(&record, partial_.data(), sizeof(record));
  partial_.erase(0, sizeof(record));
  return record;
}

void MasterSide::close_status() {
  status_master_.reset();
  status_child_.reset();
}

void MasterSide::hang_up() {
  if (status_master_ && ::shutdown(status_master_.get(), SHUT_WR) < 0) throw_errno("shutdown status channel");
  status_child_.reset();
}

std::optional<int> wait_for_exit(pid_t pid, std::chrono::milliseconds timeout) {
  int status = 0;
  pid_t done = ::waitpid(pid, &status, WNOHANG);
  if (done == pid) return status;
  if (done < 0) throw_errno("waitpid " + std::to_string(pid));
  UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  if (!pidfd) throw_errno("pidfd_open " + std::to_string(pid));
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) return status;
    if (done < 0) throw_errno("waitpid " + std::to_string(pid));
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    pollfd p{pidfd.get(), POLLIN, 0};
    int ready = ::poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno != EINTR) throw_errno("poll pidfd");
  }
}

std::string describe_wait_status(int status) {
  if (WIFEXITED(status)) return "exit " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "signal " + std::to_string(WTERMSIG(status));
  return "status " + std::to_string(status);
}

}  // namespace dgram::launch
