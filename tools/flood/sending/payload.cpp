// SPDX-License-Identifier: MIT
// payload - filling the pattern and formatting the headers.
#include "sending/payload.h"

#include "flood_options.h"
#include "latency_stamp.h"

namespace flood {

Payload::Payload(std::size_t size, Header header) : header_(header), buffer_(size) {
  for (std::size_t k = 0; k < size; ++k) buffer_[k] = static_cast<char>('a' + k % 26);
}

std::size_t Payload::header_size() const {
  switch (header_) {
    case Header::sequence:
      return kSequenceHeader;
    case Header::stamp:
      return kStampSize;
    case Header::none:
      break;
  }
  return 0;
}

void Payload::write_sequence(std::uint64_t n, char* out) {
  for (std::size_t k = kSequenceDigits; k-- > 0;) {
    out[k] = static_cast<char>('0' + n % 10);
    n /= 10;
  }
  out[kSequenceDigits] = ' ';
}

void Payload::write_header(std::uint64_t n, std::int64_t due_ns, char* out) const {
  switch (header_) {
    case Header::sequence:
      write_sequence(n, out);
      break;
    case Header::stamp:
      dgram::latency::write_stamp(out, due_ns);
      break;
    case Header::none:
      break;
  }
}

std::span<const char> Payload::datagram(std::uint64_t n, std::int64_t due_ns) {
  write_header(n, due_ns, buffer_.data());
  return {buffer_.data(), buffer_.size()};
}

std::span<const char> Payload::tail() const {
  return std::span<const char>(buffer_).subspan(header_size());
}

}  // namespace flood
