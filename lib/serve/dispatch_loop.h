// SPDX-License-Identifier: MIT
// dispatch_loop - the event loop of a running child: wait, receive, serve.
//
// DESCRIPTION
//   Each turn, in Postfix's order: take the gate (a child that shares its
//   socket; the gate thread waits for it while the loop runs the service's
//   own events, the master's channel, SIGTERM and the idle timer), run the
//   loop hook, wait for events with the listen sockets watched. A wake-up on
//   a listen socket: begin it quiet or busy (hand_off.h: a busy one gives
//   the gate to a sibling and reports TAKEN before anything is read), run
//   pre_accept, take a flow token or pause (in-flow-delay), then receive and
//   serve (serve_rules.h), then end it (AVAIL after a busy one), re-arm the
//   idle timer and count the uses.
//
//   A receive takes what is queued, up to the batch limit, never more than
//   the use limit leaves, one at a time once datagrams are known to be slow.
//   With DispatchSettings::drain a wake-up receives again after serving,
//   until the socket is found empty (that is how a child learns it is keeping
//   up) or kDrainSpan has passed (then the loop looks at its other events
//   and comes back); a busy-from-start wake-up takes one batch, Postfix's way.
//   Nothing new is taken once SIGTERM or Context::stop() came (looked at
//   before each receive); what was received is served.
//
//   With counters, every wake-up's counts (service_counters.h) are added to
//   the service's counter file as it ends, also when it ends in a fatal
//   error; so is each wait for the gate.
//
//   run() returns when the use limit is reached, the idle timer fires, the
//   status channel becomes readable (the master went away), SIGTERM comes,
//   the service stops, or an AVAIL report fails; before it returns, the gate
//   thread is stopped and the gate given back, so the exit hook runs with
//   neither.
//
// THREADS
//   Everything here runs on the loop's thread; the hand-off timer's signal
//   handler runs there too. The one helper thread is the GateWaiter's, which
//   only calls Gate::acquire().
//
// DIAGNOSTICS
//   A permanent receive error (ENOTSOCK, EBADF, ...) is fatal at once; a
//   transient one (ENOBUFS, ENOMEM) after kMaxReceiveFailures in a row. The
//   service's failures follow serve_rules.h; the gate's are fatal with the
//   gate's own text and errno.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "serve/batch_receiver.h"
#include "base/event_loop.h"
#include "dgram/embedding.h"
#include "dgram/service.h"
#include "serve/watchdog.h"
#include "serve/gate_waiter.h"
#include "serve/hand_off.h"
#include "serve/hand_off_timer.h"
#include "serve/serve_rules.h"
#include "serve/service_counters.h"
#include "serve/service_events.h"
#include "serve/stop_reason.h"
#include "serve/supervisor.h"

namespace dgram {

// A draining wake-up goes back to the loop after this long, so that the
// master, timers and the service's own events are looked at in a flood.
inline constexpr std::chrono::microseconds kDrainSpan{10000};
// The hand-off timer is set before a wait for the threshold and this much
// more, so that a wake-up soon after the wait is covered without setting it
// again (a callback is handed on at most this much after the threshold).
inline constexpr std::chrono::microseconds kHandOffTimerSlack{2000};
// A transient receive error (ENOBUFS, ENOMEM) this many times in a row is fatal.
inline constexpr unsigned kMaxReceiveFailures = 100;

struct DispatchSettings {
  int max_idle = 0;       // seconds, 0 = none
  int max_use = 0;        // datagrams, 0 = none
  int in_flow_delay = 0;  // seconds to pause without a flow token
  int flow_read_fd = -1;  // -1: no master, no flow tokens
  std::size_t batch_limit = 1;  // datagrams per receive; 1 is Postfix's way
  bool report_status = true;    // TAKEN and AVAIL around a busy wake-up
  // dgram_busy_after_usec (hand_off.h): a streak this long is busy; 0:
  // every wake-up is busy from its start, Postfix's hand-off.
  int busy_after_usec = 0;
  // dgram_direct_receive: receive again after serving, until the socket is
  // found empty (see above); else one receive per wake-up.
  bool drain = true;
};

class DispatchLoop {
 public:
  // watchdog may be null (no stall detection). events may be null (a loop
  // without service events, as in benchmarks); else it runs on base.
  // The supervisor hears busy and idle (settings.report_status) and the count
  // served after each wake-up that served; the loop ends when its gone_fd()
  // becomes readable.
  // counters may be null (nothing counted); each wake-up's counts are
  // added to it at its end (service_counters.h).
  DispatchLoop(EventBase& base, const Service& service, Context& context, Supervisor& supervisor,
               Gate* gate, Watchdog* watchdog, ServiceEvents* events,
               const std::vector<int>& listen_fds, DispatchSettings settings,
               ServiceCounters* counters = nullptr);
  ~DispatchLoop();
  DispatchLoop(const DispatchLoop&) = delete;
  DispatchLoop& operator=(const DispatchLoop&) = delete;

  // Serves until a reason to exit; the gate thread is stopped and the gate
  // given back before it returns.
  StopReason run();
  // One turn: gate, loop hook, one wait and what it woke for. False once
  // there is a reason to exit. For run() and for benchmarks.
  bool turn();
  // Stops the gate thread and gives the gate back (run() does it).
  void finish();

  unsigned long long uses() const noexcept { return uses_; }
  // Receives that found datagrams waiting after a batch was served.
  unsigned long long drained_batches() const noexcept { return drained_batches_; }

 private:
  void run_events();
  void on_request(std::size_t index);
  void on_gate_ready();
  void watch_listen_sockets(bool on);
  // Receives and serves for one wake-up; says whether the socket was found empty.
  std::size_t receive_and_serve(std::size_t index, bool one_receive, bool& found_empty);
  void note_receive_error(int fd, int error);
  // How many datagrams the next receive may take: the batch, or 1 for slow
  // ones, within what the use limit leaves.
  std::size_t quota() const;
  // SIGTERM or the service's stop() came: nothing new is taken.
  bool stop_requested();
  void stop(StopReason reason);
  void arm_idle_timer();
  // Tell the watchdog whether the process is blocked (time does not count)
  // or working on a turn (time counts); plain stores, no system call.
  void waiting() noexcept {
    if (watchdog_) watchdog_->waiting();
  }
  void working() noexcept {
    if (watchdog_) watchdog_->working();
  }

  const Service& service_;
  Context& context_;
  Gate* gate_;
  Watchdog* watchdog_;
  ServiceEvents* events_;
  std::vector<int> listen_fds_;
  DispatchSettings settings_;
  bool hands_on_;       // there is a gate or a master to tell: wake-ups are quiet or busy
  bool watched_;        // quiet wake-ups exist (turns_watched)
  bool flow_service_;   // a flow token per wake-up (in_flow_delay under the master)
  bool gate_requested_ = false;
  std::uint64_t gate_requested_at_ = 0;  // monotonic ns, for the gate's wait (counters)
  bool listening_ = false;
  ServiceCounters* counters_;
  std::unique_ptr<BatchReceiver> receiver_;  // null for on_socket
  BatchServer server_;
  HandOff hand_off_;
  unsigned long long uses_ = 0;
  unsigned long long drained_batches_ = 0;
  unsigned receive_failures_ = 0;  // transient receive errors in a row
  StopReason stop_ = StopReason::none;
  Supervisor& supervisor_;

  // The base outlives this object; the events go before it.
  EventBase& base_;
  std::vector<std::unique_ptr<Event>> listen_events_;
  std::unique_ptr<Event> supervisor_gone_;
  std::unique_ptr<Event> terminate_event_;
  std::unique_ptr<Event> idle_timer_;
  std::unique_ptr<Event> loop_timer_;
  std::unique_ptr<HandOffTimer> hand_off_timer_;  // when watched_
  std::unique_ptr<GateWaiter> gate_waiter_;       // when there is a gate
  std::unique_ptr<Event> gate_event_;             // declared last: off the loop before the waiter goes
};

}  // namespace dgram
