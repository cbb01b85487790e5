// SPDX-License-Identifier: MIT
// dispatch_loop - serving requests one turn at a time.
#include "dispatch_loop.h"

#include <event2/event.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <time.h>

#include <cerrno>
#include <cstdint>
#include <algorithm>
#include <cstring>
#include <exception>
#include <string>
#include <system_error>

#include "dgram/error.h"
#include "termination.h"

namespace dgram {

namespace {

std::uint64_t monotonic_ns() noexcept {
  timespec now{};
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<std::uint64_t>(now.tv_sec) * 1000000000u + static_cast<std::uint64_t>(now.tv_nsec);
}

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

// BlockingWhile - the listen socket's file in blocking mode for the direct
// receive, and back in non-blocking mode when it ends, also by an exception.
// (The master and the other children read it with MSG_DONTWAIT or not at all.)
class BlockingWhile {
 public:
  explicit BlockingWhile(int fd) : fd_(fd), flags_(::fcntl(fd, F_GETFL)) {
    ok_ = flags_ >= 0 && ((flags_ & O_NONBLOCK) == 0 || ::fcntl(fd, F_SETFL, flags_ & ~O_NONBLOCK) == 0);
    if (!ok_) error_ = errno;
  }
  ~BlockingWhile() {
    if (ok_ && (flags_ & O_NONBLOCK) != 0) (void)::fcntl(fd_, F_SETFL, flags_);
  }
  // Puts the non-blocking mode back now; false (errno set) when that failed.
  bool restore() {
    if (!ok_ || (flags_ & O_NONBLOCK) == 0) return true;
    ok_ = false;
    return ::fcntl(fd_, F_SETFL, flags_) == 0;
  }
  bool ok() const { return ok_; }
  int error() const { return error_; }
  BlockingWhile(const BlockingWhile&) = delete;
  BlockingWhile& operator=(const BlockingWhile&) = delete;

 private:
  int fd_;
  int flags_;
  bool ok_ = false;
  int error_ = 0;
};

// what_failed - the text of the exception being handled.
std::string what_failed(std::exception_ptr error) {
  try {
    std::rethrow_exception(error);
  } catch (const Fatal& fatal) {
    return fatal.what();
  } catch (const std::exception& other) {
    return std::string("unexpected error: ") + other.what();
  } catch (...) {
    return "unexpected error of unknown type";
  }
}

}  // namespace

DispatchLoop::DispatchLoop(EventBase& base, const Service& service, Context& context,
                           StatusChannel& status, Gate* gate, Watchdog* watchdog,
                           ServiceEvents* events, const std::vector<int>& listen_fds,
                           DispatchSettings settings)
    : service_(service),
      context_(context),
      status_(status),
      gate_(gate),
      watchdog_(watchdog),
      events_(events),
      listen_fds_(listen_fds),
      settings_(settings),
      base_(base) {
  if (!service_.on_socket) {
    receiver_ = std::make_unique<BatchReceiver>(service_.receive_buffer, settings_.batch_limit,
                                                service_.receive);
  }
  if (service_.on_batch) batch_.reserve(settings_.batch_limit);
  // Turns are timed only where being busy changes something: a sibling
  // waits for the gate, or the master reads TAKEN and AVAIL.
  watch_turn_ = settings_.busy_after_usec > 0 && (gate_ != nullptr || settings_.report_status);
  if (watch_turn_) turn_timer_ = std::make_unique<TurnTimer>([this] { on_turn_timer(); });
  for (std::size_t i = 0; i < listen_fds.size(); ++i) {
    listen_events_.push_back(std::make_unique<Event>(base_, listen_fds[i], EV_READ | EV_PERSIST,
                                                     [this, i](short) { on_request(i); }));
  }
  // Without a master (systemd, --listen) there is no status channel to watch.
  if (status_.fd() >= 0) {
    status_event_ = std::make_unique<Event>(base_, status_.fd(), EV_READ | EV_PERSIST,
                                            [this](short) { stop("master disconnect"); });
    status_event_->add();
  }
  // SIGTERM (the master stopping its process group) ends the loop the normal
  // way: what is in hand is finished and the exit hook runs. Under run() the
  // latch has caught SIGTERM since start-up; its pipe is readable once it came.
  if (int wake = TerminationLatch::wake_fd(); wake >= 0) {
    terminate_event_ = std::make_unique<Event>(base_, wake, EV_READ | EV_PERSIST,
                                               [this](short) { stop("terminated by SIGTERM"); });
  } else {
    terminate_event_ = std::make_unique<Event>(base_, SIGTERM, EV_SIGNAL | EV_PERSIST,
                                               [this](short) { stop("terminated by SIGTERM"); });
  }
  terminate_event_->add();
  idle_timer_ = std::make_unique<Event>(base_, -1, 0, [this](short) { stop("idle timeout"); });
  loop_timer_ = std::make_unique<Event>(base_, -1, 0, [](short) {});
  if (events_) events_->set_stop_listener([this] { base_.break_turn(); });
  // The gate is waited for off the loop where SIGTERM can end that wait
  // (the latch is installed); else acquire() blocks the loop, as in Postfix.
  if (gate_ && TerminationLatch::wake_fd() >= 0) {
    gate_waiter_ = std::make_unique<GateWaiter>(*gate_);
    gate_event_ = std::make_unique<Event>(base_, gate_waiter_->ready_fd(), EV_READ | EV_PERSIST,
                                          [this](short) { on_gate_ready(); });
    gate_event_->add();
  }
  arm_idle_timer();
  direct_ = settings_.direct_receive && start_direct_receive();
}

bool DispatchLoop::start_direct_receive() {
  // Each of these owes something per wake-up that the direct receive would
  // skip. A gate or the status reports owe nothing in a quiet turn (the gate
  // is kept, nothing is reported), so they only rule it out where every
  // wake-up is busy (busy_after_usec 0: no turn is watched).
  if (((gate_ || settings_.report_status) && !watch_turn_) || !receiver_ || listen_fds_.size() != 1 ||
      settings_.batch_limit < 2 || service_.hooks.loop ||
      (service_.flags.in_flow_delay && settings_.flow_read_fd >= 0)) {
    return false;
  }
  auto wait = std::chrono::duration_cast<std::chrono::microseconds>(kDirectReceiveWait);
  timeval timeout{static_cast<time_t>(wait.count() / 1000000), static_cast<suseconds_t>(wait.count() % 1000000)};
  if (::setsockopt(listen_fds_[0], SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout)) < 0) {
    context_.log.warn("receive timeout on fd %d: %s: waiting in the event loop only", listen_fds_[0],
                      std::strerror(errno));
    return false;
  }
  return true;
}

DispatchLoop::~DispatchLoop() {
  if (direct_) {
    timeval none{0, 0};
    (void)::setsockopt(listen_fds_[0], SOL_SOCKET, SO_RCVTIMEO, &none, sizeof(none));
  }
  gate_event_.reset();   // off the loop before its eventfd goes
  gate_waiter_.reset();  // joins the thread while the gate still exists
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
  if (gate_waiter_->outcome() == GateWaiter::Outcome::acquired) {
    gate_held_ = true;
  } else {
    stop("terminated by SIGTERM");
  }
  base_.break_turn();  // the next turn runs the loop hook with the gate held
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
  if (events_ && events_->stop_requested()) {
    stop_reason_ = "the service asked to stop";
    return false;
  }
  if (gate_ && !gate_held_) {
    if (gate_waiter_) {
      if (!gate_requested_ && gate_->try_acquire()) {
        gate_held_ = true;  // free: no hand-off to the thread needed
      } else {
        // Wait for the gate with the loop running: the service's events, the
        // master, SIGTERM and the idle timer still count; requests do not.
        watch_listen_sockets(false);
        if (!gate_requested_) {
          gate_requested_ = true;
          gate_waiter_->request();
        }
        run_events();
        return !stop_reason_;
      }
    } else {
      waiting();
      bool acquired = gate_->acquire();
      working();
      if (!acquired) {
        stop_reason_ = "terminated by SIGTERM";
        return false;
      }
      gate_held_ = true;
    }
  }
  int delay = service_.hooks.loop ? service_.hooks.loop(context_) : -1;
  if (delay >= 0) {
    loop_timer_->add(std::chrono::seconds(delay));
  } else {
    loop_timer_->remove();
  }
  watch_listen_sockets(true);
  run_events();
  return !stop_reason_;
}

void DispatchLoop::run_events() {
  before_wait();
  waiting();
  base_.run_once();
  working();
  if (events_) events_->collect_cancelled();
  if (events_ && events_->stop_requested() && !stop_reason_) stop_reason_ = "the service asked to stop";
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
    if (gate_waiter_) watch_listen_sockets(false);  // until the gate is ours again
    gate_->release();
  }
}

void DispatchLoop::on_request(std::size_t index) {
  working();
  if (stop_reason_) return;  // a reason to exit was found earlier in this turn
  // After SIGTERM or the service's stop() nothing new is taken, whatever
  // order the events of this turn come in: what is queued stays for the
  // next process.
  if (TerminationLatch::requested()) {
    stop("terminated by SIGTERM");
    return;
  }
  if (events_ && events_->stop_requested()) {
    stop("the service asked to stop");
    return;
  }
  int fd = listen_fds_[index];
  context_.log.debug(1, "request arrived on fd %d", fd);
  // Postfix's way (and ours for a service whose datagrams are slow): the
  // gate goes to a sibling and the master hears TAKEN before anything is read.
  bool postfix_way = settings_.busy_after_usec == 0 || slow_;
  busy_reported_ = false;
  if (postfix_way) release_gate();
  if (service_.hooks.pre_accept) service_.hooks.pre_accept(context_);
  if (postfix_way) become_busy();
  if (service_.flags.in_flow_delay && settings_.flow_read_fd >= 0 &&
      !take_flow_token(settings_.flow_read_fd)) {
    pause_seconds(settings_.in_flow_delay);
  }
  start_turn(!postfix_way);
  std::size_t served = receive_and_serve(index);
  end_turn(served);
  uses_ += served;
  // A turn that stayed quiet (or a child that owes nothing per turn) waits
  // for the next batch in the receive; a busy or slow one goes back to the loop.
  if (direct_ && served > 0 && !busy_reported_ && !slow_) serve_directly(index);
  if (busy_reported_ && settings_.report_status && !status_.notify(ChildStatus::avail)) {
    stop("master status channel write failed");
  }
  arm_idle_timer();
  if (served > 0 && served_listener_) served_listener_();
  if (settings_.max_use > 0 && uses_ >= static_cast<unsigned long long>(settings_.max_use)) {
    stop("use limit reached");
  }
}

std::uint64_t DispatchLoop::busy_after_ns() const noexcept {
  return static_cast<std::uint64_t>(settings_.busy_after_usec) * 1000u;
}

void DispatchLoop::start_turn(bool quiet) {
  if (!watch_turn_) return;
  std::uint64_t now = monotonic_ns();
  // Turns that come back to back leave the time already set alone (see
  // before_wait); after a pause of a quarter of the threshold it is set afresh.
  short_gaps_ = last_turn_end_ != 0 && now - last_turn_end_ < busy_after_ns() / 4;
  turn_started_.store(now, std::memory_order_relaxed);
  if (quiet) {
    turn_state_.store(kQuiet);
    // Armed already (by an earlier turn): the timer's thread looks at this
    // turn when it comes due, and arms again for what is left of it.
    if (!timer_armed_.exchange(true)) turn_timer_->arm(std::chrono::microseconds(settings_.busy_after_usec));
  }
}

void DispatchLoop::end_turn(std::size_t served) {
  if (!watch_turn_) return;
  if (settle_turn()) busy_reported_ = true;
  last_turn_end_ = monotonic_ns();
  if (served > 0) {
    // Whether one datagram alone makes a turn busy decides the next turn.
    slow_ = (last_turn_end_ - turn_started_.load(std::memory_order_relaxed)) / served >= busy_after_ns();
  }
}

void DispatchLoop::before_wait() {
  if (!watch_turn_) return;
  // The turn timer is set before the wait, for the threshold and the
  // direct receive's longest wait: the next turn then starts without a
  // timerfd_settime() between the datagram's arrival and its callback
  // (setting a near time reprograms the CPU's timer; measured on a KVM
  // guest at 1,000 datagrams/s it put 9 us on the median latency), and
  // the timer's thread arms it again for what is left of a turn that began
  // later. In a flood (turns back to back) a time already set is left
  // alone: one call per threshold, not one per batch. After a longer wait
  // it has come due once with no turn, and stopped.
  bool armed = timer_armed_.exchange(true);
  if (!armed || !short_gaps_) {
    rearm_turn_timer(busy_after_ns() + static_cast<std::uint64_t>(
                                           std::chrono::nanoseconds(kDirectReceiveWait).count()));
  }
}

void DispatchLoop::serve_directly(std::size_t index) {
  int fd = listen_fds_[index];
  BlockingWhile blocking(fd);
  if (!blocking.ok()) {
    context_.log.warn("blocking mode for fd %d: %s: waiting in the event loop only", fd,
                      std::strerror(blocking.error()));
    direct_ = false;
    return;
  }
  // Out of epoll meanwhile: each datagram sent would otherwise also run
  // epoll's wake-up callback in the sender (measured: 5% of the CPU's
  // time). Back in at the end; after a Fatal from a service the loop ends.
  watch_listen_sockets(false);
  const std::uint64_t until =
      monotonic_ns() + static_cast<std::uint64_t>(
                           std::chrono::duration_cast<std::chrono::nanoseconds>(kDirectReceiveSpan).count());
  // Nothing new is taken after SIGTERM or the service's stop(), as in on_request.
  while (!stop_reason_ && !TerminationLatch::requested() && !(events_ && events_->stop_requested())) {
    std::size_t limit = quota();
    if (limit == 0) break;
    before_wait();
    waiting();
    int count = receiver_->receive_waiting(fd, limit);
    working();
    if (count < 0) {
      if (errno == EINTR) break;  // a signal: its event is in the loop
      int error = errno;
      if (!blocking.restore()) context_.log.warn("non-blocking mode for fd %d: %s", fd, std::strerror(errno));
      note_receive_error(fd, error);
      break;
    }
    if (count == 0) break;  // kDirectReceiveWait without a datagram
    receive_failures_ = 0;
    ++direct_batches_;
    // Once per wake-up, as in on_request; here the datagrams are in hand
    // already (nothing a pre_accept hook can do changes what was queued).
    if (service_.hooks.pre_accept) service_.hooks.pre_accept(context_);
    // Each batch is a quiet turn of its own (with the gate kept): one that
    // lasts busy_after_usec is handed on as in on_request, and ends this.
    start_turn(true);
    serve_batch(index, static_cast<std::size_t>(count));
    end_turn(static_cast<std::size_t>(count));
    uses_ += static_cast<unsigned long long>(count);
    if (busy_reported_ || slow_) break;
    if (monotonic_ns() >= until) break;
  }
  if (!blocking.restore()) {
    throw Fatal("non-blocking mode for fd " + std::to_string(fd) + " after a direct receive: " +
                std::strerror(errno));
  }
  // A turn that was handed on gave the gate up: the sockets wait for it again.
  if (!gate_ || gate_held_) watch_listen_sockets(true);
}

void DispatchLoop::rearm_turn_timer(std::uint64_t after_ns) noexcept {
  try {
    turn_timer_->arm(std::chrono::microseconds(std::max<std::uint64_t>(after_ns / 1000u, 1)));
  } catch (...) {
    // The turn is then looked at between datagrams only; the next turn arms again.
    timer_armed_.store(false);
  }
}

void DispatchLoop::on_turn_timer() noexcept {
  int expected = kQuiet;
  if (!turn_state_.compare_exchange_strong(expected, kHanding)) {
    // No quiet turn now: the timer stops. A turn that began after the
    // check above found it armed and left it: arm it for that turn.
    timer_armed_.store(false);
    if (turn_state_.load() == kQuiet && !timer_armed_.exchange(true)) {
      std::uint64_t lasted = monotonic_ns() - turn_started_.load(std::memory_order_relaxed);
      rearm_turn_timer(lasted < busy_after_ns() ? busy_after_ns() - lasted : 1);
    }
    return;
  }
  // The time was armed by an earlier turn (the timer stays armed across
  // short waits): this one may be younger. Arm again for what it has left.
  std::uint64_t lasted = monotonic_ns() - turn_started_.load(std::memory_order_relaxed);
  if (lasted < busy_after_ns()) {
    rearm_turn_timer(busy_after_ns() - lasted);
    turn_state_.store(kQuiet);
    turn_state_.notify_all();
    return;
  }
  try {
    gate_->release();  // a flock() belongs to the open file: any thread may drop it
  } catch (const std::system_error& error) {
    hand_off_error_.store(error.code().value() != 0 ? error.code().value() : EIO);
  } catch (...) {
    hand_off_error_.store(EIO);
  }
  // A failed TAKEN report is not fatal: the AVAIL report decides.
  if (settings_.report_status) (void)status_.notify(ChildStatus::taken);
  timer_armed_.store(false);  // before kHanded: the next quiet turn arms it
  turn_state_.store(kHanded);
  turn_state_.notify_all();
}

bool DispatchLoop::settle_turn() {
  for (;;) {
    int state = kQuiet;
    if (turn_state_.compare_exchange_strong(state, kIdle) || state == kIdle) return false;
    if (state == kHanding) {
      // The timer's thread is looking at this turn: it hands it on (kHanded)
      // or, finding it younger than the threshold, gives it back (kQuiet).
      turn_state_.wait(kHanding);
      continue;
    }
    break;  // kHanded
  }
  turn_state_.store(kIdle);
  // The timer's thread released the gate and wrote TAKEN: the loop's side of it.
  if (gate_held_) {
    gate_held_ = false;
    if (gate_waiter_) watch_listen_sockets(false);
  }
  if (int error = hand_off_error_.exchange(0); error != 0) {
    throw Fatal(std::string("release the gate after a long turn: ") + std::strerror(error));
  }
  return true;
}

void DispatchLoop::become_busy() {
  if (busy_reported_) return;
  // The timer's thread may have handed this turn on already.
  if (watch_turn_ && settle_turn()) {
    busy_reported_ = true;
    return;
  }
  busy_reported_ = true;
  release_gate();
  // A failed TAKEN report is not fatal: the AVAIL report decides.
  if (settings_.report_status) (void)status_.notify(ChildStatus::taken);
}

void DispatchLoop::check_busy() {
  if (!watch_turn_ || busy_reported_) return;
  if (monotonic_ns() - turn_started_.load(std::memory_order_relaxed) >= busy_after_ns()) {
    become_busy();
  }
}

std::size_t DispatchLoop::quota() const {
  // Slow datagrams are taken one at a time, so that siblings share them out.
  std::size_t most = slow_ ? 1 : receiver_ ? receiver_->batch_limit() : kMaxReceiveBatch;
  if (settings_.max_use <= 0) return most;
  auto left = static_cast<unsigned long long>(settings_.max_use) - uses_;
  return std::min(most, static_cast<std::size_t>(left));
}

std::size_t DispatchLoop::receive_and_serve(std::size_t index) {
  int fd = listen_fds_[index];
  if (service_.on_socket) return serve_socket(fd);
  int count = receiver_->receive(fd, quota());
  if (count < 0) {
    note_receive_error(fd, errno);
    return 0;
  }
  receive_failures_ = 0;
  serve_batch(index, static_cast<std::size_t>(count));
  return static_cast<std::size_t>(count);
}

void DispatchLoop::note_receive_error(int fd, int error) {
  std::string text = "receive on fd " + std::to_string(fd) + ": " + std::strerror(error);
  // A permanent error (not a socket, bad descriptor, ...) would fail every
  // time while the descriptor stays readable: end now, with its cause.
  if (!transient_receive_error(error)) throw Fatal(text);
  if (++receive_failures_ >= kMaxReceiveFailures) {
    throw Fatal(text + " (" + std::to_string(receive_failures_) + " times in a row)");
  }
  if (receive_failures_ == 1) context_.log.warn("%s", text.c_str());
}

std::size_t DispatchLoop::serve_socket(int fd) {
  std::size_t allowed = std::min(quota(), settings_.batch_limit);
  std::size_t read = service_.on_socket(SocketReady{fd, allowed}, context_);
  check_busy();
  if (read > allowed) {
    throw Fatal("service read " + std::to_string(read) + " datagrams from fd " + std::to_string(fd) +
                " where it was allowed " + std::to_string(allowed) +
                ": an on_socket service must read at most SocketReady::max_datagrams");
  }
  if (read > 0) {
    empty_socket_turns_ = 0;
  } else if (++empty_socket_turns_ >= kMaxEmptySocketTurns) {
    throw Fatal("service read nothing from readable fd " + std::to_string(fd) + " " +
                std::to_string(empty_socket_turns_) +
                " times in a row: an on_socket service must read what is queued");
  }
  return read;
}

void DispatchLoop::serve_batch(std::size_t index, std::size_t count) {
  if (count == 0) return;
  // Every datagram taken from the socket is served before anything else can
  // end the process: exit reasons are looked at only between batches.
  auto take = [&](std::size_t i) {
    Datagram datagram = receiver_->datagram(i);
    datagram.socket_fd = listen_fds_[index];
    datagram.socket_index = index;
    if (datagram.truncated) {
      context_.log.warn("datagram of %zu bytes truncated to the %zu-byte receive buffer",
                        datagram.length, datagram.data.size());
    }
    return datagram;
  };
  if (service_.on_batch) {
    // The whole batch is in hand at once: a failure loses it (and says so).
    batch_.clear();
    for (std::size_t i = 0; i < count; ++i) batch_.push_back(take(i));
    if (watchdog_) watchdog_->in_hand(count);
    try {
      service_.on_batch(std::span<const Datagram>(batch_), context_);
      check_busy();
    } catch (...) {
      if (watchdog_) watchdog_->in_hand(0);
      throw Fatal(what_failed(std::current_exception()) + " (in a batch of " + std::to_string(count) +
                  (count == 1 ? " datagram)" : " datagrams, none of them known to be served)"));
    }
    if (watchdog_) watchdog_->in_hand(0);
    return;
  }
  // One at a time: a datagram whose service throws is lost, and only that
  // one: the rest of the batch is still served, then the process ends with
  // the first failure.
  std::exception_ptr first_failure;
  std::size_t first_failed = 0;
  std::size_t failures = 0;
  for (std::size_t i = 0; i < count; ++i) {
    if (watchdog_) watchdog_->in_hand(count - i);
    Datagram datagram = take(i);
    try {
      service_.on_datagram(datagram, context_);
      if (i + 1 < count) check_busy();  // long enough that a sibling should take the next?
    } catch (...) {
      if (failures++ == 0) {
        first_failure = std::current_exception();
        first_failed = i + 1;
      }
    }
  }
  if (watchdog_) watchdog_->in_hand(0);
  if (failures == 0) return;
  std::string text = what_failed(first_failure);
  if (count > 1) {
    text += " (datagram " + std::to_string(first_failed) + " of a batch of " + std::to_string(count);
    if (failures > 1) text += "; " + std::to_string(failures) + " of them failed";
    text += "; the other " + std::to_string(count - failures) + " were served)";
  }
  throw Fatal(text);
}

}  // namespace dgram
