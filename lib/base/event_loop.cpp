// SPDX-License-Identifier: MIT
// event_loop - libevent calls, with C++ exceptions kept out of libevent.
#include "base/event_loop.h"

#include <event2/event.h>
#include <sys/time.h>

#include "dgram/error.h"

namespace dgram {

void EventBase::Deleter::operator()(event_base* base) const noexcept { event_base_free(base); }

EventBase::EventBase() : base_(event_base_new()) {
  if (!base_) throw Fatal("event_base_new: libevent could not create an event base");
}

void EventBase::run_once() {
  if (event_base_loop(base_.get(), EVLOOP_ONCE) < 0) throw Fatal("event_base_loop failed");
  if (pending_) {
    auto error = pending_;
    pending_ = nullptr;
    std::rethrow_exception(error);
  }
}

void EventBase::break_turn() noexcept { event_base_loopbreak(base_.get()); }

void Event::Deleter::operator()(event* ev) const noexcept { event_free(ev); }

Event::Event(EventBase& base, int fd, short what, Callback callback)
    : base_(base), callback_(std::move(callback)),
      event_(event_new(base.get(), fd, what, &Event::trampoline, this)) {
  if (!event_) throw Fatal("event_new: libevent could not create an event for fd " + std::to_string(fd));
}

void Event::add(std::optional<std::chrono::microseconds> timeout) {
  int rc;
  if (timeout) {
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(timeout->count() / 1000000);
    tv.tv_usec = static_cast<suseconds_t>(timeout->count() % 1000000);
    rc = event_add(event_.get(), &tv);
  } else {
    rc = event_add(event_.get(), nullptr);
  }
  if (rc < 0) throw Fatal("event_add failed");
}

void Event::remove() noexcept { event_del(event_.get()); }

bool Event::pending() const noexcept {
  return event_pending(event_.get(), EV_READ | EV_WRITE | EV_TIMEOUT | EV_SIGNAL, nullptr) != 0;
}

void Event::trampoline(int, short what, void* self) noexcept {
  auto* event = static_cast<Event*>(self);
  try {
    event->callback_(what);
  } catch (...) {
    event->base_.pending_ = std::current_exception();
    event->base_.break_turn();
  }
}

}  // namespace dgram
