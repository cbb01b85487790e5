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
//   whosent   unix-dgram n       -       n       -       1       dgram-whosent
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

}  // namespace

int main(int argc, char** argv) {
  dgram::Service service;
  service.receive.sender = true;
  service.receive.credentials = true;
  service.on_datagram = [](const dgram::Datagram& datagram, dgram::Context& context) {
    context.log.info("%s address=%s", identity_of(datagram.credentials).c_str(),
                     address_of(datagram.sender).c_str());
  };
  return dgram::run(service, argc, argv);
}
