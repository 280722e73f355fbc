#include "types/intset.h"

#include <gtest/gtest.h>

#include <random>
#include <set>
#include <string>
#include <vector>

#include "tests/unit/types/test_util.h"

namespace cairn::types {
namespace {

using testing::Hex;
using testing::Unhex;

class IntsetTest : public ::testing::Test {
 protected:
  ~IntsetTest() override { intset::Free(is_); }

  bool Add(int64_t v) {
    bool added = false;
    is_ = intset::Add(is_, v, &added);
    return added;
  }
  bool Remove(int64_t v) {
    bool removed = false;
    is_ = intset::Remove(is_, v, &removed);
    return removed;
  }
  std::string HexBytes() const { return Hex(is_, intset::Bytes(is_)); }
  uint32_t Width() const { return is_[0] | is_[1] << 8 | is_[2] << 16 | is_[3] << 24; }
  std::vector<int64_t> Values() const {
    std::vector<int64_t> out;
    for (size_t i = 0; i < intset::Length(is_); i++) out.push_back(intset::At(is_, i));
    return out;
  }

  unsigned char* is_ = intset::New();
};

// The expected bytes are redis-server 7.0.15's DUMP payloads of
// SADD s 5 -3 1; SADD s 40000; SADD s -1099511627776; SREM s -1099511627776 40000.
TEST_F(IntsetTest, LayoutAndUpgradesMatchRedis) {
  EXPECT_EQ(HexBytes(), "0200000000000000");
  EXPECT_TRUE(Add(5));
  EXPECT_TRUE(Add(-3));
  EXPECT_TRUE(Add(1));
  EXPECT_EQ(HexBytes(), "0200000003000000fdff01000500");
  EXPECT_TRUE(Add(40000));
  EXPECT_EQ(HexBytes(), "0400000004000000fdffffff0100000005000000409c0000");
  EXPECT_TRUE(Add(-1099511627776));
  EXPECT_EQ(HexBytes(),
            "08000000050000000000000000fffffffdffffffffffffff010000000000000005000000000000"
            "00409c000000000000");
  EXPECT_TRUE(Remove(-1099511627776));
  EXPECT_TRUE(Remove(40000));
  EXPECT_EQ(HexBytes(), "0800000003000000fdffffffffffffff01000000000000000500000000000000");
}

TEST_F(IntsetTest, WidthGrowsAtTheInt16AndInt32Limits) {
  for (int64_t v : {int64_t{INT16_MIN}, int64_t{INT16_MAX}}) EXPECT_TRUE(Add(v));
  EXPECT_EQ(Width(), 2u);
  EXPECT_TRUE(Add(int64_t{INT16_MIN} - 1));
  EXPECT_EQ(Width(), 4u);
  EXPECT_EQ(Values(), (std::vector<int64_t>{INT16_MIN - 1, INT16_MIN, INT16_MAX}));
  EXPECT_TRUE(Add(INT32_MAX));
  EXPECT_TRUE(Add(INT32_MIN));
  EXPECT_EQ(Width(), 4u);
  EXPECT_TRUE(Add(int64_t{INT32_MAX} + 1));
  EXPECT_EQ(Width(), 8u);
  EXPECT_EQ(intset::Bytes(is_), 8u + 8 * 6);
  EXPECT_TRUE(Add(INT64_MIN));
  EXPECT_TRUE(Add(INT64_MAX));
  EXPECT_EQ(Values(),
            (std::vector<int64_t>{INT64_MIN, INT32_MIN, INT16_MIN - 1, INT16_MIN, INT16_MAX,
                                  INT32_MAX, int64_t{INT32_MAX} + 1, INT64_MAX}));
}

TEST_F(IntsetTest, UpgradeOfAnEmptySet) {
  EXPECT_TRUE(Add(-5000000000));
  EXPECT_EQ(Width(), 8u);
  EXPECT_EQ(Values(), (std::vector<int64_t>{-5000000000}));
  EXPECT_TRUE(intset::Contains(is_, -5000000000));
}

TEST_F(IntsetTest, DuplicatesAndMissingValues) {
  EXPECT_TRUE(Add(7));
  EXPECT_FALSE(Add(7));
  EXPECT_EQ(intset::Length(is_), 1u);
  EXPECT_FALSE(Remove(8));
  // Wider than the encoding: cannot be there (and must not alias a narrower
  // value's low bytes).
  EXPECT_FALSE(intset::Contains(is_, 7 + (int64_t{1} << 16)));
  EXPECT_FALSE(intset::Contains(is_, 7 + (int64_t{1} << 32)));
  EXPECT_FALSE(Remove(7 + (int64_t{1} << 32)));
  EXPECT_EQ(intset::Length(is_), 1u);
  EXPECT_TRUE(Remove(7));
  EXPECT_FALSE(Remove(7));
  EXPECT_EQ(HexBytes(), "0200000000000000");
}

TEST_F(IntsetTest, RemoveNeverNarrows) {
  EXPECT_TRUE(Add(1));
  EXPECT_TRUE(Add(int64_t{1} << 40));
  EXPECT_TRUE(Remove(int64_t{1} << 40));
  EXPECT_EQ(Width(), 8u);
  EXPECT_EQ(intset::Bytes(is_), 16u);
  EXPECT_TRUE(Remove(1));
  EXPECT_EQ(Width(), 8u);
  EXPECT_TRUE(Add(2));
  EXPECT_EQ(HexBytes(), "08000000010000000200000000000000");
}

TEST_F(IntsetTest, CopyIsIndependent) {
  for (int64_t v : {3, 1, 2}) Add(v);
  unsigned char* copy = intset::Copy(is_);
  EXPECT_EQ(Hex(copy, intset::Bytes(copy)), HexBytes());
  bool added = false;
  copy = intset::Add(copy, 100000, &added);
  EXPECT_EQ(Values(), (std::vector<int64_t>{1, 2, 3}));
  EXPECT_EQ(intset::Length(copy), 4u);
  intset::Free(copy);
}

TEST_F(IntsetTest, RandomPicksEveryMember) {
  for (int64_t v = -10; v < 10; v++) Add(v * 1000);
  std::mt19937_64 rng(7);
  std::set<int64_t> seen;
  for (int i = 0; i < 2000; i++) {
    const int64_t v = intset::Random(is_, rng);
    ASSERT_TRUE(intset::Contains(is_, v)) << v;
    seen.insert(v);
  }
  EXPECT_EQ(seen.size(), 20u);
}

TEST(IntsetValidateTest, AcceptsOnlySortedDistinctValuesOfAKnownWidth) {
  auto valid = [](std::string_view hex) { return intset::Validate(Unhex(hex)); };
  EXPECT_TRUE(valid("0200000003000000fdff01000500"));
  EXPECT_TRUE(valid("0800000003000000fdffffffffffffff01000000000000000500000000000000"));
  // Redis 7.0 refuses an empty intset.
  EXPECT_FALSE(valid("0200000000000000"));
  EXPECT_FALSE(valid("02000000030000"));  // header cut
  EXPECT_FALSE(valid(""));
  EXPECT_FALSE(valid("0300000001000000010000"));          // width 3
  EXPECT_FALSE(valid("0000000001000000"));                // width 0
  EXPECT_FALSE(valid("0200000003000000fdff0100"));        // fewer values than the count
  EXPECT_FALSE(valid("0200000002000000fdff0100050000"));  // trailing byte
  EXPECT_FALSE(valid("0200000003000000fdff05000100"));    // out of order
  EXPECT_FALSE(valid("0200000003000000fdff01000100"));    // duplicate
  EXPECT_FALSE(valid("0200000003000000fdfffdff0100"));    // duplicate first
  // A count that overflows 32-bit arithmetic must not wrap into "fits".
  EXPECT_FALSE(valid("08000000010000200100000000000000"));
  const std::string bytes = Unhex("0400000002000000ffffffff01000000");
  ASSERT_TRUE(intset::Validate(bytes));
  unsigned char* is = intset::FromBytes(bytes);
  EXPECT_EQ(intset::At(is, 0), -1);
  EXPECT_EQ(intset::At(is, 1), 1);
  intset::Free(is);
}

TEST_F(IntsetTest, RandomOpsMatchAStdSetModel) {
  std::mt19937_64 rng(424242);
  std::set<int64_t> model;
  auto value = [&]() -> int64_t {
    switch (rng() % 4) {
      case 0:
        return static_cast<int64_t>(rng() % 200) - 100;
      case 1:
        return static_cast<int16_t>(rng());
      case 2:
        return static_cast<int32_t>(rng());
      default:
        return static_cast<int64_t>(rng());
    }
  };
  for (int op = 0; op < 5000; op++) {
    // Restart now and then so that narrow sets are exercised too.
    if (op % 1000 == 999) {
      intset::Free(is_);
      is_ = intset::New();
      model.clear();
    }
    const int64_t v = rng() % 3 == 0 && !model.empty() ? *model.begin() : value();
    switch (rng() % 3) {
      case 0:
      case 1:
        ASSERT_EQ(Add(v), model.insert(v).second) << v;
        break;
      default:
        ASSERT_EQ(Remove(v), model.erase(v) == 1) << v;
        break;
    }
    ASSERT_EQ(intset::Length(is_), model.size());
    ASSERT_EQ(intset::Contains(is_, v), model.count(v) == 1);
    if (op % 50 == 0) {
      ASSERT_EQ(Values(), std::vector<int64_t>(model.begin(), model.end()));
      if (!model.empty()) {
        ASSERT_TRUE(intset::Validate({reinterpret_cast<char*>(is_), intset::Bytes(is_)}));
      }
    }
  }
}

}  // namespace
}  // namespace cairn::types
