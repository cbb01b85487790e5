// SPDX-License-Identifier: MIT
// NAME
//   latency_stamp - the timestamp a latency datagram starts with: its one
//   definition, for the sender (dgram-flood --stamp) and the receivers
//   (dgram-sink's dgram_sink_latency_* mode, bench/harness/raw-receiver --latency).
// SUMMARY
//   write_stamp(datagram, ns);           // the sender, into >= kStampSize bytes
//   std::optional<std::int64_t> sent = read_stamp(bytes);   // a receiver
//   std::int64_t delay = stamp_clock_ns() - *sent;
// DESCRIPTION
//   The first kStampSize (8) bytes of the datagram are a CLOCK_MONOTONIC time
//   in nanoseconds, a signed 64-bit integer in the machine's byte order:
//   sender and receivers are processes of one machine, which share that
//   clock. The bytes after it are the sender's (dgram-flood's pattern).
//   dgram-flood writes the time the datagram was due by its pacer, not the
//   time it went out, so a sender that fell behind does not hide the wait
//   (see dgram-flood(1), --stamp). A receiver's delay is its own
//   stamp_clock_ns() when it has the datagram, minus the stamp.
//
//   Header-only and free of the library, so that the standalone tools can
//   include it; not installed (include/dgram/ is the library's surface).
// DIAGNOSTICS
//   read_stamp() gives nothing for a datagram shorter than kStampSize.
//   stamp_clock_ns() cannot fail on Linux short of a broken system; it
//   answers 0 if clock_gettime() ever did.
#pragma once

#include <time.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>

namespace dgram::latency {

inline constexpr std::size_t kStampSize = sizeof(std::int64_t);

// stamp_clock_ns - CLOCK_MONOTONIC now, in nanoseconds: the clock of the stamps.
inline std::int64_t stamp_clock_ns() noexcept {
  timespec now{};
  if (::clock_gettime(CLOCK_MONOTONIC, &now) != 0) return 0;
  return static_cast<std::int64_t>(now.tv_sec) * 1'000'000'000 + now.tv_nsec;
}

// write_stamp - puts ns into the first kStampSize bytes at out.
inline void write_stamp(char* out, std::int64_t ns) noexcept { std::memcpy(out, &ns, kStampSize); }

// read_stamp - the stamp a datagram starts with; nothing when it is too short to carry one.
inline std::optional<std::int64_t> read_stamp(std::string_view datagram) noexcept {
  if (datagram.size() < kStampSize) return std::nullopt;
  std::int64_t ns = 0;
  std::memcpy(&ns, datagram.data(), kStampSize);
  return ns;
}

}  // namespace dgram::latency
