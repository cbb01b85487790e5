// SPDX-License-Identifier: MIT
// safe_append_open - opening a log file for appending without being tricked.
//
// NAME
//   safe_append_open, AppendOpenRules, AppendOpened
// SUMMARY
//   AppendOpenRules rules;  // defaults: the strictest
//   rules.create_mode = 0640;
//   AppendOpened file = safe_append_open(path, rules);
//   if (!file.fd) say("open maillog_file " + path + ": " + file.refusal);
// DESCRIPTION
//   The one rule by which this tree opens a log file it appends to
//   (maillog_file): by dgram-logd at start and at each reopen, and by the
//   log service sink's postlog fallback. Whoever can write the folder must
//   not be able to turn the open against the process (often root), so the
//   file is opened for appending (O_WRONLY|O_APPEND, close-on-exec, never as
//   a controlling terminal) and:
//
//   - an absent file is created with O_EXCL, never through a symbolic link,
//     with create_mode: exactly that mode (fchmod after the create), or, when
//     umask_applies, that mode less the umask as open(2) makes it;
//   - anything but a regular file is refused (a FIFO, a device, a folder),
//     except the null device (character device 1,3, whatever its name) when
//     null_device_allowed: what benchmarks and dry runs point a log at;
//   - a file with more than one hard link is refused (a link to another
//     file would let its writes land there);
//   - with owned_by_effective_user, a file of another owner is refused;
//   - a symbolic link is refused, or, with follow_link_owned_by_root,
//     followed only when the link itself is owned by root (as Postfix does
//     for maillog_file);
//   - a file that changed between the checks (lstat) and the open is
//     refused: the device and inode checked must be those of the opened
//     descriptor. The open never blocks (O_NONBLOCK, cleared afterwards), so
//     a FIFO that appears in that window is refused, not waited on. A file
//     created by someone else between the lstat and the O_EXCL create is
//     checked like any existing file (one more round).
//
//   between_check_and_open, when given, runs after the checks and before the
//   open: the seam through which a test changes the file in between.
//
//   Nothing here is shared: it may run on any thread. It is not
//   async-signal-safe (it allocates the refusal).
// DIAGNOSTICS
//   Nothing throws but std::bad_alloc. A refusal is returned, as the reason
//   alone (the caller names the file):
//     not a regular file
//     file has 2 hard links
//     file owned by uid 65534, not by the effective user (uid 0)
//     symbolic link
//     symbolic link not owned by root (owner uid 65534)
//     follow symbolic link: <strerror>
//     file changed between the check and the open
//     <strerror> (any other failed system call)
// SEE ALSO
//   log_service_sink.h (the postlog fallback), tools/logd/log_file_open.h
//   (dgram-logd's maillog_file)
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>

#include "dgram/unique_fd.h"

namespace dgram {

// What safe_append_open() accepts besides a regular file of one link that
// it may create; the defaults are the strictest.
struct AppendOpenRules {
  mode_t create_mode = 0600;       // for a file that is created
  bool umask_applies = false;      // false: exactly create_mode, whatever the umask
  bool follow_link_owned_by_root = false;  // false: every symbolic link is refused
  bool null_device_allowed = false;
  bool owned_by_effective_user = false;
  std::function<void()> between_check_and_open;  // a test's seam; empty: none
};

// The descriptor, or an empty one and why it was refused.
struct AppendOpened {
  UniqueFd fd;
  std::string refusal;  // empty when fd is open
};

// Opens or creates path for appending under rules (see above).
AppendOpened safe_append_open(const std::string& path, const AppendOpenRules& rules);

}  // namespace dgram
