// dgram-logd - a drop-in replacement for Postfix's postlogd(8).
//
// Configured in master.cf in place of postlogd:
//
//   postlog unix-dgram n - n - 1 dgram-logd
//
// It appends every record that Postfix programs send to the postlog socket,
// plus a newline, to maillog_file. Like postlogd it must run alone (process
// limit 1), opens the file in its pre-init hook while still privileged (the
// stock line passes -u), ignores the use limit (it ends when idle or when the
// master goes away), and never treats a record as a C string. It reads the
// socket itself, so records up to 64 KiB stay whole, and writes everything
// that was waiting with one writev().
#include <cerrno>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "dgram/config.h"
#include "dgram/error.h"
#include "dgram/server.h"
#include "log_file.h"
#include "record_reader.h"

namespace {

struct LogdState {
  std::string maillog_file;
  std::unique_ptr<dgram::logd::LogFile> file;
  dgram::logd::RecordReader reader;
  std::vector<std::string_view> batch;
  unsigned long long failed_writes = 0;
};

// Appends what is waiting; returns how many records that was.
std::size_t serve(LogdState& state, int fd, dgram::Context& context) {
  int count = state.reader.receive(fd);
  if (count < 0) {
    context.log.warn("receive log records: %s", std::strerror(errno));
    return 0;
  }
  state.batch.clear();
  for (std::size_t i = 0; i < static_cast<std::size_t>(count); ++i) {
    if (state.reader.truncated(i)) {
      context.log.warn("log record of %zu bytes truncated to %zu bytes", state.reader.sent_length(i),
                       state.reader.record(i).size());
    }
    state.batch.push_back(state.reader.record(i));
  }
  if (!state.batch.empty() && !state.file->append(state.batch)) {
    // Tell whoever still listens (syslog or stderr), but once in a while.
    if (state.failed_writes++ % 1000 == 0) {
      context.log.warn("write %s: %s (%llu failed writes)", state.file->path().c_str(),
                       std::strerror(errno), state.failed_writes);
    }
  }
  return static_cast<std::size_t>(count);
}

}  // namespace

int main(int argc, char** argv) {
  LogdState state;
  dgram::Service service;
  service.flags.solitary = true;
  service.flags.ignore_use_limit = true;
  service.hooks.pre_init = [&state](dgram::Context& context) {
    state.maillog_file = context.config.get_str("maillog_file", "");
    if (state.maillog_file.empty()) {
      throw dgram::Fatal("maillog_file is not set: there is no file to log to");
    }
    // The skeleton has checked maillog_file against maillog_file_prefixes.
    state.file = std::make_unique<dgram::logd::LogFile>(state.maillog_file);
  };
  service.on_socket = [&state](const dgram::SocketReady& ready, dgram::Context& context) {
    return serve(state, ready.fd, context);
  };
  return dgram::run(service, argc, argv);
}
