// SPDX-License-Identifier: MIT
// service_events - the Events a service sees (events.h), on the skeleton's
// libevent base.
//
// One object per run, made before pre_init and destroyed after the loop and
// the exit hook, before the EventBase. Each registration owns one libevent
// event; cancel() takes it off the loop at once, and frees it after the
// current turn (a callback may cancel itself). When this object goes away
// every registration still held by a handle is detached: a handle that
// outlives the loop does nothing. The dispatch loop asks stop_requested()
// between batches; the watchdog, once armed, is told about every callback.
#pragma once

#include <memory>
#include <vector>

#include "base/event_loop.h"
#include "dgram/events.h"
#include "serve/watchdog.h"

namespace dgram {

class ServiceEvents final : public Events {
 public:
  explicit ServiceEvents(EventBase& base);
  ~ServiceEvents() override;
  ServiceEvents(const ServiceEvents&) = delete;
  ServiceEvents& operator=(const ServiceEvents&) = delete;

  // The context handed to callbacks (it refers to this object, so it is set after).
  void set_context(Context* context) noexcept { context_ = context; }
  void set_watchdog(Watchdog* watchdog) noexcept { watchdog_ = watchdog; }

  EventHandle after(std::chrono::milliseconds delay, Callback callback) override;
  EventHandle every(std::chrono::milliseconds period, Callback callback) override;
  EventHandle when_readable(int fd, Callback callback) override;
  EventHandle when_writable(int fd, Callback callback) override;
  EventHandle on_signal(int signo, Callback callback) override;
  void stop() override;

  // A signal the skeleton itself handles on the loop (SIGHUP when started
  // by systemd or with --listen); on_signal() refuses it from then on.
  EventHandle skeleton_signal(int signo, Callback callback);

  bool stop_requested() const noexcept { return stop_requested_; }
  // Called by the loop after each turn: frees what was cancelled during it.
  void collect_cancelled() noexcept;
  // Called by the loop when stop() is asked for, to end the current turn.
  void set_stop_listener(std::function<void()> listener) { stop_listener_ = std::move(listener); }

  class LoopRegistration;

 private:
  EventHandle add(int fd, short what, std::optional<std::chrono::microseconds> timeout, bool once,
                  Callback callback);

  EventBase& base_;
  Context* context_ = nullptr;
  Watchdog* watchdog_ = nullptr;
  bool stop_requested_ = false;
  std::vector<int> skeleton_signals_;
  std::function<void()> stop_listener_;
  std::vector<std::weak_ptr<LoopRegistration>> registrations_;
  std::vector<std::unique_ptr<Event>> cancelled_;  // freed after the turn
  friend class LoopRegistration;
};

}  // namespace dgram
