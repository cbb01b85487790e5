// SPDX-License-Identifier: MIT
// error - building Fatal from errno.
#include "dgram/error.h"

#include <cerrno>
#include <cstring>

namespace dgram {

void throw_errno(const std::string& what) {
  int saved = errno;
  throw Fatal(what + ": " + std::strerror(saved), saved);
}

}  // namespace dgram
