// SPDX-License-Identifier: MIT
// NAME
//   sender - the send loops of dgram-flood: one send(2) per datagram, or
//   sendmmsg(2) in batches.
// SUMMARY
//   Sender sender(options, socket.fd(), progress);
//   SendOutcome outcome = sender.run();
// DESCRIPTION
//   run() sends options.count datagrams numbered from options.first (see
//   payload.h for their bytes), paced by options.rate (see pacer.h), and
//   returns how many went out and how long that took, from just before the
//   first send to just after the last. A phase delays the pacing by that
//   much after the start (one of several senders, sender_shares.h); the
//   time waited counts in the elapsed time.
//
//   Sends block: a full receiver queue puts the sender to sleep inside
//   send(2) or sendmmsg(2) until the receiver makes room. That is the flow
//   control; no datagram is ever skipped or sent twice. SO_SNDTIMEO bounds
//   each sleep to one "slice" (the whole --timeout, or a tenth of a second
//   when a progress bar needs redrawing), after which the call fails with
//   EAGAIN; the sender then checks how long it has been stalled and retries
//   the same datagram. ENOBUFS (the kernel short of memory) does not sleep in
//   the kernel: the sender waits with ppoll(POLLOUT) and, when it repeats, a
//   short growing pause, so it never spins.
//
//   With --stamp each datagram's first 8 bytes are the time it was due
//   (payload.h): the pacer's schedule, however late the send; unpaced, the
//   time its send call began (for sendmmsg(2), the batch's call). With a
//   rate, the datagrams whose send began more than a period after they
//   were due are counted as late (pacer.h), stamped or not.
//
//   Paced, the process's timer slack is set to 1 ns, so that the pacer's
//   sleeps end on time.
//
//   Each datagram's wait is timed (send_wait.h): from the first attempt of
//   the call that sent it to that call's return, retries after a full
//   slice included, the pacer's sleep not. Two clock reads per call.
//
//   The sender owns nothing but its buffers; the socket and the progress bar
//   belong to the caller and must outlive it. Single-threaded.
// DIAGNOSTICS
//   Throws Failure with exit status 1 when no datagram could be sent for
//   options.timeout seconds (0: wait forever; the check comes at the end of
//   a slice, so it may fire up to one slice late), or when a send fails with
//   any other error, or when setsockopt(SO_SNDTIMEO) or
//   prctl(PR_SET_TIMERSLACK) fails; the line names
//   the socket path, the error text and how many datagrams had been sent.
#pragma once

#include <cstdint>

#include "flood_options.h"
#include "sending/pacer.h"
#include "sending/payload.h"
#include "sending/send_wait.h"

namespace flood {

class Progress;

struct SendOutcome {
  std::uint64_t sent = 0;
  std::int64_t start_ns = 0;    // CLOCK_MONOTONIC just before the first send
  std::int64_t elapsed_ns = 0;  // from then to just after the last send
  SendWait wait;                // how long each datagram's send call took (send_wait.h)
  std::uint64_t late = 0;       // paced: sends begun more than a period after due (pacer.h)
};

class Sender {
 public:
  Sender(const FloodOptions& options, int fd, Progress& progress, std::int64_t phase_ns = 0);

  SendOutcome run();

 private:
  // set_send_slice - chooses the slice and sets SO_SNDTIMEO to it.
  void set_send_slice();
  void run_send();
  void run_mmsg();
  // on_blocked - handles EAGAIN or ENOBUFS from a send before the retry, or throws at the timeout.
  void on_blocked(int error);
  // due_ns - the time datagram index was due: the pacer's, or now_ns unpaced.
  std::int64_t due_ns(std::uint64_t index, std::int64_t now_ns) const;
  // on_progress - records datagrams that went out and ends any stall.
  void on_progress(std::uint64_t count);
  [[noreturn]] void fail(const char* call, int error) const;

  const FloodOptions& options_;
  int fd_;
  Progress& progress_;
  Payload payload_;
  Pacer pacer_;
  std::int64_t phase_ns_;
  std::uint64_t sent_ = 0;
  SendWait wait_;
  std::uint64_t late_ = 0;
  std::int64_t slice_ns_ = 0;         // SO_SNDTIMEO; 0 = the kernel waits forever
  std::int64_t stall_start_ns_ = -1;  // when the current wait began; -1 when not stalled
  std::int64_t backoff_ns_ = 0;       // the sleep before the next ENOBUFS retry
};

}  // namespace flood
