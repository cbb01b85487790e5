// SPDX-License-Identifier: MIT
// config - main.cf parameters: reading, $name expansion and typed lookups.
//
// A Config holds name = value pairs from main.cf (Postfix syntax: comments,
// blank lines, continuation lines that start with white space), overrides
// from the command line, and the built-in defaults registered by typed
// lookups. Values are expanded the way Postfix does it: $name, ${name},
// $(name), ${name?text}, ${name:text} (and the brace forms ${name?{text}},
// ${name:{text}}, ${name?{t1}:{t2}}). Bad values are reported with Postfix's
// wording and thrown as ConfigError, one line naming the parameter and value.
#pragma once

#include "dgram/cxx20.h"
#if __cplusplus >= 202002L  // else cxx20.h has said why, once

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "dgram/error.h"
#include "dgram/param_tables.h"

namespace dgram {

class ConfigError : public Fatal {
 public:
  using Fatal::Fatal;
};

class Config {
 public:
  // Reads DIR/main.cf. A missing or unreadable file is a ConfigError naming
  // the path. Syntax errors name the file and line.
  void read_main_cf(const std::string& config_dir);
  // Parses main.cf text; origin names it in error messages (e.g. a path).
  void read_text(std::string_view text, std::string_view origin);

  // Sets a value, replacing what main.cf said (-o name=value, -i, -m).
  void set(std::string_view name, std::string_view value);
  // Registers a default: used only when the name has no value yet.
  void set_default(std::string_view name, std::string_view value);

  bool has(std::string_view name) const;
  // The unexpanded value, or nullopt when the name is not defined.
  std::optional<std::string> raw_value(std::string_view name) const;
  // The value of name with every $reference expanded (undefined names expand
  // to nothing). Throws ConfigError on a reference loop or a syntax error.
  std::string expand(std::string_view name) const;
  // Expands $references in arbitrary text.
  std::string expand_text(std::string_view text) const;
  // All names that have a value, sorted.
  std::vector<std::string> names() const;

  // Typed lookups, as Postfix's get_mail_conf_*: the default is registered
  // (so $name finds it), the value is expanded (except raw) and checked.
  // min/max of 0 mean "no bound". Times are in seconds; the unit of the
  // default value is the default unit of the configured value.
  int get_int(std::string_view name, int def, int min = 0, int max = 0);
  long get_long(std::string_view name, long def, long min = 0, long max = 0);
  std::string get_str(std::string_view name, std::string_view def,
                      int min_len = 0, int max_len = 0);
  bool get_bool(std::string_view name, bool def);
  int get_time(std::string_view name, std::string_view def, int min = 0, int max = 0);
  std::string get_raw(std::string_view name, std::string_view def,
                      int min_len = 0, int max_len = 0);
  int get_nint(std::string_view name, std::string_view def_expr, int min = 0, int max = 0);
  bool get_nbool(std::string_view name, std::string_view def_expr);

  // Loads every entry of every table into its target, in table order.
  void load(const ParamTables& tables);

  // Problems that Postfix only warns about and skips (continuation text with
  // nothing to continue, text after a null byte), one line each, in the order
  // found. The caller decides where to log them.
  const std::vector<std::string>& warnings() const { return warnings_; }

 private:
  std::unordered_map<std::string, std::string> values_;
  std::vector<std::string> warnings_;
};

// Converts a Postfix time value ("10", "10s", "5m", "1h", "2d", "1w") to
// seconds; a bare number takes default_unit. nullopt when malformed or out of int range.
std::optional<long> parse_time_value(std::string_view value, char default_unit);

}  // namespace dgram

#endif  // C++20
