// SPDX-License-Identifier: MIT
// NAME
//   flood_options - the dgram-flood command line, parsed into a plain struct.
// SUMMARY
//   ParseResult result = parse_flood_options(argc, argv);
// DESCRIPTION
//   parse_flood_options() reads the options described in usage_text() and
//   the one SOCKET_PATH operand. It does not print or exit: a bad command line
//   comes back as one error line that names the offending value, and the
//   caller reports it together with a usage hint and exit status 2.
//
//   Numbers are unsigned decimal, with no sign, no blanks and nothing after
//   the digits; --rate and --timeout also take a fraction ("0.5"). PIDs are
//   from 1 to 2147483647; whether a process has that pid is checked later,
//   when the run starts (measuring/usage_meter.h).
//
//   --settle MS (milliseconds, 1 to 3600000) needs --receiver or
//   --find-receivers: it watches their CPU time (cpu_settle.h).
//
//   --receiver, --find-receivers and --master imply --drain: the receivers'
//   usage is read when they have consumed everything, not while up to a
//   queueful is still waiting for them. --receiver may be repeated; a pid
//   given twice counts once.
//
//   --senders N splits the run over N processes (sending/sender_team.h); the other
//   options keep their meaning for the whole run: --count and --rate are
//   totals, --first starts the union of the senders' sequence ranges.
// DIAGNOSTICS
//   Unknown options, missing option values, malformed or out-of-range
//   numbers, a missing or surplus operand, a socket path that does not fit in
//   sockaddr_un, and --sequence with a size below 13 bytes or with numbers
//   that would need more than 12 digits; --receiver together with
//   --find-receivers, one pid given as both --receiver and --master, and
//   --senders above 1 with a --count below it (a sender with nothing to
//   send); --stamp with a size below 8 bytes, or together with --sequence
//   (both write the first bytes); --settle without --receiver or
//   --find-receivers.
// SEE ALSO
//   sender(3), the dgram-flood usage text.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "latency_stamp.h"

namespace flood {

// Width of the zero-padded sequence number at the start of a --sequence
// datagram, and the header it makes with the space that follows it.
inline constexpr std::size_t kSequenceDigits = 12;
inline constexpr std::size_t kSequenceHeader = kSequenceDigits + 1;
inline constexpr std::uint64_t kSequenceLimit = 1'000'000'000'000ULL;  // 10^12

// --stamp: the bytes of the timestamp (latency_stamp.h).
inline constexpr std::size_t kStampSize = dgram::latency::kStampSize;

inline constexpr std::size_t kMaxSize = 65536;
inline constexpr std::size_t kMaxBatch = 1024;  // the kernel's UIO_MAXIOV cap on sendmmsg
// --senders: each sender costs the parent a socket and a pipe, both open
// for the whole run; 256 of each stay well inside the usual 1024 fds.
inline constexpr unsigned kMaxSenders = 256;

struct FloodOptions {
  std::string socket_path;
  std::uint64_t count = 1000;
  std::size_t size = 100;
  double rate = 0;  // datagrams per second; 0 = unpaced
  bool sequence = false;
  std::uint64_t first = 0;
  bool mmsg = false;
  std::size_t batch = 64;
  bool json = false;
  double timeout = 30;  // seconds without progress before giving up; 0 = never
  bool quiet = false;
  bool drain = false;            // time until the receiver consumed everything
  std::vector<pid_t> receivers;  // --receiver, ascending, no repeats
  bool find_receivers = false;   // the holders of the receiving socket
  pid_t master = 0;              // --master; 0 = none named
  unsigned senders = 1;          // --senders: processes sharing the count (sender_team.h)
  bool stamp = false;            // --stamp: each datagram starts with its due time
  std::uint64_t settle_ms = 0;   // --settle: after the drain, wait for the receivers' CPU to rest

  // measures_usage - whether receivers' (or a master's) CPU and switches are counted.
  bool measures_usage() const { return !receivers.empty() || find_receivers || master != 0; }
};

struct ParseResult {
  enum class Action { run, help, error };
  Action action = Action::error;
  FloodOptions options;
  std::string error;  // one line, for Action::error
};

// parse_flood_options - reads argv into FloodOptions, or explains the problem.
ParseResult parse_flood_options(int argc, char* const argv[]);

// usage_text - the --help text, ending in a newline.
std::string usage_text(const char* program);

}  // namespace flood
