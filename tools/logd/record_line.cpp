// SPDX-License-Identifier: MIT
// record_line - turns one received log record into exactly one line.
#include "record_line.h"

#include <cstring>

namespace dgram::logd {

namespace {

// The length of the record without the sender's own line end: one "\n", or "\r\n".
std::size_t without_line_end(const char* data, std::size_t length) noexcept {
  if (length > 0 && data[length - 1] == '\n') {
    --length;
    if (length > 0 && data[length - 1] == '\r') --length;
  }
  return length;
}

}  // namespace

std::size_t make_one_line(char* data, std::size_t length) noexcept {
  length = without_line_end(data, length);
  for (std::size_t i = 0; i < length; ++i) {
    if (is_line_breaking(static_cast<unsigned char>(data[i]))) data[i] = '?';
  }
  return length;
}

std::string_view one_line_of(std::string_view record, char* scratch) noexcept {
  std::size_t length = without_line_end(record.data(), record.size());
  std::size_t first = 0;
  while (first < length && !is_line_breaking(static_cast<unsigned char>(record[first]))) ++first;
  if (first == length) return record.substr(0, length);
  std::memcpy(scratch, record.data(), length);
  for (std::size_t i = first; i < length; ++i) {
    if (is_line_breaking(static_cast<unsigned char>(scratch[i]))) scratch[i] = '?';
  }
  return std::string_view(scratch, length);
}

}  // namespace dgram::logd
