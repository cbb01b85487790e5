// SPDX-License-Identifier: MIT
// dispatch_loop - serving requests one wake-up at a time.
#include "serve/dispatch_loop.h"

#include <event2/event.h>
#include <sched.h>
#include <signal.h>
#include <time.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

#include "dgram/error.h"
#include "serve/flow_token.h"
#include "serve/termination.h"

namespace dgram {

namespace {

// pause_seconds - sleeps, but not past a stop request.
void pause_seconds(int seconds) {
  timespec delay{seconds, 0};
  while (::nanosleep(&delay, &delay) < 0 && errno == EINTR && !TerminationLatch::requested()) {
  }
}

// A receive error that a later receive may not see again.
bool transient_receive_error(int error) {
  return error == ENOBUFS || error == ENOMEM || error == EINTR;
}

// may_run_on_more_cpus - this thread's affinity allows more than one CPU
// (so do its siblings', forked by the same master); true when unknown.
bool may_run_on_more_cpus() {
  cpu_set_t cpus;
  CPU_ZERO(&cpus);
  if (::sched_getaffinity(0, sizeof(cpus), &cpus) < 0) return true;
  return CPU_COUNT(&cpus) > 1;
}

std::uint64_t ns(std::chrono::microseconds span) {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(span).count());
}

}  // namespace

DispatchLoop::DispatchLoop(EventBase& base, const Service& service, Context& context,
                           Supervisor& supervisor, Gate* gate, Watchdog* watchdog,
                           ServiceEvents* events, const std::vector<int>& listen_fds,
                           DispatchSettings settings, ServiceCounters* counters)
    : service_(service),
      context_(context),
      gate_(gate),
      watchdog_(watchdog),
      events_(events),
      listen_fds_(listen_fds),
      settings_(settings),
      hands_on_(gate != nullptr || settings.report_status),
      watched_(false),
      flow_service_(service.flags.in_flow_delay && settings.flow_read_fd >= 0),
      counters_(counters),
      server_(service, context, watchdog, settings.batch_limit, counters),
      hand_off_(gate, supervisor,
                HandOffSettings{static_cast<std::uint64_t>(std::max(settings.busy_after_usec, 0)) * 1000u,
                                settings.report_status, gate != nullptr, may_run_on_more_cpus()}),
      supervisor_(supervisor),
      base_(base) {
  watched_ = turns_watched(hand_off_.settings());
  if (!service_.on_socket) {
    receiver_ = std::make_unique<BatchReceiver>(service_.receive_buffer, settings_.batch_limit,
                                                service_.receive);
  }
  for (std::size_t i = 0; i < listen_fds.size(); ++i) {
    listen_events_.push_back(std::make_unique<Event>(base_, listen_fds[i], EV_READ | EV_PERSIST,
                                                     [this, i](short) { on_request(i); }));
  }
  // The master's status channel becomes readable when the master has gone;
  // systemd and --listen have nothing to watch.
  if (int gone = supervisor_.gone_fd(); gone >= 0) {
    supervisor_gone_ = std::make_unique<Event>(base_, gone, EV_READ | EV_PERSIST,
                                               [this](short) { stop(StopReason::master_gone); });
    supervisor_gone_->add();
  }
  // SIGTERM (the master stopping its process group) ends the loop the normal
  // way: what is in hand is finished and the exit hook runs. Under run() the
  // latch has caught SIGTERM since start-up; its pipe is readable once it came.
  if (int wake = TerminationLatch::wake_fd(); wake >= 0) {
    terminate_event_ = std::make_unique<Event>(base_, wake, EV_READ | EV_PERSIST,
                                               [this](short) { stop(StopReason::terminated); });
  } else {
    terminate_event_ = std::make_unique<Event>(base_, SIGTERM, EV_SIGNAL | EV_PERSIST,
                                               [this](short) { stop(StopReason::terminated); });
  }
  terminate_event_->add();
  idle_timer_ = std::make_unique<Event>(base_, -1, 0, [this](short) { stop(StopReason::idle); });
  loop_timer_ = std::make_unique<Event>(base_, -1, 0, [](short) {});
  if (events_) events_->set_stop_listener([this] { base_.break_turn(); });
  if (watched_) hand_off_timer_ = std::make_unique<HandOffTimer>(hand_off_);
  if (gate_) {
    gate_waiter_ = std::make_unique<GateWaiter>(*gate_);
    gate_event_ = std::make_unique<Event>(base_, gate_waiter_->ready_fd(), EV_READ | EV_PERSIST,
                                          [this](short) { on_gate_ready(); });
    gate_event_->add();
  }
  arm_idle_timer();
}

DispatchLoop::~DispatchLoop() {
  if (events_) events_->set_stop_listener({});
}

void DispatchLoop::watch_listen_sockets(bool on) {
  if (on == listening_) return;
  for (auto& event : listen_events_) {
    if (on) {
      event->add();
    } else {
      event->remove();
    }
  }
  listening_ = on;
}

void DispatchLoop::on_gate_ready() {
  working();
  gate_requested_ = false;
  if (counters_) {
    counters_->gate_waited(monotonic_ns() - gate_requested_at_);
    counters_->flush();
  }
  if (gate_waiter_->take()) hand_off_.gate_taken();
  base_.break_turn();  // the next turn runs the loop hook with the gate held
}

void DispatchLoop::arm_idle_timer() {
  if (settings_.max_idle > 0) idle_timer_->add(std::chrono::seconds(settings_.max_idle));
}

void DispatchLoop::stop(StopReason reason) {
  if (stop_ == StopReason::none) stop_ = reason;
  base_.break_turn();
}

bool DispatchLoop::stop_requested() {
  if (TerminationLatch::requested()) {
    stop(StopReason::terminated);
  } else if (events_ && events_->stop_requested()) {
    stop(StopReason::service_stop);
  }
  return stop_ != StopReason::none;
}

bool DispatchLoop::turn() {
  if (stop_ != StopReason::none) return false;
  if (settings_.max_use > 0 && uses_ >= static_cast<unsigned long long>(settings_.max_use)) {
    stop(StopReason::use_limit);
    return false;
  }
  if (events_ && events_->stop_requested()) {
    stop(StopReason::service_stop);
    return false;
  }
  if (!hand_off_.holds_gate()) {
    if (!gate_) {
      hand_off_.gate_taken();  // nothing to take: a busy wake-up gave up nothing
    } else if (!gate_requested_ && gate_->try_acquire()) {
      hand_off_.gate_taken();  // free: no need for the gate thread
    } else {
      // Wait for the gate with the loop running: the service's events, the
      // master, SIGTERM and the idle timer still count; requests do not.
      watch_listen_sockets(false);
      if (!gate_requested_) {
        gate_requested_ = true;
        if (counters_) gate_requested_at_ = monotonic_ns();
        gate_waiter_->request();
      }
      run_events();
      return stop_ == StopReason::none;
    }
  }
  LoopWait wait = service_.hooks.loop ? service_.hooks.loop(context_) : LoopWait::forever();
  if (!wait.is_forever()) {
    loop_timer_->add(wait.timeout());
  } else {
    loop_timer_->remove();
  }
  watch_listen_sockets(true);
  // Set before the wait, not as a wake-up begins (see hand_off_timer.h).
  if (hand_off_timer_) {
    hand_off_timer_->arm_unless_armed(hand_off_.settings().busy_after_ns + ns(kHandOffTimerSlack));
  }
  run_events();
  return stop_ == StopReason::none;
}

void DispatchLoop::run_events() {
  waiting();
  base_.run_once();
  working();
  if (events_) events_->collect_cancelled();
  if (events_ && events_->stop_requested()) stop(StopReason::service_stop);
}

void DispatchLoop::finish() {
  if (gate_waiter_) gate_waiter_->stop();  // a gate it took meanwhile is given back
  hand_off_.release_gate();
}

StopReason DispatchLoop::run() {
  while (turn()) {
  }
  finish();
  context_.log.debug(1, "%s -- exiting", describe(stop_));
  return stop_;
}

void DispatchLoop::on_request(std::size_t index) {
  working();
  // After SIGTERM or the service's stop() nothing new is taken, whatever
  // order the events of this turn come in: what is queued stays for the
  // next process.
  if (stop_ != StopReason::none || stop_requested()) return;
  // Several sockets readable in one wait: one whose wake-up gave the gate up
  // leaves the others to whoever holds it now (or to this child's next turn).
  if (!hand_off_.holds_gate()) return;
  int fd = listen_fds_[index];
  context_.log.debug(1, "request arrived on fd %d", fd);
  // What this wake-up counted goes to the file as it ends, however it ends.
  struct FlushAtEnd {
    ServiceCounters* counters;
    ~FlushAtEnd() {
      if (counters) counters->flush();
    }
  } flush_at_end{counters_};
  // Busy from the start (Postfix's way): the gate goes to a sibling and the
  // master hears TAKEN before anything is read, and one batch is taken.
  bool busy = hands_on_ && busy_from_start(hand_off_.settings(), hand_off_.slow(), flow_service_);
  if (hands_on_) hand_off_.begin(busy, watched_ ? monotonic_ns() : 0);
  // A wait longer than the timer's time let it run out with nothing to look
  // at: a quiet wake-up sets it again (one timer_settime after an idle spell;
  // in a flood it is still set from before the wait, and this does nothing).
  if (hand_off_timer_ && !busy) hand_off_timer_->arm_unless_armed(hand_off_.settings().busy_after_ns);
  if (service_.hooks.pre_accept) {
    service_.hooks.pre_accept(context_);
    if (watched_) hand_off_.check(monotonic_ns());
  }
  if (flow_service_ && !take_flow_token(settings_.flow_read_fd)) pause_seconds(settings_.in_flow_delay);
  std::size_t served = 0;
  bool found_empty = false;
  // SIGTERM or stop() during pre_accept or the pause: nothing is taken.
  if (!stop_requested()) served = receive_and_serve(index, busy || !settings_.drain, found_empty);
  if (counters_ && served > 0) counters_->wake_up();
  if (counters_ && hands_on_ && hand_off_.busy()) counters_->busy_turn();
  if (hands_on_ && !hand_off_.end(watched_ ? monotonic_ns() : 0, served, found_empty)) {
    stop(StopReason::status_write_failed);
  }
  arm_idle_timer();
  if (served > 0) supervisor_.served(uses_);
  if (settings_.max_use > 0 && uses_ >= static_cast<unsigned long long>(settings_.max_use)) {
    stop(StopReason::use_limit);
  }
}

std::size_t DispatchLoop::quota() const {
  // Slow datagrams are taken one at a time, so that siblings share them out.
  std::size_t most = hand_off_.slow() ? 1 : receiver_ ? receiver_->batch_limit() : settings_.batch_limit;
  if (settings_.max_use <= 0) return most;
  auto left = static_cast<unsigned long long>(settings_.max_use) - uses_;
  return std::min(most, static_cast<std::size_t>(left));
}

std::size_t DispatchLoop::receive_and_serve(std::size_t index, bool one_receive, bool& found_empty) {
  int fd = listen_fds_[index];
  if (service_.on_socket) {
    std::size_t allowed = quota();
    std::size_t read = server_.serve_socket(fd, allowed);
    uses_ += read;
    found_empty = read < allowed;
    return read;
  }
  HandOff* watch = watched_ ? &hand_off_ : nullptr;
  std::uint64_t until = 0;
  std::size_t served = 0;
  for (;;) {
    std::size_t limit = quota();
    if (limit == 0) break;
    int count = receiver_->receive(fd, limit);
    if (count < 0) {
      note_receive_error(fd, errno);
      break;
    }
    receive_failures_ = 0;
    if (count == 0) {
      found_empty = true;
      break;
    }
    if (served > 0) ++drained_batches_;
    server_.serve(*receiver_, static_cast<std::size_t>(count), fd, index, watch);
    served += static_cast<std::size_t>(count);
    uses_ += static_cast<unsigned long long>(count);
    if (one_receive) break;
    // A wake-up that became busy drains on without the gate, TAKEN said:
    // the master sees a child that is behind, and a sibling serves too.
    if (stop_requested()) break;
    std::uint64_t now = monotonic_ns();
    if (until == 0) until = now + ns(kDrainSpan);
    if (now >= until) break;
    if (watch) watch->check(now);
  }
  return served;
}

void DispatchLoop::note_receive_error(int fd, int error) {
  if (counters_) counters_->receive_error();
  std::string text = "receive on fd " + std::to_string(fd) + ": " + std::strerror(error);
  // A permanent error (not a socket, bad descriptor, ...) would fail every
  // time while the descriptor stays readable: end now, with its cause.
  if (!transient_receive_error(error)) throw Fatal(text, error);
  if (++receive_failures_ >= kMaxReceiveFailures) {
    throw Fatal(text + " (" + std::to_string(receive_failures_) + " times in a row)", error);
  }
  if (receive_failures_ == 1) context_.log.warn("%s", text.c_str());
}

}  // namespace dgram
