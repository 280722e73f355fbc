#include <gtest/gtest.h>

#include "base/clock.h"
#include "tests/unit/engine/engine_harness.h"

namespace cairn::engine {
namespace {

TEST(StringCommandsTest, SetThenGet) {
  EngineHarness h;
  EXPECT_EQ(h.Run({"GET", "k"}), Nil());
  EXPECT_EQ(h.Run({"SET", "k", "v"}), Simple("OK"));
  EXPECT_EQ(h.Run({"get", "k"}), Bulk("v"));
}

TEST(StringCommandsTest, NxAndXxDecideWhetherToWrite) {
  EngineHarness h;
  EXPECT_EQ(h.Run({"SET", "k", "1", "XX"}), Nil());
  EXPECT_EQ(h.Run({"SET", "k", "1", "NX"}), Simple("OK"));
  EXPECT_EQ(h.Run({"SET", "k", "2", "NX"}), Nil());
  EXPECT_EQ(h.Run({"SET", "k", "3", "XX"}), Simple("OK"));
  EXPECT_EQ(h.Run({"GET", "k"}), Bulk("3"));
}

TEST(StringCommandsTest, GetOptionReturnsTheOldValue) {
  EngineHarness h;
  EXPECT_EQ(h.Run({"SET", "k", "1", "GET"}), Nil());
  EXPECT_EQ(h.Run({"SET", "k", "2", "GET"}), Bulk("1"));
  // NX with GET (allowed since 7.0): the old value, and no write.
  EXPECT_EQ(h.Run({"SET", "k", "3", "NX", "GET"}), Bulk("2"));
  EXPECT_EQ(h.Run({"GET", "k"}), Bulk("2"));
}

TEST(StringCommandsTest, ExpiredKeysVanishAndAreLoggedAsDel) {
  EngineHarness h;
  int64_t past = base::NowMs() - 1000;
  EXPECT_EQ(h.Run({"SET", "k", "v", "PXAT", std::to_string(past)}), Simple("OK"));
  h.TakePropagated();
  EXPECT_EQ(h.Run({"GET", "k"}), Nil());
  EXPECT_EQ(h.TakePropagated(), (std::vector<Propagated>{{0, {"DEL", "k"}}}));
}

TEST(StringCommandsTest, RelativeExpiryIsPropagatedAsAbsolute) {
  EngineHarness h;
  int64_t before = base::NowMs();
  EXPECT_EQ(h.Run({"SET", "k", "v", "EX", "100"}), Simple("OK"));
  auto p = h.TakePropagated();
  ASSERT_EQ(p.size(), 1u);
  ASSERT_EQ(p[0].argv.size(), 5u);
  EXPECT_EQ(p[0].argv[3], "PXAT");
  int64_t at = std::stoll(p[0].argv[4]);
  EXPECT_GE(at, before + 100000);
  EXPECT_LE(at, base::NowMs() + 100000);
}

TEST(StringCommandsTest, KeepTtlKeepsTheExpiry) {
  EngineHarness h;
  int64_t future = base::NowMs() + 100000;
  h.Run({"SET", "k", "v", "PXAT", std::to_string(future)});
  EXPECT_EQ(h.Run({"SET", "k", "w", "KEEPTTL"}), Simple("OK"));
  Db& db = h.engine().keyspace().db(0);
  EXPECT_EQ(db.ExpireOf(*db.Find("k", base::NowMs())), future);
  EXPECT_EQ(h.Run({"SET", "k", "x"}), Simple("OK"));
  EXPECT_EQ(db.ExpireOf(*db.Find("k", base::NowMs())), -1);
}

TEST(StringCommandsTest, OptionErrorsMatchRedis) {
  EngineHarness h;
  EXPECT_EQ(h.Run({"SET", "k", "v", "NX", "XX"}), Error("ERR syntax error"));
  EXPECT_EQ(h.Run({"SET", "k", "v", "EX", "1", "PX", "1"}), Error("ERR syntax error"));
  EXPECT_EQ(h.Run({"SET", "k", "v", "EX"}), Error("ERR syntax error"));
  EXPECT_EQ(h.Run({"SET", "k", "v", "KEEPTTL", "EX", "1"}), Error("ERR syntax error"));
  EXPECT_EQ(h.Run({"SET", "k", "v", "EX", "0"}),
            Error("ERR invalid expire time in 'set' command"));
  EXPECT_EQ(h.Run({"SET", "k", "v", "EX", "9223372036854775"}),
            Error("ERR invalid expire time in 'set' command"));
  EXPECT_EQ(h.Run({"SET", "k", "v", "PX", "abc"}),
            Error("ERR value is not an integer or out of range"));
  EXPECT_EQ(h.Run({"SET", "k"}), Error("ERR wrong number of arguments for 'set' command"));
  EXPECT_EQ(h.Run({"GET", "k"}), Nil());  // nothing was written by the failures
  EXPECT_TRUE(h.TakePropagated().empty());
}

TEST(StringCommandsTest, FailedNxWritesNothingToTheLog) {
  EngineHarness h;
  h.Run({"SET", "k", "1"});
  h.TakePropagated();
  h.Run({"SET", "k", "2", "NX"});
  EXPECT_TRUE(h.TakePropagated().empty());
}

}  // namespace
}  // namespace cairn::engine
