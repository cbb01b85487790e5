// SPDX-License-Identifier: MIT
// log_socket - a non-blocking datagram client and the log time stamp.
#include "log/log_socket.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace dgram {

namespace {

// The UTC offset log_local_time() saw last, for the signal-safe variant.
volatile std::sig_atomic_t last_utc_offset = 0;

constexpr const char* kMonths[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

// floor_div - division rounding towards minus infinity.
long long floor_div(long long a, long long b) noexcept {
  long long q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

// send_once - one non-blocking send on a connected socket; 0 or errno.
int send_once(int fd, std::string_view record) noexcept {
  ssize_t n = ::send(fd, record.data(), record.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
  if (n >= 0) return 0;
  return errno;
}

}  // namespace

int LogSocket::connect() noexcept {
  close();
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path_.empty() || path_.size() >= sizeof(address.sun_path)) return ENAMETOOLONG;
  std::memcpy(address.sun_path, path_.data(), path_.size());
  UniqueFd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd) return errno;
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof(address)) < 0) {
    return errno;
  }
  fd_ = std::move(fd);
  return 0;
}

int LogSocket::send(std::string_view record) noexcept {
  if (!fd_) {
    if (int error = connect()) return error;
  }
  int error = send_once(fd_.get(), record);
  if (error == ECONNREFUSED || error == ENOTCONN) {
    // The receiver went away, or its socket was re-created: one new try.
    if (int connect_error = connect()) return connect_error;
    error = send_once(fd_.get(), record);
  }
  if (error == EWOULDBLOCK) error = EAGAIN;
  return error;
}

void RecordWriter::append(std::string_view text) noexcept {
  std::size_t room = size_ - length_;
  std::size_t n = text.size() <= room ? text.size() : room;
  if (n < text.size()) truncated_ = true;
  if (n > 0) std::memcpy(data_ + length_, text.data(), n);
  length_ += n;
}

void RecordWriter::append_decimal(long value) noexcept {
  char digits[24];
  std::size_t n = 0;
  unsigned long magnitude =
      value < 0 ? 0UL - static_cast<unsigned long>(value) : static_cast<unsigned long>(value);
  do {
    digits[sizeof(digits) - 1 - n++] = static_cast<char>('0' + magnitude % 10);
    magnitude /= 10;
  } while (magnitude != 0);
  if (value < 0) digits[sizeof(digits) - 1 - n++] = '-';
  append(std::string_view(digits + sizeof(digits) - n, n));
}

void RecordWriter::append_two_digits(int value, char pad) noexcept {
  if (value < 0 || value > 99) value = 0;
  append(value < 10 ? pad : static_cast<char>('0' + value / 10));
  append(static_cast<char>('0' + value % 10));
}

std::tm log_local_time(std::time_t when) noexcept {
  std::tm time{};
  if (::localtime_r(&when, &time) == nullptr) return civil_time(when, 0);
  last_utc_offset = static_cast<std::sig_atomic_t>(time.tm_gmtoff);
  return time;
}

std::tm log_local_time_signal_safe(std::time_t when) noexcept {
  return civil_time(when, last_utc_offset);
}

std::tm civil_time(std::time_t when, long offset) noexcept {
  long long seconds = static_cast<long long>(when) + offset;
  long long days = floor_div(seconds, 86400);
  long long of_day = seconds - days * 86400;
  // Days since 1970-01-01 to a proleptic Gregorian date, counting years from
  // March so that the leap day falls at the end of each 400-year era.
  long long shifted = days + 719468;  // days from 0000-03-01
  long long era = floor_div(shifted, 146097);
  long long day_of_era = shifted - era * 146097;
  long long year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  long long day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  long long month_from_march = (5 * day_of_year + 2) / 153;
  long long day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
  long long month = month_from_march < 10 ? month_from_march + 3 : month_from_march - 9;
  long long year = year_of_era + era * 400 + (month <= 2 ? 1 : 0);

  std::tm time{};
  time.tm_year = static_cast<int>(year - 1900);
  time.tm_mon = static_cast<int>(month - 1);
  time.tm_mday = static_cast<int>(day);
  time.tm_hour = static_cast<int>(of_day / 3600);
  time.tm_min = static_cast<int>(of_day / 60 % 60);
  time.tm_sec = static_cast<int>(of_day % 60);
  time.tm_gmtoff = offset;
  return time;
}

void append_log_time(RecordWriter& out, const std::tm& time, DayPad pad) noexcept {
  int month = time.tm_mon >= 0 && time.tm_mon < 12 ? time.tm_mon : 0;
  out.append(kMonths[month]);
  out.append(' ');
  out.append_two_digits(time.tm_mday, pad == DayPad::space ? ' ' : '0');
  out.append(' ');
  out.append_two_digits(time.tm_hour, '0');
  out.append(':');
  out.append_two_digits(time.tm_min, '0');
  out.append(':');
  out.append_two_digits(time.tm_sec, '0');
}

std::string log_drop_notice(std::uint64_t count) {
  return std::to_string(count) + (count == 1 ? " log record dropped" : " log records dropped");
}

}  // namespace dgram
