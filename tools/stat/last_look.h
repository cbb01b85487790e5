// SPDX-License-Identifier: MIT
// last_look - where dgram-stat keeps what it saw the last time it was run,
// so that the next run can say the rates since: one line per counter file
// (its creation time, when it was looked at, its datagrams and bytes, its
// path), in $XDG_RUNTIME_DIR/dgram-stat.looks, else
// $HOME/.cache/dgram-stat.looks; with neither set, nothing is kept. The file
// is replaced whole (a temporary file renamed over it), never followed when
// it is a symbolic link.
//
// THREADS
//   The caller's.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "stat/stat_report.h"

namespace dgram {

using LastLooks = std::map<std::string, EarlierLook>;  // by counter file path

// Where the looks are kept, from the environment's values (null: unset).
std::optional<std::string> last_look_path(const char* runtime_dir, const char* home);
// The file's lines; lines that do not parse are skipped; a missing file: none.
LastLooks parse_last_looks(const std::string& text);
std::string format_last_looks(const LastLooks& looks);
LastLooks read_last_looks(const std::string& path);
// Writes looks to path; on failure says why (the table is still printed).
std::optional<std::string> write_last_looks(const std::string& path, const LastLooks& looks);

}  // namespace dgram
