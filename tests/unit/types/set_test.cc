#include "types/set.h"

#include <gtest/gtest.h>

#include <random>
#include <set>
#include <string>
#include <vector>

#include "tests/unit/types/test_util.h"
#include "types/intset.h"

namespace cairn::types {
namespace {

std::vector<std::string> Members(const Value& s) {
  std::vector<std::string> out;
  set::ForEach(s, [&](std::string_view m) {
    out.emplace_back(m);
    return true;
  });
  return out;
}

std::set<std::string> Scanned(const Value& s) {
  std::set<std::string> out;
  uint64_t cursor = 0;
  do {
    cursor = set::Scan(s, cursor, [&](std::string_view m) { out.emplace(m); });
  } while (cursor != 0);
  return out;
}

TEST(SetTest, FirstMemberPicksTheEncoding) {
  EXPECT_EQ(set::NewFor("12").enc, Encoding::kIntset);
  EXPECT_EQ(set::NewFor("-9223372036854775808").enc, Encoding::kIntset);
  for (const char* s : {"a", "007", "-0", "+1", " 1", "", "1.5", "9223372036854775808"}) {
    EXPECT_EQ(set::NewFor(s).enc, Encoding::kHashtable) << s;
  }
  EXPECT_STREQ(set::NewIntset().EncodingName(), "intset");
  EXPECT_STREQ(set::NewFor("x").EncodingName(), "hashtable");
}

TEST(SetTest, IntsetHoldsCanonicalIntegersOnly) {
  const set::Limits limits;
  Value s = set::NewIntset();
  EXPECT_TRUE(set::Add(s, "3", limits));
  EXPECT_TRUE(set::Add(s, "-1", limits));
  EXPECT_FALSE(set::Add(s, "3", limits));
  EXPECT_TRUE(set::Contains(s, "3"));
  EXPECT_FALSE(set::Contains(s, "03"));
  EXPECT_FALSE(set::Contains(s, "x"));
  EXPECT_FALSE(set::Remove(s, "03"));
  EXPECT_FALSE(set::Remove(s, "x"));
  EXPECT_EQ(s.enc, Encoding::kIntset);
  EXPECT_EQ(Members(s), (std::vector<std::string>{"-1", "3"}));
  // "03" is not an integer to Redis: the set converts and keeps both.
  EXPECT_TRUE(set::Add(s, "03", limits));
  EXPECT_EQ(s.enc, Encoding::kHashtable);
  EXPECT_TRUE(set::Contains(s, "3"));
  EXPECT_TRUE(set::Contains(s, "03"));
  EXPECT_TRUE(set::Contains(s, "-1"));
  EXPECT_EQ(set::Card(s), 3u);
}

TEST(SetTest, ConvertsPastSetMaxIntsetEntriesAndNeverBack) {
  const set::Limits limits;
  Value s = set::NewIntset();
  for (int i = 0; i < 512; i++) ASSERT_TRUE(set::Add(s, std::to_string(i * 7 - 1000), limits));
  EXPECT_EQ(s.enc, Encoding::kIntset);
  EXPECT_FALSE(set::Add(s, "-1000", limits));  // not new: no conversion
  EXPECT_EQ(s.enc, Encoding::kIntset);
  EXPECT_TRUE(set::Add(s, "5000000000", limits));
  EXPECT_EQ(s.enc, Encoding::kHashtable);
  EXPECT_EQ(set::Card(s), 513u);
  EXPECT_TRUE(set::Contains(s, "5000000000"));
  EXPECT_TRUE(set::Contains(s, "-1000"));
  for (int i = 0; i < 512; i++) ASSERT_TRUE(set::Remove(s, std::to_string(i * 7 - 1000)));
  EXPECT_EQ(s.enc, Encoding::kHashtable);
  EXPECT_EQ(Members(s), (std::vector<std::string>{"5000000000"}));

  set::Limits small;
  small.max_intset_entries = 2;
  Value t = set::NewIntset();
  set::Add(t, "1", small);
  set::Add(t, "2", small);
  EXPECT_EQ(t.enc, Encoding::kIntset);
  set::Add(t, "3", small);
  EXPECT_EQ(t.enc, Encoding::kHashtable);
}

TEST(SetTest, IntsetIteratesInAscendingOrder) {
  const set::Limits limits;
  Value s = set::NewIntset();
  for (const char* m : {"10", "-5", "70000", "0", "-9223372036854775808"}) set::Add(s, m, limits);
  const std::vector<std::string> want = {"-9223372036854775808", "-5", "0", "10", "70000"};
  EXPECT_EQ(Members(s), want);
  EXPECT_EQ(Scanned(s), std::set<std::string>(want.begin(), want.end()));
}

TEST(SetTest, RandomPicksMembersInBothEncodings) {
  const set::Limits limits;
  std::mt19937_64 rng(8);
  for (bool ints : {true, false}) {
    Value s = set::NewFor(ints ? "1" : "a");
    for (int i = 0; i < 12; i++) set::Add(s, (ints ? "" : "m") + std::to_string(i), limits);
    std::set<std::string> seen;
    for (int i = 0; i < 2000; i++) {
      const std::string m = set::Random(s, rng);
      ASSERT_TRUE(set::Contains(s, m)) << m;
      seen.insert(m);
    }
    EXPECT_EQ(seen.size(), 12u);
  }
}

// Random SADD/SREM/SISMEMBER against a std::set, with a small intset limit.
TEST(SetTest, RandomOpsMatchASetModel) {
  set::Limits limits;
  limits.max_intset_entries = 20;
  std::mt19937_64 rng(31);
  for (int round = 0; round < 60; round++) {
    std::set<std::string> model;
    const std::string first = round % 5 == 0 ? "m" : std::to_string(rng() % 50);
    Value s = set::NewFor(first);
    for (int op = 0; op < 100; op++) {
      // Mostly integers, so that sets stay intsets for a while.
      std::string m = rng() % 10 == 0 ? testing::RandomElement(rng)
                                      : std::to_string(static_cast<int64_t>(rng() % 60) - 30);
      if (op == 0) m = first;
      const bool was_intset = s.enc == Encoding::kIntset;
      switch (rng() % 3) {
        case 0:
        case 1: {
          const bool is_new = model.insert(m).second;
          ASSERT_EQ(set::Add(s, m, limits), is_new) << m;
          if (was_intset) {
            bool is_int = !m.empty() && m.size() <= 20;
            try {
              is_int = is_int && std::to_string(std::stoll(m)) == m;
            } catch (...) {
              is_int = false;
            }
            const bool stays = is_int && model.size() <= 20;
            ASSERT_EQ(s.enc, stays ? Encoding::kIntset : Encoding::kHashtable) << m;
          }
          break;
        }
        default:
          ASSERT_EQ(set::Remove(s, m), model.erase(m) == 1) << m;
      }
      ASSERT_EQ(set::Card(s), model.size());
      ASSERT_EQ(set::Contains(s, m), model.count(m) == 1);
    }
    const std::vector<std::string> members = Members(s);
    ASSERT_EQ(std::set<std::string>(members.begin(), members.end()), model);
    ASSERT_EQ(members.size(), model.size());
    ASSERT_EQ(Scanned(s), model);
  }
}

}  // namespace
}  // namespace cairn::types
