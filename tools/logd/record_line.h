// record_line - turns one received log record into exactly one line.
//
// NAME
//   make_one_line, is_line_breaking
// SUMMARY
//   std::size_t length = make_one_line(buffer, received);
//   // write buffer[0 .. length) and then one '\n'
// DESCRIPTION
//   A record is whatever bytes a local client sent to the postlog socket: it
//   is not a C string and may hold any byte. make_one_line() rewrites the
//   record in place so that, followed by one newline, it is exactly one line
//   of maillog and cannot forge another:
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
//   The length never grows, no byte is moved, and nothing is allocated: the
//   loop is one pass over the bytes. An empty record stays an empty line.
// DIAGNOSTICS
//   None: every input has a line.
// SEE ALSO
//   record_reader.h (where the bytes come from), log_file.h (where they go)
#pragma once

#include <cstddef>

namespace dgram::logd {

// True for the bytes that are replaced: 0x00-0x1f and 0x7f.
constexpr bool is_line_breaking(unsigned char byte) noexcept { return byte < 0x20 || byte == 0x7f; }

// Rewrites data[0 .. length) in place as described above; returns the
// length of the line without its newline (length, length - 1 or length - 2).
std::size_t make_one_line(char* data, std::size_t length) noexcept;

}  // namespace dgram::logd
