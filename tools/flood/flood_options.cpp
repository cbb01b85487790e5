// SPDX-License-Identifier: MIT
// flood_options - parsing the dgram-flood command line.
#include "flood_options.h"

#include <sys/un.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <optional>
#include <string_view>

namespace flood {

namespace {

enum class Id {
  count,
  size,
  rate,
  sequence,
  first,
  mmsg,
  batch,
  json,
  timeout,
  quiet,
  help,
  drain,
  receiver,
  find_receivers,
  master,
  senders,
  stamp,
  settle,
};

struct OptionSpec {
  std::string_view long_name;  // without the leading "--"
  char short_name;             // 0 when there is none
  bool takes_value;
  Id id;
};

constexpr OptionSpec kOptions[] = {
    {"count", 'n', true, Id::count},     {"size", 's', true, Id::size},
    {"rate", 'r', true, Id::rate},       {"sequence", 'q', false, Id::sequence},
    {"first", 0, true, Id::first},       {"mmsg", 'm', false, Id::mmsg},
    {"batch", 0, true, Id::batch},       {"json", 0, false, Id::json},
    {"timeout", 0, true, Id::timeout},   {"quiet", 0, false, Id::quiet},
    {"help", 'h', false, Id::help},      {"drain", 0, false, Id::drain},
    {"receiver", 0, true, Id::receiver}, {"find-receivers", 0, false, Id::find_receivers},
    {"master", 0, true, Id::master},     {"senders", 0, true, Id::senders},
    {"stamp", 0, false, Id::stamp},     {"settle", 0, true, Id::settle},
};

constexpr std::uint64_t kMaxPid = 2147483647;  // pid_t is a 32-bit int on Linux

// Thrown inside this file only, caught by parse_flood_options().
struct BadCommandLine {
  std::string line;
};

// quoted - the value as it appears in an error line.
std::string quoted(std::string_view text) { return "'" + std::string(text) + "'"; }

// parse_unsigned - a decimal number in [low, high], or BadCommandLine naming it.
std::uint64_t parse_unsigned(std::string_view option, std::string_view text, std::uint64_t low,
                             std::uint64_t high) {
  if (text.empty() || text.find_first_not_of("0123456789") != std::string_view::npos) {
    throw BadCommandLine{"invalid " + std::string(option) + " value " + quoted(text) +
                         ": expected an unsigned decimal number"};
  }
  std::uint64_t value = 0;
  bool too_big = false;
  for (char c : text) {
    auto digit = static_cast<std::uint64_t>(c - '0');
    if (digit > high || value > (high - digit) / 10) {  // value * 10 + digit > high
      too_big = true;
      break;
    }
    value = value * 10 + digit;
  }
  if (too_big || value < low) {
    throw BadCommandLine{"invalid " + std::string(option) + " value " + quoted(text) +
                         ": must be from " + std::to_string(low) + " to " + std::to_string(high)};
  }
  return value;
}

// parse_decimal - a non-negative number with an optional fraction, up to high.
double parse_decimal(std::string_view option, std::string_view text, double high) {
  std::size_t dot = text.find('.');
  std::string_view whole = text.substr(0, dot);
  std::string_view fraction = dot == std::string_view::npos ? "" : text.substr(dot + 1);
  bool digits_only = whole.find_first_not_of("0123456789") == std::string_view::npos &&
                     fraction.find_first_not_of("0123456789") == std::string_view::npos;
  if (!digits_only || (whole.empty() && fraction.empty())) {
    throw BadCommandLine{"invalid " + std::string(option) + " value " + quoted(text) +
                         ": expected a non-negative decimal number"};
  }
  std::string copy(text);
  errno = 0;
  double value = std::strtod(copy.c_str(), nullptr);
  if (errno != 0 || !std::isfinite(value) || value > high) {
    throw BadCommandLine{"invalid " + std::string(option) + " value " + quoted(text) +
                         ": must be at most " + std::to_string(static_cast<std::uint64_t>(high))};
  }
  return value;
}

const OptionSpec* find_long(std::string_view name) {
  for (const auto& spec : kOptions) {
    if (spec.long_name == name) return &spec;
  }
  return nullptr;
}

const OptionSpec* find_short(char name) {
  for (const auto& spec : kOptions) {
    if (spec.short_name != 0 && spec.short_name == name) return &spec;
  }
  return nullptr;
}

// apply - stores one option; spelled is how the user wrote its name.
void apply(FloodOptions& options, bool& help, const OptionSpec& spec, std::string_view spelled,
           std::string_view value) {
  switch (spec.id) {
    case Id::count:
      options.count = parse_unsigned(spelled, value, 0, UINT64_MAX);
      break;
    case Id::size:
      options.size = parse_unsigned(spelled, value, 0, kMaxSize);
      break;
    case Id::rate:
      options.rate = parse_decimal(spelled, value, 1e9);
      break;
    case Id::first:
      options.first = parse_unsigned(spelled, value, 0, kSequenceLimit - 1);
      break;
    case Id::batch:
      options.batch = parse_unsigned(spelled, value, 1, kMaxBatch);
      break;
    case Id::timeout:
      options.timeout = parse_decimal(spelled, value, 1e6);
      break;
    case Id::sequence:
      options.sequence = true;
      break;
    case Id::mmsg:
      options.mmsg = true;
      break;
    case Id::json:
      options.json = true;
      break;
    case Id::quiet:
      options.quiet = true;
      break;
    case Id::help:
      help = true;
      break;
    case Id::drain:
      options.drain = true;
      break;
    case Id::receiver:
      options.receivers.push_back(static_cast<pid_t>(parse_unsigned(spelled, value, 1, kMaxPid)));
      break;
    case Id::find_receivers:
      options.find_receivers = true;
      break;
    case Id::master:
      options.master = static_cast<pid_t>(parse_unsigned(spelled, value, 1, kMaxPid));
      break;
    case Id::senders:
      options.senders = static_cast<unsigned>(parse_unsigned(spelled, value, 1, kMaxSenders));
      break;
    case Id::stamp:
      options.stamp = true;
      break;
    case Id::settle:
      options.settle_ms = parse_unsigned(spelled, value, 1, 3'600'000);
      break;
  }
}

// check_combination - the rules that tie several options together.
void check_combination(const FloodOptions& options) {
  if (options.sequence && options.size < kSequenceHeader) {
    throw BadCommandLine{"--sequence needs --size of at least " + std::to_string(kSequenceHeader) +
                         " bytes (12 digits and a space), got " + std::to_string(options.size)};
  }
  if (options.sequence && options.count > kSequenceLimit - options.first) {
    throw BadCommandLine{"--sequence numbers from " + std::to_string(options.first) + " for " +
                         std::to_string(options.count) +
                         " datagrams would need more than 12 digits"};
  }
  if (options.stamp && options.size < kStampSize) {
    throw BadCommandLine{"--stamp needs --size of at least " + std::to_string(kStampSize) +
                         " bytes (the timestamp), got " + std::to_string(options.size)};
  }
  if (options.stamp && options.sequence) {
    throw BadCommandLine{
        "--stamp and --sequence exclude each other: both write the first bytes of a datagram"};
  }
  if (options.settle_ms > 0 && options.receivers.empty() && !options.find_receivers) {
    throw BadCommandLine{
        "--settle watches the receivers' CPU time: it needs --receiver or --find-receivers"};
  }
  if (!options.receivers.empty() && options.find_receivers) {
    throw BadCommandLine{
        "--receiver and --find-receivers exclude each other: name the "
        "receivers or have them found, not both"};
  }
  if (options.master != 0 && std::find(options.receivers.begin(), options.receivers.end(),
                                       options.master) != options.receivers.end()) {
    throw BadCommandLine{"pid " + std::to_string(options.master) +
                         " is given as both --receiver and --master"};
  }
  if (options.senders > 1 && options.count < options.senders) {
    throw BadCommandLine{"--senders " + std::to_string(options.senders) + " with --count " +
                         std::to_string(options.count) +
                         ": every sender needs at least one datagram to send"};
  }
  constexpr std::size_t kPathRoom = sizeof(sockaddr_un::sun_path) - 1;
  if (options.socket_path.size() > kPathRoom) {
    throw BadCommandLine{"socket path " + quoted(options.socket_path) + " is too long (" +
                         std::to_string(options.socket_path.size()) + " bytes, at most " +
                         std::to_string(kPathRoom) + ")"};
  }
}

void parse(int argc, char* const argv[], FloodOptions& options, bool& help) {
  std::optional<std::string> path;
  auto operand = [&](std::string_view text) {
    if (path)
      throw BadCommandLine{"unexpected extra argument " + quoted(text) + " after socket path " +
                           quoted(*path)};
    path = std::string(text);
  };
  bool options_done = false;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (options_done || arg.size() < 2 || arg[0] != '-') {
      operand(arg);
    } else if (arg == "--") {
      options_done = true;
    } else if (arg.starts_with("--")) {
      std::string_view body = arg.substr(2);
      std::size_t equals = body.find('=');
      std::string_view name = body.substr(0, equals);
      const OptionSpec* spec = find_long(name);
      std::string spelled = "--" + std::string(name);
      if (spec == nullptr) throw BadCommandLine{"unknown option " + quoted(spelled)};
      std::string_view value;
      if (equals != std::string_view::npos) {
        if (!spec->takes_value)
          throw BadCommandLine{"option " + quoted(spelled) + " does not take a value"};
        value = body.substr(equals + 1);
      } else if (spec->takes_value) {
        if (i + 1 >= argc) throw BadCommandLine{"option " + quoted(spelled) + " needs a value"};
        value = argv[++i];
      }
      apply(options, help, *spec, spelled, value);
    } else {
      // A cluster of short options: "-qm", "-n5", "-qn 5".
      for (std::size_t k = 1; k < arg.size(); ++k) {
        const OptionSpec* spec = find_short(arg[k]);
        std::string spelled = std::string("-") + arg[k];
        if (spec == nullptr) throw BadCommandLine{"unknown option " + quoted(spelled)};
        if (!spec->takes_value) {
          apply(options, help, *spec, spelled, {});
          continue;
        }
        std::string_view value;
        if (k + 1 < arg.size()) {
          value = arg.substr(k + 1);
        } else if (i + 1 < argc) {
          value = argv[++i];
        } else {
          throw BadCommandLine{"option " + quoted(spelled) + " needs a value"};
        }
        apply(options, help, *spec, spelled, value);
        break;
      }
    }
  }
  if (help) return;
  if (!path) throw BadCommandLine{"missing SOCKET_PATH operand"};
  if (path->empty()) throw BadCommandLine{"empty SOCKET_PATH operand"};
  options.socket_path = std::move(*path);
  check_combination(options);
  std::sort(options.receivers.begin(), options.receivers.end());
  options.receivers.erase(std::unique(options.receivers.begin(), options.receivers.end()),
                          options.receivers.end());
  if (options.measures_usage()) options.drain = true;
}

}  // namespace

ParseResult parse_flood_options(int argc, char* const argv[]) {
  ParseResult result;
  bool help = false;
  try {
    parse(argc, argv, result.options, help);
    result.action = help ? ParseResult::Action::help : ParseResult::Action::run;
  } catch (BadCommandLine& bad) {
    result.action = ParseResult::Action::error;
    result.error = std::move(bad.line);
  }
  return result;
}

std::string usage_text(const char* program) {
  std::string p = program;
  return "Usage: " + p +
         " [options] SOCKET_PATH\n"
         "Send datagrams to a UNIX-domain datagram socket.\n"
         "\n"
         "  -n, --count N      datagrams to send (default 1000)\n"
         "  -s, --size S       bytes in each datagram, 0 to 65536 (default 100)\n"
         "  -r, --rate R       datagrams per second, fractions allowed; 0 = as fast as\n"
         "                     possible (default 0). Late sends catch up in a burst.\n"
         "  -q, --sequence     start each datagram with its sequence number: 12 decimal\n"
         "                     digits, zero-padded, then a space (needs --size >= 13)\n"
         "      --first N      first sequence number (default 0)\n"
         "  -m, --mmsg         send with sendmmsg(2) in batches instead of send(2)\n"
         "      --batch B      datagrams per sendmmsg call, 1 to 1024 (default 64)\n"
         "      --json         print one JSON object instead of the summary line\n"
         "      --timeout SEC  give up when no datagram could be sent for SEC seconds,\n"
         "                     fractions allowed; 0 = wait forever (default 30)\n"
         "      --quiet        no progress bar and no summary line (--json still prints)\n"
         "      --drain        after the last send, wait until the receiver has consumed\n"
         "                     every datagram (SIOCOUTQ falls to 0) and time the run up to\n"
         "                     then: the receiver's rate, not the sender's. --timeout\n"
         "                     bounds the wait while nothing is consumed.\n"
         "      --receiver PID count the CPU time and context switches of process PID\n"
         "                     from just before the first send to the drain (repeatable)\n"
         "      --find-receivers  the same for the processes that hold the receiving\n"
         "                     socket open, found in /proc/*/fd (not process 1). A holder\n"
         "                     that is the parent of another holder (the Postfix master,\n"
         "                     dgram-launch) is counted apart as \"master\". A holder that\n"
         "                     appears during the run is counted \"late\", its whole life.\n"
         "      --master PID   count PID apart as the master (with --find-receivers every\n"
         "                     other holder is then a receiver)\n"
         "      --senders N    send from N processes, 1 to 256 (default 1), each with its\n"
         "                     own socket, its share of --count (the shares differ by at\n"
         "                     most one) and the sequence numbers of that share, in one\n"
         "                     stretch; --rate is the total. No progress bar when N > 1.\n"
         "      --stamp        start each datagram with the CLOCK_MONOTONIC nanosecond time\n"
         "                     it was due (8 bytes, native order; needs --size >= 8): with\n"
         "                     --rate the pacer's schedule, so a late send keeps the time\n"
         "                     it should have gone out; unpaced, the time of its send call.\n"
         "                     Excludes --sequence.\n"
         "      --settle MS    after the drain, wait until the receivers' CPU time has not\n"
         "                     grown for MS milliseconds (1 to 3600000; 300 suits the\n"
         "                     usual 10 ms clock tick) and time the run to its last growth:\n"
         "                     for receivers that queue inside (rsyslogd). Needs\n"
         "                     --receiver or --find-receivers; --timeout bounds the wait.\n"
         "  -h, --help         show this text\n"
         "\n"
         "--receiver, --find-receivers and --master imply --drain and add to the report,\n"
         "per group: CPU seconds (utime+stime, in clock ticks), context switches\n"
         "(voluntary+nonvoluntary, all threads), both per datagram, the pids counted and\n"
         "the CPUs each may run on; and the placement: \"one-cpu\" when the sender and\n"
         "every counted process are pinned to the same CPU, else \"spread\".\n"
         "\n"
         "With --senders the report is over all of them, timed from the first one's\n"
         "start to the last one's end (or the drain), and lists each sender's pid,\n"
         "datagrams, first sequence number, seconds and rate.\n"
         "\n"
         "Bytes after the sequence header or the stamp (all bytes without either) are the\n"
         "pattern 'a' + offset % 26, offset counted from the start of the datagram.\n"
         "A full receiver queue makes the sender wait; no datagram is ever skipped.\n"
         "\n"
         "With --rate the report counts the late sends: datagrams whose send call began\n"
         "more than one period (1/rate of that sender) after they were due.\n"
         "\n"
         "Exit status: 0 all sent (and consumed, with --drain); 1 a send or the drain\n"
         "failed or timed out; 2 bad command line, the socket could not be connected,\n"
         "a --receiver or --master PID with no process, or no process holding the socket.\n"
         "With --senders, a sender that fails or dies stops the others; the status is\n"
         "then its own (1 when a signal killed it).\n";
}

}  // namespace flood
