#include "types/skiplist.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace cairn::types {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

using Entry = std::pair<double, std::string>;
// std::string orders by unsigned bytes, as memcmp (and Redis's sdscmp) do.
using Model = std::set<Entry>;

std::vector<Entry> Forward(const Skiplist& sl) {
  std::vector<Entry> out;
  for (Skiplist::Node* x = sl.First(); x != nullptr; x = x->level[0].forward) {
    out.emplace_back(x->score, x->member);
  }
  return out;
}

std::vector<Entry> Backward(const Skiplist& sl) {
  std::vector<Entry> out;
  for (Skiplist::Node* x = sl.Last(); x != nullptr; x = x->backward) {
    out.insert(out.begin(), {x->score, x->member});
  }
  return out;
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
  // ZRANGEBYLEX's syntax: "-", "+", "[x", "(x".
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

LexRange Lex(std::string_view min, std::string_view max) { return {Bound(min), Bound(max)}; }

// The model's view of a bound, written apart from LexRange's own.
bool LexIn(const std::string& m, std::string_view min, std::string_view max) {
  const bool above = min == "-"      ? true
                     : min == "+"    ? false
                     : min[0] == '(' ? m > min.substr(1)
                                     : m >= min.substr(1);
  const bool below = max == "+"      ? true
                     : max == "-"    ? false
                     : max[0] == '(' ? m < max.substr(1)
                                     : m <= max.substr(1);
  return above && below;
}

std::string Member(const Skiplist::Node* x) { return x == nullptr ? "<none>" : x->member; }

TEST(SkiplistTest, OrdersByScoreThenMemberBytes) {
  Skiplist sl;
  sl.Insert(2, "a");
  sl.Insert(1, "z");
  sl.Insert(1, "\x80");  // above every ASCII byte: bytes compare unsigned
  sl.Insert(1, "");
  sl.Insert(1, "zz");
  sl.Insert(-kInf, "neg");
  sl.Insert(kInf, "pos");
  EXPECT_EQ(
      Forward(sl),
      (std::vector<Entry>{
          {-kInf, "neg"}, {1, ""}, {1, "z"}, {1, "zz"}, {1, "\x80"}, {2, "a"}, {kInf, "pos"}}));
  EXPECT_EQ(Backward(sl), Forward(sl));
  EXPECT_EQ(sl.size(), 7u);
  EXPECT_EQ(sl.Rank(1, "\x80"), 5u);
  EXPECT_EQ(sl.Rank(-kInf, "neg"), 1u);
  EXPECT_EQ(sl.Rank(kInf, "pos"), 7u);
  EXPECT_EQ(sl.Rank(1, "y"), 0u);
  EXPECT_EQ(sl.Rank(2, "z"), 0u);
  EXPECT_EQ(Member(sl.AtRank(0)), "<none>");
  EXPECT_EQ(Member(sl.AtRank(1)), "neg");
  EXPECT_EQ(Member(sl.AtRank(7)), "pos");
  EXPECT_EQ(Member(sl.AtRank(8)), "<none>");
}

TEST(SkiplistTest, DeleteNeedsScoreAndMember) {
  Skiplist sl;
  sl.Insert(1, "a");
  sl.Insert(2, "b");
  EXPECT_FALSE(sl.Delete(2, "a"));
  EXPECT_FALSE(sl.Delete(1, "b"));
  EXPECT_TRUE(sl.Delete(2, "b"));
  EXPECT_EQ(sl.Last(), sl.First());
  EXPECT_TRUE(sl.Delete(1, "a"));
  EXPECT_EQ(sl.First(), nullptr);
  EXPECT_EQ(sl.Last(), nullptr);
  EXPECT_EQ(sl.size(), 0u);
}

TEST(SkiplistTest, UpdateScoreInPlaceAndByMoving) {
  Skiplist sl;
  for (int i = 0; i < 10; i++) sl.Insert(i, "m" + std::to_string(i));
  Skiplist::Node* kept = sl.AtRank(5);  // m4
  Skiplist::Node* x = sl.UpdateScore(4, "m4", 4.5);
  EXPECT_EQ(x, kept);  // still between m3 and m5: the node stays
  EXPECT_EQ(x->score, 4.5);
  x = sl.UpdateScore(4.5, "m4", 100);
  EXPECT_EQ(x->score, 100);
  EXPECT_EQ(x->member, "m4");
  EXPECT_EQ(sl.Last(), x);
  EXPECT_EQ(sl.Rank(100, "m4"), 10u);
  x = sl.UpdateScore(100, "m4", -1);
  EXPECT_EQ(sl.First(), x);
  // Same score as a neighbour: the member breaks the tie.
  x = sl.UpdateScore(-1, "m4", 7);
  EXPECT_EQ(sl.Rank(7, "m4"), 7u);  // before m7
  EXPECT_EQ(sl.Rank(7, "m7"), 8u);
  EXPECT_EQ(sl.size(), 10u);
  EXPECT_EQ(Backward(sl), Forward(sl));
}

TEST(SkiplistTest, ScoreRangesHonourExclusiveBoundsAndInfinities) {
  Skiplist sl;
  for (int i = 1; i <= 5; i++) sl.Insert(i, std::string(1, static_cast<char>('a' + i - 1)));
  auto first = [&](const ScoreRange& r) { return Member(sl.FirstInRange(r)); };
  auto last = [&](const ScoreRange& r) { return Member(sl.LastInRange(r)); };
  EXPECT_EQ(first(Range(2, 4)), "b");
  EXPECT_EQ(last(Range(2, 4)), "d");
  EXPECT_EQ(first(Range(2, 4, true, true)), "c");
  EXPECT_EQ(last(Range(2, 4, true, true)), "c");
  EXPECT_EQ(first(Range(-kInf, kInf)), "a");
  EXPECT_EQ(last(Range(-kInf, kInf)), "e");
  EXPECT_EQ(first(Range(-kInf, 1, false, true)), "<none>");
  EXPECT_EQ(first(Range(5, kInf, true, false)), "<none>");
  EXPECT_EQ(last(Range(3, 3)), "c");
  EXPECT_EQ(first(Range(3, 3, true, false)), "<none>");  // (3 3: empty
  EXPECT_EQ(first(Range(4, 2)), "<none>");
  EXPECT_EQ(first(Range(2.5, 2.9)), "<none>");
  EXPECT_EQ(last(Range(2.5, 2.9)), "<none>");
  EXPECT_EQ(first(Range(0, 0.5)), "<none>");
  EXPECT_EQ(last(Range(6, 7)), "<none>");
  EXPECT_TRUE(Range(1, 1, false, true).Empty());
  EXPECT_FALSE(Range(1, 1).Empty());
  EXPECT_TRUE(Range(2, 1).Empty());
}

TEST(SkiplistTest, LexRangesHonourBracketsAndInfinities) {
  Skiplist sl;
  for (const char* m : {"a", "b", "c", "d", "e"}) sl.Insert(0, m);
  auto first = [&](std::string_view min, std::string_view max) {
    return Member(sl.FirstInLexRange(Lex(min, max)));
  };
  auto last = [&](std::string_view min, std::string_view max) {
    return Member(sl.LastInLexRange(Lex(min, max)));
  };
  EXPECT_EQ(first("-", "+"), "a");
  EXPECT_EQ(last("-", "+"), "e");
  EXPECT_EQ(first("[b", "[d"), "b");
  EXPECT_EQ(last("[b", "[d"), "d");
  EXPECT_EQ(first("(b", "(d"), "c");
  EXPECT_EQ(last("(b", "(d"), "c");
  EXPECT_EQ(first("(bb", "+"), "c");
  EXPECT_EQ(last("-", "(a"), "<none>");
  EXPECT_EQ(first("(e", "+"), "<none>");
  EXPECT_EQ(first("+", "-"), "<none>");
  EXPECT_EQ(first("+", "+"), "<none>");
  EXPECT_EQ(first("-", "-"), "<none>");
  EXPECT_EQ(first("[c", "[c"), "c");
  EXPECT_EQ(first("(c", "[c"), "<none>");
  EXPECT_EQ(first("[d", "[b"), "<none>");
  EXPECT_EQ(last("[", "+"), "e");  // "[" is the empty string, inclusive
  EXPECT_TRUE(Lex("+", "[a").Empty());
  EXPECT_TRUE(Lex("[a", "-").Empty());
  EXPECT_FALSE(Lex("-", "[a").Empty());
  EXPECT_FALSE(Lex("[a", "+").Empty());
  EXPECT_TRUE(Lex("[a", "(a").Empty());
}

TEST(SkiplistTest, DeleteRangeByRankReportsEachMember) {
  Skiplist sl;
  for (int i = 0; i < 20; i++) sl.Insert(i % 5, "m" + std::to_string(i));
  std::vector<Entry> before = Forward(sl);
  std::vector<std::string> deleted;
  EXPECT_EQ(sl.DeleteRangeByRank(3, 7, [&](const std::string& m) { deleted.push_back(m); }), 5u);
  std::vector<std::string> want;
  for (int i = 2; i < 7; i++) want.push_back(before[i].second);
  EXPECT_EQ(deleted, want);
  before.erase(before.begin() + 2, before.begin() + 7);
  EXPECT_EQ(Forward(sl), before);
  EXPECT_EQ(Backward(sl), before);
  // Past the end: stops at the last node.
  EXPECT_EQ(sl.DeleteRangeByRank(14, 100, [](const std::string&) {}), 2u);
  EXPECT_EQ(sl.size(), 13u);
  EXPECT_EQ(sl.Last()->member, before[12].second);
}

// Random ZADD/ZREM/ZINCRBY-style edits against a std::set model, checking
// ranks, rank lookups, score ranges and the backward links.
TEST(SkiplistTest, RandomOpsMatchASetModel) {
  std::mt19937_64 rng(99);
  Skiplist sl;
  Model model;
  std::map<std::string, double> scores;
  const double kScores[] = {-kInf, -3, -1.5, 0, 0.25, 1, 2, 2, 3, 1e300, kInf};
  auto score = [&] {
    return rng() % 3 == 0 ? static_cast<double>(static_cast<int>(rng() % 40) - 20)
                          : kScores[rng() % std::size(kScores)];
  };
  auto member = [&] {
    std::string m;
    const size_t n = rng() % 4;
    for (size_t i = 0; i < n; i++) m.push_back("ab\x80\xff"[rng() % 4]);
    return m;
  };
  for (int op = 0; op < 6000; op++) {
    const std::string m = member();
    const auto it = scores.find(m);
    switch (rng() % 8) {
      case 0:
      case 1:
        if (it == scores.end()) {
          const double s = score();
          Skiplist::Node* x = sl.Insert(s, m);
          ASSERT_EQ(x->member, m);
          model.insert({s, m});
          scores[m] = s;
        }
        break;
      case 2:
        if (it != scores.end()) {
          ASSERT_FALSE(sl.Delete(it->second == 0 ? 1 : 0, m));
          ASSERT_TRUE(sl.Delete(it->second, m));
          model.erase({it->second, m});
          scores.erase(it);
        } else {
          ASSERT_FALSE(sl.Delete(0, m));
        }
        break;
      case 3:
        if (it != scores.end()) {
          const double s = score();
          Skiplist::Node* x = sl.UpdateScore(it->second, m, s);
          ASSERT_EQ(x->score, s);
          ASSERT_EQ(x->member, m);
          model.erase({it->second, m});
          model.insert({s, m});
          it->second = s;
        }
        break;
      case 4: {
        const uint64_t want =
            it == scores.end()
                ? 0
                : static_cast<uint64_t>(std::distance(model.begin(), model.find({it->second, m}))) +
                      1;
        ASSERT_EQ(sl.Rank(it == scores.end() ? 0 : it->second, m), want) << op;
        const uint64_t r = rng() % (model.size() + 2);
        Skiplist::Node* x = sl.AtRank(r);
        if (r == 0 || r > model.size()) {
          ASSERT_EQ(x, nullptr);
        } else {
          ASSERT_NE(x, nullptr);
          const Entry& e = *std::next(model.begin(), static_cast<int64_t>(r - 1));
          ASSERT_EQ(Entry(x->score, x->member), e);
        }
        break;
      }
      case 5:
      case 6: {
        const ScoreRange r = Range(score(), score(), rng() % 2, rng() % 2);
        const Entry* first = nullptr;
        const Entry* last = nullptr;
        for (const Entry& e : model) {
          const bool above = r.minex ? e.first > r.min : e.first >= r.min;
          const bool below = r.maxex ? e.first < r.max : e.first <= r.max;
          if (above && below) {
            if (first == nullptr) first = &e;
            last = &e;
          }
        }
        Skiplist::Node* f = sl.FirstInRange(r);
        Skiplist::Node* l = sl.LastInRange(r);
        ASSERT_EQ(f == nullptr, first == nullptr) << r.min << " " << r.max;
        ASSERT_EQ(l == nullptr, last == nullptr);
        if (first != nullptr) {
          ASSERT_EQ(Entry(f->score, f->member), *first);
          ASSERT_EQ(Entry(l->score, l->member), *last);
        }
        break;
      }
      default:
        if (rng() % 8 == 0 && !model.empty()) {
          const uint64_t start = 1 + rng() % model.size();
          const uint64_t end = start + rng() % 4;
          std::vector<std::string> deleted;
          const size_t n =
              sl.DeleteRangeByRank(start, end, [&](const std::string& d) { deleted.push_back(d); });
          auto from = std::next(model.begin(), static_cast<int64_t>(start - 1));
          std::vector<std::string> want;
          for (auto i = from; i != model.end() && want.size() < end - start + 1;) {
            want.push_back(i->second);
            scores.erase(i->second);
            i = model.erase(i);
          }
          ASSERT_EQ(n, want.size());
          ASSERT_EQ(deleted, want);
        }
        break;
    }
    ASSERT_EQ(sl.size(), model.size());
    if (op % 200 == 0) {
      const std::vector<Entry> all(model.begin(), model.end());
      ASSERT_EQ(Forward(sl), all) << op;
      ASSERT_EQ(Backward(sl), all) << op;
      for (size_t i = 0; i < all.size(); i++) {
        ASSERT_EQ(sl.Rank(all[i].first, all[i].second), i + 1);
        ASSERT_EQ(sl.AtRank(i + 1)->member, all[i].second);
      }
    }
  }
}

// Lex ranges are defined when every score is equal (ZRANGEBYLEX).
TEST(SkiplistTest, RandomLexRangesMatchASetModel) {
  std::mt19937_64 rng(5);
  Skiplist sl;
  std::set<std::string> model;
  auto member = [&] {
    std::string m;
    const size_t n = rng() % 4;
    for (size_t i = 0; i < n; i++) m.push_back("ab\x7f\x80"[rng() % 4]);
    return m;
  };
  for (int i = 0; i < 60; i++) {
    const std::string m = member();
    if (model.insert(m).second) sl.Insert(5, m);
  }
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
  for (int op = 0; op < 2000; op++) {
    const std::string min = bound(), max = bound();
    const LexRange r = Lex(min, max);
    std::vector<std::string> in;
    for (const std::string& m : model) {
      ASSERT_EQ(r.Contains(m), LexIn(m, min, max)) << min << " " << max << " " << m;
      if (LexIn(m, min, max)) in.push_back(m);
    }
    if (r.Empty()) {
      ASSERT_TRUE(in.empty());
    }
    const std::string first = in.empty() ? "<none>" : in.front();
    const std::string last = in.empty() ? "<none>" : in.back();
    ASSERT_EQ(Member(sl.FirstInLexRange(r)), first) << op;
    ASSERT_EQ(Member(sl.LastInLexRange(r)), last) << op;
  }
}

}  // namespace
}  // namespace cairn::types
