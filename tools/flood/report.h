// SPDX-License-Identifier: MIT
// NAME
//   report - the summary dgram-flood prints when the run is over.
// SUMMARY
//   std::string text = human_report(report);   // or json_report(report)
// DESCRIPTION
//   human_report(), one line for a plain run:
//     sent N datagrams of S bytes in T s: R datagrams/s
//   With --drain the line ends in "(timed until drained, D s after the last
//   send)": T then runs from the first send until the receiver had consumed
//   them all, so R is the receiver's rate. When the processes' usage was
//   measured, one more line for each group and one for the placement:
//     receivers: C s CPU, X context switches; U us and P per datagram; pid 12 (cpus 0-1), ...
//     master: ...
//     placement: spread (sender cpus 0-1)
//   A late process is marked "late, whole life"; exited ones are listed as
//   "not counted"; children reaped during the run come last, apart.
//
//   With several senders (--senders) the first line says how many after the
//   rate ("... R datagrams/s from 4 senders"), T runs from the first
//   sender's start to the last one's end (or the drain), and one line per
//   sender follows it, before the usage lines:
//     sender 1 (pid 1234): 250 datagrams (numbers 0-249) in T1 s: R1 datagrams/s
//   With one sender the text is what it always was.
//   With --rate the first line ends in "; L late" (before the drain's
//   parenthesis): the sends begun more than a period after they were due.
//
//   json_report(), one line: {"sent":N,"size":S,"seconds":T,
//   "datagrams_per_second":R,"mode":"send"|"sendmmsg","first_sequence":F,
//   "timed_until":"sent"|"drained","sender_cpus":"0-1","send_wait_us":{"p50":
//   W50,"p99":W99,"p99_9":W999,"max":WMAX,"share":S}}: how long the send
//   calls took per datagram, in microseconds (sending/send_wait.h; quantiles are
//   upper bounds within 12.5 %), over every sender, and S the share of the
//   senders' sending time spent inside send calls (0 to 1); with --rate also
//   "late_sends" (over every sender, see pacer.h), with --stamp also
//   "stamped":"due" (what the first 8 bytes hold, latency_stamp.h); with --drain also
//   "drain_seconds" (last send to drained) and "receiver_socket" ("open",
//   "closed": the receiver closed it and the kernel freed what was queued,
//   "unknown"); with --settle "timed_until" is "settled" and
//   "settle_seconds" follows "drain_seconds": from the drain to the last
//   growth of the receivers' CPU time (cpu_settle.h); with usage also
//   "clock_ticks_per_second", "placement" and
//   one object per group, "receivers" and "master":
//     {"pids":[..],"late_pids":[..],"exited_pids":[..],"cpu_seconds":C,
//      "ctx_switches":X,"cpu_us_per_datagram":U,"ctx_switches_per_datagram":P,
//      "reaped_cpu_seconds":Q,"cpus":{"PID":"0-1",..}}
//   "pids" lists every counted process, the late ones too.
//   "reaped_cpu_seconds" is the CPU of the children the group's processes
//   waited for during the run, whole lives (for a master: its children that
//   came and went, see measuring/usage_meter.h); it is not in "cpu_seconds".
//   With several senders the object ends with "senders" (how many) and
//   "per_sender", one object per sender in order: {"pid":P,"sent":N1,
//   "first_sequence":F1,"seconds":T1,"datagrams_per_second":R1}; the
//   "sent" of all of them add up to "sent". They come last, so every key
//   before them is the first of its name in the line. With one sender
//   neither is there: the object is what it always was.
//   Per-datagram values divide by N (0 when nothing was sent). Both end in a newline;
//   the rates are 0 when no time passed.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "measuring/usage_meter.h"
#include "sending/send_wait.h"

namespace flood {

// SenderLine - what one sender did (sending/sender_team.h): its share, from its own start.
struct SenderLine {
  pid_t pid = 0;
  std::uint64_t sent = 0;
  std::uint64_t first_sequence = 0;
  double seconds = 0;  // from just before its first send to just after its last
};

struct Report {
  std::uint64_t sent = 0;
  std::size_t size = 0;
  double seconds = 0;
  bool mmsg = false;
  std::uint64_t first_sequence = 0;
  std::string sender_cpus;  // cpu_list() of the sender's affinity
  bool drained = false;
  double drain_seconds = 0;
  std::string receiver_socket = "unknown";  // presence_name(), with --drain
  std::optional<UsageReport> usage;
  SendWait send_wait;            // every sender's send calls (send_wait.h)
  std::uint64_t sending_ns = 0;  // the senders' sending times, added up
  std::vector<SenderLine> per_sender;  // in sender order; one entry without --senders
  bool settled = false;          // --settle: timed to the receivers' last CPU growth
  double settle_seconds = 0;     // from the drain to that growth (0 when none came after it)
  bool paced = false;            // --rate above 0: late_sends means something
  bool stamped = false;          // --stamp
  std::uint64_t late_sends = 0;  // paced: sends begun more than a period after due (pacer.h)
};

std::string human_report(const Report& report);
std::string json_report(const Report& report);

}  // namespace flood
