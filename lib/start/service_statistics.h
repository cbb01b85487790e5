// SPDX-License-Identifier: MIT
// service_statistics - a child's part in its service's counters: which
// counter file it uses, opening it while still privileged, and the
// statistics line every dgram_stats_interval.
//
// WHICH FILE (counter_file_path, pure)
//   dgram_stats_file, when set, in every start mode; else, under the Postfix
//   master, dgram_stats_directory/SERVICE (default
//   $data_directory/dgram-stats/, made 0755 when missing) with SERVICE the
//   master.cf name, '/' and '%' written %2F and %25; else (systemd,
//   --listen) none: nothing is counted.
//
// THREADS
//   The loop's only (the line's timer runs on the loop's events).
#pragma once

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "dgram/log.h"
#include "serve/counter_file.h"
#include "serve/service_counters.h"
#include "serve/service_events.h"

namespace dgram {

// The counter file's path, or none (see above).
std::optional<std::string> counter_file_path(const std::string& stats_file, const std::string& stats_directory,
                                             bool under_master, std::string_view service_name);
// A service name as one file name: '/' and '%' escaped, "." and ".." too.
std::string counter_file_name(std::string_view service_name);

class ServiceStatistics {
 public:
  // Opens path (counter_file.h), creating the file; make_directory: its
  // directory too (0755) when missing. owner: who the service runs as. Throws
  // Fatal naming the path, what failed, and the parameter that turns it off.
  ServiceStatistics(const std::string& path, std::string_view service,
                    std::optional<std::pair<uid_t, gid_t>> owner, bool make_directory);
  ServiceStatistics(const ServiceStatistics&) = delete;
  ServiceStatistics& operator=(const ServiceStatistics&) = delete;

  ServiceCounters& counters() noexcept { return counters_; }
  CounterFile& file() noexcept { return file_; }
  // One statistics line per service every interval_seconds (> 0), by
  // whichever child comes first (stats_line.h), through log.
  void log_lines(ServiceEvents& events, Log& log, int interval_seconds);
  // The line's tick: logs the line when it is due and no sibling took it.
  // Says whether it logged. For log_lines and tests.
  bool tick(Log& log, std::uint64_t now_unix_ns, std::uint64_t interval_ns);

 private:
  CounterFile file_;
  ServiceCounters counters_;
  EventHandle ticker_;
};

}  // namespace dgram
