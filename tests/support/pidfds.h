// SPDX-License-Identifier: MIT
// pidfds - what the tests of receive.pidfd ask the kernel: whether it can
// pass pidfds at all, which process a pidfd names, and how many pidfds a
// process holds (to show none is leaked).
//
// THREADS
//   Any (no state).
#pragma once

#include <sys/types.h>

namespace dgram::testing {

// SO_PASSPIDFD (receive.pidfd) is there: Linux 6.5 or later.
bool kernel_has_pidfds();
// The "Pid:" line of this process's fdinfo for fd: the process the pidfd
// names, -1 once that process is reaped, 0 when fd is no pidfd.
long pidfd_pid(int fd);
// How many pidfds process pid holds (its /proc/PID/fd; the caller runs as
// root or as that process's user).
int pidfds_held_by(pid_t pid);
// How many pidfds this process holds.
int open_pidfds();

}  // namespace dgram::testing
