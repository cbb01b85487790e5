// record_reader - drains the log records waiting on a datagram socket.
//
// One receive() takes every record already queued, up to a batch, with one
// recvmmsg() call into buffers allocated once, each as large as a datagram
// can be (64 KiB): records are never cut at 4096 bytes and never treated as
// C strings.
#pragma once

#include <sys/socket.h>

#include <cstddef>
#include <string_view>
#include <vector>

namespace dgram::logd {

class RecordReader {
 public:
  static constexpr std::size_t kBatch = 32;
  static constexpr std::size_t kMaxRecord = 65536;

  RecordReader();

  // Receives what is queued without blocking. Returns the number of
  // records (0 when none), or -1 with errno set on a receive error.
  int receive(int fd);

  std::string_view record(std::size_t i) const;
  // The length the sender sent (larger than record(i).size() when truncated).
  std::size_t sent_length(std::size_t i) const { return lengths_[i]; }
  bool truncated(std::size_t i) const { return (headers_[i].msg_hdr.msg_flags & MSG_TRUNC) != 0; }

 private:
  std::vector<char> storage_;
  std::vector<iovec> vectors_;
  std::vector<mmsghdr> headers_;
  std::vector<std::size_t> lengths_;
};

}  // namespace dgram::logd
