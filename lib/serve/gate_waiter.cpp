// SPDX-License-Identifier: MIT
// gate_waiter - one helper thread that takes the gate while the loop runs on.
#include "serve/gate_waiter.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <string>
#include <system_error>

#include "dgram/error.h"
#include "serve/skeleton_signals.h"

namespace dgram {

namespace {

// Only interrupts: the blocking call in acquire() returns EINTR.
void on_gate_wake(int) {}

}  // namespace

GateWaiter::GateWaiter(Gate& gate) : gate_(gate) {
  int fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (fd < 0) throw_errno("gate waiter: eventfd");
  ready_.reset(fd);
  struct sigaction action {};
  action.sa_handler = on_gate_wake;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;  // no SA_RESTART: that is the point
  if (::sigaction(gate_wake_signal(), &action, &previous_) < 0) throw_errno("gate waiter: sigaction");
  // The thread starts with every signal but gate_wake_signal() blocked (it
  // inherits the mask in force here), so that the others go to the loop's thread.
  sigset_t mask, previous;
  sigfillset(&mask);
  sigdelset(&mask, gate_wake_signal());
  int error = pthread_sigmask(SIG_SETMASK, &mask, &previous);
  if (error == 0) {
    try {
      thread_ = std::thread([this] { run(); });
    } catch (const std::system_error& failure) {
      error = failure.code().value() ? failure.code().value() : EAGAIN;
    }
    (void)pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  }
  if (error != 0) {
    (void)::sigaction(gate_wake_signal(), &previous_, nullptr);
    throw Fatal(std::string("gate waiter: cannot start its thread: ") + std::strerror(error), error);
  }
}

GateWaiter::~GateWaiter() { stop(); }

void GateWaiter::request() {
  {
    std::lock_guard lock(mutex_);
    requested_ = true;
  }
  wake_.notify_one();
}

bool GateWaiter::take() {
  std::uint64_t count = 0;
  while (::read(ready_.get(), &count, sizeof(count)) < 0 && errno == EINTR) {
  }
  std::lock_guard lock(mutex_);
  if (failure_) {
    auto failure = failure_;
    failure_ = nullptr;
    std::rethrow_exception(failure);
  }
  bool acquired = acquired_;
  acquired_ = false;  // the loop's now
  return acquired;
}

void GateWaiter::stop() noexcept {
  if (!thread_.joinable()) return;
  std::unique_lock lock(mutex_);
  stopping_ = true;
  requested_ = false;
  wake_.notify_all();
  // Interrupt acquire() until the thread has left it; a signal that came
  // before it entered the blocking call is answered by the next one.
  while (in_acquire_) {
    (void)pthread_kill(thread_.native_handle(), gate_wake_signal());
    wake_.wait_for(lock, std::chrono::milliseconds(1));
  }
  lock.unlock();
  thread_.join();
  (void)::sigaction(gate_wake_signal(), &previous_, nullptr);
  if (acquired_) {
    acquired_ = false;
    try {
      gate_.release();  // taken after the loop stopped wanting it
    } catch (...) {
      // Ending anyway: the lock goes with the process.
    }
  }
}

void GateWaiter::run() noexcept {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return requested_ || stopping_; });
    if (stopping_) return;
    in_acquire_ = true;
    lock.unlock();
    bool acquired = false;
    std::exception_ptr failure;
    try {
      acquired = gate_.acquire();
    } catch (...) {
      failure = std::current_exception();
    }
    lock.lock();
    in_acquire_ = false;
    wake_.notify_all();  // stop() waits for this
    if (!acquired && !failure) continue;  // interrupted: wanted still unless stopping
    requested_ = false;
    acquired_ = acquired;
    failure_ = failure;
    std::uint64_t one = 1;
    (void)!::write(ready_.get(), &one, sizeof(one));
  }
}

}  // namespace dgram
