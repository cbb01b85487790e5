// SPDX-License-Identifier: MIT
// service_counters - a wake-up's counts, added in one go.
#include "serve/service_counters.h"

#include <bit>

#include "serve/queue_time.h"

namespace dgram {

void ServiceCounters::queued(std::uint64_t ns) noexcept {
  ++queue_samples_;
  queue_ns_sum_ += ns;
  if (ns > queue_ns_max_) queue_ns_max_ = ns;
  std::size_t bucket = queue_bucket(ns, kQueueBuckets);
  ++buckets_[bucket];
  touched_[bucket / 64] |= std::uint64_t{1} << (bucket % 64);
}

void ServiceCounters::add_dropped(std::uint64_t records) noexcept {
  if (file_) file_->add(Counter::dropped, records);
}

void ServiceCounters::flush() noexcept {
  if (file_) {
    file_->add(Counter::datagrams, datagrams_);
    file_->add(Counter::bytes, bytes_);
    file_->add(Counter::wake_ups, wake_ups_);
    file_->add(Counter::truncated, truncated_);
    file_->add(Counter::failed, failed_);
    file_->add(Counter::receive_errors, receive_errors_);
    file_->add(Counter::busy_turns, busy_turns_);
    file_->add(Counter::gate_wait_ns, gate_wait_ns_);
    if (queue_samples_ > 0) {
      file_->add(Counter::queue_samples, queue_samples_);
      file_->add(Counter::queue_ns_sum, queue_ns_sum_);
      file_->raise_to(Counter::queue_ns_max, queue_ns_max_);
    }
  }
  for (std::size_t word = 0; word < touched_.size(); ++word) {
    for (std::uint64_t bits = touched_[word]; bits != 0; bits &= bits - 1) {
      std::size_t bucket = word * 64 + static_cast<std::size_t>(std::countr_zero(bits));
      if (file_) file_->add_bucket(bucket, buckets_[bucket]);
      buckets_[bucket] = 0;
    }
    touched_[word] = 0;
  }
  datagrams_ = bytes_ = wake_ups_ = truncated_ = failed_ = receive_errors_ = busy_turns_ = gate_wait_ns_ = 0;
  queue_samples_ = queue_ns_sum_ = queue_ns_max_ = 0;
}

}  // namespace dgram
