// log_destinations - where a child's log lines go, the way a Postfix daemon
// decides it.
//
// With maillog_file set (Postfix's own log-file mode) records go to the
// postlog service socket, $queue_directory/public/$postlog_service_name,
// except in the postlog service itself (its own socket would loop); else to
// syslog (/dev/log) with syslog_facility. -V adds every line on stderr;
// without it stderr still gets fatal lines, so a start-up failure is never
// silent. A Launch that brings its own sink (tests, embedders) gets exactly
// that sink. The object owns the sinks for as long as the Log uses them.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "dgram/log.h"
#include "dgram/postlog_sink.h"
#include "dgram/syslog_sink.h"
#include "dgram/watchdog.h"

namespace dgram {

struct SkeletonParams;
class Config;

class LogDestinations {
 public:
  // Replaces log's sinks. Throws Fatal for an unknown syslog_facility.
  LogDestinations(Log& log, Config& config, const SkeletonParams& params,
                  const std::string& service_name, bool to_stderr, bool custom_sink);

  // Connects now (before a chroot can hide the sockets) and, with a chroot
  // to root_directory, names the sockets as they are seen inside it.
  void prepare_for_chroot(const std::string* root_directory);

  // What the watchdog says through these sinks just before it ends the
  // process (async-signal-safe). Valid while this object lives.
  std::vector<Watchdog::LastWords> watchdog_last_words(const std::string& program, long pid);

 private:
  std::shared_ptr<PostlogSink> postlog_;
  std::shared_ptr<SyslogSink> syslog_;
  std::string queue_directory_;
  std::string postlog_name_;
  std::string program_;
  std::string line_;
};

}  // namespace dgram
