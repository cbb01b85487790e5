// SPDX-License-Identifier: MIT
// listen_socket_file - the socket a standalone process makes for itself
// (`--listen PATH`).
//
// ListenSocketFile::open() binds an AF_UNIX datagram socket at a path, or at
// an abstract name (@name). A file already at the path is dealt with the
// way an admin would: a stale socket (nobody is bound to it: connecting is
// refused) is replaced; a live one is refused with a line saying so, as is
// anything that is not a socket. The new file gets exactly --mode (the
// umask does not narrow it) and, when asked, --owner and --group.
//
// remove() takes the file away at exit, and only when it is still the one
// this process created (same device and inode): a successor that replaced it
// keeps its socket. It works after a chroot (through a descriptor of the
// socket's directory, opened beforehand); after a user switch it needs
// write access to that directory, and says so when it lacks it — the next
// start then replaces the file as stale. A socket passed by systemd is never
// a ListenSocketFile, so it is never unlinked.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

#include "dgram/unique_fd.h"
#include "start/start_mode.h"

namespace dgram {

class ListenSocketFile {
 public:
  // Throws Fatal naming the path and what is wrong with it.
  static ListenSocketFile open(const ListenRequest& request);

  int fd() const noexcept { return socket_.get(); }
  const std::string& path() const noexcept { return path_; }
  // What open() found and did, for the start-up line: "created",
  // "replaced a stale socket", "abstract".
  const std::string& how() const noexcept { return how_; }

  // Removes the file if it is still ours. Returns a warning text when it
  // could not (nullopt when it was removed or there was nothing to remove).
  std::optional<std::string> remove();

  ListenSocketFile(ListenSocketFile&& other) noexcept;
  ListenSocketFile& operator=(ListenSocketFile&&) = delete;
  ListenSocketFile(const ListenSocketFile&) = delete;
  ~ListenSocketFile() { (void)remove(); }

 private:
  ListenSocketFile() = default;

  UniqueFd socket_;
  UniqueFd directory_;   // where the file is, for unlinkat() after a chroot
  std::string path_;
  std::string name_;     // the file's name in directory_
  std::string how_;
  dev_t device_ = 0;
  ino_t inode_ = 0;
  bool created_ = false;
};

}  // namespace dgram
