#include <gtest/gtest.h>

#include "tests/unit/engine/engine_harness.h"

namespace cairn::engine {
namespace {

TEST(ConnectionCommandsTest, PingAndEcho) {
  EngineHarness h;
  EXPECT_EQ(h.Run({"PING"}), Simple("PONG"));
  EXPECT_EQ(h.Run({"PING", "hi"}), Bulk("hi"));
  EXPECT_EQ(h.Run({"PING", "a", "b"}), Error("ERR wrong number of arguments for 'ping' command"));
  EXPECT_EQ(h.Run({"ECHO", "x"}), Bulk("x"));
}

TEST(ConnectionCommandsTest, HelloSwitchesProtocolAndNamesTheClient) {
  EngineHarness h;
  Reply r = h.Run({"HELLO", "3", "SETNAME", "app"});
  ASSERT_EQ(r.type, Reply::Type::kMap);
  ASSERT_EQ(r.elements.size(), 14u);
  EXPECT_EQ(r.elements[4], Bulk("proto"));
  EXPECT_EQ(r.elements[5], Int(3));
  EXPECT_EQ(h.client().resp, 3);
  EXPECT_EQ(h.Run({"CLIENT", "GETNAME"}), Bulk("app"));
  // RESP3 null for a missing key.
  EXPECT_EQ(h.Run({"GET", "missing"}).type, Reply::Type::kNull);
}

TEST(ConnectionCommandsTest, HelloErrors) {
  EngineHarness h;
  EXPECT_EQ(h.Run({"HELLO", "4"}), Error("NOPROTO unsupported protocol version"));
  EXPECT_EQ(h.Run({"HELLO", "x"}), Error("ERR Protocol version is not an integer or out of range"));
  EXPECT_EQ(h.Run({"HELLO", "3", "FOO"}), Error("ERR Syntax error in HELLO option 'FOO'"));
  EXPECT_EQ(h.Run({"HELLO", "3", "AUTH", "bob", "pw"}),
            Error("WRONGPASS invalid username-password pair or user is disabled."));
  EXPECT_EQ(h.client().resp, 2);
}

TEST(ConnectionCommandsTest, SelectBounds) {
  EngineHarness h({"--databases", "4"});
  EXPECT_EQ(h.Run({"SELECT", "3"}), Simple("OK"));
  EXPECT_EQ(h.Run({"SELECT", "4"}), Error("ERR DB index is out of range"));
  EXPECT_EQ(h.Run({"SELECT", "-1"}), Error("ERR DB index is out of range"));
  EXPECT_EQ(h.Run({"SELECT", "x"}), Error("ERR value is not an integer or out of range"));
  EXPECT_EQ(h.client().db, 3);
}

TEST(ConnectionCommandsTest, ClientNames) {
  EngineHarness h;
  EXPECT_EQ(h.Run({"CLIENT", "GETNAME"}), Nil());
  EXPECT_EQ(h.Run({"CLIENT", "SETNAME", "a b"}),
            Error("ERR Client names cannot contain spaces, newlines or special characters."));
  EXPECT_EQ(h.Run({"client", "setname", "worker-1"}), Simple("OK"));
  EXPECT_EQ(h.Run({"CLIENT", "GETNAME"}), Bulk("worker-1"));
  EXPECT_EQ(h.Run({"CLIENT", "ID"}), Int(static_cast<int64_t>(h.client().id)));
  EXPECT_EQ(h.Run({"CLIENT", "NOPE"}), Error("ERR unknown subcommand 'NOPE'. Try CLIENT HELP."));
  EXPECT_EQ(h.Run({"CLIENT", "SETNAME"}),
            Error("ERR wrong number of arguments for 'client|setname' command"));
}

TEST(ConnectionCommandsTest, QuitAsksToClose) {
  EngineHarness h;
  EXPECT_EQ(h.Run({"QUIT"}), Simple("OK"));
  EXPECT_TRUE(h.client().close_after_reply);
}

TEST(ConnectionCommandsTest, UnknownCommandTextEchoesArguments) {
  EngineHarness h;
  EXPECT_EQ(h.Run({"FOOBAR", "a", "b"}),
            Error("ERR unknown command 'FOOBAR', with args beginning with: 'a' 'b' "));
}

}  // namespace
}  // namespace cairn::engine
