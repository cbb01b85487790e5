// report - formatting the summary line and the JSON object.
#include "report.h"

#include <cinttypes>
#include <cstdio>

namespace flood {

namespace {

double rate_of(const Report& report) {
  return report.seconds > 0 ? static_cast<double>(report.sent) / report.seconds : 0.0;
}

}  // namespace

std::string human_report(const Report& report) {
  char line[256];
  std::snprintf(line, sizeof(line),
                "sent %" PRIu64 " datagrams of %zu bytes in %.3f s: %.0f datagrams/s\n",
                report.sent, report.size, report.seconds, rate_of(report));
  return line;
}

std::string json_report(const Report& report) {
  char line[384];
  std::snprintf(line, sizeof(line),
                "{\"sent\":%" PRIu64
                ",\"size\":%zu,\"seconds\":%.6f,\"datagrams_per_second\":%.1f,"
                "\"mode\":\"%s\",\"first_sequence\":%" PRIu64 "}\n",
                report.sent, report.size, report.seconds, rate_of(report),
                report.mmsg ? "sendmmsg" : "send", report.first_sequence);
  return line;
}

}  // namespace flood
