// SPDX-License-Identifier: MIT
// typed_values_fuzz - fuzz target: the typed lookups of Config.
//
// The input is
//   byte 0        which lookup: get_int, get_long, get_bool, get_time,
//                 get_nint, get_nbool, get_str, get_raw, or
//                 parse_time_value() alone (the byte modulo 9)
//   bytes 1-12    three 32-bit little-endian numbers: the default (get_int,
//                 get_long), the lower and the upper bound
//   the rest      DEFAULT ['\n' VALUE ['\n' MAIN.CF]]: the default text
//                 (time, nint, nbool, str, raw; its first byte is the unit
//                 for parse_time_value), the value set for the parameter
//                 (none without the first '\n'), and main.cf text that is
//                 read first, so that $names in either resolve
// The only error allowed is ConfigError. Rules checked on a result: it is
// within its bounds (0 = no bound), a time is not negative, a boolean came
// from "yes" or "no" exactly (any case), and no value with a null byte in it
// is taken for a number, a time or a boolean.
#include <climits>
#include <cstring>
#include <string>
#include <string_view>
#include <strings.h>

#include "dgram/config.h"
#include "fuzz_target.h"

namespace {

constexpr const char* param = "t_v";

// take_int32 - the next 4 bytes of in as a little-endian number (0 past the end).
std::int32_t take_int32(std::string_view& in) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) {
    std::uint8_t b = 0;
    if (!in.empty()) {
      b = static_cast<std::uint8_t>(in.front());
      in.remove_prefix(1);
    }
    v |= static_cast<std::uint32_t>(b) << (8 * i);
  }
  std::int32_t out;
  std::memcpy(&out, &v, sizeof out);
  return out;
}

// take_line - the text of in up to the next '\n' (all of it when none); the
// bool says whether a '\n' ended it.
std::pair<std::string_view, bool> take_line(std::string_view& in) {
  std::size_t nl = in.find('\n');
  if (nl == std::string_view::npos) {
    std::string_view all = in;
    in = {};
    return {all, false};
  }
  std::string_view line = in.substr(0, nl);
  in.remove_prefix(nl + 1);
  return {line, true};
}

bool has_nul(std::string_view s) { return s.find('\0') != std::string_view::npos; }

void check_number(long n, long min, long max, const std::string& text) {
  fuzz_check(min == 0 || n >= min, "a number is not below its lower bound");
  fuzz_check(max == 0 || n <= max, "a number is not above its upper bound");
  fuzz_check(!has_nul(text), "a value with a null byte is not a number");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  if (in.empty()) return 0;
  const int kind = static_cast<std::uint8_t>(in.front()) % 9;
  in.remove_prefix(1);
  const std::int32_t def = take_int32(in), min = take_int32(in), max = take_int32(in);
  const auto [def_text, had_value] = take_line(in);
  const auto [value, had_main_cf] = take_line(in);
  const std::string_view main_cf = had_main_cf ? in : std::string_view();

  if (kind == 8) {
    const char unit = def_text.empty() ? 's' : def_text.front();
    if (auto seconds = dgram::parse_time_value(value, unit)) {
      fuzz_check(*seconds >= 0 && *seconds <= INT_MAX, "a time is within 0..INT_MAX");
      fuzz_check(!has_nul(value), "a value with a null byte is not a time");
    }
    return 0;
  }

  dgram::Config config;
  try {
    config.read_text(main_cf, "main.cf");
    if (had_value) config.set(param, value);
    switch (kind) {
      case 0:
        check_number(config.get_int(param, def, min, max), min, max, config.expand(param));
        break;
      case 1:
        check_number(config.get_long(param, def, min, max), min, max, config.expand(param));
        break;
      case 2:
      case 5: {
        const bool b = kind == 2 ? config.get_bool(param, def & 1)
                                 : config.get_nbool(param, def_text);
        const std::string text = config.expand(param);
        fuzz_check(::strcasecmp(text.c_str(), b ? "yes" : "no") == 0 &&
                       text.size() == (b ? 3u : 2u),
                   "a boolean is \"yes\" or \"no\" exactly");
        break;
      }
      case 3: {
        const int seconds = config.get_time(param, def_text, min, max);
        fuzz_check(seconds >= 0, "a time is not negative");
        check_number(seconds, min, max, config.expand(param));
        break;
      }
      case 4:
        check_number(config.get_nint(param, def_text, min, max), min, max, config.expand(param));
        break;
      case 6: {
        const std::string s = config.get_str(param, def_text, min, max);
        fuzz_check(min <= 0 || s.size() >= static_cast<std::size_t>(min), "a string is long enough");
        fuzz_check(max <= 0 || s.size() <= static_cast<std::size_t>(max), "a string is short enough");
        break;
      }
      case 7: {
        const std::string s = config.get_raw(param, def_text, min, max);
        fuzz_check(s == *config.raw_value(param), "a raw value is the stored text");
        break;
      }
    }
  } catch (const dgram::ConfigError&) {
  }
  return 0;
}
