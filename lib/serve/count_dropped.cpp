// SPDX-License-Identifier: MIT
// count_dropped - Context::count_dropped(): a service's own drops, counted.
#include "dgram/service.h"
#include "serve/service_counters.h"

namespace dgram {

void Context::count_dropped(std::uint64_t records) const {
  if (counters != nullptr) counters->add_dropped(records);
}

}  // namespace dgram
