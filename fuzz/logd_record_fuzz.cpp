// SPDX-License-Identifier: MIT
// logd_record_fuzz - libFuzzer target for dgram-logd's record handling: any
// bytes a local client can send become exactly one line (record_line.h).
//
// Checked for every input: the line ends in the only newline; no control
// byte is left; every other byte is kept in its place; control bytes become
// '?'; at most the client's own line end ("\n" or "\r\n") is dropped. The
// read-only form (one_line_of) gives the same line, from the record itself
// when it needed no '?', else from the scratch buffer. Builds alone:
// record_line.cpp needs neither libevent nor the library.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#include "record_line.h"

namespace {

void check(bool condition) {
  if (!condition) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // The record as it lies in the receive buffer, and room for our newline.
  std::vector<char> buffer(size + 1);
  if (size > 0) std::memcpy(buffer.data(), data, size);
  std::size_t length = dgram::logd::make_one_line(buffer.data(), size);
  check(length <= size);
  buffer[length] = '\n';

  std::size_t dropped = size - length;
  check(dropped <= 2);
  if (dropped >= 1) check(data[size - 1] == '\n');
  if (dropped == 2) check(data[size - 2] == '\r');
  if (dropped == 0 && size > 0) check(data[size - 1] != '\n');

  for (std::size_t i = 0; i < length; ++i) {
    auto in = static_cast<unsigned char>(data[i]);
    auto out = static_cast<unsigned char>(buffer[i]);
    check(!dgram::logd::is_line_breaking(out));
    check(dgram::logd::is_line_breaking(in) ? out == '?' : out == in);
  }
  // Exactly one line: the newline we add is the only one.
  check(std::memchr(buffer.data(), '\n', length) == nullptr);

  // The same line from a record that may not be written to.
  std::string_view record(reinterpret_cast<const char*>(data), size);
  std::vector<char> scratch(size + 1);
  std::string_view line = dgram::logd::one_line_of(record, scratch.data());
  check(line == std::string_view(buffer.data(), length));
  bool rewritten = length > 0 && std::memcmp(buffer.data(), data, length) != 0;
  check(line.data() == (rewritten ? scratch.data() : record.data()));
  return 0;
}
