// record_line - turns one received log record into exactly one line.
#include "record_line.h"

namespace dgram::logd {

std::size_t make_one_line(char* data, std::size_t length) noexcept {
  // The sender's own line end: one "\n", or "\r\n".
  if (length > 0 && data[length - 1] == '\n') {
    --length;
    if (length > 0 && data[length - 1] == '\r') --length;
  }
  for (std::size_t i = 0; i < length; ++i) {
    if (is_line_breaking(static_cast<unsigned char>(data[i]))) data[i] = '?';
  }
  return length;
}

}  // namespace dgram::logd
