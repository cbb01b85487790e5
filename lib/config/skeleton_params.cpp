// SPDX-License-Identifier: MIT
// skeleton_params - the table of the skeleton's own parameters and its readers.
#include "config/skeleton_params.h"

#include <algorithm>
#include <array>
#include <stdexcept>
#include <string>

#include "dgram/config.h"

namespace dgram {

namespace {

using Type = SkeletonParamType;

// The bounds of a number: least and largest value (0: none), and whether 0
// is accepted below the least, meaning "no limit".
struct Range {
  int min = 0;
  int max = 0;
  bool zero_is_no_limit = false;
};

// The kinds of entry, so that each row of the table says only what is its own.
constexpr SkeletonParam text(std::string_view name, std::string_view value, std::string_view purpose) {
  return {name, Type::str, value, 0, 0, false, purpose};
}
constexpr SkeletonParam nonempty_text(std::string_view name, std::string_view value,
                                      std::string_view purpose) {
  return {name, Type::str, value, 1, 0, false, purpose};
}
constexpr SkeletonParam unexpanded_text(std::string_view name, std::string_view value,
                                        std::string_view purpose) {
  return {name, Type::raw, value, 0, 0, false, purpose};
}
constexpr SkeletonParam integer(std::string_view name, std::string_view value, Range range,
                                std::string_view purpose) {
  return {name, Type::integer, value, range.min, range.max, range.zero_is_no_limit, purpose};
}
constexpr SkeletonParam duration(std::string_view name, std::string_view value, Range range,
                                 std::string_view purpose) {
  return {name, Type::time, value, range.min, range.max, range.zero_is_no_limit, purpose};
}
constexpr SkeletonParam flag(std::string_view name, std::string_view value, std::string_view purpose) {
  return {name, Type::boolean, value, 0, 0, false, purpose};
}

// Sorted by name (find_skeleton_param relies on it; a test checks it).
constexpr std::array kTable{
    nonempty_text("data_directory", "/var/lib/postfix", "Postfix's writable data; home of dgram-stats/"),
    unexpanded_text("debugger_command", "", "command run for -D or MAIL_DEBUG, expanded then"),
    integer("dgram_busy_after_usec", "1000", {.min = 1, .max = 60000000, .zero_is_no_limit = true},
            "serving this long without finding the socket empty hands the gate on and reports TAKEN "
            "(0: every wake-up; ours)"),
    flag("dgram_direct_receive", "yes",
         "a wake-up receives again after serving, until the socket is empty (ours)"),
    flag("dgram_postfix_compatible", "no", "one datagram per turn, TAKEN and AVAIL around each (ours)"),
    integer("dgram_receive_batch", "64", {.min = 1, .max = 256}, "datagrams one wake-up takes at most (ours)"),
    text("dgram_stats_directory", "$data_directory/dgram-stats",
         "where a child of the Postfix master keeps its service's counter file (empty: none; ours)"),
    text("dgram_stats_file", "", "the counter file, in every start mode (empty: as dgram_stats_directory says; ours)"),
    duration("dgram_stats_interval", "0s", {.min = 1, .zero_is_no_limit = true},
             "log one statistics line per service this often (0: never; ours)"),
    nonempty_text("dgram_syslog_socket", kDefaultSyslogSocket, "where the syslog daemon listens (ours)"),
    duration("in_flow_delay", "1s", {.max = 10}, "pause when the flow-control pipe is empty"),
    nonempty_text("mail_owner", "postfix", "the user of -u"),
    text("maillog_file", "", "log through the postlog service when set"),
    text("maillog_file_prefixes", kDefaultMaillogFilePrefixes, "where maillog_file may be"),
    duration("max_idle", "100s", {.min = 1, .zero_is_no_limit = true},
             "exit after this long without a datagram (0: never)"),
    integer("max_use", "100", {.min = 1, .zero_is_no_limit = true},
            "exit after serving this many datagrams (0: never)"),
    text("myhostname", "", "host name in postlog records (empty: gethostname())"),
    nonempty_text("postlog_service_name", kDefaultPostlogServiceName,
                  "the postlog service's socket under public/"),
    nonempty_text("queue_directory", "/var/spool/postfix",
                  "working directory, chroot root, home of pid/ and public/"),
    nonempty_text("syslog_facility", "mail", "syslog facility"),
    nonempty_text("syslog_name", "${multi_instance_name?{$multi_instance_name}:{postfix}}",
                  "first part of the program name in log lines"),
};

// Where load_skeleton_params() puts what it reads, in the order it reads it.
template <typename T>
struct Field {
  std::string_view name;
  T SkeletonParams::*member;
};
constexpr Field<std::string> kTextFields[] = {
    {"data_directory", &SkeletonParams::data_directory},  // before what names $data_directory
    {"queue_directory", &SkeletonParams::queue_directory}, {"mail_owner", &SkeletonParams::mail_owner},
    {"debugger_command", &SkeletonParams::debugger_command}, {"syslog_name", &SkeletonParams::syslog_name},
    {"syslog_facility", &SkeletonParams::syslog_facility}, {"maillog_file", &SkeletonParams::maillog_file},
    {"dgram_stats_directory", &SkeletonParams::stats_directory}, {"dgram_stats_file", &SkeletonParams::stats_file},
};
constexpr Field<int> kNumberFields[] = {
    {"max_idle", &SkeletonParams::max_idle}, {"max_use", &SkeletonParams::max_use},
    {"dgram_busy_after_usec", &SkeletonParams::busy_after_usec},
    {"in_flow_delay", &SkeletonParams::in_flow_delay},
    {"dgram_receive_batch", &SkeletonParams::receive_batch},
    {"dgram_stats_interval", &SkeletonParams::stats_interval},
};
constexpr Field<bool> kFlagFields[] = {
    {"dgram_postfix_compatible", &SkeletonParams::postfix_compatible},
    {"dgram_direct_receive", &SkeletonParams::direct_receive},
};

// entry - the table entry of name as one of the given types; logic_error otherwise.
const SkeletonParam& entry(std::string_view name, std::initializer_list<Type> types) {
  const SkeletonParam* found = find_skeleton_param(name);
  if (found == nullptr)
    throw std::logic_error("skeleton_params: " + std::string(name) + " is not in the table");
  if (std::find(types.begin(), types.end(), found->type) == types.end())
    throw std::logic_error("skeleton_params: " + std::string(name) + " read as the wrong type");
  return *found;
}

// check_least - the lower bound, with 0 let through as "no limit" where the entry says so.
int check_least(const SkeletonParam& p, int value) {
  if (p.min != 0 && value < p.min && !(p.zero_is_no_limit && value == 0))
    throw ConfigError("invalid " + std::string(p.name) + " parameter value " +
                      std::to_string(value) + " < " + std::to_string(p.min));
  return value;
}

}  // namespace

std::span<const SkeletonParam> skeleton_param_table() { return kTable; }

const SkeletonParam* find_skeleton_param(std::string_view name) {
  auto it = std::lower_bound(kTable.begin(), kTable.end(), name,
                             [](const SkeletonParam& p, std::string_view n) { return p.name < n; });
  return it != kTable.end() && it->name == name ? &*it : nullptr;
}

std::string skeleton_str(Config& config, std::string_view name) {
  const SkeletonParam& p = entry(name, {Type::str, Type::raw});
  if (p.type == Type::raw) return config.get_raw(p.name, p.default_value, p.min, p.max);
  return config.get_str(p.name, p.default_value, p.min, p.max);
}

int skeleton_int(Config& config, std::string_view name) {
  const SkeletonParam& p = entry(name, {Type::integer, Type::time});
  // The lower bound is checked here when 0 is let through below it.
  const int min = p.zero_is_no_limit ? 0 : p.min;
  if (p.type == Type::time) return check_least(p, config.get_time(p.name, p.default_value, min, p.max));
  return check_least(p, config.get_int(p.name, std::stoi(std::string(p.default_value)), min, p.max));
}

bool skeleton_bool(Config& config, std::string_view name) {
  const SkeletonParam& p = entry(name, {Type::boolean});
  return config.get_bool(p.name, p.default_value == "yes");
}

void check_skeleton_param(Config& config, const SkeletonParam& p) {
  switch (p.type) {
    case Type::str:
    case Type::raw: (void)skeleton_str(config, p.name); break;
    case Type::integer:
    case Type::time: (void)skeleton_int(config, p.name); break;
    case Type::boolean: (void)skeleton_bool(config, p.name); break;
  }
}

SkeletonParams load_skeleton_params(Config& config) {
  SkeletonParams params;
  for (const auto& field : kTextFields) params.*field.member = skeleton_str(config, field.name);
  for (const auto& field : kNumberFields) params.*field.member = skeleton_int(config, field.name);
  for (const auto& field : kFlagFields) params.*field.member = skeleton_bool(config, field.name);
  return params;
}

}  // namespace dgram
