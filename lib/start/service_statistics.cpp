// SPDX-License-Identifier: MIT
// service_statistics - the counter file found, opened, and reported on.
#include "start/service_statistics.h"

#include <sys/stat.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "dgram/error.h"
#include "serve/stats_line.h"

namespace dgram {

namespace {

CounterFile open_file(const std::string& path, std::string_view service,
                      std::optional<std::pair<uid_t, gid_t>> owner, bool make_directory) {
  try {
    if (make_directory) {
      std::string directory = path.substr(0, path.find_last_of('/'));
      if (!directory.empty() && ::mkdir(directory.c_str(), 0755) < 0 && errno != EEXIST) {
        int error = errno;
        throw Fatal("counter file " + path + ": mkdir " + directory + ": " + std::strerror(error), error);
      }
    }
    return CounterFile::open_for_adding(path, service, owner);
  } catch (const Fatal& fatal) {
    throw Fatal(std::string(fatal.what()) + " (dgram_stats_directory and dgram_stats_file say where; " +
                    "both empty: no counters)",
                fatal.error_number());
  }
}

}  // namespace

std::string counter_file_name(std::string_view service_name) {
  std::string name;
  for (char c : service_name) {
    if (c == '/') {
      name += "%2F";
    } else if (c == '%') {
      name += "%25";
    } else {
      name += c;
    }
  }
  if (name.empty() || name == "." || name == "..") name = "%" + name;
  return name;
}

std::optional<std::string> counter_file_path(const std::string& stats_file, const std::string& stats_directory,
                                             bool under_master, std::string_view service_name) {
  if (!stats_file.empty()) return stats_file;
  if (!under_master || stats_directory.empty()) return std::nullopt;
  std::string directory = stats_directory;
  while (directory.size() > 1 && directory.back() == '/') directory.pop_back();
  return directory + "/" + counter_file_name(service_name);
}

ServiceStatistics::ServiceStatistics(const std::string& path, std::string_view service,
                                     std::optional<std::pair<uid_t, gid_t>> owner, bool make_directory)
    : file_(open_file(path, service, owner, make_directory)), counters_(&file_) {}

void ServiceStatistics::log_lines(ServiceEvents& events, Log& log, int interval_seconds) {
  auto interval = std::chrono::seconds(interval_seconds);
  auto interval_ns = static_cast<std::uint64_t>(std::chrono::nanoseconds(interval).count());
  ticker_ = events.every(interval, [this, &log, interval_ns](Context&) { tick(log, unix_now_ns(), interval_ns); });
}

bool ServiceStatistics::tick(Log& log, std::uint64_t now_unix_ns, std::uint64_t interval_ns) {
  std::uint64_t last = file_.load(Counter::stats_logged_ns);
  if (!stats_line_due(now_unix_ns, last, interval_ns)) return false;
  if (!file_.replace(Counter::stats_logged_ns, last, now_unix_ns)) return false;  // a sibling's
  counters_.flush();
  CounterSnapshot totals = file_.snapshot();
  std::uint64_t previous = totals[Counter::stats_logged_datagrams];
  file_.replace(Counter::stats_logged_datagrams, previous, totals[Counter::datagrams]);
  double seconds = last != 0 && now_unix_ns > last ? static_cast<double>(now_unix_ns - last) / 1e9 : 0;
  log.info("%s", stats_line(totals, previous, seconds).c_str());
  return true;
}

}  // namespace dgram
