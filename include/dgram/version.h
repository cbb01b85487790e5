// SPDX-License-Identifier: MIT
// version - which release of dgram-server a program was built with.
#pragma once

#include "dgram/cxx20.h"

#include <string_view>

namespace dgram {

// The library's version, meson's project version ("0.2.0"): the same as
// `pkg-config --modversion dgram-server` says.
std::string_view version() noexcept;

}  // namespace dgram
