// batch_receiver - recvmmsg() with MSG_DONTWAIT and MSG_TRUNC.
#include "batch_receiver.h"

#include <cerrno>
#include <string_view>

namespace dgram {

BatchReceiver::BatchReceiver(std::size_t buffer_size, std::size_t batch_limit)
    : buffer_size_(buffer_size),
      storage_(buffer_size * batch_limit),
      vectors_(batch_limit),
      headers_(batch_limit) {
  for (std::size_t i = 0; i < batch_limit; ++i) {
    vectors_[i] = {storage_.data() + i * buffer_size, buffer_size};
    headers_[i].msg_hdr.msg_iov = &vectors_[i];
    headers_[i].msg_hdr.msg_iovlen = 1;
  }
}

int BatchReceiver::receive(int fd, std::size_t limit) {
  unsigned int wanted = static_cast<unsigned int>(limit < headers_.size() ? limit : headers_.size());
  if (wanted == 0) return 0;
  int count;
  do {
    // MSG_TRUNC makes msg_len the datagram's real length.
    count = ::recvmmsg(fd, headers_.data(), wanted, MSG_DONTWAIT | MSG_TRUNC, nullptr);
  } while (count < 0 && errno == EINTR);
  if (count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return 0;
  return count;
}

Datagram BatchReceiver::datagram(std::size_t i) const {
  std::size_t length = headers_[i].msg_len;
  bool truncated = (headers_[i].msg_hdr.msg_flags & MSG_TRUNC) != 0 || length > buffer_size_;
  std::size_t kept = length < buffer_size_ ? length : buffer_size_;
  return Datagram{std::string_view(storage_.data() + i * buffer_size_, kept), length, truncated};
}

}  // namespace dgram
