// SPDX-License-Identifier: MIT
// service_events - timers, descriptors and signals of a service on the loop.
#include "serve/service_events.h"

#include <event2/event.h>
#include <signal.h>

#include <algorithm>
#include <string>

#include "dgram/error.h"
#include "serve/skeleton_signals.h"
#include "dgram/service.h"  // Context

namespace dgram {

class ServiceEvents::LoopRegistration final : public EventHandle::Registration {
 public:
  LoopRegistration(ServiceEvents* owner, bool once) : owner_(owner), once_(once) {}

  void cancel() noexcept override {
    if (!event_) return;
    event_->remove();
    if (owner_) {
      owner_->cancelled_.push_back(std::move(event_));  // it may be running right now
    } else {
      event_.reset();
    }
  }
  bool active() const noexcept override { return event_ && !fired_; }

  // The loop is going away: the event goes with it.
  void detach() noexcept {
    event_.reset();
    owner_ = nullptr;
  }

  std::unique_ptr<Event> event_;
  ServiceEvents* owner_;
  bool once_;
  bool fired_ = false;
};

ServiceEvents::ServiceEvents(EventBase& base) : base_(base) {}

ServiceEvents::~ServiceEvents() {
  for (auto& weak : registrations_) {
    if (auto registration = weak.lock()) registration->detach();
  }
  cancelled_.clear();
}

void ServiceEvents::collect_cancelled() noexcept {
  cancelled_.clear();
  std::erase_if(registrations_, [](const std::weak_ptr<LoopRegistration>& weak) { return weak.expired(); });
}

EventHandle ServiceEvents::add(int fd, short what, std::optional<std::chrono::microseconds> timeout,
                               bool once, Callback callback) {
  auto registration = std::make_shared<LoopRegistration>(this, once);
  std::weak_ptr<LoopRegistration> weak = registration;
  registration->event_ = std::make_unique<Event>(
      base_, fd, what, [this, weak, callback = std::move(callback)](short) {
        if (watchdog_) watchdog_->working();
        auto self = weak.lock();
        if (!self || !self->event_) return;  // cancelled earlier in this turn
        if (self->once_) self->fired_ = true;
        callback(*context_);
      });
  registration->event_->add(timeout);
  registrations_.push_back(weak);
  return EventHandle(std::move(registration));
}

EventHandle ServiceEvents::after(std::chrono::milliseconds delay, Callback callback) {
  if (delay.count() < 0) throw Fatal("events: negative timer delay: " + std::to_string(delay.count()) + " ms");
  return add(-1, 0, delay, true, std::move(callback));
}

EventHandle ServiceEvents::every(std::chrono::milliseconds period, Callback callback) {
  if (period.count() <= 0) {
    throw Fatal("events: a periodic timer needs a period above 0 ms, not " + std::to_string(period.count()));
  }
  return add(-1, EV_PERSIST, period, false, std::move(callback));
}

EventHandle ServiceEvents::when_readable(int fd, Callback callback) {
  if (fd < 0) throw Fatal("events: cannot watch fd " + std::to_string(fd));
  return add(fd, EV_READ | EV_PERSIST, std::nullopt, false, std::move(callback));
}

EventHandle ServiceEvents::when_writable(int fd, Callback callback) {
  if (fd < 0) throw Fatal("events: cannot watch fd " + std::to_string(fd));
  return add(fd, EV_WRITE | EV_PERSIST, std::nullopt, false, std::move(callback));
}

EventHandle ServiceEvents::on_signal(int signo, Callback callback) {
  if (signo == SIGTERM || signo == SIGALRM || signo == SIGKILL || signo == SIGSTOP || signo <= 0 ||
      signo >= NSIG || signo == hand_off_signal() || signo == gate_wake_signal()) {
    throw Fatal("events: signal " + std::to_string(signo) +
                " is not for services (SIGTERM stops the skeleton, SIGALRM is the watchdog's, "
                "SIGRTMIN+2 and SIGRTMIN+3 hand the gate on)");
  }
  if (std::find(skeleton_signals_.begin(), skeleton_signals_.end(), signo) != skeleton_signals_.end()) {
    throw Fatal("events: signal " + std::to_string(signo) +
                " is the skeleton's here (SIGHUP runs Hooks::reload when started by systemd or with --listen)");
  }
  return add(signo, EV_SIGNAL | EV_PERSIST, std::nullopt, false, std::move(callback));
}

EventHandle ServiceEvents::skeleton_signal(int signo, Callback callback) {
  skeleton_signals_.push_back(signo);
  return add(signo, EV_SIGNAL | EV_PERSIST, std::nullopt, false, std::move(callback));
}

void ServiceEvents::stop() {
  stop_requested_ = true;
  if (stop_listener_) stop_listener_();
}

}  // namespace dgram
