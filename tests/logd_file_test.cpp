// SPDX-License-Identifier: MIT
// logd_file_test - dgram-logd's log file: opened the way Postfix's
// safe_open() does (log_file_open.h), appended to so that a line is whole
// in the file or absent (log_file.h), and reopened after a log rotation.
// Failing writes come through LogFile's write seam, applied to real files and
// pipes.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <cstdio>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dgram/error.h"
#include "log_file.h"
#include "log_file_open.h"
#include "support/temp_dir.h"

namespace dgram::logd {
namespace {

using testing::TempDir;

// A write function that lets `budget` bytes through (a short write when a
// call asks for more), then fails every call with `error`, like a disk that
// fills up. Counts its calls.
struct FillingDisk {
  std::size_t budget = static_cast<std::size_t>(-1);
  int error = ENOSPC;
  int calls = 0;

  LogFile::WriteFn function() {
    return [this](int fd, const iovec* pieces, int count) -> ssize_t {
      ++calls;
      if (budget == 0) {
        errno = error;
        return -1;
      }
      std::vector<iovec> allowed;
      std::size_t room = budget;
      for (int i = 0; i < count && room > 0; ++i) {
        std::size_t take = std::min(room, pieces[i].iov_len);
        allowed.push_back({pieces[i].iov_base, take});
        room -= take;
      }
      ssize_t written = ::writev(fd, allowed.data(), static_cast<int>(allowed.size()));
      if (written > 0 && budget != static_cast<std::size_t>(-1)) budget -= static_cast<std::size_t>(written);
      return written;
    };
  }
};

std::vector<std::string_view> lines(std::initializer_list<std::string_view> items) { return items; }

class LogFileTest : public ::testing::Test {
 protected:
  LogFile open_file(FillingDisk& disk) {
    return LogFile(path_, open_log_file(path_, 0600), disk.function());
  }
  std::string contents() const { return dir_.read("maillog"); }

  TempDir dir_;
  std::string path_ = dir_.file("maillog");
};

TEST_F(LogFileTest, ABatchIsOneWriteWithANewlinePerLine) {
  FillingDisk disk;
  LogFile file = open_file(disk);
  auto batch = lines({"first", "", "third"});
  EXPECT_EQ(file.append(batch), 3u);
  EXPECT_EQ(disk.calls, 1);
  EXPECT_EQ(contents(), "first\n\nthird\n");
  EXPECT_EQ(file.written(), 3u);
  EXPECT_EQ(file.lost(), 0u);
}

TEST_F(LogFileTest, ShortWritesAreResumedWhereTheyStopped) {
  FillingDisk disk;
  LogFile file(path_, open_log_file(path_, 0600), [&disk](int fd, const iovec* pieces, int count) {
    ++disk.calls;
    iovec first{pieces[0].iov_base, std::min<std::size_t>(pieces[0].iov_len, 2)};
    (void)count;
    return ::writev(fd, &first, 1);  // at most 2 bytes per call
  });
  auto batch = lines({"abcde", "fg"});
  EXPECT_EQ(file.append(batch), 2u);
  EXPECT_EQ(contents(), "abcde\nfg\n");
  EXPECT_GT(disk.calls, 4);
}

TEST_F(LogFileTest, ALineCutByAFullDiskIsTakenBackAndTheLostAreToldLater) {
  FillingDisk disk;
  disk.budget = 8;  // "first\n" and "se" of "second"
  LogFile file = open_file(disk);
  auto batch = lines({"first", "second", "third"});
  errno = 0;
  EXPECT_EQ(file.append(batch), 1u);
  EXPECT_EQ(errno, ENOSPC);
  EXPECT_EQ(contents(), "first\n");  // no "se" left behind
  EXPECT_EQ(file.lost(), 2u);
  EXPECT_EQ(file.unreported(), 2u);

  auto more = lines({"fourth"});
  EXPECT_EQ(file.append(more), 0u);  // still full: counted too
  EXPECT_EQ(file.unreported(), 3u);

  disk.budget = static_cast<std::size_t>(-1);  // space again
  EXPECT_EQ(file.append(lines({"fifth"})), 1u);
  EXPECT_EQ(contents(), "first\n3 log records were not written to " + path_ +
                            " (last error: No space left on device)\nfifth\n");
  EXPECT_EQ(file.unreported(), 0u);
  EXPECT_EQ(file.lost(), 3u);
  EXPECT_EQ(file.written(), 2u);
}

TEST_F(LogFileTest, ANoticeCutShortIsTakenBackAndSentAgain) {
  FillingDisk disk;
  disk.budget = 0;
  disk.error = EIO;
  LogFile file = open_file(disk);
  EXPECT_EQ(file.append(lines({"lost"})), 0u);
  disk.budget = 10;  // a part of the notice only
  EXPECT_EQ(file.append(lines({"lost too"})), 0u);
  EXPECT_EQ(contents(), "");
  disk.budget = static_cast<std::size_t>(-1);
  EXPECT_EQ(file.append(lines({"kept"})), 1u);
  EXPECT_EQ(contents(), "2 log records were not written to " + path_ + " (last error: Input/output error)\nkept\n");
}

TEST_F(LogFileTest, OnAPipeAFragmentIsEndedBeforeTheNextLine) {
  int ends[2];
  ASSERT_EQ(::pipe(ends), 0);
  UniqueFd read_end(ends[0]);
  FillingDisk disk;
  disk.budget = 8;
  disk.error = EIO;
  LogFile file("/dev/stdout", UniqueFd(ends[1]), disk.function());
  EXPECT_EQ(file.append(lines({"first", "second"})), 1u);
  disk.budget = static_cast<std::size_t>(-1);
  EXPECT_EQ(file.append(lines({"third"})), 1u);
  char buffer[256];
  ssize_t n = ::read(read_end.get(), buffer, sizeof(buffer));
  ASSERT_GT(n, 0);
  EXPECT_EQ(std::string(buffer, static_cast<std::size_t>(n)),
            "first\nse\n1 log record was not written to /dev/stdout (last error: Input/output error)\nthird\n");
}

TEST_F(LogFileTest, TheNoticeIsFramedByTheNoticeFunction) {
  FillingDisk disk;
  disk.budget = 0;
  LogFile file(path_, open_log_file(path_, 0600), disk.function(),
               [](std::string_view text) { return "Dec 05 10:00:00 host dgram-logd[1]: warning: " + std::string(text); });
  EXPECT_EQ(file.append(lines({"x"})), 0u);
  disk.budget = static_cast<std::size_t>(-1);
  EXPECT_EQ(file.append(lines({"y"})), 1u);
  EXPECT_EQ(contents(), "Dec 05 10:00:00 host dgram-logd[1]: warning: 1 log record was not written to " + path_ +
                            " (last error: No space left on device)\ny\n");
}

TEST_F(LogFileTest, ManyLinesAreWrittenInGroups) {
  FillingDisk disk;
  LogFile file = open_file(disk);
  std::vector<std::string> texts;
  for (std::size_t i = 0; i < 3 * LogFile::kMaxLines + 1; ++i) texts.push_back(std::to_string(i));
  std::vector<std::string_view> views(texts.begin(), texts.end());
  EXPECT_EQ(file.append(views), views.size());
  std::string expected;
  for (const auto& t : texts) expected += t + "\n";
  EXPECT_EQ(contents(), expected);
}

// --- opening ------------------------------------------------------------

std::string refusal(const std::function<void()>& attempt) {
  try {
    attempt();
  } catch (const Fatal& error) {
    return error.what();
  }
  return "(no refusal)";
}

mode_t mode_of(const std::string& path) {
  struct stat status;
  if (::stat(path.c_str(), &status) < 0) return 0;
  return status.st_mode & 07777;
}

TEST(LogdFileOpen, PermissionsAreThoseOfPostfix39) {
  EXPECT_EQ(parse_maillog_file_permissions("0600"), 0600u);
  EXPECT_EQ(parse_maillog_file_permissions("0640"), 0640u);
  EXPECT_EQ(parse_maillog_file_permissions("0644"), 0644u);
  for (const char* bad : {"0666", "600", "0600 ", "", "0700", "rw"}) {
    EXPECT_EQ(refusal([&] { parse_maillog_file_permissions(bad); }),
              "invalid maillog_file_permissions value '" + std::string(bad) + "': specify 0600, 0640 or 0644");
  }
}

TEST(LogdFileOpen, CreatesTheFileWithExactlyTheModeAskedFor) {
  TempDir dir;
  mode_t old_mask = ::umask(077);
  for (mode_t mode : {mode_t{0600}, mode_t{0640}, mode_t{0644}}) {
    std::string path = dir.file("maillog." + std::to_string(mode));
    UniqueFd fd = open_log_file(path, mode);
    EXPECT_TRUE(fd);
    EXPECT_EQ(mode_of(path), mode);
  }
  ::umask(old_mask);
}

TEST(LogdFileOpen, AppendsToAnExistingFileAndKeepsItsMode) {
  TempDir dir;
  dir.write("maillog", "old\n");
  ASSERT_EQ(::chmod(dir.file("maillog").c_str(), 0604), 0);
  UniqueFd fd = open_log_file(dir.file("maillog"), 0600);
  ASSERT_EQ(::write(fd.get(), "new\n", 4), 4);
  EXPECT_EQ(dir.read("maillog"), "old\nnew\n");
  EXPECT_EQ(mode_of(dir.file("maillog")), 0604u);
}

TEST(LogdFileOpen, RefusesAFileWithMoreThanOneHardLink) {
  TempDir dir;
  dir.write("maillog", "");
  ASSERT_EQ(::link(dir.file("maillog").c_str(), dir.file("other").c_str()), 0);
  EXPECT_EQ(refusal([&] { open_log_file(dir.file("maillog"), 0600); }),
            "open maillog_file " + dir.file("maillog") + ": file has 2 hard links");
}

TEST(LogdFileOpen, RefusesWhatIsNotARegularFileWithoutBlocking) {
  TempDir dir;
  ASSERT_EQ(::mkfifo(dir.file("fifo").c_str(), 0600), 0);
  ASSERT_EQ(::mkdir(dir.file("folder").c_str(), 0700), 0);
  for (const char* name : {"fifo", "folder"}) {
    EXPECT_EQ(refusal([&] { open_log_file(dir.file(name), 0600); }),
              "open maillog_file " + dir.file(name) + ": not a regular file");
  }
  EXPECT_EQ(refusal([&] { open_log_file("/dev/zero", 0600); }), "open maillog_file /dev/zero: not a regular file");
}

// The null device is the one device dgram-logd appends to (records discarded):
// what benchmarks point maillog_file at.
TEST(LogdFileOpen, TheNullDeviceIsAcceptedAndDiscards) {
  UniqueFd fd = open_log_file("/dev/null", 0600);
  ASSERT_TRUE(fd);
  struct stat status;
  ASSERT_EQ(::fstat(fd.get(), &status), 0);
  EXPECT_TRUE(S_ISCHR(status.st_mode));
  EXPECT_EQ(::write(fd.get(), "x\n", 2), 2);
}

TEST(LogdFileOpen, FollowsASymbolicLinkOnlyWhenRootOwnsIt) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to own and chown links";
  TempDir dir;
  dir.write("target", "");
  ASSERT_EQ(::symlink(dir.file("target").c_str(), dir.file("maillog").c_str()), 0);
  {
    UniqueFd fd = open_log_file(dir.file("maillog"), 0600);
    ASSERT_EQ(::write(fd.get(), "x\n", 2), 2);
    EXPECT_EQ(dir.read("target"), "x\n");
  }
  ASSERT_EQ(::lchown(dir.file("maillog").c_str(), 65534, 65534), 0);
  EXPECT_EQ(refusal([&] { open_log_file(dir.file("maillog"), 0600); }),
            "open maillog_file " + dir.file("maillog") + ": symbolic link not owned by root (owner uid 65534)");
}

TEST(LogdFileOpen, RefusesAFileThatChangedBetweenTheCheckAndTheOpen) {
  TempDir dir;
  dir.write("maillog", "");
  dir.write("swapped", "");
  std::string path = dir.file("maillog");
  auto swap_in_another_file = [&] { ASSERT_EQ(::rename(dir.file("swapped").c_str(), path.c_str()), 0); };
  EXPECT_EQ(refusal([&] { open_log_file(path, 0600, swap_in_another_file); }),
            "open maillog_file " + path + ": file changed between the check and the open");

  auto swap_in_a_fifo = [&] {
    ASSERT_EQ(::unlink(path.c_str()), 0);
    ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
  };
  EXPECT_EQ(refusal([&] { open_log_file(path, 0600, swap_in_a_fifo); }),
            "open maillog_file " + path + ": file changed between the check and the open");

  std::string absent = dir.file("absent");
  auto put_a_fifo_there = [&] { ASSERT_EQ(::mkfifo(absent.c_str(), 0600), 0); };
  EXPECT_EQ(refusal([&] { open_log_file(absent, 0600, put_a_fifo_there); }),
            "open maillog_file " + absent + ": not a regular file");
}

TEST(LogdFileOpen, DevStdoutIsTheStandardOutput) {
  UniqueFd fd = open_log_file("/dev/stdout", 0600);
  ASSERT_TRUE(fd);
  struct stat ours, theirs;
  ASSERT_EQ(::fstat(fd.get(), &ours), 0);
  ASSERT_EQ(::fstat(STDOUT_FILENO, &theirs), 0);
  EXPECT_EQ(ours.st_ino, theirs.st_ino);
  EXPECT_EQ(ours.st_dev, theirs.st_dev);
}

// --- reopening after a log rotation ---------------------------------------

TEST_F(LogFileTest, AfterARenameAndAReopenNewLinesGoToTheNewFile) {
  FillingDisk disk;
  LogFile file = open_file(disk);
  EXPECT_EQ(file.append(lines({"one", "two"})), 2u);
  ASSERT_EQ(::rename(path_.c_str(), dir_.file("maillog.1").c_str()), 0);  // as logrotate does
  EXPECT_EQ(file.append(lines({"three"})), 1u);  // before the reopen: still the renamed file
  EXPECT_EQ(reopen_log_file(file, 0640), std::nullopt);
  EXPECT_EQ(file.append(lines({"four", "five"})), 2u);
  EXPECT_EQ(dir_.read("maillog.1"), "one\ntwo\nthree\n");
  EXPECT_EQ(contents(), "four\nfive\n");
  EXPECT_EQ(mode_of(path_), 0640u);  // created with the mode asked for
  EXPECT_EQ(file.written(), 5u);
  EXPECT_EQ(file.lost(), 0u);
}

TEST_F(LogFileTest, ANoticeOwedBeforeTheReopenGoesIntoTheNewFile) {
  FillingDisk disk;
  disk.budget = 0;
  LogFile file = open_file(disk);
  EXPECT_EQ(file.append(lines({"lost", "lost too"})), 0u);
  ASSERT_EQ(::rename(path_.c_str(), dir_.file("maillog.1").c_str()), 0);
  EXPECT_EQ(reopen_log_file(file, 0600), std::nullopt);
  EXPECT_EQ(file.unreported(), 2u);  // still owed
  disk.budget = static_cast<std::size_t>(-1);
  EXPECT_EQ(file.append(lines({"kept"})), 1u);
  EXPECT_EQ(dir_.read("maillog.1"), "");
  EXPECT_EQ(contents(), "2 log records were not written to " + path_ +
                            " (last error: No space left on device)\nkept\n");
  EXPECT_EQ(file.unreported(), 0u);
  EXPECT_EQ(file.lost(), 2u);
  EXPECT_EQ(file.written(), 1u);
}

TEST_F(LogFileTest, AFragmentLeftInTheOldFileDoesNotReachTheNewOne) {
  int ends[2];
  ASSERT_EQ(::pipe(ends), 0);
  UniqueFd read_end(ends[0]);
  FillingDisk disk;
  disk.budget = 8;  // "first\nse": a pipe cannot take "se" back
  LogFile file(path_, UniqueFd(ends[1]), disk.function());
  EXPECT_EQ(file.append(lines({"first", "second"})), 1u);
  disk.budget = static_cast<std::size_t>(-1);
  file.replace_descriptor(open_log_file(path_, 0600));
  EXPECT_EQ(file.append(lines({"third"})), 1u);
  EXPECT_EQ(contents(), "1 log record was not written to " + path_ +
                            " (last error: No space left on device)\nthird\n");  // no empty line first
}

// What is at maillog_file's path when the reopen comes, and the refusal.
struct RefusedReopen {
  const char* what;
  bool needs_root;  // to give a link another owner
  std::function<void(const TempDir& dir)> change;  // after the rotation: logs/maillog is logs/maillog.1
  std::string reason;
  std::string old_file = "logs/maillog.1";  // where the file in use is then
};

TEST(LogdFileReopen, ARefusedReopenKeepsTheFileInUseAndSaysWhy) {
  const RefusedReopen cases[] = {
      {"a file with two names", false,
       [](const TempDir& dir) {
         dir.write("logs/maillog", "");
         ASSERT_EQ(::link(dir.file("logs/maillog").c_str(), dir.file("logs/other").c_str()), 0);
       },
       "file has 2 hard links"},
      {"a symbolic link not owned by root", true,
       [](const TempDir& dir) {
         dir.write("target", "");
         ASSERT_EQ(::symlink(dir.file("target").c_str(), dir.file("logs/maillog").c_str()), 0);
         ASSERT_EQ(::lchown(dir.file("logs/maillog").c_str(), 65534, 65534), 0);
       },
       "symbolic link not owned by root (owner uid 65534)"},
      {"a FIFO", false,
       [](const TempDir& dir) { ASSERT_EQ(::mkfifo(dir.file("logs/maillog").c_str(), 0600), 0); },
       "not a regular file"},
      {"a folder", false,
       [](const TempDir& dir) { ASSERT_EQ(::mkdir(dir.file("logs/maillog").c_str(), 0700), 0); },
       "not a regular file"},
      {"no folder any more", false,
       [](const TempDir& dir) { ASSERT_EQ(::rename(dir.file("logs").c_str(), dir.file("gone").c_str()), 0); },
       "No such file or directory", "gone/maillog.1"},
  };
  for (const auto& refused : cases) {
    SCOPED_TRACE(refused.what);
    if (refused.needs_root && ::geteuid() != 0) continue;
    TempDir dir;
    ASSERT_EQ(::mkdir(dir.file("logs").c_str(), 0700), 0);
    std::string path = dir.file("logs/maillog");
    LogFile file(path, open_log_file(path, 0600));
    int in_use = file.fd();
    EXPECT_EQ(file.append(lines({"before"})), 1u);
    ASSERT_EQ(::rename(path.c_str(), dir.file("logs/maillog.1").c_str()), 0);
    refused.change(dir);
    EXPECT_EQ(reopen_log_file(file, 0600), "open maillog_file " + path + ": " + refused.reason);
    EXPECT_EQ(file.fd(), in_use);
    EXPECT_EQ(file.append(lines({"after"})), 1u);
    EXPECT_EQ(dir.read(refused.old_file), "before\nafter\n");
  }
}

}  // namespace
}  // namespace dgram::logd
