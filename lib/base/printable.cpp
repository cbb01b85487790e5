// SPDX-License-Identifier: MIT
// printable - control characters and broken UTF-8 become '?'.
#include "base/printable.h"

namespace dgram {

namespace {

// sequence_length - the length of the well-formed UTF-8 sequence at
// text[at], or 0 when the byte there does not start one. C1 controls count
// as not well-formed here: they get a '?' (for their two bytes).
std::size_t sequence_length(std::string_view text, std::size_t at) noexcept {
  auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  unsigned char lead = byte(at);
  std::size_t length;
  unsigned min_second = 0x80, max_second = 0xbf;
  if (lead >= 0xc2 && lead <= 0xdf) {
    length = 2;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3;
    if (lead == 0xe0) min_second = 0xa0;  // overlong
    if (lead == 0xed) max_second = 0x9f;  // surrogates
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4;
    if (lead == 0xf0) min_second = 0x90;  // overlong
    if (lead == 0xf4) max_second = 0x8f;  // past U+10FFFF
  } else {
    return 0;
  }
  if (at + length > text.size()) return 0;
  if (byte(at + 1) < min_second || byte(at + 1) > max_second) return 0;
  for (std::size_t i = 2; i < length; ++i) {
    if ((byte(at + i) & 0xc0) != 0x80) return 0;
  }
  if (lead == 0xc2 && byte(at + 1) <= 0x9f) return 0;  // U+0080..U+009F: C1 controls
  return length;
}

bool is_control(unsigned char c) noexcept { return c < 0x20 || c == 0x7f; }

}  // namespace

bool is_printable(std::string_view text) noexcept {
  for (std::size_t i = 0; i < text.size();) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      if (is_control(c)) return false;
      ++i;
      continue;
    }
    std::size_t length = sequence_length(text, i);
    if (length == 0) return false;
    i += length;
  }
  return true;
}

std::size_t make_printable(std::string& text) {
  std::size_t replaced = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      if (is_control(c)) {
        text[i] = '?';
        ++replaced;
      }
      ++i;
      continue;
    }
    std::size_t length = sequence_length(text, i);
    if (length > 0) {
      i += length;
    } else if (c == 0xc2 && i + 1 < text.size() &&
               static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
               static_cast<unsigned char>(text[i + 1]) <= 0x9f) {
      text.replace(i, 2, "?");  // one C1 control, one '?'
      ++replaced;
      ++i;
    } else {
      text[i] = '?';
      ++replaced;
      ++i;
    }
  }
  return replaced;
}

std::string printable(std::string_view text) {
  std::string copy(text);
  make_printable(copy);
  return copy;
}

}  // namespace dgram
