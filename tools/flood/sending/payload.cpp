// SPDX-License-Identifier: MIT
// payload - filling the pattern and formatting sequence headers.
#include "sending/payload.h"

#include "flood_options.h"

namespace flood {

Payload::Payload(std::size_t size, bool sequence) : sequence_(sequence), buffer_(size) {
  for (std::size_t k = 0; k < size; ++k) buffer_[k] = static_cast<char>('a' + k % 26);
}

void Payload::write_header(std::uint64_t n, char* out) {
  for (std::size_t k = kSequenceDigits; k-- > 0;) {
    out[k] = static_cast<char>('0' + n % 10);
    n /= 10;
  }
  out[kSequenceDigits] = ' ';
}

std::span<const char> Payload::datagram(std::uint64_t n) {
  if (sequence_) write_header(n, buffer_.data());
  return {buffer_.data(), buffer_.size()};
}

std::span<const char> Payload::tail() const {
  std::size_t skip = sequence_ ? kSequenceHeader : 0;
  return std::span<const char>(buffer_).subspan(skip);
}

}  // namespace flood
