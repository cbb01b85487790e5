// SPDX-License-Identifier: MIT
// server - the start-up sequence of a child, then the dispatch loop.
#include "dgram/server.h"

#include <fcntl.h>
#include <signal.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <exception>

#include "dgram/config.h"
#include "dgram/embedding.h"
#include "start/debugger.h"
#include "dgram/error.h"
#include "serve/lock_file_gate.h"
#include "config/options.h"
#include "start/privileges.h"
#include "serve/watchdog.h"
#include "serve/dispatch_loop.h"
#include "log/journal_stream.h"
#include "start/listen_socket_file.h"
#include "start/notify_socket.h"
#include "start/service_manager.h"
#include "start/start_mode.h"
#include "serve/service_events.h"
#include "log/log_destinations.h"
#include "config/skeleton_params.h"
#include "serve/termination.h"

extern char** environ;

namespace dgram {

namespace {

constexpr const char* kTransport = "unix-dgram";
constexpr const char* kDefaultConfigDirectory = "/etc/postfix";

const std::string* find_env(const Launch& launch, const char* name) {
  auto it = launch.env.find(name);
  return it == launch.env.end() ? nullptr : &it->second;
}

void set_close_on_exec(int fd, const char* role) {
  int flags = ::fcntl(fd, F_GETFD);
  if (flags < 0 || ::fcntl(fd, F_SETFD, flags | FD_CLOEXEC) < 0) {
    throw_errno(std::string("close-on-exec for the ") + role + " (fd " + std::to_string(fd) + ")");
  }
}

// check_targets - every parameter of a table has somewhere to go.
template <typename Table>
void check_targets(const Table& table) {
  for (const auto& param : table) {
    if (param.target == nullptr) {
      throw Fatal("service definition error: parameter " + param.name + " has no target to store its value in");
    }
  }
}

void check_service(const Service& service) {
  int forms = static_cast<int>(static_cast<bool>(service.on_datagram)) +
              static_cast<int>(static_cast<bool>(service.on_batch)) +
              static_cast<int>(static_cast<bool>(service.on_socket));
  if (forms != 1) {
    throw Fatal("service definition error: set exactly one of on_datagram, on_batch and on_socket");
  }
  if (service.on_socket && (service.receive.sender || service.receive.credentials)) {
    throw Fatal("service definition error: receive options are for on_datagram and on_batch "
                "(an on_socket service reads the socket itself)");
  }
  const ParamTables& tables = service.params;
  check_targets(tables.ints);
  check_targets(tables.longs);
  check_targets(tables.strs);
  check_targets(tables.bools);
  check_targets(tables.times);
  check_targets(tables.raws);
  check_targets(tables.nints);
  check_targets(tables.nbools);
  if (!service.flags.watchdog_parameter.empty() &&
      std::none_of(service.params.times.begin(), service.params.times.end(),
                   [&](const TimeParam& param) { return param.name == service.flags.watchdog_parameter; })) {
    throw Fatal("service definition error: watchdog parameter " + service.flags.watchdog_parameter +
                " is not declared in the service's time parameters");
  }
  if (service.receive_buffer == 0 || service.receive_buffer > kMaxReceiveBuffer) {
    throw Fatal("service definition error: receive buffer of " +
                std::to_string(service.receive_buffer) + " bytes is not in 1.." +
                std::to_string(kMaxReceiveBuffer));
  }
}

// The watchdog limit: the service's watchdog parameter, else its fixed value, else 1000 s.
int watchdog_limit(const Service& service) {
  if (!service.flags.watchdog_parameter.empty()) {
    for (const auto& param : service.params.times) {
      if (param.name == service.flags.watchdog_parameter) return *param.target;
    }
  }
  const auto& timeout = service.flags.watchdog_timeout;
  if (timeout) return static_cast<int>(std::min<long long>(timeout->count(), INT_MAX));
  return service.flags.watchdog_seconds.value_or(kDefaultWatchdogSeconds);
}

void check_process_limit_flags(const Service& service, const Options& options) {
  if (service.flags.solitary && !options.alone) {
    throw Fatal("service " + options.service_name + " requires a process limit of 1");
  }
  if (service.flags.unlimited && !options.zero_limit) {
    throw Fatal("service " + options.service_name + " requires a process limit of 0");
  }
  if (service.flags.privileged && options.unprivileged) {
    throw Fatal("service " + options.service_name + " requires privileged operation");
  }
}

void check_transport(const Options& options) {
  if (!options.transport) throw Fatal("no transport type specified");
  if (::strcasecmp(options.transport->c_str(), kTransport) != 0) {
    throw Fatal("unsupported transport type: " + *options.transport);
  }
}

// Datagrams per wake-up: 1 in Postfix-compatible mode and with in-flow-delay
// (a flow token per request); else dgram_receive_batch, within 4 MiB of buffers.
std::size_t batch_limit(const Service& service, const SkeletonParams& params) {
  if (params.postfix_compatible || service.flags.in_flow_delay) return 1;
  std::size_t limit = static_cast<std::size_t>(params.receive_batch);
  constexpr std::size_t kBufferBudget = 4u << 20;
  if (!service.on_socket) limit = std::min(limit, std::max<std::size_t>(1, kBufferBudget / service.receive_buffer));
  return limit;
}

std::vector<int> listen_descriptors(const Launch& launch, const Options& options) {
  if (!launch.fds.listen.empty()) return launch.fds.listen;
  std::vector<int> fds;
  for (int i = 0; i < options.socket_count; ++i) fds.push_back(kFirstListenFd + i);
  return fds;
}

// program_basename - argv[0] without its directories.
std::string program_basename(const Launch& launch) {
  if (launch.argv.empty()) return "dgram-server";
  const std::string& path = launch.argv[0];
  auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// What the start mode gives: the listen sockets and their names.
struct ListenSockets {
  std::vector<int> fds;
  std::vector<std::string> names;
  std::optional<ListenSocketFile> file;  // --listen: ours to remove at exit
};

void take_activated_sockets(const Launch& launch, const ActivatedSockets& activated, ListenSockets& sockets) {
  sockets.names = activated.names;
  // A Launch may stand in for fds 3.. (tests); the count must still agree.
  sockets.fds = launch.fds.listen.empty() ? activated.fds : launch.fds.listen;
  if (sockets.fds.size() != activated.fds.size()) {
    throw Fatal("LISTEN_FDS=" + std::to_string(activated.fds.size()) + " but " +
                std::to_string(sockets.fds.size()) + " listen descriptors were given");
  }
  for (std::size_t i = 0; i < sockets.fds.size(); ++i) {
    std::string what = "fd " + std::to_string(sockets.fds[i]) + " from LISTEN_FDS";
    if (!sockets.names[i].empty()) what += " (name " + sockets.names[i] + ")";
    check_unix_datagram_socket(sockets.fds[i], what);
  }
}

std::string describe_activation(const ListenSockets& sockets) {
  std::string text = "started by systemd socket activation:";
  for (std::size_t i = 0; i < sockets.fds.size(); ++i) {
    text += (i ? ", fd " : " fd ") + std::to_string(sockets.fds[i]);
    if (!sockets.names[i].empty()) text += " (" + sockets.names[i] + ")";
  }
  return text;
}

// Everything from the command line to the exit hook. Throws Fatal.
// Logging is set up first and refined as the parameters become known, so
// that every fatal line reaches the log, not only stderr.
int run_child(const Service& service, const Launch& launch, Log& log, std::optional<NotifySocket>& notify) {
  bool custom_sink = launch.log_sink.has_value();
  bool journal = !custom_sink && journal_stream_matches(launch.env, STDERR_FILENO);
  auto with_journal = [journal](LogSettings settings) {
    settings.journal = journal;
    return settings;
  };
  std::string program = program_basename(launch);
  log.set_program("postfix/" + program);  // syslog_name's default until main.cf says more
  auto destinations =
      std::make_unique<LogDestinations>(log, with_journal(default_log_settings()), "", false, custom_sink);
  check_service(service);
  if (find_env(launch, "MAIL_VERBOSE")) log.set_verbose(1);
  bool debug_me = find_env(launch, "MAIL_DEBUG") != nullptr;

  // How the process was started: --listen at the front of the command line,
  // else sockets passed by systemd, else (once -t is seen) the master.
  SplitArguments split = split_listen_options(launch.argv);
  std::optional<ActivatedSockets> activated;
  std::optional<std::string> activation_problem;  // LISTEN_* set, but not for us
  if (!split.listen) {
    try {
      activated = activated_sockets(launch.env, ::getpid(), own_pidfd_id);
    } catch (const Fatal& problem) {
      activation_problem = problem.what();
    }
  }
  StartKind kind = split.listen ? StartKind::standalone
                   : activated  ? StartKind::socket_activation
                                : StartKind::postfix_master;
  bool master = kind == StartKind::postfix_master;
  if (master) {
    // Said before main.cf is needed: run by hand, there may be none.
    bool has_transport = true;  // a bad command line is reported once main.cf is read
    try {
      has_transport = parse_options(split.argv).transport.has_value();
    } catch (const Fatal&) {
      const std::string* dir = find_env(launch, "MAIL_CONFIG");
      std::string main_cf = (dir ? *dir : std::string(kDefaultConfigDirectory)) + "/main.cf";
      if (::access(main_cf.c_str(), F_OK) < 0) throw;  // no main.cf to wait for: say it now
    }
    if (!has_transport) {
      throw Fatal(activation_problem ? *activation_problem : how_to_start_line(program));
    }
  }

  // Under the master main.cf must be there; otherwise it is read when
  // MAIL_CONFIG names it or when Postfix's own is on the machine.
  Config config;
  const std::string* config_dir = find_env(launch, "MAIL_CONFIG");
  bool main_cf_read = true;
  if (config_dir || master) {
    config.read_main_cf(config_dir ? *config_dir : kDefaultConfigDirectory);
  } else if (::access((std::string(kDefaultConfigDirectory) + "/main.cf").c_str(), F_OK) == 0) {
    config.read_main_cf(kDefaultConfigDirectory);
  } else {
    main_cf_read = false;
  }
  log.set_program(best_effort_program(config, program));
  destinations = std::make_unique<LogDestinations>(log, with_journal(best_effort_log_settings(config)), "",
                                                   false, custom_sink);

  Options options = parse_options(split.argv);
  log.set_verbose(log.verbose() + options.verbose);
  debug_me = debug_me || options.debug;
  log.debug(1, "daemon started");

  config.set("process_name", options.program_name);
  config.set("service_name", options.service_name);
  for (const auto& [name, value] : options.overrides) config.set(name, value);
  // Without a master to start the next process, a use or idle limit would
  // end the service for good (--listen) or for the next activation: off
  // unless main.cf or the command line asks for one.
  bool queue_directory_named = config.has("queue_directory");  // before defaults are registered
  bool use_limit_unasked = !master && !config.has("max_use");
  bool idle_limit_unasked = !master && !config.has("max_idle");
  bool to_stderr = options.log_to_stderr > 0 && !journal;
  SkeletonParams params;
  LogSettings settings;
  try {
    params = load_skeleton_params(config);
    settings = with_journal(log_settings(config, params));
  } catch (const Fatal&) {
    // The line that reports a bad parameter goes where the rest say to.
    log.set_program(best_effort_program(config, options.program_name));
    destinations = std::make_unique<LogDestinations>(log, with_journal(best_effort_log_settings(config)),
                                                     options.service_name, to_stderr, custom_sink);
    throw;
  }
  log.set_program(params.syslog_name + "/" + options.program_name);
  destinations = std::make_unique<LogDestinations>(log, settings, options.service_name, to_stderr,
                                                   custom_sink);
  if (use_limit_unasked) params.max_use = 0;
  if (idle_limit_unasked) params.max_idle = 0;
  for (const auto& warning : config.warnings()) log.warn("%s", warning.c_str());
  if (!main_cf_read) log.debug(1, "no main.cf (MAIL_CONFIG is not set): parameter defaults");

  if (master) {
    if (options.daemon_mode && ::isatty(launch.fds.terminal_check)) {
      throw Fatal("do not run this command by hand");
    }
  }

  config.load(service.params);
  if (master) {
    check_process_limit_flags(service, options);
  } else if (service.flags.privileged && options.unprivileged) {
    throw Fatal("service " + options.service_name + " requires privileged operation");
  }
  if (master || options.transport) check_transport(options);
  if (master && ::fcntl(launch.fds.status, F_GETFD) < 0) {
    throw Fatal("-t " + *options.transport + " says the Postfix master started this program, but its status "
                "channel (fd " + std::to_string(launch.fds.status) + ") is not open; " +
                how_to_start_line(options.program_name));
  }

  unsigned generation = 0;
  if (const std::string* text = find_env(launch, "GENERATION"); text && master) {
    generation = parse_generation(*text);
    log.debug(1, "process generation: %s (%o)", text->c_str(), generation);
  }
  if (debug_me) run_debugger(config, log);

  std::unique_ptr<Gate> gate;
  if (master && !options.alone) {
    std::string path = lock_file_path(params.queue_directory, kTransport, options.service_name);
    gate = service.gate ? service.gate(path) : std::make_unique<LockFileGate>(path);
    if (!gate) throw Fatal("service definition error: the gate factory (Service::gate) returned no gate");
  }

  ListenSockets sockets;
  if (kind == StartKind::standalone) {
    sockets.file.emplace(ListenSocketFile::open(*split.listen));
    sockets.fds = {sockets.file->fd()};
    sockets.names = {sockets.file->path()};
    if (sockets.file->how() == "abstract") {
      log.info("listening on abstract socket %s", sockets.file->path().c_str());
    } else {
      log.info("listening on %s (%s, mode %04o)", sockets.file->path().c_str(), sockets.file->how().c_str(),
               static_cast<unsigned>(split.listen->mode));
    }
  } else if (kind == StartKind::socket_activation) {
    take_activated_sockets(launch, *activated, sockets);
    log.info("%s", describe_activation(sockets).c_str());
  } else {
    sockets.fds = listen_descriptors(launch, options);
    sockets.names.assign(sockets.fds.size(), std::string());
    log.debug(1, "started by the Postfix master");
  }
  std::optional<unsigned long long> watchdog_usec;
  if (!master) {
    // Connected now: a chroot or a user switch may hide the path later.
    notify = NotifySocket::from_environment(launch.env);
    if (notify) notify->connect();
    watchdog_usec = watchdog_interval_usec(launch.env, ::getpid());
  }

  // The service's own events exist from pre_init on; they run once serving starts.
  EventBase base;
  ServiceEvents events(base);
  Context context{options.service_name, options.args, log, config, events, sockets.names};
  events.set_context(&context);
  std::optional<ServiceManager> manager;
  if (!master) manager.emplace(notify ? &*notify : nullptr, events, log, watchdog_usec, service.hooks.reload);
  std::vector<int>& listen_fds = sockets.fds;
  // Credentials are attached to datagrams sent from now on (before pre_init,
  // so that whatever the hooks cause to be sent carries them).
  if (service.receive.credentials) {
    for (int fd : listen_fds) {
      int on = 1;
      if (::setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof(on)) < 0) {
        throw_errno("SO_PASSCRED on the listen socket (fd " + std::to_string(fd) + ")");
      }
    }
  }
  // Without the master, queue_directory is the working directory only when
  // something named it (main.cf, -o) or the chroot needs it.
  std::string work_directory = params.queue_directory;
  if (!master && !queue_directory_named && !options.chroot) {
    work_directory = "/";
  }
  if (::chdir(work_directory.c_str()) < 0) {
    throw_errno("chdir(\"" + work_directory + "\")");
  }
  if (service.hooks.pre_init) service.hooks.pre_init(context);
  ::tzset();
  std::optional<std::string> root;
  std::optional<std::string> user;
  if (options.chroot) root = params.queue_directory;
  if (options.unprivileged) user = params.mail_owner;
  destinations->prepare_for_chroot(root ? &*root : nullptr);
  drop_privileges(root, user);
  if (service.hooks.post_init) service.hooks.post_init(context);

  for (int fd : listen_fds) set_close_on_exec(fd, "listen socket");
  if (master) {
    set_close_on_exec(launch.fds.status, "master status channel");
    set_close_on_exec(launch.fds.flow_read, "flow-control pipe");
    set_close_on_exec(launch.fds.flow_write, "flow-control pipe");
  }

  StatusChannel status(master ? launch.fds.status : -1, ::getpid(), generation);
  std::vector<int> watchdog_log_fds{STDERR_FILENO};
  DispatchSettings dispatch;
  dispatch.max_idle = params.max_idle;
  dispatch.max_use = service.flags.ignore_use_limit ? 0 : params.max_use;
  dispatch.in_flow_delay = params.in_flow_delay;
  dispatch.flow_read_fd = master ? launch.fds.flow_read : -1;
  dispatch.batch_limit = batch_limit(service, params);
  // In Postfix-compatible mode every wake-up is busy from its start.
  dispatch.busy_after_usec = params.postfix_compatible ? 0 : params.busy_after_usec;
  dispatch.drain = params.direct_receive && !params.postfix_compatible;
  // With a process limit of 1 (-l) the master cannot start another child, so
  // TAKEN and AVAIL change nothing it does and each would cost it a wake-up.
  dispatch.report_status = master && (params.postfix_compatible || !options.alone);
  log.debug(1, "receive batch %zu, status reports %s", dispatch.batch_limit,
            dispatch.report_status ? "on" : "off");
  {
    int limit = watchdog_limit(service);
    Watchdog watchdog(limit, watchdog_timeout_line(log.program(), ::getpid()), watchdog_log_fds,
                      destinations->watchdog_last_words(log.program(), ::getpid()));
    events.set_watchdog(&watchdog);
    DispatchLoop loop(base, service, context, status, gate.get(), &watchdog, &events, listen_fds,
                      dispatch);
    if (manager) {
      manager->set_served_source([&loop] { return loop.uses(); });
      loop.set_served_listener([&manager] { manager->on_served(); });
      manager->ready();
    }
    loop.run();
    if (manager) manager->stopping();
    // The watchdog stays armed while the exit hook runs: a hook that hangs
    // is ended like a stuck turn.
    watchdog.working();
    if (service.hooks.on_exit) service.hooks.on_exit(context);
    events.set_watchdog(nullptr);
    manager.reset();  // its events go before the loop's
  }
  if (sockets.file) {
    if (auto warning = sockets.file->remove()) log.warn("%s", warning->c_str());
  }
  return 0;
}

}  // namespace

std::map<std::string, std::string> process_environment() {
  std::map<std::string, std::string> env;
  for (char** entry = environ; entry && *entry; ++entry) {
    std::string_view text(*entry);
    auto equals = text.find('=');
    if (equals == std::string_view::npos) continue;
    env.emplace(std::string(text.substr(0, equals)), std::string(text.substr(equals + 1)));
  }
  return env;
}

int run(const Service& service, const Launch& launch) {
  std::optional<NotifySocket> notify;  // systemd's, once connected: told about a fatal exit
  // A client that goes away must not kill the server, nor a large file.
  ::signal(SIGPIPE, SIG_IGN);
  ::signal(SIGXFSZ, SIG_IGN);
  Log log("postfix/" + program_basename(launch));
  if (launch.log_sink) log.set_sink(*launch.log_sink);
  try {
    // From here on SIGTERM ends the child the normal way, whenever it comes:
    // during start-up the loop is entered and ends at once, exit status 0.
    TerminationLatch termination;
    return run_child(service, launch, log, notify);
  } catch (const Fatal& error) {
    log.fatal(error.what());
    // ERRNO=: the failed system call's, else EINVAL (a bad value or definition).
    ServiceManager::report_fatal(notify ? &*notify : nullptr, error.what(),
                                 error.error_number() ? error.error_number() : EINVAL);
  } catch (const std::exception& error) {
    log.fatal(std::string("unexpected error: ") + error.what());
    ServiceManager::report_fatal(notify ? &*notify : nullptr, error.what(), EIO);
  } catch (...) {
    log.fatal("unexpected error of unknown type");
    ServiceManager::report_fatal(notify ? &*notify : nullptr, "unexpected error of unknown type", EIO);
  }
  return 1;
}

int run(const Service& service, int argc, char** argv) {
  Launch launch;
  launch.argv.assign(argv, argv + argc);
  launch.env = process_environment();
  // What systemd passed is for this process only, not for what it starts
  // (removed before any thread exists; the copy in launch.env is checked).
  for (const char* name : kActivationVariables) ::unsetenv(name);
  return run(service, launch);
}

}  // namespace dgram
