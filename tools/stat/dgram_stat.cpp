// SPDX-License-Identifier: MIT
// dgram-stat - show a service's counters, totalled over all its children.
//
// SYNOPSIS
//   dgram-stat [-c DIR] [-f FILE]... [--watch [-i SECONDS] [-n COUNT]]
//              [--openmetrics] [SERVICE ...]
//
// DESCRIPTION
//   Reads the counter files the services' children add into (see
//   lib/serve/counter_file.h): every file in dgram_stats_directory of
//   DIR/main.cf (DIR from -c, else $MAIL_CONFIG, else /etc/postfix), or the
//   named SERVICEs' files there, and each -f FILE (a service started by
//   systemd or with --listen, which counts where its dgram_stats_file says).
//   Prints one row per service: totals, the rate since the previous look
//   (kept per user, see tools/stat/last_look.h), and the time datagrams
//   waited in the socket (p50, p99, max) when the service counts it.
//     --watch        print the table again every -i SECONDS (default 2), with
//                    rates since the previous table; -n COUNT tables, else
//                    until interrupted.
//     --openmetrics  print the OpenMetrics text format instead (for a
//                    scraper or node_exporter's textfile collector).
//   Files are mapped read-only: looking changes nothing.
//
// DIAGNOSTICS
//   A file that cannot be read or is not a counter file of this version
//   prints one `dgram-stat: counter file PATH: why` line on stderr; the
//   others are still printed, and the exit status is 1. A bad option or
//   main.cf: one line, status 2.
#include <dirent.h>
#include <getopt.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>
#include <thread>
#include <vector>

#include "config/skeleton_params.h"
#include "dgram/config.h"
#include "dgram/error.h"
#include "start/service_statistics.h"
#include "stat/last_look.h"
#include "stat/stat_report.h"

namespace {

constexpr const char* kProgram = "dgram-stat";
constexpr const char* kUsage =
    "usage: dgram-stat [-c DIR] [-f FILE]... [--watch [-i SECONDS] [-n COUNT]] [--openmetrics] [SERVICE ...]\n";

struct Arguments {
  std::string config_dir;
  bool config_named = false;
  std::vector<std::string> files;
  std::vector<std::string> services;
  bool watch = false;
  int interval = 2;
  long count = 0;  // tables in --watch; 0 = until interrupted
  bool openmetrics = false;
};

[[noreturn]] void usage_error(const std::string& text) {
  std::fprintf(stderr, "%s: %s\n", kProgram, text.c_str());
  std::fputs(kUsage, stderr);
  std::exit(2);
}

long number_of(const char* text, const char* option, long least) {
  char* end = nullptr;
  errno = 0;
  long value = std::strtol(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || value < least || value > 1000000) {
    usage_error(std::string(option) + ": bad number: " + text);
  }
  return value;
}

Arguments parse(int argc, char** argv) {
  Arguments arguments;
  if (const char* env = std::getenv("MAIL_CONFIG"); env != nullptr && *env != '\0') arguments.config_dir = env;
  if (arguments.config_dir.empty()) arguments.config_dir = "/etc/postfix";
  static const option kLong[] = {{"watch", no_argument, nullptr, 'w'},
                                 {"openmetrics", no_argument, nullptr, 'm'},
                                 {"file", required_argument, nullptr, 'f'},
                                 {"interval", required_argument, nullptr, 'i'},
                                 {"count", required_argument, nullptr, 'n'},
                                 {"help", no_argument, nullptr, 'h'},
                                 {nullptr, 0, nullptr, 0}};
  int c;
  opterr = 0;
  while ((c = ::getopt_long(argc, argv, "+c:f:i:n:wh", kLong, nullptr)) != -1) {
    switch (c) {
      case 'c': arguments.config_dir = optarg; arguments.config_named = true; break;
      case 'f': arguments.files.emplace_back(optarg); break;
      case 'i': arguments.interval = static_cast<int>(number_of(optarg, "-i", 1)); break;
      case 'n': arguments.count = number_of(optarg, "-n", 1); break;
      case 'w': arguments.watch = true; break;
      case 'm': arguments.openmetrics = true; break;
      case 'h':
        std::fputs(kUsage, stdout);
        std::exit(0);
      default:
        usage_error(std::string("unknown option or missing value: ") + argv[optind - 1]);
    }
  }
  for (int i = optind; i < argc; ++i) arguments.services.emplace_back(argv[i]);
  if (arguments.watch && arguments.openmetrics) usage_error("--watch and --openmetrics do not go together");
  return arguments;
}

// counter_paths - the files to look at, in the order they are printed.
std::vector<std::string> counter_paths(const Arguments& arguments, bool& failed) {
  std::vector<std::string> paths;
  bool use_main_cf = arguments.config_named || arguments.files.empty() || !arguments.services.empty();
  if (use_main_cf) {
    dgram::Config config;
    try {
      config.read_main_cf(arguments.config_dir);
    } catch (const std::exception& error) {
      std::fprintf(stderr, "%s: %s\n", kProgram, error.what());
      std::exit(2);
    }
    std::string directory = dgram::skeleton_str(config, "dgram_stats_directory");
    while (directory.size() > 1 && directory.back() == '/') directory.pop_back();
    if (directory.empty() && !arguments.services.empty()) {
      std::fprintf(stderr, "%s: dgram_stats_directory is empty in %s/main.cf: no counter files\n", kProgram,
                   arguments.config_dir.c_str());
      failed = true;
    } else if (!arguments.services.empty()) {
      for (const std::string& service : arguments.services) {
        paths.push_back(directory + "/" + dgram::counter_file_name(service));
      }
    } else if (!directory.empty()) {
      DIR* dir = ::opendir(directory.c_str());
      if (dir == nullptr) {
        if (arguments.files.empty()) {
          std::fprintf(stderr, "%s: no counter files: %s: %s\n", kProgram, directory.c_str(), std::strerror(errno));
        }
      } else {
        std::vector<std::string> names;
        while (dirent* entry = ::readdir(dir)) {
          if (entry->d_name[0] == '.') continue;
          if (entry->d_type != DT_REG && entry->d_type != DT_UNKNOWN) continue;
          names.emplace_back(entry->d_name);
        }
        ::closedir(dir);
        std::sort(names.begin(), names.end());
        for (const std::string& name : names) paths.push_back(directory + "/" + name);
      }
    }
  }
  for (const std::string& file : arguments.files) paths.push_back(file);
  return paths;
}


std::vector<dgram::Look> look_at(const std::vector<std::string>& paths, bool& failed) {
  std::vector<dgram::Look> looks;
  for (const std::string& path : paths) {
    try {
      dgram::CounterFile file = dgram::CounterFile::open_for_reading(path);
      looks.push_back({path, file.snapshot(), dgram::unix_now_ns()});
    } catch (const std::exception& error) {
      std::fprintf(stderr, "%s: %s\n", kProgram, error.what());
      failed = true;
    }
  }
  return looks;
}

dgram::EarlierLook earlier_of(const dgram::Look& look) {
  return {look.totals.created_unix_ns, look.at_ns, look.totals[dgram::Counter::datagrams],
          look.totals[dgram::Counter::bytes]};
}

void print(const std::string& text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

volatile std::sig_atomic_t interrupted = 0;
void on_interrupt(int) { interrupted = 1; }

}  // namespace

int main(int argc, char** argv) {
  Arguments arguments = parse(argc, argv);
  bool failed = false;
  std::vector<std::string> paths = counter_paths(arguments, failed);
  if (arguments.openmetrics) {
    print(dgram::format_openmetrics(look_at(paths, failed)));
    return failed ? 1 : 0;
  }
  std::optional<std::string> kept = dgram::last_look_path(std::getenv("XDG_RUNTIME_DIR"), std::getenv("HOME"));
  dgram::LastLooks last = kept ? dgram::read_last_looks(*kept) : dgram::LastLooks{};
  if (arguments.watch) {
    std::signal(SIGINT, on_interrupt);
    std::signal(SIGTERM, on_interrupt);
  }
  for (long shown = 0; !interrupted;) {
    std::vector<dgram::Look> looks = look_at(paths, failed);
    std::vector<std::optional<dgram::EarlierLook>> earlier;
    for (const dgram::Look& look : looks) {
      auto found = last.find(look.path);
      earlier.push_back(found == last.end() ? std::nullopt : std::optional(found->second));
      last[look.path] = earlier_of(look);
    }
    if (arguments.watch && ::isatty(STDOUT_FILENO)) print("\033[H\033[2J");
    print(dgram::format_table(looks, earlier));
    if (!arguments.watch || (arguments.count > 0 && ++shown >= arguments.count)) break;
    print("\n");
    for (int waited = 0; waited < arguments.interval * 10 && !interrupted; ++waited) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  if (kept) {
    if (auto why = dgram::write_last_looks(*kept, last)) {
      std::fprintf(stderr, "%s: warning: the rates' next look is not kept: %s\n", kProgram, why->c_str());
    }
  }
  return failed ? 1 : 0;
}
