// SPDX-License-Identifier: MIT
// main_cf_fuzz - fuzz target: main.cf text in, every parameter expanded.
//
// The input is the whole of a main.cf. It is read as Config::read_text()
// reads a file; then every parameter it defines is expanded, and the input
// is also expanded as free text. The only error allowed is ConfigError.
// Rules checked on what is read: names are non-empty and hold no white
// space, '=' or null byte; values hold no null byte and are trimmed.
#include <string>
#include <string_view>

#include "dgram/config.h"
#include "fuzz_target.h"

namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

void check_entry(const std::string& name, const std::string& value) {
  fuzz_check(!name.empty(), "a parameter name is not empty");
  for (char c : name)
    fuzz_check(!is_space(c) && c != '=' && c != '\0', "a name has no blank, '=' or null byte");
  fuzz_check(value.find('\0') == std::string::npos, "a value has no null byte");
  fuzz_check(value.empty() || (!is_space(value.front()) && !is_space(value.back())),
             "a value is trimmed");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  dgram::Config config;
  try {
    config.read_text(text, "main.cf");
  } catch (const dgram::ConfigError&) {
    return 0;
  }
  for (const auto& name : config.names()) {
    std::optional<std::string> raw = config.raw_value(name);
    fuzz_check(raw.has_value(), "a listed name has a value");
    check_entry(name, *raw);
    try {
      std::string expanded = config.expand(name);
      fuzz_check(expanded.size() <= (16u << 20), "an expanded value is at most 16 MiB");
    } catch (const dgram::ConfigError&) {
    }
  }
  try {
    config.expand_text(text);
  } catch (const dgram::ConfigError&) {
  }
  return 0;
}
