// SPDX-License-Identifier: MIT
// main_cf_reader - the syntax of main.cf: logical lines and name = value.
// See main_cf_reader.h for the rules and the diagnostics.
#include "config/main_cf_reader.h"

#include <optional>

#include "dgram/config.h"

namespace dgram::detail {

namespace {

// trim - the text without leading and trailing main.cf white space.
std::string_view trim(std::string_view s) {
  while (!s.empty() && is_config_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_config_space(s.back())) s.remove_suffix(1);
  return s;
}

// A logical line being assembled from physical lines.
struct LogicalLine {
  std::string text;
  int first_line = 0;
  int last_line = 0;
};

// Where a problem is: "origin, line N" or "origin, line N-M".
std::string where(std::string_view origin, const LogicalLine& l) {
  std::string s(origin);
  s += ", line " + std::to_string(l.first_line);
  if (l.last_line != l.first_line) s += "-" + std::to_string(l.last_line);
  return s;
}

// split_entry - "name = value" into an entry; throws ConfigError when malformed.
MainCfEntry split_entry(const LogicalLine& l, std::string_view origin) {
  std::string_view text = l.text;
  std::size_t pos = 0;
  auto fail = [&](const char* why) -> ConfigError {
    return ConfigError(std::string(origin) + ", line " + std::to_string(l.first_line) +
                       ": " + why + ": \"" + l.text + "\"");
  };
  while (pos < text.size() && is_config_space(text[pos])) ++pos;
  std::size_t name_begin = pos;
  while (pos < text.size() && !is_config_space(text[pos]) && text[pos] != '=') ++pos;
  std::size_t name_end = pos;
  while (pos < text.size() && is_config_space(text[pos])) ++pos;
  if (name_begin == name_end) throw fail("missing attribute name");
  if (pos == text.size() || text[pos] != '=') throw fail("missing '=' after attribute name");
  MainCfEntry entry;
  entry.name = std::string(text.substr(name_begin, name_end - name_begin));
  entry.value = std::string(trim(text.substr(pos + 1)));
  entry.line = l.first_line;
  return entry;
}

}  // namespace

MainCfText parse_main_cf(std::string_view text, std::string_view origin) {
  MainCfText result;
  std::optional<LogicalLine> current;
  int lineno = 0;

  // finish - turn the logical line being assembled into an entry (or a warning).
  auto finish = [&] {
    if (!current) return;
    LogicalLine l = std::move(*current);
    current.reset();
    if (auto nul = l.text.find('\0'); nul != std::string::npos) {
      result.warnings.push_back(where(origin, l) + ": text after a null byte is ignored");
      l.text.resize(nul);
    }
    // A null byte at the start of the line leaves no text: that is a line
    // without a name, as Postfix reports it, not text to continue.
    if (!l.text.empty() && is_config_space(l.text.front())) {
      // Continuation text with nothing to continue: skipped, as Postfix does.
      std::string shown = l.text.substr(0, 30);
      if (l.text.size() > 30) shown += "...";
      result.warnings.push_back(std::string(origin) +
                                ": logical line must not start with white space: \"" +
                                shown + "\" (ignored)");
      return;
    }
    result.entries.push_back(split_entry(l, origin));
  };

  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t eol = text.find('\n', pos);
    std::string_view line =
        text.substr(pos, eol == std::string_view::npos ? std::string_view::npos : eol - pos);
    pos = eol == std::string_view::npos ? text.size() : eol + 1;
    ++lineno;

    std::size_t first = 0;
    while (first < line.size() && is_config_space(line[first])) ++first;
    if (first == line.size() || line[first] == '#') continue;  // blank or comment

    if (first > 0 && current) {  // continuation: joined as written
      current->text.append(line);
      current->last_line = lineno;
      continue;
    }
    finish();
    current = LogicalLine{std::string(line), lineno, lineno};
  }
  finish();
  return result;
}

}  // namespace dgram::detail
