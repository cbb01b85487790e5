// SPDX-License-Identifier: MIT
// sequence_check - gap and repeat accounting over leading numbers.
#include "sequence_check.h"

namespace dgram::sink {

void SequenceCheck::observe(std::string_view data) {
  std::uint64_t value = 0;
  std::size_t digits = 0;
  while (digits < data.size() && digits < 19 && data[digits] >= '0' && data[digits] <= '9') {
    value = value * 10 + static_cast<std::uint64_t>(data[digits] - '0');
    ++digits;
  }
  if (digits == 0) {
    ++malformed_;
    return;
  }
  if (!first_) first_ = value;
  if (last_) {
    if (value <= *last_) {
      ++repeats_;
    } else if (value > *last_ + 1) {
      gaps_ += value - *last_ - 1;
    }
  }
  last_ = value;
  if (!runs_.empty() && runs_.back().second + 1 == value) {
    runs_.back().second = value;
  } else if (runs_.size() < max_runs_) {
    runs_.emplace_back(value, value);
  } else {
    ++overflow_;  // the runs are incomplete from here on: see BOUND
  }
}

std::string SequenceCheck::runs() const {
  std::string text;
  for (const auto& [from, to] : runs_) {
    if (!text.empty()) text.push_back(' ');
    text += std::to_string(from) + "-" + std::to_string(to);
  }
  return text;
}

}  // namespace dgram::sink
