// SPDX-License-Identifier: MIT
// failure - building Failure lines from error numbers, and printing them.
#include "failure.h"

#include <unistd.h>

#include <cstring>

namespace flood {

Failure errno_failure(int exit_status, const std::string& what, int error) {
  return Failure{exit_status, what + ": " + std::strerror(error)};
}

void complain(const std::string& line) {
  std::string text = "dgram-flood: " + line + "\n";
  (void)!::write(STDERR_FILENO, text.data(), text.size());
}

}  // namespace flood
