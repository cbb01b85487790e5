// SPDX-License-Identifier: MIT
// child_startup - a child's life from the command line to the exit hook, as
// the named steps run() calls in order:
//
//   read_command_line   how the process was started (start_mode.h), the
//                       service's definition checked
//   read_main_cf        main.cf where the start mode says, then -o and the
//                       other options; logging follows main.cf at once
//   configure_logging   the skeleton's parameters, logging as they say
//   check_invocation    what the start mode requires of the command line and
//                       descriptors; GENERATION; the debugger
//   pre_jail_init       the gate, the listen sockets adopted, the counter
//                       file, the supervisor, the working directory,
//                       Hooks::pre_init
//   drop_privileges     chroot and user switch (-c, -u)
//   post_jail_init      Hooks::post_init, close-on-exec
//   serve               the dispatch loop until a reason to stop
//   exit                Hooks::on_exit (watchdog still armed), the
//                       --listen socket file removed
//
// Every step throws Fatal; supervisor() says who hears about it (nobody
// until pre_jail_init has chosen). Logging is set up at construction and
// refined as the parameters become known, so every fatal line reaches the
// log, not only stderr.
//
// THREADS
//   The caller's (the loop's) thread. The objects it owns start the gate
//   thread (serve/gate_waiter.h) only while serving.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/event_loop.h"
#include "config/options.h"
#include "config/skeleton_params.h"
#include "dgram/config.h"
#include "dgram/log.h"
#include "dgram/embedding.h"
#include "dgram/service.h"
#include "dgram/unique_fd.h"
#include "log/log_destinations.h"
#include "serve/dispatch_loop.h"
#include "serve/service_events.h"
#include "serve/supervisor.h"
#include "serve/watchdog.h"
#include "start/listen_socket_file.h"
#include "start/notify_socket.h"
#include "start/service_statistics.h"
#include "start/start_mode.h"

namespace dgram {

// The listen sockets the start mode gives, and their names (Context::listen_names).
struct ListenSockets {
  std::vector<int> fds;
  std::vector<std::string> names;
  // The process's own inherited descriptors (master's 6.., systemd's 3..),
  // adopted: closed when the child is done with them. Those a Launch lends
  // (tests, embedders) stay the lender's.
  std::vector<UniqueFd> adopted;
  std::optional<ListenSocketFile> file;  // --listen: ours to remove at exit
};

// argv[0] without its directories ("dgram-server" when there is none).
std::string program_basename(const Launch& launch);

class ChildStartup {
 public:
  // Logging to stderr (or the Launch's sink) with the defaults, at once.
  ChildStartup(const Service& service, const Launch& launch, Log& log);
  ChildStartup(const ChildStartup&) = delete;
  ChildStartup& operator=(const ChildStartup&) = delete;

  // The steps, in the order run() calls them (see above).
  void read_command_line();
  void read_main_cf();
  void configure_logging();
  void check_invocation();
  void pre_jail_init();
  void drop_privileges();
  void post_jail_init();
  void serve();
  void exit();

  // Who is told about a fatal exit (NoSupervisor until pre_jail_init).
  Supervisor& supervisor() noexcept { return *supervisor_; }

 private:
  // Logging as settings say: the destinations made at construction, reconfigured in place.
  void log_to(const LogSettings& settings, const std::string& service_name, bool to_stderr);
  void adopt_listen_sockets();
  void choose_supervisor();
  void open_counters();

  const Service& service_;
  const Launch& launch_;
  Log& log_;
  std::string program_;  // argv[0]'s base name
  bool custom_sink_ = false;
  bool journal_ = false;  // stderr is journald's (JOURNAL_STREAM)
  std::optional<LogDestinations> destinations_;  // made once, then reconfigured
  bool debug_me_ = false;

  SplitArguments split_;
  std::optional<ActivatedSockets> activated_;
  std::optional<std::string> activation_problem_;  // LISTEN_* set, but not for us
  StartKind kind_ = StartKind::postfix_master;
  StartPolicy policy_;

  Config config_;
  bool main_cf_read_ = false;
  Options options_;
  bool queue_directory_named_ = false;
  bool use_limit_unasked_ = false;
  bool idle_limit_unasked_ = false;
  bool to_stderr_ = false;
  SkeletonParams params_;
  unsigned generation_ = 0;

  std::unique_ptr<Gate> gate_;
  ListenSockets sockets_;
  std::optional<NotifySocket> notify_;
  // The service's own events exist from pre_init on; they run once serving starts.
  EventBase base_;
  ServiceEvents events_{base_};
  std::unique_ptr<ServiceStatistics> statistics_;  // null: no counter file
  std::optional<Context> context_;
  std::optional<Watchdog> watchdog_;
  std::optional<DispatchLoop> loop_;
  // Last: its events go before the loop's.
  std::unique_ptr<Supervisor> supervisor_;
};

}  // namespace dgram
