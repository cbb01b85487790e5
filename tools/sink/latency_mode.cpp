// SPDX-License-Identifier: MIT
// latency_mode - recording the delays of stamped datagrams, and writing them at exit.
#include "latency_mode.h"

#include <fcntl.h>
#include <unistd.h>

#include "dgram/error.h"
#include "latency_stamp.h"

namespace dgram::sink {

namespace {

// open_append - the file a parameter names, for appending; none when the value is empty.
UniqueFd open_append(const std::string& path, const char* parameter) {
  if (path.empty()) return UniqueFd();
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644));
  if (!fd) throw_errno(std::string("open ") + parameter + " " + path);
  return fd;
}

// write_whole - one write of size bytes, or an error naming the parameter and file.
void write_whole(int fd, const void* data, std::size_t size, const char* parameter,
                 const std::string& path) {
  if (::write(fd, data, size) != static_cast<ssize_t>(size)) {
    throw_errno(std::string("write ") + parameter + " " + path);
  }
}

}  // namespace

void LatencyMode::open() {
  if (!on()) return;
  delays_ = std::make_unique<dgram::latency::DelayRecorder>(static_cast<std::size_t>(capacity));
  report_fd_ = open_append(report_file, "dgram_sink_latency_report_file");
  samples_fd_ = open_append(samples_file, "dgram_sink_latency_samples_file");
}

void LatencyMode::observe(std::string_view datagram) noexcept {
  const std::int64_t now = dgram::latency::stamp_clock_ns();
  if (auto due = dgram::latency::read_stamp(datagram)) {
    delays_->record(now - *due);
  } else {
    delays_->record_malformed();
  }
}

std::string LatencyMode::finish(pid_t pid, std::string_view service) {
  if (!delays_) return {};
  if (samples_fd_) {
    const auto& kept = delays_->delays_ns();
    write_whole(samples_fd_.get(), kept.data(), kept.size() * sizeof(kept[0]),
                "dgram_sink_latency_samples_file", samples_file);
  }
  std::string line = "exit: pid=" + std::to_string(pid) + " service=" + std::string(service) + " " +
                     delays_->summary();
  if (report_fd_) {
    std::string text = line + "\n";
    write_whole(report_fd_.get(), text.data(), text.size(), "dgram_sink_latency_report_file",
                report_file);
  }
  return line;
}

}  // namespace dgram::sink
