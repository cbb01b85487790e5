// SPDX-License-Identifier: MIT
// listen_socket_file - binding the socket of --listen, replacing a stale one.
#include "start/listen_socket_file.h"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <utility>
#include <vector>

#include "dgram/error.h"
#include "base/unix_address.h"

namespace dgram {

namespace {

UnixAddress listen_address(const std::string& path) {
  std::optional<UnixAddress> address = unix_address(path);
  if (!address) {
    throw Fatal("--listen " + path + ": a socket path has at most " + std::to_string(unix_address_room(path)) +
                " bytes, this one has " + std::to_string(path.size()));
  }
  return *address;
}

bool all_digits(const std::string& text) {
  return !text.empty() && text.find_first_not_of("0123456789") == std::string::npos;
}

// The id of a user or group given by name or number: lookup is getpwnam_r or
// getgrnam_r, field the id in what it finds; option and what name it in lines.
template <typename Entry, typename Id, typename Lookup>
Id look_up_id(const std::string& name, Lookup lookup, Id Entry::*field, const char* option, const char* what) {
  if (all_digits(name)) return static_cast<Id>(std::strtoul(name.c_str(), nullptr, 10));
  std::vector<char> buffer(16384);
  Entry entry{};
  Entry* found = nullptr;
  int error = lookup(name.c_str(), &entry, buffer.data(), buffer.size(), &found);
  std::string said = std::string(option) + " " + name + ": ";
  if (error != 0) throw Fatal(said + "cannot look up the " + what + ": " + std::strerror(error));
  if (!found) throw Fatal(said + "no such " + what);
  return found->*field;
}

uid_t user_id(const std::string& name) { return look_up_id(name, ::getpwnam_r, &passwd::pw_uid, "--owner", "user"); }

gid_t group_id(const std::string& name) { return look_up_id(name, ::getgrnam_r, &group::gr_gid, "--group", "group"); }

std::string file_kind(mode_t mode) {
  if (S_ISREG(mode)) return "a regular file";
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISLNK(mode)) return "a symbolic link";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode) || S_ISBLK(mode)) return "a device";
  return "not a socket";
}

// Is anybody bound to the socket file at address? True: yes; false: the
// connection was refused (a stale file). Throws for anything else.
bool socket_is_live(const std::string& path, const UnixAddress& address) {
  UniqueFd probe(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!probe) throw_errno("socket() to look at --listen " + path);
  if (::connect(probe.get(), address.get(), address.length) == 0) {
    return true;
  }
  if (errno == ECONNREFUSED) return false;
  if (errno == ENOENT) return false;  // it went away meanwhile: nothing to replace
  throw_errno("--listen " + path + ": cannot tell whether the socket there is in use");
}

}  // namespace

ListenSocketFile::ListenSocketFile(ListenSocketFile&& other) noexcept
    : socket_(std::move(other.socket_)),
      directory_(std::move(other.directory_)),
      path_(std::move(other.path_)),
      name_(std::move(other.name_)),
      how_(std::move(other.how_)),
      device_(other.device_),
      inode_(other.inode_),
      created_(std::exchange(other.created_, false)) {}

ListenSocketFile ListenSocketFile::open(const ListenRequest& request) {
  ListenSocketFile file;
  file.path_ = request.path;
  UnixAddress address = listen_address(request.path);
  file.socket_ = UniqueFd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!file.socket_) throw_errno("socket() for --listen " + request.path);

  if (request.path[0] == '@') {
    if (::bind(file.socket_.get(), address.get(), address.length) < 0) {
      if (errno == EADDRINUSE) {
        throw Fatal("--listen " + request.path + ": another process is bound to this abstract name");
      }
      throw_errno("bind() to --listen " + request.path);
    }
    file.how_ = "abstract";
    return file;
  }

  auto slash = request.path.find_last_of('/');
  std::string directory = slash == std::string::npos ? "." : slash == 0 ? "/" : request.path.substr(0, slash);
  file.name_ = slash == std::string::npos ? request.path : request.path.substr(slash + 1);
  if (file.name_.empty()) throw Fatal("--listen " + request.path + ": names a directory, not a socket file");
  file.directory_ = UniqueFd(::open(directory.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!file.directory_) throw_errno("--listen " + request.path + ": directory " + directory);

  file.how_ = "created";
  struct stat existing {};
  if (::fstatat(file.directory_.get(), file.name_.c_str(), &existing, AT_SYMLINK_NOFOLLOW) == 0) {
    if (!S_ISSOCK(existing.st_mode)) {
      throw Fatal("--listen " + request.path + ": the path is " + file_kind(existing.st_mode) +
                  ", not a socket; it is left alone (remove it or choose another path)");
    }
    if (socket_is_live(request.path, address)) {
      throw Fatal("--listen " + request.path +
                  ": another process is serving this socket; stop it first or choose another path");
    }
    if (::unlinkat(file.directory_.get(), file.name_.c_str(), 0) < 0 && errno != ENOENT) {
      throw_errno("--listen " + request.path + ": cannot remove the stale socket");
    }
    file.how_ = "replaced a stale socket";
  } else if (errno != ENOENT) {
    throw_errno("--listen " + request.path);
  }

  // The file is made with exactly the requested permissions: the umask is
  // narrowed to their complement for the bind (start-up is single-threaded).
  mode_t old_mask = ::umask(static_cast<mode_t>(~request.mode & 0777));
  int bound = ::bind(file.socket_.get(), address.get(), address.length);
  int bind_error = errno;
  ::umask(old_mask);
  if (bound < 0) {
    errno = bind_error;
    if (bind_error == EADDRINUSE) {
      throw Fatal("--listen " + request.path + ": another process created the socket meanwhile");
    }
    throw_errno("bind() to --listen " + request.path);
  }
  struct stat created {};
  if (::fstatat(file.directory_.get(), file.name_.c_str(), &created, AT_SYMLINK_NOFOLLOW) < 0) {
    throw_errno("--listen " + request.path + ": the new socket file");
  }
  file.device_ = created.st_dev;
  file.inode_ = created.st_ino;
  file.created_ = true;  // from here on the file goes away with this object

  if (request.owner || request.group) {
    uid_t uid = request.owner ? user_id(*request.owner) : static_cast<uid_t>(-1);
    gid_t gid = request.group ? group_id(*request.group) : static_cast<gid_t>(-1);
    if (::fchownat(file.directory_.get(), file.name_.c_str(), uid, gid, AT_SYMLINK_NOFOLLOW) < 0) {
      throw_errno("--listen " + request.path + ": chown to " + request.owner.value_or("-") + ":" +
                  request.group.value_or("-"));
    }
  }
  return file;
}

std::optional<std::string> ListenSocketFile::remove() {
  if (!created_) return std::nullopt;
  created_ = false;
  struct stat now {};
  if (::fstatat(directory_.get(), name_.c_str(), &now, AT_SYMLINK_NOFOLLOW) < 0) {
    if (errno == ENOENT) return std::nullopt;  // somebody removed it already
    return "cannot look at " + path_ + " to remove it: " + std::strerror(errno);
  }
  if (now.st_dev != device_ || now.st_ino != inode_) {
    return path_ + " is no longer the socket this process made (another one replaced it): left in place";
  }
  if (::unlinkat(directory_.get(), name_.c_str(), 0) < 0 && errno != ENOENT) {
    return "cannot remove " + path_ + ": " + std::strerror(errno) +
           " (the next start replaces it as a stale socket)";
  }
  return std::nullopt;
}

}  // namespace dgram
