// SPDX-License-Identifier: MIT
// latency-service - a datagram service that measures how long each datagram
// waited between its sender and the service callback.
//
// Run under the master like any service, e.g.
//
//   latency unix-dgram n - n - 1 latency-service -o max_use=0
//     -o latency_report_file=/tmp/x/latency.report
//
// and fed by dgram-flood --stamp, whose datagrams start with their due time
// (tools/latency/latency_stamp.h). on_datagram records receive time minus send time in
// storage reserved at start-up (latency_capacity delays, default 1048576;
// beyond that delays are counted, not kept), so serving allocates nothing.
// At exit it logs one line and appends it to latency_report_file (opened in
// the pre-init hook, before privileges are dropped):
//
//   exit: pid=P service=S count=N kept=K malformed=M min_us=.. p50_us=..
//   p99_us=.. p999_us=.. max_us=..
//
// and, when latency_samples_file is set, appends every kept delay to it as
// 8-byte native integers (nanoseconds) in one write, so that the delays of
// several children can be put together (regular files take O_APPEND writes
// whole).
#include <fcntl.h>
#include <unistd.h>

#include <memory>
#include <string>

#include "dgram/error.h"
#include "dgram/server.h"
#include "dgram/unique_fd.h"
#include "delay_recorder.h"
#include "latency_stamp.h"

namespace {

struct LatencyState {
  std::string report_file;
  std::string samples_file;
  int capacity = 1 << 20;
  dgram::UniqueFd report_fd;
  dgram::UniqueFd samples_fd;
  std::unique_ptr<dgram::latency::DelayRecorder> delays;
};

// open_append - the file named by a parameter, for appending; none when the value is empty.
dgram::UniqueFd open_append(const std::string& path, const char* parameter) {
  if (path.empty()) return dgram::UniqueFd();
  dgram::UniqueFd fd(::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644));
  if (!fd) dgram::throw_errno(std::string("open ") + parameter + " " + path);
  return fd;
}

}  // namespace

int main(int argc, char** argv) {
  LatencyState state;
  dgram::Service service;
  service.params.strs.push_back({"latency_report_file", "", &state.report_file});
  service.params.strs.push_back({"latency_samples_file", "", &state.samples_file});
  service.params.ints.push_back({"latency_capacity", 1 << 20, &state.capacity, 1, 0});
  service.hooks.pre_init = [&state](dgram::Context&) {
    state.delays = std::make_unique<dgram::latency::DelayRecorder>(static_cast<std::size_t>(state.capacity));
    state.report_fd = open_append(state.report_file, "latency_report_file");
    state.samples_fd = open_append(state.samples_file, "latency_samples_file");
  };
  service.on_datagram = [&state](const dgram::Datagram& datagram, dgram::Context&) {
    std::int64_t now = dgram::latency::stamp_clock_ns();
    if (auto due = dgram::latency::read_stamp(datagram.data)) {
      state.delays->record(now - *due);
    } else {
      state.delays->record_malformed();
    }
  };
  service.hooks.on_exit = [&state](dgram::Context& context) {
    if (state.samples_fd) {
      const auto& delays = state.delays->delays_ns();
      auto bytes = static_cast<ssize_t>(delays.size() * sizeof(delays[0]));
      if (::write(state.samples_fd.get(), delays.data(), static_cast<std::size_t>(bytes)) != bytes) {
        dgram::throw_errno("write latency_samples_file " + state.samples_file);
      }
    }
    std::string line = "exit: pid=" + std::to_string(::getpid()) + " service=" + std::string(context.service_name) +
                       " " + state.delays->summary();
    context.log.info("%s", line.c_str());
    if (state.report_fd) {
      line += "\n";
      if (::write(state.report_fd.get(), line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
        dgram::throw_errno("write latency_report_file " + state.report_file);
      }
    }
  };
  return dgram::run(service, argc, argv);
}
