// SPDX-License-Identifier: MIT
// record_line - turns one received log record into exactly one line.
//
// NAME
//   make_one_line, one_line_of, is_line_breaking
// SUMMARY
//   std::size_t length = make_one_line(buffer, received);   // in place
//   std::string_view line = one_line_of(record, scratch);   // read-only record
//   // write the line and then one '\n'
// DESCRIPTION
//   A record is whatever bytes a local client sent to the postlog socket: it
//   is not a C string and may hold any byte. Followed by one newline, the
//   line made of it is exactly one line of maillog and cannot forge another:
//
//   - A client's own line end is not a second line. One trailing "\n" (or
//     "\r\n") is the sender ending its line the way a text writer would; it
//     is removed, and the newline the caller appends ends the line instead.
//     Only one is removed: "a\n\n" becomes "a?" and a newline, because the
//     record really held an empty line after its text.
//   - Every other control byte, 0x00-0x1f and 0x7f (NUL, tab, CR, LF, ESC,
//     DEL ...), is replaced by '?', as Postfix's clients do with what they
//     log. postlogd itself writes records raw; we do not.
//   - Bytes 0x80-0xff are kept as they are, so UTF-8 text stays readable.
//     They cannot break a line for any tool that splits on '\n'.
//
//   make_one_line() rewrites a buffer of the caller's in place.
//   one_line_of() is for a record it may not write to (the skeleton's
//   receive buffer): a record that needs no '?' (what Postfix clients send)
//   is returned as a view of itself, shortened by the client's line end,
//   and nothing is copied; only a record that holds a control byte is
//   copied into scratch, which must have room for record.size() bytes, and
//   rewritten there.
//
//   The length never grows, no byte is moved, and nothing is allocated: each
//   is at most one pass over the bytes (two for a record that is copied).
//   An empty record stays an empty line.
// DIAGNOSTICS
//   None: every input has a line.
// SEE ALSO
//   log_file.h (where the lines go)
#pragma once

#include <cstddef>
#include <string_view>

namespace dgram::logd {

// True for the bytes that are replaced: 0x00-0x1f and 0x7f.
constexpr bool is_line_breaking(unsigned char byte) noexcept { return byte < 0x20 || byte == 0x7f; }

// Rewrites data[0 .. length) in place as described above; returns the
// length of the line without its newline (length, length - 1 or length - 2).
std::size_t make_one_line(char* data, std::size_t length) noexcept;

// The line of a record that must not be written to: a prefix of record
// itself, or a rewritten copy at the start of scratch (see above).
std::string_view one_line_of(std::string_view record, char* scratch) noexcept;

}  // namespace dgram::logd
