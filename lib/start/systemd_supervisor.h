// SPDX-License-Identifier: MIT
// systemd_supervisor - systemd (or nobody) as the supervisor of a process
// started by socket activation or with --listen.
//
// With NOTIFY_SOCKET (notify_socket.h): READY=1 once post_init has run,
// STATUS= with the number of datagrams served and the rate since the
// STATUS= before (systemctl status shows it) at most once a second and only
// after a wake-up that served some (a timer armed by the first such wake-up,
// never a system call per datagram), STOPPING=1 when the loop ends, ERRNO=
// and STATUS= with a fatal exit. With WATCHDOG_USEC (and WATCHDOG_PID unset
// or ours): WATCHDOG=1 at half the interval from the event loop, so a turn
// that gets stuck stops the pings and systemd restarts the service.
// SIGHUP runs the service's reload hook between wake-ups, framed by
// RELOADING=1 and READY=1 (what Type=notify-reload expects; harmless for
// Type=notify). Without NOTIFY_SOCKET nothing is told, and SIGHUP still
// reloads. busy() and idle() change nothing systemd does: they are no-ops.
//
// THREADS
//   The loop's only; its events run on the dispatch loop's base.
#pragma once

#include <optional>
#include <string>

#include "dgram/log.h"
#include "dgram/service.h"
#include "serve/service_events.h"
#include "serve/supervisor.h"
#include "start/notify_socket.h"

namespace dgram {

// "5 datagrams served" and, with a rate, "5 datagrams served, 2500/s".
std::string status_words(unsigned long long total, std::optional<double> per_second);

class SystemdSupervisor final : public Supervisor {
 public:
  // notify may be null (nobody to tell; SIGHUP still reloads); it must
  // outlive this object, as must events.
  SystemdSupervisor(NotifySocket* notify, ServiceEvents& events, Log& log,
                    std::optional<unsigned long long> watchdog_usec, HookFn reload);

  // READY=1 with the count, and the watchdog pings begin.
  void ready() override;
  // Notes the count; STATUS= within a second.
  void served(unsigned long long total) override;
  // STOPPING=1 with the count; the pings and the status timer end.
  void stopping() override;
  // STOPPING=1, ERRNO= and STATUS=fatal: with the line (one line, cut to 400 bytes).
  void fatal(const std::string& text, int error_number) noexcept override;

 private:
  void send(const std::string& message);
  void send_status();
  void reload(Context& context);
  // What is sent as STATUS=, noted as reported; with_rate: the rate since
  // the STATUS= before.
  std::string status_text(bool with_rate = false);

  NotifySocket* notify_;
  ServiceEvents& events_;
  Log& log_;
  std::optional<unsigned long long> watchdog_usec_;
  HookFn reload_;
  unsigned long long served_ = 0;
  unsigned long long reported_ = 0;
  unsigned long long reported_at_usec_ = 0;  // CLOCK_MONOTONIC, when reported_ was sent
  bool warned_ = false;
  EventHandle hangup_;
  EventHandle watchdog_pings_;
  EventHandle status_timer_;
};

}  // namespace dgram
