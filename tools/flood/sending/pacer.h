// SPDX-License-Identifier: MIT
// NAME
//   pacer - spaces sends out to a rate without spinning the CPU.
// SUMMARY
//   Pacer pacer(rate);  pacer.start(monotonic_ns());
//   std::uint64_t n = pacer.wait_for(index, limit);
// DESCRIPTION
//   Datagram i (counted from 0 at start()) is due at start + i / rate
//   seconds. wait_for() sleeps with clock_nanosleep() on an absolute
//   CLOCK_MONOTONIC time until datagram `index` is due, then answers how many
//   datagrams from `index` on are due by now: at least 1, at most `limit`.
//   A sender that fell behind (the receiver held it up, the machine was busy)
//   therefore catches up in one burst instead of drifting; due times are
//   computed from the start, never from the previous send, so errors do not
//   accumulate.
//
//   due_ns() is the schedule itself: dgram-flood --stamp writes it into the
//   datagram, so a datagram sent late still carries the time it was due
//   (the delay a receiver then measures includes the sender's lateness, the
//   wait a real client would have seen). late() says whether a datagram
//   whose send began at a given time went out more than one period (1 /
//   rate) after it was due; the report counts those.
//
//   A rate of 0 means unpaced: wait_for() returns `limit` at once and never
//   reads the clock.
// DIAGNOSTICS
//   Clock failures throw Failure (see clock.h).
#pragma once

#include <cstdint>

namespace flood {

class Pacer {
 public:
  explicit Pacer(double rate) : rate_(rate) {}

  bool paced() const { return rate_ > 0; }
  void start(std::int64_t now_ns) { start_ns_ = now_ns; }

  // wait_for - sleeps until datagram index is due; returns how many are due (1..limit).
  std::uint64_t wait_for(std::uint64_t index, std::uint64_t limit);

  // due_ns - the absolute time datagram index is due.
  std::int64_t due_ns(std::uint64_t index) const;

  // late - whether datagram index, its send begun at now_ns, is more than a period past due.
  bool late(std::uint64_t index, std::int64_t now_ns) const;

 private:
  double rate_;
  std::int64_t start_ns_ = 0;
};

}  // namespace flood
