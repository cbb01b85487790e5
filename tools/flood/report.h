// NAME
//   report - the summary dgram-flood prints when all datagrams are sent.
// SUMMARY
//   std::string line = human_report(report);   // or json_report(report)
// DESCRIPTION
//   human_report():  sent N datagrams of S bytes in T s: R datagrams/s
//   json_report():   {"sent":N,"size":S,"seconds":T,"datagrams_per_second":R,
//                     "mode":"send"|"sendmmsg","first_sequence":F}
//   (one line). Both end in a newline. The rate is 0 when no time passed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace flood {

struct Report {
  std::uint64_t sent = 0;
  std::size_t size = 0;
  double seconds = 0;
  bool mmsg = false;
  std::uint64_t first_sequence = 0;
};

std::string human_report(const Report& report);
std::string json_report(const Report& report);

}  // namespace flood
