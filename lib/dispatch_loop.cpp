// dispatch_loop - serving requests one turn at a time.
#include "dispatch_loop.h"

#include <event2/event.h>
#include <signal.h>
#include <sys/socket.h>
#include <time.h>

#include <cerrno>
#include <algorithm>
#include <cstring>

#include "dgram/error.h"

namespace dgram {

namespace {

void pause_seconds(int seconds) {
  timespec delay{seconds, 0};
  while (::nanosleep(&delay, &delay) < 0 && errno == EINTR) {
  }
}

}  // namespace

DispatchLoop::DispatchLoop(const Service& service, Context& context, StatusChannel& status,
                           Gate* gate, Watchdog* watchdog, const std::vector<int>& listen_fds,
                           DispatchSettings settings)
    : service_(service),
      context_(context),
      status_(status),
      gate_(gate),
      watchdog_(watchdog),
      settings_(settings) {
  if (service_.on_datagram) {
    receiver_ = std::make_unique<BatchReceiver>(service_.receive_buffer, settings_.batch_limit);
  }
  for (int fd : listen_fds) {
    auto event = std::make_unique<Event>(base_, fd, EV_READ | EV_PERSIST,
                                         [this, fd](short) { on_request(fd); });
    event->add();
    listen_events_.push_back(std::move(event));
  }
  status_event_ = std::make_unique<Event>(base_, status_.fd(), EV_READ | EV_PERSIST,
                                          [this](short) { stop("master disconnect"); });
  status_event_->add();
  // SIGTERM (the master stopping its process group) ends the loop the normal
  // way: what is in hand is finished and the exit hook runs.
  terminate_event_ = std::make_unique<Event>(base_, SIGTERM, EV_SIGNAL | EV_PERSIST,
                                             [this](short) { stop("terminated by SIGTERM"); });
  terminate_event_->add();
  idle_timer_ = std::make_unique<Event>(base_, -1, 0, [this](short) { stop("idle timeout"); });
  loop_timer_ = std::make_unique<Event>(base_, -1, 0, [](short) {});
  arm_idle_timer();
}

void DispatchLoop::arm_idle_timer() {
  if (settings_.max_idle > 0) idle_timer_->add(std::chrono::seconds(settings_.max_idle));
}

void DispatchLoop::stop(std::string reason) {
  if (!stop_reason_) stop_reason_ = std::move(reason);
  base_.break_turn();
}

bool DispatchLoop::turn() {
  if (stop_reason_) return false;
  if (settings_.max_use > 0 && uses_ >= static_cast<unsigned long long>(settings_.max_use)) {
    stop_reason_ = "use limit reached";
    return false;
  }
  if (gate_ && !gate_held_) {
    waiting();
    gate_->acquire();
    working();
    gate_held_ = true;
  }
  int delay = service_.hooks.loop ? service_.hooks.loop(context_) : -1;
  if (delay >= 0) {
    loop_timer_->add(std::chrono::seconds(delay));
  } else {
    loop_timer_->remove();
  }
  waiting();
  base_.run_once();
  working();
  return !stop_reason_;
}

std::string DispatchLoop::run() {
  while (turn()) {
  }
  release_gate();
  context_.log.debug(1, "%s -- exiting", stop_reason_->c_str());
  return *stop_reason_;
}

void DispatchLoop::release_gate() {
  if (gate_ && gate_held_) {
    gate_held_ = false;
    gate_->release();
  }
}

void DispatchLoop::on_request(int fd) {
  working();
  if (stop_reason_) return;  // a reason to exit was found earlier in this turn
  release_gate();
  context_.log.debug(1, "request arrived on fd %d", fd);
  if (service_.hooks.pre_accept) service_.hooks.pre_accept(context_);
  // A failed TAKEN report is not fatal: the AVAIL report below decides.
  if (settings_.report_status) (void)status_.notify(ChildStatus::taken);
  if (service_.flags.in_flow_delay && !take_flow_token(settings_.flow_read_fd)) {
    pause_seconds(settings_.in_flow_delay);
  }
  std::size_t served = receive_and_serve(fd);
  if (settings_.report_status && !status_.notify(ChildStatus::avail)) {
    stop("master status channel write failed");
  }
  arm_idle_timer();
  uses_ += served;
  if (settings_.max_use > 0 && uses_ >= static_cast<unsigned long long>(settings_.max_use)) {
    stop("use limit reached");
  }
}

std::size_t DispatchLoop::quota() const {
  if (settings_.max_use <= 0) return receiver_ ? receiver_->batch_limit() : kMaxReceiveBatch;
  auto left = static_cast<unsigned long long>(settings_.max_use) - uses_;
  return static_cast<std::size_t>(left);
}

std::size_t DispatchLoop::receive_and_serve(int fd) {
  if (service_.on_socket) {
    return service_.on_socket(SocketReady{fd, std::min(quota(), settings_.batch_limit)}, context_);
  }
  int count = receiver_->receive(fd, quota());
  if (count < 0) {
    context_.log.warn("receive on fd %d: %s", fd, std::strerror(errno));
    return 0;
  }
  // Every datagram taken from the socket is served before anything else can
  // end the process: exit reasons are looked at only between batches.
  for (std::size_t i = 0; i < static_cast<std::size_t>(count); ++i) {
    Datagram datagram = receiver_->datagram(i);
    if (datagram.truncated) {
      context_.log.warn("datagram of %zu bytes truncated to the %zu-byte receive buffer",
                        datagram.length, datagram.data.size());
    }
    service_.on_datagram(datagram, context_);
  }
  return static_cast<std::size_t>(count);
}

}  // namespace dgram
