// SPDX-License-Identifier: MIT
// NAME
//   progress - the progress bar on a terminal's stderr.
// SUMMARY
//   Progress progress(enabled, total);
//   progress.update(sent);  progress.waiting(sent);  progress.clear();
// DESCRIPTION
//   When enabled (stderr is a terminal and --quiet was not given) the bar
//   shows the percentage, the count and the rate since the previous drawing,
//   on one line rewritten with a carriage return, at most ten times a second.
//   waiting() draws the same line marked "waiting for receiver" while the
//   sender is held up by a full queue. clear() blanks the line so that the
//   summary or an error starts on a clean one. When disabled every call
//   returns at once without reading the clock.
// DIAGNOSTICS
//   A failing write to stderr turns the bar off; it is never fatal.
#pragma once

#include <cstddef>
#include <cstdint>

namespace flood {

// stderr_is_terminal - isatty(2), false when it cannot be told.
bool stderr_is_terminal();

class Progress {
 public:
  Progress(bool enabled, std::uint64_t total) : enabled_(enabled), total_(total) {}
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  bool enabled() const { return enabled_; }
  void update(std::uint64_t sent) {
    if (enabled_) maybe_draw(sent, false);
  }
  void waiting(std::uint64_t sent) {
    if (enabled_) maybe_draw(sent, true);
  }
  void clear();

 private:
  void maybe_draw(std::uint64_t sent, bool waiting);
  void put(const char* text, std::size_t length);

  bool enabled_;
  std::uint64_t total_;
  bool started_ = false;
  std::int64_t last_draw_ns_ = 0;
  std::uint64_t last_sent_ = 0;
  double last_rate_ = 0;
  std::size_t drawn_width_ = 0;  // characters on the line now, for clear()
};

}  // namespace flood
