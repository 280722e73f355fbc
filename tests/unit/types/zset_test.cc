#include "types/zset.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "tests/unit/types/test_util.h"
#include "types/listpack.h"

namespace cairn::types {
namespace {

using testing::Hex;

constexpr double kInf = std::numeric_limits<double>::infinity();
using Entry = std::pair<double, std::string>;

std::vector<Entry> Collect(const std::function<void(const zset::Visit&)>& range) {
  std::vector<Entry> out;
  range([&](std::string_view m, double s) {
    out.emplace_back(s, std::string(m));
    return true;
  });
  return out;
}

std::vector<Entry> All(const Value& z) {
  return Collect([&](const zset::Visit& fn) { zset::ForEach(z, fn); });
}

ScoreRange Range(double min, double max, bool minex = false, bool maxex = false) {
  ScoreRange r;
  r.min = min;
  r.max = max;
  r.minex = minex;
  r.maxex = maxex;
  return r;
}

LexBound Bound(std::string_view text) {
  LexBound b;
  if (text == "-") {
    b.kind = LexBound::Kind::kNegInf;
  } else if (text == "+") {
    b.kind = LexBound::Kind::kPosInf;
  } else {
    b.kind = LexBound::Kind::kValue;
    b.exclusive = text[0] == '(';
    b.value = std::string(text.substr(1));
  }
  return b;
}

Value ListpackZSet() { return zset::New(0, 0, zset::Limits{}); }
Value SkiplistZSet() { return zset::New(1000, 0, zset::Limits{}); }

zset::AddResult Add(Value& z, double score, std::string_view member, int flags = 0,
                    double* new_score = nullptr) {
  return zset::Add(z, score, member, flags, new_score, zset::Limits{});
}

TEST(ZSetScoreToStringTest, IntegralScoresWithin2To62AreIntegers) {
  EXPECT_EQ(zset::ScoreToString(0), "0");
  EXPECT_EQ(zset::ScoreToString(-0.0), "0");
  EXPECT_EQ(zset::ScoreToString(1), "1");
  EXPECT_EQ(zset::ScoreToString(-1), "-1");
  EXPECT_EQ(zset::ScoreToString(123456789012345678.0), "123456789012345680");
  EXPECT_EQ(zset::ScoreToString(std::ldexp(1.0, 62)), "4611686018427387904");
  EXPECT_EQ(zset::ScoreToString(-std::ldexp(1.0, 62)), "-4611686018427387904");
  // The next doubles out: %.17g.
  EXPECT_EQ(zset::ScoreToString(std::ldexp(1.0, 62) + 1024), "4.6116860184273889e+18");
  EXPECT_EQ(zset::ScoreToString(-std::ldexp(1.0, 62) - 1024), "-4.6116860184273889e+18");
  EXPECT_EQ(zset::ScoreToString(std::ldexp(1.0, 63)), "9.2233720368547758e+18");
  EXPECT_EQ(zset::ScoreToString(1e20), "1e+20");
  EXPECT_EQ(zset::ScoreToString(1.5), "1.5");
  EXPECT_EQ(zset::ScoreToString(0.1), "0.10000000000000001");
  EXPECT_EQ(zset::ScoreToString(1.0 / 3), "0.33333333333333331");
  EXPECT_EQ(zset::ScoreToString(3.0000000000000004), "3.0000000000000004");
  EXPECT_EQ(zset::ScoreToString(1e-300), "1e-300");
  EXPECT_EQ(zset::ScoreToString(kInf), "inf");
  EXPECT_EQ(zset::ScoreToString(-kInf), "-inf");
}

// ZADD z 1.5 a 2 b -0 c ... on redis-server 7.0.15, then its DUMP payload.
TEST(ZSetTest, ListpackBytesMatchRedis) {
  Value z = ListpackZSet();
  const std::vector<Entry> adds = {{1.5, "a"},
                                   {2, "b"},
                                   {-0.0, "c"},
                                   {4611686018427387904.0, "d"},
                                   {4611686018427387905.0, "e"},
                                   {-4611686018427387904.0, "f"},
                                   {0.1, "g"},
                                   {kInf, "h"},
                                   {-kInf, "i"},
                                   {1e20, "j"},
                                   {3, "x"},
                                   {3, "ab"},
                                   {3, "b2"}};
  for (const auto& [s, m] : adds) EXPECT_EQ(Add(z, s, m), zset::AddResult::kAdded) << m;
  ASSERT_EQ(z.enc, Encoding::kListpack);
  EXPECT_EQ(Hex(z.listpack(), lp::Bytes(z.listpack())),
            "840000001a00816902842d696e6605816602f400000000000000c00981630200018167029330"
            "2e31303030303030303030303030303030311481610283312e3504816202020182616203030182"
            "62320303018178020301816402f4000000000000004009816502f4000000000000004009816a02"
            "8531652b32300681680283696e6604ff");
  EXPECT_EQ(Add(z, 9223372036854775807.0, "k"), zset::AddResult::kAdded);
  EXPECT_EQ(Hex(z.listpack(), lp::Bytes(z.listpack())),
            "9f0000001c00816902842d696e6605816602f400000000000000c00981630200018167029330"
            "2e31303030303030303030303030303030311481610283312e3504816202020182616203030182"
            "62320303018178020301816402f4000000000000004009816502f4000000000000004009816b02"
            "96392e32323333373230333638353437373538652b313817816a028531652b32300681680283696e"
            "6604ff");
  // Scores read back exactly.
  EXPECT_EQ(zset::Score(z, "g"), 0.1);
  EXPECT_EQ(zset::Score(z, "i"), -kInf);
  EXPECT_EQ(zset::Score(z, "k"), std::ldexp(1.0, 63));
  EXPECT_EQ(zset::Score(z, "c"), 0.0);
}

TEST(ZSetTest, NewPicksTheEncodingFromItsHints) {
  const zset::Limits limits;
  EXPECT_EQ(zset::New(128, 64, limits).enc, Encoding::kListpack);
  EXPECT_EQ(zset::New(129, 1, limits).enc, Encoding::kSkiplist);
  EXPECT_EQ(zset::New(1, 65, limits).enc, Encoding::kSkiplist);
  EXPECT_STREQ(zset::New(1, 1, limits).EncodingName(), "listpack");
  EXPECT_STREQ(zset::New(1000, 1, limits).EncodingName(), "skiplist");
}

TEST(ZSetTest, ConvertsPast128MembersOrA64ByteMember) {
  Value z = ListpackZSet();
  for (int i = 0; i < 128; i++)
    ASSERT_EQ(Add(z, i, "m" + std::to_string(i)), zset::AddResult::kAdded);
  EXPECT_EQ(z.enc, Encoding::kListpack);
  EXPECT_EQ(Add(z, 5, "m0"), zset::AddResult::kUpdated);  // an update does not convert
  EXPECT_EQ(z.enc, Encoding::kListpack);
  EXPECT_EQ(Add(z, 1, "m0", zset::kXx), zset::AddResult::kUpdated);
  EXPECT_EQ(Add(z, 1, "new", zset::kXx), zset::AddResult::kNop);  // nor a refused add
  EXPECT_EQ(z.enc, Encoding::kListpack);
  EXPECT_EQ(Add(z, 200, "m128"), zset::AddResult::kAdded);
  EXPECT_EQ(z.enc, Encoding::kSkiplist);
  EXPECT_EQ(zset::Card(z), 129u);
  EXPECT_EQ(zset::Score(z, "m0"), 1);
  EXPECT_EQ(zset::Rank(z, "m128", false), 128u);
  for (int i = 0; i < 120; i++) ASSERT_TRUE(zset::Remove(z, "m" + std::to_string(i)));
  EXPECT_EQ(z.enc, Encoding::kSkiplist);

  Value w = ListpackZSet();
  EXPECT_EQ(Add(w, 1, std::string(64, 'a')), zset::AddResult::kAdded);
  EXPECT_EQ(w.enc, Encoding::kListpack);
  EXPECT_EQ(Add(w, 2, std::string(65, 'b')), zset::AddResult::kAdded);
  EXPECT_EQ(w.enc, Encoding::kSkiplist);
  EXPECT_EQ(All(w), (std::vector<Entry>{{1, std::string(64, 'a')}, {2, std::string(65, 'b')}}));
}

TEST(ZSetTest, ConvertToListpackIfFits) {
  Value z = SkiplistZSet();
  for (int i = 0; i < 10; i++) Add(z, i * 0.5, "m" + std::to_string(i));
  const std::vector<Entry> before = All(z);
  const zset::Limits limits;
  zset::ConvertToListpackIfFits(z, 65, limits);
  EXPECT_EQ(z.enc, Encoding::kSkiplist);
  zset::ConvertToListpackIfFits(z, 2, limits);
  EXPECT_EQ(z.enc, Encoding::kListpack);
  EXPECT_EQ(All(z), before);
  zset::ConvertToSkiplist(z);
  EXPECT_EQ(z.enc, Encoding::kSkiplist);
  EXPECT_EQ(All(z), before);
  zset::Limits tiny;
  tiny.max_listpack_entries = 9;
  zset::ConvertToListpackIfFits(z, 2, tiny);
  EXPECT_EQ(z.enc, Encoding::kSkiplist);
}

class ZSetEncodingTest : public ::testing::TestWithParam<bool> {
 protected:
  Value Make() const { return GetParam() ? SkiplistZSet() : ListpackZSet(); }
};

TEST_P(ZSetEncodingTest, AddFlagsFollowZAdd) {
  Value z = Make();
  double out = 0;
  EXPECT_EQ(Add(z, 1, "a", zset::kXx), zset::AddResult::kNop);
  EXPECT_EQ(zset::Card(z), 0u);
  EXPECT_EQ(Add(z, 1, "a", zset::kGt, &out), zset::AddResult::kAdded);  // GT still adds
  EXPECT_EQ(out, 1);
  EXPECT_EQ(Add(z, 5, "a", zset::kNx), zset::AddResult::kNop);
  EXPECT_EQ(Add(z, 0, "a", zset::kGt), zset::AddResult::kNop);
  EXPECT_EQ(Add(z, 1, "a", zset::kGt), zset::AddResult::kNop);
  EXPECT_EQ(Add(z, 2, "a", zset::kLt), zset::AddResult::kNop);
  EXPECT_EQ(Add(z, 1, "a", zset::kLt), zset::AddResult::kNop);
  EXPECT_EQ(Add(z, 1, "a", 0, &out), zset::AddResult::kSame);
  EXPECT_EQ(Add(z, 0.5, "a", zset::kLt | zset::kXx, &out), zset::AddResult::kUpdated);
  EXPECT_EQ(out, 0.5);
  EXPECT_EQ(Add(z, 2, "a", zset::kIncr, &out), zset::AddResult::kUpdated);
  EXPECT_EQ(out, 2.5);
  EXPECT_EQ(Add(z, 0, "a", zset::kIncr, &out), zset::AddResult::kSame);
  EXPECT_EQ(out, 2.5);
  EXPECT_EQ(Add(z, -1, "a", zset::kIncr | zset::kGt), zset::AddResult::kNop);
  EXPECT_EQ(Add(z, 4, "b", zset::kIncr, &out), zset::AddResult::kAdded);
  EXPECT_EQ(out, 4);
  EXPECT_EQ(Add(z, kInf, "b", zset::kIncr, &out), zset::AddResult::kUpdated);
  EXPECT_EQ(Add(z, -kInf, "b", zset::kIncr), zset::AddResult::kNan);
  EXPECT_EQ(Add(z, std::nan(""), "c"), zset::AddResult::kNan);
  EXPECT_EQ(zset::Score(z, "a"), 2.5);
  EXPECT_EQ(zset::Score(z, "b"), kInf);
  EXPECT_FALSE(zset::Score(z, "c").has_value());
  EXPECT_EQ(z.enc, GetParam() ? Encoding::kSkiplist : Encoding::kListpack);
}

TEST_P(ZSetEncodingTest, RanksAndRangesByRank) {
  Value z = Make();
  // Same score: members in byte order, "10" before "9".
  for (const char* m : {"9", "10", "b", "a"}) Add(z, 1, m);
  Add(z, -2, "low");
  Add(z, 7, "high");
  const std::vector<Entry> want = {{-2, "low"}, {1, "10"}, {1, "9"},
                                   {1, "a"},    {1, "b"},  {7, "high"}};
  EXPECT_EQ(All(z), want);
  EXPECT_EQ(zset::Rank(z, "low", false), 0u);
  EXPECT_EQ(zset::Rank(z, "low", true), 5u);
  EXPECT_EQ(zset::Rank(z, "9", false), 2u);
  EXPECT_EQ(zset::Rank(z, "9", true), 3u);
  EXPECT_FALSE(zset::Rank(z, "nope", false).has_value());
  EXPECT_EQ(Collect([&](const zset::Visit& fn) { zset::RangeByRank(z, 1, 3, false, fn); }),
            (std::vector<Entry>(want.begin() + 1, want.begin() + 4)));
  EXPECT_EQ(Collect([&](const zset::Visit& fn) { zset::RangeByRank(z, 0, 1, true, fn); }),
            (std::vector<Entry>{{7, "high"}, {1, "b"}}));
  EXPECT_EQ(Collect([&](const zset::Visit& fn) { zset::RangeByRank(z, 5, 5, true, fn); }),
            (std::vector<Entry>{{-2, "low"}}));
}

TEST_P(ZSetEncodingTest, ScoreRangesWithOffsetsAndExclusiveBounds) {
  Value z = Make();
  for (int i = 0; i < 10; i++) Add(z, i, std::string(1, static_cast<char>('a' + i)));
  auto range = [&](const ScoreRange& r, bool reverse, uint64_t offset) {
    std::string out;
    zset::RangeByScore(z, r, reverse, offset, [&](std::string_view m, double) {
      out += m;
      return true;
    });
    return out;
  };
  EXPECT_EQ(range(Range(2, 5), false, 0), "cdef");
  EXPECT_EQ(range(Range(2, 5, true, true), false, 0), "de");
  EXPECT_EQ(range(Range(2, 5), true, 0), "fedc");
  EXPECT_EQ(range(Range(2, 5, true, false), true, 1), "ed");
  EXPECT_EQ(range(Range(-kInf, kInf), false, 8), "ij");
  EXPECT_EQ(range(Range(-kInf, kInf), true, 9), "a");
  EXPECT_EQ(range(Range(-kInf, kInf), true, 10), "");
  EXPECT_EQ(range(Range(5, 2), false, 0), "");
  EXPECT_EQ(range(Range(5, 5, true, false), false, 0), "");
  EXPECT_EQ(zset::CountInRange(z, Range(2, 5)), 4u);
  EXPECT_EQ(zset::CountInRange(z, Range(2, 5, true, true)), 2u);
  EXPECT_EQ(zset::CountInRange(z, Range(-kInf, 0, false, true)), 0u);
  EXPECT_EQ(zset::CountInRange(z, Range(9, kInf)), 1u);
  EXPECT_EQ(zset::RemoveRangeByScore(z, Range(2, 5, false, true)), 3u);
  EXPECT_EQ(range(Range(-kInf, kInf), false, 0), "abfghij");
  EXPECT_EQ(zset::RemoveRangeByRank(z, 5, 6), 2u);
  EXPECT_EQ(zset::RemoveRangeByRank(z, 0, 0), 1u);
  EXPECT_EQ(range(Range(-kInf, kInf), false, 0), "bfgh");
}

TEST_P(ZSetEncodingTest, LexRangesOverEqualScores) {
  Value z = Make();
  for (const char* m : {"a", "b", "c", "d", "e", "f"}) Add(z, 0, m);
  auto range = [&](std::string_view min, std::string_view max, bool reverse, uint64_t offset) {
    std::string out;
    zset::RangeByLex(z, {Bound(min), Bound(max)}, reverse, offset, [&](std::string_view m, double) {
      out += m;
      return true;
    });
    return out;
  };
  EXPECT_EQ(range("-", "+", false, 0), "abcdef");
  EXPECT_EQ(range("[b", "(e", false, 0), "bcd");
  EXPECT_EQ(range("[b", "(e", true, 0), "dcb");
  EXPECT_EQ(range("(b", "[e", false, 1), "de");
  EXPECT_EQ(range("(b", "[e", true, 2), "c");
  EXPECT_EQ(range("+", "-", false, 0), "");
  EXPECT_EQ(range("[e", "[b", false, 0), "");
  EXPECT_EQ(zset::CountInLexRange(z, {Bound("[b"), Bound("+")}), 5u);
  EXPECT_EQ(zset::CountInLexRange(z, {Bound("(f"), Bound("+")}), 0u);
  EXPECT_EQ(zset::RemoveRangeByLex(z, {Bound("(a"), Bound("[c")}), 2u);
  EXPECT_EQ(range("-", "+", false, 0), "adef");
}

// Lex queries assume equal scores; Redis answers whatever its walk gives
// otherwise. Over a skiplist of mixed scores the last node in range can be
// missing (this crashed) or come before the first: any count, no crash.
TEST_P(ZSetEncodingTest, LexQueriesOverMixedScoresDoNotCrash) {
  Value z = Make();
  const std::pair<double, const char*> members[] = {
      {-13.49, "100"}, {-1, ""}, {0, "A"}, {0, "a"}, {0, "aa"}, {0, "f"}, {1, "007"},
      {17.7, "foo"}, {20.13, "9223372036854775808"}, {1000, "8"}};
  for (const auto& [score, m] : members) Add(z, score, m);
  const char* bounds[] = {"-", "+", "(-2", "[6", "[a", "(f", "[", "(zz", "[007"};
  for (const char* min : bounds) {
    for (const char* max : bounds) {
      const LexRange r{Bound(min), Bound(max)};
      (void)zset::CountInLexRange(z, r);
      zset::RangeByLex(z, r, false, 0, [](std::string_view, double) { return true; });
      zset::RangeByLex(z, r, true, 0, [](std::string_view, double) { return true; });
    }
  }
  EXPECT_EQ(zset::CountInLexRange(z, {Bound("-"), Bound("+")}), 10u);
}

INSTANTIATE_TEST_SUITE_P(Encodings, ZSetEncodingTest, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "Skiplist" : "Listpack"; });

// The model: score by member, and the (score, member) order.
struct Model {
  std::map<std::string, double> scores;
  std::set<Entry> order;

  zset::AddResult Add(double score, const std::string& m, int flags, double* out) {
    if (std::isnan(score)) return zset::AddResult::kNan;
    auto it = scores.find(m);
    if (it == scores.end()) {
      if (flags & zset::kXx) return zset::AddResult::kNop;
      scores[m] = score;
      order.insert({score, m});
      *out = score;
      return zset::AddResult::kAdded;
    }
    if (flags & zset::kNx) return zset::AddResult::kNop;
    const double cur = it->second;
    if (flags & zset::kIncr) score += cur;
    if (std::isnan(score)) return zset::AddResult::kNan;
    if (((flags & zset::kLt) && !(score < cur)) || ((flags & zset::kGt) && !(score > cur))) {
      return zset::AddResult::kNop;
    }
    *out = score;
    if (score == cur) return zset::AddResult::kSame;
    order.erase({cur, m});
    order.insert({score, m});
    it->second = score;
    return zset::AddResult::kUpdated;
  }
  void Erase(const std::string& m) {
    order.erase({scores[m], m});
    scores.erase(m);
  }
  std::vector<Entry> Vector() const { return {order.begin(), order.end()}; }
};

// Random ZADD/ZREM/ZRANK/ZRANGE*/ZCOUNT/ZREMRANGE* on both encodings (and a
// listpack that converts midway) against the model.
TEST(ZSetModelTest, RandomOpsMatchTheModel) {
  std::mt19937_64 rng(4321);
  const double kScores[] = {-kInf, -2, -0.5, 0, 0, 1, 1, 2.25, 3, 1e18, kInf};
  auto score = [&] {
    return rng() % 3 == 0 ? static_cast<double>(static_cast<int>(rng() % 20) - 10)
                          : kScores[rng() % std::size(kScores)];
  };
  zset::Limits limits;
  limits.max_listpack_entries = 24;
  for (int round = 0; round < 24; round++) {
    const int kind = round % 3;  // listpack kept small, skiplist, listpack that converts
    zset::Limits this_limits = limits;
    if (kind == 0) this_limits.max_listpack_entries = 1000;
    Value z = kind == 1 ? zset::New(1000, 0, this_limits) : zset::New(0, 0, this_limits);
    Model model;
    for (int op = 0; op < 250; op++) {
      std::string m = std::to_string(rng() % 40);
      if (rng() % 8 == 0) m = "m" + m;
      const size_t n = model.order.size();
      switch (rng() % 10) {
        case 0:
        case 1:
        case 2: {
          int flags = 0;
          if (rng() % 3 == 0)
            flags |= std::vector<int>{zset::kNx, zset::kXx, zset::kGt, zset::kLt}[rng() % 4];
          if (rng() % 4 == 0) flags |= zset::kIncr;
          const double s = score();
          double got = -1, want = -1;
          const zset::AddResult r = zset::Add(z, s, m, flags, &got, this_limits);
          ASSERT_EQ(r, model.Add(s, m, flags, &want)) << m << " " << s << " " << flags;
          if (r == zset::AddResult::kAdded || r == zset::AddResult::kUpdated) {
            ASSERT_EQ(got, want);
          }
          break;
        }
        case 3: {
          const bool there = model.scores.count(m) == 1;
          ASSERT_EQ(zset::Remove(z, m), there);
          if (there) model.Erase(m);
          break;
        }
        case 4: {
          auto it = model.scores.find(m);
          const auto rank = zset::Rank(z, m, rng() % 2);
          ASSERT_EQ(rank.has_value(), it != model.scores.end());
          ASSERT_EQ(zset::Score(z, m).has_value(), it != model.scores.end());
          if (it != model.scores.end()) {
            ASSERT_EQ(*zset::Score(z, m), it->second);
            const uint64_t fwd =
                std::distance(model.order.begin(), model.order.find({it->second, m}));
            ASSERT_TRUE(*rank == fwd || *rank == n - 1 - fwd);
            ASSERT_EQ(zset::Rank(z, m, false), fwd);
            ASSERT_EQ(zset::Rank(z, m, true), n - 1 - fwd);
          }
          break;
        }
        case 5: {
          if (n == 0) break;
          uint64_t a = rng() % n, b = rng() % n;
          if (a > b) std::swap(a, b);
          const bool reverse = rng() % 2;
          std::vector<Entry> want = model.Vector();
          if (reverse) std::reverse(want.begin(), want.end());
          want = std::vector<Entry>(want.begin() + a, want.begin() + b + 1);
          ASSERT_EQ(
              Collect([&](const zset::Visit& fn) { zset::RangeByRank(z, a, b, reverse, fn); }),
              want);
          break;
        }
        case 6:
        case 7: {
          const ScoreRange r = Range(score(), score(), rng() % 2, rng() % 2);
          const bool reverse = rng() % 2;
          const uint64_t offset = rng() % 3 == 0 ? rng() % 5 : 0;
          std::vector<Entry> in;
          for (const Entry& e : model.order) {
            if ((r.minex ? e.first > r.min : e.first >= r.min) &&
                (r.maxex ? e.first < r.max : e.first <= r.max)) {
              in.push_back(e);
            }
          }
          ASSERT_EQ(zset::CountInRange(z, r), in.size()) << r.min << " " << r.max;
          if (reverse) std::reverse(in.begin(), in.end());
          in.erase(in.begin(), in.begin() + std::min<size_t>(offset, in.size()));
          ASSERT_EQ(Collect([&](const zset::Visit& fn) {
                      zset::RangeByScore(z, r, reverse, offset, fn);
                    }),
                    in);
          break;
        }
        case 8: {
          if (rng() % 3 != 0) break;
          const ScoreRange r = Range(score(), score(), rng() % 2, rng() % 2);
          std::vector<std::string> gone;
          for (const Entry& e : model.order) {
            if ((r.minex ? e.first > r.min : e.first >= r.min) &&
                (r.maxex ? e.first < r.max : e.first <= r.max)) {
              gone.push_back(e.second);
            }
          }
          ASSERT_EQ(zset::RemoveRangeByScore(z, r), gone.size());
          for (const auto& g : gone) model.Erase(g);
          break;
        }
        default: {
          if (n == 0 || rng() % 3 != 0) break;
          const uint64_t a = rng() % n, b = std::min<uint64_t>(n - 1, a + rng() % 3);
          const std::vector<Entry> all = model.Vector();
          ASSERT_EQ(zset::RemoveRangeByRank(z, a, b), b - a + 1);
          for (uint64_t i = a; i <= b; i++) model.Erase(all[i].second);
          break;
        }
      }
      ASSERT_EQ(zset::Card(z), model.order.size()) << op;
      if (kind == 0) {
        ASSERT_EQ(z.enc, Encoding::kListpack);
      }
      if (op % 25 == 0) {
        ASSERT_EQ(All(z), model.Vector()) << op;
      }
    }
    ASSERT_EQ(All(z), model.Vector());
    // SCAN (whole or cursor by cursor) gives every member with its score.
    std::map<std::string, double> scanned;
    uint64_t cursor = 0;
    do {
      cursor =
          zset::Scan(z, cursor, [&](std::string_view m, double s) { scanned[std::string(m)] = s; });
    } while (cursor != 0);
    ASSERT_EQ(scanned, model.scores);
    if (!model.scores.empty()) {
      for (int i = 0; i < 20; i++) {
        const auto [m, s] = zset::Random(z, rng);
        ASSERT_EQ(model.scores.at(m), s);
      }
    }
  }
}

// ZRANGEBYLEX/ZLEXCOUNT/ZREMRANGEBYLEX over equal scores on both encodings.
TEST(ZSetModelTest, RandomLexRangesMatchTheModel) {
  std::mt19937_64 rng(8765);
  auto member = [&] {
    std::string m;
    const size_t n = rng() % 3;
    for (size_t i = 0; i < n; i++) m.push_back("ab1\x80"[rng() % 4]);
    return m;
  };
  auto bound = [&]() -> std::string {
    switch (rng() % 6) {
      case 0:
        return "-";
      case 1:
        return "+";
      case 2:
      case 3:
        return "[" + member();
      default:
        return "(" + member();
    }
  };
  auto in_range = [](const std::string& m, const std::string& min, const std::string& max) {
    const bool above = min == "-"      ? true
                       : min == "+"    ? false
                       : min[0] == '(' ? m > min.substr(1)
                                       : m >= min.substr(1);
    const bool below = max == "+"      ? true
                       : max == "-"    ? false
                       : max[0] == '(' ? m < max.substr(1)
                                       : m <= max.substr(1);
    return above && below;
  };
  for (int round = 0; round < 40; round++) {
    Value z = round % 2 ? SkiplistZSet() : ListpackZSet();
    std::set<std::string> model;
    for (int i = 0; i < 25; i++) {
      const std::string m = member();
      if (model.insert(m).second) {
        ASSERT_EQ(Add(z, 3, m), zset::AddResult::kAdded);
      }
    }
    for (int op = 0; op < 30; op++) {
      const std::string min = bound(), max = bound();
      const LexRange r{Bound(min), Bound(max)};
      std::vector<Entry> in;
      for (const std::string& m : model) {
        if (in_range(m, min, max)) in.emplace_back(3, m);
      }
      ASSERT_EQ(zset::CountInLexRange(z, r), in.size()) << min << " " << max;
      const bool reverse = rng() % 2;
      const uint64_t offset = rng() % 3;
      if (reverse) std::reverse(in.begin(), in.end());
      in.erase(in.begin(), in.begin() + std::min<size_t>(offset, in.size()));
      ASSERT_EQ(
          Collect([&](const zset::Visit& fn) { zset::RangeByLex(z, r, reverse, offset, fn); }), in)
          << min << " " << max << " " << reverse << " " << offset;
      if (op % 10 == 9) {
        size_t gone = 0;
        for (auto it = model.begin(); it != model.end();) {
          if (in_range(*it, min, max)) {
            it = model.erase(it);
            gone++;
          } else {
            ++it;
          }
        }
        ASSERT_EQ(zset::RemoveRangeByLex(z, r), gone);
        ASSERT_EQ(zset::Card(z), model.size());
      }
    }
  }
}

}  // namespace
}  // namespace cairn::types
