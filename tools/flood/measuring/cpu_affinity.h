// SPDX-License-Identifier: MIT
// NAME
//   cpu_affinity - the CPUs a process may run on, and what that makes of
//   a flood: spread over CPUs, or all on one.
// SUMMARY
//   std::vector<int> cpus;
//   int error = cpu_affinity(pid, cpus);      // 0 = the calling process
//   std::string text = cpu_list(cpus);        // "0-1", "0,2-3"
//   const char* where = placement({sender, receiver, master});
// DESCRIPTION
//   cpu_affinity() asks sched_getaffinity(2), with a set large enough for
//   the kernel's CPU count. For a process with threads this is the main
//   thread's set (taskset and the Postfix master's children inherit it).
//
//   cpu_list() writes ascending CPU numbers the way taskset -c and
//   /proc/PID/status (Cpus_allowed_list) do.
//
//   placement() is "one-cpu" when every set is the same single CPU (sender
//   and receivers take turns on it, no cross-CPU wake-ups), "spread" when
//   any two may run apart, "unknown" when a set is empty (not read).
// DIAGNOSTICS
//   cpu_affinity() is a utility: it returns 0 or the error number (ESRCH for
//   a process that is gone).
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace flood {

// cpu_affinity - the CPUs pid may run on, ascending; 0 or an error number.
int cpu_affinity(pid_t pid, std::vector<int>& cpus);

// cpu_list - "0-3,6" for {0, 1, 2, 3, 6}; "" for none.
std::string cpu_list(const std::vector<int>& cpus);

// placement - "one-cpu", "spread" or "unknown" for the CPU sets of the processes of a run.
const char* placement(const std::vector<std::vector<int>>& sets);

}  // namespace flood
