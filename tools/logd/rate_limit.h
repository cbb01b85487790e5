// SPDX-License-Identifier: MIT
// rate_limit - dgram-logd's per-sender rate limit: which records pass, and
// the notices owed for the ones that did not.
//
// NAME
//   RateLimit, RateNotice, rate_notice_text
// SUMMARY
//   RateLimit limit(std::chrono::seconds(10), 100, {getpid(), getppid()});
//   RateLimit::Verdict verdict = limit.admit(pid, now);  // pid: std::nullopt without credentials
//   if (verdict.notice) log(rate_notice_text(*verdict.notice, ...));
//   for (const RateNotice& notice : limit.sweep(now)) ...;  // on a timer
//   for (const RateNotice& notice : limit.flush()) ...;     // at exit
// DESCRIPTION
//   Each sending process (by its pid, from the kernel's credentials) has a
//   window that starts with its first record and lasts `interval`. The
//   first `burst` records of a window pass; the rest are dropped and
//   counted. The first record after the window's end starts a new window.
//
//   A window that dropped records owes one notice (pid, count), given
//   exactly once, by the first of:
//   - admit() of that pid's next record after the window's end;
//   - sweep(), which also forgets every sender whose window has ended (so a
//     sender that stops still gets its notice, and its slot is freed);
//   - the eviction of that sender: at most kMaxSenders (4096) are tracked,
//     and a new one beyond that evicts the one least recently seen, whose
//     window ends early (when it comes back it starts a new one);
//   - flush(), at exit, for every window, ended or not.
//   A window that dropped nothing owes nothing.
//
//   Never limited: a record without credentials (admit(std::nullopt, ...):
//   it was queued before the skeleton asked for them) and the exempt pids
//   given at construction (dgram-logd itself and the master).
//
//   Time is passed in (a steady clock, in nanoseconds); nothing here reads a
//   clock, so the decisions are tested from tables.
// COSTS
//   admit() is O(1) and allocates nothing: the senders live in a pool of
//   kMaxSenders entries, found through an open-addressing table of twice
//   that many slots and chained in least-recently-seen order, all allocated
//   by the constructor (about 150 KiB, and only when the limit is on). sweep()
//   and flush() walk the tracked senders and allocate only for the notices
//   they return.
// THREADS
//   Used from dgram-logd's loop thread only (the batch callback, its sweep
//   timer and its exit hook); not thread-safe.
// DIAGNOSTICS
//   The constructor throws std::invalid_argument for an interval that is not
//   positive or a burst below 1 (dgram_logd.cpp checks the parameters
//   first, with a line naming them).
// SEE ALSO
//   dgram_logd.cpp (where the parameters are read and the notices logged)
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

namespace dgram::logd {

// The parameters that turn it on (dgram_logd.cpp reads them).
inline constexpr const char* kRateLimitInterval = "dgram_logd_rate_limit_interval";
inline constexpr const char* kRateLimitBurst = "dgram_logd_rate_limit_burst";

// What a window that dropped records owes: one line.
struct RateNotice {
  pid_t pid = 0;
  std::uint64_t dropped = 0;
  friend bool operator==(const RateNotice&, const RateNotice&) = default;
};

class RateLimit {
 public:
  static constexpr std::size_t kMaxSenders = 4096;

  struct Verdict {
    bool pass = true;
    // A notice owed by this sender's ended window, or by the sender evicted
    // to make room for this one: at most one of them per record.
    std::optional<RateNotice> notice;
  };

  RateLimit(std::chrono::nanoseconds interval, std::uint32_t burst, std::initializer_list<pid_t> exempt);

  // One record from pid (std::nullopt: no credentials), at time now.
  Verdict admit(std::optional<pid_t> pid, std::chrono::nanoseconds now);
  // The notices of the windows that have ended by now; those senders are forgotten.
  std::vector<RateNotice> sweep(std::chrono::nanoseconds now);
  // Every notice still owed, window ended or not; every sender is forgotten.
  std::vector<RateNotice> flush();

  // How many senders are tracked (for tests).
  std::size_t tracked() const noexcept { return count_; }

 private:
  using Index = std::uint16_t;
  static constexpr Index kNone = 0xffff;
  static constexpr std::size_t kSlots = 2 * kMaxSenders;  // a power of two: load at most 1/2
  static_assert(kMaxSenders < kNone);

  struct Sender {
    pid_t pid = 0;
    std::uint32_t passed = 0;
    std::uint64_t dropped = 0;
    std::chrono::nanoseconds window_start{};
    Index older = kNone;  // towards the least recently seen
    Index newer = kNone;
  };

  std::size_t home_slot(pid_t pid) const noexcept;
  std::size_t find_slot(pid_t pid) const noexcept;  // kSlots when not tracked
  void erase_slot(std::size_t slot) noexcept;
  void unlink(Index index) noexcept;
  void link_newest(Index index) noexcept;
  void forget(Index index) noexcept;
  std::optional<RateNotice> end_window(Sender& sender) noexcept;

  std::chrono::nanoseconds interval_;
  std::uint32_t burst_;
  std::vector<pid_t> exempt_;
  std::vector<Sender> senders_;  // the pool, kMaxSenders entries
  std::vector<Index> free_;      // pool entries not in use (a stack)
  std::vector<Index> slots_;     // kSlots entries: a pool index or kNone
  std::size_t count_ = 0;
  Index oldest_ = kNone;  // least recently seen
  Index newest_ = kNone;
};

// The notice's line: "dropped N records from pid P (rate limit: B records per Xs)".
std::string rate_notice_text(const RateNotice& notice, std::uint32_t burst, int interval_seconds);

}  // namespace dgram::logd
