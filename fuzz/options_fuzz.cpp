// SPDX-License-Identifier: MIT
// options_fuzz - fuzz target: the master's command line, word by word.
//
// The input is split at null bytes into argv (argv[0] first), as a kernel
// hands it over, and given to parse_options(); each word is also given to
// split_name_value(). The only error allowed is Fatal. Rules checked on a
// parsed command line: the socket count is at least 1, every override has a
// trimmed non-empty name, and the left-over words are the tail of argv.
#include <span>
#include <string>
#include <vector>

#include "dgram/error.h"
#include "config/options.h"
#include "fuzz_target.h"

namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

bool trimmed(const std::string& s) {
  return s.empty() || (!is_space(s.front()) && !is_space(s.back()));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<std::string> argv;
  std::string word;
  for (std::size_t i = 0; i < size; ++i) {
    if (data[i] == '\0') {
      argv.push_back(word);
      word.clear();
    } else {
      word += static_cast<char>(data[i]);
    }
  }
  if (size > 0) argv.push_back(word);

  try {
    dgram::Options options = dgram::parse_options(std::span<const std::string>(argv));
    fuzz_check(options.socket_count >= 1, "the socket count is at least 1");
    for (const auto& [name, value] : options.overrides) {
      fuzz_check(!name.empty() && trimmed(name), "an override name is trimmed and not empty");
      fuzz_check(trimmed(value) || name == "max_idle" || name == "max_use",
                 "an -o value is trimmed");
    }
    fuzz_check(options.args.size() < argv.size() || argv.empty(), "argv[0] is never an argument");
    for (std::size_t i = 0; i < options.args.size(); ++i)
      fuzz_check(options.args[i] == argv[argv.size() - options.args.size() + i],
                 "the arguments are the tail of argv");
  } catch (const dgram::Fatal&) {
  }
  for (const auto& w : argv) {
    try {
      auto [name, value] = dgram::split_name_value(w);
      fuzz_check(!name.empty() && trimmed(name) && trimmed(value), "name and value are trimmed");
    } catch (const dgram::Fatal&) {
    }
  }
  return 0;
}
