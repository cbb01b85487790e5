// SPDX-License-Identifier: MIT
// dgram-sink - a datagram service that counts what it is sent.
//
// It counts datagrams, bytes and truncated datagrams and, with
// dgram_sink_check_sequence = yes, checks that the leading sequence numbers
// (as dgram-flood --sequence writes them) arrive without gaps or repeats.
// dgram_sink_receive_sender = yes and dgram_sink_receive_credentials = yes
// turn on Service::receive.sender / .credentials, and
// dgram_sink_receive_timestamp = yes receive.timestamp (what they cost is what
// bench/flood-compare --api-cost measures); the sink counts the datagrams
// that carried credentials.
// dgram_sink_work_usec (integer, microseconds, default 0, at most 10000000)
// makes every datagram cost that much time, as a real service's work would
// (tests and benchmarks of several children on one socket): the sink sleeps
// (clock_nanosleep) that long after counting each datagram, or, with
// dgram_sink_work_spin = yes (default no), spins on CLOCK_MONOTONIC instead,
// burning that much CPU. A sleep that SIGTERM interrupts resumes for the rest
// of its time; the process exits after the batch in hand, as it would
// otherwise. 0 costs nothing (no clock is read); a value out of range is one
// fatal line, `invalid dgram_sink_work_usec parameter value -1 < 0`
// (emulated_work.h).
// With dgram_sink_latency_report_file or dgram_sink_latency_samples_file set
// it also records, for each datagram, how long ago the time stamped in its
// first 8 bytes was (dgram-flood --stamp), and at exit logs and writes
// one more line and the delays themselves (latency_mode.h);
// dgram_sink_latency_capacity bounds the delays kept.
// When it exits it logs one summary line of key=value words, which it also
// appends to dgram_sink_summary_file when that is set (opened before privileges
// are dropped), so scripts can add up
// the reports of several processes:
//
//   exit: pid=P service=S datagrams=N bytes=B truncated=T batches=W cpu_user=U
//   cpu_system=S context_switches=X [seq_first=..
//   seq_last=.. seq_gaps=.. seq_repeats=.. seq_malformed=.. seq_runs=a-b,...
//   seq_overflow=..] credentials=C
//
// context_switches= adds getrusage()'s voluntary and involuntary switches.
// credentials= is always last: the datagrams that carried the sender's
// credentials (0 unless dgram_sink_receive_credentials = yes; a datagram
// queued before the child asked for them, such as the one that made the
// master start it, carries none).
// seq_runs lists at most SequenceCheck::kDefaultMaxRuns runs; seq_overflow
// counts the numbers left out past that cap (0 normally). A report with
// seq_overflow above 0 cannot prove exactly-once: sequence_verdict.h merges
// reports and says "unknown" then.
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>

#include "dgram/error.h"
#include "dgram/server.h"
#include "dgram/unique_fd.h"
#include "emulated_work.h"
#include "latency_mode.h"
#include "sequence_check.h"

namespace {

struct SinkState {
  bool check_sequence = false;
  std::string summary_file;
  dgram::UniqueFd summary_fd;
  std::uint64_t datagrams = 0;
  std::uint64_t bytes = 0;
  std::uint64_t truncated = 0;
  std::uint64_t batches = 0;  // wake-ups that found datagrams waiting
  std::uint64_t with_credentials = 0;
  dgram::sink::EmulatedWork work;
  dgram::sink::SequenceCheck sequence;
  dgram::sink::LatencyMode latency;
};

std::string summary_line(const SinkState& state, const dgram::Context& context) {
  std::string line = "exit: pid=" + std::to_string(::getpid()) +
                     " service=" + std::string(context.service_name) +
                     " datagrams=" + std::to_string(state.datagrams) +
                     " bytes=" + std::to_string(state.bytes) +
                     " truncated=" + std::to_string(state.truncated) +
                     " batches=" + std::to_string(state.batches);
  rusage usage{};
  if (::getrusage(RUSAGE_SELF, &usage) == 0) {
    char cpu[160];
    std::snprintf(cpu, sizeof(cpu), " cpu_user=%ld.%06ld cpu_system=%ld.%06ld context_switches=%ld",
                  static_cast<long>(usage.ru_utime.tv_sec), static_cast<long>(usage.ru_utime.tv_usec),
                  static_cast<long>(usage.ru_stime.tv_sec), static_cast<long>(usage.ru_stime.tv_usec),
                  usage.ru_nvcsw + usage.ru_nivcsw);
    line += cpu;
  }
  if (state.check_sequence) {
    const auto& seq = state.sequence;
    auto number = [](const std::optional<std::uint64_t>& v) {
      return v ? std::to_string(*v) : std::string("none");
    };
    std::string runs = seq.runs();
    for (char& c : runs) {
      if (c == ' ') c = ',';
    }
    line += " seq_first=" + number(seq.first()) + " seq_last=" + number(seq.last()) +
            " seq_gaps=" + std::to_string(seq.gaps()) +
            " seq_repeats=" + std::to_string(seq.repeats()) +
            " seq_malformed=" + std::to_string(seq.malformed()) +
            " seq_runs=" + (runs.empty() ? std::string("none") : runs) +
            " seq_overflow=" + std::to_string(seq.overflow());
  }
  // Last: older readers match the words before it.
  line += " credentials=" + std::to_string(state.with_credentials);
  return line;
}

// Opened in the pre-init hook, before privileges are dropped, so that a
// file only root may write can still receive the summary.
dgram::UniqueFd open_summary(const std::string& path) {
  dgram::UniqueFd fd(::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644));
  if (!fd) dgram::throw_errno("open summary file " + path);
  return fd;
}

void append_line(int fd, const std::string& path, const std::string& line) {
  std::string text = line + "\n";
  ssize_t written = ::write(fd, text.data(), text.size());
  if (written != static_cast<ssize_t>(text.size())) dgram::throw_errno("write summary file " + path);
}

}  // namespace

int main(int argc, char** argv) {
  SinkState state;
  dgram::Service service;
  service.params.bools.push_back({"dgram_sink_check_sequence", false, &state.check_sequence});
  service.params.strs.push_back({"dgram_sink_summary_file", "", &state.summary_file});
  // The skeleton loads the parameter tables before it looks at the receive
  // options (SO_PASSCRED, the receiver's buffers), so main.cf and -o can set
  // them directly.
  service.params.bools.push_back({"dgram_sink_receive_sender", false, &service.receive.sender});
  service.params.bools.push_back({"dgram_sink_receive_credentials", false, &service.receive.credentials});
  service.params.bools.push_back({"dgram_sink_receive_timestamp", false, &service.receive.timestamp});
  // Bounds checked by check_work_usec (a table's min of 0 means "no bound").
  service.params.ints.push_back({dgram::sink::kWorkUsecName, 0, &state.work.usec});
  service.params.bools.push_back({dgram::sink::kWorkSpinName, false, &state.work.spin});
  service.params.strs.push_back({"dgram_sink_latency_report_file", "", &state.latency.report_file});
  service.params.strs.push_back({"dgram_sink_latency_samples_file", "", &state.latency.samples_file});
  service.params.ints.push_back({"dgram_sink_latency_capacity", 1048576, &state.latency.capacity, 1, 0});
  service.on_datagram = [&state](const dgram::Datagram& datagram, dgram::Context&) {
    // First: the delay is the wait before the service saw the datagram.
    if (state.latency.on()) state.latency.observe(datagram.data);
    ++state.datagrams;
    state.bytes += datagram.data.size();
    if (datagram.truncated) ++state.truncated;
    if (datagram.credentials != nullptr) ++state.with_credentials;
    if (state.check_sequence) state.sequence.observe(datagram.data);
    if (state.work.usec > 0) dgram::sink::emulate_work(state.work);
  };
  service.hooks.pre_accept = [&state](dgram::Context&) { ++state.batches; };
  service.hooks.pre_init = [&state](dgram::Context&) {
    dgram::sink::check_work_usec(state.work.usec);
    if (!state.summary_file.empty()) state.summary_fd = open_summary(state.summary_file);
    state.latency.open();
  };
  service.hooks.on_exit = [&state](dgram::Context& context) {
    std::string line = summary_line(state, context);
    context.log.info("%s", line.c_str());
    if (state.summary_fd) append_line(state.summary_fd.get(), state.summary_file, line);
    if (state.latency.on()) {
      std::string delays = state.latency.finish(::getpid(), context.service_name);
      context.log.info("%s", delays.c_str());
    }
  };
  return dgram::run(service, argc, argv);
}
