// SPDX-License-Identifier: MIT
// events - a service's own timers, descriptors and signals on the skeleton's
// event loop.
//
// SUMMARY
//   EventHandle report = context.events.every(std::chrono::seconds(60),
//                                             [](dgram::Context& c) { c.log.info("report: ..."); });
//   EventHandle input = context.events.when_readable(fd, on_input);
//   context.events.stop();   // end normally after the batch in hand
//
// DESCRIPTION
//   Context::events is valid in every hook. What a service adds from
//   pre_init on runs once serving starts, on the loop that also serves the
//   datagrams: callbacks never run concurrently with each other or with a
//   datagram callback. Each callback is watched by the watchdog like a
//   datagram callback, and an exception escaping it ends the process like
//   one thrown by on_datagram (one fatal line, exit status 1).
//
//   Timers and readiness keep running while a child waits for its turn at a
//   shared socket (the lock-file gate is waited for off the loop), so a
//   periodic report is on time in every child of a service.
//
//   Every add returns an EventHandle that owns the registration: destroying
//   it, assigning over it or calling cancel() removes it, at once, even from
//   inside its own callback. A handle may outlive the loop (it then does
//   nothing). Handles are move-only; drop one and its event is gone, hence
//   [[nodiscard]].
//
//   after()          once, delay from now.
//   every()          every period, the first one period from now; a turn
//                    that runs late does not make the next ones bunch up.
//   when_readable()  each time fd is readable (level-triggered), until
//   when_writable()  cancelled; the service owns fd and must cancel before
//                    closing it.
//   on_signal()      each time signo arrives (delivered on the loop, not in
//                    a signal handler: anything may be done there). SIGTERM
//                    (the skeleton's stop), SIGALRM (the watchdog's),
//                    SIGRTMIN+2 and SIGRTMIN+3 (the gate's hand-off), SIGKILL
//                    and SIGSTOP are refused.
//   stop()           the service asks to end: nothing new is taken from the
//                    socket, the batch in hand is finished, the exit hook
//                    runs and the exit status is 0.
//
// DIAGNOSTICS
//   A delay or period below zero (or a zero period), a negative fd or a
//   refused signal throws Fatal naming it.
#pragma once

#include "dgram/cxx20.h"
#if __cplusplus >= 202002L  // else cxx20.h has said why, once

#include <chrono>
#include <functional>
#include <memory>

namespace dgram {

struct Context;

// Owns one registration on the loop; cancels it when it goes away.
class [[nodiscard]] EventHandle {
 public:
  // What a handle controls; implemented by the skeleton.
  class Registration {
   public:
    virtual ~Registration() = default;
    virtual void cancel() noexcept = 0;
    virtual bool active() const noexcept = 0;
  };

  EventHandle() = default;
  explicit EventHandle(std::shared_ptr<Registration> registration) noexcept
      : registration_(std::move(registration)) {}
  EventHandle(EventHandle&& other) noexcept = default;
  EventHandle& operator=(EventHandle&& other) noexcept {
    if (this != &other) {
      cancel();
      registration_ = std::move(other.registration_);
    }
    return *this;
  }
  EventHandle(const EventHandle&) = delete;
  EventHandle& operator=(const EventHandle&) = delete;
  ~EventHandle() { cancel(); }

  // Removes the registration (a no-op when there is none).
  void cancel() noexcept {
    if (registration_) {
      registration_->cancel();
      registration_.reset();
    }
  }
  // True while the registration can still fire (a one-shot timer that fired is not).
  bool active() const noexcept { return registration_ && registration_->active(); }

 private:
  std::shared_ptr<Registration> registration_;
};

class Events {
 public:
  using Callback = std::function<void(Context&)>;

  virtual ~Events() = default;

  [[nodiscard]] virtual EventHandle after(std::chrono::milliseconds delay, Callback callback) = 0;
  [[nodiscard]] virtual EventHandle every(std::chrono::milliseconds period, Callback callback) = 0;
  [[nodiscard]] virtual EventHandle when_readable(int fd, Callback callback) = 0;
  [[nodiscard]] virtual EventHandle when_writable(int fd, Callback callback) = 0;
  [[nodiscard]] virtual EventHandle on_signal(int signo, Callback callback) = 0;
  // End normally after the batch in hand (see above).
  virtual void stop() = 0;
};

}  // namespace dgram

#endif  // C++20
