// SPDX-License-Identifier: MIT
// temp_dir - mkdtemp, files, and recursive removal.
#include "temp_dir.h"

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace dgram::testing {

TempDir::TempDir() {
  std::string templ = (std::filesystem::temp_directory_path() / "dgram-test.XXXXXX").string();
  if (::mkdtemp(templ.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = templ;
  std::filesystem::create_directory(path_ + "/pid");
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

void TempDir::write(const std::string& name, const std::string& text) const {
  std::ofstream out(file(name), std::ios::trunc);
  out << text;
  if (!out.flush()) throw std::runtime_error("cannot write " + file(name));
}

std::string TempDir::read(const std::string& name) const {
  std::ifstream in(file(name));
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void TempDir::write_main_cf(const std::string& extra) const {
  write("main.cf", "queue_directory = " + path_ + "\ndata_directory = " + path_ + "\n" + extra);
}

}  // namespace dgram::testing
