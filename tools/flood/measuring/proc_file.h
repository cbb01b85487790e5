// SPDX-License-Identifier: MIT
// NAME
//   proc_file - reading a /proc file whole, and listing the numbered
//   entries of a /proc folder.
// SUMMARY
//   std::string text;
//   int error = read_proc_file("/proc/42/stat", text);
//   std::vector<pid_t> ids;
//   error = list_numbered("/proc/42/task", ids);
// DESCRIPTION
//   /proc files report a size of 0 and are made as they are read, so
//   read_proc_file() reads until end of file, whatever the length.
//   list_numbered() returns the entries whose names are decimal numbers
//   (process ids in /proc, thread ids in task/, descriptors in fd/), in the
//   order the folder lists them; "self", "." and the rest are left out.
// DIAGNOSTICS
//   Both are utilities: they return 0 or the error number and decide
//   nothing. A process that is gone gives ENOENT or ESRCH; another user's
//   process gives EACCES (or EPERM) for its fd/ folder.
#pragma once

#include <sys/types.h>

#include <cerrno>
#include <string>
#include <vector>

namespace flood {

// read_proc_file - the whole content of path into text; 0 or an error number.
int read_proc_file(const std::string& path, std::string& text);

// list_numbered - the decimal-named entries of folder dir; 0 or an error number.
int list_numbered(const std::string& dir, std::vector<pid_t>& ids);

// is_gone - whether an error number from /proc means the process or thread has ended.
inline bool is_gone(int error) { return error == ENOENT || error == ESRCH; }

}  // namespace flood
