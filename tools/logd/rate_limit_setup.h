// SPDX-License-Identifier: MIT
// rate_limit_setup - whether dgram-logd's rate limit is on, known before
// the skeleton starts.
//
// NAME
//   rate_limit_asked, kRateLimitInterval, kRateLimitBurst
// DESCRIPTION
//   The limit goes by the sender's pid, which the kernel gives only to a
//   socket that asked for credentials (Service::receive.credentials). The
//   skeleton asks before it runs the pre-init hook, where the parameter
//   tables are first seen, and asking costs every record something; so
//   dgram-logd asks only when the limit is on, and must know that before it
//   calls dgram::run().
//
//   rate_limit_asked() reads dgram_logd_rate_limit_interval the way the
//   skeleton will: main.cf from $MAIL_CONFIG (else /etc/postfix/main.cf
//   when there is one), then the -o settings of the command line, parsed
//   with the skeleton's own parsers (--listen and its companions first,
//   then the single-letter options). Anything it cannot read counts as
//   "off": the skeleton reads the same text next and reports the problem
//   with its own fatal line. dgram-logd checks in its pre-init hook that
//   the skeleton's value agrees.
// THREADS
//   main(), before dgram::run(); no other thread exists yet.
// SEE ALSO
//   rate_limit.h (the limit itself), dgram_logd.cpp
#pragma once

#include <span>
#include <string>

namespace dgram::logd {

inline constexpr const char* kRateLimitInterval = "dgram_logd_rate_limit_interval";
inline constexpr const char* kRateLimitBurst = "dgram_logd_rate_limit_burst";

// True when dgram_logd_rate_limit_interval is above 0. argv[0] is the
// program; mail_config is $MAIL_CONFIG (null when unset).
bool rate_limit_asked(std::span<const std::string> argv, const char* mail_config);

}  // namespace dgram::logd
