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

// Sorted by name (find_skeleton_param relies on it; a test checks it).
constexpr std::array kTable{
    SkeletonParam{"debugger_command", Type::raw, "", 0, 0, false,
                  "command run for -D or MAIL_DEBUG, expanded then"},
    SkeletonParam{"dgram_busy_after_usec", Type::integer, "1000", 1, 60000000, true,
                  "serving this long without finding the socket empty hands the gate on and reports TAKEN (0: every wake-up; ours)"},
    SkeletonParam{"dgram_direct_receive", Type::boolean, "yes", 0, 0, false,
                  "a wake-up receives again after serving, until the socket is empty (ours)"},
    SkeletonParam{"dgram_postfix_compatible", Type::boolean, "no", 0, 0, false,
                  "one datagram per turn, TAKEN and AVAIL around each (ours)"},
    SkeletonParam{"dgram_receive_batch", Type::integer, "64", 1, 256, false,
                  "datagrams one wake-up takes at most (ours)"},
    SkeletonParam{"dgram_syslog_socket", Type::str, kDefaultSyslogSocket, 1, 0, false,
                  "where the syslog daemon listens (ours)"},
    SkeletonParam{"in_flow_delay", Type::time, "1s", 0, 10, false,
                  "pause when the flow-control pipe is empty"},
    SkeletonParam{"mail_owner", Type::str, "postfix", 1, 0, false, "the user of -u"},
    SkeletonParam{"maillog_file", Type::str, "", 0, 0, false,
                  "log through the postlog service when set"},
    SkeletonParam{"maillog_file_prefixes", Type::str, kDefaultMaillogFilePrefixes, 0, 0, false,
                  "where maillog_file may be"},
    SkeletonParam{"max_idle", Type::time, "100s", 1, 0, true,
                  "exit after this long without a datagram (0: never)"},
    SkeletonParam{"max_use", Type::integer, "100", 1, 0, true,
                  "exit after serving this many datagrams (0: never)"},
    SkeletonParam{"myhostname", Type::str, "", 0, 0, false,
                  "host name in postlog records (empty: gethostname())"},
    SkeletonParam{"postlog_service_name", Type::str, kDefaultPostlogServiceName, 1, 0, false,
                  "the postlog service's socket under public/"},
    SkeletonParam{"queue_directory", Type::str, "/var/spool/postfix", 1, 0, false,
                  "working directory, chroot root, home of pid/ and public/"},
    SkeletonParam{"syslog_facility", Type::str, "mail", 1, 0, false, "syslog facility"},
    SkeletonParam{"syslog_name", Type::str,
                  "${multi_instance_name?{$multi_instance_name}:{postfix}}", 1, 0, false,
                  "first part of the program name in log lines"},
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
  params.queue_directory = skeleton_str(config, "queue_directory");
  params.mail_owner = skeleton_str(config, "mail_owner");
  params.debugger_command = skeleton_str(config, "debugger_command");
  params.syslog_name = skeleton_str(config, "syslog_name");
  params.syslog_facility = skeleton_str(config, "syslog_facility");
  params.maillog_file = skeleton_str(config, "maillog_file");
  params.max_idle = skeleton_int(config, "max_idle");
  params.max_use = skeleton_int(config, "max_use");
  params.busy_after_usec = skeleton_int(config, "dgram_busy_after_usec");
  params.in_flow_delay = skeleton_int(config, "in_flow_delay");
  // Our own: how many queued datagrams one wake-up takes, and Postfix's
  // one-datagram-per-turn behaviour for those who want it exactly.
  params.receive_batch = skeleton_int(config, "dgram_receive_batch");
  params.postfix_compatible = skeleton_bool(config, "dgram_postfix_compatible");
  params.direct_receive = skeleton_bool(config, "dgram_direct_receive");
  return params;
}

}  // namespace dgram
