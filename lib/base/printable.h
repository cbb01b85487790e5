// SPDX-License-Identifier: MIT
// printable - makes text safe to put on one log line.
//
// printable() replaces every byte that could end a line or steer a terminal
// by '?': the C0 controls (0x00-0x1f, newline and carriage return included)
// and DEL (0x7f), each byte that is not part of a well-formed UTF-8 sequence
// (stray continuation bytes, overlong forms, surrogates, values past
// U+10FFFF, a sequence cut short), one '?' per byte, and the C1 controls
// U+0080-U+009F, one '?' per character. Well-formed UTF-8 otherwise stays as
// it is, so that names and words in any script survive. Postfix's
// printable() does the first part; the UTF-8 checks are ours.
#pragma once

#include <string>
#include <string_view>

namespace dgram {

// True when printable() would return text unchanged.
bool is_printable(std::string_view text) noexcept;

// Replaces, in place, what must not reach a log line; returns how many
// replacements it made.
std::size_t make_printable(std::string& text);

// A copy of text with the same replacements.
std::string printable(std::string_view text);

}  // namespace dgram
