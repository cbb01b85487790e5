// SPDX-License-Identifier: MIT
// stat_report - the table and the OpenMetrics text.
#include "stat/stat_report.h"

#include <cstdio>
#include <span>

#include "serve/queue_time.h"
#include "serve/stats_line.h"

namespace dgram {

namespace {

std::string seconds_text(double seconds) {
  char text[64];
  std::snprintf(text, sizeof(text), "%.9g", seconds);
  return text;
}

double ns_to_seconds(std::uint64_t ns) { return static_cast<double>(ns) / 1e9; }

struct CounterFamily {
  Counter counter;
  const char* name;  // the family; its sample is name_total
  const char* help;
};

constexpr CounterFamily kFamilies[] = {
    {Counter::datagrams, "dgram_datagrams", "Datagrams handed to the service."},
    {Counter::bytes, "dgram_bytes", "Bytes of those datagrams as received."},
    {Counter::wake_ups, "dgram_wake_ups", "Wake-ups that served datagrams."},
    {Counter::truncated, "dgram_truncated", "Datagrams cut to the receive buffer."},
    {Counter::failed, "dgram_failed", "Datagrams whose callback failed."},
    {Counter::dropped, "dgram_dropped", "Datagrams the service dropped on purpose (a rate limit)."},
    {Counter::receive_errors, "dgram_receive_errors", "Receives that failed."},
    {Counter::busy_turns, "dgram_busy_turns", "Wake-ups handed on to a sibling as busy."},
    {Counter::children_started, "dgram_children_started", "Processes that served the service."},
};

std::string pad(const std::string& text, std::size_t width) {
  return text.size() >= width ? text : std::string(width - text.size(), ' ') + text;
}

}  // namespace

std::string escape_label_value(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string format_table(const std::vector<Look>& looks, const std::vector<std::optional<EarlierLook>>& earlier) {
  const std::vector<std::pair<std::string, std::size_t>> columns = {
      {"SERVICE", 16}, {"DATAGRAMS", 12}, {"/s", 10}, {"BYTES", 14}, {"WAKE-UPS", 10}, {"TRUNC", 6},
      {"FAILED", 7},   {"DROPPED", 8},    {"RCVERR", 7}, {"BUSY", 8}, {"GATEWAIT", 9}, {"CHILDREN", 9},
      {"Q-P50", 8},    {"Q-P99", 8},      {"Q-MAX", 8}};
  std::string out;
  for (std::size_t c = 0; c < columns.size(); ++c) {
    const auto& [name, width] = columns[c];
    out += c == 0 ? name + std::string(width > name.size() ? width - name.size() : 1, ' ') : " " + pad(name, width);
  }
  out += '\n';
  for (std::size_t i = 0; i < looks.size(); ++i) {
    const Look& look = looks[i];
    const CounterSnapshot& t = look.totals;
    std::string rate = "-";
    if (i < earlier.size() && earlier[i] && earlier[i]->created_ns == t.created_unix_ns &&
        look.at_ns > earlier[i]->at_ns && t[Counter::datagrams] >= earlier[i]->datagrams) {
      double seconds = ns_to_seconds(look.at_ns - earlier[i]->at_ns);
      char text[32];
      std::snprintf(text, sizeof(text), "%.0f", static_cast<double>(t[Counter::datagrams] - earlier[i]->datagrams) / seconds);
      rate = text;
    }
    bool timed = t[Counter::queue_samples] > 0;
    std::uint64_t max = t[Counter::queue_ns_max];
    std::vector<std::string> cells = {
        t.service.empty() ? "?" : t.service,
        std::to_string(t[Counter::datagrams]),
        rate,
        std::to_string(t[Counter::bytes]),
        std::to_string(t[Counter::wake_ups]),
        std::to_string(t[Counter::truncated]),
        std::to_string(t[Counter::failed]),
        std::to_string(t[Counter::dropped]),
        std::to_string(t[Counter::receive_errors]),
        std::to_string(t[Counter::busy_turns]),
        human_duration(t[Counter::gate_wait_ns]),
        std::to_string(t[Counter::children_started]),
        timed ? human_duration(queue_percentile(t.buckets, 0.5, max)) : "-",
        timed ? human_duration(queue_percentile(t.buckets, 0.99, max)) : "-",
        timed ? human_duration(max) : "-"};
    for (std::size_t c = 0; c < columns.size(); ++c) {
      std::size_t width = columns[c].second;
      out += c == 0 ? cells[c] + std::string(width > cells[c].size() ? width - cells[c].size() : 1, ' ')
                    : " " + pad(cells[c], width);
    }
    out += '\n';
  }
  return out;
}

std::string format_openmetrics(const std::vector<Look>& looks) {
  std::string out;
  auto label = [](const Look& look) { return "{service=\"" + escape_label_value(look.totals.service) + "\"}"; };
  auto created = [](const Look& look) { return seconds_text(ns_to_seconds(look.totals.created_unix_ns)); };
  for (const CounterFamily& family : kFamilies) {
    out += std::string("# TYPE ") + family.name + " counter\n";
    out += std::string("# HELP ") + family.name + " " + family.help + "\n";
    for (const Look& look : looks) {
      out += std::string(family.name) + "_total" + label(look) + " " + std::to_string(look.totals[family.counter]) + "\n";
      out += std::string(family.name) + "_created" + label(look) + " " + created(look) + "\n";
    }
  }
  out += "# TYPE dgram_gate_wait_seconds counter\n";
  out += "# UNIT dgram_gate_wait_seconds seconds\n";
  out += "# HELP dgram_gate_wait_seconds Time children spent waiting for the gate (the lock file).\n";
  for (const Look& look : looks) {
    out += "dgram_gate_wait_seconds_total" + label(look) + " " +
           seconds_text(ns_to_seconds(look.totals[Counter::gate_wait_ns])) + "\n";
    out += "dgram_gate_wait_seconds_created" + label(look) + " " + created(look) + "\n";
  }
  out += "# TYPE dgram_queue_time_seconds histogram\n";
  out += "# UNIT dgram_queue_time_seconds seconds\n";
  out += "# HELP dgram_queue_time_seconds How long datagrams waited in the socket before their callback.\n";
  for (const Look& look : looks) {
    const CounterSnapshot& t = look.totals;
    std::uint64_t total = 0;
    for (std::uint64_t count : t.buckets) total += count;
    std::uint64_t seen = 0;
    std::string service = "service=\"" + escape_label_value(t.service) + "\"";
    // Buckets up to the one where every wait is counted, then +Inf.
    for (std::size_t i = 0; i + 1 < t.buckets.size() && seen < total; ++i) {
      seen += t.buckets[i];
      double le = ns_to_seconds(queue_bucket_ceiling(i, t.buckets.size()));
      out += "dgram_queue_time_seconds_bucket{" + service + ",le=\"" + seconds_text(le) + "\"} " +
             std::to_string(seen) + "\n";
    }
    out += "dgram_queue_time_seconds_bucket{" + service + ",le=\"+Inf\"} " + std::to_string(total) + "\n";
    out += "dgram_queue_time_seconds_count" + label(look) + " " + std::to_string(total) + "\n";
    out += "dgram_queue_time_seconds_sum" + label(look) + " " +
           seconds_text(ns_to_seconds(t[Counter::queue_ns_sum])) + "\n";
    out += "dgram_queue_time_seconds_created" + label(look) + " " + created(look) + "\n";
  }
  out += "# TYPE dgram_queue_time_max_seconds gauge\n";
  out += "# UNIT dgram_queue_time_max_seconds seconds\n";
  out += "# HELP dgram_queue_time_max_seconds The longest wait in the socket so far.\n";
  for (const Look& look : looks) {
    out += "dgram_queue_time_max_seconds" + label(look) + " " +
           seconds_text(ns_to_seconds(look.totals[Counter::queue_ns_max])) + "\n";
  }
  out += "# EOF\n";
  return out;
}

}  // namespace dgram
