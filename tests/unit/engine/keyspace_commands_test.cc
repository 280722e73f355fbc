#include <functional>

#include <gtest/gtest.h>

#include "base/clock.h"
#include "tests/unit/engine/engine_harness.h"

namespace cairn::engine {
namespace {

TEST(KeyspaceCommandsTest, DelCountsOnlyExistingKeys) {
  EngineHarness h;
  h.Run({"SET", "a", "1"});
  h.Run({"SET", "b", "2"});
  EXPECT_EQ(h.Run({"DEL", "a", "b", "c", "a"}), Int(2));
  EXPECT_EQ(h.Run({"DBSIZE"}), Int(0));
}

TEST(KeyspaceCommandsTest, ExistsCountsRepeats) {
  EngineHarness h;
  h.Run({"SET", "a", "1"});
  EXPECT_EQ(h.Run({"EXISTS", "a", "a", "b"}), Int(2));
}

TEST(KeyspaceCommandsTest, DatabasesAreSeparate) {
  EngineHarness h;
  h.Run({"SET", "a", "0"});
  EXPECT_EQ(h.Run({"SELECT", "15"}), Simple("OK"));
  EXPECT_EQ(h.Run({"GET", "a"}), Nil());
  h.Run({"SET", "a", "15"});
  EXPECT_EQ(h.Run({"FLUSHDB"}), Simple("OK"));
  EXPECT_EQ(h.Run({"SELECT", "0"}), Simple("OK"));
  EXPECT_EQ(h.Run({"GET", "a"}), Bulk("0"));
  EXPECT_EQ(h.Run({"FLUSHALL", "ASYNC"}), Simple("OK"));
  EXPECT_EQ(h.Run({"DBSIZE"}), Int(0));
}

TEST(KeyspaceCommandsTest, WritesArePropagatedWithTheirDatabase) {
  EngineHarness h;
  h.Run({"SELECT", "3"});
  h.Run({"SET", "a", "1"});
  h.Run({"DEL", "a", "zz"});
  h.Run({"DEL", "zz"});  // deleted nothing: not logged
  h.Run({"FLUSHDB"});    // logged even when empty, as in Redis
  EXPECT_EQ(h.TakePropagated(), (std::vector<Propagated>{{3, {"SET", "a", "1"}},
                                                         {3, {"DEL", "a", "zz"}},
                                                         {3, {"FLUSHDB"}}}));
}

TEST(KeyspaceCommandsTest, FlushRejectsUnknownModes) {
  EngineHarness h;
  EXPECT_EQ(h.Run({"FLUSHDB", "LATER"}), Error("ERR syntax error"));
  EXPECT_EQ(h.Run({"FLUSHALL", "SYNC", "ASYNC"}), Error("ERR syntax error"));
}

}  // namespace
}  // namespace cairn::engine

namespace cairn::engine {
namespace {

TEST(ActiveExpireTest, CronReclaimsExpiredKeysAndLogsDel) {
  EngineHarness h;
  const int64_t now = base::NowMs();
  for (int i = 0; i < 1000; i++) {
    h.Run({"SET", "dead" + std::to_string(i), "v", "PXAT", std::to_string(now + 50)});
  }
  h.Run({"SET", "alive", "v", "PXAT", std::to_string(now + 100000)});
  h.Run({"SET", "forever", "v"});
  h.TakePropagated();
  for (int i = 0; i < 50 && h.engine().keyspace().db(0).size() > 2; i++) {
    h.engine().Cron(now + 1000);
  }
  EXPECT_EQ(h.engine().keyspace().db(0).size(), 2u);
  EXPECT_EQ(h.engine().keyspace().db(0).expires(), 1u);
  auto logged = h.TakePropagated();
  EXPECT_EQ(logged.size(), 1000u);
  EXPECT_EQ(logged.front().argv[0], "DEL");
}

TEST(ActiveExpireTest, DebugCanSwitchItOff) {
  EngineHarness h({"--enable-debug-command", "yes"});
  const int64_t now = base::NowMs();
  h.Run({"SET", "k", "v", "PXAT", std::to_string(now + 10)});
  EXPECT_EQ(h.Run({"DEBUG", "SET-ACTIVE-EXPIRE", "0"}), Simple("OK"));
  h.engine().Cron(now + 1000);
  EXPECT_EQ(h.engine().keyspace().db(0).size(), 1u);  // still there, unexpired lazily
  EXPECT_EQ(h.Run({"DEBUG", "SET-ACTIVE-EXPIRE", "1"}), Simple("OK"));
  h.engine().Cron(now + 1000);
  EXPECT_EQ(h.engine().keyspace().db(0).size(), 0u);
}

}  // namespace
}  // namespace cairn::engine

#include <set>

namespace cairn::engine {
namespace {

// Runs a whole SCAN with COUNT `count`, calling `between` after each call.
std::set<std::string> FullScan(EngineHarness& h, int count, const std::function<void(int)>& between) {
  std::set<std::string> seen;
  std::string cursor = "0";
  int calls = 0;
  do {
    Reply r = h.Run({"SCAN", cursor, "COUNT", std::to_string(count)});
    EXPECT_EQ(r.type, Reply::Type::kArray);
    cursor = r.elements[0].str;
    for (const auto& k : r.elements[1].elements) seen.insert(k.str);
    between(++calls);
  } while (cursor != "0" && calls < 100000);
  return seen;
}

TEST(ScanTest, ReturnsEveryKeyPresentThroughoutWhileTheTableGrowsAndShrinks) {
  EngineHarness h;
  for (int i = 0; i < 2000; i++) h.Run({"SET", "stay:" + std::to_string(i), "v"});
  // Grow the table a lot mid-iteration, then shrink it again.
  auto seen = FullScan(h, 7, [&](int call) {
    if (call == 20) {
      for (int i = 0; i < 20000; i++) h.Run({"SET", "tmp:" + std::to_string(i), "v"});
    }
    if (call == 60) {
      for (int i = 0; i < 20000; i++) h.Run({"DEL", "tmp:" + std::to_string(i)});
    }
  });
  for (int i = 0; i < 2000; i++) {
    EXPECT_TRUE(seen.count("stay:" + std::to_string(i))) << i;
  }
}

TEST(ScanTest, MatchAndTypeFilter) {
  EngineHarness h;
  for (int i = 0; i < 100; i++) h.Run({"SET", (i % 2 ? "odd:" : "even:") + std::to_string(i), "v"});
  std::set<std::string> seen;
  std::string cursor = "0";
  do {
    Reply r = h.Run({"SCAN", cursor, "MATCH", "odd:*", "TYPE", "string"});
    cursor = r.elements[0].str;
    for (const auto& k : r.elements[1].elements) seen.insert(k.str);
  } while (cursor != "0");
  EXPECT_EQ(seen.size(), 50u);
  EXPECT_EQ(h.Run({"SCAN", "0", "TYPE", "list", "COUNT", "1000"}).elements[1].elements.size(), 0u);
}

// Expiries live beside the nodes (KeyTable::expires_), keyed by node: they
// must follow their key through growth, shrinking, erase and swap, and never
// leak onto a later key that reuses the name or the memory.
TEST(KeyTableTest, ExpiriesFollowTheirKeys) {
  KeyTable t, other;
  bool inserted;
  for (int i = 0; i < 5000; i++) {
    Entry& e = t.Insert("k" + std::to_string(i), &inserted);
    if (i % 3 == 0) t.SetExpire(e, 1000 + i);
  }
  EXPECT_EQ(t.expires(), 1667u);
  for (int i = 0; i < 5000; i += 2) t.Erase("k" + std::to_string(i));  // shrinks nothing yet
  EXPECT_EQ(t.expires(), 833u);
  for (int i = 1; i < 5000; i += 2) {
    EXPECT_EQ(t.ExpireOf(*t.Find("k" + std::to_string(i))), i % 3 == 0 ? 1000 + i : -1) << i;
  }
  // A key erased with an expiry comes back without one.
  Entry& back = t.Insert("k0", &inserted);
  EXPECT_TRUE(inserted);
  EXPECT_EQ(t.ExpireOf(back), -1);
  t.SetExpire(*t.Find("k3"), -1);
  EXPECT_EQ(t.ExpireOf(*t.Find("k3")), -1);
  EXPECT_EQ(t.expires(), 832u);
  // Shrink to a few keys, then swap: the expiries go with the table.
  for (int i = 5; i < 5000; i++) t.Erase("k" + std::to_string(i));
  t.Swap(other);
  EXPECT_EQ(t.expires(), 0u);
  EXPECT_EQ(other.expires(), 0u);  // k3's was removed; k1 never had one
  other.SetExpire(*other.Find("k1"), 7);
  KeyTable moved(std::move(other));
  EXPECT_EQ(other.expires(), 0u);
  EXPECT_EQ(moved.ExpireOf(*moved.Find("k1")), 7);
  moved.Clear();
  EXPECT_EQ(moved.expires(), 0u);
}

TEST(KeyspaceTest, SwapdbAndMoveCarryTtls) {
  EngineHarness h;
  h.Run({"SET", "a", "1", "EX", "100"});
  h.Run({"SET", "b", "2"});
  EXPECT_EQ(h.Run({"SWAPDB", "0", "1"}), Simple("OK"));
  EXPECT_EQ(h.Run({"TTL", "a"}), Int(-2));
  h.Run({"SELECT", "1"});
  EXPECT_EQ(h.Run({"TTL", "a"}), Int(100));
  EXPECT_EQ(h.Run({"MOVE", "a", "2"}), Int(1));
  h.Run({"SELECT", "2"});
  EXPECT_EQ(h.Run({"TTL", "a"}), Int(100));
  EXPECT_EQ(h.Run({"RENAME", "a", "c"}), Simple("OK"));
  EXPECT_EQ(h.Run({"TTL", "c"}), Int(100));
  EXPECT_EQ(h.Run({"PERSIST", "c"}), Int(1));
  EXPECT_EQ(h.Run({"TTL", "c"}), Int(-1));
  EXPECT_EQ(h.engine().keyspace().db(2).expires(), 0u);
}

TEST(KeyTableTest, RandomKeyReachesEveryKey) {
  EngineHarness h;
  for (int i = 0; i < 20; i++) h.Run({"SET", "k" + std::to_string(i), "v"});
  std::set<std::string> picked;
  for (int i = 0; i < 2000; i++) picked.insert(h.Run({"RANDOMKEY"}).str);
  EXPECT_EQ(picked.size(), 20u);
}

}  // namespace
}  // namespace cairn::engine

namespace cairn::engine {
namespace {

TEST(ObjectIdleTimeTest, ReadsCountAsAccessButTtlTypeAndObjectDoNot) {
  EngineHarness h;
  h.Run({"SET", "k", "v"});
  EXPECT_EQ(h.Run({"OBJECT", "IDLETIME", "k"}), Int(0));
  auto* e = h.engine().keyspace().db(0).Find("k", base::NowMs(), /*touch=*/false);
  e->value.lru -= 100;  // as if last touched 100 s ago
  h.Run({"TTL", "k"});
  h.Run({"TYPE", "k"});
  h.Run({"EXISTS", "k"});
  Reply idle = h.Run({"OBJECT", "IDLETIME", "k"});
  EXPECT_GE(idle.integer, 100);
  EXPECT_LE(idle.integer, 101);
  h.Run({"GET", "k"});
  EXPECT_EQ(h.Run({"OBJECT", "IDLETIME", "k"}), Int(0));
}

TEST(ObjectIdleTimeTest, RestoreIdletimeSetsIt) {
  EngineHarness h;
  h.Run({"SET", "src", "v"});
  std::string payload = h.Run({"DUMP", "src"}).str;
  EXPECT_EQ(h.Run({"RESTORE", "dst", "0", payload, "IDLETIME", "500"}), Simple("OK"));
  Reply idle = h.Run({"OBJECT", "IDLETIME", "dst"});
  EXPECT_GE(idle.integer, 500);
  EXPECT_LE(idle.integer, 501);
}

}  // namespace
}  // namespace cairn::engine
