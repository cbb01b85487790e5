// skeleton_params - the main.cf parameters the skeleton itself uses.
#pragma once

#include <string>

namespace dgram {

class Config;

struct SkeletonParams {
  std::string queue_directory;
  std::string mail_owner;
  std::string debugger_command;
  std::string syslog_name;
  std::string syslog_facility;
  std::string maillog_file;
  int max_idle = 0;       // seconds; 0 = no idle limit
  int max_use = 0;        // datagrams; 0 = no use limit
  int in_flow_delay = 0;  // seconds
  int receive_batch = 0;  // datagrams per wake-up (dgram_receive_batch)
  bool postfix_compatible = false;  // one datagram per turn, TAKEN/AVAIL each time
};

// Reads them with their Postfix defaults, registering the defaults in config.
SkeletonParams load_skeleton_params(Config& config);

}  // namespace dgram
