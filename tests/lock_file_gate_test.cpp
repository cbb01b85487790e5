// SPDX-License-Identifier: MIT
// lock_file_gate_test - creation mode, refusals, and exclusion between holders.
#include "serve/lock_file_gate.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "dgram/error.h"
#include "support/temp_dir.h"

namespace dgram {
namespace {

using testing::TempDir;

std::string open_error(const std::string& path) {
  try {
    LockFileGate gate(path);
  } catch (const Fatal& error) {
    return error.what();
  }
  return "(opened)";
}

bool can_lock_now(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return false;
  bool locked = ::flock(fd, LOCK_EX | LOCK_NB) == 0;
  ::close(fd);
  return locked;
}

TEST(LockFileGate, PathIsUnderThePidDirectory) {
  EXPECT_EQ(lock_file_path("/var/spool/postfix/", "unix-dgram", "postlog"),
            "/var/spool/postfix/pid/unix-dgram.postlog");
}

TEST(LockFileGate, CreatesTheFileMode0600CloseOnExec) {
  TempDir dir;
  ::umask(022);
  LockFileGate gate(dir.file("pid/unix-dgram.svc"));
  struct stat st {};
  ASSERT_EQ(::stat(dir.file("pid/unix-dgram.svc").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  EXPECT_TRUE(::fcntl(gate.fd(), F_GETFD) & FD_CLOEXEC);
}

TEST(LockFileGate, HoldsTheLockExclusivelyBetweenAcquireAndRelease) {
  TempDir dir;
  std::string path = dir.file("pid/unix-dgram.svc");
  LockFileGate gate(path);
  EXPECT_TRUE(can_lock_now(path));
  ASSERT_TRUE(gate.acquire());
  EXPECT_FALSE(can_lock_now(path));
  gate.release();
  EXPECT_TRUE(can_lock_now(path));
}

TEST(LockFileGate, TwoGatesOnOneFileExcludeEachOther) {
  TempDir dir;
  std::string path = dir.file("pid/unix-dgram.svc");
  LockFileGate first(path);
  LockFileGate second(path);
  ASSERT_TRUE(first.acquire());
  EXPECT_NE(::flock(second.fd(), LOCK_EX | LOCK_NB), 0);
  first.release();
  EXPECT_EQ(::flock(second.fd(), LOCK_EX | LOCK_NB), 0);
}

TEST(LockFileGate, RefusesASymlink) {
  TempDir dir;
  dir.write("target", "");
  ASSERT_EQ(::symlink(dir.file("target").c_str(), dir.file("pid/unix-dgram.svc").c_str()), 0);
  EXPECT_EQ(open_error(dir.file("pid/unix-dgram.svc")),
            "open lock file " + dir.file("pid/unix-dgram.svc") + ": is a symbolic link");
}

TEST(LockFileGate, RefusesAHardLinkedFile) {
  TempDir dir;
  dir.write("other", "");
  ASSERT_EQ(::link(dir.file("other").c_str(), dir.file("pid/unix-dgram.svc").c_str()), 0);
  EXPECT_EQ(open_error(dir.file("pid/unix-dgram.svc")),
            "open lock file " + dir.file("pid/unix-dgram.svc") + ": file has 2 hard links");
}

TEST(LockFileGate, RefusesADirectory) {
  TempDir dir;
  ASSERT_EQ(::mkdir(dir.file("pid/unix-dgram.svc").c_str(), 0700), 0);
  EXPECT_NE(open_error(dir.file("pid/unix-dgram.svc")).find("open lock file"), std::string::npos);
}

TEST(LockFileGate, RefusesAFileOwnedBySomeoneElse) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to give the file away";
  TempDir dir;
  std::string path = dir.file("pid/unix-dgram.svc");
  dir.write("pid/unix-dgram.svc", "");
  ASSERT_EQ(::chown(path.c_str(), 65534, 65534), 0);
  EXPECT_EQ(open_error(path),
            "open lock file " + path + ": file is owned by uid 65534, not by uid 0");
}

TEST(LockFileGate, MissingDirectoryNamesThePath) {
  TempDir dir;
  EXPECT_EQ(open_error(dir.file("nope/unix-dgram.svc")),
            "open lock file " + dir.file("nope/unix-dgram.svc") + ": No such file or directory");
}

}  // namespace
}  // namespace dgram
