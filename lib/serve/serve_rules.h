// SPDX-License-Identifier: MIT
// serve_rules - hands received datagrams to the service, by the rules a
// failure must follow.
//
// DESCRIPTION
//   serve() hands the datagrams the receiver took in one receive to
//   on_datagram (one at a time) or on_batch (all at once):
//     on_datagram  a datagram whose callback throws is the only one lost:
//                  the rest are still served, then serve() throws Fatal
//                  naming the first failure and where it stood in the batch.
//     on_batch     a failure loses the batch, and the Fatal says how many it
//                  held.
//   Between datagrams the hand-off looks at the clock (HandOff::check), so a
//   streak that became busy hands the gate on before the next one. While
//   datagrams are in hand the watchdog knows how many, so that its last line
//   can say how many were not served.
//
//   Each datagram handed on is counted (ServiceCounters: datagrams, bytes,
//   truncated, failed); with receive.timestamp, its time in the queue is
//   taken just before its callback (on_batch: before the batch's), one read
//   of the realtime clock each.
//
//   serve_socket() hands an on_socket service the readable socket and
//   polices what it says it read: more than it was allowed is fatal (the use
//   limit could not stay exact), and nothing kMaxEmptySocketTurns wake-ups
//   in a row is fatal (the socket stays readable: it would spin).
//
// THREADS
//   The loop's only.
#pragma once

#include <chrono>
#include <cstddef>
#include <vector>

#include "serve/batch_receiver.h"
#include "dgram/service.h"
#include "serve/watchdog.h"
#include "serve/hand_off.h"
#include "serve/service_counters.h"

namespace dgram {

// An on_socket service that reads nothing this many wake-ups in a row is broken.
inline constexpr unsigned kMaxEmptySocketTurns = 100;

class BatchServer {
 public:
  // watchdog and counters may be null.
  BatchServer(const Service& service, Context& context, Watchdog* watchdog, std::size_t batch_limit,
              ServiceCounters* counters = nullptr);

  // Serves the `count` datagrams `receiver` holds, from listen socket `fd`
  // (the `index`-th). `hand_off` (null: not watched) is checked between
  // datagrams. Throws Fatal after a failure, as above.
  void serve(BatchReceiver& receiver, std::size_t count, int fd, std::size_t index, HandOff* hand_off);
  // on_socket: returns how many the service read. Throws Fatal as above.
  std::size_t serve_socket(int fd, std::size_t allowed);

 private:
  Datagram take(BatchReceiver& receiver, std::size_t i, int fd, std::size_t index);
  // With receive.timestamp: the datagram's time in the queue until now.
  void note_queue_time(const Datagram& datagram, std::chrono::system_clock::time_point now) noexcept;
  void serve_one_by_one(BatchReceiver& receiver, std::size_t count, int fd, std::size_t index,
                        HandOff* hand_off);

  const Service& service_;
  Context& context_;
  Watchdog* watchdog_;
  ServiceCounters* counters_;
  bool timed_;  // receive.timestamp with counters: queue times are counted
  std::vector<Datagram> batch_;      // on_batch: the datagrams of one receive
  unsigned empty_socket_turns_ = 0;  // on_socket wake-ups in a row that read nothing
};

}  // namespace dgram
