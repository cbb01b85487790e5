// SPDX-License-Identifier: MIT
// skeleton_params - the main.cf parameters the skeleton itself reads.
//
// SUMMARY
//   One table (skeleton_param_table) names every parameter that the skeleton
//   and its log destinations read, with its type, its default (as
//   `postconf -d` prints it) and its bounds. load_skeleton_params reads the
//   parameters a child needs at start-up through it; the skeleton_str/int/
//   time/bool helpers read one entry of it (for modules that read a
//   parameter of their own, e.g. log_destinations); dgram-config uses it to
//   print the default of a parameter that main.cf does not set, as postconf
//   does. A default or a bound is changed here and nowhere else.
//
// LIMITS (an extension of Postfix)
//   Postfix reads max_use as an int and max_idle as a time, each with a
//   minimum of 1. Here 0 is also accepted and means "no limit" (no use
//   limit, no idle timer): the seed's own loop already treats 0 that way, and
//   dgram-logd, tests and benchmarks rely on it. Anything below 0 is refused
//   with Postfix's words: `invalid max_use parameter value -1 < 1`, and for a
//   time `parameter max_idle: bad time value or unit: -1` (a time is never
//   negative, so Postfix refuses it while converting it).
//
// DIAGNOSTICS
//   ConfigError (see dgram/config.h) with Postfix's wording for a bad value.
//   Asking for a name that is not in the table, or as the wrong type, is a
//   programming error: std::logic_error.
//
// SEE ALSO
//   dgram/config.h (typed lookups), log_destinations.h, tools/dgram_config.cpp
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace dgram {

class Config;

// Defaults of the table that the log wing also needs as constants (before
// main.cf is read, or for a sink built without a Config): where the syslog
// daemon listens, the postlog service's name under public/, and where
// maillog_file may be. The table below uses them; nothing else spells them.
inline constexpr std::string_view kDefaultSyslogSocket = "/dev/log";
inline constexpr std::string_view kDefaultPostlogServiceName = "postlog";
inline constexpr std::string_view kDefaultMaillogFilePrefixes = "/var, /dev/stdout";

// How a parameter is read (Config::get_str, get_raw, get_int, get_time, get_bool).
enum class SkeletonParamType { str, raw, integer, time, boolean };

struct SkeletonParam {
  std::string_view name;
  SkeletonParamType type;
  std::string_view default_value;  // the text postconf -d would print
  int min = 0;                     // numbers: least value; strings: least length; 0 = none
  int max = 0;                     // numbers: largest value; strings: longest; 0 = none
  bool zero_is_no_limit = false;   // 0 accepted below min, meaning "no limit"
  std::string_view purpose;        // one line, for readers of the table
};

// Every parameter the skeleton reads, sorted by name.
std::span<const SkeletonParam> skeleton_param_table();
// The entry for name, or nullptr when the skeleton does not read it.
const SkeletonParam* find_skeleton_param(std::string_view name);

// Typed reads of one table entry, with its default and bounds (defaults are
// registered in config, so $name finds them). Throw ConfigError for a bad
// value and std::logic_error when name is not in the table as that type.
std::string skeleton_str(Config& config, std::string_view name);  // str or raw
int skeleton_int(Config& config, std::string_view name);          // integer, or time in seconds
bool skeleton_bool(Config& config, std::string_view name);
// Reads entry as its type and discards the value: throws what a child would.
void check_skeleton_param(Config& config, const SkeletonParam& entry);

struct SkeletonParams {
  std::string data_directory;
  std::string queue_directory;
  std::string mail_owner;
  std::string debugger_command;
  std::string syslog_name;
  std::string syslog_facility;
  std::string maillog_file;
  int max_idle = 0;       // seconds; 0 = no idle limit (see LIMITS)
  int max_use = 0;        // datagrams; 0 = no use limit (see LIMITS)
  int in_flow_delay = 0;  // seconds
  int receive_batch = 0;  // datagrams per wake-up (dgram_receive_batch)
  int busy_after_usec = 0;  // dgram_busy_after_usec (dispatch_loop.h)
  bool postfix_compatible = false;  // one datagram per turn, TAKEN/AVAIL each time
  bool direct_receive = false;      // dgram_direct_receive (dispatch_loop.h)
  std::string stats_directory;  // dgram_stats_directory: the counter files under the master
  std::string stats_file;       // dgram_stats_file: the counter file, any start mode
  int stats_interval = 0;       // dgram_stats_interval, seconds; 0 = no statistics lines
};

// Reads them with their defaults from the table, registering the defaults in config.
SkeletonParams load_skeleton_params(Config& config);

}  // namespace dgram
