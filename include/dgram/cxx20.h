// SPDX-License-Identifier: MIT
// cxx20 - one clear error for a consumer compiling with an older standard.
//
// Every public header includes this first and compiles its body only with
// C++20 or later, so that an older -std gives this one line instead of
// pages of errors about std::span and designated initializers.
#pragma once

#if __cplusplus < 202002L
#error "dgram-server needs C++20: compile with -std=c++20 (meson: cpp_std=c++20)"
#endif
