// SPDX-License-Identifier: MIT
// child_startup - the start-up steps, from the command line to the exit hook.
#include "start/child_startup.h"

#include <fcntl.h>
#include <pwd.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>

#include "dgram/error.h"
#include "log/journal_stream.h"
#include "serve/lock_file_gate.h"
#include "start/debugger.h"
#include "start/master_supervisor.h"
#include "start/privileges.h"
#include "start/receive_options.h"
#include "start/systemd_supervisor.h"

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
  if (service.on_socket && (service.receive.sender || service.receive.credentials || service.receive.pidfd ||
                            service.receive.timestamp)) {
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

LogSettings with_journal(LogSettings settings, bool journal) {
  settings.journal = journal;
  return settings;
}

}  // namespace

std::string program_basename(const Launch& launch) {
  if (launch.argv.empty()) return "dgram-server";
  const std::string& path = launch.argv[0];
  auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

ChildStartup::ChildStartup(const Service& service, const Launch& launch, Log& log)
    : service_(service),
      launch_(launch),
      log_(log),
      program_(program_basename(launch)),
      custom_sink_(launch.log_sink.has_value()),
      journal_(!custom_sink_ && journal_stream_matches(launch.env, STDERR_FILENO)),
      supervisor_(std::make_unique<NoSupervisor>()) {
  log_.set_program("postfix/" + program_);  // syslog_name's default until main.cf says more
  destinations_.emplace(log_, with_journal(default_log_settings(), journal_), "", false, custom_sink_);
}

void ChildStartup::log_to(const LogSettings& settings, const std::string& service_name, bool to_stderr) {
  destinations_->reconfigure(with_journal(settings, journal_), service_name, to_stderr);
}

// How the process was started: --listen at the front of the command line,
// else sockets passed by systemd, else (once -t is seen) the master.
void ChildStartup::read_command_line() {
  check_service(service_);
  if (find_env(launch_, "MAIL_VERBOSE")) log_.set_verbose(1);
  debug_me_ = find_env(launch_, "MAIL_DEBUG") != nullptr;
  split_ = split_listen_options(launch_.argv);
  if (!split_.listen) {
    try {
      activated_ = activated_sockets(launch_.env, ::getpid(), own_pidfd_id);
    } catch (const Fatal& problem) {
      activation_problem_ = problem.what();
    }
  }
  kind_ = split_.listen ? StartKind::standalone
          : activated_  ? StartKind::socket_activation
                        : StartKind::postfix_master;
  policy_ = start_policy(kind_);
  if (kind_ != StartKind::postfix_master) return;
  // Said before main.cf is needed: run by hand, there may be none.
  bool has_transport = true;  // a bad command line is reported once main.cf is read
  try {
    has_transport = parse_options(split_.argv).transport.has_value();
  } catch (const Fatal&) {
    const std::string* dir = find_env(launch_, "MAIL_CONFIG");
    std::string main_cf = (dir ? *dir : std::string(kDefaultConfigDirectory)) + "/main.cf";
    if (::access(main_cf.c_str(), F_OK) < 0) throw;  // no main.cf to wait for: say it now
  }
  if (!has_transport) throw Fatal(activation_problem_ ? *activation_problem_ : how_to_start_line(program_));
}

// main.cf where the start mode says, then the options; a bad option is
// reported where main.cf says to log.
void ChildStartup::read_main_cf() {
  const std::string* config_dir = find_env(launch_, "MAIL_CONFIG");
  main_cf_read_ = true;
  if (config_dir || policy_.main_cf_required) {
    config_.read_main_cf(config_dir ? *config_dir : kDefaultConfigDirectory);
  } else if (::access((std::string(kDefaultConfigDirectory) + "/main.cf").c_str(), F_OK) == 0) {
    config_.read_main_cf(kDefaultConfigDirectory);
  } else {
    main_cf_read_ = false;
  }
  log_.set_program(best_effort_program(config_, program_));
  log_to(best_effort_log_settings(config_), "", false);

  options_ = parse_options(split_.argv);
  log_.set_verbose(log_.verbose() + options_.verbose);
  debug_me_ = debug_me_ || options_.debug;
  log_.debug(1, "daemon started");
  config_.set("process_name", options_.program_name);
  config_.set("service_name", options_.service_name);
  for (const auto& [name, value] : options_.overrides) config_.set(name, value);
  // Looked at before the defaults are registered.
  queue_directory_named_ = config_.has("queue_directory");
  use_limit_unasked_ = !policy_.postfix_limits && !config_.has("max_use");
  idle_limit_unasked_ = !policy_.postfix_limits && !config_.has("max_idle");
  to_stderr_ = options_.log_to_stderr > 0 && !journal_;
}

void ChildStartup::configure_logging() {
  LogSettings settings;
  try {
    params_ = load_skeleton_params(config_);
    settings = log_settings(config_, params_);
  } catch (const Fatal&) {
    // The line that reports a bad parameter goes where the rest say to.
    log_.set_program(best_effort_program(config_, options_.program_name));
    log_to(best_effort_log_settings(config_), options_.service_name, to_stderr_);
    throw;
  }
  log_.set_program(params_.syslog_name + "/" + options_.program_name);
  log_to(settings, options_.service_name, to_stderr_);
  if (use_limit_unasked_) params_.max_use = 0;
  if (idle_limit_unasked_) params_.max_idle = 0;
  for (const auto& warning : config_.warnings()) log_.warn("%s", warning.c_str());
  if (!main_cf_read_) log_.debug(1, "no main.cf (MAIL_CONFIG is not set): parameter defaults");
}

void ChildStartup::check_invocation() {
  bool master = policy_.master_supervises;
  if (master && options_.daemon_mode && ::isatty(launch_.fds.terminal_check)) {
    throw Fatal("do not run this command by hand");
  }
  config_.load(service_.params);
  if (master) {
    check_process_limit_flags(service_, options_);
  } else if (service_.flags.privileged && options_.unprivileged) {
    throw Fatal("service " + options_.service_name + " requires privileged operation");
  }
  if (master || options_.transport) check_transport(options_);
  if (master && ::fcntl(launch_.fds.status, F_GETFD) < 0) {
    throw Fatal("-t " + *options_.transport + " says the Postfix master started this program, but its status "
                "channel (fd " + std::to_string(launch_.fds.status) + ") is not open; " +
                how_to_start_line(options_.program_name));
  }
  if (const std::string* text = find_env(launch_, "GENERATION"); text && master) {
    generation_ = parse_generation(*text);
    log_.debug(1, "process generation: %s (%o)", text->c_str(), generation_);
  }
  if (debug_me_) run_debugger(config_, log_);
}

// The sockets of the start mode: bound here (--listen), passed by systemd,
// or the master's from fd 6; a Launch may lend others (tests, embedders).
void ChildStartup::adopt_listen_sockets() {
  ListenSockets& sockets = sockets_;
  const std::vector<int>& lent = launch_.fds.listen;
  if (kind_ == StartKind::standalone) {
    sockets.file.emplace(ListenSocketFile::open(*split_.listen));
    sockets.fds = {sockets.file->fd()};
    sockets.names = {sockets.file->path()};
    if (sockets.file->how() == "abstract") {
      log_.info("listening on abstract socket %s", sockets.file->path().c_str());
    } else {
      log_.info("listening on %s (%s, mode %04o)", sockets.file->path().c_str(), sockets.file->how().c_str(),
                static_cast<unsigned>(split_.listen->mode));
    }
    return;
  }
  std::vector<int> inherited;
  if (kind_ == StartKind::socket_activation) {
    inherited = activated_->fds;
    sockets.names = activated_->names;
  } else {
    for (int i = 0; i < options_.socket_count; ++i) inherited.push_back(kFirstListenFd + i);
  }
  if (lent.empty()) {
    for (int fd : inherited) sockets.adopted.emplace_back(fd);
    sockets.fds = inherited;
  } else {
    sockets.fds = lent;
  }
  if (kind_ == StartKind::postfix_master) {
    sockets.names.assign(sockets.fds.size(), std::string());
    log_.debug(1, "started by the Postfix master");
    return;
  }
  // A Launch may stand in for fds 3.. (tests); the count must still agree.
  if (sockets.fds.size() != inherited.size()) {
    throw Fatal("LISTEN_FDS=" + std::to_string(inherited.size()) + " but " + std::to_string(sockets.fds.size()) +
                " listen descriptors were given");
  }
  std::string text = "started by systemd socket activation:";
  for (std::size_t i = 0; i < sockets.fds.size(); ++i) {
    std::string what = "fd " + std::to_string(sockets.fds[i]) + " from LISTEN_FDS";
    if (!sockets.names[i].empty()) what += " (name " + sockets.names[i] + ")";
    check_unix_datagram_socket(sockets.fds[i], what);
    text += (i ? ", fd " : " fd ") + std::to_string(sockets.fds[i]);
    if (!sockets.names[i].empty()) text += " (" + sockets.names[i] + ")";
  }
  log_.info("%s", text.c_str());
}

// The master hears TAKEN and AVAIL; else systemd is told what it asks for
// (connected now: a chroot or a user switch may hide the path later).
void ChildStartup::choose_supervisor() {
  if (policy_.master_supervises) {
    supervisor_ = std::make_unique<MasterSupervisor>(StatusChannel(launch_.fds.status, ::getpid(), generation_));
    return;
  }
  notify_ = NotifySocket::from_environment(launch_.env);
  if (notify_) notify_->connect();
  std::optional<unsigned long long> watchdog_usec = watchdog_interval_usec(launch_.env, ::getpid());
  supervisor_ = std::make_unique<SystemdSupervisor>(notify_ ? &*notify_ : nullptr, events_, log_, watchdog_usec,
                                                    service_.hooks.reload);
}

// The counter file (service_statistics.h), opened while privileged: the
// chroot would hide it and the user switch might forbid creating it.
void ChildStartup::open_counters() {
  std::optional<std::string> path = counter_file_path(params_.stats_file, params_.stats_directory,
                                                      policy_.master_supervises, options_.service_name);
  if (!path) return;
  // The user the service will run as owns the file; an unknown one is
  // left for the user switch to report in its own words.
  std::optional<std::pair<uid_t, gid_t>> owner;
  if (options_.unprivileged) {
    if (passwd* user = ::getpwnam(params_.mail_owner.c_str())) owner = std::make_pair(user->pw_uid, user->pw_gid);
  }
  bool make_directory = params_.stats_file.empty();
  statistics_ = std::make_unique<ServiceStatistics>(*path, options_.service_name, owner, make_directory);
  log_.debug(1, "counting into %s", path->c_str());
}

void ChildStartup::pre_jail_init() {
  if (policy_.siblings_share_socket && !options_.alone) {
    std::string path = lock_file_path(params_.queue_directory, kTransport, options_.service_name);
    gate_ = service_.gate ? service_.gate(path) : std::make_unique<LockFileGate>(path);
    if (!gate_) throw Fatal("service definition error: the gate factory (Service::gate) returned no gate");
  }
  adopt_listen_sockets();
  open_counters();
  context_.emplace(Context{options_.service_name, options_.args, log_, config_, events_, sockets_.names});
  if (statistics_) context_->counters = &statistics_->counters();
  events_.set_context(&*context_);
  choose_supervisor();
  // What datagrams carry is attached to those sent from now on (before
  // pre_init, so that whatever the hooks cause to be sent carries it).
  apply_receive_options(sockets_.fds, service_.receive);
  std::string work_directory = params_.queue_directory;
  if (!policy_.always_queue_directory && !queue_directory_named_ && !options_.chroot) work_directory = "/";
  if (::chdir(work_directory.c_str()) < 0) throw_errno("chdir(\"" + work_directory + "\")");
  if (service_.hooks.pre_init) service_.hooks.pre_init(*context_);
  ::tzset();
}

void ChildStartup::drop_privileges() {
  std::optional<std::string> root;
  std::optional<std::string> user;
  if (options_.chroot) root = params_.queue_directory;
  if (options_.unprivileged) user = params_.mail_owner;
  destinations_->prepare_for_chroot(root ? &*root : nullptr);
  dgram::drop_privileges(root, user);
}

void ChildStartup::post_jail_init() {
  if (service_.hooks.post_init) service_.hooks.post_init(*context_);
  for (int fd : sockets_.fds) set_close_on_exec(fd, "listen socket");
  if (policy_.master_supervises) {
    set_close_on_exec(launch_.fds.status, "master status channel");
    set_close_on_exec(launch_.fds.flow_read, "flow-control pipe");
    set_close_on_exec(launch_.fds.flow_write, "flow-control pipe");
  }
}

void ChildStartup::serve() {
  bool master = policy_.master_supervises;
  DispatchSettings dispatch;
  dispatch.max_idle = params_.max_idle;
  dispatch.max_use = service_.flags.ignore_use_limit ? 0 : params_.max_use;
  dispatch.in_flow_delay = params_.in_flow_delay;
  dispatch.flow_read_fd = master ? launch_.fds.flow_read : -1;
  dispatch.batch_limit = batch_limit(service_, params_);
  // In Postfix-compatible mode every wake-up is busy from its start.
  dispatch.busy_after_usec = params_.postfix_compatible ? 0 : params_.busy_after_usec;
  dispatch.drain = params_.direct_receive && !params_.postfix_compatible;
  // With a process limit of 1 (-l) the master cannot start another child, so
  // TAKEN and AVAIL change nothing it does and each would cost it a wake-up.
  dispatch.report_status = master && (params_.postfix_compatible || !options_.alone);
  log_.debug(1, "receive batch %zu, status reports %s", dispatch.batch_limit,
             dispatch.report_status ? "on" : "off");
  watchdog_.emplace(watchdog_limit(service_), watchdog_timeout_line(log_.program(), ::getpid()),
                    std::vector<int>{STDERR_FILENO},
                    destinations_->watchdog_last_words(log_.program(), ::getpid()));
  events_.set_watchdog(&*watchdog_);
  loop_.emplace(base_, service_, *context_, *supervisor_, gate_.get(), &*watchdog_, &events_, sockets_.fds,
                dispatch, statistics_ ? &statistics_->counters() : nullptr);
  if (statistics_ && params_.stats_interval > 0) statistics_->log_lines(events_, log_, params_.stats_interval);
  supervisor_->ready();
  loop_->run();
  supervisor_->stopping();
}

void ChildStartup::exit() {
  // The watchdog stays armed while the exit hook runs: a hook that hangs is
  // ended like a stuck turn.
  watchdog_->working();
  if (service_.hooks.on_exit) service_.hooks.on_exit(*context_);
  events_.set_watchdog(nullptr);
  // The supervisor's events go before the loop's, the loop before the watchdog.
  supervisor_ = std::make_unique<NoSupervisor>();
  loop_.reset();
  watchdog_.reset();
  if (sockets_.file) {
    if (auto warning = sockets_.file->remove()) log_.warn("%s", warning->c_str());
  }
}

}  // namespace dgram
