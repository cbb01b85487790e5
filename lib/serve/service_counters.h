// SPDX-License-Identifier: MIT
// service_counters - what one child counts while it serves, added into the
// service's counter file (counter_file.h) once per wake-up.
//
// The counts of a wake-up are kept in plain fields of this process (a few
// adds per datagram, no atomics, no system call) and added into the shared
// file by flush(), which the dispatch loop calls once at the end of every
// wake-up, also when the wake-up ends with an exception (a failed callback
// is counted before the process ends). Without a file (none configured)
// nothing is added anywhere and flush() only forgets.
//
// THREADS
//   The loop's only.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "serve/counter_file.h"

namespace dgram {

class ServiceCounters {
 public:
  explicit ServiceCounters(CounterFile* file = nullptr) noexcept : file_(file) {}

  bool counting() const noexcept { return file_ != nullptr; }
  CounterFile* file() const noexcept { return file_; }

  void served(std::size_t bytes, bool truncated) noexcept {
    ++datagrams_;
    bytes_ += bytes;
    truncated_ += truncated ? 1 : 0;
  }
  void served_unseen(std::size_t datagrams) noexcept { datagrams_ += datagrams; }  // on_socket
  void wake_up() noexcept { ++wake_ups_; }
  void failed(std::size_t datagrams) noexcept { failed_ += datagrams; }
  void receive_error() noexcept { ++receive_errors_; }
  void busy_turn() noexcept { ++busy_turns_; }
  void gate_waited(std::uint64_t ns) noexcept { gate_wait_ns_ += ns; }
  // One datagram's time in the queue, in nanoseconds.
  void queued(std::uint64_t ns) noexcept;
  // Added at once (a service's count_dropped() may come from a timer).
  void add_dropped(std::uint64_t records) noexcept;

  // Adds what was counted since the last flush into the file.
  void flush() noexcept;

 private:
  CounterFile* file_;
  std::uint64_t datagrams_ = 0;
  std::uint64_t bytes_ = 0;
  std::uint64_t wake_ups_ = 0;
  std::uint64_t truncated_ = 0;
  std::uint64_t failed_ = 0;
  std::uint64_t receive_errors_ = 0;
  std::uint64_t busy_turns_ = 0;
  std::uint64_t gate_wait_ns_ = 0;
  std::uint64_t queue_samples_ = 0;
  std::uint64_t queue_ns_sum_ = 0;
  std::uint64_t queue_ns_max_ = 0;
  std::array<std::uint64_t, kQueueBuckets> buckets_{};
  std::array<std::uint64_t, (kQueueBuckets + 63) / 64> touched_{};  // which buckets_ are not 0
};

}  // namespace dgram
