// SPDX-License-Identifier: MIT
// batch_receiver - recvmmsg() with MSG_DONTWAIT and MSG_TRUNC.
#include "serve/batch_receiver.h"

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <string_view>

namespace dgram {

namespace {

constexpr std::size_t kControlSpace = CMSG_SPACE(sizeof(ucred));

// sender_of - what a received address says, viewing into address.
SenderAddress sender_of(const sockaddr_un& address, socklen_t length) {
  constexpr auto path_offset = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path));
  if (length <= path_offset) return {SenderAddress::Kind::unnamed, {}};
  std::size_t size = length - path_offset;
  if (size > sizeof(address.sun_path)) size = sizeof(address.sun_path);
  if (address.sun_path[0] == '\0') {
    return {SenderAddress::Kind::abstract, std::string_view(address.sun_path + 1, size - 1)};
  }
  return {SenderAddress::Kind::path, std::string_view(address.sun_path, ::strnlen(address.sun_path, size))};
}

}  // namespace

BatchReceiver::BatchReceiver(std::size_t buffer_size, std::size_t batch_limit, ReceiveOptions options)
    : buffer_size_(buffer_size),
      options_(options),
      storage_(buffer_size * batch_limit),
      vectors_(batch_limit),
      headers_(batch_limit) {
  if (options_.sender) {
    names_.resize(batch_limit);
    senders_.resize(batch_limit);
  }
  if (options_.credentials) {
    control_.resize(kControlSpace * batch_limit);
    credentials_.resize(batch_limit);
  }
  for (std::size_t i = 0; i < batch_limit; ++i) {
    vectors_[i] = {storage_.data() + i * buffer_size, buffer_size};
    headers_[i].msg_hdr.msg_iov = &vectors_[i];
    headers_[i].msg_hdr.msg_iovlen = 1;
  }
}

int BatchReceiver::receive(int fd, std::size_t limit) {
  unsigned int wanted = static_cast<unsigned int>(limit < headers_.size() ? limit : headers_.size());
  if (wanted == 0) return 0;
  // The kernel overwrites the lengths it fills in: reset what is asked for.
  for (unsigned int i = 0; (options_.sender || options_.credentials) && i < wanted; ++i) {
    msghdr& header = headers_[i].msg_hdr;
    if (options_.sender) {
      header.msg_name = &names_[i];
      header.msg_namelen = sizeof(sockaddr_un);
    }
    if (options_.credentials) {
      header.msg_control = control_.data() + i * kControlSpace;
      header.msg_controllen = kControlSpace;
    }
  }
  int count;
  do {
    // MSG_TRUNC makes msg_len the datagram's real length.
    count = ::recvmmsg(fd, headers_.data(), wanted, MSG_DONTWAIT | MSG_TRUNC, nullptr);
  } while (count < 0 && errno == EINTR);
  if (count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return 0;
  return count;
}

Datagram BatchReceiver::datagram(std::size_t i) {
  const msghdr& header = headers_[i].msg_hdr;
  std::size_t length = headers_[i].msg_len;
  bool truncated = (header.msg_flags & MSG_TRUNC) != 0 || length > buffer_size_;
  std::size_t kept = length < buffer_size_ ? length : buffer_size_;
  Datagram datagram{std::string_view(storage_.data() + i * buffer_size_, kept), length, truncated};
  if (options_.sender) {
    senders_[i] = sender_of(names_[i], header.msg_namelen);
    datagram.sender = &senders_[i];
  }
  if (options_.credentials) {
    for (cmsghdr* cmsg = CMSG_FIRSTHDR(&header); cmsg != nullptr;
         cmsg = CMSG_NXTHDR(const_cast<msghdr*>(&header), cmsg)) {
      if (cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_CREDENTIALS ||
          cmsg->cmsg_len < CMSG_LEN(sizeof(ucred))) {
        continue;
      }
      ucred kernel{};
      std::memcpy(&kernel, CMSG_DATA(cmsg), sizeof(kernel));
      // pid 0: the datagram was queued before credentials were asked for.
      if (kernel.pid != 0) {
        credentials_[i] = Credentials{kernel.pid, kernel.uid, kernel.gid};
        datagram.credentials = &credentials_[i];
      }
    }
  }
  return datagram;
}

}  // namespace dgram
