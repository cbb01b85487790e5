// SPDX-License-Identifier: MIT
// systemd_supervisor - READY, STATUS, WATCHDOG, reload, stop and fatal, told to systemd.
#include "start/systemd_supervisor.h"

#include <signal.h>
#include <time.h>

#include <cerrno>
#include <cstdio>
#include <chrono>
#include <cstring>

namespace dgram {

namespace {

constexpr std::chrono::seconds kStatusPeriod{1};

unsigned long long monotonic_usec() {
  timespec now{};
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<unsigned long long>(now.tv_sec) * 1000000ULL +
         static_cast<unsigned long long>(now.tv_nsec) / 1000ULL;
}

}  // namespace

std::string status_words(unsigned long long total, std::optional<double> per_second) {
  std::string words = std::to_string(total) + (total == 1 ? " datagram served" : " datagrams served");
  if (per_second) {
    char rate[48];
    std::snprintf(rate, sizeof(rate), ", %.0f/s", *per_second);
    words += rate;
  }
  return words;
}

SystemdSupervisor::SystemdSupervisor(NotifySocket* notify, ServiceEvents& events, Log& log,
                                     std::optional<unsigned long long> watchdog_usec, HookFn reload)
    : notify_(notify), events_(events), log_(log), watchdog_usec_(watchdog_usec), reload_(std::move(reload)) {
  hangup_ = events_.skeleton_signal(SIGHUP, [this](Context& context) { this->reload(context); });
}

void SystemdSupervisor::send(const std::string& message) {
  if (!notify_) return;
  if (notify_->send(message) || warned_) return;
  warned_ = true;  // once: the service manager may be gone for good
  log_.warn("cannot notify the service manager at NOTIFY_SOCKET=%s: %s", notify_->address().c_str(),
            std::strerror(errno));
}

std::string SystemdSupervisor::status_text(bool with_rate) {
  unsigned long long now = monotonic_usec();
  std::optional<double> per_second;
  if (with_rate && now > reported_at_usec_) {
    per_second = static_cast<double>(served_ - reported_) * 1e6 / static_cast<double>(now - reported_at_usec_);
  }
  reported_ = served_;  // every STATUS= sent counts, READY's and STOPPING's too
  reported_at_usec_ = now;
  return "STATUS=" + status_words(served_, per_second);
}

void SystemdSupervisor::ready() {
  send("READY=1\n" + status_text());
  if (watchdog_usec_) {
    auto half = std::chrono::milliseconds(std::max<unsigned long long>(1, *watchdog_usec_ / 2000));
    send("WATCHDOG=1");
    watchdog_pings_ = events_.every(half, [this](Context&) { send("WATCHDOG=1"); });
    log_.debug(1, "systemd watchdog: %llu us, pinged every %lld ms", *watchdog_usec_,
               static_cast<long long>(half.count()));
  }
}

void SystemdSupervisor::served(unsigned long long total) {
  served_ = total;
  if (!notify_ || status_timer_.active()) return;
  status_timer_ = events_.after(kStatusPeriod, [this](Context&) { send_status(); });
}

void SystemdSupervisor::send_status() {
  if (served_ == reported_) return;
  send(status_text(true));
}

void SystemdSupervisor::stopping() {
  watchdog_pings_.cancel();
  status_timer_.cancel();
  hangup_.cancel();
  send("STOPPING=1\n" + status_text());
}

void SystemdSupervisor::reload(Context& context) {
  send("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(monotonic_usec()));
  if (reload_) {
    log_.info("reloading (SIGHUP)");
    reload_(context);
  } else {
    log_.info("SIGHUP: this service has no reload hook, nothing to reload");
  }
  send("READY=1\n" + status_text());
}

void SystemdSupervisor::fatal(const std::string& text, int error_number) noexcept {
  if (!notify_) return;
  try {
    std::string status = text.substr(0, 400);
    for (char& c : status) {
      if (c == '\n') c = ' ';
    }
    (void)notify_->send("STOPPING=1\nERRNO=" + std::to_string(error_number) + "\nSTATUS=fatal: " + status);
  } catch (...) {
    // Out of memory on the way out: the exit status still says it.
  }
}

}  // namespace dgram
