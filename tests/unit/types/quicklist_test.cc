#include "types/quicklist.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <random>
#include <string>
#include <vector>

#include "tests/unit/types/test_util.h"
#include "types/listpack.h"

namespace cairn::types {
namespace {

std::vector<size_t> NodeCounts(const Quicklist& q) {
  std::vector<size_t> out;
  q.ForEachNode([&](const unsigned char* lp) { out.push_back(lp::Length(lp)); });
  return out;
}

std::vector<std::string> All(const Quicklist& q) {
  std::vector<std::string> out;
  if (q.size() > 0) {
    q.Range(0, static_cast<int64_t>(q.size()) - 1, [&](std::string_view s) {
      out.emplace_back(s);
      return true;
    });
  }
  return out;
}

std::vector<std::string> AllFromNodes(const Quicklist& q) {
  std::vector<std::string> out;
  q.ForEachNode([&](const unsigned char* lp) {
    for (unsigned char* p = lp::First(lp); p != nullptr; p = lp::Next(lp, p)) {
      out.push_back(lp::Get(p).ToString());
    }
  });
  return out;
}

struct FillCase {
  int fill;
  size_t n;
  std::string element;
  bool push_front;
  std::vector<size_t> nodes;  // redis-server 7.0.15's, from its DUMP payload
};

// list-max-listpack-size: nodes split exactly where Redis 7.0.15 splits
// them (node element counts read from its DUMP payloads).
TEST(QuicklistFillTest, NodesSplitWhereRedisSplitsThem) {
  const std::string a100(100, 'a'), a1000(1000, 'a'), b3000(3000, 'b'), c5000(5000, 'c');
  std::vector<size_t> fill_neg4(9, 318);
  fill_neg4.push_back(138);
  const std::vector<FillCase> cases = {
      {-1, 100, a100, false, {39, 39, 22}},
      {-1, 100, a100, true, {22, 39, 39}},
      {-2, 100, a100, false, {79, 21}},
      {-4, 3000, a100, false, fill_neg4},
      {-5, 1000, a100, false, {636, 364}},
      {-6, 1000, a100, false, {636, 364}},  // below -5 acts as -5
      {-100, 1000, a100, false, {636, 364}},
      {-1, 3000, "1", true, {959, 2041}},
      {-3, 2000, "12345", false, {2000}},
      {-1, 5, c5000, false, {1, 1, 1, 1, 1}},  // one big element per node
      {-2, 30, b3000, false, std::vector<size_t>(15, 2)},
      {5, 12, "x", false, {5, 5, 2}},
      {1000, 20, a1000, false, {8, 8, 4}},  // positive fill, but 8 KiB at most
      {32767, 10000, "x", false, {2726, 2726, 2726, 1822}},
      {2, 7, c5000, false, std::vector<size_t>(7, 1)},
      {0, 5, "x", false, {1, 1, 1, 1, 1}},
  };
  for (const FillCase& c : cases) {
    SCOPED_TRACE("fill " + std::to_string(c.fill) + " n " + std::to_string(c.n) + " len " +
                 std::to_string(c.element.size()) + (c.push_front ? " LPUSH" : " RPUSH"));
    Quicklist q(c.fill);
    for (size_t i = 0; i < c.n; i++) c.push_front ? q.PushFront(c.element) : q.PushBack(c.element);
    EXPECT_EQ(q.size(), c.n);
    EXPECT_EQ(NodeCounts(q), c.nodes);
  }
}

TEST(QuicklistFillTest, FillIsClampedAsRedisClampsIt) {
  // DEBUG OBJECT's ql_listpack_max on redis-server 7.0.15 for
  // list-max-listpack-size -100 and 100000.
  EXPECT_EQ(Quicklist(-100).fill(), -5);
  EXPECT_EQ(Quicklist(100000).fill(), 32767);
  EXPECT_EQ(Quicklist(-3).fill(), -3);
  EXPECT_EQ(Quicklist(0).fill(), 0);
  Quicklist q(INT_MIN);
  for (int i = 0; i < 1000; i++) q.PushBack(std::string(100, 'a'));
  EXPECT_EQ(NodeCounts(q), (std::vector<size_t>{636, 364}));
}

// Elements of 1..299 bytes and integers, pushed at both ends.
TEST(QuicklistFillTest, MixedPushesSplitWhereRedisSplitsThem) {
  for (const auto& [fill, nodes] : std::vector<std::pair<int, std::vector<size_t>>>{
           {-1, {26, 30, 34, 31, 33, 35, 30, 33, 32, 31, 33, 31, 21}}, {7, {}}}) {
    Quicklist q(fill);
    std::deque<std::string> model;
    for (int i = 0; i < 400; i++) {
      const int n = (i * 37) % 300;
      const std::string e = n % 5 ? std::string(n, static_cast<char>('a' + i % 26))
                                  : std::to_string(int64_t{i} * 1000003);
      if (i % 3 == 0) {
        q.PushFront(e);
        model.push_front(e);
      } else {
        q.PushBack(e);
        model.push_back(e);
      }
    }
    std::vector<size_t> want = nodes;
    if (fill == 7) {
      want = std::vector<size_t>(56, 7);
      want.insert(want.begin(), 5);
      want.push_back(3);
    }
    EXPECT_EQ(NodeCounts(q), want) << fill;
    EXPECT_EQ(All(q), std::vector<std::string>(model.begin(), model.end()));
  }
}

struct LinsertCase {
  int fill;
  int pushes, inserts;
  std::vector<size_t> mid, end;  // redis-server 7.0.15's node counts
};

// LINSERT splits a full node at the pivot and merges the pieces with their
// neighbours as Redis 7.0's _quicklistInsert does (node counts read from its
// DUMP payloads after the same commands).
TEST(QuicklistFillTest, InsertAtPivotSplitsAndMergesWhereRedisDoes) {
  const std::vector<LinsertCase> cases = {
      {4,
       40,
       120,
       {1, 4, 2, 3, 3, 3, 3, 4, 2, 3, 3, 3, 3, 4, 4, 2, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 2, 3, 4, 4},
       {2, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 3, 4, 2, 4, 3, 4,
        4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 2}},
      {3,
       30,
       90,
       {1, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 1, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 2, 2},
       {2, 3, 2, 3, 3, 1, 3, 2, 3, 3, 1, 3, 2, 3, 3, 1, 3, 2, 3, 3, 1, 3, 2, 3, 3,
        1, 3, 2, 3, 3, 1, 3, 2, 3, 3, 1, 3, 2, 3, 3, 1, 3, 2, 3, 3, 1, 3, 2, 2, 3}},
      {-1, 60, 150, {14, 43, 39, 39}, {45, 48, 44, 23, 50}},
      {-2, 80, 200, {75, 52, 53}, {105, 82, 93}},
      {1, 10, 30, std::vector<size_t>(25, 1), std::vector<size_t>(40, 1)},
  };
  for (const LinsertCase& c : cases) {
    SCOPED_TRACE("fill " + std::to_string(c.fill));
    auto pivot = [&](int i) {
      return "p" + std::to_string(i) + (c.fill < 0 ? std::string((i * 29) % 200, 'x') : "");
    };
    auto value = [&](int k) {
      if (k % 5 == 0) return std::to_string(k * 1000);
      return "n" + std::to_string(k) + (c.fill < 0 ? std::string((k * 13) % 150, 'y') : "");
    };
    Quicklist q(c.fill);
    std::deque<std::string> model;
    for (int i = 0; i < c.pushes; i++) {
      q.PushBack(pivot(i));
      model.push_back(pivot(i));
    }
    for (int k = 0; k < c.inserts; k++) {
      const std::string p = pivot((k * 7919 + 13) % c.pushes);
      const bool after = k % 3 != 0;
      ASSERT_TRUE(q.InsertAtPivot(p, value(k), after));
      auto it = std::find(model.begin(), model.end(), p);
      model.insert(after ? it + 1 : it, value(k));
      if (k == c.inserts / 2 - 1) {
        EXPECT_EQ(NodeCounts(q), c.mid);
      }
    }
    EXPECT_EQ(NodeCounts(q), c.end);
    EXPECT_EQ(All(q), std::vector<std::string>(model.begin(), model.end()));
    EXPECT_EQ(AllFromNodes(q), All(q));
  }
}

// One full 4 KiB node of 39 distinct 100-byte elements, then one LINSERT;
// redis-server 7.0.15's node counts after the same commands.
TEST(QuicklistFillTest, InsertIntoAFullNodeMatchesRedisAtTheMergeLimit) {
  struct Case {
    const char* pivot;  // number of the pivot element
    bool after;
    size_t len;
    std::vector<size_t> nodes;
  };
  const Case cases[] = {
      {"038", true, 66, {39, 1}},   // past the tail: a node of its own
      {"000", false, 66, {1, 39}},  // before the head: likewise
      {"020", true, 73, {40}},      // split, and the halves fit Redis's merge estimate again
      {"020", true, 74, {21, 19}},  // one byte more: they stay apart
      {"020", false, 74, {21, 19}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(c.pivot) + (c.after ? " after " : " before ") + std::to_string(c.len));
    Quicklist q(-1);
    for (int i = 0; i < 39; i++) {
      char prefix[4];
      std::snprintf(prefix, sizeof(prefix), "%03d", i);
      q.PushBack(prefix + std::string(97, 'a'));
    }
    ASSERT_EQ(NodeCounts(q), std::vector<size_t>{39});
    ASSERT_TRUE(q.InsertAtPivot(c.pivot + std::string(97, 'a'), std::string(c.len, 'z'), c.after));
    EXPECT_EQ(NodeCounts(q), c.nodes);
    EXPECT_EQ(q.size(), 40u);
    std::string out;
    const int64_t at = std::stoi(c.pivot) + (c.after ? 1 : 0);
    ASSERT_TRUE(q.Get(at, &out));
    EXPECT_EQ(out, std::string(c.len, 'z'));
  }
}

TEST(QuicklistTest, PushAndPopAtBothEnds) {
  Quicklist q(2);
  q.PushBack("b");
  q.PushFront("a");
  q.PushBack("-42");
  q.PushFront(std::string(300, 'z'));
  EXPECT_EQ(q.size(), 4u);
  EXPECT_EQ(q.node_count(), 3u);  // [z] [a b] [-42]: pushes never share a full node
  EXPECT_EQ(q.PopFront(), std::string(300, 'z'));
  EXPECT_EQ(q.PopBack(), "-42");
  EXPECT_EQ(q.PopBack(), "b");
  EXPECT_EQ(q.node_count(), 1u);
  EXPECT_EQ(q.PopFront(), "a");
  EXPECT_EQ(q.size(), 0u);
  EXPECT_EQ(q.node_count(), 0u);
}

TEST(QuicklistTest, GetAndSetCountNegativeIndexesFromTheTail) {
  Quicklist q(3);
  for (int i = 0; i < 10; i++) q.PushBack(std::to_string(i));
  std::string out;
  for (int64_t i = 0; i < 10; i++) {
    ASSERT_TRUE(q.Get(i, &out));
    EXPECT_EQ(out, std::to_string(i));
    ASSERT_TRUE(q.Get(-1 - i, &out));
    EXPECT_EQ(out, std::to_string(9 - i));
  }
  EXPECT_FALSE(q.Get(10, &out));
  EXPECT_FALSE(q.Get(-11, &out));
  EXPECT_TRUE(q.Set(-10, "first"));
  EXPECT_TRUE(q.Set(9, "last"));
  EXPECT_TRUE(q.Set(-5, std::string(200, 'm')));
  EXPECT_FALSE(q.Set(10, "x"));
  EXPECT_FALSE(q.Set(-11, "x"));
  EXPECT_EQ(All(q), (std::vector<std::string>{"first", "1", "2", "3", "4", std::string(200, 'm'),
                                              "6", "7", "8", "last"}));
}

TEST(QuicklistTest, InsertAtPivotFindsTheFirstMatchFromTheHead) {
  Quicklist q(2);
  for (const char* s : {"a", "p", "b", "p", "c"}) q.PushBack(s);
  EXPECT_TRUE(q.InsertAtPivot("p", "before", false));
  EXPECT_TRUE(q.InsertAtPivot("p", "after", true));
  EXPECT_TRUE(q.InsertAtPivot("c", "end", true));
  EXPECT_TRUE(q.InsertAtPivot("a", "start", false));
  EXPECT_FALSE(q.InsertAtPivot("nope", "x", true));
  EXPECT_EQ(All(q),
            (std::vector<std::string>{"start", "a", "before", "p", "after", "b", "p", "c", "end"}));
  EXPECT_EQ(AllFromNodes(q), All(q));
  // Integer elements match their text.
  Quicklist n(-2);
  for (const char* s : {"1", "10", "100"}) n.PushBack(s);
  EXPECT_FALSE(n.InsertAtPivot("010", "x", false));
  EXPECT_TRUE(n.InsertAtPivot("10", "x", false));
  EXPECT_EQ(All(n), (std::vector<std::string>{"1", "x", "10", "100"}));
}

TEST(QuicklistTest, InsertIntoFullNodesSplitsThem) {
  Quicklist q(4);
  for (int i = 0; i < 8; i++) q.PushBack(std::to_string(i));
  ASSERT_EQ(NodeCounts(q), (std::vector<size_t>{4, 4}));
  EXPECT_TRUE(q.InsertAtPivot("1", "x", true));
  EXPECT_TRUE(q.InsertAtPivot("6", "y", false));
  EXPECT_EQ(All(q), (std::vector<std::string>{"0", "1", "x", "2", "3", "4", "5", "y", "6", "7"}));
  for (size_t c : NodeCounts(q)) {
    EXPECT_GE(c, 1u);
    EXPECT_LE(c, 4u);
  }
  // A big element next to full nodes gets a node of its own.
  Quicklist b(-1);
  for (int i = 0; i < 80; i++) b.PushBack(std::string(100, 'a'));
  ASSERT_EQ(NodeCounts(b), (std::vector<size_t>{39, 39, 2}));
  b.Set(20, "pivot");
  EXPECT_TRUE(b.InsertAtPivot("pivot", std::string(5000, 'B'), true));
  EXPECT_EQ(b.size(), 81u);
  std::string out;
  ASSERT_TRUE(b.Get(21, &out));
  EXPECT_EQ(out, std::string(5000, 'B'));
  ASSERT_TRUE(b.Get(20, &out));
  EXPECT_EQ(out, "pivot");
  EXPECT_EQ(AllFromNodes(b), All(b));
  for (size_t c : NodeCounts(b)) EXPECT_GE(c, 1u);
}

TEST(QuicklistTest, RemoveCountsFromTheHeadTheTailOrAll) {
  auto make = [] {
    Quicklist q(2);
    for (const char* s : {"x", "a", "x", "b", "x", "c", "x"}) q.PushBack(s);
    return q;
  };
  Quicklist head = make();
  EXPECT_EQ(head.Remove("x", 2), 2u);
  EXPECT_EQ(All(head), (std::vector<std::string>{"a", "b", "x", "c", "x"}));
  Quicklist tail = make();
  EXPECT_EQ(tail.Remove("x", -3), 3u);
  EXPECT_EQ(All(tail), (std::vector<std::string>{"x", "a", "b", "c"}));
  Quicklist all = make();
  EXPECT_EQ(all.Remove("x", 0), 4u);
  EXPECT_EQ(All(all), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(all.Remove("nope", 0), 0u);
  EXPECT_EQ(all.Remove("a", 100), 1u);
  EXPECT_EQ(all.Remove("c", -100), 1u);
  EXPECT_EQ(all.Remove("b", -1), 1u);
  EXPECT_EQ(all.size(), 0u);
  EXPECT_EQ(all.node_count(), 0u);
}

TEST(QuicklistTest, TrimAndDeleteRange) {
  Quicklist q(3);
  for (int i = 0; i < 20; i++) q.PushBack(std::to_string(i));
  q.Trim(2, 17);
  EXPECT_EQ(q.size(), 16u);
  std::string out;
  ASSERT_TRUE(q.Get(0, &out));
  EXPECT_EQ(out, "2");
  ASSERT_TRUE(q.Get(-1, &out));
  EXPECT_EQ(out, "17");
  q.DeleteRange(1, 7);  // 3..9
  EXPECT_EQ(All(q),
            (std::vector<std::string>{"2", "10", "11", "12", "13", "14", "15", "16", "17"}));
  q.DeleteRange(5, 100);
  EXPECT_EQ(All(q), (std::vector<std::string>{"2", "10", "11", "12", "13"}));
  q.Trim(4, 4);
  EXPECT_EQ(All(q), (std::vector<std::string>{"13"}));
  EXPECT_EQ(q.node_count(), 1u);
  q.DeleteRange(0, 1);
  EXPECT_EQ(q.size(), 0u);
  EXPECT_EQ(q.node_count(), 0u);
}

TEST(QuicklistTest, RangeGoesForwardOrBackwardAcrossNodes) {
  Quicklist q(2);
  for (int i = 0; i < 9; i++) q.PushBack(std::to_string(i));
  auto range = [&](int64_t start, int64_t end, size_t stop_after = SIZE_MAX) {
    std::string out;
    size_t seen = 0;
    q.Range(start, end, [&](std::string_view s) {
      out += s;
      return ++seen < stop_after;
    });
    return out;
  };
  EXPECT_EQ(range(0, 8), "012345678");
  EXPECT_EQ(range(8, 0), "876543210");
  EXPECT_EQ(range(3, 6), "3456");
  EXPECT_EQ(range(6, 3), "6543");
  EXPECT_EQ(range(4, 4), "4");
  EXPECT_EQ(range(1, 8, 3), "123");
  EXPECT_EQ(range(7, 0, 2), "76");
}

TEST(QuicklistTest, CopyIsDeep) {
  Quicklist q(-1);
  for (int i = 0; i < 100; i++) q.PushBack(std::string(100, static_cast<char>('a' + i % 26)));
  Quicklist copy(q);
  EXPECT_EQ(copy.size(), q.size());
  EXPECT_EQ(copy.fill(), -1);
  EXPECT_EQ(NodeCounts(copy), NodeCounts(q));
  EXPECT_EQ(All(copy), All(q));
  const std::vector<std::string> before = All(q);
  copy.Set(0, "changed");
  copy.PopBack();
  copy.PushFront("new");
  EXPECT_EQ(All(q), before);
  EXPECT_EQ(copy.size(), 100u);
}

TEST(QuicklistTest, AppendNodeAdoptsAListpack) {
  Quicklist q(-2);
  q.PushBack("head");
  unsigned char* lp = lp::New();
  for (const char* s : {"1", "two", "3"}) lp = lp::Append(lp, s);
  q.AppendNode(lp);
  EXPECT_EQ(q.size(), 4u);
  EXPECT_EQ(q.node_count(), 2u);
  std::string out;
  ASSERT_TRUE(q.Get(2, &out));
  EXPECT_EQ(out, "two");
  q.PushBack("tail");
  EXPECT_EQ(NodeCounts(q), (std::vector<size_t>{1, 4}));
  EXPECT_EQ(All(q), (std::vector<std::string>{"head", "1", "two", "3", "tail"}));
}

// Random LPUSH/RPUSH/LPOP/RPOP/LINDEX/LSET/LINSERT/LREM/LTRIM/LRANGE against a
// std::deque, for fills that give one-element, small and byte-capped nodes.
class QuicklistModelTest : public ::testing::TestWithParam<int> {};

TEST_P(QuicklistModelTest, RandomOpsMatchADequeModel) {
  const int fill = GetParam();
  std::mt19937_64 rng(1000 + fill);
  Quicklist q(fill);
  std::deque<std::string> model;
  auto index = [&](size_t n) { return static_cast<int64_t>(rng() % n); };
  auto pick = [&](const std::string& fallback) {
    return model.empty() || rng() % 4 == 0 ? fallback : model[index(model.size())];
  };
  for (int op = 0; op < 2500; op++) {
    const std::string s = testing::RandomElement(rng);
    const size_t n = model.size();
    int kind = static_cast<int>(rng() % 12);
    if (n > 150 && kind < 2) kind = 2 + kind;  // pop instead of push
    if (n == 0 && kind >= 2) kind = 0;
    switch (kind) {
      case 0:
        q.PushBack(s);
        model.push_back(s);
        break;
      case 1:
        q.PushFront(s);
        model.push_front(s);
        break;
      case 2:
        ASSERT_EQ(q.PopFront(), model.front());
        model.pop_front();
        break;
      case 3:
        ASSERT_EQ(q.PopBack(), model.back());
        model.pop_back();
        break;
      case 4: {
        const int64_t i = index(2 * n + 4) - static_cast<int64_t>(n) - 2;
        const int64_t want = i < 0 ? i + static_cast<int64_t>(n) : i;
        std::string out;
        const bool in = want >= 0 && want < static_cast<int64_t>(n);
        ASSERT_EQ(q.Get(i, &out), in) << i;
        if (in) {
          ASSERT_EQ(out, model[want]);
        }
        break;
      }
      case 5: {
        const int64_t i = index(2 * n + 2) - static_cast<int64_t>(n) - 1;
        const int64_t want = i < 0 ? i + static_cast<int64_t>(n) : i;
        const bool in = want >= 0 && want < static_cast<int64_t>(n);
        ASSERT_EQ(q.Set(i, s), in) << i;
        if (in) model[want] = s;
        break;
      }
      case 6: {
        const std::string pivot = pick(s);
        const bool after = rng() % 2;
        auto it = std::find(model.begin(), model.end(), pivot);
        ASSERT_EQ(q.InsertAtPivot(pivot, s, after), it != model.end());
        if (it != model.end()) model.insert(after ? it + 1 : it, s);
        break;
      }
      case 7: {
        const std::string target = pick(s);
        const int64_t count = static_cast<int64_t>(rng() % 7) - 3;
        size_t want = 0;
        const size_t limit = count == 0 ? SIZE_MAX : static_cast<size_t>(std::abs(count));
        if (count >= 0) {
          for (auto it = model.begin(); it != model.end() && want < limit;) {
            if (*it == target) {
              it = model.erase(it);
              want++;
            } else {
              ++it;
            }
          }
        } else {
          for (size_t i = model.size(); i > 0 && want < limit; i--) {
            if (model[i - 1] == target) {
              model.erase(model.begin() + static_cast<int64_t>(i - 1));
              want++;
            }
          }
        }
        ASSERT_EQ(q.Remove(target, count), want);
        break;
      }
      case 8: {
        if (n < 10 || rng() % 4 != 0) break;
        const size_t start = rng() % 3, end = n - 1 - rng() % 3;
        q.Trim(start, end);
        model.erase(model.begin() + static_cast<int64_t>(end) + 1, model.end());
        model.erase(model.begin(), model.begin() + static_cast<int64_t>(start));
        break;
      }
      case 9: {
        const size_t start = rng() % n, count = rng() % 10;
        q.DeleteRange(start, count);
        model.erase(model.begin() + static_cast<int64_t>(start),
                    model.begin() + static_cast<int64_t>(std::min(n, start + count)));
        break;
      }
      default: {
        const int64_t a = index(n), b = index(n);
        std::vector<std::string> got, want;
        q.Range(a, b, [&](std::string_view e) {
          got.emplace_back(e);
          return true;
        });
        for (int64_t i = a;; i += a <= b ? 1 : -1) {
          want.push_back(model[i]);
          if (i == b) break;
        }
        ASSERT_EQ(got, want) << a << ".." << b;
        break;
      }
    }
    ASSERT_EQ(q.size(), model.size()) << op;
    size_t total = 0;
    for (size_t c : NodeCounts(q)) {
      ASSERT_GT(c, 0u) << "empty node after op " << op;
      total += c;
    }
    ASSERT_EQ(total, model.size());
    if (op % 64 == 0) {
      ASSERT_EQ(All(q), std::vector<std::string>(model.begin(), model.end())) << op;
      ASSERT_EQ(AllFromNodes(q), All(q));
    }
  }
  Quicklist copy(q);
  EXPECT_EQ(All(copy), std::vector<std::string>(model.begin(), model.end()));
}

INSTANTIATE_TEST_SUITE_P(Fills, QuicklistModelTest, ::testing::Values(-2, -1, 0, 1, 3, 16));

}  // namespace
}  // namespace cairn::types
