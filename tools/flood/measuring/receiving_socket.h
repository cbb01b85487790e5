// SPDX-License-Identifier: MIT
// NAME
//   receiving_socket - which socket the sender's datagrams go to, and
//   whether it still exists.
// SUMMARY
//   ReceivingSocket target = find_receiving_socket(fd, path);
//   SocketPresence now = socket_presence(target.inode);
// DESCRIPTION
//   A connected AF_UNIX datagram socket knows its peer: the socket that was
//   bound to the path when connect() ran. find_receiving_socket() asks the
//   kernel for that peer with sock_diag (NETLINK_SOCK_DIAG, UDIAG_SHOW_PEER
//   for the sender's own socket inode). The answer is exact: neither an old
//   socket still open under a path that was bound again, nor a socket bound
//   by a relative path (the Postfix master binds "public/NAME" from its
//   queue directory, and that is what the kernel lists) can be mistaken for
//   it. The inode it returns is the one /proc/PID/fd shows as
//   "socket:[INODE]" in the processes that hold the socket.
//
//   When sock_diag cannot answer (a kernel without unix_diag), it falls back
//   to /proc/net/unix: the datagram socket bound to the path as given, or
//   as realpath() spells it. More than one such socket is ambiguous (an old
//   one still open after the path was bound again) and is not guessed at.
//   bound_inodes() is that table lookup, pure, for tests.
//
//   socket_presence() tells whether a socket inode is still listed in
//   /proc/net/unix: after a drain, "closed" means the receiver closed its
//   socket, and the kernel freed what was queued without anyone reading it.
// DIAGNOSTICS
//   find_receiving_socket() does not throw: when it finds nothing, inode is
//   0 and `problem` says why in words that name the path (no receiver bound
//   any more, not in /proc/net/unix, several candidates). socket_presence()
//   answers "unknown" when /proc/net/unix cannot be read.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace flood {

struct ReceivingSocket {
  std::uint64_t inode = 0;  // 0 when not found
  std::string found_by;     // "sock_diag" or "/proc/net/unix"
  std::string problem;      // why not found, when inode is 0
};

enum class SocketPresence { open, closed, unknown };

// find_receiving_socket - the inode of the socket fd (connected to path) sends to.
ReceivingSocket find_receiving_socket(int fd, const std::string& path);

// socket_presence - whether the socket with this inode still exists.
SocketPresence socket_presence(std::uint64_t inode);

// presence_name - "open", "closed" or "unknown".
const char* presence_name(SocketPresence presence);

// bound_inodes - inodes of the datagram sockets /proc/net/unix lists as bound to one of paths.
std::vector<std::uint64_t> bound_inodes(std::string_view table,
                                        const std::vector<std::string>& paths);

}  // namespace flood
