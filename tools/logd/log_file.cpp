// SPDX-License-Identifier: MIT
// log_file - appends whole lines to maillog_file, or none of a line.
#include "log_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>

namespace dgram::logd {

namespace {

constexpr char kNewline = '\n';

iovec piece(std::string_view text) { return {const_cast<char*>(text.data()), text.size()}; }
iovec newline_piece() { return piece(std::string_view(&kNewline, 1)); }
iovec empty_piece() { return piece(std::string_view(&kNewline, 0)); }

}  // namespace

std::string lost_records_text(std::uint64_t count, const std::string& path, int error) {
  return std::to_string(count) + (count == 1 ? " log record was" : " log records were") +
         " not written to " + path + " (last error: " + std::strerror(error) + ")";
}

LogFile::LogFile(std::string path, UniqueFd fd, WriteFn write, NoticeFn notice)
    : path_(std::move(path)), fd_(std::move(fd)), write_(std::move(write)), notice_(std::move(notice)) {
  if (!write_) write_ = [](int to, const iovec* pieces, int count) { return ::writev(to, pieces, count); };
  // Two pieces per line, plus the line end of a fragment and the notice.
  pieces_.reserve(2 * (kMaxLines + 2));
}

std::size_t LogFile::append(std::span<const std::string_view> lines) {
  std::size_t whole = 0;
  while (whole < lines.size()) {
    std::size_t count = std::min(lines.size() - whole, kMaxLines);
    std::size_t done = append_some(lines.subspan(whole, count));
    whole += done;
    if (done < count) {
      int error = errno;
      std::size_t missing = lines.size() - whole;
      lost_ += missing;
      unreported_ += missing;
      errno = error;
      break;
    }
  }
  written_ += whole;
  return whole;
}

void LogFile::replace_descriptor(UniqueFd fd) noexcept {
  fd_ = std::move(fd);
  line_open_ = false;  // a fragment, if any, ends the old file
}

// One batch of at most kMaxLines. The pieces come in pairs, one pair per
// "unit": [line end of an earlier fragment], [notice], then the lines. A
// unit is (text, "\n"); the line end of a fragment is ("", "\n").
std::size_t LogFile::append_some(std::span<const std::string_view> lines) {
  pieces_.clear();
  std::size_t first_line_unit = 0;
  bool ends_fragment = line_open_;
  if (ends_fragment) {
    pieces_.push_back(empty_piece());
    pieces_.push_back(newline_piece());
    ++first_line_unit;
  }
  bool with_notice = unreported_ > 0;
  if (with_notice) {
    std::string text = lost_records_text(unreported_, path_, last_error_);
    notice_line_ = notice_ ? notice_(text) : text;
    pieces_.push_back(piece(notice_line_));
    pieces_.push_back(newline_piece());
    ++first_line_unit;
  }
  for (auto line : lines) {
    pieces_.push_back(piece(line));
    pieces_.push_back(newline_piece());
  }

  std::size_t next = 0;            // the first piece not wholly written
  std::size_t unit_bytes = 0;      // bytes of the current unit already written
  int error = 0;
  while (next < pieces_.size()) {
    int count = static_cast<int>(std::min<std::size_t>(pieces_.size() - next, IOV_MAX));
    ssize_t result = write_(fd_.get(), pieces_.data() + next, count);
    if (result < 0 && errno == EINTR) continue;
    if (result <= 0) {
      error = result < 0 ? errno : EIO;  // a write that takes nothing and says nothing
      break;
    }
    auto left = static_cast<std::size_t>(result);
    while (next < pieces_.size() && left >= pieces_[next].iov_len) {
      left -= pieces_[next].iov_len;
      unit_bytes = (next % 2 == 1) ? 0 : unit_bytes + pieces_[next].iov_len;
      ++next;
    }
    if (left > 0) {
      pieces_[next].iov_base = static_cast<char*>(pieces_[next].iov_base) + left;
      pieces_[next].iov_len -= left;
      unit_bytes += left;
    }
  }
  std::size_t whole_units = next / 2;
  if (error != 0) {
    last_error_ = error;
    if (unit_bytes > 0) line_open_ = !take_back(unit_bytes);
  }
  if (ends_fragment && whole_units >= 1) line_open_ = error != 0 && unit_bytes > 0 && line_open_;
  if (with_notice && whole_units >= (ends_fragment ? 2u : 1u)) unreported_ = 0;
  std::size_t whole_lines = whole_units > first_line_unit ? whole_units - first_line_unit : 0;
  errno = error;
  return whole_lines;
}

bool LogFile::take_back(std::size_t bytes) noexcept {
  struct stat status;
  if (::fstat(fd_.get(), &status) < 0 || !S_ISREG(status.st_mode)) return false;
  if (status.st_size < static_cast<off_t>(bytes)) return false;
  return ::ftruncate(fd_.get(), status.st_size - static_cast<off_t>(bytes)) == 0;
}

}  // namespace dgram::logd
