// SPDX-License-Identifier: MIT
// temp_dir - a private folder for one test, with a main.cf and a queue
// directory laid out like Postfix's (pid/), removed with its contents.
#pragma once

#include <string>

namespace dgram::testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  // Writes (replacing) a file under the folder.
  void write(const std::string& name, const std::string& text) const;
  // Reads a whole file under the folder ("" when it does not exist).
  std::string read(const std::string& name) const;
  // Writes main.cf with queue_directory and data_directory (the service
  // counters' home) = this folder, then extra lines.
  void write_main_cf(const std::string& extra = "") const;

 private:
  std::string path_;
};

}  // namespace dgram::testing
