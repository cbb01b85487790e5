// SPDX-License-Identifier: MIT
// sequence_verdict - parsing seq_runs/seq_overflow words and merging them.
#include "sequence_verdict.h"

#include <algorithm>
#include <sstream>
#include <stdexcept>
#include <utility>

namespace dgram::sink {

namespace {

using Run = std::pair<std::uint64_t, std::uint64_t>;

std::uint64_t to_number(const std::string& text, const std::string& word) {
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos || text.size() > 19)
    throw std::invalid_argument("bad number in summary word: " + word);
  return std::stoull(text);
}

// add_runs - the a-b words of a seq_runs value ("none": no runs).
void add_runs(const std::string& value, const std::string& word, std::vector<Run>& runs) {
  if (value == "none") return;
  std::istringstream in(value);
  std::string run;
  while (std::getline(in, run, ',')) {
    auto dash = run.find('-');
    if (dash == std::string::npos) throw std::invalid_argument("bad run in summary word: " + word);
    Run r{to_number(run.substr(0, dash), word), to_number(run.substr(dash + 1), word)};
    if (r.first > r.second) throw std::invalid_argument("bad run in summary word: " + word);
    runs.push_back(r);
  }
}

}  // namespace

const char* to_string(SequenceVerdict verdict) {
  switch (verdict) {
    case SequenceVerdict::exactly_once: return "exactly-once";
    case SequenceVerdict::not_exactly_once: return "not-exactly-once";
    case SequenceVerdict::unknown: return "unknown";
  }
  return "unknown";
}

SequenceVerdict merged_verdict(const std::vector<std::string>& summary_lines, std::uint64_t first,
                               std::uint64_t last) {
  std::vector<Run> runs;
  bool incomplete = false;
  for (const auto& line : summary_lines) {
    bool has_runs = false;
    std::istringstream words(line);
    std::string word;
    while (words >> word) {
      auto eq = word.find('=');
      if (eq == std::string::npos) continue;
      std::string key = word.substr(0, eq), value = word.substr(eq + 1);
      if (key == "seq_runs") {
        has_runs = true;
        add_runs(value, word, runs);
      } else if (key == "seq_overflow" && to_number(value, word) > 0) {
        incomplete = true;
      }
    }
    incomplete = incomplete || !has_runs;
  }
  std::sort(runs.begin(), runs.end());
  bool covered = true;
  std::uint64_t next = first;  // the least number not covered yet
  bool any = false;
  for (const auto& [from, to] : runs) {
    if (any && from < next) return SequenceVerdict::not_exactly_once;  // two runs share a number
    if (from < first || to > last) return SequenceVerdict::not_exactly_once;  // never sent
    if (from != next) covered = false;
    next = to + 1;
    any = true;
  }
  if (!any || next != last + 1) covered = false;
  if (incomplete) return SequenceVerdict::unknown;
  return covered ? SequenceVerdict::exactly_once : SequenceVerdict::not_exactly_once;
}

}  // namespace dgram::sink
