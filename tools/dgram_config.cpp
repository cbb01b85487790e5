// SPDX-License-Identifier: MIT
// dgram-config - show main.cf parameters the way the library sees them.
//
// SYNOPSIS
//   dgram-config [-c DIR] [-x] [-h] [-o name=value]... [name ...]
//
// DESCRIPTION
//   The part of postconf(1) that applies to dgram-server: reads DIR/main.cf
//   (DIR from -c, else $MAIL_CONFIG, else /etc/postfix), applies each
//   -o name=value override, and prints the named parameters, or, without
//   names, every parameter that main.cf or -o defines, sorted by name (as
//   postconf -n would).
//     -x  expand $references in the values.
//   It knows the skeleton's own parameters (lib/config/skeleton_params.h: max_use,
//   max_idle, queue_directory, syslog_name, ...): a named one that main.cf
//   does not set is printed with its default, as postconf prints a default,
//   and $name finds that default in -x expansions. A printed skeleton
//   parameter is also checked the way a child would read it.
//     -h  print the value only, not "name = value".
//   As postconf does, white space in a printed value is normalized: leading
//   and trailing white space is dropped and each run inside becomes one space.
//
// DIAGNOSTICS
//   A name without a value: `dgram-config: warning: NAME: unknown parameter`
//   on stderr (only for names the skeleton does not know); the other names
//   are still printed and the exit status stays 0.
//   Warnings from reading main.cf are printed the same way. A bad main.cf, a
//   bad -o, a value that cannot be expanded (reference loop, syntax error) or
//   a skeleton parameter a child would refuse (`invalid max_use parameter
//   value -1 < 1`) prints one `dgram-config: fatal: ...` line and exits with status 1.
//
// SEE ALSO
//   dgram/config.h, postconf(1)
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dgram/config.h"
#include "config/options.h"
#include "config/skeleton_params.h"

namespace {

constexpr const char* program = "dgram-config";

// normalize_space - words of text joined by single spaces, as postconf prints.
std::string normalize_space(std::string_view text) {
  constexpr std::string_view space = " \t\r\n";
  std::string out;
  std::size_t pos = 0;
  while ((pos = text.find_first_not_of(space, pos)) != std::string_view::npos) {
    std::size_t end = text.find_first_of(space, pos);
    if (end == std::string_view::npos) end = text.size();
    if (!out.empty()) out += ' ';
    out.append(text.substr(pos, end - pos));
    pos = end;
  }
  return out;
}

void warn(const std::string& text) { std::fprintf(stderr, "%s: warning: %s\n", program, text.c_str()); }

[[noreturn]] void usage() {
  std::fprintf(stderr, "usage: %s [-c config_dir] [-x] [-h] [-o name=value]... [name ...]\n",
               program);
  std::exit(1);
}

// print - one parameter, as "name = value" or (-h) the value alone.
void print(const dgram::Config& config, const std::string& name, bool expand, bool value_only) {
  std::string value = normalize_space(expand ? config.expand(name) : *config.raw_value(name));
  if (value_only)
    std::printf("%s\n", value.c_str());
  else if (value.empty())
    std::printf("%s =\n", name.c_str());
  else
    std::printf("%s = %s\n", name.c_str(), value.c_str());
}

int run(int argc, char** argv) {
  std::string config_dir;
  if (const char* env = std::getenv("MAIL_CONFIG"); env != nullptr && *env != '\0')
    config_dir = env;
  else
    config_dir = "/etc/postfix";
  bool expand = false;
  bool value_only = false;
  std::vector<std::pair<std::string, std::string>> overrides;

  int ch;
  while ((ch = ::getopt(argc, argv, "c:ho:x")) != -1) {
    switch (ch) {
      case 'c': config_dir = optarg; break;
      case 'h': value_only = true; break;
      case 'o': overrides.push_back(dgram::split_name_value(optarg)); break;
      case 'x': expand = true; break;
      default: usage();
    }
  }

  dgram::Config config;
  config.read_main_cf(config_dir);
  for (const auto& line : config.warnings()) warn(line);
  for (const auto& [name, value] : overrides) config.set(name, value);

  std::vector<std::string> names;
  for (int i = optind; i < argc; ++i) names.emplace_back(argv[i]);
  if (names.empty()) names = config.names();  // what main.cf and -o define
  // The skeleton's defaults, unexpanded as postconf -d shows them.
  for (const auto& param : dgram::skeleton_param_table()) config.set_default(param.name, param.default_value);

  for (const auto& name : names) {
    if (!config.has(name)) {
      warn(name + ": unknown parameter");
      continue;
    }
    if (const dgram::SkeletonParam* param = dgram::find_skeleton_param(name))
      dgram::check_skeleton_param(config, *param);
    print(config, name, expand, value_only);
    std::fflush(stdout);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fflush(stdout);
    std::fprintf(stderr, "%s: fatal: %s\n", program, e.what());
    return 1;
  }
}
