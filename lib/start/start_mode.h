// SPDX-License-Identifier: MIT
// start_mode - how the process was started, and the listen sockets that
// come with it.
//
// One binary serves in three ways:
//   postfix_master     a child of Postfix's master(8): `-t unix-dgram` and
//                      the master's descriptors (flow pipe 3-4, status 5,
//                      listen sockets from 6).
//   socket_activation  systemd (or systemd-socket-activate) passed the
//                      sockets: LISTEN_PID is this process, LISTEN_FDS of them
//                      from fd 3, named by LISTEN_FDNAMES when given.
//   standalone         `PROGRAM --listen PATH [--mode OCTAL] [--owner USER]
//                      [--group GROUP] [options]`: the process makes its
//                      socket itself (listen_socket_file.h).
// Anything else is refused with one line saying how the program can be
// started. Every function here throws Fatal naming the bad value and where it
// came from.
#pragma once

#include <sys/types.h>

#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace dgram {

enum class StartKind { postfix_master, socket_activation, standalone };

// What a start mode decides for the rest of the start-up, as plain answers
// (a pure function of the mode; the start-up asks, it does not test modes).
struct StartPolicy {
  // main.cf must be there (the master's children); else it is read when
  // MAIL_CONFIG names it or /etc/postfix/main.cf exists, and the defaults
  // apply without one.
  bool main_cf_required = false;
  // max_use and max_idle default as in Postfix; else they are off unless
  // main.cf or the command line asks (nobody would start the next process).
  bool postfix_limits = false;
  // The working directory is queue_directory even when nothing named it;
  // else it is / unless main.cf, -o or -c needs it.
  bool always_queue_directory = false;
  // The master's descriptors and rules: status channel, flow pipe,
  // GENERATION, -l/-z/-u checks, the terminal check, and the master as the
  // supervisor (TAKEN, AVAIL). Else systemd supervises (NOTIFY_SOCKET, when
  // set) and SIGHUP runs the reload hook.
  bool master_supervises = false;
  // Children of the master share their socket unless -l says there is one:
  // only then is there a gate between siblings.
  bool siblings_share_socket = false;
};

StartPolicy start_policy(StartKind kind) noexcept;

// What `--listen` and its companions asked for (at the front of argv).
struct ListenRequest {
  std::string path;                  // a file path, or @name for the abstract namespace
  mode_t mode = 0666;                // --mode, as systemd's SocketMode= defaults
  std::optional<std::string> owner;  // --owner: a user name or number
  std::optional<std::string> group;  // --group: a group name or number
};

// argv split into the standalone options and the rest (argv[0] kept first).
struct SplitArguments {
  std::optional<ListenRequest> listen;
  std::vector<std::string> argv;
};

// Takes --listen PATH, --listen=PATH, --mode, --owner and --group from the
// front of argv (before the usual single-letter options). --mode, --owner or
// --group without --listen, an unknown --word, a missing value or a mode
// that is not octal 0..0777 throw Fatal.
SplitArguments split_listen_options(std::span<const std::string> argv);

// The sockets systemd passed, as the environment describes them.
struct ActivatedSockets {
  std::vector<int> fds;            // 3 .. 3 + LISTEN_FDS - 1
  std::vector<std::string> names;  // LISTEN_FDNAMES, else empty strings
};

// The variables of socket activation; removed from the environment of
// whatever the service starts.
inline constexpr const char* kActivationVariables[] = {"LISTEN_PID", "LISTEN_PIDFDID", "LISTEN_FDS",
                                                      "LISTEN_FDNAMES"};

// Reads LISTEN_PID, LISTEN_PIDFDID, LISTEN_FDS and LISTEN_FDNAMES. Returns
// nullopt when none is set; throws Fatal when they are set but wrong for
// this process (another pid, another pidfd, a count that is not a positive
// number, names that do not match the count). pidfd_id gives the inode id
// of this process's pidfd, or nullopt where the kernel has none.
std::optional<ActivatedSockets> activated_sockets(
    const std::map<std::string, std::string>& env, pid_t pid,
    const std::function<std::optional<unsigned long long>()>& pidfd_id);

// The inode id of a pidfd of this process (what LISTEN_PIDFDID names), or
// nullopt where pidfd_open() is not there.
std::optional<unsigned long long> own_pidfd_id();

// Throws Fatal unless fd is an open AF_UNIX datagram socket; what names the
// descriptor in the line ("fd 3 from LISTEN_FDS (name echo.socket)").
void check_unix_datagram_socket(int fd, const std::string& what);

// The line for a process started in none of the three ways.
std::string how_to_start_line(const std::string& program);

}  // namespace dgram
