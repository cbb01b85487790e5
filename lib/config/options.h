// SPDX-License-Identifier: MIT
// options - the command line that the Postfix master passes to a child.
//
// parse_options() turns argv into a plain struct, accepting exactly the
// seed's letters: -c -d -D -i -l -m -n -o -s -t -u -v -V -z. Option parsing
// stops at the first word that is not an option (or after "--"); the words
// left over are the service's own arguments. Errors throw dgram::Fatal with
// one line naming the bad word.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace dgram {

struct Options {
  std::string program_name;             // basename of argv[0]
  std::string service_name;             // -n, else program_name
  bool chroot = false;                  // -c
  bool daemon_mode = true;              // cleared by -d
  bool debug = false;                   // -D
  bool alone = false;                   // -l (process limit 1)
  bool zero_limit = false;              // -z (process limit 0)
  bool unprivileged = false;            // -u
  int verbose = 0;                      // -v, once per letter
  int log_to_stderr = 0;                // -V, once per letter
  int socket_count = 1;                 // -s
  std::optional<std::string> transport; // -t
  // Parameter updates in command-line order: -o name=value, -i (max_idle),
  // -m (max_use). Later entries win.
  std::vector<std::pair<std::string, std::string>> overrides;
  std::vector<std::string> args;        // words left over after the options
};

// Parses argv (argv[0] is the program). Throws Fatal on a bad option.
Options parse_options(std::span<const std::string> argv);

// Splits "name=value" (white space around both trimmed, as Postfix does).
// Throws Fatal naming the option text when there is no '=' or no name.
std::pair<std::string, std::string> split_name_value(const std::string& text);

}  // namespace dgram
