// SPDX-License-Identifier: MIT
// config - the parameter store of main.cf and its typed lookups.
//
// SUMMARY
//   A Config holds the raw value of each parameter: main.cf entries (read by
//   main_cf_reader), overrides set() by the command line, and the defaults
//   that typed lookups register when a name has no value yet. Expansion of
//   $references is done on demand by expand (see expand.h), so a raw value is
//   never changed by being looked up.
//
//   Typed lookups behave like Postfix's get_mail_conf_*() functions: when the
//   name is absent the default is stored first (a number as its decimal text,
//   a string default after expansion, an nint/nbool default as the expression
//   itself, a raw default as is), so that later $name references see it;
//   then the expanded value is converted and checked against its bounds.
//
// DIAGNOSTICS
//   ConfigError, with Postfix's wording:
//     open PATH: REASON                            (main.cf cannot be read)
//     bad numerical configuration: NAME = VALUE    (int, long, nint)
//     invalid NAME parameter value V < MIN / > MAX (int, long, nint, time)
//     bad boolean configuration: NAME = VALUE      (bool, nbool)
//     parameter NAME: bad time value or unit: VALUE
//     bad string length L < MIN: NAME = VALUE      (str, raw; also > MAX)
//   plus the syntax and expansion errors of main_cf_reader and expand.
//
// SEE ALSO
//   main_cf_reader.h (file syntax), expand.h ($name expansion),
//   dgram/param_tables.h (the typed tables), postconf(5).
#include "dgram/config.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <strings.h>

#include "dgram/unique_fd.h"
#include "config/expand.h"
#include "config/main_cf_reader.h"

namespace dgram {

namespace {

// read_file - the whole content of path; ConfigError naming the path on failure.
std::string read_file(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) throw ConfigError("open " + path + ": " + std::strerror(errno));
  std::string text;
  char buf[8192];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw ConfigError("read " + path + ": " + std::strerror(errno));
    }
    if (n == 0) break;
    text.append(buf, static_cast<std::size_t>(n));
  }
  return text;
}

// lookup_in - the raw-value lookup that expansion uses, over a value map.
detail::RawLookup lookup_in(const std::unordered_map<std::string, std::string>& values) {
  return [&values](std::string_view name) -> const std::string* {
    auto found = values.find(std::string(name));
    return found == values.end() ? nullptr : &found->second;
  };
}

// to_long - a whole decimal number (optional leading white space and sign,
// nothing after it, not even a null byte) within [lo, hi]; nullopt otherwise.
std::optional<long> to_long(const std::string& text, long lo, long hi) {
  if (text.empty()) return std::nullopt;
  errno = 0;
  char* end = nullptr;
  long n = std::strtol(text.c_str(), &end, 10);
  if (end == text.c_str() || end != text.c_str() + text.size() || errno == ERANGE || n < lo ||
      n > hi)
    return std::nullopt;
  return n;
}

// check_bounds - Postfix's range check of a number; 0 means "no bound".
void check_bounds(std::string_view name, long value, long min, long max) {
  if (min != 0 && value < min)
    throw ConfigError("invalid " + std::string(name) + " parameter value " +
                      std::to_string(value) + " < " + std::to_string(min));
  if (max != 0 && value > max)
    throw ConfigError("invalid " + std::string(name) + " parameter value " +
                      std::to_string(value) + " > " + std::to_string(max));
}

// check_length - Postfix's length check of a string; 0 means "no bound".
void check_length(std::string_view name, const std::string& value, int min, int max) {
  const long len = static_cast<long>(value.size());
  auto bad = [&](const char* rel, int bound) {
    return ConfigError("bad string length " + std::to_string(len) + " " + rel + " " +
                       std::to_string(bound) + ": " + std::string(name) + " = " + value);
  };
  if (min != 0 && len < min) throw bad("<", min);
  if (max != 0 && len > max) throw bad(">", max);
}

// to_bool - "yes" or "no" in any case (and nothing after it), else ConfigError.
bool to_bool(std::string_view name, const std::string& value) {
  if (value.size() == 3 && ::strcasecmp(value.c_str(), "yes") == 0) return true;
  if (value.size() == 2 && ::strcasecmp(value.c_str(), "no") == 0) return false;
  throw ConfigError("bad boolean configuration: " + std::string(name) + " = " + value);
}

// to_number - the expanded value of name as a whole number in [lo, hi].
long to_number(std::string_view name, const std::string& value, long lo, long hi) {
  if (auto n = to_long(value, lo, hi)) return *n;
  throw ConfigError("bad numerical configuration: " + std::string(name) + " = " + value);
}

}  // namespace

std::optional<long> parse_time_value(std::string_view value, char default_unit) {
  std::string text(value);
  if (text.empty()) return std::nullopt;
  errno = 0;
  char* end = nullptr;
  long n = std::strtol(text.c_str(), &end, 10);
  if (end == text.c_str() || errno == ERANGE || n < 0 || n > INT_MAX) return std::nullopt;
  // At most one unit letter after the number (a null byte is not one).
  const std::size_t after = text.size() - static_cast<std::size_t>(end - text.c_str());
  if (after > 1) return std::nullopt;
  long scale = 0;
  switch (after == 1 ? *end : default_unit) {
    case 's': scale = 1; break;
    case 'm': scale = 60; break;
    case 'h': scale = 60 * 60; break;
    case 'd': scale = 24 * 60 * 60; break;
    case 'w': scale = 7 * 24 * 60 * 60; break;
    default: return std::nullopt;
  }
  if (n > INT_MAX / scale) return std::nullopt;
  return n * scale;
}

void Config::read_main_cf(const std::string& config_dir) {
  const std::string path = config_dir + "/main.cf";
  read_text(read_file(path), path);
}

void Config::read_text(std::string_view text, std::string_view origin) {
  detail::MainCfText parsed = detail::parse_main_cf(text, origin);
  for (auto& entry : parsed.entries) values_[std::move(entry.name)] = std::move(entry.value);
  warnings_.insert(warnings_.end(), parsed.warnings.begin(), parsed.warnings.end());
}

void Config::set(std::string_view name, std::string_view value) {
  values_[std::string(name)] = std::string(value);
}

void Config::set_default(std::string_view name, std::string_view value) {
  values_.try_emplace(std::string(name), std::string(value));
}

bool Config::has(std::string_view name) const { return values_.count(std::string(name)) != 0; }

std::optional<std::string> Config::raw_value(std::string_view name) const {
  auto it = values_.find(std::string(name));
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

std::string Config::expand(std::string_view name) const {
  auto it = values_.find(std::string(name));
  if (it == values_.end()) return "";
  return detail::expand_value(it->second, name, lookup_in(values_));
}

std::string Config::expand_text(std::string_view text) const {
  return detail::expand_value(text, "", lookup_in(values_));
}

std::vector<std::string> Config::names() const {
  std::vector<std::string> out;
  out.reserve(values_.size());
  for (const auto& [name, value] : values_) out.push_back(name);
  std::sort(out.begin(), out.end());
  return out;
}

int Config::get_int(std::string_view name, int def, int min, int max) {
  set_default(name, std::to_string(def));
  long n = to_number(name, expand(name), INT_MIN, INT_MAX);
  check_bounds(name, n, min, max);
  return static_cast<int>(n);
}

long Config::get_long(std::string_view name, long def, long min, long max) {
  set_default(name, std::to_string(def));
  long n = to_number(name, expand(name), LONG_MIN, LONG_MAX);
  check_bounds(name, n, min, max);
  return n;
}

std::string Config::get_str(std::string_view name, std::string_view def, int min_len,
                            int max_len) {
  if (!has(name)) {
    // As Postfix does: the default is expanded first, and stored expanded.
    set(name, detail::expand_value(def, name, lookup_in(values_)));
  }
  std::string value = expand(name);
  check_length(name, value, min_len, max_len);
  return value;
}

bool Config::get_bool(std::string_view name, bool def) {
  set_default(name, def ? "yes" : "no");
  return to_bool(name, expand(name));
}

int Config::get_time(std::string_view name, std::string_view def, int min, int max) {
  // The unit of the default is the unit of a bare number.
  char unit = 's';
  if (!def.empty() && ((def.back() >= 'a' && def.back() <= 'z') ||
                       (def.back() >= 'A' && def.back() <= 'Z')))
    unit = def.back();
  set_default(name, def);
  std::string value = expand(name);
  std::optional<long> seconds = parse_time_value(value, unit);
  if (!seconds)
    throw ConfigError("parameter " + std::string(name) + ": bad time value or unit: " + value);
  check_bounds(name, *seconds, min, max);
  return static_cast<int>(*seconds);
}

std::string Config::get_raw(std::string_view name, std::string_view def, int min_len,
                            int max_len) {
  set_default(name, def);
  std::string value = *raw_value(name);
  check_length(name, value, min_len, max_len);
  return value;
}

int Config::get_nint(std::string_view name, std::string_view def_expr, int min, int max) {
  set_default(name, def_expr);
  long n = to_number(name, expand(name), INT_MIN, INT_MAX);
  check_bounds(name, n, min, max);
  return static_cast<int>(n);
}

bool Config::get_nbool(std::string_view name, std::string_view def_expr) {
  set_default(name, def_expr);
  return to_bool(name, expand(name));
}

void Config::load(const ParamTables& tables) {
  for (const auto& p : tables.ints) *p.target = get_int(p.name, p.default_value, p.min, p.max);
  for (const auto& p : tables.longs) *p.target = get_long(p.name, p.default_value, p.min, p.max);
  for (const auto& p : tables.strs)
    *p.target = get_str(p.name, p.default_value, p.min_length, p.max_length);
  for (const auto& p : tables.bools) *p.target = get_bool(p.name, p.default_value);
  for (const auto& p : tables.times) *p.target = get_time(p.name, p.default_value, p.min, p.max);
  for (const auto& p : tables.raws)
    *p.target = get_raw(p.name, p.default_value, p.min_length, p.max_length);
  for (const auto& p : tables.nints) *p.target = get_nint(p.name, p.default_value, p.min, p.max);
  for (const auto& p : tables.nbools) *p.target = get_nbool(p.name, p.default_value);
}

}  // namespace dgram
