// SPDX-License-Identifier: MIT
// event_loop - RAII over a libevent event_base and its events.
//
// EventBase owns the event_base; Event owns one event and calls a C++
// callback when it fires. Callbacks never unwind through libevent: an
// exception escaping a callback is caught, the loop is broken, and
// run_once() rethrows it in the caller's frame. Declare the EventBase before
// the Events that use it, so the events are freed first.
#pragma once

#include <chrono>
#include <exception>
#include <functional>
#include <memory>
#include <optional>

struct event_base;
struct event;

namespace dgram {

class EventBase {
 public:
  EventBase();  // throws Fatal when libevent cannot make a base
  EventBase(const EventBase&) = delete;
  EventBase& operator=(const EventBase&) = delete;

  // Waits until at least one event is active, runs the active callbacks,
  // then returns. Rethrows an exception that escaped a callback.
  void run_once();
  // Stops running callbacks in the current turn (from inside a callback).
  void break_turn() noexcept;

  event_base* get() const noexcept { return base_.get(); }

 private:
  friend class Event;
  struct Deleter {
    void operator()(event_base* base) const noexcept;
  };
  std::unique_ptr<event_base, Deleter> base_;
  std::exception_ptr pending_;
};

class Event {
 public:
  using Callback = std::function<void(short what)>;

  // fd < 0 makes a pure timer. what: EV_READ, EV_PERSIST, ... (libevent's).
  Event(EventBase& base, int fd, short what, Callback callback);
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;

  // Arms the event, with an optional timeout. Throws Fatal on failure.
  void add(std::optional<std::chrono::microseconds> timeout = std::nullopt);
  void remove() noexcept;
  bool pending() const noexcept;

 private:
  static void trampoline(int fd, short what, void* self) noexcept;
  struct Deleter {
    void operator()(event* ev) const noexcept;
  };
  EventBase& base_;
  Callback callback_;
  std::unique_ptr<event, Deleter> event_;
};

}  // namespace dgram
