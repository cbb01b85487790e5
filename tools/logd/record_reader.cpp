// record_reader - one recvmmsg() per wake-up.
#include "record_reader.h"

#include <cerrno>

namespace dgram::logd {

RecordReader::RecordReader()
    : storage_(kBatch * kMaxRecord), vectors_(kBatch), headers_(kBatch), lengths_(kBatch) {
  for (std::size_t i = 0; i < kBatch; ++i) {
    vectors_[i] = {storage_.data() + i * kMaxRecord, kMaxRecord};
  }
}

int RecordReader::receive(int fd, std::size_t most) {
  auto batch = static_cast<unsigned>(most < kBatch ? most : kBatch);
  if (batch == 0) return 0;
  for (std::size_t i = 0; i < batch; ++i) {
    headers_[i] = {};
    headers_[i].msg_hdr.msg_iov = &vectors_[i];
    headers_[i].msg_hdr.msg_iovlen = 1;
  }
  int count;
  do {
    count = ::recvmmsg(fd, headers_.data(), batch, MSG_DONTWAIT | MSG_TRUNC, nullptr);
  } while (count < 0 && errno == EINTR);
  if (count < 0) return (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -1;
  for (int i = 0; i < count; ++i) lengths_[static_cast<std::size_t>(i)] = headers_[static_cast<std::size_t>(i)].msg_len;
  return count;
}

std::string_view RecordReader::record(std::size_t i) const {
  std::size_t length = lengths_[i] < kMaxRecord ? lengths_[i] : kMaxRecord;
  return std::string_view(storage_.data() + i * kMaxRecord, length);
}

}  // namespace dgram::logd
