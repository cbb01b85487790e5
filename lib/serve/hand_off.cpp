// SPDX-License-Identifier: MIT
// hand_off - quiet and busy wake-ups: the decisions and the one place that hands on.
#include "serve/hand_off.h"

#include <cerrno>
#include <cstring>
#include <string>

#include "dgram/error.h"

namespace dgram {

bool turns_watched(const HandOffSettings& settings) noexcept {
  return settings.busy_after_ns > 0 && (settings.has_gate || settings.report_status);
}

bool busy_from_start(const HandOffSettings& settings, bool slow, bool flow_pause) noexcept {
  if (!settings.has_gate && !settings.report_status) return false;  // nothing to hand on
  return settings.busy_after_ns == 0 || slow || flow_pause;
}

bool hand_on_now(std::uint64_t streak_ns, std::uint64_t callback_ns, const HandOffSettings& settings) noexcept {
  if (settings.busy_after_ns == 0) return false;  // busy from the start, or never watched
  return callback_ns >= settings.busy_after_ns || (settings.more_cpus && streak_ns >= settings.busy_after_ns);
}

bool datagrams_were_slow(std::uint64_t wake_up_ns, std::size_t served, std::uint64_t busy_after_ns) noexcept {
  return served > 0 && busy_after_ns > 0 && wake_up_ns / served >= busy_after_ns;
}

HandOff::HandOff(Gate* gate, Supervisor& supervisor, HandOffSettings settings) noexcept
    : gate_(gate), supervisor_(supervisor), settings_(settings), state_(gate ? kFree : kHeld) {}

void HandOff::release_gate() {
  if (state_.load() != kHeld) return;
  state_.store(kFree);
  if (gate_) gate_->release();
}

bool HandOff::claim_busy() noexcept {
  int expected = kQuiet;
  return state_.compare_exchange_strong(expected, kBusy);
}

void HandOff::release_and_report() {
  if (gate_) gate_->release();
  // A failed TAKEN write is not fatal: the AVAIL write at the end decides.
  if (settings_.report_status) (void)supervisor_.busy();
}

void HandOff::begin(bool busy, std::uint64_t now) {
  wake_up_started_ = now;
  last_progress_.store(now, std::memory_order_relaxed);
  if (busy) {
    // Postfix's order: the gate goes to a sibling before anything is read.
    state_.store(kBusy);
    in_streak_ = false;
    release_and_report();
    return;
  }
  if (!in_streak_) {
    in_streak_ = true;
    streak_started_.store(now, std::memory_order_relaxed);
  }
  state_.store(kQuiet);
}

void HandOff::check(std::uint64_t now) {
  if (state_.load() != kQuiet) return;
  std::uint64_t streak = now - streak_started_.load(std::memory_order_relaxed);
  std::uint64_t callback = now - last_progress_.load(std::memory_order_relaxed);
  last_progress_.store(now, std::memory_order_relaxed);
  if (hand_on_now(streak, callback, settings_) && claim_busy()) release_and_report();
}

void HandOff::become_busy() {
  if (claim_busy()) release_and_report();
}

bool HandOff::end(std::uint64_t now, std::size_t served, bool found_empty) {
  int was = state_.exchange(kFree);  // the handler acts on kQuiet only
  bool busy = was == kBusy;
  state_.store(busy && gate_ ? kFree : kHeld);  // without a gate there is nothing to take again
  if (found_empty || busy) in_streak_ = false;
  if (served > 0) slow_ = datagrams_were_slow(now - wake_up_started_, served, settings_.busy_after_ns);
  if (int error = handler_error_.exchange(0); error != 0) {
    throw Fatal(std::string("release the gate during a long callback: ") + std::strerror(error), error);
  }
  if (busy && settings_.report_status) return supervisor_.idle();
  return true;
}

std::uint64_t HandOff::on_timer(std::uint64_t now) noexcept {
  if (state_.load() != kQuiet) return 0;
  std::uint64_t streak = now - streak_started_.load(std::memory_order_relaxed);
  std::uint64_t callback = now - last_progress_.load(std::memory_order_relaxed);
  if (!hand_on_now(streak, callback, settings_)) {
    // Look again when the younger of the two could first be due.
    std::uint64_t due = settings_.busy_after_ns - callback;
    if (settings_.more_cpus && settings_.busy_after_ns - streak < due) due = settings_.busy_after_ns - streak;
    return due;
  }
  if (!claim_busy()) return 0;
  if (gate_) {
    int result = gate_->release_in_signal_handler();
    if (result < 0) {
      state_.store(kQuiet);  // this gate is handed on between callbacks only
      return 0;
    }
    if (result > 0) handler_error_.store(result);
  }
  if (settings_.report_status) (void)supervisor_.busy();
  return 0;
}

}  // namespace dgram
