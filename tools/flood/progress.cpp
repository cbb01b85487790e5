// SPDX-License-Identifier: MIT
// progress - drawing and clearing the terminal progress line.
#include "progress.h"

#include <unistd.h>

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <string>

#include "clock.h"

namespace flood {

namespace {

constexpr std::int64_t kRedrawNs = kNanosPerSecond / 10;
constexpr int kBarWidth = 30;

}  // namespace

bool stderr_is_terminal() { return ::isatty(STDERR_FILENO) == 1; }

void Progress::maybe_draw(std::uint64_t sent, bool waiting) {
  std::int64_t now = monotonic_ns();
  if (!started_) {
    started_ = true;
    last_draw_ns_ = now;
    last_sent_ = sent;
    return;
  }
  std::int64_t since = now - last_draw_ns_;
  if (since < kRedrawNs) return;
  last_rate_ =
      static_cast<double>(sent - last_sent_) * kNanosPerSecond / static_cast<double>(since);
  last_draw_ns_ = now;
  last_sent_ = sent;

  double fraction = total_ == 0 ? 1.0 : static_cast<double>(sent) / static_cast<double>(total_);
  int filled = static_cast<int>(fraction * kBarWidth);
  std::string bar(static_cast<std::size_t>(filled), '#');
  bar.append(static_cast<std::size_t>(kBarWidth - filled), '-');
  char line[200];
  int length = std::snprintf(line, sizeof(line), "\r[%s] %3d%%  %" PRIu64 "/%" PRIu64 "  %.0f/s%s",
                             bar.c_str(), static_cast<int>(fraction * 100), sent, total_,
                             last_rate_, waiting ? "  waiting for receiver" : "");
  if (length <= 0) return;
  auto width = static_cast<std::size_t>(length) - 1;  // without the carriage return
  std::string text(line, static_cast<std::size_t>(length));
  if (width < drawn_width_) text.append(drawn_width_ - width, ' ');  // cover a longer old line
  drawn_width_ = width;
  put(text.data(), text.size());
}

void Progress::clear() {
  if (!enabled_ || drawn_width_ == 0) return;
  std::string text = "\r" + std::string(drawn_width_, ' ') + "\r";
  drawn_width_ = 0;
  put(text.data(), text.size());
}

void Progress::put(const char* text, std::size_t length) {
  while (length > 0) {
    ssize_t n = ::write(STDERR_FILENO, text, length);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      enabled_ = false;  // the terminal went away: carry on without the bar
      return;
    }
    text += n;
    length -= static_cast<std::size_t>(n);
  }
}

}  // namespace flood
