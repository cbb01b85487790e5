// SPDX-License-Identifier: MIT
// master_side - plays the Postfix master's side of the child protocol.
//
// It owns what the master owns for one service: the status channel (a stream
// socketpair; children write 12-byte records to their end, fd 5), the
// flow-control pipe (fds 3 and 4) and the listen sockets (fd 6 on). spawn()
// forks and execs a child with those descriptors in place, the way master(8)
// does; close_status() is the master going away. Used by dgram-launch and by
// the integration tests, so a service can be run and checked without Postfix.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "start/master_protocol.h"
#include "dgram/unique_fd.h"

namespace dgram::launch {

// Binds an AF_UNIX datagram socket at path (a stale socket file is replaced),
// mode 0666 like the master's public sockets. Throws Fatal.
UniqueFd bind_datagram_socket(const std::string& path);

class MasterSide {
 public:
  MasterSide();  // makes the status socketpair and the flow pipe; throws Fatal

  // Starts program with argv (argv[0] included) and exactly env, with the
  // flow pipe at 3/4, the status channel at 5 and listen_fds at 6, 7, ...;
  // stdin is stdin_fd, or /dev/null when it is -1; stderr is stderr_fd, or
  // inherited when it is -1; no signal is blocked in the child. Throws Fatal when the
  // fork or the exec fails (an exec failure is reported from the child).
  pid_t spawn(const std::string& program, const std::vector<std::string>& argv,
              const std::map<std::string, std::string>& env, const std::vector<int>& listen_fds,
              int stdin_fd = -1, int stderr_fd = -1);

  // The next complete record, or nullopt when none arrived within timeout or
  // the channel reached end of file.
  std::optional<StatusRecord> read_record(std::chrono::milliseconds timeout);

  // The master goes away: closes its descriptors of the status channel.
  void close_status();
  // What the children see is the same as close_status(), but records they
  // still write can be read until the last of them has exited (end of file).
  void hang_up();

  int status_fd() const { return status_master_.get(); }
  int flow_write_fd() const { return flow_write_.get(); }
  bool status_open() const { return static_cast<bool>(status_master_); }

 private:
  UniqueFd status_master_;
  UniqueFd status_child_;
  UniqueFd flow_read_;
  UniqueFd flow_write_;
  std::string partial_;  // bytes of a record split across reads
};

// Waits up to timeout for pid to exit. Returns its wait status, or nullopt on
// timeout (the child is left running).
std::optional<int> wait_for_exit(pid_t pid, std::chrono::milliseconds timeout);

// "exit 0", "exit 1", "signal 9"...
std::string describe_wait_status(int status);

}  // namespace dgram::launch
