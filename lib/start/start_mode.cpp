// SPDX-License-Identifier: MIT
// start_mode - recognising the three ways a service is started.
#include "start/start_mode.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>

#include "base/decimal.h"
#include "dgram/error.h"

namespace dgram {

namespace {

// The most sockets we take from systemd: far more than any unit passes, few
// enough that a garbled count cannot make us walk the descriptor table.
constexpr long kMaxActivatedSockets = 1024;
constexpr int kFirstActivatedFd = 3;

const std::string* find(const std::map<std::string, std::string>& env, const char* name) {
  auto it = env.find(name);
  return it == env.end() ? nullptr : &it->second;
}

std::vector<std::string> split_names(const std::string& text) {
  std::vector<std::string> names;
  std::string::size_type start = 0;
  for (;;) {
    auto colon = text.find(':', start);
    names.push_back(text.substr(start, colon == std::string::npos ? std::string::npos : colon - start));
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  return names;
}

mode_t parse_mode(const std::string& text) {
  if (text.empty() || text.size() > 4 || text.find_first_not_of("01234567") != std::string::npos) {
    throw Fatal("invalid --mode " + text + ": give the socket's permissions in octal, 0000..0777");
  }
  unsigned long value = std::strtoul(text.c_str(), nullptr, 8);
  if (value > 0777) {
    throw Fatal("invalid --mode " + text + ": only permission bits (0000..0777) are allowed");
  }
  return static_cast<mode_t>(value);
}

const char* family_name(int family) {
  switch (family) {
    case AF_INET: return "AF_INET";
    case AF_INET6: return "AF_INET6";
    case AF_NETLINK: return "AF_NETLINK";
    case AF_VSOCK: return "AF_VSOCK";
    default: return nullptr;
  }
}

const char* type_name(int type) {
  switch (type) {
    case SOCK_STREAM: return "a stream socket (ListenStream=)";
    case SOCK_SEQPACKET: return "a seqpacket socket (ListenSequentialPacket=)";
    case SOCK_RAW: return "a raw socket";
    default: return nullptr;
  }
}

}  // namespace

StartPolicy start_policy(StartKind kind) noexcept {
  StartPolicy policy;
  if (kind == StartKind::postfix_master) {
    policy.main_cf_required = true;
    policy.postfix_limits = true;
    policy.always_queue_directory = true;
    policy.master_supervises = true;
    policy.siblings_share_socket = true;
  }
  return policy;
}

SplitArguments split_listen_options(std::span<const std::string> argv) {
  SplitArguments split;
  if (argv.empty()) return split;
  split.argv.push_back(argv[0]);
  ListenRequest request;
  bool have_listen = false;
  std::optional<std::string> mode_text;
  std::size_t index = 1;
  for (; index < argv.size(); ++index) {
    const std::string& word = argv[index];
    if (word.size() < 3 || word.compare(0, 2, "--") != 0) break;  // "--" alone ends options too
    std::string name = word.substr(2);
    std::optional<std::string> value;
    if (auto equals = name.find('='); equals != std::string::npos) {
      value = name.substr(equals + 1);
      name.resize(equals);
    }
    if (name != "listen" && name != "mode" && name != "owner" && name != "group") {
      throw Fatal("invalid option: --" + name + " (known: --listen PATH, --mode OCTAL, --owner USER, --group GROUP)");
    }
    if (!value) {
      if (index + 1 >= argv.size()) throw Fatal("option --" + name + " requires a value");
      value = argv[++index];
    }
    if (value->empty()) throw Fatal("option --" + name + " requires a value, not an empty word");
    if (name == "listen") {
      if (have_listen) throw Fatal("--listen given twice (" + request.path + ", " + *value + "): one socket per process");
      have_listen = true;
      request.path = *value;
    } else if (name == "mode") {
      mode_text = *value;
      request.mode = parse_mode(*value);
    } else if (name == "owner") {
      request.owner = *value;
    } else {
      request.group = *value;
    }
  }
  if (!have_listen && (mode_text || request.owner || request.group)) {
    throw Fatal(std::string("--") + (mode_text ? "mode" : request.owner ? "owner" : "group") +
                " is for the socket of --listen PATH, which is not given");
  }
  if (have_listen && request.path[0] == '@' && (mode_text || request.owner || request.group)) {
    throw Fatal("--listen " + request.path +
                " is an abstract socket: it has no file, so --mode, --owner and --group do not apply");
  }
  if (have_listen) split.listen = std::move(request);
  split.argv.insert(split.argv.end(), argv.begin() + static_cast<std::ptrdiff_t>(index), argv.end());
  return split;
}

std::optional<ActivatedSockets> activated_sockets(
    const std::map<std::string, std::string>& env, pid_t pid,
    const std::function<std::optional<unsigned long long>()>& pidfd_id) {
  const std::string* listen_pid = find(env, "LISTEN_PID");
  const std::string* listen_fds = find(env, "LISTEN_FDS");
  const std::string* listen_names = find(env, "LISTEN_FDNAMES");
  const std::string* listen_pidfd = find(env, "LISTEN_PIDFDID");
  if (!listen_pid && !listen_fds) return std::nullopt;
  if (!listen_pid) {
    throw Fatal("LISTEN_FDS=" + *listen_fds + " is set without LISTEN_PID: cannot tell whether the sockets are ours");
  }
  auto owner = parse_decimal(*listen_pid);
  if (!owner || *owner == 0 || *owner > static_cast<unsigned long long>(INT_MAX)) {
    throw Fatal("invalid LISTEN_PID=" + *listen_pid + ": not a process id");
  }
  if (static_cast<pid_t>(*owner) != pid) {
    throw Fatal("LISTEN_PID=" + *listen_pid + " is not this process (pid " + std::to_string(pid) +
                "): the sockets were passed to another program (a wrapper that forks must not keep LISTEN_PID)");
  }
  if (listen_pidfd) {
    auto wanted = parse_decimal(*listen_pidfd);
    if (!wanted) throw Fatal("invalid LISTEN_PIDFDID=" + *listen_pidfd + ": not a pidfd inode id");
    auto ours = pidfd_id();
    if (ours && *ours != *wanted) {
      throw Fatal("LISTEN_PIDFDID=" + *listen_pidfd + " is not this process (its pidfd id is " +
                  std::to_string(*ours) + "): the sockets were passed to an earlier process with pid " +
                  *listen_pid);
    }
  }
  if (!listen_fds) throw Fatal("LISTEN_PID=" + *listen_pid + " is set without LISTEN_FDS");
  auto count = parse_decimal(*listen_fds);
  if (!count || *count > static_cast<unsigned long long>(kMaxActivatedSockets)) {
    throw Fatal("invalid LISTEN_FDS=" + *listen_fds + ": not a socket count (1.." +
                std::to_string(kMaxActivatedSockets) + ")");
  }
  if (*count == 0) {
    throw Fatal("LISTEN_FDS=0: no socket was passed (the .socket unit needs a ListenDatagram= line)");
  }
  ActivatedSockets sockets;
  for (unsigned long long i = 0; i < *count; ++i) sockets.fds.push_back(kFirstActivatedFd + static_cast<int>(i));
  if (listen_names) {
    sockets.names = split_names(*listen_names);
    if (sockets.names.size() != *count) {
      throw Fatal("LISTEN_FDNAMES=" + *listen_names + " names " + std::to_string(sockets.names.size()) +
                  " sockets where LISTEN_FDS=" + *listen_fds + " passes " + std::to_string(*count));
    }
  } else {
    sockets.names.assign(sockets.fds.size(), std::string());
  }
  return sockets;
}

std::optional<unsigned long long> own_pidfd_id() {
#ifdef SYS_pidfd_open
  long fd = ::syscall(SYS_pidfd_open, ::getpid(), 0);
  if (fd < 0) return std::nullopt;  // ENOSYS on old kernels: nothing to compare
  struct stat status {};
  int rc = ::fstat(static_cast<int>(fd), &status);
  ::close(static_cast<int>(fd));
  if (rc < 0) return std::nullopt;
  return static_cast<unsigned long long>(status.st_ino);
#else
  return std::nullopt;
#endif
}

void check_unix_datagram_socket(int fd, const std::string& what) {
  if (::fcntl(fd, F_GETFD) < 0) {
    throw Fatal(what + " is not open: " + std::strerror(errno));
  }
  int type = 0;
  socklen_t length = sizeof(type);
  if (::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &length) < 0) {
    if (errno == ENOTSOCK) throw Fatal(what + " is not a socket");
    throw_errno("getsockopt(SO_TYPE) of " + what);
  }
  sockaddr_storage address{};
  socklen_t address_length = sizeof(address);
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &address_length) < 0) {
    throw_errno("getsockname() of " + what);
  }
  if (address.ss_family != AF_UNIX) {
    const char* family = family_name(address.ss_family);
    throw Fatal(what + " is " + (family ? std::string("an ") + family : "a family " + std::to_string(address.ss_family)) +
                " socket, not AF_UNIX: ListenDatagram= must name a path or @name");
  }
  if (type != SOCK_DGRAM) {
    const char* name = type_name(type);
    throw Fatal(what + " is " + (name ? name : "of socket type " + std::to_string(type)) +
                ", not a datagram socket: use ListenDatagram= in the .socket unit");
  }
}

std::string how_to_start_line(const std::string& program) {
  return "not started by the Postfix master (-t unix-dgram), by systemd socket activation (LISTEN_FDS), "
         "nor with --listen: run it from master.cf as a unix-dgram service, from a .socket unit with "
         "ListenDatagram=, or as " + program + " --listen PATH [--mode OCTAL] [--owner USER] [--group GROUP] [options]";
}

}  // namespace dgram
