// postfix_instance - a private Postfix master(8) for integration tests.
//
// Everything lives under one temporary folder: etc/ (main.cf, master.cf),
// spool/ (the queue directory: pid/, public/, private/), data/, libexec/ (the
// daemon_directory, holding copies of the programs under test) and log/
// (maillog, and master.out for the master's and children's stderr). The
// master runs in the foreground (`master -c etc -d`) as a child of the test,
// in its own session so that stopping it stops its children too. Nothing
// touches /etc/postfix or /var/spool/postfix; the system instance is never
// started. Needs root (the master refuses to run otherwise).
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
  // Lays out the folder. extra_main_cf is appended to main.cf.
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
  // kill -TERM, then waits up to `bound` for the master to exit. True if it did.
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

  // Changes master.cf / main.cf (before a reload); files are back-dated so
  // Postfix trusts them at once.
  void write_master_cf(const std::vector<MasterCfLine>& services) const;

 private:
  void write_main_cf(const std::string& extra) const;

  std::string root_;
  pid_t master_pid_ = -1;
};

// True when pid is gone or a zombie.
bool process_ended(pid_t pid);

// The contents of /proc/PID/NAME ("" when the process is gone: a process can
// exit between listing and reading, and then the read fails with ESRCH).
std::string read_proc(pid_t pid, const std::string& name);

}  // namespace dgram::testing
