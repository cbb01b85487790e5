// SPDX-License-Identifier: MIT
// version - the project version meson was given, compiled in.
#include "dgram/version.h"

#ifndef DGRAM_SERVER_VERSION
#error "DGRAM_SERVER_VERSION comes from lib/meson.build"
#endif

namespace dgram {

std::string_view version() noexcept { return DGRAM_SERVER_VERSION; }

}  // namespace dgram
