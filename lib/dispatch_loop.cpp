// dispatch_loop - serving requests one turn at a time.
#include "dispatch_loop.h"

#include <event2/event.h>
#include <signal.h>
#include <sys/socket.h>
#include <time.h>

#include <cerrno>
#include <algorithm>
#include <cstring>
#include <exception>
#include <string>

#include "dgram/error.h"
#include "termination.h"

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
    bool acquired = gate_->acquire();
    working();
    if (!acquired) {
      stop_reason_ = "terminated by SIGTERM";
      return false;
    }
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
  // After SIGTERM nothing new is taken, whatever order the events of this
  // turn come in: what is queued stays for the next process.
  if (TerminationLatch::requested()) {
    stop("terminated by SIGTERM");
    return;
  }
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
  if (service_.on_socket) return serve_socket(fd);
  int count = receiver_->receive(fd, quota());
  if (count < 0) {
    note_receive_error(fd, errno);
    return 0;
  }
  receive_failures_ = 0;
  serve_batch(static_cast<std::size_t>(count));
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

void DispatchLoop::serve_batch(std::size_t count) {
  // Every datagram taken from the socket is served before anything else can
  // end the process: exit reasons are looked at only between batches. A
  // datagram whose service throws is lost, and only that one: the rest of
  // the batch is still served, then the process ends with the first failure.
  std::exception_ptr first_failure;
  std::size_t first_failed = 0;
  std::size_t failures = 0;
  for (std::size_t i = 0; i < count; ++i) {
    if (watchdog_) watchdog_->in_hand(count - i);
    Datagram datagram = receiver_->datagram(i);
    if (datagram.truncated) {
      context_.log.warn("datagram of %zu bytes truncated to the %zu-byte receive buffer",
                        datagram.length, datagram.data.size());
    }
    try {
      service_.on_datagram(datagram, context_);
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
