// SPDX-License-Identifier: MIT
// stop_reason - why a child leaves its loop, as one value and one text.
#pragma once

namespace dgram {

enum class StopReason {
  none,                 // still serving
  use_limit,            // max_use datagrams served
  idle,                 // max_idle seconds without a request
  master_gone,          // the master's status channel closed
  terminated,           // SIGTERM
  service_stop,         // Context::stop() / Events::stop()
  status_write_failed,  // an AVAIL report could not be written
};

// The text of the exit line ("... -- exiting").
const char* describe(StopReason reason) noexcept;

}  // namespace dgram
