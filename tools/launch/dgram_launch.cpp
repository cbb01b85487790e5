// dgram-launch - runs one datagram service the way master(8) would, without Postfix.
//
//   dgram-launch --socket PATH [--config DIR] [--generation OCTAL]
//                [--service-name NAME] [--maxproc N] -- PROGRAM [WORD...]
//
// It binds a UNIX datagram socket at PATH, starts PROGRAM with the master's
// descriptors (flow pipe 3/4, status channel 5, socket 6) and the master's
// words (-l when maxproc is 1, -n NAME, -t unix-dgram, then WORD...), counts
// the status records the child sends, and on SIGTERM or SIGINT closes the
// status channel (the master going away). When the child has exited it prints
// `launch: taken=N avail=M bad=K exit=S` and exits with the child's exit status.
// Without --config it writes a private main.cf whose queue_directory is a
// temporary folder, removed at the end.
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "dgram/error.h"
#include "dgram/server.h"
#include "master_side.h"

namespace {

using namespace std::chrono_literals;

struct LaunchOptions {
  std::string socket_path;
  std::string config_dir;
  std::string generation = "1";
  std::string service_name;
  int maxproc = 1;
  std::vector<std::string> command;
};

[[noreturn]] void usage_error(const std::string& message) {
  std::fprintf(stderr, "dgram-launch: %s\n", message.c_str());
  std::fprintf(stderr,
               "usage: dgram-launch --socket PATH [--config DIR] [--generation OCTAL] "
               "[--service-name NAME] [--maxproc N] -- PROGRAM [WORD...]\n");
  std::exit(2);
}

LaunchOptions parse(int argc, char** argv) {
  LaunchOptions options;
  static const option long_options[] = {
      {"socket", required_argument, nullptr, 's'},
      {"config", required_argument, nullptr, 'c'},
      {"generation", required_argument, nullptr, 'g'},
      {"service-name", required_argument, nullptr, 'n'},
      {"maxproc", required_argument, nullptr, 'p'},
      {nullptr, 0, nullptr, 0}};
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, "+s:c:g:n:p:", long_options, nullptr)) != -1) {
    switch (c) {
      case 's': options.socket_path = optarg; break;
      case 'c': options.config_dir = optarg; break;
      case 'g': options.generation = optarg; break;
      case 'n': options.service_name = optarg; break;
      case 'p': {
        char* end = nullptr;
        long value = std::strtol(optarg, &end, 10);
        if (*optarg == '\0' || *end != '\0' || value < 0 || value > 1000) {
          usage_error(std::string("bad --maxproc value: ") + optarg);
        }
        options.maxproc = static_cast<int>(value);
        break;
      }
      default:
        usage_error(std::string("unknown or incomplete option: ") + argv[optind - 1]);
    }
  }
  for (int i = optind; i < argc; ++i) options.command.emplace_back(argv[i]);
  if (options.socket_path.empty()) usage_error("--socket PATH is required");
  if (options.command.empty()) usage_error("no PROGRAM to run after --");
  return options;
}

std::string make_private_config() {
  std::string templ = (std::filesystem::temp_directory_path() / "dgram-launch.XXXXXX").string();
  if (::mkdtemp(templ.data()) == nullptr) dgram::throw_errno("mkdtemp " + templ);
  std::filesystem::create_directory(templ + "/pid");
  std::ofstream main_cf(templ + "/main.cf");
  main_cf << "queue_directory = " << templ << "\n";
  if (!main_cf.flush()) throw dgram::Fatal("write " + templ + "/main.cf failed");
  return templ;
}

int launch(const LaunchOptions& options) {
  std::string private_dir;
  std::string config_dir = options.config_dir;
  if (config_dir.empty()) config_dir = private_dir = make_private_config();
  struct Cleanup {
    std::string dir;
    ~Cleanup() {
      std::error_code ignored;
      if (!dir.empty()) std::filesystem::remove_all(dir, ignored);
    }
  } cleanup{private_dir};

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGCHLD);
  if (sigprocmask(SIG_BLOCK, &signals, nullptr) < 0) dgram::throw_errno("sigprocmask");
  dgram::UniqueFd signal_fd(::signalfd(-1, &signals, SFD_CLOEXEC));
  if (!signal_fd) dgram::throw_errno("signalfd");

  dgram::UniqueFd socket = dgram::launch::bind_datagram_socket(options.socket_path);
  dgram::launch::MasterSide master;

  std::vector<std::string> argv{options.command[0]};
  if (options.maxproc == 1) argv.push_back("-l");
  if (options.maxproc == 0) argv.push_back("-z");
  if (!options.service_name.empty()) {
    argv.push_back("-n");
    argv.push_back(options.service_name);
  }
  argv.push_back("-t");
  argv.push_back("unix-dgram");
  argv.insert(argv.end(), options.command.begin() + 1, options.command.end());
  auto env = dgram::process_environment();
  env["MAIL_CONFIG"] = config_dir;
  env["GENERATION"] = options.generation;

  // The child must not inherit the blocked signal mask.
  if (sigprocmask(SIG_UNBLOCK, &signals, nullptr) < 0) dgram::throw_errno("sigprocmask");
  pid_t child = master.spawn(options.command[0], argv, env, {socket.get()});
  if (sigprocmask(SIG_BLOCK, &signals, nullptr) < 0) dgram::throw_errno("sigprocmask");
  socket.reset();  // the child holds the socket now

  unsigned long taken = 0, avail = 0, bad = 0;
  unsigned expected_generation = dgram::parse_generation(options.generation);
  std::optional<int> wait_status;
  while (!wait_status) {
    pollfd fds[2] = {{signal_fd.get(), POLLIN, 0}, {master.status_fd(), POLLIN, 0}};
    int count = master.status_open() ? 2 : 1;
    int ready = ::poll(fds, static_cast<nfds_t>(count), 1000);
    if (ready < 0 && errno != EINTR) dgram::throw_errno("poll");
    if (count == 2 && (fds[1].revents & (POLLIN | POLLHUP))) {
      while (auto record = master.read_record(0ms)) {
        bool good = record->pid == child && record->generation == expected_generation &&
                    (record->avail == 0 || record->avail == 1);
        if (!good) ++bad;
        else if (record->avail == 0) ++taken;
        else ++avail;
      }
    }
    bool look_for_exit = ready == 0;  // a quiet second: look anyway
    if (fds[0].revents & POLLIN) {
      signalfd_siginfo info{};
      if (::read(signal_fd.get(), &info, sizeof(info)) == static_cast<ssize_t>(sizeof(info))) {
        if (info.ssi_signo == SIGCHLD) {
          look_for_exit = true;
        } else if (master.status_open()) {
          master.close_status();
        }
      }
    }
    if (look_for_exit) wait_status = dgram::launch::wait_for_exit(child, 0ms);
  }
  std::printf("launch: taken=%lu avail=%lu bad=%lu exit=%s\n", taken, avail, bad,
              dgram::launch::describe_wait_status(*wait_status).c_str());
  std::fflush(stdout);
  ::unlink(options.socket_path.c_str());
  if (WIFEXITED(*wait_status)) return WEXITSTATUS(*wait_status);
  return 128 + (WIFSIGNALED(*wait_status) ? WTERMSIG(*wait_status) : 0);
}

}  // namespace

int main(int argc, char** argv) {
  LaunchOptions options = parse(argc, argv);
  try {
    return launch(options);
  } catch (const dgram::Fatal& error) {
    std::fprintf(stderr, "dgram-launch: fatal: %s\n", error.what());
    return 1;
  }
}
