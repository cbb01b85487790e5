// SPDX-License-Identifier: MIT
// rate_limit_setup - whether dgram-logd's rate limit is on, read before
// dgram::run() (see rate_limit_setup.h). main() only.
#include "rate_limit_setup.h"

#include <unistd.h>

#include <exception>

#include "config/options.h"
#include "dgram/config.h"
#include "start/start_mode.h"

namespace dgram::logd {

bool rate_limit_asked(std::span<const std::string> argv, const char* mail_config) {
  try {
    Options options = parse_options(split_listen_options(argv).argv);
    Config config;
    std::string directory = mail_config != nullptr ? mail_config : "/etc/postfix";
    std::string main_cf = directory + "/main.cf";
    if (::access(main_cf.c_str(), F_OK) == 0) config.read_main_cf(directory);
    for (const auto& [name, value] : options.overrides) config.set(name, value);
    return config.get_time(kRateLimitInterval, "0s") > 0;
  } catch (const std::exception&) {
    return false;  // the skeleton reads the same text next and says what is wrong
  }
}

}  // namespace dgram::logd
