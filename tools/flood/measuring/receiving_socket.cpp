// SPDX-License-Identifier: MIT
// receiving_socket - the peer of a connected datagram socket, by sock_diag or /proc/net/unix.
#include "measuring/receiving_socket.h"

#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>

#include "measuring/proc_file.h"

namespace flood {

namespace {

constexpr const char* kUnixTable = "/proc/net/unix";
constexpr std::string_view kDatagramType = "0002";  // SOCK_DGRAM in the Type column

// FdCloser - closes the netlink socket at the end of the query.
struct FdCloser {
  explicit FdCloser(int fd) : fd(fd) {}
  FdCloser(const FdCloser&) = delete;
  FdCloser& operator=(const FdCloser&) = delete;
  ~FdCloser() { (void)::close(fd); }  // a netlink query socket: nothing is lost at close
  int fd;
};

// ask_peer - the peer inode of our socket own_inode, by sock_diag; 0 or an error number.
// peer is 0 when the kernel reports none (the receiver closed its socket).
int ask_peer(std::uint64_t own_inode, std::uint64_t& peer) {
  peer = 0;
  int fd = ::socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
  if (fd < 0) return errno;
  FdCloser closer(fd);

  struct {
    nlmsghdr header;
    unix_diag_req body;
  } request{};
  request.header.nlmsg_len = sizeof(request);
  request.header.nlmsg_type = SOCK_DIAG_BY_FAMILY;
  request.header.nlmsg_flags = NLM_F_REQUEST;
  request.header.nlmsg_seq = 1;
  request.body.sdiag_family = AF_UNIX;
  request.body.udiag_states = ~0U;
  request.body.udiag_ino = static_cast<std::uint32_t>(own_inode);
  request.body.udiag_show = UDIAG_SHOW_PEER;
  request.body.udiag_cookie[0] = ~0U;  // "no cookie": look the socket up by inode alone
  request.body.udiag_cookie[1] = ~0U;
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  ssize_t sent;
  do {
    sent = ::sendto(fd, &request, sizeof(request), 0, reinterpret_cast<sockaddr*>(&kernel),
                    sizeof(kernel));
  } while (sent < 0 && errno == EINTR);
  if (sent < 0) return errno;

  // The kernel answers while sendto() runs: the reply is already queued.
  alignas(nlmsghdr) char buffer[8192];
  ssize_t got;
  do {
    got = ::recv(fd, buffer, sizeof(buffer), MSG_DONTWAIT);
  } while (got < 0 && errno == EINTR);
  if (got < 0) return errno == EAGAIN ? EPROTO : errno;

  auto length = static_cast<std::size_t>(got);
  if (length < sizeof(nlmsghdr)) return EPROTO;
  nlmsghdr header;
  std::memcpy(&header, buffer, sizeof(header));
  if (header.nlmsg_len > length) return EPROTO;
  if (header.nlmsg_type == NLMSG_ERROR) {
    nlmsgerr error;
    if (header.nlmsg_len < NLMSG_LENGTH(sizeof(error))) return EPROTO;
    std::memcpy(&error, buffer + NLMSG_HDRLEN, sizeof(error));
    return error.error < 0 ? -error.error : EPROTO;
  }
  if (header.nlmsg_type != SOCK_DIAG_BY_FAMILY) return EPROTO;
  unix_diag_msg message;
  if (header.nlmsg_len < NLMSG_LENGTH(sizeof(message))) return EPROTO;
  std::memcpy(&message, buffer + NLMSG_HDRLEN, sizeof(message));
  if (message.udiag_ino != static_cast<std::uint32_t>(own_inode)) return EPROTO;

  // Attributes follow the message, each a 4-byte header and 4-byte aligned.
  std::size_t at = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(message));
  while (at + sizeof(nlattr) <= header.nlmsg_len) {
    nlattr attribute;
    std::memcpy(&attribute, buffer + at, sizeof(attribute));
    if (attribute.nla_len < sizeof(nlattr) || at + attribute.nla_len > header.nlmsg_len) break;
    if (attribute.nla_type == UNIX_DIAG_PEER && attribute.nla_len >= NLA_HDRLEN + 4) {
      std::uint32_t value;
      std::memcpy(&value, buffer + at + NLA_HDRLEN, sizeof(value));
      peer = value;
    }
    at += NLA_ALIGN(attribute.nla_len);
  }
  return 0;
}

// Row - the columns of one /proc/net/unix line that matter here.
struct Row {
  std::string_view type;
  std::uint64_t inode = 0;
  std::string_view path;  // empty when not bound
};

// parse_row - "Num RefCount Protocol Flags Type St Inode [Path]", or nothing for the heading.
std::optional<Row> parse_row(std::string_view line) {
  std::string_view columns[7];
  std::size_t at = 0;
  for (auto& column : columns) {
    std::size_t start = line.find_first_not_of(' ', at);
    if (start == std::string_view::npos) return std::nullopt;
    std::size_t end = line.find(' ', start);
    if (end == std::string_view::npos) end = line.size();
    column = line.substr(start, end - start);
    at = end;
  }
  Row row;
  row.type = columns[4];
  const char* last = columns[6].data() + columns[6].size();
  auto [stop, error] = std::from_chars(columns[6].data(), last, row.inode);
  if (error != std::errc() || stop != last) return std::nullopt;  // the heading line
  // The path is everything after the one space that follows the inode.
  if (at + 1 < line.size()) row.path = line.substr(at + 1);
  return row;
}

// for_each_row - calls visit for each socket line of the table.
template <typename Visit>
void for_each_row(std::string_view table, Visit visit) {
  for (std::size_t at = 0; at < table.size();) {
    std::size_t end = table.find('\n', at);
    if (end == std::string_view::npos) end = table.size();
    if (std::optional<Row> row = parse_row(table.substr(at, end - at))) visit(*row);
    at = end + 1;
  }
}

// spellings - path as given and as realpath() resolves it, when that differs.
std::vector<std::string> spellings(const std::string& path) {
  std::vector<std::string> names{path};
  std::unique_ptr<char, decltype(&std::free)> resolved(::realpath(path.c_str(), nullptr),
                                                       &std::free);
  if (resolved && path != resolved.get()) names.emplace_back(resolved.get());
  return names;
}

// from_table - the /proc/net/unix fallback; diag_error is why sock_diag did not answer.
ReceivingSocket from_table(const std::string& path, int diag_error) {
  ReceivingSocket found;
  found.found_by = kUnixTable;
  const std::string because = std::string(" (sock_diag: ") + std::strerror(diag_error) + ")";
  std::string table;
  if (int error = read_proc_file(kUnixTable, table); error != 0) {
    found.problem =
        std::string("cannot read ") + kUnixTable + ": " + std::strerror(error) + because;
    return found;
  }
  std::vector<std::uint64_t> inodes = bound_inodes(table, spellings(path));
  if (inodes.size() == 1) {
    found.inode = inodes[0];
  } else if (inodes.empty()) {
    found.problem = std::string("no datagram socket bound to ") + path + " in " + kUnixTable +
                    " (one bound by a relative path is listed under that path)" + because;
  } else {
    found.problem = std::to_string(inodes.size()) + " datagram sockets are bound to " + path +
                    " in " + kUnixTable +
                    " (an old one still open?); name the processes with "
                    "--receiver" +
                    because;
  }
  return found;
}

}  // namespace

std::vector<std::uint64_t> bound_inodes(std::string_view table,
                                        const std::vector<std::string>& paths) {
  std::vector<std::uint64_t> inodes;
  for_each_row(table, [&](const Row& row) {
    if (row.type != kDatagramType || row.path.empty()) return;
    for (const auto& path : paths) {
      if (row.path == path) {
        inodes.push_back(row.inode);
        return;
      }
    }
  });
  return inodes;
}

ReceivingSocket find_receiving_socket(int fd, const std::string& path) {
  struct stat own {};
  if (::fstat(fd, &own) != 0) {
    ReceivingSocket found;
    found.problem = std::string("fstat of the sending socket: ") + std::strerror(errno);
    return found;
  }
  std::uint64_t peer = 0;
  int error = ask_peer(own.st_ino, peer);
  if (error != 0) return from_table(path, error);
  ReceivingSocket found;
  found.found_by = "sock_diag";
  found.inode = peer;
  if (peer == 0) found.problem = "the socket bound to " + path + " has been closed since connect()";
  return found;
}

SocketPresence socket_presence(std::uint64_t inode) {
  std::string table;
  if (inode == 0 || read_proc_file(kUnixTable, table) != 0) return SocketPresence::unknown;
  bool listed = false;
  for_each_row(table, [&](const Row& row) { listed = listed || row.inode == inode; });
  return listed ? SocketPresence::open : SocketPresence::closed;
}

const char* presence_name(SocketPresence presence) {
  switch (presence) {
    case SocketPresence::open:
      return "open";
    case SocketPresence::closed:
      return "closed";
    case SocketPresence::unknown:
      break;
  }
  return "unknown";
}

}  // namespace flood
