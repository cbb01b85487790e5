// SPDX-License-Identifier: MIT
// dgram-echo - an example service that sends every datagram back to its sender.
//
// What it shows:
// - receive.sender: each Datagram then says where it came from;
// - Context::reply(): the answer goes out on the socket the datagram came
//   on, without blocking. It returns what went wrong instead of ending the
//   process, so a client that is gone, full or unnamed costs one warning.
//
// A client gets an answer only if its socket has a name (bound to a path or
// an abstract name); an unnamed sender cannot be answered (EDESTADDRREQ).
// Under Postfix, with the program in daemon_directory:
//
//   echo      unix-dgram n       -       n       -       1       dgram-echo
//
// Without Postfix:
//
//   build/tools/dgram-launch --socket /tmp/echo.sock -- build/examples/dgram-echo -V
#include <string>

#include "dgram/server.h"

namespace {

// The sender as a log line shows it: its path, @name when abstract, or "unnamed".
std::string describe(const dgram::SenderAddress* sender) {
  if (sender == nullptr || sender->kind == dgram::SenderAddress::Kind::unnamed) return "unnamed sender";
  if (sender->kind == dgram::SenderAddress::Kind::abstract) return "@" + std::string(sender->name);
  return std::string(sender->name);
}

}  // namespace

int main(int argc, char** argv) {
  dgram::Service service;
  service.receive.sender = true;                      // needed by reply()
  service.receive_buffer = dgram::kMaxReceiveBuffer;  // echo up to 64 KiB whole
  service.on_datagram = [](const dgram::Datagram& datagram, dgram::Context& context) {
    // A truncated datagram (longer than receive_buffer) is echoed as far as
    // it was received; the skeleton has already warned about it.
    if (std::error_code error = context.reply(datagram, datagram.data)) {
      context.log.warn("cannot reply to %s: %s", describe(datagram.sender).c_str(),
                       error.message().c_str());
    }
  };
  return dgram::run(service, argc, argv);
}
