// SPDX-License-Identifier: MIT
// master_protocol - status records and the generation.
#include "start/master_protocol.h"

#include <unistd.h>

#include <cerrno>
#include <string>

#include "dgram/error.h"

namespace dgram {

bool StatusChannel::notify(ChildStatus status) noexcept {
  StatusRecord record{static_cast<int>(pid_), generation_, static_cast<int>(status)};
  ssize_t written;
  do {
    // send() with MSG_NOSIGNAL would refuse a pipe; write() is what the
    // master expects on either kind, and SIGPIPE is ignored by the skeleton.
    written = ::write(fd_, &record, sizeof(record));
  } while (written < 0 && errno == EINTR);
  return written == static_cast<ssize_t>(sizeof(record));
}

unsigned parse_generation(std::string_view text) {
  if (text.empty()) throw Fatal("bad generation: " + std::string(text));
  unsigned long value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') throw Fatal("bad generation: " + std::string(text));
    if (c > '7') throw Fatal("bad generation: " + std::string(text) + " (not octal)");
    value = value * 8 + static_cast<unsigned long>(c - '0');
    if (value > 0xffffffffUL) throw Fatal("bad generation: " + std::string(text) + " (too large)");
  }
  return static_cast<unsigned>(value);
}


}  // namespace dgram
