// SPDX-License-Identifier: MIT
// service_manager - what a process started by systemd (or with --listen)
// does for its service manager while it serves.
//
// With NOTIFY_SOCKET (notify_socket.h): READY=1 once post_init has run,
// STATUS= with the number of datagrams served at most once a second and only
// after a wake-up that served some (a timer armed by the first such wake-up,
// never a system call per datagram), STOPPING=1 when the loop ends, ERRNO=
// and STATUS= with a fatal exit. With WATCHDOG_USEC (and WATCHDOG_PID unset
// or ours): WATCHDOG=1 at half the interval from the event loop, so a turn
// that gets stuck stops the pings and systemd restarts the service.
// SIGHUP runs the service's reload hook between wake-ups, framed by
// RELOADING=1 and READY=1 (what Type=notify-reload expects; harmless for
// Type=notify). Under the Postfix master none of this exists.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "dgram/log.h"
#include "dgram/service.h"
#include "start/notify_socket.h"
#include "serve/service_events.h"

namespace dgram {

class ServiceManager {
 public:
  // notify may be null (nobody to tell; SIGHUP still reloads). The events
  // run on the dispatch loop's base.
  ServiceManager(NotifySocket* notify, ServiceEvents& events, Log& log,
                 std::optional<unsigned long long> watchdog_usec, HookFn reload);

  // Where the count of served datagrams comes from (the dispatch loop).
  void set_served_source(std::function<unsigned long long()> served) { served_ = std::move(served); }
  // The service is ready: READY=1, and the watchdog pings begin.
  void ready();
  // Called after a wake-up that served datagrams.
  void on_served();
  // The loop has ended: STOPPING=1.
  void stopping();

  // The fatal line, as systemd is told it (a null notify is fine).
  static void report_fatal(NotifySocket* notify, const std::string& text, int error_number) noexcept;

 private:
  void send(const std::string& message);
  void send_status();
  void reload(Context& context);
  std::string status_text();  // what is sent as STATUS=, noted as reported

  NotifySocket* notify_;
  ServiceEvents& events_;
  Log& log_;
  std::optional<unsigned long long> watchdog_usec_;
  HookFn reload_;
  std::function<unsigned long long()> served_;
  unsigned long long reported_ = 0;
  bool warned_ = false;
  EventHandle hangup_;
  EventHandle watchdog_pings_;
  EventHandle status_timer_;
};

}  // namespace dgram
