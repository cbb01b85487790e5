// dispatch_loop - the event loop of a running child: wait, receive, serve.
//
// Per turn: acquire the gate, run the loop hook, wait for events. When a
// listen socket is readable: release the gate, run pre_accept, report TAKEN,
// (with in-flow-delay) take a flow token or pause, receive what is queued (up
// to the batch limit and never more than the use limit leaves), serve each
// datagram, report AVAIL, re-arm the idle timer and count the uses. With a
// batch limit of 1 this is Postfix's one datagram per turn. The TAKEN and
// AVAIL reports are left out where they cannot change what the master does
// (see server.cpp). run()
// returns when the use limit is reached, the idle timer fires, or the status
// channel becomes readable (the master went away) or SIGTERM arrives; a
// failed AVAIL report also ends it. Nothing that was received is left unserved.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "batch_receiver.h"
#include "dgram/event_loop.h"
#include "dgram/gate.h"
#include "dgram/master_protocol.h"
#include "dgram/service.h"
#include "dgram/watchdog.h"

namespace dgram {

// Datagrams taken from the socket in one wake-up, at most.
inline constexpr std::size_t kMaxReceiveBatch = 256;

struct DispatchSettings {
  int max_idle = 0;       // seconds, 0 = none
  int max_use = 0;        // datagrams, 0 = none
  int in_flow_delay = 0;  // seconds to pause without a flow token
  int flow_read_fd = -1;
  std::size_t batch_limit = 1;  // datagrams per wake-up; 1 is Postfix's way
  bool report_status = true;    // TAKEN before and AVAIL after each wake-up
};

class DispatchLoop {
 public:
  // watchdog may be null (no stall detection).
  DispatchLoop(const Service& service, Context& context, StatusChannel& status, Gate* gate,
               Watchdog* watchdog, const std::vector<int>& listen_fds, DispatchSettings settings);

  // Serves until a reason to exit; returns that reason (for the log).
  std::string run();
  // One turn: gate, loop hook, one wait and what it woke for. False once
  // there is a reason to exit (run() then releases the gate). For run() and
  // for benchmarks that time a single turn.
  bool turn();

  unsigned long long uses() const noexcept { return uses_; }

 private:
  void on_request(int fd);
  std::size_t receive_and_serve(int fd);
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
  bool gate_held_ = false;
  DispatchSettings settings_;
  std::unique_ptr<BatchReceiver> receiver_;
  unsigned long long uses_ = 0;
  std::optional<std::string> stop_reason_;

  // The base is declared first so it is destroyed after every event.
  EventBase base_;
  std::vector<std::unique_ptr<Event>> listen_events_;
  std::unique_ptr<Event> status_event_;
  std::unique_ptr<Event> terminate_event_;
  std::unique_ptr<Event> idle_timer_;
  std::unique_ptr<Event> loop_timer_;
};

}  // namespace dgram
