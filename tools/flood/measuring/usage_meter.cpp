// SPDX-License-Identifier: MIT
// usage_meter - samples before the first send and after the drain, grouped and summed.
#include "measuring/usage_meter.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <utility>

#include "failure.h"
#include "measuring/cpu_affinity.h"
#include "measuring/socket_holders.h"

namespace flood {

namespace {

// unreadable - the Failure for a process /proc does not show us.
Failure unreadable(pid_t pid, int error) {
  return errno_failure(kExitSendFailed, "cannot read /proc/" + std::to_string(pid), error);
}

// add - counts one process in a group.
void add(GroupUsage& group, CountedProcess process, std::uint64_t reaped_ticks, double tick) {
  group.cpu_seconds += process.cpu_seconds;
  group.switches += process.switches;
  group.reaped_cpu_seconds += static_cast<double>(reaped_ticks) * tick;
  group.counted.push_back(std::move(process));
}

}  // namespace

UsageMeter::UsageMeter(UsagePlan plan) : plan_(std::move(plan)), ticks_per_second_(0) {
  ticks_per_second_ = ::sysconf(_SC_CLK_TCK);
  if (ticks_per_second_ <= 0) {
    throw errno_failure(kExitSendFailed, "sysconf(_SC_CLK_TCK)", errno != 0 ? errno : EINVAL);
  }
}

double UsageMeter::seconds(std::uint64_t ticks) const {
  return static_cast<double>(ticks) / static_cast<double>(ticks_per_second_);
}

void UsageMeter::sample_named(pid_t pid, const char* option) {
  ProcessSample sample;
  int error = sample_process(pid, sample);
  if (error == ESRCH) {
    throw Failure{kExitUsage,
                  std::string(option) + " " + std::to_string(pid) + ": no such process"};
  }
  if (error != 0) throw unreadable(pid, error);
  first_[pid] = std::move(sample);
}

void UsageMeter::discover() {
  HolderScan scan = scan_socket_holders(plan_.inode, ::getpid());
  for (pid_t pid : scan.holders) {
    if (first_.count(pid) != 0) continue;  // the --master, sampled already
    ProcessSample sample;
    int error = sample_process(pid, sample);
    if (error == ESRCH) continue;  // ended since the scan: it holds nothing any more
    if (error != 0) throw unreadable(pid, error);
    first_[pid] = std::move(sample);
  }
  bool found = std::any_of(scan.holders.begin(), scan.holders.end(),
                           [&](pid_t pid) { return first_.count(pid) != 0; });
  if (!found) {
    std::string line = "no process holds the socket at " + plan_.socket_path + " (socket inode " +
                       std::to_string(plan_.inode) + "; process 1 and dgram-flood itself are " +
                       "not counted)";
    if (scan.uninspected > 0) {
      line += "; " + std::to_string(scan.uninspected) +
              " processes could not be inspected (another user's? run as root)";
    }
    throw Failure{kExitUsage, line};
  }
}

void UsageMeter::start() {
  first_.clear();
  for (pid_t pid : plan_.receivers) sample_named(pid, "--receiver");
  if (plan_.master != 0) sample_named(plan_.master, "--master");
  if (plan_.discover) discover();
}

std::uint64_t UsageMeter::receiver_ticks() const {
  std::uint64_t ticks = 0;
  for (const auto& [pid, first] : first_) {
    if (pid == plan_.master) continue;
    ProcessSample sample;
    if (sample_process(pid, sample) == 0 && same_process(first, sample)) {
      ticks += sample.stat.cpu_ticks;
    }
  }
  return ticks;
}

bool UsageMeter::in_master_group(pid_t pid, const std::vector<pid_t>& masters) const {
  if (plan_.master != 0) return pid == plan_.master;
  return std::find(masters.begin(), masters.end(), pid) != masters.end();
}

UsageMeter::EndSamples UsageMeter::end_samples() const {
  EndSamples end;
  for (const auto& [pid, first] : first_) {
    ProcessSample sample;
    if (sample_process(pid, sample) == 0 && same_process(first, sample)) {
      end.again[pid] = std::move(sample);
    } else {
      end.exited.push_back(pid);
    }
  }
  if (plan_.discover) {
    for (pid_t pid : scan_socket_holders(plan_.inode, ::getpid()).holders) {
      if (end.again.count(pid) != 0) continue;
      ProcessSample sample;
      if (sample_process(pid, sample) == 0) end.late[pid] = std::move(sample);
    }
  }
  return end;
}

std::vector<pid_t> UsageMeter::found_masters(const EndSamples& end) const {
  if (!plan_.discover || plan_.master != 0) return {};
  std::vector<Holder> holders;
  for (const auto& [pid, first] : first_) {
    auto again = end.again.find(pid);
    if (again == end.again.end()) {
      holders.push_back({pid, first.stat.ppid, false});
    } else {
      bool reaped = usage_between(first, again->second).reaped_ticks > 0;
      holders.push_back({pid, again->second.stat.ppid, reaped});
    }
  }
  for (const auto& [pid, sample] : end.late) {
    holders.push_back({pid, sample.stat.ppid, usage_so_far(sample).reaped_ticks > 0});
  }
  return split_masters(holders).masters;
}

UsageReport UsageMeter::finish(const std::vector<int>& sender_cpus) {
  const EndSamples end = end_samples();
  const std::vector<pid_t> masters = found_masters(end);
  const double tick = 1.0 / static_cast<double>(ticks_per_second_);

  GroupUsage receivers;
  GroupUsage master;
  std::vector<std::vector<int>> placements{sender_cpus};
  auto count = [&](const ProcessSample& sample, const ProcessUsage& used, bool late) {
    CountedProcess process;
    process.pid = sample.pid;
    process.late = late;
    process.cpu_seconds = seconds(used.cpu_ticks);
    process.switches = used.switches;
    if (cpu_affinity(sample.pid, process.cpus) != 0) process.cpus.clear();
    placements.push_back(process.cpus);
    GroupUsage& group = in_master_group(sample.pid, masters) ? master : receivers;
    add(group, std::move(process), used.reaped_ticks, tick);
  };
  // In pid order, so that each group lists its processes ascending.
  std::map<pid_t, std::pair<const ProcessSample*, bool>> counted;
  for (const auto& [pid, sample] : end.again) counted[pid] = {&sample, false};
  for (const auto& [pid, sample] : end.late) counted[pid] = {&sample, true};
  for (const auto& [pid, entry] : counted) {
    const auto& [sample, late] = entry;
    count(*sample, late ? usage_so_far(*sample) : usage_between(first_.at(pid), *sample), late);
  }
  for (pid_t pid : end.exited) {
    (in_master_group(pid, masters) ? master : receivers).exited.push_back(pid);
  }

  UsageReport report;
  report.ticks_per_second = ticks_per_second_;
  if (!plan_.receivers.empty() || plan_.discover) report.receivers = std::move(receivers);
  if (plan_.master != 0 || !master.counted.empty() || !master.exited.empty()) {
    report.master = std::move(master);
  }
  report.placement = placement(placements);
  return report;
}

}  // namespace flood
