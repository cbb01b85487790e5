// SPDX-License-Identifier: MIT
// emulated_work - time a datagram costs on purpose, for tests and benchmarks.
//
// DESCRIPTION
//   dgram-sink's dgram_sink_work_usec and dgram_sink_work_spin parameters
//   make each datagram cost a fixed time, as a real service's work would:
//     check_work_usec(value)
//                 the range check of dgram_sink_work_usec (0 .. kMaxWorkUsec).
//     emulate_work(work)
//                 spends work.usec microseconds: asleep (clock_nanosleep on
//                 CLOCK_MONOTONIC, to an absolute deadline) or, with
//                 work.spin, running (reading CLOCK_MONOTONIC until the
//                 deadline), which burns that much CPU.
//   A signal that interrupts the sleep (SIGTERM: the skeleton's latch has no
//   SA_RESTART) does not shorten it: the sleep resumes until the deadline, so
//   a datagram always costs its full time and a stop request is seen after
//   the batch in hand, as the skeleton promises.
//
// COSTS
//   The caller skips emulate_work when usec is 0: no clock is read then.
//   A sleep lasts at least usec, usually some 50-100 us more (timer slack and
//   the wake-up); a spin lasts usec plus one clock read.
//
// LIMITS
//   kMaxWorkUsec is 10 s per datagram. A wake-up's batch (up to
//   dgram_receive_batch datagrams) is served in one loop turn, so batch times
//   usec must stay below the watchdog timeout (1000 s by default).
//
// DIAGNOSTICS
//   check_work_usec throws dgram::Fatal in Postfix's words:
//   `invalid dgram_sink_work_usec parameter value -1 < 0` (or `> 10000000`).
//   emulate_work throws dgram::Fatal when clock_nanosleep or clock_gettime
//   fails other than by EINTR (it cannot with the arguments it passes).
#pragma once

namespace dgram::sink {

inline constexpr const char* kWorkUsecName = "dgram_sink_work_usec";
inline constexpr const char* kWorkSpinName = "dgram_sink_work_spin";
inline constexpr int kMaxWorkUsec = 10'000'000;

struct EmulatedWork {
  int usec = 0;       // dgram_sink_work_usec: per datagram, 0 = none
  bool spin = false;  // dgram_sink_work_spin: run instead of sleeping
};

// check_work_usec - throws Fatal unless 0 <= value <= kMaxWorkUsec.
void check_work_usec(int value);

// emulate_work - spends work.usec microseconds, asleep or spinning.
void emulate_work(const EmulatedWork& work);

}  // namespace dgram::sink
