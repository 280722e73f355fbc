#include "types/hash.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>
#include <string>

#include "tests/unit/types/test_util.h"
#include "types/listpack.h"

namespace cairn::types {
namespace {

using testing::Hex;

std::map<std::string, std::string> Contents(const Value& h) {
  std::map<std::string, std::string> out;
  hash::ForEach(h, [&](std::string_view f, std::string_view v) {
    EXPECT_TRUE(out.emplace(f, v).second) << "field twice: " << f;
    return true;
  });
  return out;
}

std::map<std::string, std::string> Scanned(const Value& h) {
  std::map<std::string, std::string> out;
  uint64_t cursor = 0;
  do {
    cursor = hash::Scan(h, cursor,
                        [&](std::string_view f, std::string_view v) { out[std::string(f)] = v; });
  } while (cursor != 0);
  return out;
}

TEST(HashTest, ListpackBytesMatchRedis) {
  // HSET h a 0 b 127 ... v +1 on redis-server 7.0.15: its DUMP payload.
  const hash::Limits limits;
  Value h = hash::New();
  const char* pairs[] = {"a", "0",
                         "b", "127",
                         "c", "128",
                         "d", "-1",
                         "e", "-4096",
                         "f", "4095",
                         "g", "4096",
                         "h", "-4097",
                         "i", "32767",
                         "j", "32768",
                         "k", "-32769",
                         "l", "8388607",
                         "m", "8388608",
                         "n", "-8388609",
                         "o", "2147483647",
                         "p", "2147483648",
                         "q", "-2147483649",
                         "r", "9223372036854775807",
                         "s", "-9223372036854775808",
                         "t", "007",
                         "u", "-0",
                         "v", "+1"};
  for (size_t i = 0; i < std::size(pairs); i += 2) {
    EXPECT_TRUE(hash::Set(h, pairs[i], pairs[i + 1], limits));
  }
  EXPECT_EQ(h.enc, Encoding::kListpack);
  EXPECT_EQ(Hex(h.listpack(), lp::Bytes(h.listpack())),
            "bb0000002c0081610200018162027f01816302c08002816402dfff02816502d00002816602cfff028167"
            "02f1001003816802f1ffef03816902f1ff7f03816a02f200800004816b02f2ff7fff04816c02f2ffff7f"
            "04816d02f30000800005816e02f3ffff7fff05816f02f3ffffff7f05817002f400000080000000000981"
            "7102f4ffffff7fffffffff09817202f4ffffffffffffff7f09817302f400000000000000800981740283"
            "30303704817502822d3003817602822b3103ff");
  EXPECT_EQ(hash::Get(h, "s"), "-9223372036854775808");
  EXPECT_EQ(hash::Get(h, "t"), "007");
}

TEST(HashTest, FieldsAreNotConfusedWithValues) {
  const hash::Limits limits;
  Value h = hash::New();
  hash::Set(h, "a", "b", limits);
  hash::Set(h, "b", "c", limits);
  hash::Set(h, "1", "01", limits);
  hash::Set(h, "01", "1", limits);
  EXPECT_EQ(hash::Get(h, "b"), "c");
  EXPECT_EQ(hash::Get(h, "1"), "01");
  EXPECT_EQ(hash::Get(h, "01"), "1");
  EXPECT_FALSE(hash::Exists(h, "c"));
  EXPECT_FALSE(hash::Get(h, "c").has_value());
  EXPECT_TRUE(hash::Delete(h, "b"));
  EXPECT_FALSE(hash::Delete(h, "c"));
  EXPECT_EQ(hash::Get(h, "a"), "b");
  EXPECT_EQ(hash::Len(h), 3u);
}

TEST(HashTest, SetReplacesAndKeepsInsertionOrderInAListpack) {
  const hash::Limits limits;
  Value h = hash::New();
  hash::Set(h, "x", "1", limits);
  hash::Set(h, "y", "2", limits);
  EXPECT_FALSE(hash::Set(h, "x", std::string(64, 'v'), limits));
  EXPECT_EQ(h.enc, Encoding::kListpack);
  std::vector<std::string> order;
  hash::ForEach(h, [&](std::string_view f, std::string_view) {
    order.emplace_back(f);
    return true;
  });
  EXPECT_EQ(order, (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(hash::Get(h, "x"), std::string(64, 'v'));
  EXPECT_EQ(hash::Len(h), 2u);
}

TEST(HashTest, ConvertsAfter512FieldsAndNeverBack) {
  const hash::Limits limits;
  Value h = hash::New();
  for (int i = 0; i < 512; i++) ASSERT_TRUE(hash::Set(h, "f" + std::to_string(i), "v", limits));
  EXPECT_EQ(h.enc, Encoding::kListpack);
  EXPECT_STREQ(h.EncodingName(), "listpack");
  EXPECT_FALSE(hash::Set(h, "f0", "again", limits));
  EXPECT_EQ(h.enc, Encoding::kListpack);
  EXPECT_TRUE(hash::Set(h, "f512", "v", limits));
  EXPECT_EQ(h.enc, Encoding::kHashtable);
  EXPECT_STREQ(h.EncodingName(), "hashtable");
  EXPECT_EQ(hash::Len(h), 513u);
  EXPECT_EQ(hash::Get(h, "f0"), "again");
  for (int i = 0; i < 510; i++) ASSERT_TRUE(hash::Delete(h, "f" + std::to_string(i)));
  EXPECT_EQ(h.enc, Encoding::kHashtable);
  EXPECT_EQ(Contents(h),
            (std::map<std::string, std::string>{{"f510", "v"}, {"f511", "v"}, {"f512", "v"}}));
}

TEST(HashTest, ConvertsOnAFieldOrValueLongerThan64Bytes) {
  const hash::Limits limits;
  Value a = hash::New();
  hash::Set(a, std::string(64, 'f'), std::string(64, 'v'), limits);
  EXPECT_EQ(a.enc, Encoding::kListpack);
  hash::Set(a, "k", std::string(65, 'v'), limits);
  EXPECT_EQ(a.enc, Encoding::kHashtable);
  EXPECT_EQ(hash::Get(a, std::string(64, 'f')), std::string(64, 'v'));
  EXPECT_EQ(hash::Get(a, "k"), std::string(65, 'v'));

  Value b = hash::New();
  hash::Set(b, "k", "v", limits);
  hash::Set(b, std::string(65, 'f'), "v", limits);
  EXPECT_EQ(b.enc, Encoding::kHashtable);
  EXPECT_EQ(hash::Len(b), 2u);

  // HSET checks every argument before it writes (ConvertIfLong).
  Value c = hash::New();
  hash::Set(c, "k", "v", limits);
  hash::ConvertIfLong(c, std::string(64, 'x'), limits);
  EXPECT_EQ(c.enc, Encoding::kListpack);
  hash::ConvertIfLong(c, std::string(65, 'x'), limits);
  EXPECT_EQ(c.enc, Encoding::kHashtable);
  EXPECT_EQ(hash::Get(c, "k"), "v");
}

TEST(HashTest, RandomPicksExistingPairsInBothEncodings) {
  hash::Limits limits;
  limits.max_listpack_entries = 8;
  std::mt19937_64 rng(11);
  for (int n : {5, 20}) {
    Value h = hash::New();
    for (int i = 0; i < n; i++) hash::Set(h, "f" + std::to_string(i), std::to_string(i), limits);
    EXPECT_EQ(h.enc, n > 8 ? Encoding::kHashtable : Encoding::kListpack);
    std::set<std::string> seen;
    for (int i = 0; i < 2000; i++) {
      auto [f, v] = hash::Random(h, rng);
      ASSERT_EQ(hash::Get(h, f), v);
      seen.insert(f);
    }
    EXPECT_EQ(seen.size(), static_cast<size_t>(n));
  }
}

// Random HSET/HDEL/HGET with small limits so that conversions happen, against
// a std::map model; ForEach and a full HSCAN must both give the whole hash.
TEST(HashTest, RandomOpsMatchAMapModel) {
  hash::Limits limits;
  limits.max_listpack_entries = 16;
  limits.max_listpack_value = 8;
  std::mt19937_64 rng(77);
  for (int round = 0; round < 40; round++) {
    Value h = hash::New();
    std::map<std::string, std::string> model;
    for (int op = 0; op < 150; op++) {
      const std::string f = std::to_string(rng() % (round % 2 ? 12 : 40));
      std::string v = testing::RandomElement(rng);
      if (v.size() > 9 && rng() % 4 != 0) v.resize(rng() % 9);
      switch (rng() % 4) {
        case 0:
        case 1: {
          const bool is_new = model.count(f) == 0;
          const bool big = f.size() > 8 || v.size() > 8 || model.size() + is_new > 16;
          const bool was_listpack = h.enc == Encoding::kListpack;
          ASSERT_EQ(hash::Set(h, f, v, limits), is_new);
          model[f] = v;
          if (was_listpack) {
            ASSERT_EQ(h.enc, big ? Encoding::kHashtable : Encoding::kListpack);
          }
          break;
        }
        case 2:
          ASSERT_EQ(hash::Delete(h, f), model.erase(f) == 1);
          break;
        default: {
          auto it = model.find(f);
          const auto got = hash::Get(h, f);
          ASSERT_EQ(got.has_value(), it != model.end());
          if (got) {
            ASSERT_EQ(*got, it->second);
          }
          ASSERT_EQ(hash::Exists(h, f), it != model.end());
        }
      }
      ASSERT_EQ(hash::Len(h), model.size());
    }
    ASSERT_EQ(Contents(h), model) << round;
    ASSERT_EQ(Scanned(h), model) << round;
  }
}

}  // namespace
}  // namespace cairn::types
