// SPDX-License-Identifier: MIT
// log_destinations - choosing and installing the log sinks of a child.
#include "log/log_destinations.h"

#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "config/skeleton_params.h"
#include "dgram/config.h"
#include "dgram/embedding.h"
#include "log/journal_stream.h"
#include "log/line_prefix.h"

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

// service_sink_options - the log service sink that settings ask for.
// Throws Fatal for an unknown syslog_facility.
LogServiceSink::Options service_sink_options(const LogSettings& settings, const std::string& service_name) {
  LogServiceSink::Options options;
  if (!settings.maillog_file.empty() && service_name != settings.postlog_service_name) {
    options.framing = LogFraming::postlog;
    options.path = postlog_service_path(settings.queue_directory, settings.postlog_service_name);
    options.hostname = settings.hostname;
  } else {
    options.framing = LogFraming::syslog;
    options.facility = syslog_facility(settings.syslog_facility);
    options.path = settings.syslog_socket;
  }
  return options;
}

// same_records_to_same_place - true when a sink made with b would send what
// one made with a sends, to the same socket.
bool same_records_to_same_place(const LogServiceSink::Options& a, const LogServiceSink::Options& b) {
  return a.framing == b.framing && a.path == b.path && a.facility == b.facility &&
         a.hostname == b.hostname && a.max_text == b.max_text && a.fallback_file == b.fallback_file &&
         !a.clock && !b.clock;
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
    : log_(log), custom_sink_(custom_sink) {
  reconfigure(settings, service_name, to_stderr);
}

void LogDestinations::reconfigure(const LogSettings& settings, const std::string& service_name,
                                  bool to_stderr) {
  std::shared_ptr<LogServiceSink> sink;
  if (!custom_sink_ && !settings.journal) {
    LogServiceSink::Options options = service_sink_options(settings, service_name);  // may throw
    if (sink_ && same_records_to_same_place(sink_->options(), options)) {
      sink = sink_;
    } else {
      sink = std::make_shared<LogServiceSink>(std::move(options));
    }
  }
  // Nothing above touched the log: a refused setting leaves the sinks it had.
  sink_ = std::move(sink);
  postlog_name_ = settings.postlog_service_name;
  if (custom_sink_) return;  // the Launch's own sink stays the only one
  if (settings.journal) {
    log_.set_record_sink(journal_sink(STDERR_FILENO));
    return;
  }
  log_.set_sink(to_stderr ? stderr_sink() : fatal_stderr_sink());
  log_.add_record_sink(shared_record_sink(sink_));
}

void LogDestinations::prepare_for_chroot(const std::string* root_directory) {
  if (!sink_) return;
  (void)sink_->socket().connect();  // a failure is retried (and counted) at the next record
  if (root_directory && sink_->framing() == LogFraming::postlog) {
    sink_->socket().set_path("/public/" + postlog_name_);
  }
}

std::vector<LastWords> LogDestinations::watchdog_last_words(const std::string& program, long pid) {
  program_ = program;
  line_prefix_ = line_prefix(program, pid, Severity::fatal);
  std::vector<LastWords> words;
  if (!sink_) return words;
  // Called from the SIGALRM handler: the record is put together in a buffer
  // on the stack, never allocated.
  words.push_back([this, pid, sink = sink_](std::string_view text) {
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
  });
  return words;
}

}  // namespace dgram
