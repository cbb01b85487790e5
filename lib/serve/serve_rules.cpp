// SPDX-License-Identifier: MIT
// serve_rules - one lost, the rest served; on_socket policed; the watchdog told.
#include "serve/serve_rules.h"

#include <exception>
#include <span>
#include <string>

#include "dgram/error.h"
#include "serve/hand_off_timer.h"

namespace dgram {

namespace {

// what_failed - the text of the exception being handled.
std::string what_failed(std::exception_ptr error) {
  try {
    std::rethrow_exception(error);
  } catch (const Fatal& fatal) {
    return fatal.what();
  } catch (const std::exception& other) {
    return std::string("unexpected error: ") + other.what();
  } catch (...) {
    return "unexpected error of unknown type";
  }
}

}  // namespace

BatchServer::BatchServer(const Service& service, Context& context, Watchdog* watchdog, std::size_t batch_limit,
                         ServiceCounters* counters)
    : service_(service),
      context_(context),
      watchdog_(watchdog),
      counters_(counters),
      timed_(counters != nullptr && counters->counting() && service.receive.timestamp) {
  if (service_.on_batch) batch_.reserve(batch_limit);
}

Datagram BatchServer::take(BatchReceiver& receiver, std::size_t i, int fd, std::size_t index) {
  Datagram datagram = receiver.datagram(i);
  datagram.socket_fd = fd;
  datagram.socket_index = index;
  if (counters_) counters_->served(datagram.data.size(), datagram.truncated);
  if (datagram.truncated) {
    context_.log.warn("datagram of %zu bytes truncated to the %zu-byte receive buffer", datagram.length,
                      datagram.data.size());
  }
  return datagram;
}

void BatchServer::note_queue_time(const Datagram& datagram, std::chrono::system_clock::time_point now) noexcept {
  // A datagram queued before timestamps were asked for carries none.
  if (datagram.received_at.time_since_epoch().count() == 0) return;
  auto waited = std::chrono::duration_cast<std::chrono::nanoseconds>(now - datagram.received_at).count();
  counters_->queued(waited > 0 ? static_cast<std::uint64_t>(waited) : 0);  // the clock may be set back
}

void BatchServer::serve(BatchReceiver& receiver, std::size_t count, int fd, std::size_t index,
                        HandOff* hand_off) {
  if (count == 0) return;
  if (!service_.on_batch) {
    serve_one_by_one(receiver, count, fd, index, hand_off);
    return;
  }
  batch_.clear();
  for (std::size_t i = 0; i < count; ++i) batch_.push_back(take(receiver, i, fd, index));
  if (watchdog_) watchdog_->in_hand(count);
  if (timed_) {
    auto now = std::chrono::system_clock::now();
    for (const Datagram& datagram : batch_) note_queue_time(datagram, now);
  }
  try {
    service_.on_batch(std::span<const Datagram>(batch_), context_);
  } catch (...) {
    if (counters_) counters_->failed(count);
    if (watchdog_) watchdog_->in_hand(0);
    throw Fatal(what_failed(std::current_exception()) + " (in a batch of " + std::to_string(count) +
                (count == 1 ? " datagram)" : " datagrams, none of them known to be served)"));
  }
  if (watchdog_) watchdog_->in_hand(0);
}

void BatchServer::serve_one_by_one(BatchReceiver& receiver, std::size_t count, int fd, std::size_t index,
                                   HandOff* hand_off) {
  std::exception_ptr first_failure;
  std::size_t first_failed = 0;
  std::size_t failures = 0;
  std::exception_ptr gate_failure;  // the skeleton's, not the service's
  for (std::size_t i = 0; i < count; ++i) {
    if (watchdog_) watchdog_->in_hand(count - i);
    Datagram datagram = take(receiver, i, fd, index);
    if (timed_) note_queue_time(datagram, std::chrono::system_clock::now());
    try {
      service_.on_datagram(datagram, context_);
    } catch (...) {
      if (counters_) counters_->failed(1);
      if (failures++ == 0) {
        first_failure = std::current_exception();
        first_failed = i + 1;
      }
    }
    // Long enough that a sibling should take the next? A failure of the
    // gate is the skeleton's: the rest is served, then it goes out as it is.
    if (hand_off && i + 1 < count && !gate_failure) {
      try {
        hand_off->check(monotonic_ns());
      } catch (...) {
        gate_failure = std::current_exception();
      }
    }
  }
  if (watchdog_) watchdog_->in_hand(0);
  if (failures == 0) {
    if (gate_failure) std::rethrow_exception(gate_failure);
    return;
  }
  std::string text = what_failed(first_failure);
  if (count > 1) {
    text += " (datagram " + std::to_string(first_failed) + " of a batch of " + std::to_string(count);
    if (failures > 1) text += "; " + std::to_string(failures) + " of them failed";
    text += "; the other " + std::to_string(count - failures) + " were served)";
  }
  if (gate_failure) text += "; and " + what_failed(gate_failure);
  throw Fatal(text);
}

std::size_t BatchServer::serve_socket(int fd, std::size_t allowed) {
  std::size_t read = service_.on_socket(SocketReady{fd, allowed}, context_);
  if (read > allowed) {
    throw Fatal("service read " + std::to_string(read) + " datagrams from fd " + std::to_string(fd) +
                " where it was allowed " + std::to_string(allowed) +
                ": an on_socket service must read at most SocketReady::max_datagrams");
  }
  if (counters_) counters_->served_unseen(read);
  if (read > 0) {
    empty_socket_turns_ = 0;
  } else if (++empty_socket_turns_ >= kMaxEmptySocketTurns) {
    throw Fatal("service read nothing from readable fd " + std::to_string(fd) + " " +
                std::to_string(empty_socket_turns_) +
                " times in a row: an on_socket service must read what is queued");
  }
  return read;
}

}  // namespace dgram
