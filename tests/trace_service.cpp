// SPDX-License-Identifier: MIT
// trace_service - a service for integration tests that writes down what the
// skeleton does to it, one line per event, appended with one write() each to
// the file named by main.cf parameter trace_file:
//
//   PID pre_init | post_init | loop | pre_accept | service DATA | exit
//   PID gate+ (lock acquired) | PID gate- (about to release the lock)
//
// "gate+" is written after the lock is taken and "gate-" before it is given
// up, so between a process's gate+ and gate- no other process can write gate+:
// the trace shows whether two processes ever waited at once.
//
// pre_init and post_init also write a "whereabouts" line: working directory,
// root directory and user and group IDs, to show the start-up order.
//
// A datagram "stall" keeps the service busy in its callback for 20 s; with
// TRACE_WATCHDOG=N in the environment the watchdog limit is N seconds.
//
// SIGHUP, when the process was started by systemd or with --listen, runs
// the reload hook: "reload". A datagram "env" writes "env LISTEN_PID=...
// LISTEN_FDS=... LISTEN_FDNAMES=... LISTEN_PIDFDID=..." ("-" for an unset
// variable), to show what the service's own children would inherit. A
// datagram "names" writes "names" and the listen sockets' names, one word
// each ("-" for an empty name).
//
// A datagram "block" makes the service wait (in its callback) until it can
// read a line from the FIFO trace_fifo (default: trace_file.fifo), so a test can keep one process
// busy while it checks that another one serves.
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>

#include "dgram/error.h"
#include "serve/lock_file_gate.h"
#include "dgram/server.h"
#include "dgram/unique_fd.h"

namespace {

// The trace file is opened at the first event (pre-init at the latest, while
// still privileged and outside any chroot) and kept open for the process.
struct Tracer {
  std::string path;
  dgram::UniqueFd fd;

  void operator()(const std::string& event) {
    if (!fd) {
      fd.reset(::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0666));
      if (!fd) dgram::throw_errno("open " + path);
    }
    std::string line = std::to_string(::getpid()) + " " + event + "\n";
    if (::write(fd.get(), line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
      throw dgram::Fatal("write " + path + " failed");
    }
  }
};

// Where the process is and who it is: "cwd=... queue_is_root=yes|no uid=...
// euid=... gid=...". /proc is not there inside a chroot, so the root is told
// by whether the queue directory's own pid/ folder is at "/pid".
std::string whereabouts() {
  char cwd[4096] = "?";
  if (::getcwd(cwd, sizeof(cwd)) == nullptr) cwd[0] = '?';
  bool queue_is_root = ::access("/pid", F_OK) == 0;
  return std::string("cwd=") + cwd + " queue_is_root=" + (queue_is_root ? "yes" : "no") +
         " uid=" + std::to_string(::getuid()) +
         " euid=" + std::to_string(::geteuid()) + " gid=" + std::to_string(::getgid());
}

class TracingGate final : public dgram::Gate {
 public:
  TracingGate(const std::string& lock_path, Tracer* trace) : lock_(lock_path), trace_(trace) {}
  bool acquire() override {
    if (!lock_.acquire()) return false;
    (*trace_)("gate+");
    return true;
  }
  void release() override {
    (*trace_)("gate-");
    lock_.release();
  }
  // From the skeleton's hand-off signal handler: the line made beforehand,
  // one write(), then the unlock.
  int release_in_signal_handler() noexcept override {
    if (trace_->fd) (void)!::write(trace_->fd.get(), released_line_.data(), released_line_.size());
    return lock_.release_in_signal_handler();
  }

 private:
  dgram::LockFileGate lock_;
  Tracer* trace_;
  std::string released_line_ = std::to_string(::getpid()) + " gate-\n";
};

void wait_for_fifo(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);  // blocks until the test opens it
  if (fd < 0) dgram::throw_errno("open " + path);
  char byte;
  ssize_t n = ::read(fd, &byte, 1);
  ::close(fd);
  if (n < 0) dgram::throw_errno("read " + path);
}

}  // namespace

int main(int argc, char** argv) {
  Tracer trace;
  std::string fifo;
  dgram::Service service;
  service.params.strs.push_back({"trace_file", "/dev/null", &trace.path, 1});
  service.params.strs.push_back({"trace_fifo", "${trace_file}.fifo", &fifo, 1});
  auto hook = [&trace](const char* name) {
    return [&trace, name](dgram::Context&) { trace(name); };
  };
  int pre_init_nap = 0;
  int stall_timer_ms = 0;
  dgram::EventHandle stall_timer;
  service.params.ints.push_back({"trace_stall_timer_ms", 0, &stall_timer_ms, 0, 60000});
  service.params.ints.push_back({"trace_pre_init_nap", 0, &pre_init_nap, 0, 3600});
  service.hooks.pre_init = [&trace, &pre_init_nap](dgram::Context&) {
    trace("pre_init");
    trace("whereabouts pre_init " + whereabouts());
    // trace_pre_init_nap = S: a slow start-up, S seconds, cut short by a signal.
    if (pre_init_nap > 0) {
      trace("napping");
      timespec delay{pre_init_nap, 0};
      if (::nanosleep(&delay, nullptr) < 0) trace("nap interrupted");
    }
  };
  service.hooks.post_init = [&trace, &stall_timer_ms, &stall_timer](dgram::Context& context) {
    trace("post_init");
    trace("whereabouts post_init " + whereabouts());
    // trace_stall_timer_ms = N: a timer of the service's own that gets stuck.
    if (stall_timer_ms > 0) {
      stall_timer = context.events.after(std::chrono::milliseconds(stall_timer_ms), [&trace](dgram::Context&) {
        trace("timer stall");
        auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        while (std::chrono::steady_clock::now() < until) {
        }
        trace("timer stall survived");
      });
    }
  };
  service.hooks.pre_accept = hook("pre_accept");
  service.hooks.on_exit = [&trace](dgram::Context&) {
    trace("exit");
    // TRACE_EXIT_STALL: an exit hook stuck for 20 s (bounded for a broken watchdog).
    if (std::getenv("TRACE_EXIT_STALL") != nullptr) {
      auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
      while (std::chrono::steady_clock::now() < until) {
      }
      trace("exit stall survived");
    }
  };
  service.hooks.loop = [&trace](dgram::Context&) {
    trace("loop");
    return -1;
  };
  service.hooks.reload = hook("reload");
  service.on_datagram = [&trace, &fifo](const dgram::Datagram& datagram, dgram::Context& context) {
    std::string data(datagram.data);
    trace("service " + data);
    if (data == "env") {
      std::string line = "env";
      for (const char* name : {"LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES", "LISTEN_PIDFDID"}) {
        const char* value = std::getenv(name);
        line += std::string(" ") + name + "=" + (value ? value : "-");
      }
      trace(line);
    }
    if (data == "names") {
      std::string line = "names";
      for (const std::string& name : context.listen_names) line += " " + (name.empty() ? std::string("-") : name);
      trace(line);
    }
    if (data == "block") wait_for_fifo(fifo);
    if (data == "fail") throw dgram::Fatal("cannot serve \"fail\"");
    if (data == "stall") {
      // Stuck in the callback (bounded, so a broken watchdog cannot hang a test).
      auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
      while (std::chrono::steady_clock::now() < until) {
      }
      trace("stall survived");
    }
  };
  if (const char* seconds = std::getenv("TRACE_WATCHDOG")) service.flags.watchdog_seconds = std::atoi(seconds);
  service.gate = [&trace](const std::string& lock_path) {
    return std::make_unique<TracingGate>(lock_path, &trace);
  };
  return dgram::run(service, argc, argv);
}
