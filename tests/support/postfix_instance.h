// SPDX-License-Identifier: MIT
// postfix_instance - a private Postfix master(8) for integration tests.
//
// A C++ face on tools/postfix-instance, which owns the layout and the
// start and stop rules (see tools/lib/postfix_instance.py): everything lives
// under one temporary folder, etc/ (main.cf, master.cf), spool/ (the queue
// directory: pid/, public/, private/), data/, libexec/ (the
// daemon_directory, holding copies of the programs under test) and log/
// (maillog, and master.out for the master's and children's stderr). The
// constructor, install(), write_master_cf(), start(), reload() and stop()
// run that tool; the master it becomes (`postfix-instance run`) is a child
// of the test, in its own session, and is reaped here. The readers below
// (children(), maillog(), ...) look at /proc and the files directly.
// Nothing touches /etc/postfix or /var/spool/postfix; the system instance is
// never started. Needs root (the master refuses to run otherwise) and
// python3 (the tool). A failing tool throws std::runtime_error with its
// output.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace dgram::testing {

struct MasterCfLine {
  std::string name;
  std::string command;                 // a program copied into libexec/
  std::string maxproc = "1";
  std::string unprivileged = "-";      // the master.cf column: y, n or -
  std::string chroot = "n";
  std::vector<std::string> arguments;  // words after the command
};

class PostfixInstance {
 public:
  // Lays out the folder. Each line of extra_main_cf takes the place of the
  // default of the same parameter in main.cf, or is added at the end.
  PostfixInstance(std::vector<MasterCfLine> services, const std::string& extra_main_cf = "");
  ~PostfixInstance();
  PostfixInstance(const PostfixInstance&) = delete;
  PostfixInstance& operator=(const PostfixInstance&) = delete;

  // Copies a program into the daemon directory under its own base name.
  void install(const std::string& program_path);

  // Starts the master and waits (at most 10 s) until every service's socket exists.
  void start();
  // kill -HUP: the master re-reads its files and starts a new generation.
  void reload();
  // SIGTERM to the master; waits up to `bound` for it, then for the children
  // it had (SIGKILL after either wait, see the tool). True when nothing
  // needed SIGKILL. The master is gone (and reaped) afterwards either way.
  bool stop(std::chrono::milliseconds bound = std::chrono::seconds(10));

  pid_t master_pid() const { return master_pid_; }
  // Processes whose parent is the master, i.e. its running children.
  std::vector<pid_t> children() const;

  const std::string& root() const { return root_; }
  std::string config_dir() const { return root_ + "/etc"; }
  std::string queue_dir() const { return root_ + "/spool"; }
  std::string socket_path(const std::string& service) const { return queue_dir() + "/public/" + service; }
  std::string log_dir() const { return root_ + "/log"; }
  std::string maillog_path() const { return log_dir() + "/maillog"; }
  std::string maillog() const;
  std::string master_output() const;

  // Waits up to `timeout` until maillog contains text (re-read every 20 ms).
  bool wait_for_log(const std::string& text, std::chrono::milliseconds timeout) const;
  // The lines of maillog that show the master unhappy with a child:
  // partial or ignored status updates, bad command start-up, throttling.
  std::vector<std::string> master_complaints() const;

  // Changes master.cf (before a reload); the file is back-dated so Postfix
  // takes it as it is at once.
  void write_master_cf(const std::vector<MasterCfLine>& services) const;

 private:
  std::string root_;
  pid_t master_pid_ = -1;
};

// True when pid is gone or a zombie.
bool process_ended(pid_t pid);

// The contents of /proc/PID/NAME ("" when the process is gone: a process can
// exit between listing and reading, and then the read fails with ESRCH).
std::string read_proc(pid_t pid, const std::string& name);

}  // namespace dgram::testing
