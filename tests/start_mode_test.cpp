// SPDX-License-Identifier: MIT
// start_mode_test - how a process was started, from its argv and its
// environment: --listen and its companions, systemd's LISTEN_* variables,
// the checks on a passed socket, and the line for anything else.
#include "start/start_mode.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <functional>
#include <map>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <vector>

#include "dgram/error.h"
#include "dgram/unique_fd.h"

namespace dgram {
namespace {

using Words = std::vector<std::string>;

SplitArguments split(const Words& words) { return split_listen_options(words); }

// The Fatal line split_listen_options throws, or "(no error)".
std::string split_error(const Words& words) {
  try {
    (void)split(words);
  } catch (const Fatal& error) {
    return error.what();
  }
  return "(no error)";
}

// --- split_listen_options: what is taken ------------------------------------

struct SplitCase {
  std::string name;
  Words argv;
  std::optional<std::string> path;  // nullopt: no --listen expected
  mode_t mode = 0666;
  std::optional<std::string> owner;
  std::optional<std::string> group;
  Words rest;  // argv after the split, argv[0] first
};

void PrintTo(const SplitCase& c, std::ostream* out) { *out << c.name; }

class SplitListenOptions : public ::testing::TestWithParam<SplitCase> {};

TEST_P(SplitListenOptions, TakesTheListenOptionsAndKeepsTheRest) {
  const SplitCase& c = GetParam();
  SplitArguments result = split(c.argv);
  EXPECT_EQ(result.argv, c.rest);
  if (!c.path) {
    EXPECT_FALSE(result.listen.has_value());
    return;
  }
  ASSERT_TRUE(result.listen.has_value());
  EXPECT_EQ(result.listen->path, *c.path);
  EXPECT_EQ(result.listen->mode, c.mode) << std::oct << result.listen->mode;
  EXPECT_EQ(result.listen->owner, c.owner);
  EXPECT_EQ(result.listen->group, c.group);
}

INSTANTIATE_TEST_SUITE_P(
    Table, SplitListenOptions,
    ::testing::Values(
        SplitCase{"no_options", {"prog"}, std::nullopt, 0666, {}, {}, {"prog"}},
        SplitCase{"only_master_options", {"prog", "-t", "unix-dgram", "-n", "x"}, std::nullopt, 0666, {}, {},
                  {"prog", "-t", "unix-dgram", "-n", "x"}},
        SplitCase{"listen_separate_word", {"prog", "--listen", "/run/x.sock"}, "/run/x.sock", 0666, {}, {},
                  {"prog"}},
        SplitCase{"listen_equals", {"prog", "--listen=/run/x.sock"}, "/run/x.sock", 0666, {}, {}, {"prog"}},
        SplitCase{"listen_abstract", {"prog", "--listen", "@dgram-x"}, "@dgram-x", 0666, {}, {}, {"prog"}},
        SplitCase{"mode_leading_zero", {"prog", "--listen", "/s", "--mode", "0600"}, "/s", 0600, {}, {},
                  {"prog"}},
        SplitCase{"mode_without_zero", {"prog", "--listen", "/s", "--mode", "600"}, "/s", 0600, {}, {},
                  {"prog"}},
        SplitCase{"mode_equals", {"prog", "--listen", "/s", "--mode=0640"}, "/s", 0640, {}, {}, {"prog"}},
        SplitCase{"mode_all_zero", {"prog", "--listen", "/s", "--mode", "0000"}, "/s", 0, {}, {}, {"prog"}},
        SplitCase{"mode_highest", {"prog", "--listen", "/s", "--mode", "777"}, "/s", 0777, {}, {}, {"prog"}},
        SplitCase{"owner_and_group", {"prog", "--listen", "/s", "--owner", "nobody", "--group", "nogroup"}, "/s",
                  0666, "nobody", "nogroup", {"prog"}},
        SplitCase{"owner_and_group_equals", {"prog", "--listen=/s", "--owner=1234", "--group=4321"}, "/s", 0666,
                  "1234", "4321", {"prog"}},
        SplitCase{"companions_before_listen",
                  {"prog", "--mode", "0600", "--owner", "u", "--group", "g", "--listen", "/s"}, "/s", 0600, "u",
                  "g", {"prog"}},
        SplitCase{"listen_between_companions",
                  {"prog", "--group=g", "--listen=/s", "--mode=0660", "--owner=u"}, "/s", 0660, "u", "g",
                  {"prog"}},
        SplitCase{"rest_kept", {"prog", "--listen", "/s", "-V", "-o", "x=y", "args"}, "/s", 0666, {}, {},
                  {"prog", "-V", "-o", "x=y", "args"}},
        SplitCase{"rest_kept_after_all", {"prog", "--listen", "/s", "--mode", "0600", "-V", "-o", "x=y", "args"},
                  "/s", 0600, {}, {}, {"prog", "-V", "-o", "x=y", "args"}},
        // Only the front of argv: once a single-letter option is seen, the
        // rest is the usual parser's, --listen included.
        SplitCase{"listen_after_letters_is_not_taken", {"prog", "-V", "--listen", "/s"}, std::nullopt, 0666, {}, {},
                  {"prog", "-V", "--listen", "/s"}},
        SplitCase{"double_dash_ends_the_options", {"prog", "--listen", "/s", "--", "--mode", "0600"}, "/s", 0666,
                  {}, {}, {"prog", "--", "--mode", "0600"}}),
    [](const ::testing::TestParamInfo<SplitCase>& info) { return info.param.name; });

TEST(SplitListenOptionsEdge, EmptyArgvGivesNothing) {
  SplitArguments result = split_listen_options(std::span<const std::string>());
  EXPECT_FALSE(result.listen.has_value());
  EXPECT_TRUE(result.argv.empty());
}

// --- split_listen_options: what is refused ----------------------------------

struct SplitErrorCase {
  std::string name;
  Words argv;
  std::vector<std::string> says;  // every one of these is in the line
};

void PrintTo(const SplitErrorCase& c, std::ostream* out) { *out << c.name; }

class SplitListenOptionsErrors : public ::testing::TestWithParam<SplitErrorCase> {};

TEST_P(SplitListenOptionsErrors, RefusedWithALineNamingTheValue) {
  const SplitErrorCase& c = GetParam();
  std::string line = split_error(c.argv);
  ASSERT_NE(line, "(no error)");
  for (const std::string& part : c.says) EXPECT_NE(line.find(part), std::string::npos) << "line: " << line;
}

INSTANTIATE_TEST_SUITE_P(
    Table, SplitListenOptionsErrors,
    ::testing::Values(
        SplitErrorCase{"mode_digit_8", {"prog", "--listen", "/s", "--mode", "0800"}, {"--mode 0800", "octal"}},
        SplitErrorCase{"mode_sticky_bit", {"prog", "--listen", "/s", "--mode", "01777"}, {"--mode 01777"}},
        SplitErrorCase{"mode_setuid_four_digits", {"prog", "--listen", "/s", "--mode", "4777"},
                       {"--mode 4777", "permission bits"}},
        SplitErrorCase{"mode_letters", {"prog", "--listen", "/s", "--mode", "abc"}, {"--mode abc"}},
        SplitErrorCase{"mode_negative", {"prog", "--listen", "/s", "--mode=-600"}, {"--mode -600"}},
        SplitErrorCase{"mode_empty_equals", {"prog", "--listen", "/s", "--mode="}, {"--mode", "empty"}},
        SplitErrorCase{"mode_empty_word", {"prog", "--listen", "/s", "--mode", ""}, {"--mode", "empty"}},
        SplitErrorCase{"listen_empty_equals", {"prog", "--listen="}, {"--listen", "empty"}},
        SplitErrorCase{"mode_without_listen", {"prog", "--mode", "0600"}, {"--mode", "--listen"}},
        SplitErrorCase{"owner_without_listen", {"prog", "--owner", "nobody", "-V"}, {"--owner", "--listen"}},
        SplitErrorCase{"group_without_listen", {"prog", "--group=nogroup"}, {"--group", "--listen"}},
        SplitErrorCase{"unknown_option", {"prog", "--foo", "bar"}, {"--foo"}},
        SplitErrorCase{"unknown_option_with_value", {"prog", "--listen", "/s", "--socket-mode=0600"},
                       {"--socket-mode"}},
        SplitErrorCase{"listen_value_missing", {"prog", "--listen"}, {"--listen", "requires a value"}},
        SplitErrorCase{"mode_value_missing", {"prog", "--listen", "/s", "--mode"}, {"--mode", "requires a value"}},
        SplitErrorCase{"owner_value_missing", {"prog", "--listen", "/s", "--owner"},
                       {"--owner", "requires a value"}},
        SplitErrorCase{"listen_twice", {"prog", "--listen", "/a", "--listen=/b"}, {"--listen", "/a", "/b"}},
        SplitErrorCase{"abstract_with_mode", {"prog", "--listen", "@name", "--mode", "0600"},
                       {"@name", "abstract", "--mode"}},
        SplitErrorCase{"abstract_with_owner", {"prog", "--owner", "nobody", "--listen=@name"},
                       {"@name", "abstract"}},
        SplitErrorCase{"abstract_with_group", {"prog", "--listen=@name", "--group", "nogroup"},
                       {"@name", "abstract"}}),
    [](const ::testing::TestParamInfo<SplitErrorCase>& info) { return info.param.name; });

// --- activated_sockets -------------------------------------------------------

using Env = std::map<std::string, std::string>;

constexpr pid_t kPid = 4242;
constexpr unsigned long long kPidfdId = 987654;

std::optional<unsigned long long> our_pidfd_id() { return kPidfdId; }
std::optional<unsigned long long> no_pidfd_id() { return std::nullopt; }

std::string activation_error(const Env& env,
                             const std::function<std::optional<unsigned long long>()>& pidfd_id = our_pidfd_id) {
  try {
    (void)activated_sockets(env, kPid, pidfd_id);
  } catch (const Fatal& error) {
    return error.what();
  }
  return "(no error)";
}

#define EXPECT_SAYS(line, part) EXPECT_NE((line).find(part), std::string::npos) << "line: " << (line)

TEST(ActivatedSockets, NoneSetIsNotActivation) {
  int asked = 0;
  auto counting = [&asked]() -> std::optional<unsigned long long> {
    ++asked;
    return kPidfdId;
  };
  EXPECT_FALSE(activated_sockets({}, kPid, counting).has_value());
  EXPECT_FALSE(activated_sockets({{"PATH", "/usr/bin"}, {"NOTIFY_SOCKET", "/run/n"}}, kPid, counting).has_value());
  EXPECT_EQ(asked, 0);
}

TEST(ActivatedSockets, OneSocketWithoutNames) {
  auto sockets = activated_sockets({{"LISTEN_PID", "4242"}, {"LISTEN_FDS", "1"}}, kPid, our_pidfd_id);
  ASSERT_TRUE(sockets.has_value());
  EXPECT_EQ(sockets->fds, (std::vector<int>{3}));
  EXPECT_EQ(sockets->names, (std::vector<std::string>{""}));
}

TEST(ActivatedSockets, SeveralSocketsFromFdThree) {
  auto sockets = activated_sockets({{"LISTEN_PID", "4242"}, {"LISTEN_FDS", "3"}}, kPid, our_pidfd_id);
  ASSERT_TRUE(sockets.has_value());
  EXPECT_EQ(sockets->fds, (std::vector<int>{3, 4, 5}));
  EXPECT_EQ(sockets->names, (std::vector<std::string>{"", "", ""}));
}

TEST(ActivatedSockets, TheMostSocketsTaken) {
  auto sockets = activated_sockets({{"LISTEN_PID", "4242"}, {"LISTEN_FDS", "1024"}}, kPid, our_pidfd_id);
  ASSERT_TRUE(sockets.has_value());
  ASSERT_EQ(sockets->fds.size(), 1024u);
  EXPECT_EQ(sockets->fds.front(), 3);
  EXPECT_EQ(sockets->fds.back(), 1026);
}

TEST(ActivatedSockets, NamesMatchingTheCount) {
  auto one = activated_sockets({{"LISTEN_PID", "4242"}, {"LISTEN_FDS", "1"}, {"LISTEN_FDNAMES", "echo.socket"}},
                               kPid, our_pidfd_id);
  ASSERT_TRUE(one.has_value());
  EXPECT_EQ(one->names, (std::vector<std::string>{"echo.socket"}));

  auto with_empty = activated_sockets({{"LISTEN_PID", "4242"}, {"LISTEN_FDS", "3"}, {"LISTEN_FDNAMES", "a::b"}},
                                      kPid, our_pidfd_id);
  ASSERT_TRUE(with_empty.has_value());
  EXPECT_EQ(with_empty->fds, (std::vector<int>{3, 4, 5}));
  EXPECT_EQ(with_empty->names, (std::vector<std::string>{"a", "", "b"}));

  auto all_empty = activated_sockets({{"LISTEN_PID", "4242"}, {"LISTEN_FDS", "2"}, {"LISTEN_FDNAMES", ":"}},
                                     kPid, our_pidfd_id);
  ASSERT_TRUE(all_empty.has_value());
  EXPECT_EQ(all_empty->names, (std::vector<std::string>{"", ""}));
}

TEST(ActivatedSockets, NamesNotMatchingTheCount) {
  std::string more = activation_error({{"LISTEN_PID", "4242"}, {"LISTEN_FDS", "2"}, {"LISTEN_FDNAMES", "a:b:c"}});
  EXPECT_SAYS(more, "LISTEN_FDNAMES=a:b:c");
  EXPECT_SAYS(more, "LISTEN_FDS=2");
  EXPECT_SAYS(more, "names 3");

  std::string fewer = activation_error({{"LISTEN_PID", "4242"}, {"LISTEN_FDS", "2"}, {"LISTEN_FDNAMES", "a"}});
  EXPECT_SAYS(fewer, "LISTEN_FDNAMES=a ");
  EXPECT_SAYS(fewer, "names 1");

  std::string empty_names = activation_error({{"LISTEN_PID", "4242"}, {"LISTEN_FDS", "2"}, {"LISTEN_FDNAMES", ""}});
  EXPECT_SAYS(empty_names, "LISTEN_FDNAMES=");
  EXPECT_SAYS(empty_names, "names 1");
}

TEST(ActivatedSockets, AnotherProcessesSocketsAreRefused) {
  std::string line = activation_error({{"LISTEN_PID", "4343"}, {"LISTEN_FDS", "1"}});
  EXPECT_SAYS(line, "LISTEN_PID=4343");
  EXPECT_SAYS(line, "pid 4242");
}

TEST(ActivatedSockets, ListenPidThatIsNoPid) {
  for (const char* value : {"abc", "0", "-5", "", " 4242", "4242x", "99999999999999999999", "2147483648"}) {
    std::string line = activation_error({{"LISTEN_PID", value}, {"LISTEN_FDS", "1"}});
    EXPECT_SAYS(line, std::string("invalid LISTEN_PID=") + value + ":");
  }
}

TEST(ActivatedSockets, ListenFdsThatIsNoCount) {
  std::string zero = activation_error({{"LISTEN_PID", "4242"}, {"LISTEN_FDS", "0"}});
  EXPECT_SAYS(zero, "LISTEN_FDS=0");
  for (const char* value : {"abc", "2000", "1025", "-1", "", "1 "}) {
    std::string line = activation_error({{"LISTEN_PID", "4242"}, {"LISTEN_FDS", value}});
    EXPECT_SAYS(line, std::string("invalid LISTEN_FDS=") + value + ":");
  }
}

TEST(ActivatedSockets, ListenFdsWithoutListenPid) {
  std::string line = activation_error({{"LISTEN_FDS", "2"}});
  EXPECT_SAYS(line, "LISTEN_FDS=2");
  EXPECT_SAYS(line, "without LISTEN_PID");
}

TEST(ActivatedSockets, ListenPidWithoutListenFds) {
  std::string line = activation_error({{"LISTEN_PID", "4242"}});
  EXPECT_SAYS(line, "LISTEN_PID=4242");
  EXPECT_SAYS(line, "without LISTEN_FDS");
}

TEST(ActivatedSockets, PidfdIdThatMatches) {
  auto sockets = activated_sockets(
      {{"LISTEN_PID", "4242"}, {"LISTEN_PIDFDID", std::to_string(kPidfdId)}, {"LISTEN_FDS", "1"}}, kPid,
      our_pidfd_id);
  ASSERT_TRUE(sockets.has_value());
  EXPECT_EQ(sockets->fds, (std::vector<int>{3}));
}

TEST(ActivatedSockets, PidfdIdOfAnEarlierProcess) {
  // The pid was reused: systemd passed the sockets to another process.
  std::string line =
      activation_error({{"LISTEN_PID", "4242"}, {"LISTEN_PIDFDID", "123"}, {"LISTEN_FDS", "1"}});
  EXPECT_SAYS(line, "LISTEN_PIDFDID=123");
  EXPECT_SAYS(line, std::to_string(kPidfdId));
}

TEST(ActivatedSockets, PidfdIdThatIsNoNumber) {
  for (const char* value : {"xyz", "", "-1", "12 "}) {
    std::string line = activation_error({{"LISTEN_PID", "4242"}, {"LISTEN_PIDFDID", value}, {"LISTEN_FDS", "1"}});
    EXPECT_SAYS(line, std::string("invalid LISTEN_PIDFDID=") + value + ":");
  }
}

TEST(ActivatedSockets, PidfdIdAcceptedWhereTheKernelHasNone) {
  auto sockets = activated_sockets({{"LISTEN_PID", "4242"}, {"LISTEN_PIDFDID", "123"}, {"LISTEN_FDS", "2"}},
                                   kPid, no_pidfd_id);
  ASSERT_TRUE(sockets.has_value());
  EXPECT_EQ(sockets->fds, (std::vector<int>{3, 4}));
}

TEST(ActivatedSockets, PidfdIdAskedOnlyWhenListenPidfdidIsSet) {
  int asked = 0;
  auto counting = [&asked]() -> std::optional<unsigned long long> {
    ++asked;
    return kPidfdId;
  };
  ASSERT_TRUE(activated_sockets({{"LISTEN_PID", "4242"}, {"LISTEN_FDS", "1"}}, kPid, counting).has_value());
  EXPECT_EQ(asked, 0);
  ASSERT_TRUE(activated_sockets(
                  {{"LISTEN_PID", "4242"}, {"LISTEN_PIDFDID", std::to_string(kPidfdId)}, {"LISTEN_FDS", "1"}},
                  kPid, counting)
                  .has_value());
  EXPECT_EQ(asked, 1);
}

// --- own_pidfd_id ------------------------------------------------------------

TEST(OwnPidfdId, IsTheInodeOfAPidfdOfThisProcess) {
  std::optional<unsigned long long> id = own_pidfd_id();
  ASSERT_TRUE(id.has_value()) << "pidfd_open() is there on this kernel (6.18)";
  UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, ::getpid(), 0)));
  ASSERT_TRUE(pidfd) << std::strerror(errno);
  struct stat status {};
  ASSERT_EQ(::fstat(pidfd.get(), &status), 0);
  EXPECT_EQ(*id, static_cast<unsigned long long>(status.st_ino));
  EXPECT_EQ(own_pidfd_id(), id);  // the same on every call
}

TEST(OwnPidfdId, IsWhatActivationCompares) {
  std::optional<unsigned long long> id = own_pidfd_id();
  ASSERT_TRUE(id.has_value());
  Env env{{"LISTEN_PID", std::to_string(::getpid())}, {"LISTEN_PIDFDID", std::to_string(*id)}, {"LISTEN_FDS", "1"}};
  EXPECT_TRUE(activated_sockets(env, ::getpid(), own_pidfd_id).has_value());
  env["LISTEN_PIDFDID"] = std::to_string(*id + 1);
  EXPECT_THROW((void)activated_sockets(env, ::getpid(), own_pidfd_id), Fatal);
}

// --- check_unix_datagram_socket ------------------------------------------------

std::string check_error(int fd, const std::string& what) {
  try {
    check_unix_datagram_socket(fd, what);
  } catch (const Fatal& error) {
    return error.what();
  }
  return "(no error)";
}

TEST(CheckUnixDatagramSocket, UnixDatagramSocketsPass) {
  int pair[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, pair), 0);
  UniqueFd a(pair[0]);
  UniqueFd b(pair[1]);
  EXPECT_NO_THROW(check_unix_datagram_socket(a.get(), "fd 3 from LISTEN_FDS"));
  UniqueFd unbound(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  ASSERT_TRUE(unbound);
  EXPECT_NO_THROW(check_unix_datagram_socket(unbound.get(), "fd 4 from LISTEN_FDS"));
}

TEST(CheckUnixDatagramSocket, StreamSocketIsRefused) {
  int pair[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), 0);
  UniqueFd a(pair[0]);
  UniqueFd b(pair[1]);
  std::string line = check_error(a.get(), "fd 3 from LISTEN_FDS (name echo.socket)");
  EXPECT_SAYS(line, "fd 3 from LISTEN_FDS (name echo.socket)");
  EXPECT_SAYS(line, "stream socket");
}

TEST(CheckUnixDatagramSocket, SeqpacketSocketIsRefused) {
  int pair[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair), 0);
  UniqueFd a(pair[0]);
  UniqueFd b(pair[1]);
  EXPECT_SAYS(check_error(a.get(), "fd 3"), "seqpacket");
}

TEST(CheckUnixDatagramSocket, InternetSocketIsRefused) {
  // socket() only: nothing is bound, connected or sent.
  UniqueFd udp(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  ASSERT_TRUE(udp);
  std::string line = check_error(udp.get(), "fd 3 from LISTEN_FDS");
  EXPECT_SAYS(line, "fd 3 from LISTEN_FDS");
  EXPECT_SAYS(line, "AF_INET");
  EXPECT_SAYS(line, "not AF_UNIX");
}

TEST(CheckUnixDatagramSocket, PipeIsNotASocket) {
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
  UniqueFd r(fds[0]);
  UniqueFd w(fds[1]);
  std::string line = check_error(r.get(), "fd 3 from LISTEN_FDS");
  EXPECT_SAYS(line, "fd 3 from LISTEN_FDS");
  EXPECT_SAYS(line, "not a socket");
}

TEST(CheckUnixDatagramSocket, ClosedFdIsNotOpen) {
  int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::close(fd), 0);
  std::string line = check_error(fd, "fd " + std::to_string(fd) + " from LISTEN_FDS");
  EXPECT_SAYS(line, "fd " + std::to_string(fd) + " from LISTEN_FDS");
  EXPECT_SAYS(line, "not open");
}

// --- how_to_start_line ---------------------------------------------------------

TEST(HowToStartLine, NamesListenAndTheProgram) {
  std::string line = how_to_start_line("dgram-echo");
  EXPECT_SAYS(line, "dgram-echo --listen PATH");
  EXPECT_SAYS(line, "--mode");
  EXPECT_SAYS(line, "LISTEN_FDS");
  EXPECT_SAYS(line, "unix-dgram");
  EXPECT_EQ(line.find('\n'), std::string::npos);
}

}  // namespace
}  // namespace dgram

// --- start_policy: what each start mode decides, as a table -------------------------

namespace dgram {
namespace {

struct PolicyRow {
  StartKind kind;
  bool main_cf_required, postfix_limits, always_queue_directory, master_supervises, siblings_share_socket;
};

TEST(StartPolicy, EachModeAnswersFromTheTable) {
  const PolicyRow rows[] = {
      {StartKind::postfix_master, true, true, true, true, true},
      {StartKind::socket_activation, false, false, false, false, false},
      {StartKind::standalone, false, false, false, false, false},
  };
  for (const PolicyRow& row : rows) {
    StartPolicy policy = start_policy(row.kind);
    SCOPED_TRACE(static_cast<int>(row.kind));
    EXPECT_EQ(policy.main_cf_required, row.main_cf_required);
    EXPECT_EQ(policy.postfix_limits, row.postfix_limits);
    EXPECT_EQ(policy.always_queue_directory, row.always_queue_directory);
    EXPECT_EQ(policy.master_supervises, row.master_supervises);
    EXPECT_EQ(policy.siblings_share_socket, row.siblings_share_socket);
  }
}

}  // namespace
}  // namespace dgram
