// SPDX-License-Identifier: MIT
// batch_receiver - recvmmsg() with MSG_DONTWAIT and MSG_TRUNC, and the
// control messages asked for: credentials, pidfd, timestamp.
#include "serve/batch_receiver.h"

#include <linux/time_types.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <string_view>

#include "base/socket_constants.h"

namespace dgram {

namespace {

// control_space - room for every control message options ask for, per datagram.
std::size_t control_space(const ReceiveOptions& options) {
  std::size_t space = 0;
  if (options.credentials) space += CMSG_SPACE(sizeof(ucred));
  if (options.pidfd) space += CMSG_SPACE(sizeof(int));
  if (options.timestamp) space += CMSG_SPACE(sizeof(__kernel_timespec));
  return space;
}

// holds - cmsg is level/type and carries at least size bytes.
bool holds(const cmsghdr& cmsg, int type, std::size_t size) {
  return cmsg.cmsg_level == SOL_SOCKET && cmsg.cmsg_type == type && cmsg.cmsg_len >= CMSG_LEN(size);
}

// close_passed_descriptors - closes the descriptors in a message not asked
// for: what a sender passed (SCM_RIGHTS), or a pidfd someone else's
// SO_PASSPIDFD on the socket brought.
void close_passed_descriptors(const cmsghdr& cmsg) {
  if (cmsg.cmsg_level != SOL_SOCKET || (cmsg.cmsg_type != SCM_RIGHTS && cmsg.cmsg_type != kScmPidfd) ||
      cmsg.cmsg_len < CMSG_LEN(0)) {
    return;
  }
  std::size_t count = (cmsg.cmsg_len - CMSG_LEN(0)) / sizeof(int);
  const unsigned char* data = CMSG_DATA(&cmsg);
  for (std::size_t k = 0; k < count; ++k) {
    int fd;
    std::memcpy(&fd, data + k * sizeof(int), sizeof(fd));
    // Never ours to keep; there is nothing to do when closing fails.
    if (fd >= 0) (void)::close(fd);
  }
}

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
      control_space_(0),
      storage_(buffer_size * batch_limit),
      vectors_(batch_limit),
      headers_(batch_limit) {
  if (options_.pidfd) options_.credentials = true;
  control_space_ = control_space(options_);
  if (options_.sender) {
    names_.resize(batch_limit);
    senders_.resize(batch_limit);
  }
  if (control_space_ > 0) control_.resize(control_space_ * batch_limit);
  if (options_.credentials) credentials_.resize(batch_limit);
  if (options_.pidfd) pidfds_.resize(batch_limit);
  if (options_.timestamp) times_.resize(batch_limit);
  for (std::size_t i = 0; i < batch_limit; ++i) {
    vectors_[i] = {storage_.data() + i * buffer_size, buffer_size};
    headers_[i].msg_hdr.msg_iov = &vectors_[i];
    headers_[i].msg_hdr.msg_iovlen = 1;
  }
}

int BatchReceiver::receive(int fd, std::size_t limit) {
  // The previous batch has been served: its pidfds are done with.
  for (UniqueFd& pidfd : pidfds_) pidfd.reset();
  unsigned int wanted = static_cast<unsigned int>(limit < headers_.size() ? limit : headers_.size());
  if (wanted == 0) return 0;
  // The kernel overwrites the lengths it fills in: reset what is asked for.
  for (unsigned int i = 0; (options_.sender || control_space_ > 0) && i < wanted; ++i) {
    msghdr& header = headers_[i].msg_hdr;
    if (options_.sender) {
      header.msg_name = &names_[i];
      header.msg_namelen = sizeof(sockaddr_un);
    }
    if (control_space_ > 0) {
      header.msg_control = control_.data() + i * control_space_;
      header.msg_controllen = control_space_;
    }
  }
  int count;
  do {
    // MSG_TRUNC makes msg_len the datagram's real length; MSG_CMSG_CLOEXEC
    // keeps received descriptors (pidfds) out of anything the service execs.
    count = ::recvmmsg(fd, headers_.data(), wanted, MSG_DONTWAIT | MSG_TRUNC | MSG_CMSG_CLOEXEC, nullptr);
  } while (count < 0 && errno == EINTR);
  if (count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return 0;
  // Every descriptor the kernel opened is owned before anything else can fail.
  for (int i = 0; control_space_ > 0 && i < count; ++i) parse_control(static_cast<std::size_t>(i));
  return count;
}

void BatchReceiver::parse_control(std::size_t i) {
  msghdr& header = headers_[i].msg_hdr;
  if (options_.credentials) credentials_[i] = Credentials{};
  if (options_.timestamp) times_[i] = {};
  if ((header.msg_flags & MSG_CTRUNC) != 0) ++control_truncated_;
  // CMSG_NXTHDR stops at msg_controllen, which the kernel set to what it
  // wrote: a message cut short is never read past its end.
  for (cmsghdr* cmsg = CMSG_FIRSTHDR(&header); cmsg != nullptr; cmsg = CMSG_NXTHDR(&header, cmsg)) {
    if (options_.credentials && holds(*cmsg, SCM_CREDENTIALS, sizeof(ucred))) {
      ucred kernel{};
      std::memcpy(&kernel, CMSG_DATA(cmsg), sizeof(kernel));
      credentials_[i].pid = kernel.pid;
      credentials_[i].uid = kernel.uid;
      credentials_[i].gid = kernel.gid;
    } else if (options_.pidfd && holds(*cmsg, kScmPidfd, sizeof(int))) {
      int pidfd;
      std::memcpy(&pidfd, CMSG_DATA(cmsg), sizeof(pidfd));
      // A negative number is an error a kernel put there instead of a pidfd.
      if (pidfd >= 0) pidfds_[i].reset(pidfd);
    } else if (options_.timestamp && holds(*cmsg, kTimestampNs, sizeof(__kernel_timespec))) {
      __kernel_timespec stamp{};
      std::memcpy(&stamp, CMSG_DATA(cmsg), sizeof(stamp));
      times_[i] = std::chrono::system_clock::time_point(
          std::chrono::duration_cast<std::chrono::system_clock::duration>(
              std::chrono::seconds(stamp.tv_sec) + std::chrono::nanoseconds(stamp.tv_nsec)));
    } else {
      close_passed_descriptors(*cmsg);
    }
  }
  if (options_.pidfd) credentials_[i].pidfd = pidfds_[i].get();
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
  // pid 0: the datagram was queued before credentials were asked for; its
  // pidfd, if one came, is still closed at the next receive().
  if (options_.credentials && credentials_[i].pid != 0) datagram.credentials = &credentials_[i];
  if (options_.timestamp) datagram.received_at = times_[i];
  return datagram;
}

}  // namespace dgram
