// SPDX-License-Identifier: MIT
// NAME
//   usage_meter - the CPU time and context switches the receivers, and
//   their master, spent during a flood.
// SUMMARY
//   UsageMeter meter(plan);
//   meter.start();                                  // just before the first send
//   ... send, wait for the drain ...
//   UsageReport used = meter.finish(sender_cpus);   // just after the drain
// DESCRIPTION
//   The plan names the processes to count: --receiver PIDs and a --master
//   PID, or (plan.discover) the processes that hold the receiving socket
//   open (socket_holders.h, with the inode from receiving_socket.h).
//
//   start() samples each of them (process_usage.h). finish() samples them
//   again and, when discovering, scans again: a holder that appeared in
//   between (a master forks children on demand) is counted "late", with its
//   whole lifetime, start-up included, since it did not exist at the first
//   sample. A process sampled at the start and gone at the end (or whose
//   pid now names another process) is "exited" and nothing of it is
//   counted: /proc no longer shows it. Its parent's reaped_cpu_seconds has
//   its CPU once the parent has waited for it. The end samples are taken
//   in pid order, one process after the other: a child that exits and is
//   reaped in the microseconds between its master's sample and its own can
//   be counted twice or not at all.
//
//   Groups: with --master that process is the master group and every other
//   counted process is a receiver. When discovering without --master, a
//   holder that is the parent of another holder, or that reaped children
//   during the run, is a master (the Postfix master, dgram-launch), decided
//   over all the holders seen at either scan (socket_holders.h).
//
//   Children that are born and gone between the two scans (a service whose
//   children each serve a few requests, max_use) have no pid to report;
//   their CPU shows in their master's reaped_cpu_seconds, the growth of its
//   cutime + cstime. That counts each such child's whole life, and only
//   once the master has waited for it; it may hold other services'
//   children too, so it is reported apart and never added to the receivers.
//   Their context switches are not visible anywhere in /proc.
//   Each counted process carries its CPU affinity, read at the end; the
//   report's placement covers the sender and every counted process.
//
//   One thread; the meter owns only its samples.
// DIAGNOSTICS
//   start() throws Failure with exit status 2 for a named pid with no
//   process ("--receiver 4242: no such process") and, when discovering,
//   for a socket no process holds (the line names the path, the inode and
//   how many processes could not be inspected); exit status 1 when /proc
//   cannot be read or sysconf(_SC_CLK_TCK) fails.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "measuring/process_usage.h"

namespace flood {

struct UsagePlan {
  std::vector<pid_t> receivers;  // --receiver
  pid_t master = 0;              // --master; 0 = none named
  bool discover = false;         // --find-receivers
  std::uint64_t inode = 0;       // the receiving socket, when discovering
  std::string socket_path;       // for messages
};

struct CountedProcess {
  pid_t pid = 0;
  bool late = false;      // appeared after start(): its whole lifetime is counted
  std::vector<int> cpus;  // affinity at the end; empty when it could not be read
  double cpu_seconds = 0;
  std::uint64_t switches = 0;
};

struct GroupUsage {
  std::vector<CountedProcess> counted;  // ascending pid
  std::vector<pid_t> exited;            // sampled at the start only: not counted
  double cpu_seconds = 0;
  std::uint64_t switches = 0;
  double reaped_cpu_seconds = 0;  // CPU of children the group reaped in the meantime
};

struct UsageReport {
  std::optional<GroupUsage> receivers;
  std::optional<GroupUsage> master;
  long ticks_per_second = 0;
  std::string placement;  // "one-cpu", "spread" or "unknown" (cpu_affinity.h)
};

class UsageMeter {
 public:
  explicit UsageMeter(UsagePlan plan);

  void start();
  // receiver_ticks - CPU ticks so far of the receivers sampled by start()
  // (not the master, not newcomers; those gone count 0): for --settle.
  std::uint64_t receiver_ticks() const;
  UsageReport finish(const std::vector<int>& sender_cpus);

 private:
  // sample_named - the first sample of a --receiver or --master pid, or Failure.
  void sample_named(pid_t pid, const char* option);
  // discover - the first samples of the socket's holders, or Failure when there are none.
  void discover();
  // EndSamples - the processes of start() again, those gone, and the newcomers.
  struct EndSamples {
    std::map<pid_t, ProcessSample> again;
    std::vector<pid_t> exited;
    std::map<pid_t, ProcessSample> late;
  };
  // end_samples - samples everything again and, when discovering, scans for newcomers.
  EndSamples end_samples() const;
  // found_masters - the discovered holders that are masters (none with --master or no discovery).
  std::vector<pid_t> found_masters(const EndSamples& end) const;
  // in_master_group - whether pid is counted in the master group.
  bool in_master_group(pid_t pid, const std::vector<pid_t>& masters) const;
  double seconds(std::uint64_t ticks) const;

  UsagePlan plan_;
  long ticks_per_second_;
  std::map<pid_t, ProcessSample> first_;  // taken by start()
};

}  // namespace flood
