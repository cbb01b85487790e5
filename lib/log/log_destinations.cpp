// SPDX-License-Identifier: MIT
// log_destinations - choosing and installing the log sinks of a child.
#include "log/log_destinations.h"

#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "dgram/config.h"
#include "dgram/embedding.h"
#include "log/journal_stream.h"
#include "config/skeleton_params.h"

namespace dgram {

namespace {

// stderr for fatal lines only: a failing start-up says why to whoever started it.
Log::Sink fatal_stderr_sink() {
  Log::Sink all = stderr_sink();
  return [all](Severity severity, std::string_view line) {
    if (severity == Severity::fatal) all(severity, line);
  };
}

// value_or - the expanded value of name, or fallback when it is not set or
// cannot be expanded. Registers no default (the skeleton does that later).
std::string value_or(const Config& config, const char* name, const std::string& fallback) {
  if (!config.has(name)) return fallback;
  try {
    return config.expand(name);
  } catch (const Fatal&) {
    return fallback;
  }
}

}  // namespace

LogSettings log_settings(Config& config, const SkeletonParams& params) {
  LogSettings settings;
  settings.queue_directory = params.queue_directory;
  settings.syslog_facility = params.syslog_facility;
  (void)syslog_facility(settings.syslog_facility);  // throws for an unknown name
  // Our own parameter: where the syslog daemon listens (tests bind their own).
  settings.syslog_socket = skeleton_str(config, "dgram_syslog_socket");
  settings.postlog_service_name = skeleton_str(config, "postlog_service_name");
  settings.hostname = skeleton_str(config, "myhostname");
  settings.maillog_file = params.maillog_file;
  if (!settings.maillog_file.empty()) {
    // Postfix refuses to log to a file outside these prefixes.
    check_maillog_file_prefixes(settings.maillog_file, skeleton_str(config, "maillog_file_prefixes"));
  }
  return settings;
}

LogSettings default_log_settings() {
  auto default_of = [](std::string_view name) { return std::string(find_skeleton_param(name)->default_value); };
  LogSettings settings;
  settings.queue_directory = default_of("queue_directory");
  settings.syslog_facility = default_of("syslog_facility");
  settings.syslog_socket = default_of("dgram_syslog_socket");
  settings.postlog_service_name = default_of("postlog_service_name");
  return settings;
}

LogSettings best_effort_log_settings(const Config& config) {
  LogSettings defaults = default_log_settings();
  LogSettings settings;
  settings.queue_directory = value_or(config, "queue_directory", defaults.queue_directory);
  settings.syslog_facility = value_or(config, "syslog_facility", defaults.syslog_facility);
  try {
    (void)syslog_facility(settings.syslog_facility);
  } catch (const Fatal&) {
    settings.syslog_facility = defaults.syslog_facility;
  }
  settings.syslog_socket = value_or(config, "dgram_syslog_socket", defaults.syslog_socket);
  settings.postlog_service_name = value_or(config, "postlog_service_name", defaults.postlog_service_name);
  settings.hostname = value_or(config, "myhostname", "");
  settings.maillog_file = value_or(config, "maillog_file", "");
  if (!settings.maillog_file.empty()) {
    try {
      check_maillog_file_prefixes(
          settings.maillog_file,
          value_or(config, "maillog_file_prefixes",
                   std::string(find_skeleton_param("maillog_file_prefixes")->default_value)));
    } catch (const Fatal&) {
      settings.maillog_file.clear();  // refused: syslog, as with no file at all
    }
  }
  return settings;
}

std::string best_effort_program(const Config& config, const std::string& program) {
  std::string name = value_or(config, "syslog_name", "postfix");
  return name + "/" + program;
}

LogDestinations::LogDestinations(Log& log, const LogSettings& settings,
                                 const std::string& service_name, bool to_stderr, bool custom_sink)
    : postlog_name_(settings.postlog_service_name) {
  if (custom_sink) return;  // the Launch's own sink stays the only one
  if (settings.journal) {
    log.set_record_sink(journal_sink(STDERR_FILENO));
    return;
  }
  if (!settings.maillog_file.empty() && service_name != postlog_name_) {
    PostlogSink::Options options;
    options.path = postlog_service_path(settings.queue_directory, postlog_name_);
    options.hostname = settings.hostname;
    postlog_ = std::make_shared<PostlogSink>(options);
  } else {
    SyslogSink::Options options;
    options.facility = syslog_facility(settings.syslog_facility);
    options.path = settings.syslog_socket;
    syslog_ = std::make_shared<SyslogSink>(options);
  }
  // Nothing above touched the log: a refused setting leaves the sinks it had.
  log.set_sink(to_stderr ? stderr_sink() : fatal_stderr_sink());
  if (postlog_) log.add_record_sink(shared_record_sink(postlog_));
  if (syslog_) log.add_record_sink(shared_record_sink(syslog_));
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
  line_prefix_ = program + "[" + std::to_string(pid) + "]: fatal: ";
  std::vector<Watchdog::LastWords> words;
  // Called from the SIGALRM handler: the record is put together in a buffer
  // on the stack, never allocated.
  auto say = [this, pid](auto sink) {
    return [this, pid, sink](std::string_view text) {
      char line[512];
      std::size_t prefix = std::min(line_prefix_.size(), sizeof(line));
      std::size_t length = std::min(text.size(), sizeof(line) - prefix);
      std::memcpy(line, line_prefix_.data(), prefix);
      std::memcpy(line + prefix, text.data(), length);
      LogRecord record;
      record.severity = Severity::fatal;
      record.program = program_;
      record.pid = pid;
      record.text = std::string_view(line + prefix, length);
      record.line = std::string_view(line, prefix + length);
      sink->write_signal_safe(record);
    };
  };
  if (postlog_) words.push_back(say(postlog_));
  if (syslog_) words.push_back(say(syslog_));
  return words;
}

}  // namespace dgram
