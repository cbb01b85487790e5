// SPDX-License-Identifier: MIT
// surface_old - a service written against the 0.1 surface (surface_old.cpp),
// for surface_test.cpp to call its hooks.
#pragma once

#include "dgram/service.h"

namespace dgram_test {

// Its loop hook returns int seconds (5), its gate factory makes a gate
// that is always free, and its watchdog is set with watchdog_seconds (30).
dgram::Service old_style_service();

}  // namespace dgram_test
