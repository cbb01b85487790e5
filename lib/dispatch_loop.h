// SPDX-License-Identifier: MIT
// dispatch_loop - the event loop of a running child: wait, receive, serve.
//
// Per turn: acquire the gate, run the loop hook, wait for events. The gate
// is waited for by a GateWaiter thread while the loop keeps running the
// service's own events (and watching the master, SIGTERM, the idle timer);
// the listen sockets are watched only while the gate is held. When a
// listen socket is readable: release the gate, run pre_accept, report TAKEN,
// (with in-flow-delay) take a flow token or pause, receive what is queued (up
// to the batch limit and never more than the use limit leaves), serve each
// datagram, report AVAIL, re-arm the idle timer and count the uses. With a
// batch limit of 1 this is Postfix's one datagram per turn. The TAKEN and
// AVAIL reports are left out where they cannot change what the master does
// (see server.cpp). With busy_after_usec set, a turn releases the gate and
// reports TAKEN/AVAIL only once it has lasted that long (DispatchSettings);
// a service whose datagrams each take that long is served Postfix's way,
// one datagram per turn. With direct_receive, a child on one socket that has
// just served a batch in a quiet turn (alone on it, or holding the gate with
// nothing reported) waits for the next one in recvmmsg itself rather than in
// the event loop (DispatchSettings). run()
// returns when the use limit is reached, the idle timer fires, or the status
// channel becomes readable (the master went away) or SIGTERM arrives; a
// failed AVAIL report also ends it. Nothing that was received is left unserved.
//
// Off the happy path: a datagram whose on_datagram throws is the only one
// lost; the rest of its batch is served, then run() throws Fatal naming the
// first failure and where it stood in the batch. A permanent receive error
// (ENOTSOCK, EBADF, ...) is fatal at once; a transient one (ENOBUFS, ENOMEM)
// after kMaxReceiveFailures in a row. An on_socket service that says it read
// more than it was allowed is fatal (the use limit could not stay exact), and
// so is one that reads nothing kMaxEmptySocketTurns wake-ups in a row (the
// socket stays readable: it would spin). While a batch is served the
// watchdog knows how many received datagrams are still in hand, so that its
// last line can say how many were not served.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "batch_receiver.h"
#include "gate_waiter.h"
#include "turn_timer.h"
#include "service_events.h"
#include "dgram/event_loop.h"
#include "dgram/gate.h"
#include "dgram/master_protocol.h"
#include "dgram/service.h"
#include "dgram/watchdog.h"

namespace dgram {

// Datagrams taken from the socket in one wake-up, at most.
inline constexpr std::size_t kMaxReceiveBatch = 256;
// The direct receive: one wait for the next datagram lasts at most this long
// (SO_RCVTIMEO), and after this long in all the loop's other events are
// looked at again (the master, SIGTERM, timers, the service's own events).
inline constexpr std::chrono::microseconds kDirectReceiveWait{2000};
inline constexpr std::chrono::microseconds kDirectReceiveSpan{10000};
// A transient receive error (ENOBUFS, ENOMEM) this many times in a row is fatal.
inline constexpr unsigned kMaxReceiveFailures = 100;
// An on_socket service that reads nothing this many wake-ups in a row is broken.
inline constexpr unsigned kMaxEmptySocketTurns = 100;

struct DispatchSettings {
  int max_idle = 0;       // seconds, 0 = none
  int max_use = 0;        // datagrams, 0 = none
  int in_flow_delay = 0;  // seconds to pause without a flow token
  int flow_read_fd = -1;  // -1: no master, no flow tokens
  std::size_t batch_limit = 1;  // datagrams per wake-up; 1 is Postfix's way
  bool report_status = true;    // TAKEN and AVAIL around a busy wake-up
  // A turn is busy once it has lasted this long (dgram_busy_after_usec):
  // then the gate goes to a sibling and the master hears TAKEN (then AVAIL);
  // a child whose turns stay shorter keeps the gate and reports nothing. It
  // is checked between datagrams, and by a TurnTimer during one long
  // callback (its thread releases the gate and writes TAKEN; set before the
  // wait, it comes at most kDirectReceiveWait later than the threshold). 0:
  // every wake-up is busy from its start, Postfix's way.
  int busy_after_usec = 0;
  // dgram_direct_receive: where nothing else is owed per wake-up (one
  // listen socket, batches, no loop hook, no in_flow_delay, and a gate or
  // status reports only with busy_after_usec set, so that a turn can stay
  // quiet), the wake-ups after one that served datagrams in a quiet turn
  // wait in recvmmsg (MSG_WAITFORONE, the socket in blocking mode meanwhile)
  // instead of epoll and then recvmmsg: one system call per wake-up, as a
  // bare receive loop makes. A gate stays held throughout; each batch is
  // timed as a turn of its own, and one that becomes busy (or slow) ends it.
  // pre_accept still runs once per wake-up, after the receive. Ends as
  // kDirectReceiveWait/kDirectReceiveSpan say.
  bool direct_receive = false;
};

class DispatchLoop {
 public:
  // watchdog may be null (no stall detection). events may be null (a loop
  // without service events, as in benchmarks); else it runs on base.
  DispatchLoop(EventBase& base, const Service& service, Context& context, StatusChannel& status,
               Gate* gate, Watchdog* watchdog, ServiceEvents* events,
               const std::vector<int>& listen_fds, DispatchSettings settings);

  // Serves until a reason to exit; returns that reason (for the log).
  std::string run();
  // One turn: gate, loop hook, one wait and what it woke for. False once
  // there is a reason to exit (run() then releases the gate). For run() and
  // for benchmarks that time a single turn.
  bool turn();

  unsigned long long uses() const noexcept { return uses_; }
  // Batches taken by the direct receive (DispatchSettings::direct_receive).
  unsigned long long direct_batches() const noexcept { return direct_batches_; }
  // Called after each wake-up that served at least one datagram (not per datagram).
  void set_served_listener(std::function<void()> listener) { served_listener_ = std::move(listener); }

  ~DispatchLoop();
  DispatchLoop(const DispatchLoop&) = delete;
  DispatchLoop& operator=(const DispatchLoop&) = delete;

 private:
  void run_events();
  void on_request(std::size_t index);
  void on_gate_ready();
  void watch_listen_sockets(bool on);
  std::size_t receive_and_serve(std::size_t index);
  std::size_t serve_socket(int fd);
  void serve_batch(std::size_t index, std::size_t count);
  void note_receive_error(int fd, int error);
  // The direct receive (DispatchSettings::direct_receive) after a served batch.
  void serve_directly(std::size_t index);
  // A turn's timing: start_turn notes when it began and, for a quiet turn,
  // arms the turn timer unless it is armed already; end_turn takes the turn
  // back from the timer's thread (busy_reported_) and decides slow_ from its
  // pace. The timer is set before each wait (before_wait).
  void start_turn(bool quiet);
  void end_turn(std::size_t served);
  // Before the loop waits (epoll or the direct receive): the turn timer is
  // set for the next turn, unless it is set already and turns come back to back.
  void before_wait();
  // From the timer's thread: arm for after_ns more (a failure leaves it off).
  void rearm_turn_timer(std::uint64_t after_ns) noexcept;
  std::uint64_t busy_after_ns() const noexcept;
  // Whether the direct receive can be used here; sets the receive timeout.
  bool start_direct_receive();
  // The turn is busy: release the gate for a sibling and report TAKEN (once).
  void become_busy();
  // The TurnTimer's thread: a quiet turn that has lasted busy_after_usec is
  // handed on from there (gate released, TAKEN written).
  void on_turn_timer() noexcept;
  // The loop's thread takes the turn back from the timer's: true when the
  // timer had handed it on (then the loop's bookkeeping follows).
  bool settle_turn();
  // Makes the turn busy if it has lasted busy_after_usec.
  void check_busy();
  // How many datagrams may still be read: what the use limit leaves.
  std::size_t quota() const;
  void stop(std::string reason);
  void arm_idle_timer();
  void release_gate();
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
  StatusChannel& status_;
  Gate* gate_;
  Watchdog* watchdog_;
  ServiceEvents* events_;
  bool gate_held_ = false;
  bool gate_requested_ = false;
  bool listening_ = false;
  std::vector<int> listen_fds_;
  DispatchSettings settings_;
  std::unique_ptr<BatchReceiver> receiver_;
  std::vector<Datagram> batch_;  // on_batch: the datagrams of one wake-up
  unsigned long long uses_ = 0;
  unsigned receive_failures_ = 0;    // transient receive errors in a row
  unsigned empty_socket_turns_ = 0;  // on_socket wake-ups in a row that read nothing
  std::optional<std::string> stop_reason_;
  std::function<void()> served_listener_;
  bool watch_turn_ = false;      // turns are timed (see the constructor)
  bool slow_ = false;            // the last turn's datagrams took busy_after_usec each
  bool busy_reported_ = false;   // this turn gave up the gate and said TAKEN
  std::atomic<std::uint64_t> turn_started_{0};  // CLOCK_MONOTONIC ns
  // A quiet turn (gate kept, nothing reported) and who hands it on.
  enum TurnState : int { kIdle, kQuiet, kHanding, kHanded };
  std::atomic<int> turn_state_{kIdle};
  std::atomic<int> hand_off_error_{0};  // errno of a failed release on the timer's thread
  std::atomic<bool> timer_armed_{false};  // the turn timer has a time set (either thread arms)
  std::uint64_t last_turn_end_ = 0;       // CLOCK_MONOTONIC ns, 0 before the first turn
  bool short_gaps_ = false;               // the last turn began soon after the one before
  bool direct_ = false;          // the direct receive is on (start_direct_receive)
  unsigned long long direct_batches_ = 0;

  // The base outlives this object; the waiter thread is joined before the
  // events are freed.
  EventBase& base_;
  std::vector<std::unique_ptr<Event>> listen_events_;
  std::unique_ptr<Event> gate_event_;
  std::unique_ptr<Event> status_event_;
  std::unique_ptr<Event> terminate_event_;
  std::unique_ptr<Event> idle_timer_;
  std::unique_ptr<Event> loop_timer_;
  std::unique_ptr<GateWaiter> gate_waiter_;
  std::unique_ptr<TurnTimer> turn_timer_;    // declared last: destroyed (joined) first
};

}  // namespace dgram
