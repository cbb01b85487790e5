// SPDX-License-Identifier: MIT
// surface_old - code written against the 0.1 surface still compiles
// unchanged: Gate through dgram/gate.h, Launch, the descriptor numbers,
// process_environment() and the log sinks through dgram/server.h, a loop
// hook returning int seconds, Flags::watchdog_seconds. Only the public
// headers are on its include path, as for a consumer, and only the two
// headers such code included in 0.1 are included here (surface_old.h
// includes service.h, which 0.1's server.h included too).
#include "surface_old.h"

#include <functional>
#include <memory>
#include <string>

#include "dgram/gate.h"
#include "dgram/server.h"

namespace dgram_test {

namespace {

class FreeGate : public dgram::Gate {
 public:
  bool acquire() override { return true; }
  void release() override {}
};

// What a 0.1 test harness wrote to run a service in-process.
[[maybe_unused]] int run_in_process(const dgram::Service& service) {
  dgram::Launch launch;
  launch.argv = {"old-style", "-l", "-t", "unix-dgram"};
  launch.env = dgram::process_environment();
  launch.fds.flow_read = dgram::kFlowReadFd;
  launch.fds.flow_write = dgram::kFlowWriteFd;
  launch.fds.status = dgram::kStatusFd;
  launch.fds.listen = {dgram::kFirstListenFd};
  launch.log_sink = dgram::stderr_sink();
  return dgram::run(service, launch);
}

// A 0.1 record sink, found through server.h.
struct CountingTarget {
  int lines = 0;
  void write(const dgram::LogRecord& record) {
    if (dgram::severity_prefix(record.severity)[0] == '\0') ++lines;
  }
};

[[maybe_unused]] void count_info_lines(dgram::Log& log) {
  log.add_record_sink(dgram::shared_record_sink(std::make_shared<CountingTarget>()));
}

}  // namespace

dgram::Service old_style_service() {
  dgram::Service service;
  service.on_datagram = [](const dgram::Datagram&, dgram::Context&) {};
  std::function<int(dgram::Context&)> loop = [](dgram::Context&) { return 5; };
  service.hooks.loop = loop;
  service.flags.watchdog_seconds = 30;
  service.gate = [](const std::string&) { return std::make_unique<FreeGate>(); };
  return service;
}

}  // namespace dgram_test
