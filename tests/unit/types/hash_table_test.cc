#include "types/hash_table.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace cairn::types {
namespace {

using Table = HashTable<std::string>;

std::map<std::string, std::string> Contents(const Table& t) {
  std::map<std::string, std::string> out;
  for (const auto& [k, v] : t) EXPECT_TRUE(out.emplace(k, v).second) << "visited twice: " << k;
  return out;
}

// Every element a full SCAN returns, with how often it came back.
std::map<std::string, int> FullScan(const Table& t) {
  std::map<std::string, int> seen;
  uint64_t cursor = 0;
  do {
    cursor = t.Scan(cursor, [&](const std::string& k, const std::string&) { seen[k]++; });
  } while (cursor != 0);
  return seen;
}

TEST(HashTableTest, InsertFindErase) {
  Table t;
  EXPECT_TRUE(t.empty());
  EXPECT_TRUE(t.Insert("a", "1"));
  EXPECT_TRUE(t.Insert("b", "2"));
  std::string* slot = nullptr;
  EXPECT_FALSE(t.Insert("a", "other", &slot));
  ASSERT_NE(slot, nullptr);
  EXPECT_EQ(*slot, "1");  // an existing key keeps its value
  *slot = "changed";
  EXPECT_EQ(*t.Find("a"), "changed");
  EXPECT_TRUE(t.Insert("", "empty key", &slot));
  EXPECT_EQ(*slot, "empty key");
  EXPECT_EQ(t.size(), 3u);
  EXPECT_EQ(t.Find("c"), nullptr);
  EXPECT_FALSE(t.Erase("c"));
  EXPECT_TRUE(t.Erase("a"));
  EXPECT_FALSE(t.Erase("a"));
  EXPECT_EQ(t.Find("a"), nullptr);
  EXPECT_EQ(*t.Find(""), "empty key");
  const Table& ct = t;
  EXPECT_EQ(*ct.Find("b"), "2");
  t.Clear();
  EXPECT_EQ(t.size(), 0u);
  EXPECT_EQ(t.Find("b"), nullptr);
  EXPECT_EQ(t.bucket_count(), 4u);
}

TEST(HashTableTest, GrowsAtLoadFactorOneAndShrinksBelowOneEighth) {
  Table t;
  EXPECT_EQ(t.bucket_count(), 4u);
  for (int i = 0; i < 4; i++) t.Insert("k" + std::to_string(i), "");
  EXPECT_EQ(t.bucket_count(), 4u);
  t.Insert("k4", "");
  EXPECT_EQ(t.bucket_count(), 8u);
  for (int i = 5; i < 1000; i++) t.Insert("k" + std::to_string(i), "");
  EXPECT_EQ(t.bucket_count(), 1024u);
  for (int i = 0; i < 1000; i++) {
    ASSERT_TRUE(t.Erase("k" + std::to_string(i)));
    // Never below the minimum, never left sparser than 1/8 once it can shrink.
    ASSERT_GE(t.bucket_count(), 4u);
    if (t.bucket_count() > 4) {
      ASSERT_GE(t.size() * 8 + 8, t.bucket_count()) << i;
    }
  }
  EXPECT_EQ(t.bucket_count(), 4u);
}

TEST(HashTableTest, ReserveAvoidsGrowingOnTheWay) {
  Table t;
  t.Insert("x", "y");
  t.Reserve(100);
  const size_t buckets = t.bucket_count();
  EXPECT_GE(buckets, 100u);
  for (int i = 0; i < 99; i++) t.Insert(std::to_string(i), "");
  EXPECT_EQ(t.bucket_count(), buckets);
  EXPECT_EQ(*t.Find("x"), "y");
  EXPECT_EQ(t.size(), 100u);
}

TEST(HashTableTest, CopyIsDeep) {
  Table t;
  for (int i = 0; i < 50; i++) t.Insert("k" + std::to_string(i), "v" + std::to_string(i));
  Table copy(t);
  EXPECT_EQ(Contents(copy), Contents(t));
  *copy.Find("k1") = "changed";
  copy.Erase("k2");
  copy.Insert("new", "");
  EXPECT_EQ(*t.Find("k1"), "v1");
  EXPECT_NE(t.Find("k2"), nullptr);
  EXPECT_EQ(t.Find("new"), nullptr);
  EXPECT_EQ(t.size(), 50u);
}

TEST(HashTableTest, ScanOfAStableTableReturnsEachElementOnce) {
  for (int n : {0, 1, 3, 100, 1000}) {
    Table t;
    for (int i = 0; i < n; i++) t.Insert("k" + std::to_string(i), "");
    const std::map<std::string, int> seen = FullScan(t);
    EXPECT_EQ(seen.size(), static_cast<size_t>(n));
    for (const auto& [k, times] : seen) EXPECT_EQ(times, 1) << k;
  }
}

// SCAN's guarantee: every element present for the whole scan comes back at
// least once, even when the table grows or shrinks between calls.
TEST(HashTableTest, ScanReturnsEveryStableElementAcrossResizes) {
  std::mt19937_64 rng(17);
  for (int round = 0; round < 20; round++) {
    Table t;
    std::set<std::string> stable;
    std::vector<std::string> churn;
    for (int i = 0; i < 50; i++) {
      t.Insert(*stable.insert("s" + std::to_string(round) + "_" + std::to_string(i)).first, "");
    }
    // Start big or small, then grow or shrink in the middle of the scan.
    const bool start_big = round % 2 == 0;
    int next = 0;
    auto add = [&](int k) {
      for (int i = 0; i < k; i++) {
        churn.push_back("c" + std::to_string(next++));
        t.Insert(churn.back(), "");
      }
    };
    auto drop = [&](size_t k) {
      while (k-- > 0 && !churn.empty()) {
        std::swap(churn[rng() % churn.size()], churn.back());
        ASSERT_TRUE(t.Erase(churn.back()));
        churn.pop_back();
      }
    };
    if (start_big) add(2000);
    std::set<std::string> seen;
    std::set<size_t> sizes;
    uint64_t cursor = 0;
    int calls = 0;
    do {
      cursor = t.Scan(cursor, [&](const std::string& k, const std::string&) { seen.insert(k); });
      sizes.insert(t.bucket_count());
      if (start_big) {
        drop(20 + rng() % 40);
      } else if (next < 2000) {
        add(static_cast<int>(rng() % 60));
      }
      ASSERT_LT(++calls, 100000);
    } while (cursor != 0);
    EXPECT_GT(sizes.size(), 2u) << "the table should have resized during the scan";
    for (const std::string& k : stable) EXPECT_EQ(seen.count(k), 1u) << round << " " << k;
  }
}

TEST(HashTableTest, RandomPicksOnlyPresentElementsAndReachesAll) {
  Table t;
  for (int i = 0; i < 30; i++) t.Insert("k" + std::to_string(i), "v" + std::to_string(i));
  for (int i = 0; i < 30; i += 3) t.Erase("k" + std::to_string(i));
  std::mt19937_64 rng(3);
  std::set<std::string> seen;
  for (int i = 0; i < 5000; i++) {
    const Table::Node* n = t.Random(rng);
    ASSERT_NE(n, nullptr);
    ASSERT_NE(t.Find(n->key), nullptr) << n->key;
    ASSERT_EQ(n->value, "v" + n->key.substr(1));
    seen.insert(n->key);
  }
  EXPECT_EQ(seen.size(), 20u);
  Table empty;
  EXPECT_EQ(empty.Random(rng), nullptr);
}

TEST(HashTableTest, RandomOpsMatchAMapModel) {
  std::mt19937_64 rng(2024);
  Table t;
  std::map<std::string, std::string> model;
  for (int op = 0; op < 20000; op++) {
    const std::string k = "k" + std::to_string(rng() % (op < 10000 ? 1500 : 150));
    const std::string v = std::to_string(op);
    switch (rng() % 4) {
      case 0:
      case 1: {
        std::string* slot = nullptr;
        const bool inserted = t.Insert(k, v, &slot);
        ASSERT_EQ(inserted, model.emplace(k, v).second);
        ASSERT_EQ(*slot, model[k]);
        break;
      }
      case 2:
        ASSERT_EQ(t.Erase(k), model.erase(k) == 1);
        break;
      default: {
        const std::string* got = t.Find(k);
        auto it = model.find(k);
        ASSERT_EQ(got == nullptr, it == model.end());
        if (got != nullptr) {
          ASSERT_EQ(*got, it->second);
        }
      }
    }
    ASSERT_EQ(t.size(), model.size());
    if (op % 1000 == 0) {
      ASSERT_EQ(Contents(t), model);
    }
  }
  EXPECT_EQ(Contents(t), model);
}

TEST(HashTableTest, EmptyValuesForSets) {
  HashTable<Empty> s;
  EXPECT_TRUE(s.Insert("m", {}));
  EXPECT_FALSE(s.Insert("m", {}));
  EXPECT_NE(s.Find("m"), nullptr);
  EXPECT_GT(s.MemoryUsage(), 0u);
}

}  // namespace
}  // namespace cairn::types
