// SPDX-License-Identifier: MIT
// stop_reason - the texts of the reasons to exit.
#include "serve/stop_reason.h"

namespace dgram {

const char* describe(StopReason reason) noexcept {
  switch (reason) {
    case StopReason::none: return "still serving";
    case StopReason::use_limit: return "use limit reached";
    case StopReason::idle: return "idle timeout";
    case StopReason::master_gone: return "master disconnect";
    case StopReason::terminated: return "terminated by SIGTERM";
    case StopReason::service_stop: return "the service asked to stop";
    case StopReason::status_write_failed: return "master status channel write failed";
  }
  return "unknown reason";
}

}  // namespace dgram
