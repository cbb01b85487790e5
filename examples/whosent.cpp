// SPDX-License-Identifier: MIT
// dgram-whosent - an example service that logs who sent each datagram.
//
// What it shows: receive.credentials (the kernel says which process, user
// and group sent a datagram; it cannot be forged by the sender) and
// receive.sender (the address of the sender's socket). For each datagram it
// logs one line:
//
//   pid=1234 uid=65534 gid=65534 address=/run/client.sock
//
// address is the sender's path, @name for a Linux abstract name, or
// "unnamed" when the sender's socket is not bound. A datagram that was
// queued before the skeleton asked the kernel for credentials carries none:
// its line says pid=unknown uid=unknown gid=unknown. Control bytes in an
// address (abstract names may hold any byte) become '?' in the log, like in
// any logged text.
//
// With whosent_pidfd = yes (main.cf or -o; Linux 6.5 or later) it also shows
// receive.pidfd: a pid alone may already belong to another process when the
// line is written, a pidfd names the sender itself. The line then goes on:
//
//   pid=1234 uid=65534 gid=65534 address=/run/client.sock pidfd_pid=1234 alive=yes
//
// pidfd_pid is the "Pid:" the kernel gives for the pidfd in
// /proc/self/fdinfo (-1 once the sender has exited and been reaped, never
// another process's pid); alive says whether the sender could still be
// signalled after that was read (pidfd_send_signal with signal 0), so
// "alive=yes" means pidfd_pid was the sender's own when it was read.
// pidfd=none: no pidfd came (the datagram was queued before it was asked
// for); pidfd_pid=unknown: /proc is not there (a chroot).
//
//   whosent   unix-dgram n       -       n       -       1       dgram-whosent
#include <sys/syscall.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "dgram/server.h"

namespace {

std::string address_of(const dgram::SenderAddress* sender) {
  if (sender == nullptr || sender->kind == dgram::SenderAddress::Kind::unnamed) return "unnamed";
  if (sender->kind == dgram::SenderAddress::Kind::abstract) return "@" + std::string(sender->name);
  return std::string(sender->name);
}

std::string identity_of(const dgram::Credentials* credentials) {
  if (credentials == nullptr) return "pid=unknown uid=unknown gid=unknown";
  return "pid=" + std::to_string(credentials->pid) + " uid=" + std::to_string(credentials->uid) +
         " gid=" + std::to_string(credentials->gid);
}

// The "Pid:" of a pidfd's fdinfo, or "unknown".
std::string pid_of_pidfd(int pidfd) {
  std::ifstream info("/proc/self/fdinfo/" + std::to_string(pidfd));
  std::string word;
  long pid;
  while (info >> word) {
    if (word == "Pid:" && (info >> pid)) return std::to_string(pid);
  }
  return "unknown";
}

// What the pidfd says about the sender, read before the liveness check.
std::string checked_through(const dgram::Credentials* credentials) {
  if (credentials == nullptr || credentials->pidfd < 0) return " pidfd=none";
  std::string pid = pid_of_pidfd(credentials->pidfd);
  bool alive = ::syscall(SYS_pidfd_send_signal, credentials->pidfd, 0, nullptr, 0) == 0;
  return " pidfd_pid=" + pid + " alive=" + (alive ? "yes" : "no");
}

}  // namespace

int main(int argc, char** argv) {
  dgram::Service service;
  service.receive.sender = true;
  service.receive.credentials = true;
  // Loaded before the skeleton asks the kernel for anything.
  service.params.bools.push_back({"whosent_pidfd", false, &service.receive.pidfd});
  service.on_datagram = [&service](const dgram::Datagram& datagram, dgram::Context& context) {
    std::string pidfd = service.receive.pidfd ? checked_through(datagram.credentials) : "";
    context.log.info("%s address=%s%s", identity_of(datagram.credentials).c_str(),
                     address_of(datagram.sender).c_str(), pidfd.c_str());
  };
  return dgram::run(service, argc, argv);
}
