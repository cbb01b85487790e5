// SPDX-License-Identifier: MIT
// rate_limit - dgram-logd's per-sender rate limit (see rate_limit.h).
// Loop thread only.
#include "rate_limit.h"

#include <algorithm>
#include <bit>
#include <stdexcept>

namespace dgram::logd {

RateLimit::RateLimit(std::chrono::nanoseconds interval, std::uint32_t burst, std::initializer_list<pid_t> exempt)
    : interval_(interval), burst_(burst), exempt_(exempt), senders_(kMaxSenders), slots_(kSlots, kNone) {
  if (interval <= interval.zero()) throw std::invalid_argument("rate limit: the interval must be positive");
  if (burst < 1) throw std::invalid_argument("rate limit: the burst must be at least 1");
  free_.reserve(kMaxSenders);
  for (std::size_t i = kMaxSenders; i > 0; --i) free_.push_back(static_cast<Index>(i - 1));
}

RateLimit::Verdict RateLimit::admit(std::optional<pid_t> pid, std::chrono::nanoseconds now) {
  Verdict verdict;
  if (!pid || std::find(exempt_.begin(), exempt_.end(), *pid) != exempt_.end()) return verdict;
  Index index;
  if (std::size_t slot = find_slot(*pid); slot != kSlots) {
    index = slots_[slot];
    unlink(index);
    link_newest(index);
    Sender& sender = senders_[index];
    if (now - sender.window_start >= interval_) {
      verdict.notice = end_window(sender);
      sender.window_start = now;
    }
  } else {
    if (count_ == kMaxSenders) {
      Index evicted = oldest_;
      verdict.notice = end_window(senders_[evicted]);
      forget(evicted);
    }
    index = free_.back();
    free_.pop_back();
    senders_[index] = Sender{*pid, 0, 0, now, kNone, kNone};
    slot = home_slot(*pid);
    while (slots_[slot] != kNone) slot = (slot + 1) & (kSlots - 1);
    slots_[slot] = index;
    link_newest(index);
    ++count_;
  }
  Sender& sender = senders_[index];
  if (sender.passed < burst_) {
    ++sender.passed;
  } else {
    ++sender.dropped;
    verdict.pass = false;
  }
  return verdict;
}

std::vector<RateNotice> RateLimit::sweep(std::chrono::nanoseconds now) {
  std::vector<RateNotice> notices;
  for (Index index = oldest_; index != kNone;) {
    Index next = senders_[index].newer;
    if (now - senders_[index].window_start >= interval_) {
      if (auto notice = end_window(senders_[index])) notices.push_back(*notice);
      forget(index);
    }
    index = next;
  }
  return notices;
}

std::vector<RateNotice> RateLimit::flush() {
  std::vector<RateNotice> notices;
  while (oldest_ != kNone) {
    Index index = oldest_;
    if (auto notice = end_window(senders_[index])) notices.push_back(*notice);
    forget(index);
  }
  return notices;
}

// home_slot - where a pid's search starts (Fibonacci hashing).
std::size_t RateLimit::home_slot(pid_t pid) const noexcept {
  constexpr int kShift = 32 - std::countr_zero(kSlots);
  return (static_cast<std::uint32_t>(pid) * 2654435769u) >> kShift;
}

// find_slot - the slot that holds pid, or kSlots.
std::size_t RateLimit::find_slot(pid_t pid) const noexcept {
  for (std::size_t slot = home_slot(pid);; slot = (slot + 1) & (kSlots - 1)) {
    if (slots_[slot] == kNone) return kSlots;
    if (senders_[slots_[slot]].pid == pid) return slot;
  }
}

// erase_slot - empties a slot and moves later entries of its run back, so
// that every search still finds them without tombstones.
void RateLimit::erase_slot(std::size_t hole) noexcept {
  slots_[hole] = kNone;
  for (std::size_t next = (hole + 1) & (kSlots - 1); slots_[next] != kNone; next = (next + 1) & (kSlots - 1)) {
    std::size_t home = home_slot(senders_[slots_[next]].pid);
    // An entry whose home lies cyclically in (hole, next] is found without passing the hole.
    bool stays = hole <= next ? (hole < home && home <= next) : (hole < home || home <= next);
    if (stays) continue;
    slots_[hole] = slots_[next];
    slots_[next] = kNone;
    hole = next;
  }
}

// unlink - takes an entry out of the least-recently-seen chain.
void RateLimit::unlink(Index index) noexcept {
  Sender& sender = senders_[index];
  (sender.older != kNone ? senders_[sender.older].newer : oldest_) = sender.newer;
  (sender.newer != kNone ? senders_[sender.newer].older : newest_) = sender.older;
  sender.older = sender.newer = kNone;
}

// link_newest - puts an entry at the most recently seen end of the chain.
void RateLimit::link_newest(Index index) noexcept {
  Sender& sender = senders_[index];
  sender.older = newest_;
  sender.newer = kNone;
  (newest_ != kNone ? senders_[newest_].newer : oldest_) = index;
  newest_ = index;
}

// forget - a sender is no longer tracked; its pool entry is free again.
void RateLimit::forget(Index index) noexcept {
  erase_slot(find_slot(senders_[index].pid));
  unlink(index);
  free_.push_back(index);  // within the capacity reserved: no allocation
  --count_;
}

// end_window - the notice a window owes, if it dropped anything; the counts start again.
std::optional<RateNotice> RateLimit::end_window(Sender& sender) noexcept {
  std::optional<RateNotice> notice;
  if (sender.dropped > 0) notice = RateNotice{sender.pid, sender.dropped};
  sender.passed = 0;
  sender.dropped = 0;
  return notice;
}

std::string rate_notice_text(const RateNotice& notice, std::uint32_t burst, int interval_seconds) {
  return "dropped " + std::to_string(notice.dropped) + " records from pid " + std::to_string(notice.pid) +
         " (rate limit: " + std::to_string(burst) + " records per " + std::to_string(interval_seconds) + "s)";
}

}  // namespace dgram::logd
