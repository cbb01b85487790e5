// SPDX-License-Identifier: MIT
// NAME
//   payload - the bytes of each datagram.
// SUMMARY
//   Payload payload(size, sequence);
//   std::span<const char> bytes = payload.datagram(number);
// DESCRIPTION
//   Every byte at offset k of a datagram is the pattern 'a' + k % 26, except,
//   with --sequence, the first 13: the sequence number in 12 zero-padded
//   decimal digits and one space ("000000000042 "). The option parser has
//   already refused --sequence with fewer than 13 bytes or with numbers of
//   more than 12 digits.
//
//   datagram() rewrites the header of the one datagram buffer in place and
//   returns it, for send(2). For sendmmsg(2) each message needs its own
//   header: write_header() fills a caller's 13 bytes and tail() is the
//   pattern after the header, shared by all messages of a batch.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace flood {

class Payload {
 public:
  Payload(std::size_t size, bool sequence);

  bool sequence() const { return sequence_; }
  std::size_t size() const { return buffer_.size(); }

  // datagram - the whole datagram for sequence number n (n unused without --sequence).
  std::span<const char> datagram(std::uint64_t n);

  // tail - the bytes after the header (all bytes without --sequence).
  std::span<const char> tail() const;

  // write_header - writes "%012llu " for n into out[0..12].
  static void write_header(std::uint64_t n, char* out);

 private:
  bool sequence_;
  std::vector<char> buffer_;
};

}  // namespace flood
