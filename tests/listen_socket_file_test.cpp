// SPDX-License-Identifier: MIT
// listen_socket_file_test - the socket of --listen in a real temporary
// directory: its mode and owner, what is found at the path beforehand, and
// who removes the file at the end.
#include "start/listen_socket_file.h"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <utility>

#include "dgram/error.h"
#include "dgram/unique_fd.h"
#include "support/temp_dir.h"

namespace dgram {
namespace {

using testing::TempDir;

#define EXPECT_SAYS(line, part) EXPECT_NE((line).find(part), std::string::npos) << "line: " << (line)

// The address of a path, or of @name in the abstract namespace.
std::pair<sockaddr_un, socklen_t> address_of(const std::string& name) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, name.data(), name.size());
  bool abstract = name[0] == '@';
  if (abstract) address.sun_path[0] = '\0';
  return {address, static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size() + (abstract ? 0 : 1))};
}

// A datagram socket bound at name (what another process would hold).
UniqueFd bound_socket(const std::string& name, int type = SOCK_DGRAM) {
  UniqueFd fd(::socket(AF_UNIX, type | SOCK_CLOEXEC, 0));
  if (!fd) throw_errno("socket");
  auto [address, length] = address_of(name);
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&address), length) < 0) throw_errno("bind " + name);
  return fd;
}

// Leaves a stale socket file at path: bound, then closed.
void make_stale_socket(const std::string& path) { (void)bound_socket(path); }

bool send_to(const std::string& name, const std::string& bytes) {
  UniqueFd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!fd) return false;
  auto [address, length] = address_of(name);
  return ::sendto(fd.get(), bytes.data(), bytes.size(), MSG_DONTWAIT, reinterpret_cast<const sockaddr*>(&address),
                  length) == static_cast<ssize_t>(bytes.size());
}

// One datagram from fd, waiting at most two seconds; nullopt when none came.
std::optional<std::string> receive(int fd) {
  pollfd ready{fd, POLLIN, 0};
  if (::poll(&ready, 1, 2000) != 1) return std::nullopt;
  char buffer[512];
  ssize_t n = ::recv(fd, buffer, sizeof(buffer), MSG_DONTWAIT);
  if (n < 0) return std::nullopt;
  return std::string(buffer, static_cast<std::size_t>(n));
}

std::optional<struct stat> lstat_of(const std::string& path) {
  struct stat status {};
  if (::lstat(path.c_str(), &status) < 0) return std::nullopt;
  return status;
}

bool exists(const std::string& path) { return lstat_of(path).has_value(); }

ListenRequest request_for(const std::string& path, mode_t mode = 0666) {
  ListenRequest request;
  request.path = path;
  request.mode = mode;
  return request;
}

std::string open_error(const ListenRequest& request) {
  try {
    ListenSocketFile file = ListenSocketFile::open(request);
  } catch (const Fatal& error) {
    return error.what();
  }
  return "(no error)";
}

// Every test keeps the umask it found.
class ListenSocketFileTest : public ::testing::Test {
 protected:
  void SetUp() override { saved_umask_ = ::umask(022); }
  void TearDown() override { ::umask(saved_umask_); }

  TempDir dir_;
  std::string path_ = dir_.file("listen.sock");
  mode_t saved_umask_ = 022;
};

// --- creating ------------------------------------------------------------------

TEST_F(ListenSocketFileTest, CreatesASocketThatReceives) {
  ListenSocketFile file = ListenSocketFile::open(request_for(path_));
  EXPECT_EQ(file.how(), "created");
  EXPECT_EQ(file.path(), path_);
  ASSERT_GE(file.fd(), 0);
  auto status = lstat_of(path_);
  ASSERT_TRUE(status.has_value());
  EXPECT_TRUE(S_ISSOCK(status->st_mode));
  EXPECT_EQ(::fcntl(file.fd(), F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);

  ASSERT_TRUE(send_to(path_, "hello\nthere"));
  EXPECT_EQ(receive(file.fd()), "hello\nthere");
}

struct ModeCase {
  mode_t umask;
  mode_t mode;
};

void PrintTo(const ModeCase& c, std::ostream* out) { *out << "umask " << std::oct << c.umask << " mode " << c.mode; }

class ListenSocketFileMode : public ListenSocketFileTest, public ::testing::WithParamInterface<ModeCase> {};

TEST_P(ListenSocketFileMode, ModeIsExactlyWhatWasAsked) {
  ::umask(GetParam().umask);
  ListenSocketFile file = ListenSocketFile::open(request_for(path_, GetParam().mode));
  auto status = lstat_of(path_);
  ASSERT_TRUE(status.has_value());
  EXPECT_TRUE(S_ISSOCK(status->st_mode));
  EXPECT_EQ(status->st_mode & 07777, GetParam().mode) << std::oct << (status->st_mode & 07777);
  // The process's umask is what it was before.
  EXPECT_EQ(::umask(GetParam().umask), GetParam().umask);
}

INSTANTIATE_TEST_SUITE_P(Table, ListenSocketFileMode,
                         ::testing::Values(ModeCase{077, 0666}, ModeCase{077, 0600}, ModeCase{077, 0660},
                                           ModeCase{000, 0666}, ModeCase{000, 0600}, ModeCase{000, 0660},
                                           ModeCase{022, 0666}, ModeCase{000, 0}),
                         [](const ::testing::TestParamInfo<ModeCase>& info) {
                           char name[32];
                           std::snprintf(name, sizeof(name), "umask%03o_mode%04o", info.param.umask,
                                         info.param.mode);
                           return std::string(name);
                         });

// --- what is at the path already -----------------------------------------------

TEST_F(ListenSocketFileTest, StaleSocketIsReplaced) {
  make_stale_socket(path_);
  ASSERT_TRUE(exists(path_));
  ASSERT_FALSE(send_to(path_, "nobody")) << "the old file should refuse connections";

  ListenSocketFile file = ListenSocketFile::open(request_for(path_, 0600));
  EXPECT_EQ(file.how(), "replaced a stale socket");
  auto status = lstat_of(path_);
  ASSERT_TRUE(status.has_value());
  EXPECT_TRUE(S_ISSOCK(status->st_mode));
  EXPECT_EQ(status->st_mode & 07777, 0600u);
  ASSERT_TRUE(send_to(path_, "to the new one"));
  EXPECT_EQ(receive(file.fd()), "to the new one");
}

TEST_F(ListenSocketFileTest, StaleStreamSocketIsReplaced) {
  std::string stream_path = dir_.file("stream.sock");
  (void)bound_socket(stream_path, SOCK_STREAM);
  ListenSocketFile file = ListenSocketFile::open(request_for(stream_path));
  EXPECT_EQ(file.how(), "replaced a stale socket");
}

TEST_F(ListenSocketFileTest, LiveSocketIsRefusedAndLeftInPlace) {
  UniqueFd other = bound_socket(path_);
  auto before = lstat_of(path_);
  ASSERT_TRUE(before.has_value());

  std::string line = open_error(request_for(path_));
  EXPECT_SAYS(line, path_);
  EXPECT_SAYS(line, "another process is serving this socket");

  auto after = lstat_of(path_);
  ASSERT_TRUE(after.has_value());
  EXPECT_EQ(after->st_ino, before->st_ino);
  ASSERT_TRUE(send_to(path_, "still yours"));
  EXPECT_EQ(receive(other.get()), "still yours");
}

TEST_F(ListenSocketFileTest, LiveStreamSocketIsRefusedAndLeftInPlace) {
  UniqueFd other = bound_socket(path_, SOCK_STREAM);
  ASSERT_EQ(::listen(other.get(), 1), 0);
  auto before = lstat_of(path_);
  ASSERT_TRUE(before.has_value());
  std::string line = open_error(request_for(path_));
  EXPECT_SAYS(line, path_);
  auto after = lstat_of(path_);
  ASSERT_TRUE(after.has_value());
  EXPECT_EQ(after->st_ino, before->st_ino);
}

TEST_F(ListenSocketFileTest, RegularFileIsRefusedAndUntouched) {
  dir_.write("listen.sock", "precious data\n");
  ASSERT_EQ(::chmod(path_.c_str(), 0640), 0);
  std::string line = open_error(request_for(path_, 0600));
  EXPECT_SAYS(line, path_);
  EXPECT_SAYS(line, "a regular file");
  EXPECT_EQ(dir_.read("listen.sock"), "precious data\n");
  auto status = lstat_of(path_);
  ASSERT_TRUE(status.has_value());
  EXPECT_TRUE(S_ISREG(status->st_mode));
  EXPECT_EQ(status->st_mode & 07777, 0640u);
}

TEST_F(ListenSocketFileTest, DirectoryIsRefusedAndUntouched) {
  ASSERT_EQ(::mkdir(path_.c_str(), 0750), 0);
  dir_.write("listen.sock/inside", "x");
  std::string line = open_error(request_for(path_));
  EXPECT_SAYS(line, path_);
  EXPECT_SAYS(line, "a directory");
  auto status = lstat_of(path_);
  ASSERT_TRUE(status.has_value());
  EXPECT_TRUE(S_ISDIR(status->st_mode));
  EXPECT_EQ(dir_.read("listen.sock/inside"), "x");
}

TEST_F(ListenSocketFileTest, SymlinkIsRefusedAndUntouched) {
  // Even one that points at a stale socket: the link is not followed.
  std::string target = dir_.file("target.sock");
  make_stale_socket(target);
  ASSERT_EQ(::symlink(target.c_str(), path_.c_str()), 0);
  std::string line = open_error(request_for(path_));
  EXPECT_SAYS(line, path_);
  EXPECT_SAYS(line, "a symbolic link");
  auto status = lstat_of(path_);
  ASSERT_TRUE(status.has_value());
  EXPECT_TRUE(S_ISLNK(status->st_mode));
  char link[256] = {};
  ASSERT_GT(::readlink(path_.c_str(), link, sizeof(link) - 1), 0);
  EXPECT_EQ(std::string(link), target);
  EXPECT_TRUE(exists(target));
}

TEST_F(ListenSocketFileTest, DanglingSymlinkIsRefusedAndUntouched) {
  ASSERT_EQ(::symlink(dir_.file("nowhere").c_str(), path_.c_str()), 0);
  std::string line = open_error(request_for(path_));
  EXPECT_SAYS(line, "a symbolic link");
  EXPECT_TRUE(exists(path_));
  EXPECT_FALSE(exists(dir_.file("nowhere")));
}

TEST_F(ListenSocketFileTest, PathTooLongIsRefusedNamingItsLength) {
  std::size_t room = sizeof(sockaddr_un::sun_path) - 1;  // 107: a path needs its NUL
  std::string prefix = dir_.path() + "/";
  ASSERT_LT(prefix.size(), room);
  std::string longest = prefix + std::string(room - prefix.size(), 'a');
  ASSERT_EQ(longest.size(), room);
  {
    ListenSocketFile file = ListenSocketFile::open(request_for(longest));
    EXPECT_TRUE(exists(longest));
  }
  EXPECT_FALSE(exists(longest));

  std::string too_long = longest + "b";
  std::string line = open_error(request_for(too_long));
  EXPECT_SAYS(line, too_long);
  EXPECT_SAYS(line, "at most " + std::to_string(room));
  EXPECT_SAYS(line, "has " + std::to_string(too_long.size()));
  EXPECT_FALSE(exists(too_long));
}

TEST_F(ListenSocketFileTest, MissingDirectoryIsRefused) {
  std::string path = dir_.file("no-such-dir/listen.sock");
  std::string line = open_error(request_for(path));
  EXPECT_SAYS(line, path);
  EXPECT_SAYS(line, dir_.file("no-such-dir"));
  EXPECT_SAYS(line, std::strerror(ENOENT));
  EXPECT_FALSE(exists(dir_.file("no-such-dir")));
}

TEST_F(ListenSocketFileTest, PathNamingADirectoryIsRefused) {
  std::string line = open_error(request_for(dir_.path() + "/"));
  EXPECT_SAYS(line, dir_.path() + "/");
}

// --- owner and group (the tests run as root) -----------------------------------

class ListenSocketFileOwner : public ListenSocketFileTest {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "chown needs root";
    ListenSocketFileTest::SetUp();
  }
};

uid_t uid_of(const char* name) {
  passwd* entry = ::getpwnam(name);
  return entry ? entry->pw_uid : static_cast<uid_t>(-1);
}

gid_t gid_of(const char* name) {
  group* entry = ::getgrnam(name);
  return entry ? entry->gr_gid : static_cast<gid_t>(-1);
}

TEST_F(ListenSocketFileOwner, OwnerAndGroupByName) {
  uid_t nobody = uid_of("nobody");
  gid_t nogroup = gid_of("nogroup");
  ASSERT_NE(nobody, static_cast<uid_t>(-1));
  ASSERT_NE(nogroup, static_cast<gid_t>(-1));
  ListenRequest request = request_for(path_, 0660);
  request.owner = "nobody";
  request.group = "nogroup";
  ListenSocketFile file = ListenSocketFile::open(request);
  auto status = lstat_of(path_);
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->st_uid, nobody);
  EXPECT_EQ(status->st_gid, nogroup);
  EXPECT_EQ(status->st_mode & 07777, 0660u);
}

TEST_F(ListenSocketFileOwner, OwnerAndGroupByNumber) {
  ListenRequest request = request_for(path_);
  request.owner = "1234";
  request.group = "4321";
  ListenSocketFile file = ListenSocketFile::open(request);
  auto status = lstat_of(path_);
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->st_uid, 1234u);
  EXPECT_EQ(status->st_gid, 4321u);
}

TEST_F(ListenSocketFileOwner, OwnerAloneKeepsTheGroup) {
  ListenRequest request = request_for(path_);
  request.owner = "1234";
  ListenSocketFile file = ListenSocketFile::open(request);
  auto status = lstat_of(path_);
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->st_uid, 1234u);
  EXPECT_EQ(status->st_gid, ::getegid());
}

TEST_F(ListenSocketFileOwner, GroupAloneKeepsTheOwner) {
  ListenRequest request = request_for(path_);
  request.group = "nogroup";
  ListenSocketFile file = ListenSocketFile::open(request);
  auto status = lstat_of(path_);
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->st_uid, ::geteuid());
  EXPECT_EQ(status->st_gid, gid_of("nogroup"));
}

TEST_F(ListenSocketFileOwner, UnknownUserIsRefusedAndNoFileIsLeft) {
  ListenRequest request = request_for(path_);
  request.owner = "no-such-user-dgram";
  std::string line = open_error(request);
  EXPECT_SAYS(line, "--owner no-such-user-dgram");
  EXPECT_SAYS(line, "no such user");
  EXPECT_FALSE(exists(path_));
}

TEST_F(ListenSocketFileOwner, UnknownGroupIsRefusedAndNoFileIsLeft) {
  ListenRequest request = request_for(path_);
  request.owner = "nobody";
  request.group = "no-such-group-dgram";
  std::string line = open_error(request);
  EXPECT_SAYS(line, "--group no-such-group-dgram");
  EXPECT_SAYS(line, "no such group");
  EXPECT_FALSE(exists(path_));
}

// --- removing ------------------------------------------------------------------

TEST_F(ListenSocketFileTest, RemoveTakesOurFileAway) {
  ListenSocketFile file = ListenSocketFile::open(request_for(path_));
  ASSERT_TRUE(exists(path_));
  EXPECT_EQ(file.remove(), std::nullopt);
  EXPECT_FALSE(exists(path_));
  EXPECT_EQ(file.remove(), std::nullopt);  // twice is nothing
}

TEST_F(ListenSocketFileTest, RemoveLeavesASuccessorsSocket) {
  ListenSocketFile file = ListenSocketFile::open(request_for(path_));
  // Another instance replaced it meanwhile (as it replaces a stale one).
  ASSERT_EQ(::unlink(path_.c_str()), 0);
  UniqueFd successor = bound_socket(path_);
  auto successors = lstat_of(path_);
  ASSERT_TRUE(successors.has_value());

  std::optional<std::string> warning = file.remove();
  ASSERT_TRUE(warning.has_value());
  EXPECT_SAYS(*warning, path_);
  EXPECT_SAYS(*warning, "another one replaced it");
  auto after = lstat_of(path_);
  ASSERT_TRUE(after.has_value());
  EXPECT_EQ(after->st_ino, successors->st_ino);
  ASSERT_TRUE(send_to(path_, "to the successor"));
  EXPECT_EQ(receive(successor.get()), "to the successor");
}

TEST_F(ListenSocketFileTest, DestructorLeavesASuccessorsSocket) {
  {
    ListenSocketFile file = ListenSocketFile::open(request_for(path_));
    ASSERT_EQ(::unlink(path_.c_str()), 0);
    make_stale_socket(path_);
  }
  EXPECT_TRUE(exists(path_));
}

TEST_F(ListenSocketFileTest, RemoveAfterSomebodyElseRemovedIt) {
  ListenSocketFile file = ListenSocketFile::open(request_for(path_));
  ASSERT_EQ(::unlink(path_.c_str()), 0);
  EXPECT_EQ(file.remove(), std::nullopt);
  EXPECT_FALSE(exists(path_));
}

TEST_F(ListenSocketFileTest, DestructorRemoves) {
  {
    ListenSocketFile file = ListenSocketFile::open(request_for(path_));
    ASSERT_TRUE(exists(path_));
  }
  EXPECT_FALSE(exists(path_));
}

TEST_F(ListenSocketFileTest, RemovedOnceThenAFileOfSomebodyElseIsKept) {
  {
    ListenSocketFile file = ListenSocketFile::open(request_for(path_));
    ASSERT_EQ(file.remove(), std::nullopt);
    dir_.write("listen.sock", "somebody else's\n");
  }
  EXPECT_EQ(dir_.read("listen.sock"), "somebody else's\n");
}

TEST_F(ListenSocketFileTest, MovedFromObjectDoesNotRemove) {
  auto first = std::make_unique<ListenSocketFile>(ListenSocketFile::open(request_for(path_)));
  ListenSocketFile moved(std::move(*first));
  EXPECT_EQ(moved.path(), path_);
  EXPECT_EQ(moved.how(), "created");
  EXPECT_EQ(first->remove(), std::nullopt);
  first.reset();
  EXPECT_TRUE(exists(path_));
  ASSERT_TRUE(send_to(path_, "after the move"));
  EXPECT_EQ(receive(moved.fd()), "after the move");
  EXPECT_EQ(moved.remove(), std::nullopt);
  EXPECT_FALSE(exists(path_));
}

// --- abstract names ------------------------------------------------------------

TEST_F(ListenSocketFileTest, AbstractNameIsBoundOncePerName) {
  std::string name = "@dgram-test-" + std::to_string(::getpid());
  {
    ListenSocketFile first = ListenSocketFile::open(request_for(name));
    EXPECT_EQ(first.how(), "abstract");
    EXPECT_EQ(first.path(), name);
    ASSERT_TRUE(send_to(name, "abstract hello"));
    EXPECT_EQ(receive(first.fd()), "abstract hello");

    std::string line = open_error(request_for(name));
    EXPECT_SAYS(line, name);
    EXPECT_SAYS(line, "another process is bound");
    EXPECT_EQ(first.remove(), std::nullopt);  // no file: nothing to remove
    ASSERT_TRUE(send_to(name, "still bound"));
    EXPECT_EQ(receive(first.fd()), "still bound");
  }
  ListenSocketFile again = ListenSocketFile::open(request_for(name));
  EXPECT_EQ(again.how(), "abstract");
  ASSERT_TRUE(send_to(name, "again"));
  EXPECT_EQ(receive(again.fd()), "again");
}

TEST_F(ListenSocketFileTest, AbstractNameTooLongIsRefused) {
  std::string name = "@" + std::string(sizeof(sockaddr_un::sun_path), 'n');
  std::string line = open_error(request_for(name));
  EXPECT_SAYS(line, "at most " + std::to_string(sizeof(sockaddr_un::sun_path)));
}

}  // namespace
}  // namespace dgram
