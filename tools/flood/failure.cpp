// SPDX-License-Identifier: MIT
// failure - building Failure lines from error numbers.
#include "failure.h"

#include <cstring>

namespace flood {

Failure errno_failure(int exit_status, const std::string& what, int error) {
  return Failure{exit_status, what + ": " + std::strerror(error)};
}

}  // namespace flood
