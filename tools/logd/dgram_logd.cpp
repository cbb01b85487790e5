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
// - A rate limit per sending process, off by default (mail logs lose nothing
//   unless the admin says so): with dgram_logd_rate_limit_interval above 0,
//   each pid may send dgram_logd_rate_limit_burst records per interval and
//   the rest are dropped, counted (Context::count_dropped, dgram-stat) and
//   told in one warning per sender and window, "dropped N records from pid
//   P (...)", among its own lines (rate_limit.h). dgram-logd itself and the
//   master (its parent at start-up) are never limited, nor a record that
//   came without credentials. A timer sweeps ended windows once a second, so
//   a sender that stops still gets its notice; the exit hook gives the rest.
// - Credentials and receive timestamps are always asked for: the first for
//   the rate limit (the limit is a parameter, read after the skeleton has
//   set up its sockets), the second so that dgram-stat shows how long
//   records waited in the socket. What both cost is measured by
//   bench/flood-compare --api-cost (sink-rx, sink-ts).
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstdint>
#include <cstring>
#include <ctime>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dgram/config.h"
#include "dgram/embedding.h"
#include "dgram/error.h"
#include "dgram/server.h"
#include "log/log_service_sink.h"
#include "log_file.h"
#include "log_file_open.h"
#include "rate_limit.h"
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
  // The rate limit (rate_limit.h): on when rate_interval > 0.
  int rate_interval = 0;  // dgram_logd_rate_limit_interval, seconds
  int rate_burst = 0;     // dgram_logd_rate_limit_burst
  std::optional<dgram::logd::RateLimit> rate_limit;
  dgram::EventHandle rate_sweep;  // the timer that gives the notices of ended windows
  // The notices of one batch, logged after its records: at most one per record.
  std::array<dgram::logd::RateNotice, LogFile::kMaxLines> notices;
  std::uint64_t rate_dropped = 0;
};

std::chrono::nanoseconds steady_now() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch());
}

// One warning line per notice, among dgram-logd's own lines.
void log_notices(const LogdState& state, dgram::Context& context, std::span<const dgram::logd::RateNotice> notices) {
  for (const auto& notice : notices) {
    std::string text = dgram::logd::rate_notice_text(notice, static_cast<std::uint32_t>(state.rate_burst),
                                                     state.rate_interval);
    context.log.warn("%s", text.c_str());
  }
}

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
// wake-up. With the rate limit on, the records it drops are left out, and
// the notices it gives follow the records of the batch.
void serve(LogdState& state, std::span<const dgram::Datagram> batch, dgram::Context& context) {
  std::chrono::nanoseconds now = state.rate_limit ? steady_now() : std::chrono::nanoseconds{};
  while (!batch.empty()) {
    std::size_t taken = std::min(batch.size(), state.lines.size());
    std::size_t count = 0;
    std::size_t dropped = 0;
    std::size_t notices = 0;
    for (std::size_t i = 0; i < taken; ++i) {
      const dgram::Datagram& record = batch[i];
      // The skeleton has logged the warning; we count it for the exit line.
      if (record.truncated) ++state.truncated;
      if (state.rate_limit) {
        std::optional<pid_t> pid;
        if (record.credentials != nullptr) pid = record.credentials->pid;
        dgram::logd::RateLimit::Verdict verdict = state.rate_limit->admit(pid, now);
        if (verdict.notice) state.notices[notices++] = *verdict.notice;
        if (!verdict.pass) {
          ++dropped;
          continue;
        }
      }
      state.lines[count] = dgram::logd::one_line_of(record.data, state.scratch.get() + count * kRecordSlot);
      ++count;
    }
    state.received += taken;
    if (state.file) {
      append_records(state, count);
    } else {
      for (std::size_t i = 0; i < count; ++i) state.forwarder->forward(state.lines[i]);
    }
    if (dropped > 0) {
      state.rate_dropped += dropped;
      context.count_dropped(dropped);
    }
    log_notices(state, context, {state.notices.data(), notices});
    batch = batch.subspan(taken);
  }
}

// The rate limit, when dgram_logd_rate_limit_interval asks for it: checked,
// built, and swept once a second.
void start_rate_limit(LogdState& state, dgram::Context& context) {
  if (state.rate_interval == 0) return;
  std::string interval = std::to_string(state.rate_interval) + "s";
  if (state.rate_burst < 1) {
    throw dgram::Fatal(std::string("invalid ") + dgram::logd::kRateLimitBurst + " value " +
                       std::to_string(state.rate_burst) + ": specify 1 or more when " +
                       dgram::logd::kRateLimitInterval + " is set (it is " + interval + ")");
  }
  state.rate_limit.emplace(std::chrono::seconds(state.rate_interval), static_cast<std::uint32_t>(state.rate_burst),
                           std::initializer_list<pid_t>{::getpid(), ::getppid()});
  state.rate_sweep = context.events.every(std::chrono::seconds(1), [&state](dgram::Context& on_loop) {
    log_notices(state, on_loop, state.rate_limit->sweep(steady_now()));
  });
  context.log.debug(1, "rate limit: %d records per %s per sending process", state.rate_burst, interval.c_str());
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

// The notices still owed, then the exit line (which counts the records
// the rate limit dropped when it is on).
void say_goodbye(LogdState& state, dgram::Context& context) {
  std::string rate_limited;
  if (state.rate_limit) {
    state.rate_sweep.cancel();
    log_notices(state, context, state.rate_limit->flush());
    rate_limited = ", " + std::to_string(state.rate_dropped) + " dropped by the rate limit";
  }
  if (!state.file) {
    context.log.info("%llu log records forwarded to syslog, %llu truncated%s",
                     static_cast<unsigned long long>(state.received - state.rate_dropped),
                     static_cast<unsigned long long>(state.truncated), rate_limited.c_str());
    return;
  }
  auto written = static_cast<unsigned long long>(state.written);
  auto lost = static_cast<unsigned long long>(state.file->lost());
  auto truncated = static_cast<unsigned long long>(state.truncated);
  if (lost > 0) {
    context.log.warn("%llu log records written, %llu lost (not written to %s), %llu truncated%s", written, lost,
                     state.file->path().c_str(), truncated, rate_limited.c_str());
  } else {
    context.log.info("%llu log records written, 0 lost, %llu truncated%s", written, truncated, rate_limited.c_str());
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
  service.params.times.push_back({dgram::logd::kRateLimitInterval, "0s", &state.rate_interval});
  service.params.ints.push_back({dgram::logd::kRateLimitBurst, 0, &state.rate_burst});
  service.receive.credentials = true;  // the rate limit's pids
  service.receive.timestamp = true;    // time in the queue, for dgram-stat
  service.hooks.pre_init = [&state](dgram::Context& context) {
    if (!context.args.empty()) throw dgram::Fatal("unexpected command-line argument: " + context.args.front());
    start_rate_limit(state, context);
    open_destination(state, context);
  };
  service.receive_buffer = kRecordSlot;
  service.on_batch = [&state](std::span<const dgram::Datagram> batch, dgram::Context& context) {
    serve(state, batch, context);
  };
  service.hooks.reload = [&state](dgram::Context& context) { reopen_destination(state, context); };
  service.hooks.on_exit = [&state](dgram::Context& context) { say_goodbye(state, context); };
  return dgram::run(service, argc, argv);
}
