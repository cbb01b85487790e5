// SPDX-License-Identifier: MIT
// server - run(): the child's start-up steps in order (child_startup.h), and
// the one place a fatal error becomes a log line, the supervisor's report
// and exit status 1.
#include "dgram/server.h"

#include <signal.h>
#include <stdlib.h>

#include <cerrno>
#include <exception>
#include <optional>
#include <string>

#include "dgram/embedding.h"
#include "dgram/error.h"
#include "serve/termination.h"
#include "start/child_startup.h"
#include "start/start_mode.h"

extern char** environ;

namespace dgram {

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
  // A client that goes away must not kill the server, nor a large file.
  ::signal(SIGPIPE, SIG_IGN);
  ::signal(SIGXFSZ, SIG_IGN);
  Log log("postfix/" + program_basename(launch));
  if (launch.log_sink) log.set_sink(*launch.log_sink);
  // Both outlive the try: the child's supervisor hears about a fatal error,
  // and the latch goes after the child's events on its pipe.
  std::optional<TerminationLatch> termination;
  std::optional<ChildStartup> child;
  auto report = [&child](const std::string& text, int error_number) {
    if (child) child->supervisor().fatal(text, error_number);
  };
  try {
    // From here on SIGTERM ends the child the normal way, whenever it comes:
    // during start-up the loop is entered and ends at once, exit status 0.
    termination.emplace();
    child.emplace(service, launch, log);
    child->read_command_line();
    child->read_main_cf();
    child->configure_logging();
    child->check_invocation();
    child->pre_jail_init();
    child->drop_privileges();
    child->post_jail_init();
    child->serve();
    child->exit();
    return 0;
  } catch (const Fatal& error) {
    log.fatal(error.what());
    // ERRNO=: the failed system call's, else EINVAL (a bad value or definition).
    report(error.what(), error.error_number() ? error.error_number() : EINVAL);
  } catch (const std::exception& error) {
    log.fatal(std::string("unexpected error: ") + error.what());
    report(error.what(), EIO);
  } catch (...) {
    log.fatal("unexpected error of unknown type");
    report("unexpected error of unknown type", EIO);
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
