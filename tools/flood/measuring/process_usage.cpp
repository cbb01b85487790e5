// SPDX-License-Identifier: MIT
// process_usage - parsing /proc/PID/stat and task status files, and differences of samples.
#include "measuring/process_usage.h"

#include <cerrno>
#include <charconv>
#include <string>
#include <vector>

#include "measuring/proc_file.h"

namespace flood {

namespace {

// Positions in /proc/PID/stat (proc(5) numbers fields from 1), counted from
// field 3, the first one after the parenthesized command name.
constexpr std::size_t kState = 3 - 3;
constexpr std::size_t kParent = 4 - 3;
constexpr std::size_t kUserTime = 14 - 3;
constexpr std::size_t kSystemTime = 15 - 3;
constexpr std::size_t kChildrenUserTime = 16 - 3;
constexpr std::size_t kChildrenSystemTime = 17 - 3;
constexpr std::size_t kStartTime = 22 - 3;

// to_number - the whole of text as an unsigned decimal number.
std::optional<std::uint64_t> to_number(std::string_view text) {
  std::uint64_t value = 0;
  const char* end = text.data() + text.size();
  auto [at, error] = std::from_chars(text.data(), end, value);
  if (error != std::errc() || at != end || text.empty()) return std::nullopt;
  return value;
}

// field_value - the number after "name:" at the start of a line of a status file.
std::optional<std::uint64_t> field_value(std::string_view status, std::string_view name) {
  for (std::size_t at = 0; at < status.size();) {
    std::size_t end = status.find('\n', at);
    if (end == std::string_view::npos) end = status.size();
    std::string_view line = status.substr(at, end - at);
    at = end + 1;
    if (line.size() <= name.size() || !line.starts_with(name) || line[name.size()] != ':') continue;
    std::string_view value = line.substr(name.size() + 1);
    std::size_t first = value.find_first_not_of(" \t");
    return first == std::string_view::npos ? std::nullopt : to_number(value.substr(first));
  }
  return std::nullopt;
}

// gone_or - ESRCH for an error that means the process ended, the error itself otherwise.
int gone_or(int error) { return is_gone(error) ? ESRCH : error; }

}  // namespace

std::optional<StatFields> parse_stat(std::string_view text) {
  // The command name may hold spaces and parentheses: it ends at the last ')'.
  std::size_t close = text.rfind(')');
  if (close == std::string_view::npos) return std::nullopt;
  std::vector<std::string_view> fields;
  std::string_view rest = text.substr(close + 1);
  while (!rest.empty()) {
    std::size_t start = rest.find_first_not_of(" \n");
    if (start == std::string_view::npos) break;
    std::size_t end = rest.find_first_of(" \n", start);
    if (end == std::string_view::npos) end = rest.size();
    fields.push_back(rest.substr(start, end - start));
    rest = rest.substr(end);
  }
  if (fields.size() <= kStartTime || fields[kState].size() != 1) return std::nullopt;
  auto parent = to_number(fields[kParent]);
  auto user = to_number(fields[kUserTime]);
  auto system = to_number(fields[kSystemTime]);
  auto children_user = to_number(fields[kChildrenUserTime]);
  auto children_system = to_number(fields[kChildrenSystemTime]);
  auto start = to_number(fields[kStartTime]);
  if (!parent || !user || !system || !children_user || !children_system || !start) {
    return std::nullopt;
  }
  StatFields stat;
  stat.state = fields[kState][0];
  stat.ppid = static_cast<pid_t>(*parent);
  stat.cpu_ticks = *user + *system;
  stat.reaped_ticks = *children_user + *children_system;
  stat.start_time = *start;
  return stat;
}

std::optional<std::uint64_t> parse_switches(std::string_view status) {
  auto voluntary = field_value(status, "voluntary_ctxt_switches");
  auto involuntary = field_value(status, "nonvoluntary_ctxt_switches");
  if (!voluntary || !involuntary) return std::nullopt;
  return *voluntary + *involuntary;
}

int sample_process(pid_t pid, ProcessSample& sample) {
  const std::string base = "/proc/" + std::to_string(pid);
  std::string text;
  if (int error = read_proc_file(base + "/stat", text); error != 0) return gone_or(error);
  if (text.empty()) return ESRCH;  // it ended after the open
  std::optional<StatFields> stat = parse_stat(text);
  if (!stat) return EPROTO;
  if (stat->state == 'Z' || stat->state == 'X') return ESRCH;  // ended, not yet reaped

  std::vector<pid_t> threads;
  if (int error = list_numbered(base + "/task", threads); error != 0) return gone_or(error);
  sample.switches.clear();
  for (pid_t tid : threads) {
    int error = read_proc_file(base + "/task/" + std::to_string(tid) + "/status", text);
    if (is_gone(error) || (error == 0 && text.empty())) continue;  // the thread ended
    if (error != 0) return error;
    std::optional<std::uint64_t> switches = parse_switches(text);
    if (!switches) return EPROTO;
    sample.switches[tid] = *switches;
  }
  sample.pid = pid;
  sample.stat = *stat;
  return 0;
}

ProcessUsage usage_between(const ProcessSample& before, const ProcessSample& after) {
  auto gain = [](std::uint64_t from, std::uint64_t to) { return to > from ? to - from : 0; };
  ProcessUsage used;
  used.cpu_ticks = gain(before.stat.cpu_ticks, after.stat.cpu_ticks);
  used.reaped_ticks = gain(before.stat.reaped_ticks, after.stat.reaped_ticks);
  for (const auto& [tid, switches] : after.switches) {
    auto earlier = before.switches.find(tid);
    used.switches += earlier == before.switches.end() ? switches : gain(earlier->second, switches);
  }
  return used;
}

ProcessUsage usage_so_far(const ProcessSample& sample) {
  ProcessUsage used;
  used.cpu_ticks = sample.stat.cpu_ticks;
  used.reaped_ticks = sample.stat.reaped_ticks;
  for (const auto& entry : sample.switches) used.switches += entry.second;
  return used;
}

}  // namespace flood
