// config - the parameter store and typed lookups (work in progress).
#include "dgram/config.h"

namespace dgram {

void Config::read_main_cf(const std::string& config_dir) {
  throw ConfigError(config_dir + "/main.cf: not implemented yet");
}
void Config::read_text(std::string_view, std::string_view) {}
void Config::set(std::string_view name, std::string_view value) {
  values_[std::string(name)] = std::string(value);
}
void Config::set_default(std::string_view name, std::string_view value) {
  values_.try_emplace(std::string(name), std::string(value));
}
bool Config::has(std::string_view name) const { return values_.count(std::string(name)) != 0; }
std::optional<std::string> Config::raw_value(std::string_view name) const {
  auto it = values_.find(std::string(name));
  if (it == values_.end()) return std::nullopt;
  return it->second;
}
std::string Config::expand(std::string_view name) const { return raw_value(name).value_or(""); }
std::string Config::expand_text(std::string_view text) const { return std::string(text); }
std::vector<std::string> Config::names() const { return {}; }
int Config::get_int(std::string_view, int def, int, int) { return def; }
long Config::get_long(std::string_view, long def, long, long) { return def; }
std::string Config::get_str(std::string_view, std::string_view def, int, int) { return std::string(def); }
bool Config::get_bool(std::string_view, bool def) { return def; }
int Config::get_time(std::string_view, std::string_view, int, int) { return 0; }
std::string Config::get_raw(std::string_view, std::string_view def, int, int) { return std::string(def); }
int Config::get_nint(std::string_view, std::string_view, int, int) { return 0; }
bool Config::get_nbool(std::string_view, std::string_view) { return false; }
void Config::load(const ParamTables&) {}
std::optional<long> parse_time_value(std::string_view, char) { return std::nullopt; }

}  // namespace dgram
