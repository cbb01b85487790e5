// SPDX-License-Identifier: MIT
// log_destinations - where a child's log lines go, the way a Postfix daemon
// decides it, from its first instruction on.
//
// With maillog_file set (Postfix's own log-file mode) records go to the
// postlog service socket, $queue_directory/public/$postlog_service_name,
// except in the postlog service itself (its own socket would loop); else to
// syslog (dgram_syslog_socket, /dev/log by default) with syslog_facility.
// -V adds every line on stderr; without it stderr still gets fatal lines, so
// a start-up failure is never silent. A Launch that brings its own sink
// (tests, embedders) gets exactly that sink. The object owns the sinks for
// as long as the Log uses them.
//
// The skeleton makes one LogDestinations and reconfigures it as it learns
// more, so that no fatal line is only on stderr (which the master points at
// /dev/null): made with the defaults before anything is read (syslog,
// facility mail), reconfigured with what main.cf says once it is read
// (best_effort_log_settings: a bad value there falls back to its default, so
// the line that reports it still gets out), and with the checked parameters
// once they are all known (log_settings). Under systemd, when JOURNAL_STREAM
// names stderr, journald gets every line instead.
//
// Used from the thread that runs the skeleton; the sink it owns may be used
// from a signal handler through watchdog_last_words().
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "dgram/log.h"
#include "log/last_words.h"
#include "log/log_service_sink.h"

namespace dgram {

struct SkeletonParams;
class Config;

// What decides the destinations.
struct LogSettings {
  std::string queue_directory;
  std::string syslog_facility;
  std::string syslog_socket;
  std::string maillog_file;  // empty: syslog
  std::string postlog_service_name;
  std::string hostname;
  // Started by systemd with stderr connected to journald (journal_stream.h):
  // every line goes there, with its priority, instead of syslog or postlog.
  bool journal = false;
};

// The settings before anything is read: the defaults of skeleton_params.h.
LogSettings default_log_settings();
// The checked settings: throws Fatal for an unknown syslog_facility or a
// maillog_file outside maillog_file_prefixes (as Postfix refuses it).
LogSettings log_settings(Config& config, const SkeletonParams& params);
// The same from whatever main.cf and -o say so far; never throws: a value
// that cannot be read or is refused is replaced by its default.
LogSettings best_effort_log_settings(const Config& config);
// syslog_name/program from what main.cf says so far ("postfix/program" when
// syslog_name cannot be read); never throws.
std::string best_effort_program(const Config& config, const std::string& program);

class LogDestinations {
 public:
  // Sets log's sinks from settings (see reconfigure()). custom_sink: the
  // Launch brought its own sink, which stays the only one, now and at every
  // reconfigure(). log must outlive this object.
  LogDestinations(Log& log, const LogSettings& settings, const std::string& service_name,
                  bool to_stderr, bool custom_sink);

  // Sets the log's sinks anew from settings, with the same effect as a new
  // LogDestinations: service_name empty means not yet known (not the postlog
  // service); to_stderr sends every line to stderr as well (else only fatal
  // ones). The log service sink is kept, with its connection and its count
  // of dropped records, when its receiver and framing are unchanged;
  // otherwise a new one is made, which connects at its first record. Throws
  // Fatal for an unknown syslog_facility, before anything is changed: the
  // log keeps the sinks it had.
  void reconfigure(const LogSettings& settings, const std::string& service_name, bool to_stderr);

  // Connects now (before a chroot can hide the sockets) and, with a chroot
  // to root_directory, names the sockets as they are seen inside it.
  void prepare_for_chroot(const std::string* root_directory);

  // What the watchdog says through these sinks just before it ends the
  // process (async-signal-safe), through the sink in use at this call.
  // Valid while this object lives.
  std::vector<LastWords> watchdog_last_words(const std::string& program, long pid);

 private:
  Log& log_;
  bool custom_sink_;
  // Syslog or postlog framing; none with the journal or a custom sink.
  std::shared_ptr<LogServiceSink> sink_;
  std::string postlog_name_;
  std::string program_;
  std::string line_prefix_;  // program[pid]: fatal:
};

}  // namespace dgram
