// SPDX-License-Identifier: MIT
// error - the fatal-error type of the library.
//
// Configuration, environment and system problems that must end the process are
// thrown as dgram::Fatal carrying one clear line. The skeleton catches it once,
// at the top of run(), logs the line and returns a non-zero exit status.
#pragma once

#include "dgram/cxx20.h"
#if __cplusplus >= 202002L  // else cxx20.h has said why, once

#include <stdexcept>
#include <string>

namespace dgram {

class Fatal : public std::runtime_error {
 public:
  // error: the errno of the system call that failed, 0 when none did (a bad
  // value, a definition error). Under systemd it is the ERRNO= reported.
  explicit Fatal(const std::string& what, int error = 0) : std::runtime_error(what), error_(error) {}
  int error_number() const noexcept { return error_; }

 private:
  int error_;
};

// Throws Fatal("<what>: <strerror(errno)>"); call right after a failed system call.
[[noreturn]] void throw_errno(const std::string& what);

}  // namespace dgram

#endif  // C++20
