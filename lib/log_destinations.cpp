// log_destinations - choosing and installing the log sinks of a child.
#include "log_destinations.h"

#include <unistd.h>

#include "dgram/config.h"
#include "skeleton_params.h"

namespace dgram {

namespace {

// stderr for fatal lines only: a failing start-up says why to whoever started it.
Log::Sink fatal_stderr_sink() {
  Log::Sink all = stderr_sink();
  return [all](Severity severity, std::string_view line) {
    if (severity == Severity::fatal) all(severity, line);
  };
}

}  // namespace

LogDestinations::LogDestinations(Log& log, Config& config, const SkeletonParams& params,
                                 const std::string& service_name, bool to_stderr, bool custom_sink)
    : queue_directory_(params.queue_directory) {
  if (custom_sink) return;  // the Launch's own sink stays the only one
  postlog_name_ = config.get_str("postlog_service_name", kDefaultPostlogServiceName, 1);
  log.set_sink(to_stderr ? stderr_sink() : fatal_stderr_sink());
  if (!params.maillog_file.empty()) {
    // Postfix refuses to log to a file outside these prefixes.
    check_maillog_file_prefixes(params.maillog_file,
                                config.get_str("maillog_file_prefixes", kDefaultMaillogFilePrefixes));
  }
  if (!params.maillog_file.empty() && service_name != postlog_name_) {
    PostlogSink::Options options;
    options.path = postlog_service_path(params.queue_directory, postlog_name_);
    options.hostname = config.get_str("myhostname", "");
    postlog_ = std::make_shared<PostlogSink>(options);
    log.add_record_sink(shared_record_sink(postlog_));
  } else {
    SyslogSink::Options options;
    options.facility = syslog_facility(params.syslog_facility);
    // Our own parameter: where the syslog daemon listens (tests bind their own).
    options.path = config.get_str("dgram_syslog_socket", SyslogSink::kDefaultPath, 1);
    syslog_ = std::make_shared<SyslogSink>(options);
    log.add_record_sink(shared_record_sink(syslog_));
  }
}

void LogDestinations::prepare_for_chroot(const std::string* root_directory) {
  if (postlog_) {
    (void)postlog_->socket().connect();  // a failure is retried (and counted) at the next record
    if (root_directory) postlog_->socket().set_path("/public/" + postlog_name_);
  }
  if (syslog_) (void)syslog_->socket().connect();
}

std::vector<Watchdog::LastWords> LogDestinations::watchdog_last_words(const std::string& program, long pid) {
  program_ = program;
  line_ = program + "[" + std::to_string(pid) + "]: fatal: watchdog timeout";
  LogRecord record;
  record.severity = Severity::fatal;
  record.program = program_;
  record.pid = pid;
  record.text = "watchdog timeout";
  record.line = line_;
  std::vector<Watchdog::LastWords> words;
  if (postlog_) words.push_back([sink = postlog_, record] { sink->write_signal_safe(record); });
  if (syslog_) words.push_back([sink = syslog_, record] { sink->write_signal_safe(record); });
  return words;
}

}  // namespace dgram
