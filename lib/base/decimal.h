// SPDX-License-Identifier: MIT
// decimal - a number from the environment, digits only ("12", not "+12",
// " 12" or "12x"), as systemd writes LISTEN_PID, LISTEN_FDS, WATCHDOG_USEC.
#pragma once

#include <cerrno>
#include <cstdlib>
#include <optional>
#include <string>

namespace dgram {

// nullopt for anything but decimal digits, or a value past unsigned long long.
inline std::optional<unsigned long long> parse_decimal(const std::string& text) {
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  errno = 0;
  unsigned long long value = std::strtoull(text.c_str(), nullptr, 10);
  if (errno == ERANGE) return std::nullopt;
  return value;
}

}  // namespace dgram
