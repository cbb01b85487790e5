// SPDX-License-Identifier: MIT
// server - running a Service: as a child of the Postfix master, under
// systemd socket activation, or on its own.
//
// run(service, argc, argv) is the whole program: it finds out how it was
// started, reads main.cf and the command line, sets up the listen sockets,
// serves datagrams until a limit is reached, the master goes away or
// SIGTERM comes, and returns the exit status (0 on a normal exit, 1 after
// one fatal log line). It never calls exit(), so main() is one line:
//
//   int main(int argc, char** argv) { return dgram::run(service, argc, argv); }
//
// HOW IT IS STARTED (the same binary, unchanged)
//   Postfix master   master.cf runs it with -t unix-dgram and passes its
//                    descriptors: flow pipe 3-4, status channel 5, listen
//                    sockets from 6. TAKEN/AVAIL reports, the lock-file gate
//                    between siblings, max_use and max_idle as in Postfix.
//   systemd          LISTEN_PID is this process (and LISTEN_PIDFDID its
//                    pidfd, where set): LISTEN_FDS AF_UNIX datagram sockets
//                    from fd 3, named by LISTEN_FDNAMES (Context::listen_names).
//                    The variables are removed from the environment; the
//                    sockets are never unlinked.
//   on its own       PROGRAM --listen PATH [--mode OCTAL] [--owner USER]
//                    [--group GROUP] [options]: the process binds PATH (or
//                    @name) itself, replaces a stale socket, refuses a live
//                    one, and removes the file at exit if it is still its own.
//   Otherwise one fatal line says how it can be started.
// Without the master: no status channel and no lock gate; main.cf is read
// from $MAIL_CONFIG, else /etc/postfix/main.cf when there is one, else the
// defaults apply; the working directory is queue_directory only when main.cf
// or -o named it (or -c needs it), else /; max_use and max_idle are off
// unless asked for; -c and -u work as under the master; SIGHUP runs
// Hooks::reload. With NOTIFY_SOCKET: READY=1 after post_init, STATUS= (at
// most once a second), WATCHDOG=1 at half of WATCHDOG_USEC, STOPPING=1,
// ERRNO= on a fatal exit. When JOURNAL_STREAM names stderr, log lines go
// there with <N> priorities.
//
// For embedders and tests, run(service, launch) in dgram/embedding.h does
// the same on descriptors, arguments and an environment that the caller
// provides.
#pragma once

#include "dgram/cxx20.h"
#if __cplusplus >= 202002L  // else cxx20.h has said why, once

#include "dgram/log.h"
#include "dgram/service.h"

// Deprecated since 0.2: Launch, Descriptors, the descriptor numbers,
// process_environment() and run(service, launch) moved to dgram/embedding.h.
// This header includes it for one more release so that code finding them
// here still compiles; include dgram/embedding.h where they are used.
#include "dgram/embedding.h"

namespace dgram {

int run(const Service& service, int argc, char** argv);

}  // namespace dgram

#endif  // C++20
