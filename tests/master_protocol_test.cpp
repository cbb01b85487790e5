// SPDX-License-Identifier: MIT
// master_protocol_test - status records, generations and flow tokens.
#include "start/master_protocol.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <csignal>
#include <cstring>

#include "dgram/error.h"
#include "dgram/unique_fd.h"
#include "serve/flow_token.h"

namespace dgram {
namespace {

struct GenerationCase {
  std::string text;
  unsigned value;
};

class Generations : public ::testing::TestWithParam<GenerationCase> {};

TEST_P(Generations, ParseAsOctal) { EXPECT_EQ(parse_generation(GetParam().text), GetParam().value); }

INSTANTIATE_TEST_SUITE_P(Table, Generations,
                         ::testing::Values(GenerationCase{"0", 0}, GenerationCase{"1", 1},
                                           GenerationCase{"17", 15}, GenerationCase{"0777", 511},
                                           GenerationCase{"37777777777", 0xffffffffu}));

class BadGenerations : public ::testing::TestWithParam<std::string> {};

TEST_P(BadGenerations, AreFatalNamingTheValue) {
  try {
    parse_generation(GetParam());
    FAIL() << "accepted " << GetParam();
  } catch (const Fatal& error) {
    EXPECT_EQ(std::string(error.what()).rfind("bad generation: " + GetParam(), 0), 0u) << error.what();
  }
}

INSTANTIATE_TEST_SUITE_P(Table, BadGenerations,
                         ::testing::Values("", "8", "19", "-1", "1 ", "abc", "0x10",
                                           "40000000000"));

TEST(StatusChannel, WritesOneTwelveByteRecordPerNotice) {
  int fds[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
  UniqueFd master(fds[0]), child(fds[1]);
  StatusChannel channel(child.get(), 4242, 077);
  ASSERT_TRUE(channel.notify(ChildStatus::taken));
  ASSERT_TRUE(channel.notify(ChildStatus::avail));
  unsigned char bytes[64];
  ssize_t n = ::recv(master.get(), bytes, sizeof(bytes), MSG_DONTWAIT);
  ASSERT_EQ(n, 24);
  StatusRecord first, second;
  std::memcpy(&first, bytes, 12);
  std::memcpy(&second, bytes + 12, 12);
  EXPECT_EQ(first.pid, 4242);
  EXPECT_EQ(first.generation, 077u);
  EXPECT_EQ(first.avail, 0);
  EXPECT_EQ(second.avail, 1);
}

TEST(StatusChannel, ReportsFailureWhenTheMasterIsGone) {
  int fds[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
  UniqueFd master(fds[0]), child(fds[1]);
  master.reset();
  ::signal(SIGPIPE, SIG_IGN);
  StatusChannel channel(child.get(), 1, 0);
  EXPECT_FALSE(channel.notify(ChildStatus::avail));
}

TEST(FlowToken, TakesOneByteWhenAvailableAndNeverBlocks) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  UniqueFd read_end(fds[0]), write_end(fds[1]);
  EXPECT_FALSE(take_flow_token(read_end.get()));  // empty: returns at once
  ASSERT_EQ(::write(write_end.get(), "ab", 2), 2);
  EXPECT_TRUE(take_flow_token(read_end.get()));
  EXPECT_TRUE(take_flow_token(read_end.get()));
  EXPECT_FALSE(take_flow_token(read_end.get()));
}

}  // namespace
}  // namespace dgram
