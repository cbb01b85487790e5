// SPDX-License-Identifier: MIT
// log_file_open - opening maillog_file the way Postfix's safe_open() does.
#include "log_file_open.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "dgram/error.h"
#include "log/safe_append_open.h"
#include "log_file.h"

namespace dgram::logd {

namespace {

[[noreturn]] void refuse(const std::string& path, const std::string& reason) {
  throw Fatal("open maillog_file " + path + ": " + reason);
}

}  // namespace

mode_t parse_maillog_file_permissions(std::string_view value) {
  if (value == "0600") return 0600;
  if (value == "0640") return 0640;
  if (value == "0644") return 0644;
  throw Fatal("invalid maillog_file_permissions value '" + std::string(value) +
              "': specify 0600, 0640 or 0644");
}

UniqueFd open_log_file(const std::string& path, mode_t create_mode,
                       const std::function<void()>& between_check_and_open) {
  if (path == kStandardOutput) {
    UniqueFd fd(::fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3));
    if (!fd) refuse(path, std::string("duplicate standard output: ") + std::strerror(errno));
    return fd;
  }
  AppendOpenRules rules;
  rules.create_mode = create_mode;
  rules.follow_link_owned_by_root = true;
  rules.null_device_allowed = true;
  rules.between_check_and_open = between_check_and_open;
  AppendOpened file = safe_append_open(path, rules);
  if (!file.fd) refuse(path, file.refusal);
  return std::move(file.fd);
}

std::optional<std::string> reopen_log_file(LogFile& file, mode_t create_mode) {
  UniqueFd fd;
  try {
    fd = open_log_file(file.path(), create_mode);
  } catch (const Fatal& refusal) {
    return refusal.what();
  }
  file.replace_descriptor(std::move(fd));
  return std::nullopt;
}

}  // namespace dgram::logd
