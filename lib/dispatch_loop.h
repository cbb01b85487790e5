// dispatch_loop - the event loop of a running child: wait, receive, serve.
//
// Per turn: acquire the gate, run the loop hook, wait for events. When a
// listen socket is readable: release the gate, run pre_accept, report TAKEN,
// (with in-flow-delay) take a flow token or pause, receive one datagram,
// serve it, report AVAIL, re-arm the idle timer and count one use. run()
// returns when the use limit is reached, the idle timer fires, or the status
// channel becomes readable (the master went away) or SIGTERM arrives; a
// failed AVAIL report also ends it. Nothing that was received is left unserved.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dgram/event_loop.h"
#include "dgram/gate.h"
#include "dgram/master_protocol.h"
#include "dgram/service.h"

namespace dgram {

struct DispatchSettings {
  int max_idle = 0;       // seconds, 0 = none
  int max_use = 0;        // datagrams, 0 = none
  int in_flow_delay = 0;  // seconds to pause without a flow token
  int flow_read_fd = -1;
};

class DispatchLoop {
 public:
  DispatchLoop(const Service& service, Context& context, StatusChannel& status, Gate* gate,
               const std::vector<int>& listen_fds, DispatchSettings settings);

  // Serves until a reason to exit; returns that reason (for the log).
  std::string run();

  unsigned long long uses() const noexcept { return uses_; }

 private:
  void on_request(int fd);
  bool receive_and_serve(int fd);
  void stop(std::string reason);
  void arm_idle_timer();
  void release_gate();

  const Service& service_;
  Context& context_;
  StatusChannel& status_;
  Gate* gate_;
  bool gate_held_ = false;
  DispatchSettings settings_;
  std::vector<char> buffer_;
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
