// SPDX-License-Identifier: MIT
// replay_main - runs a fuzz target over saved inputs, without libFuzzer.
//
// SYNOPSIS
//   NAME-replay PATH...
//
// DESCRIPTION
//   Each PATH is a file, or a folder whose files (not sub-folders) are read
//   in name order. Every file is passed once to LLVMFuzzerTestOneInput();
//   the file name is printed first, so that a crash names its input.
//
// DIAGNOSTICS
//   A PATH that cannot be read, or a folder without files, prints one line
//   naming it and the exit status is 1 (a missing corpus must not pass as
//   an empty one). A crash of the target ends the process as it would end a
//   fuzzer run.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "fuzz_target.h"

namespace {

// read_whole - the bytes of path into out; false (errno set) on failure.
bool read_whole(const std::string& path, std::string& out) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  out.clear();
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int saved = errno;
      ::close(fd);
      errno = saved;
      return false;
    }
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  return ::close(fd) == 0;
}

// files_of - the regular files directly in dir, sorted; false on failure.
bool files_of(const std::string& dir, std::vector<std::string>& out) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return false;
  errno = 0;
  while (dirent* e = ::readdir(d)) {
    std::string path = dir + "/" + e->d_name;
    struct stat st;
    if (::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode)) out.push_back(path);
  }
  int saved = errno;
  ::closedir(d);
  errno = saved;
  if (saved != 0) return false;
  std::sort(out.begin(), out.end());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s PATH...\n", argv[0]);
    return 2;
  }
  int status = 0;
  std::size_t replayed = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    struct stat st;
    if (::stat(arg.c_str(), &st) != 0) {
      std::fprintf(stderr, "%s: %s\n", arg.c_str(), std::strerror(errno));
      status = 1;
      continue;
    }
    std::vector<std::string> files;
    if (!S_ISDIR(st.st_mode)) {
      files.push_back(arg);
    } else if (!files_of(arg, files)) {
      std::fprintf(stderr, "%s: cannot list the folder: %s\n", arg.c_str(), std::strerror(errno));
      status = 1;
      continue;
    } else if (files.empty()) {
      std::fprintf(stderr, "%s: no input files in the folder\n", arg.c_str());
      status = 1;
      continue;
    }
    for (const auto& file : files) {
      std::string bytes;
      if (!read_whole(file, bytes)) {
        std::fprintf(stderr, "%s: %s\n", file.c_str(), std::strerror(errno));
        status = 1;
        continue;
      }
      std::printf("replay %s (%zu bytes)\n", file.c_str(), bytes.size());
      std::fflush(stdout);
      LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
      ++replayed;
    }
  }
  std::printf("%zu inputs replayed\n", replayed);
  return status;
}
