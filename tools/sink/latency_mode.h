// SPDX-License-Identifier: MIT
// NAME
//   latency_mode - dgram-sink's latency mode: how long each datagram waited
//   between the time its sender stamped and the sink's callback.
// SUMMARY
//   LatencyMode latency;                     // its parameters filled from main.cf / -o
//   latency.open();                          // pre-init hook, before privileges drop
//   latency.observe(datagram.data);          // on_datagram, when latency.on()
//   std::string line = latency.finish(pid, service);   // on_exit hook
// DESCRIPTION
//   On when dgram_sink_latency_report_file or dgram_sink_latency_samples_file
//   is set. Each datagram is read as dgram-flood --stamp sends it: its first
//   8 bytes are the time it was due (tools/latency/latency_stamp.h), and the
//   delay recorded is CLOCK_MONOTONIC now minus that time. A datagram too
//   short for a stamp is counted as malformed (the master's warm-up datagram
//   of a benchmark, for instance). The delays are kept in storage reserved
//   by open() (dgram_sink_latency_capacity of them, default 1048576; beyond
//   that they are counted, not kept), so serving allocates nothing.
//
//   finish() returns one line of key=value words and appends it, with a
//   newline, to the report file:
//     exit: pid=P service=S count=N kept=K malformed=M min_us=.. p50_us=..
//     p99_us=.. p999_us=.. max_us=..
//   and, with a samples file, appends every kept delay to it as 8-byte
//   native signed integers (nanoseconds) in one write, so that the delays of
//   several children sharing one file can be put together (a regular file
//   opened O_APPEND takes each write whole). Both files are opened, or
//   created with mode 0644, before privileges are dropped, never through a
//   symbolic link.
//
//   Costs: one clock read and one store per datagram when on; nothing when
//   off (the sink does not call observe()).
// DIAGNOSTICS
//   open() and finish() throw std::system_error naming the parameter and
//   the file ("open dgram_sink_latency_report_file /x: ...", "write ...");
//   a capacity below 1 is refused by the parameter table.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <string_view>

#include "delay_recorder.h"
#include "dgram/unique_fd.h"

namespace dgram::sink {

class LatencyMode {
 public:
  // The parameters (the sink's table points at them).
  std::string report_file;   // dgram_sink_latency_report_file
  std::string samples_file;  // dgram_sink_latency_samples_file
  int capacity = 1 << 20;    // dgram_sink_latency_capacity

  bool on() const { return !report_file.empty() || !samples_file.empty(); }

  // open - reserves the storage and opens the files that are set; nothing when off.
  void open();

  // observe - records now minus the datagram's stamp, or counts it malformed.
  void observe(std::string_view datagram) noexcept;

  // finish - writes the samples and the report line; returns the line.
  std::string finish(pid_t pid, std::string_view service);

 private:
  std::unique_ptr<dgram::latency::DelayRecorder> delays_;
  UniqueFd report_fd_;
  UniqueFd samples_fd_;
};

}  // namespace dgram::sink
