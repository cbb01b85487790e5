// SPDX-License-Identifier: MIT
// hand_off - when a turn gives the gate to a sibling and tells the master
// TAKEN, decided in one place (pure functions) and done in one place.
//
// DESCRIPTION
//   A child that shares its socket holds the gate while it waits for
//   requests. A wake-up is either
//     quiet  the gate is kept and nothing is reported: the child is keeping
//            up, the master's view could not change, and no sibling is woken;
//     busy   the gate goes to a sibling and the master hears TAKEN (then
//            AVAIL when the wake-up ends): the master may start another
//            child, and a sibling serves what keeps arriving.
//   A wake-up is busy from its start where there is no threshold (Postfix's
//   hand-off, dgram_busy_after_usec = 0) and after datagrams that each took
//   the threshold (slow ones, served one per wake-up). A quiet one becomes
//   busy once the child has been serving without finding its socket empty
//   for the threshold (a streak of wake-ups that each drained the socket
//   only to find more; where a sibling could run on another CPU), or when
//   one callback has run for the threshold. So a child that a flood keeps
//   behind tells the master it is busy, however short each datagram is, and
//   one that drains its queue keeps its cheap quiet wake-ups. A child that
//   may run on one CPU only keeps its streaks quiet: siblings would take
//   turns with it on that CPU, not add one.
//
//   The streak is looked at between datagrams (check()) and, during one
//   long callback, from the hand-off signal's handler (on_timer(), called by
//   HandOffTimer on the loop's thread): there the gate is released with
//   Gate::release_in_signal_handler() and TAKEN written by the supervisor's
//   busy() (a write(2)), both async-signal-safe. A gate that cannot be released from a handler
//   is handed on when the callback returns.
//
// THREADS
//   One: the loop's. on_timer() runs in a signal handler on that thread, so
//   the state it shares with the rest is one lock-free atomic that each side
//   changes with compare-and-swap (the handler can interrupt the loop, never
//   the other way round), and a failure there is kept as an errno for end().
//
// DIAGNOSTICS
//   begin(), check(), become_busy() and release_gate() let the gate's Fatal
//   through; end() throws Fatal (with the errno) for a release that failed in
//   the handler. A failed TAKEN write is not fatal (AVAIL decides): end()
//   returns false when the AVAIL write failed.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "dgram/embedding.h"
#include "serve/supervisor.h"

namespace dgram {

struct HandOffSettings {
  std::uint64_t busy_after_ns = 0;  // dgram_busy_after_usec; 0: every wake-up is busy
  bool report_status = false;       // busy and idle are told to the supervisor (the master)
  bool has_gate = false;            // a sibling may wait for the gate
  // The child may run on more than one CPU (its affinity; its siblings,
  // forked by the same master, share it): a sibling can take on part of a
  // flood. On one CPU it could only take turns with this child for it.
  bool more_cpus = true;
};

// The decisions, free of clocks and system calls.
//
// Whether wake-ups are watched at all: being busy changes something (a
// sibling waits for the gate, or the master reads the reports) and quiet
// wake-ups exist (a threshold is set).
bool turns_watched(const HandOffSettings& settings) noexcept;
// Whether a wake-up is busy from its start: there is something to hand on
// and no threshold, or its datagrams are known to be slow, or it must pause
// for a flow token (never with the gate held).
bool busy_from_start(const HandOffSettings& settings, bool slow, bool flow_pause) noexcept;
// Whether to hand on now: one callback (or pre_accept) has run for the
// threshold, or the child has served for the threshold without finding its
// socket empty and a sibling could run beside it (settings.more_cpus).
bool hand_on_now(std::uint64_t streak_ns, std::uint64_t callback_ns, const HandOffSettings& settings) noexcept;
// Whether the datagrams of a wake-up each took the threshold (the next
// wake-up is then busy from its start and takes one datagram).
bool datagrams_were_slow(std::uint64_t wake_up_ns, std::size_t served, std::uint64_t busy_after_ns) noexcept;

class HandOff {
 public:
  // gate may be null (a child alone on its socket); the supervisor hears
  // busy and idle when settings.report_status.
  HandOff(Gate* gate, Supervisor& supervisor, HandOffSettings settings) noexcept;

  // May the child wait for requests: it holds the gate (or has none).
  bool holds_gate() const noexcept { return state_.load() == kHeld; }
  // The loop took the gate.
  void gate_taken() noexcept { state_.store(kHeld); }
  // Gives the gate back between wake-ups (the child stops). Throws Fatal.
  void release_gate();

  // A wake-up begins, busy or quiet, at now (CLOCK_MONOTONIC ns).
  void begin(bool busy, std::uint64_t now);
  // Between datagrams: a quiet streak that lasted the threshold becomes busy.
  void check(std::uint64_t now);
  // The wake-up is busy from here on (a flow pause).
  void become_busy();
  // The wake-up ends: served datagrams, and whether the socket was found
  // empty (that ends the streak). Writes AVAIL after a busy one; false when
  // that write failed. Throws Fatal for a failure in the signal handler.
  bool end(std::uint64_t now, std::size_t served, bool found_empty);

  // The last wake-up's datagrams each took the threshold.
  bool slow() const noexcept { return slow_; }
  bool busy() const noexcept { return state_.load() == kBusy; }
  const HandOffSettings& settings() const noexcept { return settings_; }

  // In the hand-off signal's handler: hands a quiet streak that lasted the
  // threshold on. Returns how many ns later to look again (a younger
  // streak), 0 for no more (handed on, or no quiet wake-up in progress).
  std::uint64_t on_timer(std::uint64_t now) noexcept;

 private:
  enum State : int {
    kFree,   // between wake-ups, gate not held: it must be taken first
    kHeld,   // between wake-ups, gate held: the child waits for requests
    kQuiet,  // in a wake-up, gate held, nothing reported
    kBusy,   // in a wake-up, gate given up, TAKEN reported
  };
  // Quiet to busy, by whichever side gets there first; false if not quiet.
  bool claim_busy() noexcept;
  void release_and_report();

  Gate* gate_;
  Supervisor& supervisor_;
  HandOffSettings settings_;
  std::atomic<int> state_;
  std::atomic<int> handler_error_{0};  // errno of a release in the handler
  bool in_streak_ = false;  // serving without having found the socket empty
  std::atomic<std::uint64_t> streak_started_{0};  // when (the handler reads it in kQuiet)
  std::atomic<std::uint64_t> last_progress_{0};   // the wake-up's start or the last check()
  std::uint64_t wake_up_started_ = 0;
  bool slow_ = false;
  static_assert(std::atomic<int>::is_always_lock_free, "the signal handler changes the state");
};

}  // namespace dgram
