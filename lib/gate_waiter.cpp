// SPDX-License-Identifier: MIT
// gate_waiter - one thread that takes the gate while the loop runs on.
#include "gate_waiter.h"

#include <pthread.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

#include "dgram/error.h"

namespace dgram {

namespace {

void set_signal_mask(bool allow_sigterm) noexcept {
  sigset_t mask;
  sigfillset(&mask);
  if (allow_sigterm) sigdelset(&mask, SIGTERM);
  (void)pthread_sigmask(SIG_SETMASK, &mask, nullptr);
}

}  // namespace

GateWaiter::GateWaiter(Gate& gate) : gate_(gate) {
  int fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (fd < 0) throw_errno("gate waiter: eventfd");
  ready_.reset(fd);
  // The thread starts with every signal blocked (it inherits this mask).
  sigset_t all, previous;
  sigfillset(&all);
  if (pthread_sigmask(SIG_SETMASK, &all, &previous) != 0) throw Fatal("gate waiter: pthread_sigmask failed");
  try {
    thread_ = std::thread([this] { run(); });
  } catch (const std::system_error& error) {
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    throw Fatal(std::string("gate waiter: cannot start its thread: ") + error.what());
  }
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  thread_handle_ = thread_.native_handle();
}

GateWaiter::~GateWaiter() {
  {
    std::unique_lock lock(mutex_);
    quitting_ = true;
    // A wait in acquire() ends on SIGTERM (see termination.h); a thread that
    // is not there yet sees quitting_ first. Repeat until it has left.
    while (waiting_in_acquire_) {
      (void)pthread_kill(thread_handle_, SIGTERM);
      lock.unlock();
      ::usleep(1000);
      lock.lock();
    }
  }
  wake_.notify_all();
  thread_.join();
  if (acquired_) {
    try {
      gate_.release();  // taken but never handed over
    } catch (...) {
    }
  }
}

void GateWaiter::request() {
  {
    std::lock_guard lock(mutex_);
    requested_ = true;
  }
  wake_.notify_one();
}

GateWaiter::Outcome GateWaiter::outcome() {
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
  acquired_ = false;  // handed over to the loop
  return acquired ? Outcome::acquired : Outcome::terminated;
}

void GateWaiter::run() noexcept {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return requested_ || quitting_; });
    if (quitting_) return;
    requested_ = false;
    waiting_in_acquire_ = true;
    lock.unlock();
    bool acquired = false;
    std::exception_ptr failure;
    set_signal_mask(true);
    try {
      acquired = gate_.acquire();
    } catch (...) {
      failure = std::current_exception();
    }
    set_signal_mask(false);
    lock.lock();
    waiting_in_acquire_ = false;
    acquired_ = acquired;
    failure_ = failure;
    std::uint64_t one = 1;
    (void)!::write(ready_.get(), &one, sizeof(one));
  }
}

}  // namespace dgram
