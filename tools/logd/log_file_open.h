// SPDX-License-Identifier: MIT
// log_file_open - opening maillog_file the way Postfix's safe_open() does.
//
// NAME
//   open_log_file, reopen_log_file, parse_maillog_file_permissions
// SUMMARY
//   mode_t mode = parse_maillog_file_permissions(value_of_maillog_file_permissions);
//   UniqueFd fd = open_log_file(maillog_file, mode);
//   std::optional<std::string> refusal = reopen_log_file(log_file, mode);
// DESCRIPTION
//   dgram-logd opens its file at start, as root, before it drops privileges, so
//   the open must not be turned against root by whoever can write the
//   folder. open_log_file() opens it with the library's safe_append_open()
//   (lib/log/safe_append_open.h), under maillog_file's rules:
//
//   - an absent file is created with O_EXCL and exactly `mode` (whatever
//     the umask), never through a symbolic link;
//   - anything but a regular file of one hard link is refused, except the
//     null device (records discarded: what benchmarks point it at);
//   - a symbolic link is followed only when the link itself is owned by
//     root, as Postfix does; any other link is refused;
//   - a file that changed between the checks and the open is refused.
//
//   "/dev/stdout" is the process's standard output (duplicated, no checks),
//   as in Postfix, for containers that log to stdout.
//
//   maillog_file_permissions is what Postfix 3.9 accepts: "0600" (the
//   default), "0640" or "0644"; it applies when the file is created.
//
//   between_check_and_open, when given, runs after the checks and before the
//   open; it is the seam through which a test changes the file in between.
//
//   reopen_log_file() opens a LogFile's path again, with the same checks and
//   the same create mode, and swaps the new descriptor in
//   (LogFile::replace_descriptor): after logrotate renamed the file, writes
//   go to a new file of that name. It runs with the privileges the process
//   has at that moment (after the user switch and inside the chroot, if any),
//   so a folder only root may write can refuse it. A refusal changes
//   nothing: the LogFile keeps writing to the file it had. It is not meant
//   for "/dev/stdout" (that would only duplicate standard output again).
// DIAGNOSTICS
//   open_log_file() and parse_maillog_file_permissions() throw dgram::Fatal
//   with one line naming the value and the reason:
//     open maillog_file PATH: not a regular file
//     open maillog_file PATH: file has 2 hard links
//     open maillog_file PATH: symbolic link not owned by root (owner uid 65534)
//     open maillog_file PATH: file changed between the check and the open
//     open maillog_file PATH: <strerror> (any failed system call)
//     invalid maillog_file_permissions value '0666': specify 0600, 0640 or 0644
//   reopen_log_file() throws no Fatal: it returns the refusal, the same line
//   that open_log_file() would throw, or nullopt when it reopened.
// SEE ALSO
//   log_file.h (what is done with the descriptor; the LogFile that is reopened),
//   lib/log/safe_append_open.h (the checks)
#pragma once

#include <sys/types.h>

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "dgram/unique_fd.h"

namespace dgram::logd {

class LogFile;

inline constexpr std::string_view kDefaultMaillogFilePermissions = "0600";
// The maillog_file that means the process's standard output.
inline constexpr std::string_view kStandardOutput = "/dev/stdout";

// The mode of a maillog_file_permissions value. Throws Fatal.
mode_t parse_maillog_file_permissions(std::string_view value);

// Opens (or creates) path for appending, as described above. Throws Fatal.
UniqueFd open_log_file(const std::string& path, mode_t create_mode,
                       const std::function<void()>& between_check_and_open = {});

// Opens file.path() again and puts the new descriptor in file; on a refusal
// file is left as it was and the refusal's line is returned.
std::optional<std::string> reopen_log_file(LogFile& file, mode_t create_mode);

}  // namespace dgram::logd
