// error - the fatal-error type of the library.
//
// Configuration, environment and system problems that must end the process are
// thrown as dgram::Fatal carrying one clear line. The skeleton catches it once,
// at the top of run(), logs the line and returns a non-zero exit status.
#pragma once

#if __cplusplus < 202002L
#ifndef DGRAM_SERVER_NEEDS_CXX20  // said once, however many headers are included
#define DGRAM_SERVER_NEEDS_CXX20
#error "dgram-server needs C++20: compile with -std=c++20 (meson: cpp_std=c++20)"
#endif
#else

#include <stdexcept>
#include <string>

namespace dgram {

class Fatal : public std::runtime_error {
 public:
  explicit Fatal(const std::string& what) : std::runtime_error(what) {}
};

// Throws Fatal("<what>: <strerror(errno)>"); call right after a failed system call.
[[noreturn]] void throw_errno(const std::string& what);

}  // namespace dgram

#endif  // C++20
