// SPDX-License-Identifier: MIT
// lock_file_gate - the gate as an exclusive flock() on a lock file.
//
// The file is `$queue_directory/pid/unix-dgram.<service>`, created mode 0600.
// It is opened without following a symlink, and refused unless it is a
// regular file with one link, owned by the effective user. A flock() belongs
// to the open file, not to a thread: the gate thread takes it, the loop's
// thread lets it go (gate.h says who calls what).
#pragma once

#include <string>

#include "dgram/embedding.h"
#include "dgram/unique_fd.h"

namespace dgram {

class LockFileGate final : public Gate {
 public:
  // Opens (creating) the lock file. Throws Fatal("open lock file PATH: why").
  explicit LockFileGate(const std::string& path);

  bool acquire() override;      // flock(LOCK_EX); false on EINTR
  bool try_acquire() override;  // flock(LOCK_EX | LOCK_NB)
  void release() override;
  int release_in_signal_handler() noexcept override;  // flock(LOCK_UN)

  int fd() const noexcept { return fd_.get(); }
  const std::string& path() const noexcept { return path_; }

 private:
  std::string path_;
  UniqueFd fd_;
};

// The path of a service's lock file under the queue directory.
std::string lock_file_path(const std::string& queue_directory, const std::string& transport,
                           const std::string& service_name);

}  // namespace dgram
