#include "types/zset.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "types/listpack.h"

namespace cairn::types::zset {

std::string ScoreToString(double d) {
  if (std::isnan(d)) return "nan";
  if (std::isinf(d)) return d < 0 ? "-inf" : "inf";
  // Integral scores within +-2^62 are written as integers (-0 as 0), which
  // a listpack then holds as an integer entry, as Redis 7.0.15 stores them
  // (checked byte for byte against its DUMP output).
  constexpr double kLimit = 4611686018427387904.0;  // 2^62
  if (d >= -kLimit && d <= kLimit && d == std::trunc(d)) {
    return std::to_string(static_cast<long long>(d));
  }
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.17g", d);
  return buf;
}

namespace {

double ScoreAt(const unsigned char* p) {
  const lp::Element e = lp::Get(p);
  if (e.is_int) return static_cast<double>(e.ival);
  const std::string s(e.sval);
  return std::strtod(s.c_str(), nullptr);
}

// The member's entry in a listpack zset, and its score.
unsigned char* FindMember(const unsigned char* lp, std::string_view member, double* score) {
  unsigned char* p = lp::Find(lp, lp::First(lp), member, 1);
  if (p != nullptr && score != nullptr) *score = ScoreAt(lp::Next(lp, p));
  return p;
}

// Inserts (member, score) at its place in a listpack zset (Redis's zzlInsert).
unsigned char* ListpackInsert(unsigned char* lp, std::string_view member, double score) {
  const std::string s = ScoreToString(score);
  for (unsigned char* m = lp::First(lp); m != nullptr;) {
    unsigned char* sp = lp::Next(lp, m);
    const double cur = ScoreAt(sp);
    if (cur > score || (cur == score && lp::Get(m).ToString() > member)) {
      unsigned char* at;
      lp = lp::InsertBefore(lp, m, member, &at);
      return lp::InsertAfter(lp, at, s);
    }
    m = lp::Next(lp, sp);
  }
  lp = lp::Append(lp, member);
  return lp::Append(lp, s);
}

size_t ListpackPairs(const unsigned char* lp) { return lp::Length(lp) / 2; }

}  // namespace

Value New(size_t size_hint, size_t max_len, const Limits& limits) {
  if (size_hint <= limits.max_listpack_entries && max_len <= limits.max_listpack_value) {
    return Value(ValueType::kZSet, Encoding::kListpack, lp::New());
  }
  return Value(ValueType::kZSet, Encoding::kSkiplist, new ZSetIndex);
}

size_t Card(const Value& z) {
  if (z.enc == Encoding::kListpack) return ListpackPairs(z.listpack());
  return z.zset_index()->order.size();
}

std::optional<double> Score(const Value& z, std::string_view member) {
  if (z.enc == Encoding::kListpack) {
    double s;
    if (FindMember(z.listpack(), member, &s) == nullptr) return std::nullopt;
    return s;
  }
  const double* s = z.zset_index()->scores.Find(member);
  if (s == nullptr) return std::nullopt;
  return *s;
}

void ConvertToSkiplist(Value& z) {
  if (z.enc != Encoding::kListpack) return;
  auto* idx = new ZSetIndex;
  const unsigned char* lp = z.listpack();
  idx->scores.Reserve(ListpackPairs(lp));
  for (unsigned char* m = lp::First(lp); m != nullptr;) {
    unsigned char* sp = lp::Next(lp, m);
    const std::string member = lp::Get(m).ToString();
    const double score = ScoreAt(sp);
    idx->order.Insert(score, member);
    idx->scores.Insert(member, score);
    m = lp::Next(lp, sp);
  }
  z.Reset(Encoding::kSkiplist, idx);
}

void ConvertToListpackIfFits(Value& z, size_t max_len, const Limits& limits) {
  if (z.enc != Encoding::kSkiplist) return;
  const ZSetIndex* idx = z.zset_index();
  if (idx->order.size() > limits.max_listpack_entries || max_len > limits.max_listpack_value) {
    return;
  }
  unsigned char* lp = lp::New();
  for (auto* n = idx->order.First(); n != nullptr; n = n->level[0].forward) {
    lp = lp::Append(lp, n->member);
    lp = lp::Append(lp, ScoreToString(n->score));
  }
  z.Reset(Encoding::kListpack, lp);
}

AddResult Add(Value& z, double score, std::string_view member, int flags, double* new_score,
              const Limits& limits) {
  const bool incr = flags & kIncr, nx = flags & kNx, xx = flags & kXx, gt = flags & kGt,
             lt = flags & kLt;
  if (std::isnan(score)) return AddResult::kNan;
  if (z.enc == Encoding::kListpack) {
    unsigned char* lp = z.listpack();
    double cur;
    if (unsigned char* m = FindMember(lp, member, &cur)) {
      if (nx) return AddResult::kNop;
      if (incr) {
        score += cur;
        if (std::isnan(score)) return AddResult::kNan;
      }
      if ((lt && score >= cur) || (gt && score <= cur)) return AddResult::kNop;
      if (new_score) *new_score = score;
      if (score == cur) return AddResult::kSame;
      lp = lp::DeleteRange(lp, m, 2);
      z.set_rep(ListpackInsert(lp, member, score));
      return AddResult::kUpdated;
    }
    if (xx) return AddResult::kNop;
    if (ListpackPairs(lp) + 1 > limits.max_listpack_entries ||
        member.size() > limits.max_listpack_value) {
      ConvertToSkiplist(z);
    } else {
      z.set_rep(ListpackInsert(lp, member, score));
      if (new_score) *new_score = score;
      return AddResult::kAdded;
    }
  }
  ZSetIndex* idx = z.zset_index();
  if (double* cur = idx->scores.Find(member)) {
    if (nx) return AddResult::kNop;
    if (incr) {
      score += *cur;
      if (std::isnan(score)) return AddResult::kNan;
    }
    if ((lt && score >= *cur) || (gt && score <= *cur)) return AddResult::kNop;
    if (new_score) *new_score = score;
    if (score == *cur) return AddResult::kSame;
    idx->order.UpdateScore(*cur, member, score);
    *cur = score;
    return AddResult::kUpdated;
  }
  if (xx) return AddResult::kNop;
  idx->order.Insert(score, member);
  idx->scores.Insert(member, score);
  if (new_score) *new_score = score;
  return AddResult::kAdded;
}

bool Remove(Value& z, std::string_view member) {
  if (z.enc == Encoding::kListpack) {
    unsigned char* m = FindMember(z.listpack(), member, nullptr);
    if (m == nullptr) return false;
    z.set_rep(lp::DeleteRange(z.listpack(), m, 2));
    return true;
  }
  ZSetIndex* idx = z.zset_index();
  const double* s = idx->scores.Find(member);
  if (s == nullptr) return false;
  idx->order.Delete(*s, member);
  idx->scores.Erase(member);
  return true;
}

std::optional<uint64_t> Rank(const Value& z, std::string_view member, bool reverse) {
  const size_t n = Card(z);
  if (z.enc == Encoding::kListpack) {
    const unsigned char* lp = z.listpack();
    uint64_t r = 0;
    for (unsigned char* m = lp::First(lp); m != nullptr; r++) {
      if (lp::Get(m).Equals(member)) return reverse ? n - 1 - r : r;
      m = lp::Next(lp, lp::Next(lp, m));
    }
    return std::nullopt;
  }
  const ZSetIndex* idx = z.zset_index();
  const double* s = idx->scores.Find(member);
  if (s == nullptr) return std::nullopt;
  const uint64_t r = idx->order.Rank(*s, member) - 1;
  return reverse ? n - 1 - r : r;
}

void RangeByRank(const Value& z, uint64_t start, uint64_t end, bool reverse, const Visit& fn) {
  const size_t n = Card(z);
  if (z.enc == Encoding::kListpack) {
    const unsigned char* lp = z.listpack();
    const int64_t first = static_cast<int64_t>(reverse ? (n - 1 - start) * 2 : start * 2);
    unsigned char* m = lp::Seek(lp, first);
    for (uint64_t r = start; r <= end && m != nullptr; r++) {
      unsigned char* sp = lp::Next(lp, m);
      const std::string member = lp::Get(m).ToString();
      if (!fn(member, ScoreAt(sp))) return;
      if (reverse) {
        unsigned char* prev_score = lp::Prev(lp, m);
        m = prev_score == nullptr ? nullptr : lp::Prev(lp, prev_score);
      } else {
        m = lp::Next(lp, sp);
      }
    }
    return;
  }
  const Skiplist& sl = z.zset_index()->order;
  Skiplist::Node* x = sl.AtRank(reverse ? n - start : start + 1);
  for (uint64_t r = start; r <= end && x != nullptr; r++) {
    if (!fn(x->member, x->score)) return;
    x = reverse ? x->backward : x->level[0].forward;
  }
}

void RangeByScore(const Value& z, const ScoreRange& r, bool reverse, uint64_t offset,
                  const Visit& fn) {
  if (z.enc == Encoding::kListpack) {
    const unsigned char* lp = z.listpack();
    if (!reverse) {
      for (unsigned char* m = lp::First(lp); m != nullptr;) {
        unsigned char* sp = lp::Next(lp, m);
        const double s = ScoreAt(sp);
        if (!r.BelowMax(s)) return;
        if (r.AboveMin(s)) {
          if (offset > 0) {
            offset--;
          } else if (!fn(lp::Get(m).ToString(), s)) {
            return;
          }
        }
        m = lp::Next(lp, sp);
      }
      return;
    }
    for (unsigned char* sp = lp::Last(lp); sp != nullptr;) {
      unsigned char* m = lp::Prev(lp, sp);
      const double s = ScoreAt(sp);
      if (!r.AboveMin(s)) return;
      if (r.BelowMax(s)) {
        if (offset > 0) {
          offset--;
        } else if (!fn(lp::Get(m).ToString(), s)) {
          return;
        }
      }
      sp = lp::Prev(lp, m);
    }
    return;
  }
  const Skiplist& sl = z.zset_index()->order;
  Skiplist::Node* x = reverse ? sl.LastInRange(r) : sl.FirstInRange(r);
  while (x != nullptr && offset > 0) {
    x = reverse ? x->backward : x->level[0].forward;
    offset--;
  }
  while (x != nullptr && r.Contains(x->score)) {
    if (!fn(x->member, x->score)) return;
    x = reverse ? x->backward : x->level[0].forward;
  }
}

namespace {
// Redis's zzlIsInLexRange, zzlFirstInLexRange and zzlLastInLexRange. When
// members have different scores a listpack is not in lexicographic order,
// and these exact steps decide which members a BYLEX range sees (for
// ZRANGE, ZLEXCOUNT and ZREMRANGEBYLEX alike): copied so replies match.
bool LpMayHaveLex(const unsigned char* lp, const LexRange& r) {
  unsigned char* first = lp::First(lp);
  if (r.Empty() || first == nullptr) return false;
  unsigned char* last = lp::Prev(lp, lp::Last(lp));
  return r.AboveMin(lp::Get(last).ToString()) && r.BelowMax(lp::Get(first).ToString());
}

unsigned char* LpFirstInLex(const unsigned char* lp, const LexRange& r) {
  if (!LpMayHaveLex(lp, r)) return nullptr;
  for (unsigned char* m = lp::First(lp); m != nullptr; m = lp::Next(lp, lp::Next(lp, m))) {
    const std::string member = lp::Get(m).ToString();
    if (r.AboveMin(member)) return r.BelowMax(member) ? m : nullptr;
  }
  return nullptr;
}

unsigned char* LpLastInLex(const unsigned char* lp, const LexRange& r) {
  if (!LpMayHaveLex(lp, r)) return nullptr;
  for (unsigned char* sp = lp::Last(lp); sp != nullptr;) {
    unsigned char* m = lp::Prev(lp, sp);
    const std::string member = lp::Get(m).ToString();
    if (r.BelowMax(member)) return r.AboveMin(member) ? m : nullptr;
    sp = lp::Prev(lp, m);
  }
  return nullptr;
}
}  // namespace

void RangeByLex(const Value& z, const LexRange& r, bool reverse, uint64_t offset,
                const Visit& fn) {
  if (r.Empty()) return;
  if (z.enc == Encoding::kListpack) {
    // As Redis: the offset skips members without looking at them; then the
    // walk stops at the first member past the far end of the range.
    const unsigned char* lp = z.listpack();
    unsigned char* m = reverse ? LpLastInLex(lp, r) : LpFirstInLex(lp, r);
    auto step = [&](unsigned char* at) -> unsigned char* {
      if (!reverse) return lp::Next(lp, lp::Next(lp, at));
      unsigned char* prev_score = lp::Prev(lp, at);
      return prev_score == nullptr ? nullptr : lp::Prev(lp, prev_score);
    };
    for (; m != nullptr && offset > 0; offset--) m = step(m);
    for (; m != nullptr; m = step(m)) {
      const std::string member = lp::Get(m).ToString();
      if (reverse ? !r.AboveMin(member) : !r.BelowMax(member)) return;
      if (!fn(member, ScoreAt(lp::Next(lp, m)))) return;
    }
    return;
  }
  const Skiplist& sl = z.zset_index()->order;
  Skiplist::Node* x = reverse ? sl.LastInLexRange(r) : sl.FirstInLexRange(r);
  while (x != nullptr && offset > 0) {
    x = reverse ? x->backward : x->level[0].forward;
    offset--;
  }
  while (x != nullptr && r.Contains(x->member)) {
    if (!fn(x->member, x->score)) return;
    x = reverse ? x->backward : x->level[0].forward;
  }
}

size_t CountInRange(const Value& z, const ScoreRange& r) {
  if (z.enc == Encoding::kSkiplist) {
    const Skiplist& sl = z.zset_index()->order;
    Skiplist::Node* first = sl.FirstInRange(r);
    if (first == nullptr) return 0;
    Skiplist::Node* last = sl.LastInRange(r);
    return sl.Rank(last->score, last->member) - sl.Rank(first->score, first->member) + 1;
  }
  size_t n = 0;
  RangeByScore(z, r, false, 0, [&](std::string_view, double) {
    n++;
    return true;
  });
  return n;
}

size_t CountInLexRange(const Value& z, const LexRange& r) {
  if (z.enc == Encoding::kSkiplist) {
    if (r.Empty()) return 0;
    const Skiplist& sl = z.zset_index()->order;
    Skiplist::Node* first = sl.FirstInLexRange(r);
    if (first == nullptr) return 0;
    // Redis's arithmetic: when the scores differ the set is not in lex
    // order, the last node in range may be missing or come before the
    // first, and the count is whatever this gives (wrapped like Redis's
    // unsigned long), never a crash.
    const size_t len = sl.size();
    size_t count = len - (sl.Rank(first->score, first->member) - 1);
    if (Skiplist::Node* last = sl.LastInLexRange(r)) {
      count -= len - sl.Rank(last->score, last->member);
    }
    return count;
  }
  size_t n = 0;
  RangeByLex(z, r, false, 0, [&](std::string_view, double) {
    n++;
    return true;
  });
  return n;
}

namespace {
// Deletes skiplist nodes from `x` on while `in` holds, O(log n) each.
template <typename In>
size_t RemoveSkiplistRun(ZSetIndex* idx, Skiplist::Node* x, In&& in) {
  size_t removed = 0;
  while (x != nullptr && in(x)) {
    Skiplist::Node* next = x->level[0].forward;
    const std::string member = x->member;
    idx->scores.Erase(member);
    idx->order.Delete(x->score, member);
    removed++;
    x = next;
  }
  return removed;
}

// Removes the members `pick` chooses, walking in order.
size_t RemoveWhere(Value& z, const std::function<bool(uint64_t, std::string_view, double)>& pick,
                   const std::function<bool(uint64_t, std::string_view, double)>& past) {
  size_t removed = 0;
  if (z.enc == Encoding::kListpack) {
    unsigned char* lp = z.listpack();
    uint64_t rank = 0;
    for (unsigned char* m = lp::First(lp); m != nullptr; rank++) {
      unsigned char* sp = lp::Next(lp, m);
      const std::string member = lp::Get(m).ToString();
      const double s = ScoreAt(sp);
      if (past(rank, member, s)) break;
      if (pick(rank, member, s)) {
        const size_t at = static_cast<size_t>(m - lp);
        lp = lp::DeleteRange(lp, m, 2);
        m = lp[at] == 0xff ? nullptr : lp + at;
        removed++;
      } else {
        m = lp::Next(lp, sp);
      }
    }
    z.set_rep(lp);
    return removed;
  }
  ZSetIndex* idx = z.zset_index();
  uint64_t rank = 0;
  for (Skiplist::Node* x = idx->order.First(); x != nullptr; rank++) {
    Skiplist::Node* next = x->level[0].forward;
    if (past(rank, x->member, x->score)) break;
    if (pick(rank, x->member, x->score)) {
      const std::string member = x->member;
      idx->scores.Erase(member);
      idx->order.Delete(x->score, member);
      removed++;
    }
    x = next;
  }
  return removed;
}
}  // namespace

size_t RemoveRangeByRank(Value& z, uint64_t start, uint64_t end) {
  if (z.enc == Encoding::kSkiplist) {
    // Start at the rank and walk: O(log n + k), as Redis's zslDeleteRangeByRank.
    ZSetIndex* idx = z.zset_index();
    uint64_t left = end - start + 1;
    return RemoveSkiplistRun(idx, idx->order.AtRank(start + 1),
                             [&](const Skiplist::Node*) { return left-- > 0; });
  }
  return RemoveWhere(
      z, [&](uint64_t rank, std::string_view, double) { return rank >= start; },
      [&](uint64_t rank, std::string_view, double) { return rank > end; });
}

size_t RemoveRangeByScore(Value& z, const ScoreRange& r) {
  if (r.Empty()) return 0;
  if (z.enc == Encoding::kSkiplist) {
    ZSetIndex* idx = z.zset_index();
    return RemoveSkiplistRun(idx, idx->order.FirstInRange(r),
                             [&](const Skiplist::Node* x) { return r.BelowMax(x->score); });
  }
  return RemoveWhere(
      z, [&](uint64_t, std::string_view, double s) { return r.AboveMin(s); },
      [&](uint64_t, std::string_view, double s) { return !r.BelowMax(s); });
}

size_t RemoveRangeByLex(Value& z, const LexRange& r) {
  if (r.Empty()) return 0;
  if (z.enc == Encoding::kSkiplist) {
    ZSetIndex* idx = z.zset_index();
    return RemoveSkiplistRun(idx, idx->order.FirstInLexRange(r),
                             [&](const Skiplist::Node* x) { return r.BelowMax(x->member); });
  }
  unsigned char* lp = z.listpack();
  unsigned char* first = LpFirstInLex(lp, r);
  size_t n = 0;
  for (unsigned char* m = first; m != nullptr && r.BelowMax(lp::Get(m).ToString());
       m = lp::Next(lp, lp::Next(lp, m))) {
    n++;
  }
  if (n > 0) z.set_rep(lp::DeleteRange(lp, first, 2 * n));
  return n;
}

void ForEach(const Value& z, const Visit& fn) {
  const size_t n = Card(z);
  if (n > 0) RangeByRank(z, 0, n - 1, false, fn);
}

uint64_t Scan(const Value& z, uint64_t cursor,
              const std::function<void(std::string_view, double)>& fn) {
  if (z.enc == Encoding::kListpack) {
    ForEach(z, [&](std::string_view m, double s) {
      fn(m, s);
      return true;
    });
    return 0;
  }
  return z.zset_index()->scores.Scan(cursor,
                                     [&](const std::string& m, const double& s) { fn(m, s); });
}

std::pair<std::string, double> Random(const Value& z, std::mt19937_64& rng) {
  if (z.enc == Encoding::kListpack) {
    const unsigned char* lp = z.listpack();
    const size_t i = rng() % ListpackPairs(lp);
    unsigned char* m = lp::Seek(lp, static_cast<int64_t>(2 * i));
    return {lp::Get(m).ToString(), ScoreAt(lp::Next(lp, m))};
  }
  const auto* n = z.zset_index()->scores.Random(rng);
  return {n->key, n->value};
}

}  // namespace cairn::types::zset
