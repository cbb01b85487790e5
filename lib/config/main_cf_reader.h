// SPDX-License-Identifier: MIT
// main_cf_reader - the syntax of main.cf: logical lines and name = value.
//
// SUMMARY
//   Turns the text of a main.cf file into an ordered list of name = value
//   entries, the way Postfix reads it:
//   - a line whose first non-blank character is '#', and a blank line, are
//     ignored wherever they appear (they do not end a logical line);
//   - a line that starts with white space continues the logical line before
//     it; the physical lines are joined as they are, minus the newline, so the
//     white space that starts the continuation line stays in the value;
//   - a logical line is "name = value"; white space around the name and
//     around the value is trimmed; the value is the rest of the line, so it
//     may contain '=', '#', or anything else.
//   - a null byte ends the text of its logical line: the rest of that
//     logical line (continuation lines included) is ignored, with a warning.
//     A line that starts with a null byte starts a logical line without a
//     name (an error, as in Postfix).
//   Values are stored as written: no $name expansion happens here.
//
// DIAGNOSTICS
//   A logical line without '=' or without a name is a ConfigError naming the
//   origin and the first physical line of the logical line, e.g.
//   `/etc/postfix/main.cf, line 3: missing '=' after attribute name: "junk"`.
//   Text that Postfix skips with a warning is skipped here too, and the
//   warning is returned to the caller (which decides where to log it):
//   continuation text with no logical line to continue (at the top of the
//   file), and text after a null byte.
//
// SEE ALSO
//   config.cpp (stores the entries), postconf(5).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace dgram::detail {

struct MainCfEntry {
  std::string name;
  std::string value;
  int line = 0;  // first physical line of the logical line, from 1
};

struct MainCfText {
  std::vector<MainCfEntry> entries;  // in file order; later ones win
  std::vector<std::string> warnings;
};

// parse_main_cf - split main.cf text into entries; origin names it in messages.
MainCfText parse_main_cf(std::string_view text, std::string_view origin);

// is_config_space - the white space of main.cf (the C locale's isspace()).
constexpr bool is_config_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

}  // namespace dgram::detail
