// SPDX-License-Identifier: MIT
// options - parsing the master's command line into Options.
#include "config/options.h"

#include <cerrno>
#include <climits>
#include <cstdlib>

#include "dgram/error.h"

namespace dgram {

namespace {

constexpr std::string_view kFlagLetters = "cdDluvVz";
constexpr std::string_view kValueLetters = "imnost";

std::string basename_of(const std::string& path) {
  auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string trim(std::string_view text) {
  const char* space = " \t\r\n\v\f";
  auto first = text.find_first_not_of(space);
  if (first == std::string_view::npos) return {};
  auto last = text.find_last_not_of(space);
  return std::string(text.substr(first, last - first + 1));
}

int parse_socket_count(const std::string& text) {
  errno = 0;
  char* end = nullptr;
  long value = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || errno == ERANGE || value <= 0 || value > INT_MAX / 2) {
    throw Fatal("invalid socket_count: " + text);
  }
  return static_cast<int>(value);
}

bool is_read_only(const std::string& name) {
  return name == "process_name" || name == "service_name";
}

void apply_value_option(Options& options, char letter, const std::string& value) {
  switch (letter) {
    case 'i': options.overrides.emplace_back("max_idle", value); break;
    case 'm': options.overrides.emplace_back("max_use", value); break;
    case 'n': options.service_name = value; break;
    case 'o': {
      auto pair = split_name_value(value);
      if (is_read_only(pair.first)) {
        throw Fatal("invalid \"-o " + value + "\" option: parameter " + pair.first +
                    " is read-only");
      }
      options.overrides.push_back(std::move(pair));
      break;
    }
    case 's': options.socket_count = parse_socket_count(value); break;
    case 't': options.transport = value; break;
  }
}

void apply_flag(Options& options, char letter) {
  switch (letter) {
    case 'c': options.chroot = true; break;
    case 'd': options.daemon_mode = false; break;
    case 'D': options.debug = true; break;
    case 'l': options.alone = true; break;
    case 'u': options.unprivileged = true; break;
    case 'v': options.verbose++; break;
    case 'V': options.log_to_stderr++; break;
    case 'z': options.zero_limit = true; break;
  }
}

}  // namespace

std::pair<std::string, std::string> split_name_value(const std::string& text) {
  auto equals = text.find('=');
  if (equals == std::string::npos) {
    throw Fatal("invalid \"-o " + text + "\" option value: missing '=' after parameter name");
  }
  std::string name = trim(std::string_view(text).substr(0, equals));
  if (name.empty()) {
    throw Fatal("invalid \"-o " + text + "\" option value: missing parameter name");
  }
  return {name, trim(std::string_view(text).substr(equals + 1))};
}

Options parse_options(std::span<const std::string> argv) {
  Options options;
  options.program_name = argv.empty() ? "dgram-server" : basename_of(argv[0]);
  // An empty argv (execve() allows it) has no argv[0] to skip.
  std::size_t index = argv.empty() ? 0 : 1;
  bool have_service_name = false;
  for (; index < argv.size(); ++index) {
    const std::string& word = argv[index];
    if (word == "--") {
      ++index;
      break;
    }
    if (word.size() < 2 || word[0] != '-') break;  // first service argument
    if (word[1] == '-') {
      bool standalone = word.starts_with("--listen") || word.starts_with("--mode") ||
                        word.starts_with("--owner") || word.starts_with("--group");
      throw Fatal("invalid option: " + word +
                  (standalone ? " (--listen, --mode, --owner and --group come first, before the other options)"
                              : ""));
    }
    for (std::size_t pos = 1; pos < word.size(); ++pos) {
      char letter = word[pos];
      if (kFlagLetters.find(letter) != std::string_view::npos) {
        apply_flag(options, letter);
        continue;
      }
      if (kValueLetters.find(letter) == std::string_view::npos) {
        throw Fatal(std::string("invalid option: -") + letter + " (in \"" + word + "\")");
      }
      std::string value;
      if (pos + 1 < word.size()) {
        value = word.substr(pos + 1);
      } else if (index + 1 < argv.size()) {
        value = argv[++index];
      } else {
        throw Fatal(std::string("option -") + letter + " requires a value");
      }
      if (letter == 'n') have_service_name = true;
      apply_value_option(options, letter, value);
      break;  // the value used up the rest of this word
    }
  }
  if (!have_service_name) options.service_name = options.program_name;
  options.args.assign(argv.begin() + static_cast<std::ptrdiff_t>(index), argv.end());
  return options;
}

}  // namespace dgram
