// record_reader - drains the log records waiting on a datagram socket.
//
// One receive() takes the records already queued, up to a batch (or fewer
// when the caller may take fewer: 1 in Postfix-compatible mode), with one
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

  // Receives what is queued, at most `most` records (and at most kBatch),
  // without blocking. Returns the number of records (0 when none), or -1
  // with errno set on a receive error.
  int receive(int fd, std::size_t most = kBatch);

  std::string_view record(std::size_t i) const;
  // The bytes of record(i), writable in place (see record_line.h).
  char* data(std::size_t i) { return storage_.data() + i * kMaxRecord; }
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
