// log_file - the file a log service appends records to.
//
// Opened once (before privileges are dropped), in append mode, never through
// a symlink; "/dev/stdout" means the process's standard output, as in
// Postfix. append() writes a batch of records, each followed by a newline, in
// as few write() calls as the kernel allows, retrying short writes, and
// reports failure instead of losing records silently.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "dgram/unique_fd.h"

namespace dgram::logd {

class LogFile {
 public:
  // Throws Fatal naming the path when it cannot be opened.
  explicit LogFile(const std::string& path);

  // Appends each record and a newline. False (errno set) when a write failed.
  bool append(const std::vector<std::string_view>& records);

  const std::string& path() const { return path_; }

 private:
  std::string path_;
  UniqueFd fd_;
};

}  // namespace dgram::logd
