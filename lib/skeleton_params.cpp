// skeleton_params - defaults and bounds of the skeleton's own parameters.
#include "skeleton_params.h"

#include "dgram/config.h"

namespace dgram {

SkeletonParams load_skeleton_params(Config& config) {
  SkeletonParams params;
  params.queue_directory = config.get_str("queue_directory", "/var/spool/postfix", 1);
  params.mail_owner = config.get_str("mail_owner", "postfix", 1);
  params.debugger_command = config.get_raw("debugger_command", "");
  params.syslog_name =
      config.get_str("syslog_name", "${multi_instance_name?{$multi_instance_name}:{postfix}}", 1);
  params.syslog_facility = config.get_str("syslog_facility", "mail", 1);
  params.maillog_file = config.get_str("maillog_file", "");
  params.max_idle = config.get_time("max_idle", "100s", 0);
  params.max_use = config.get_int("max_use", 100, 0);
  params.in_flow_delay = config.get_time("in_flow_delay", "1s", 0, 10);
  // Our own: how many queued datagrams one wake-up takes, and Postfix's
  // one-datagram-per-turn behaviour for those who want it exactly.
  params.receive_batch = config.get_int("dgram_receive_batch", 64, 1, 256);
  params.postfix_compatible = config.get_bool("dgram_postfix_compatible", false);
  return params;
}

}  // namespace dgram
