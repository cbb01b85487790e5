// SPDX-License-Identifier: MIT
// socket_constants - the kernel's numbers for the receive options that
// Debian 12's headers (glibc 2.36, linux-libc-dev 6.1) do not define yet.
//
// DESCRIPTION
//   kPassPidfd    SO_PASSPIDFD: attach an SCM_PIDFD to each datagram
//                 (Linux 6.5 and later).
//   kScmPidfd     SCM_PIDFD: the control message holding that pidfd (an int).
//   kTimestampNs  SO_TIMESTAMPNS_NEW, which is also the type of its control
//                 message (SCM_TIMESTAMPNS_NEW): struct __kernel_timespec,
//                 64-bit seconds on every architecture (Linux 5.1 and later).
//   The system headers win when they define a name. Otherwise the numbers
//   are those of the kernel's asm-generic/socket.h, which x86, arm, arm64,
//   riscv, s390, loongarch and powerpc use for these options; on any other
//   architecture (alpha, mips, parisc, sparc number them differently) the
//   build stops here instead of asking the kernel for the wrong option.
//
// THREADS
//   Constants only.
#pragma once

#include <sys/socket.h>

namespace dgram {

#if defined(SO_PASSPIDFD) && defined(SCM_PIDFD)
inline constexpr int kPassPidfd = SO_PASSPIDFD;
inline constexpr int kScmPidfd = SCM_PIDFD;
#elif defined(__x86_64__) || defined(__i386__) || defined(__aarch64__) || defined(__arm__) || \
    defined(__riscv) || defined(__s390__) || defined(__loongarch__) || defined(__powerpc__)
inline constexpr int kPassPidfd = 76;   // asm-generic/socket.h, Linux 6.5
inline constexpr int kScmPidfd = 0x04;  // asm-generic/socket.h, Linux 6.5
#else
#error "SO_PASSPIDFD and SCM_PIDFD: give this architecture's numbers (newer kernel headers define them)"
#endif

#if defined(SO_TIMESTAMPNS_NEW)
inline constexpr int kTimestampNs = SO_TIMESTAMPNS_NEW;
#elif defined(__x86_64__) || defined(__i386__) || defined(__aarch64__) || defined(__arm__) || \
    defined(__riscv) || defined(__s390__) || defined(__loongarch__) || defined(__powerpc__)
inline constexpr int kTimestampNs = 64;  // asm-generic/socket.h, Linux 5.1
#else
#error "SO_TIMESTAMPNS_NEW: give this architecture's number (kernel headers 5.1 or later define it)"
#endif

}  // namespace dgram
