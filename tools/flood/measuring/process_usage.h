// SPDX-License-Identifier: MIT
// NAME
//   process_usage - the CPU time and context switches a process has used,
//   read from /proc.
// SUMMARY
//   ProcessSample before, after;
//   int error = sample_process(pid, before);   ...   sample_process(pid, after);
//   ProcessUsage used = usage_between(before, after);   // or usage_so_far(after)
// DESCRIPTION
//   sample_process() reads /proc/PID/stat, which covers the whole process:
//   utime + stime of all its threads, the ended ones included; cutime +
//   cstime, the CPU of the children it has reaped; its parent; and its start
//   time, which tells a reused pid from the process sampled before. Context
//   switches (voluntary + nonvoluntary) are kept per thread, from
//   /proc/PID/task/TID/status: /proc/PID/status counts the main thread only.
//
//   usage_between() is what happened from one sample to the next: the CPU
//   difference, and per thread the difference of its switches, or all of
//   them for a thread that started in between. A thread that ended in
//   between takes with it the switches it made after the first sample: /proc
//   no longer shows them (its CPU is still in utime + stime).
//   usage_so_far() is the whole lifetime, for a process that was not there
//   at the first sample.
//
//   CPU times are clock ticks (sysconf(_SC_CLK_TCK), 100 a second on Linux):
//   a measurement is only as fine as 1/100 s per process.
//
//   parse_stat() and parse_switches() are the text parsers, pure, for tests.
// DIAGNOSTICS
//   sample_process() is a utility: it returns 0 or an error number. ESRCH
//   means the process is gone (also a zombie, or one that ends while it is
//   read), EACCES that /proc does not show it to us, EPROTO that a file did
//   not read as expected.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string_view>

namespace flood {

struct StatFields {
  char state = '?';
  pid_t ppid = 0;
  std::uint64_t cpu_ticks = 0;     // utime + stime
  std::uint64_t reaped_ticks = 0;  // cutime + cstime
  std::uint64_t start_time = 0;    // clock ticks after boot
};

struct ProcessSample {
  pid_t pid = 0;
  StatFields stat;
  std::map<pid_t, std::uint64_t> switches;  // thread id -> context switches so far
};

struct ProcessUsage {
  std::uint64_t cpu_ticks = 0;
  std::uint64_t reaped_ticks = 0;
  std::uint64_t switches = 0;
};

// parse_stat - the fields of a /proc/PID/stat line we use, or nothing if it is malformed.
std::optional<StatFields> parse_stat(std::string_view text);

// parse_switches - voluntary + nonvoluntary context switches from a status file.
std::optional<std::uint64_t> parse_switches(std::string_view status);

// sample_process - reads the stat of pid and the status of each of its threads; 0 or an errno.
int sample_process(pid_t pid, ProcessSample& sample);

// same_process - whether two samples of one pid are of the same process (not a reused pid).
inline bool same_process(const ProcessSample& a, const ProcessSample& b) {
  return a.pid == b.pid && a.stat.start_time == b.stat.start_time;
}

// usage_between - what the process used from sample before to sample after.
ProcessUsage usage_between(const ProcessSample& before, const ProcessSample& after);

// usage_so_far - what the process used in its whole life up to the sample.
ProcessUsage usage_so_far(const ProcessSample& sample);

}  // namespace flood
