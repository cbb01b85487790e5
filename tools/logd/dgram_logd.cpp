// SPDX-License-Identifier: MIT
// dgram-logd - a drop-in replacement for Postfix's postlogd(8).
//
// Configured in master.cf in place of postlogd:
//
//   postlog unix-dgram n - n - 1 dgram-logd
//
// It appends every record that Postfix programs send to the postlog socket,
// as one line, to maillog_file. Like postlogd it must run alone (process
// limit 1), opens the file in its pre-init hook while still privileged (the
// stock line passes -u), ignores the use limit (it ends when idle or when the
// master goes away), refuses command-line arguments, and takes its watchdog
// limit from postlogd_watchdog_timeout (default 10s). It is served a batch
// at a time (Service::on_batch) from a 64 KiB receive buffer, so records up
// to 64 KiB stay whole, and it writes all the records of one wake-up with one
// writev() (the skeleton takes one record per turn with
// dgram_postfix_compatible = yes, and keeps to the use limit it is given).
//
// The records are views into the skeleton's receive buffer, read-only and
// valid only during the callback. A record that needs no '?' is written from
// there as it is; only one that holds a control byte is rewritten, into a
// per-process scratch buffer of one 64 KiB slot per line of a batch,
// reserved once (untouched pages cost no memory). Nothing is allocated per
// record or per batch.
//
// Beyond postlogd:
// - Each record is exactly one line: control bytes become '?', a client's
//   own trailing newline is dropped (record_line.h).
// - A record is whole in the file or absent; records a full disk did not
//   take are counted, told about in the file once it takes writes again,
//   and in the exit line (log_file.h).
// - maillog_file is opened like Postfix's safe_open() and created with
//   maillog_file_permissions (log_file_open.h).
// - Its own messages (the skeleton's warning about a truncated record,
//   receive errors, the exit line) go
//   into maillog_file in the records' own format, not to syslog: with
//   maillog_file = /dev/stdout and no syslog daemon nothing vanishes. Fatal
//   lines also go to stderr; an own line the file does not take goes to
//   stderr instead.
// - With an empty maillog_file the records are forwarded to syslog, as
//   postlogd does (syslog_forward.h).
// - Started by systemd socket activation or with --listen PATH (no master),
//   it reopens maillog_file on SIGHUP (Hooks::reload), so that logrotate can
//   rename the file and signal it: records go on into a new file of the
//   same name, opened with the same checks and maillog_file_permissions as
//   at start, but with the privileges the process has by then
//   (log_file_open.h). The first line of the new file is a notice of records
//   lost before, if one is owed (log_file.h), then "reopened PATH". A
//   refused reopen (a link, a hard link, a folder gone, no permission)
//   changes nothing: the records go on into the file that was open, and a
//   warning naming the path and the reason goes there and to stderr. main.cf
//   is not read again: another maillog_file takes a restart. With
//   maillog_file = /dev/stdout or empty (syslog) SIGHUP changes nothing. Under
//   the Postfix master SIGHUP is not the service's (service.h): a reload of
//   the master ends this process, and the new one it starts opens the file
//   afresh.
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <ctime>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "dgram/config.h"
#include "dgram/embedding.h"
#include "dgram/error.h"
#include "dgram/server.h"
#include "log/log_service_sink.h"
#include "log_file.h"
#include "log_file_open.h"
#include "record_line.h"
#include "syslog_forward.h"

namespace {

using dgram::logd::LogFile;

// The receive buffer: a record up to 64 KiB stays whole.
constexpr std::size_t kRecordSlot = dgram::kMaxReceiveBuffer;

struct LogdState {
  std::string permissions;  // maillog_file_permissions
  mode_t create_mode = 0600;  // the permissions parsed: for the open and each reopen
  int watchdog_timeout = 10;  // postlogd_watchdog_timeout, seconds
  std::unique_ptr<dgram::LogServiceSink> own_format;  // frames our own lines; sends nothing
  std::unique_ptr<LogFile> file;                     // when maillog_file is set
  std::unique_ptr<dgram::logd::SyslogForwarder> forwarder;  // when it is empty
  dgram::Log::Sink stderr_line = dgram::stderr_sink();
  // The lines of one batch, and where a record that needs rewriting is
  // rewritten: slot i (kRecordSlot bytes) for line i.
  std::array<std::string_view, LogFile::kMaxLines> lines;
  std::unique_ptr<char[]> scratch = std::make_unique_for_overwrite<char[]>(LogFile::kMaxLines * kRecordSlot);
  std::uint64_t received = 0;
  std::uint64_t written = 0;  // records whole in the file (our own lines not counted)
  std::uint64_t truncated = 0;
};

// One of our own messages, as a line of maillog_file.
void write_own_line(LogdState& state, const dgram::LogRecord& record) {
  std::string line = state.own_format->format(record, ::time(nullptr));
  line.resize(dgram::logd::make_one_line(line.data(), line.size()));
  std::string_view view = line;
  if (state.file->append({&view, 1}) != 1) state.stderr_line(record.severity, record.line);
}

// The first failure of an outage is said on stderr at once; the file hears
// of the lost records when it takes writes again.
void append_records(LogdState& state, std::size_t count) {
  std::uint64_t unreported = state.file->unreported();
  std::size_t whole = state.file->append({state.lines.data(), count});
  state.written += whole;
  if (whole == count || unreported > 0) return;
  std::string text = "write " + state.file->path() + ": " + std::strerror(errno) +
                     "; log records are lost until it takes writes again";
  state.stderr_line(dgram::Severity::warning, "warning: " + text);
}

// Lines of at most LogFile::kMaxLines records at a time: a batch of the
// skeleton's 64 KiB buffers is never longer, so that is one writev() per
// wake-up.
void serve(LogdState& state, std::span<const dgram::Datagram> batch) {
  while (!batch.empty()) {
    std::size_t count = std::min(batch.size(), state.lines.size());
    for (std::size_t i = 0; i < count; ++i) {
      const dgram::Datagram& record = batch[i];
      // The skeleton has logged the warning; we count it for the exit line.
      if (record.truncated) ++state.truncated;
      state.lines[i] = dgram::logd::one_line_of(record.data, state.scratch.get() + i * kRecordSlot);
    }
    state.received += count;
    if (state.file) {
      append_records(state, count);
    } else {
      for (std::size_t i = 0; i < count; ++i) state.forwarder->forward(state.lines[i]);
    }
    batch = batch.subspan(count);
  }
}

void open_destination(LogdState& state, dgram::Context& context) {
  std::string maillog_file = context.config.get_str("maillog_file", "");
  if (maillog_file.empty()) {
    // As postlogd: forward to syslog; our own lines stay on the skeleton's
    // syslog sink.
    dgram::LogServiceSink::Options options;  // syslog framing
    options.facility = dgram::syslog_facility(context.config.get_str("syslog_facility", "mail", 1));
    options.path = context.config.get_str("dgram_syslog_socket", dgram::kDefaultSyslogSocket, 1);
    state.forwarder = std::make_unique<dgram::logd::SyslogForwarder>(options, context.log.program(),
                                                                     static_cast<long>(::getpid()));
    (void)state.forwarder->sink().socket().connect();  // before a chroot; else retried per record
    return;
  }
  // The skeleton has checked maillog_file against maillog_file_prefixes.
  state.create_mode = dgram::logd::parse_maillog_file_permissions(state.permissions);
  dgram::LogServiceSink::Options format;
  format.framing = dgram::LogFraming::postlog;
  format.path.clear();  // it only formats
  format.hostname = context.config.get_str("myhostname", "");
  state.own_format = std::make_unique<dgram::LogServiceSink>(format);
  auto frame = [&state, &context](std::string_view text) {
    dgram::LogRecord record{dgram::Severity::warning, context.log.program(), static_cast<long>(::getpid()), text, {}};
    std::string line = state.own_format->format(record, ::time(nullptr));
    line.resize(dgram::logd::make_one_line(line.data(), line.size()));
    return line;
  };
  state.file = std::make_unique<LogFile>(maillog_file, dgram::logd::open_log_file(maillog_file, state.create_mode),
                                         LogFile::WriteFn{}, frame);
  context.log.set_record_sink([&state](const dgram::LogRecord& record) { write_own_line(state, record); });
  context.log.add_sink([&state](dgram::Severity severity, std::string_view line) {
    if (severity == dgram::Severity::fatal) state.stderr_line(severity, line);
  });
}

// On SIGHUP (systemd or --listen): maillog_file anew, after a log rotation.
void reopen_destination(LogdState& state, dgram::Context& context) {
  if (!state.file) {
    context.log.debug(1, "reload: the records go to syslog, no file to reopen");
    return;
  }
  const std::string& path = state.file->path();
  if (path == dgram::logd::kStandardOutput) {
    context.log.debug(1, "reload: maillog_file is %s, nothing to reopen", path.c_str());
    return;
  }
  if (auto refusal = dgram::logd::reopen_log_file(*state.file, state.create_mode)) {
    std::string text = *refusal + "; not reopened, writing on to the file that was open";
    context.log.warn("%s", text.c_str());  // into that file
    state.stderr_line(dgram::Severity::warning, "warning: " + text);
    return;
  }
  context.log.info("reopened %s", path.c_str());
}

void say_goodbye(LogdState& state, dgram::Context& context) {
  if (!state.file) {
    context.log.info("%llu log records forwarded to syslog, %llu truncated",
                     static_cast<unsigned long long>(state.received),
                     static_cast<unsigned long long>(state.truncated));
    return;
  }
  auto written = static_cast<unsigned long long>(state.written);
  auto lost = static_cast<unsigned long long>(state.file->lost());
  auto truncated = static_cast<unsigned long long>(state.truncated);
  if (lost > 0) {
    context.log.warn("%llu log records written, %llu lost (not written to %s), %llu truncated", written, lost,
                     state.file->path().c_str(), truncated);
  } else {
    context.log.info("%llu log records written, 0 lost, %llu truncated", written, truncated);
  }
}

}  // namespace

int main(int argc, char** argv) {
  LogdState state;
  dgram::Service service;
  service.flags.solitary = true;
  service.flags.ignore_use_limit = true;
  service.params.strs.push_back({"maillog_file_permissions",
                                 std::string(dgram::logd::kDefaultMaillogFilePermissions), &state.permissions, 1});
  service.params.times.push_back({"postlogd_watchdog_timeout", "10s", &state.watchdog_timeout, 1});
  service.flags.watchdog_parameter = "postlogd_watchdog_timeout";
  service.hooks.pre_init = [&state](dgram::Context& context) {
    if (!context.args.empty()) throw dgram::Fatal("unexpected command-line argument: " + context.args.front());
    open_destination(state, context);
  };
  service.receive_buffer = kRecordSlot;
  service.on_batch = [&state](std::span<const dgram::Datagram> batch, dgram::Context&) { serve(state, batch); };
  service.hooks.reload = [&state](dgram::Context& context) { reopen_destination(state, context); };
  service.hooks.on_exit = [&state](dgram::Context& context) { say_goodbye(state, context); };
  return dgram::run(service, argc, argv);
}
