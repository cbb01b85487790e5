// SPDX-License-Identifier: MIT
// dgram-launch - serves one datagram service the way master(8) would, without Postfix.
//
// SYNOPSIS
//   dgram-launch --socket PATH [--config DIR] [--generation OCTAL]
//                [--service-name NAME] [--maxproc N] [--throttle SECONDS]
//                -- PROGRAM [WORD...]
//
// DESCRIPTION
//   It binds a UNIX datagram socket at PATH and starts PROGRAM with the
//   master's descriptors (flow pipe 3/4, status channel 5, socket 6) and the
//   master's words (-l when maxproc is 1, -z when it is 0, -n NAME,
//   -t unix-dgram, then WORD...), and counts the status records children send.
//
//   It serves until it is stopped. A child that exits with status 0 (its
//   max_use or max_idle was reached) is replaced, as the master does it, on
//   demand: as soon as a datagram waits on the socket. A child that fails
//   (a non-zero exit status, or killed by a signal) is started again only
//   after a pause of --throttle SECONDS (default 60, Postfix's
//   service_throttle_time), with one warning line on stderr; a service that
//   cannot start therefore costs one start a minute, never a tight loop.
//
//   SIGTERM or SIGINT stops it: it closes the status channel (the master
//   going away), waits for the running child (a second signal kills it),
//   removes the socket and its temporary folder, prints one line
//     launch: taken=N avail=M bad=K exit=S starts=C failures=F
//   (S: the last child's wait status, "none" when none ran) and exits with
//   that child's exit status (128 + signal when it was killed).
//
// QUEUE DIRECTORY
//   It never runs a service in the system's Postfix spool. Without --config it
//   writes a private main.cf whose queue_directory is its temporary folder.
//   With --config DIR and no queue_directory in DIR/main.cf, the child gets
//   `-o queue_directory=` that temporary folder (before WORD..., so a WORD
//   of the caller's own still wins). A queue_directory in DIR/main.cf that is
//   the system's spool (/var/spool/postfix) is refused. data_directory, where
//   the service's counter file goes (dgram-stat(1)), is handled the same way:
//   the temporary folder unless DIR/main.cf names one, so the counters of a
//   launched service go with the folder; -o dgram_stats_file=PATH keeps them.
//
// DIAGNOSTICS
//   Every error (a bad option, a bad DIR/main.cf, a system call, an exec
//   failure) ends it with one line `dgram-launch: fatal: ...` on stderr, after
//   the temporary folder is removed; the exit status is 2 for a bad command
//   line and 1 otherwise.
//
// SEE ALSO
//   master_side.h (the master's side of the descriptors), master(8)
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "dgram/config.h"
#include "dgram/error.h"
#include "dgram/embedding.h"
#include "master_side.h"
#include "config/skeleton_params.h"

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr const char* kUsage =
    "usage: dgram-launch --socket PATH [--config DIR] [--generation OCTAL] "
    "[--service-name NAME] [--maxproc N] [--throttle SECONDS] -- PROGRAM [WORD...]";

// A bad command line: reported like any other fatal error, exit status 2.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct LaunchOptions {
  std::string socket_path;
  std::string config_dir;
  std::string generation = "1";
  std::string service_name;
  int maxproc = 1;
  int throttle_seconds = 60;
  std::vector<std::string> command;
};

// number_option - a whole number in [lo, hi] given to option, else UsageError.
int number_option(const char* option, const char* text, long lo, long hi) {
  char* end = nullptr;
  errno = 0;
  long value = std::strtol(text, &end, 10);
  if (*text == '\0' || *end != '\0' || errno == ERANGE || value < lo || value > hi)
    throw UsageError(std::string("bad ") + option + " value: " + text + " (" + std::to_string(lo) +
                     ".." + std::to_string(hi) + ")");
  return static_cast<int>(value);
}

LaunchOptions parse(int argc, char** argv) {
  LaunchOptions options;
  static const option long_options[] = {
      {"socket", required_argument, nullptr, 's'},
      {"config", required_argument, nullptr, 'c'},
      {"generation", required_argument, nullptr, 'g'},
      {"service-name", required_argument, nullptr, 'n'},
      {"maxproc", required_argument, nullptr, 'p'},
      {"throttle", required_argument, nullptr, 't'},
      {"help", no_argument, nullptr, 'h'},
      {nullptr, 0, nullptr, 0}};
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, "+s:c:g:n:p:t:h", long_options, nullptr)) != -1) {
    switch (c) {
      case 's': options.socket_path = optarg; break;
      case 'c': options.config_dir = optarg; break;
      case 'g': options.generation = optarg; break;
      case 'n': options.service_name = optarg; break;
      case 'p': options.maxproc = number_option("--maxproc", optarg, 0, 1000); break;
      case 't': options.throttle_seconds = number_option("--throttle", optarg, 1, 3600); break;
      case 'h':
        std::printf("%s\n", kUsage);
        std::exit(0);
      default:
        throw UsageError(std::string("unknown or incomplete option: ") + argv[optind - 1] + "; " +
                         kUsage);
    }
  }
  for (int i = optind; i < argc; ++i) options.command.emplace_back(argv[i]);
  if (options.socket_path.empty()) throw UsageError(std::string("--socket PATH is required; ") + kUsage);
  if (options.command.empty()) throw UsageError(std::string("no PROGRAM to run after --; ") + kUsage);
  try {
    (void)dgram::parse_generation(options.generation);  // refused here, not in each child
  } catch (const dgram::Fatal& error) {
    throw UsageError(error.what());
  }
  return options;
}

// TempFolder - the private folder (queue directory, maybe main.cf), removed
// with its contents when the launch ends, whichever way it ends.
class TempFolder {
 public:
  TempFolder() {
    std::string templ = (std::filesystem::temp_directory_path() / "dgram-launch.XXXXXX").string();
    if (::mkdtemp(templ.data()) == nullptr) dgram::throw_errno("mkdtemp " + templ);
    path_ = templ;
  }
  ~TempFolder() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempFolder(const TempFolder&) = delete;
  TempFolder& operator=(const TempFolder&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// SocketFile - unlinks the bound socket's path at the end.
struct SocketFile {
  std::string path;
  ~SocketFile() { (void)::unlink(path.c_str()); }
};

// make_queue - a queue directory as the skeleton expects it (pid/ for lock files).
void make_queue(const std::string& dir) {
  if (::mkdir((dir + "/pid").c_str(), 0755) < 0) dgram::throw_errno("mkdir " + dir + "/pid");
}

void write_private_main_cf(const std::string& dir) {
  std::ofstream main_cf(dir + "/main.cf");
  main_cf << "queue_directory = " << dir << "\n";
  main_cf << "data_directory = " << dir << "\n";
  if (!main_cf.flush()) throw dgram::Fatal("write " + dir + "/main.cf failed");
}

// needs_private_queue - true when DIR/main.cf leaves queue_directory to its
// default; Fatal when it names the system's spool.
bool needs_private_queue(const std::string& config_dir) {
  dgram::Config config;
  config.read_main_cf(config_dir);
  if (!config.has("queue_directory")) return true;
  const std::string queue = dgram::skeleton_str(config, "queue_directory");
  const std::filesystem::path system_spool(
      dgram::find_skeleton_param("queue_directory")->default_value);
  std::error_code error;
  bool same = std::filesystem::equivalent(queue, system_spool, error) ||
              std::filesystem::path(queue).lexically_normal() == system_spool.lexically_normal();
  if (same)
    throw dgram::Fatal("queue_directory = " + queue + " in " + config_dir +
                       "/main.cf is the system's Postfix spool; dgram-launch does not run services "
                       "there: set a private queue_directory");
  return false;
}

// needs_private_data - true when DIR/main.cf leaves data_directory (where
// the service's counter file goes) to its default, the system's.
bool needs_private_data(const std::string& config_dir) {
  dgram::Config config;
  config.read_main_cf(config_dir);
  return !config.has("data_directory");
}

// BlockedSignals - SIGTERM, SIGINT and SIGCHLD blocked and read from a signalfd.
class BlockedSignals {
 public:
  BlockedSignals() {
    sigemptyset(&set_);
    sigaddset(&set_, SIGTERM);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGCHLD);
    if (::sigprocmask(SIG_BLOCK, &set_, nullptr) < 0) dgram::throw_errno("sigprocmask");
    fd_.reset(::signalfd(-1, &set_, SFD_CLOEXEC | SFD_NONBLOCK));
    if (!fd_) dgram::throw_errno("signalfd");
  }
  int fd() const { return fd_.get(); }
  // The next pending signal number, or 0 when none is pending.
  int next() {
    signalfd_siginfo info{};
    ssize_t n = ::read(fd_.get(), &info, sizeof(info));
    if (n == static_cast<ssize_t>(sizeof(info))) return static_cast<int>(info.ssi_signo);
    if (n < 0 && errno != EAGAIN && errno != EINTR) dgram::throw_errno("read signalfd");
    return 0;
  }

 private:
  sigset_t set_;
  dgram::UniqueFd fd_;
};

bool failed(int wait_status) { return !WIFEXITED(wait_status) || WEXITSTATUS(wait_status) != 0; }

int exit_code(const std::optional<int>& wait_status) {
  if (!wait_status) return 0;
  if (WIFEXITED(*wait_status)) return WEXITSTATUS(*wait_status);
  return 128 + (WIFSIGNALED(*wait_status) ? WTERMSIG(*wait_status) : 0);
}

// Launcher - one run of dgram-launch: the socket, the master's side, the
// children one after another, until a signal stops it.
class Launcher {
 public:
  explicit Launcher(const LaunchOptions& options) : options_(options) {}

  int run() {
    BlockedSignals signals;  // first: a SIGTERM from here on is an orderly stop
    TempFolder folder;
    make_queue(folder.path());
    std::string config_dir = options_.config_dir;
    bool private_queue = true;
    bool private_data = true;
    if (config_dir.empty()) {
      write_private_main_cf(folder.path());
      config_dir = folder.path();
      private_queue = private_data = false;  // main.cf says it already
    } else {
      private_queue = needs_private_queue(config_dir);
      private_data = needs_private_data(config_dir);
    }

    dgram::UniqueFd socket = dgram::launch::bind_datagram_socket(options_.socket_path);
    SocketFile socket_file{options_.socket_path};  // ours from here on
    dgram::launch::MasterSide master;
    argv_ = master_words(private_queue ? folder.path() : "", private_data ? folder.path() : "");
    env_ = dgram::process_environment();
    env_["MAIL_CONFIG"] = config_dir;
    env_["GENERATION"] = options_.generation;
    generation_ = dgram::parse_generation(options_.generation);

    start(master, socket.get());
    serve(master, signals, socket.get());
    std::printf("launch: taken=%lu avail=%lu bad=%lu exit=%s starts=%lu failures=%lu\n", taken_,
                avail_, bad_,
                last_status_ ? dgram::launch::describe_wait_status(*last_status_).c_str() : "none",
                starts_, failures_);
    std::fflush(stdout);
    return exit_code(last_status_);
  }

 private:
  std::vector<std::string> master_words(const std::string& private_queue, const std::string& private_data) const {
    std::vector<std::string> argv{options_.command[0]};
    if (options_.maxproc == 1) argv.push_back("-l");
    if (options_.maxproc == 0) argv.push_back("-z");
    if (!options_.service_name.empty()) {
      argv.push_back("-n");
      argv.push_back(options_.service_name);
    }
    argv.push_back("-t");
    argv.push_back("unix-dgram");
    if (!private_queue.empty()) {
      argv.push_back("-o");
      argv.push_back("queue_directory=" + private_queue);
    }
    if (!private_data.empty()) {
      argv.push_back("-o");
      argv.push_back("data_directory=" + private_data);
    }
    argv.insert(argv.end(), options_.command.begin() + 1, options_.command.end());
    return argv;
  }

  void start(dgram::launch::MasterSide& master, int socket) {
    // The child starts with no signal blocked (MasterSide::spawn clears the mask).
    child_ = master.spawn(options_.command[0], argv_, env_, {socket});
    ++starts_;
  }

  void count_records(dgram::launch::MasterSide& master) {
    while (auto record = master.read_record(0ms)) {
      bool good = record->pid == child_ && record->generation == generation_ &&
                  (record->avail == 0 || record->avail == 1);
      if (!good) ++bad_;
      else if (record->avail == 0) ++taken_;
      else ++avail_;
    }
  }

  // reaped - the child ended with wait status: what to do next.
  void reaped(dgram::launch::MasterSide& master, int status) {
    if (master.status_open()) count_records(master);  // what it wrote before it went
    last_status_ = status;
    const pid_t pid = child_;
    child_ = -1;
    if (stopping_ || !failed(status)) return;
    ++failures_;
    restart_at_ = Clock::now() + std::chrono::seconds(options_.throttle_seconds);
    std::fprintf(stderr, "dgram-launch: warning: %s pid %ld: %s; starting it again in %d s\n",
                 options_.command[0].c_str(), static_cast<long>(pid),
                 dgram::launch::describe_wait_status(status).c_str(), options_.throttle_seconds);
    std::fflush(stderr);
  }

  void serve(dgram::launch::MasterSide& master, BlockedSignals& signals, int socket) {
    for (;;) {
      const bool running = child_ > 0;
      const bool throttled = !running && restart_at_.has_value();
      const bool on_demand = !running && !throttled && !stopping_;
      pollfd fds[3] = {{signals.fd(), POLLIN, 0},
                       {master.status_open() ? master.status_fd() : -1, POLLIN, 0},
                       {on_demand ? socket : -1, POLLIN, 0}};
      int timeout_ms = 1000;  // a quiet second: look for an exit anyway
      if (throttled) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*restart_at_ - Clock::now());
        timeout_ms = static_cast<int>(std::clamp<long long>(left.count(), 0, 1000));
      }
      if (::poll(fds, 3, timeout_ms) < 0 && errno != EINTR) dgram::throw_errno("poll");
      if (fds[1].revents & (POLLIN | POLLHUP)) count_records(master);

      while (int signo = signals.next()) {
        if (signo == SIGCHLD) continue;  // looked at below, every turn
        if (!stopping_) {
          stopping_ = true;
          master.close_status();  // the master goes away: the child finishes and exits
        } else if (child_ > 0 && ::kill(child_, SIGKILL) < 0 && errno != ESRCH) {
          dgram::throw_errno("kill " + std::to_string(child_));
        }
      }
      if (child_ > 0) {
        if (auto status = dgram::launch::wait_for_exit(child_, 0ms)) reaped(master, *status);
      }
      if (child_ > 0) continue;
      if (stopping_) return;
      if (restart_at_ && Clock::now() >= *restart_at_) {
        restart_at_.reset();
        start(master, socket);
      } else if (!restart_at_ && (fds[2].revents & POLLIN)) {
        start(master, socket);  // a datagram waits: a new child on demand
      }
    }
  }

  const LaunchOptions& options_;
  std::vector<std::string> argv_;
  std::map<std::string, std::string> env_;
  unsigned generation_ = 0;
  pid_t child_ = -1;
  bool stopping_ = false;
  std::optional<Clock::time_point> restart_at_;
  std::optional<int> last_status_;
  unsigned long taken_ = 0, avail_ = 0, bad_ = 0, starts_ = 0, failures_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  try {
    LaunchOptions options = parse(argc, argv);
    return Launcher(options).run();
  } catch (const UsageError& error) {
    std::fprintf(stderr, "dgram-launch: fatal: %s\n", error.what());
    return 2;
  } catch (const std::exception& error) {
    std::fflush(stdout);
    std::fprintf(stderr, "dgram-launch: fatal: %s\n", error.what());
    return 1;
  }
}
