// SPDX-License-Identifier: MIT
// NAME
//   payload - the bytes of each datagram.
// SUMMARY
//   Payload payload(size, Payload::Header::sequence);
//   std::span<const char> bytes = payload.datagram(number, due_ns);
// DESCRIPTION
//   Every byte at offset k of a datagram is the pattern 'a' + k % 26, except
//   the header at its start, which is one of:
//     none      no header: the pattern from offset 0;
//     sequence  (--sequence) the sequence number in 12 zero-padded decimal
//               digits and one space ("000000000042 "), 13 bytes;
//     stamp     (--stamp) the time the datagram was due, CLOCK_MONOTONIC
//               nanoseconds, 8 bytes as latency_stamp.h lays them out.
//   The option parser has already refused a size too small for the header,
//   sequence numbers of more than 12 digits and both headers at once.
//
//   datagram() rewrites the header of the one datagram buffer in place and
//   returns it, for send(2); it uses the number or the time, whichever the
//   header holds. For sendmmsg(2) each message needs its own header:
//   write_header() fills a caller's header_size() bytes and tail() is the
//   pattern after the header, shared by all messages of a batch.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace flood {

class Payload {
 public:
  enum class Header { none, sequence, stamp };

  Payload(std::size_t size, Header header);

  Header header() const { return header_; }
  // header_size - the bytes the header takes: 0, 13 or 8.
  std::size_t header_size() const;
  std::size_t size() const { return buffer_.size(); }

  // datagram - the whole datagram with number n or due time due_ns in its header.
  std::span<const char> datagram(std::uint64_t n, std::int64_t due_ns);

  // tail - the bytes after the header (all bytes without one).
  std::span<const char> tail() const;

  // write_header - writes this payload's header for n or due_ns into out[0..header_size()).
  void write_header(std::uint64_t n, std::int64_t due_ns, char* out) const;

  // write_sequence - writes "%012llu " for n into out[0..12].
  static void write_sequence(std::uint64_t n, char* out);

 private:
  Header header_;
  std::vector<char> buffer_;
};

}  // namespace flood
