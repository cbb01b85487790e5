// SPDX-License-Identifier: MIT
// sender - send(2) and sendmmsg(2) loops with flow-control waits.
#include "sending/sender.h"

#include <poll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <vector>

#include "clock.h"
#include "failure.h"
#include "progress.h"

namespace flood {

namespace {

// Each datagram is first offered with MSG_DONTWAIT (a flag of this call only,
// not of the socket): taken at once, it waited 0. Refused (the receiver's
// queue is full), the same call is made blocking, and the datagram's wait is
// the time from that first offer until the kernel took it: the sleep for
// room and the wait for a CPU once woken. Being preempted while the call ran
// on is the scheduler's doing, not the receiver's, and is not counted.
constexpr int kSendFlags = MSG_NOSIGNAL;  // blocking: the kernel waits for room
constexpr int kOfferFlags = MSG_NOSIGNAL | MSG_DONTWAIT;
constexpr std::int64_t kProgressSliceNs = kNanosPerSecond / 10;
constexpr std::int64_t kMinSliceNs = 1'000'000;     // 1 ms
constexpr std::int64_t kMinBackoffNs = 1'000'000;   // 1 ms
constexpr std::int64_t kMaxBackoffNs = 64'000'000;  // 64 ms

bool is_blocked(int error) { return error == EAGAIN || error == EWOULDBLOCK || error == ENOBUFS; }

timespec to_timespec(std::int64_t ns) {
  timespec t{};
  t.tv_sec = static_cast<time_t>(ns / kNanosPerSecond);
  t.tv_nsec = static_cast<long>(ns % kNanosPerSecond);
  return t;
}

}  // namespace

Sender::Sender(const FloodOptions& options, int fd, Progress& progress, std::int64_t phase_ns)
    : options_(options),
      fd_(fd),
      progress_(progress),
      payload_(options.size, options.sequence ? Payload::Header::sequence
                             : options.stamp  ? Payload::Header::stamp
                                              : Payload::Header::none),
      pacer_(options.rate),
      phase_ns_(phase_ns) {}

void Sender::set_send_slice() {
  const auto timeout_ns = static_cast<std::int64_t>(options_.timeout * kNanosPerSecond);
  if (progress_.enabled()) {
    slice_ns_ = timeout_ns > 0 ? std::min(timeout_ns, kProgressSliceNs) : kProgressSliceNs;
  } else {
    slice_ns_ = timeout_ns;
  }
  // A zero timeval means "forever" to the kernel: keep a real slice at least 1 ms.
  if (slice_ns_ > 0) slice_ns_ = std::max(slice_ns_, kMinSliceNs);
  timeval limit{};
  limit.tv_sec = static_cast<time_t>(slice_ns_ / kNanosPerSecond);
  limit.tv_usec = static_cast<suseconds_t>(slice_ns_ % kNanosPerSecond / 1000);
  if (::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof(limit)) != 0) {
    throw errno_failure(kExitSendFailed,
                        "setsockopt(SO_SNDTIMEO) on the socket to " + options_.socket_path, errno);
  }
}

SendOutcome Sender::run() {
  set_send_slice();
  // Paced: wake up on time, not up to the default 50 us of timer slack late
  // (a stamp is the due time, so a late wake-up would count as delay).
  if (pacer_.paced() && ::prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL) != 0) {
    throw errno_failure(kExitSendFailed, "prctl(PR_SET_TIMERSLACK)", errno);
  }
  std::int64_t start = monotonic_ns();
  pacer_.start(start + phase_ns_);
  progress_.update(0);
  if (options_.mmsg) {
    run_mmsg();
  } else {
    run_send();
  }
  return SendOutcome{sent_, start, monotonic_ns() - start, wait_, late_};
}

void Sender::run_send() {
  const std::uint64_t count = options_.count;
  while (sent_ < count) {
    std::uint64_t due = pacer_.wait_for(sent_, count - sent_);
    for (std::uint64_t k = 0; k < due; ++k) {
      const std::int64_t began = monotonic_ns();
      if (pacer_.late(sent_, began)) ++late_;
      std::span<const char> bytes = payload_.datagram(options_.first + sent_, due_ns(sent_, began));
      bool waited = false;
      for (;;) {
        ssize_t n = ::send(fd_, bytes.data(), bytes.size(), waited ? kSendFlags : kOfferFlags);
        if (n >= 0) {
          // A datagram goes out whole or not at all; anything else is a kernel surprise.
          if (static_cast<std::size_t>(n) != bytes.size()) fail("send (short)", EMSGSIZE);
          wait_.record(waited ? static_cast<std::uint64_t>(monotonic_ns() - began) : 0);
          break;
        }
        int error = errno;
        if (error == EINTR) continue;
        if (!is_blocked(error)) fail("send", error);
        if (!waited && error != ENOBUFS) {
          waited = true;  // refused at once: the queue is full; now wait for room
          continue;
        }
        waited = true;
        on_blocked(error);
      }
      on_progress(1);
    }
  }
}

void Sender::run_mmsg() {
  const std::uint64_t count = options_.count;
  const std::size_t batch = options_.batch;
  const std::size_t header = payload_.header_size();
  const std::span<const char> tail = payload_.tail();

  // Every message has its own header (--sequence, --stamp) and shares the tail.
  std::vector<char> headers(batch * header);
  std::vector<iovec> iov(batch * 2);
  std::vector<mmsghdr> messages(batch);
  for (std::size_t i = 0; i < batch; ++i) {
    iovec* parts = &iov[i * 2];
    std::size_t used = 0;
    if (header > 0) parts[used++] = iovec{&headers[i * header], header};
    // The kernel only reads through iov_base; iovec just has no const member.
    parts[used++] = iovec{const_cast<char*>(tail.data()), tail.size()};
    messages[i] = mmsghdr{};
    messages[i].msg_hdr.msg_iov = parts;
    messages[i].msg_hdr.msg_iovlen = used;
  }

  while (sent_ < count) {
    auto want = static_cast<std::size_t>(
        pacer_.wait_for(sent_, std::min<std::uint64_t>(batch, count - sent_)));
    std::size_t done = 0;
    std::int64_t began = monotonic_ns();
    for (std::size_t i = 0; i < want; ++i) {
      if (pacer_.late(sent_ + i, began)) ++late_;
      if (header > 0) {
        payload_.write_header(options_.first + sent_ + i, due_ns(sent_ + i, began),
                              &headers[i * header]);
      }
    }
    bool waited = false;
    while (done < want) {
      int n = ::sendmmsg(fd_, &messages[done], static_cast<unsigned>(want - done),
                         waited ? kSendFlags : kOfferFlags);
      if (n > 0) {
        for (std::size_t i = done; i < done + static_cast<std::size_t>(n); ++i) {
          if (messages[i].msg_len != payload_.size()) fail("sendmmsg (short)", EMSGSIZE);
        }
        done += static_cast<std::size_t>(n);
        const std::int64_t now = monotonic_ns();
        wait_.record(waited ? static_cast<std::uint64_t>(now - began) : 0, static_cast<std::uint64_t>(n));
        began = now;
        waited = false;  // the next message is offered first again
        on_progress(static_cast<std::uint64_t>(n));
        continue;
      }
      // sendmmsg() reports an error only when the first message fails.
      int error = n == 0 ? EIO : errno;
      if (error == EINTR) continue;
      if (!is_blocked(error)) fail("sendmmsg", error);
      if (!waited && error != ENOBUFS) {
        waited = true;  // refused at once: the queue is full; now wait for room
        continue;
      }
      waited = true;
      on_blocked(error);
    }
  }
}

std::int64_t Sender::due_ns(std::uint64_t index, std::int64_t now_ns) const {
  return pacer_.paced() ? pacer_.due_ns(index) : now_ns;
}

void Sender::on_progress(std::uint64_t count) {
  sent_ += count;
  stall_start_ns_ = -1;
  progress_.update(sent_);
}

void Sender::on_blocked(int error) {
  std::int64_t now = monotonic_ns();
  if (stall_start_ns_ < 0) {
    // EAGAIN means the kernel already waited one whole slice for room.
    stall_start_ns_ = error == ENOBUFS ? now : now - slice_ns_;
    backoff_ns_ = 0;
  }
  const bool forever = options_.timeout <= 0;
  const auto timeout_ns = static_cast<std::int64_t>(options_.timeout * kNanosPerSecond);
  const std::int64_t deadline = stall_start_ns_ + timeout_ns;
  if (!forever && now >= deadline) {
    char seconds[32];
    std::snprintf(seconds, sizeof(seconds), "%g", options_.timeout);
    throw Failure{kExitSendFailed, "timed out: no datagram could be sent to " +
                                       options_.socket_path + " for " + seconds +
                                       " s (is the receiver reading?); " + std::to_string(sent_) +
                                       " of " + std::to_string(options_.count) + " datagrams sent"};
  }
  progress_.waiting(sent_);
  if (error != ENOBUFS) return;  // retry: the next blocking send waits another slice

  // Memory pressure, not a full queue: wait for POLLOUT, which may well be
  // reported at once, and pause a little longer before each further retry.
  std::int64_t left = forever ? kMaxBackoffNs : deadline - now;
  if (backoff_ns_ > 0) {
    sleep_until_ns(now + std::min(backoff_ns_, left));
    now = monotonic_ns();
    left = forever ? kMaxBackoffNs : deadline - now;
  }
  backoff_ns_ = std::clamp(backoff_ns_ * 2, kMinBackoffNs, kMaxBackoffNs);
  if (left <= 0) return;  // the next failure reports the timeout
  pollfd descriptor{fd_, POLLOUT, 0};
  timespec limit = to_timespec(std::min(left, kMaxBackoffNs));
  // Whatever poll reports (POLLOUT, POLLERR, nothing in time), the retried send tells more.
  if (::ppoll(&descriptor, 1, &limit, nullptr) < 0 && errno != EINTR) fail("ppoll", errno);
}

void Sender::fail(const char* call, int error) const {
  Failure failure =
      errno_failure(kExitSendFailed, std::string(call) + " to " + options_.socket_path, error);
  failure.line +=
      " (" + std::to_string(sent_) + " of " + std::to_string(options_.count) + " datagrams sent)";
  throw failure;
}

}  // namespace flood
