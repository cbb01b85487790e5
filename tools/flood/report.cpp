// SPDX-License-Identifier: MIT
// report - formatting the summary lines and the JSON object.
#include "report.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>

#include "measuring/cpu_affinity.h"

namespace flood {

namespace {

// rate - sent / seconds, 0 when no time passed.
double rate(std::uint64_t sent, double seconds) {
  return seconds > 0 ? static_cast<double>(sent) / seconds : 0.0;
}

double rate_of(const Report& report) { return rate(report.sent, report.seconds); }

// per_datagram - value / sent, 0 when nothing was sent.
double per_datagram(double value, std::uint64_t sent) {
  return sent > 0 ? value / static_cast<double>(sent) : 0.0;
}

// fixed - value with `decimals` digits after the point.
std::string fixed(double value, int decimals) {
  char text[64];
  std::snprintf(text, sizeof(text), "%.*f", decimals, value);
  return text;
}

// json_pids - [1,2,3]
std::string json_pids(const std::vector<pid_t>& pids) {
  std::string text = "[";
  for (std::size_t i = 0; i < pids.size(); ++i) {
    if (i > 0) text += ',';
    text += std::to_string(pids[i]);
  }
  return text + "]";
}

std::string json_group(const GroupUsage& group, std::uint64_t sent) {
  std::vector<pid_t> pids;
  std::vector<pid_t> late;
  std::string cpus = "{";
  for (const auto& process : group.counted) {
    pids.push_back(process.pid);
    if (process.late) late.push_back(process.pid);
    if (cpus.size() > 1) cpus += ',';
    cpus += "\"" + std::to_string(process.pid) + "\":\"" + cpu_list(process.cpus) + "\"";
  }
  cpus += "}";
  return "{\"pids\":" + json_pids(pids) + ",\"late_pids\":" + json_pids(late) +
         ",\"exited_pids\":" + json_pids(group.exited) +
         ",\"cpu_seconds\":" + fixed(group.cpu_seconds, 6) +
         ",\"ctx_switches\":" + std::to_string(group.switches) +
         ",\"cpu_us_per_datagram\":" + fixed(per_datagram(group.cpu_seconds * 1e6, sent), 3) +
         ",\"ctx_switches_per_datagram\":" +
         fixed(per_datagram(static_cast<double>(group.switches), sent), 6) +
         ",\"reaped_cpu_seconds\":" + fixed(group.reaped_cpu_seconds, 6) + ",\"cpus\":" + cpus +
         "}";
}

std::string human_group(const char* name, const GroupUsage& group, std::uint64_t sent) {
  std::string line = std::string(name) + ": " + fixed(group.cpu_seconds, 3) + " s CPU, " +
                     std::to_string(group.switches) + " context switches; " +
                     fixed(per_datagram(group.cpu_seconds * 1e6, sent), 2) + " us and " +
                     fixed(per_datagram(static_cast<double>(group.switches), sent), 3) +
                     " per datagram;";
  if (group.counted.empty()) line += " no process counted";
  for (std::size_t i = 0; i < group.counted.size(); ++i) {
    const CountedProcess& p = group.counted[i];
    line += (i == 0 ? " pid " : ", pid ") + std::to_string(p.pid) + " (cpus " +
            (p.cpus.empty() ? std::string("?") : cpu_list(p.cpus)) +
            (p.late ? ", late, whole life)" : ")");
  }
  if (!group.exited.empty()) {
    line += "; exited, not counted:";
    for (pid_t pid : group.exited) line += " " + std::to_string(pid);
  }
  if (group.reaped_cpu_seconds > 0) {
    line +=
        "; children reaped during the run, not included: " + fixed(group.reaped_cpu_seconds, 3) +
        " s CPU";
  }
  return line + "\n";
}

// human_sender - "sender K (pid P): N datagrams (numbers F-L) in T s: R datagrams/s\n".
std::string human_sender(std::size_t index, const SenderLine& sender) {
  char numbers[64] = "";
  if (sender.sent > 0) {
    std::snprintf(numbers, sizeof(numbers), " (numbers %" PRIu64 "-%" PRIu64 ")",
                  sender.first_sequence, sender.first_sequence + sender.sent - 1);
  }
  char line[256];
  std::snprintf(line, sizeof(line),
                "sender %zu (pid %ld): %" PRIu64 " datagrams%s in %.3f s: %.0f datagrams/s\n",
                index + 1, static_cast<long>(sender.pid), sender.sent, numbers, sender.seconds,
                rate(sender.sent, sender.seconds));
  return line;
}

// json_send_wait - ,"send_wait_us":{"p50":..,"p99":..,"p99_9":..,"max":..,"share":..,"waited":..}
std::string json_send_wait(const SendWait& wait, std::uint64_t sending_ns) {
  auto us = [](std::uint64_t ns) { return fixed(static_cast<double>(ns) / 1000.0, 3); };
  double share = sending_ns > 0 ? static_cast<double>(wait.total_ns) / static_cast<double>(sending_ns) : 0.0;
  return ",\"send_wait_us\":{\"p50\":" + us(wait.quantile_ns(0.5)) + ",\"p99\":" + us(wait.quantile_ns(0.99)) +
         ",\"p99_9\":" + us(wait.quantile_ns(0.999)) + ",\"max\":" + us(wait.max_ns) +
         ",\"share\":" + fixed(std::min(share, 1.0), 4) + ",\"waited\":" + fixed(wait.waited_share(), 4) + "}";
}

// json_senders - ,"senders":N,"per_sender":[{...},...]
std::string json_senders(const std::vector<SenderLine>& senders) {
  std::string text = ",\"senders\":" + std::to_string(senders.size()) + ",\"per_sender\":[";
  for (std::size_t i = 0; i < senders.size(); ++i) {
    const SenderLine& sender = senders[i];
    char item[256];
    std::snprintf(item, sizeof(item),
                  "%s{\"pid\":%ld,\"sent\":%" PRIu64 ",\"first_sequence\":%" PRIu64
                  ",\"seconds\":%.6f,\"datagrams_per_second\":%.1f}",
                  i > 0 ? "," : "", static_cast<long>(sender.pid), sender.sent,
                  sender.first_sequence, sender.seconds, rate(sender.sent, sender.seconds));
    text += item;
  }
  return text + "]";
}

}  // namespace

std::string human_report(const Report& report) {
  char line[256];
  std::snprintf(line, sizeof(line),
                "sent %" PRIu64 " datagrams of %zu bytes in %.3f s: %.0f datagrams/s", report.sent,
                report.size, report.seconds, rate_of(report));
  std::string text = line;
  const bool several = report.per_sender.size() > 1;
  if (several) text += " from " + std::to_string(report.per_sender.size()) + " senders";
  if (report.paced) text += "; " + std::to_string(report.late_sends) + " late";
  if (report.drained) {
    text += " (timed until drained, " + fixed(report.drain_seconds, 6) + " s after the last send";
    if (report.receiver_socket == "closed") {
      text += "; the receiver closed its socket, what was queued then was discarded";
    }
    if (report.settled) {
      text += "; CPU settled " + fixed(report.settle_seconds, 6) + " s after the drain";
    }
    text += ")";
  }
  text += "\n";
  for (std::size_t i = 0; several && i < report.per_sender.size(); ++i) {
    text += human_sender(i, report.per_sender[i]);
  }
  if (report.usage) {
    const UsageReport& usage = *report.usage;
    if (usage.receivers) text += human_group("receivers", *usage.receivers, report.sent);
    if (usage.master) text += human_group("master", *usage.master, report.sent);
    text += "placement: " + usage.placement + " (sender cpus " + report.sender_cpus + ")\n";
  }
  return text;
}

std::string json_report(const Report& report) {
  char line[384];
  std::snprintf(line, sizeof(line),
                "{\"sent\":%" PRIu64
                ",\"size\":%zu,\"seconds\":%.6f,\"datagrams_per_second\":%.1f,"
                "\"mode\":\"%s\",\"first_sequence\":%" PRIu64,
                report.sent, report.size, report.seconds, rate_of(report),
                report.mmsg ? "sendmmsg" : "send", report.first_sequence);
  std::string text = line;
  text += std::string(",\"timed_until\":\"") +
          (report.settled ? "settled" : report.drained ? "drained" : "sent") + "\"";
  text += ",\"sender_cpus\":\"" + report.sender_cpus + "\"";
  text += json_send_wait(report.send_wait, report.sending_ns);
  if (report.paced) text += ",\"late_sends\":" + std::to_string(report.late_sends);
  if (report.stamped) text += ",\"stamped\":\"due\"";
  if (report.drained) {
    text += ",\"drain_seconds\":" + fixed(report.drain_seconds, 6);
    if (report.settled) text += ",\"settle_seconds\":" + fixed(report.settle_seconds, 6);
    text += ",\"receiver_socket\":\"" + report.receiver_socket + "\"";
  }
  if (report.usage) {
    const UsageReport& usage = *report.usage;
    text += ",\"clock_ticks_per_second\":" + std::to_string(usage.ticks_per_second);
    text += ",\"placement\":\"" + usage.placement + "\"";
    if (usage.receivers) text += ",\"receivers\":" + json_group(*usage.receivers, report.sent);
    if (usage.master) text += ",\"master\":" + json_group(*usage.master, report.sent);
  }
  if (report.per_sender.size() > 1) text += json_senders(report.per_sender);
  return text + "}\n";
}

}  // namespace flood
