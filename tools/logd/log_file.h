// SPDX-License-Identifier: MIT
// log_file - appends whole lines to maillog_file, or none of a line.
//
// NAME
//   LogFile, lost_records_text
// SUMMARY
//   LogFile file(path, open_log_file(path, mode));
//   std::size_t whole = file.append(lines);   // each line gets its '\n'
//   file.replace_descriptor(open_log_file(path, mode));  // after a log rotation
// DESCRIPTION
//   append() writes a batch of lines, each followed by a newline, with one
//   writev() when the kernel takes it all (the usual case: one system call
//   per wake-up, nothing allocated). A short write is resumed where it
//   stopped. When a write fails (a full disk, EIO, the RLIMIT_FSIZE limit)
//   the batch ends there, and the file is left holding only whole lines:
//
//   - A line cut in the middle is taken back: the file is truncated to where
//     that line began (its size less the bytes of the line that got in).
//     This assumes no other process appends while dgram-logd runs, which
//     holds for Postfix: postlog(1) appends itself only when the postlog
//     service cannot be reached.
//   - Where a file cannot be truncated (a pipe or a terminal behind
//     /dev/stdout) the fragment stays, and the next write starts with a
//     newline, so that no later line is glued onto it.
//   - The lines that were not written whole are counted (lost()), and the
//     next append() that gets through starts with a notice line,
//     "N log records were not written to PATH (last error: ...)", framed by
//     the notice function (dgram-logd formats it like any record). Until the
//     notice is in the file, the count keeps growing.
//
//   replace_descriptor() puts a newly opened descriptor of the same path in
//   place of the one in use (after a log rotation renamed the file) and
//   closes the old one. The accounting goes on across it: lost() and
//   written() keep counting, and a notice still owed is written into the new
//   file by the next append() that gets through. A fragment left in the old
//   file (one that could not be truncated) stays there; the new file starts
//   with a whole line.
//
//   The write function is a seam: tests inject one that fails the way a
//   full disk does. LogFile owns its descriptor and is used from one thread.
// DIAGNOSTICS
//   append() returns how many of the given lines are whole in the file; when
//   that is fewer than given, errno says why. Nothing throws except
//   std::bad_alloc from the notice, on the failure path only.
// SEE ALSO
//   log_file_open.h (the descriptor), record_line.h (what a line is)
#pragma once

#include <sys/types.h>
#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dgram/unique_fd.h"

namespace dgram::logd {

// The text of the notice: "N log record(s) were not written to PATH (last error: ...)".
std::string lost_records_text(std::uint64_t count, const std::string& path, int error);

class LogFile {
 public:
  using WriteFn = std::function<ssize_t(int fd, const iovec* pieces, int count)>;
  // Frames the notice text as a line (without its newline).
  using NoticeFn = std::function<std::string(std::string_view text)>;

  // The most lines append() takes at once; more are written in several calls.
  static constexpr std::size_t kMaxLines = 64;

  // write defaults to ::writev; notice defaults to the text as it is.
  LogFile(std::string path, UniqueFd fd, WriteFn write = {}, NoticeFn notice = {});

  // Appends each line and a newline; see above. Returns the number of lines
  // (from the front) that are whole in the file.
  std::size_t append(std::span<const std::string_view> lines);

  // Writes go to fd from now on; the descriptor in use is closed. See above.
  void replace_descriptor(UniqueFd fd) noexcept;

  const std::string& path() const noexcept { return path_; }
  int fd() const noexcept { return fd_.get(); }
  // Lines written whole, and lines lost, since the LogFile was made, across
  // replace_descriptor() (notices not included).
  std::uint64_t written() const noexcept { return written_; }
  std::uint64_t lost() const noexcept { return lost_; }
  // Lines lost that no notice in the file has told about yet.
  std::uint64_t unreported() const noexcept { return unreported_; }

 private:
  std::size_t append_some(std::span<const std::string_view> lines);
  // Takes a cut line back out of the file; false when the file cannot be truncated.
  bool take_back(std::size_t bytes) noexcept;

  std::string path_;
  UniqueFd fd_;
  WriteFn write_;
  NoticeFn notice_;
  std::vector<iovec> pieces_;  // capacity reserved once: two per line
  std::string notice_line_;
  bool line_open_ = false;     // a fragment without its newline ends the file
  int last_error_ = 0;
  std::uint64_t written_ = 0;
  std::uint64_t lost_ = 0;
  std::uint64_t unreported_ = 0;
};

}  // namespace dgram::logd
