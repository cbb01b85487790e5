// SPDX-License-Identifier: MIT
// serve_rules_test - one lost, the rest served; a failing batch counted; the
// gate's failure reported as the gate's; on_socket policed.
#include "serve/serve_rules.h"

#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <string>
#include <vector>

#include "dgram/config.h"
#include "dgram/error.h"
#include "base/event_loop.h"
#include "dgram/log.h"
#include "dgram/unique_fd.h"
#include "serve/service_events.h"
#include "start/master_supervisor.h"

namespace dgram {
namespace {

class ServeRulesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    int fds[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, fds), 0);
    receiving_.reset(fds[0]);
    sending_.reset(fds[1]);
    log_.set_sink([this](Severity, std::string_view line) { lines_.emplace_back(line); });
    events_.set_context(&context_);
  }
  void send(const std::string& text) {
    ASSERT_EQ(::send(sending_.get(), text.data(), text.size(), 0), static_cast<ssize_t>(text.size()));
  }
  std::size_t receive(BatchReceiver& receiver) {
    int count = receiver.receive(receiving_.get(), 64);
    EXPECT_GE(count, 0);
    return static_cast<std::size_t>(count);
  }

  UniqueFd receiving_;
  UniqueFd sending_;
  Log log_{"test"};
  std::vector<std::string> lines_;
  Config config_;
  EventBase base_;
  ServiceEvents events_{base_};
  std::vector<std::string> args_;
  Context context_{"svc", args_, log_, config_, events_};
};

TEST_F(ServeRulesTest, ADatagramWhoseCallbackThrowsIsTheOnlyOneLost) {
  std::vector<std::string> served;
  Service service;
  service.on_datagram = [&](const Datagram& d, Context&) {
    if (d.data == "two") throw std::runtime_error("boom");
    served.emplace_back(d.data);
  };
  BatchServer server(service, context_, nullptr, 64);
  BatchReceiver receiver(4096, 64);
  for (const char* d : {"one", "two", "three"}) send(d);
  std::size_t count = receive(receiver);
  ASSERT_EQ(count, 3u);
  try {
    server.serve(receiver, count, receiving_.get(), 0, nullptr);
    FAIL() << "no Fatal";
  } catch (const Fatal& fatal) {
    EXPECT_STREQ(fatal.what(), "unexpected error: boom (datagram 2 of a batch of 3; the other 2 were served)");
  }
  EXPECT_EQ(served, (std::vector<std::string>{"one", "three"}));
}

TEST_F(ServeRulesTest, AFailingBatchSaysHowManyItHeld) {
  Service service;
  service.on_batch = [](std::span<const Datagram>, Context&) { throw Fatal("write failed"); };
  BatchServer server(service, context_, nullptr, 64);
  BatchReceiver receiver(4096, 64);
  for (const char* d : {"a", "b", "c"}) send(d);
  std::size_t count = receive(receiver);
  try {
    server.serve(receiver, count, receiving_.get(), 0, nullptr);
    FAIL() << "no Fatal";
  } catch (const Fatal& fatal) {
    EXPECT_STREQ(fatal.what(), "write failed (in a batch of 3 datagrams, none of them known to be served)");
  }
}

// A gate whose release fails: the skeleton's failure, not the service's.
class BrokenGate final : public Gate {
 public:
  bool acquire() override { return true; }
  void release() override { throw Fatal("unlock /q/pid/unix-dgram.svc: Read-only file system", EROFS); }
};

TEST_F(ServeRulesTest, TheGatesFailureBetweenDatagramsIsReportedAsTheGatesAfterTheRestIsServed) {
  std::vector<std::string> served;
  Service service;
  service.on_datagram = [&](const Datagram& d, Context&) { served.emplace_back(d.data); };
  BatchServer server(service, context_, nullptr, 64);
  BatchReceiver receiver(4096, 64);
  BrokenGate gate;
  MasterSupervisor status(StatusChannel(-1, ::getpid(), 0));
  HandOff hand_off(&gate, status, HandOffSettings{1, false, true});  // busy after 1 ns
  hand_off.gate_taken();
  hand_off.begin(false, 1);
  for (const char* d : {"one", "two", "three"}) send(d);
  std::size_t count = receive(receiver);
  try {
    server.serve(receiver, count, receiving_.get(), 0, &hand_off);
    FAIL() << "no Fatal";
  } catch (const Fatal& fatal) {
    EXPECT_STREQ(fatal.what(), "unlock /q/pid/unix-dgram.svc: Read-only file system");
    EXPECT_EQ(fatal.error_number(), EROFS);
  }
  EXPECT_EQ(served, (std::vector<std::string>{"one", "two", "three"}));
}

TEST_F(ServeRulesTest, ASocketServiceIsHeldToWhatItMayRead) {
  Service service;
  std::size_t says = 5;
  service.on_socket = [&](const SocketReady&, Context&) { return says; };
  BatchServer server(service, context_, nullptr, 64);
  EXPECT_EQ(server.serve_socket(receiving_.get(), 5), 5u);
  EXPECT_THROW(server.serve_socket(receiving_.get(), 4), Fatal);
  says = 0;
  for (unsigned i = 1; i < kMaxEmptySocketTurns; ++i) EXPECT_EQ(server.serve_socket(receiving_.get(), 4), 0u);
  EXPECT_THROW(server.serve_socket(receiving_.get(), 4), Fatal);
}

TEST_F(ServeRulesTest, ATruncatedDatagramIsMarkedAndLogged) {
  Service service;
  std::size_t length = 0;
  bool truncated = false;
  service.on_datagram = [&](const Datagram& d, Context&) {
    length = d.length;
    truncated = d.truncated;
  };
  BatchServer server(service, context_, nullptr, 64);
  BatchReceiver receiver(4, 64);
  send("0123456789");
  std::size_t count = receive(receiver);
  server.serve(receiver, count, receiving_.get(), 0, nullptr);
  EXPECT_EQ(length, 10u);
  EXPECT_TRUE(truncated);
  ASSERT_EQ(lines_.size(), 1u);
  EXPECT_NE(lines_[0].find("datagram of 10 bytes truncated to the 4-byte receive buffer"), std::string::npos);
}

}  // namespace
}  // namespace dgram
