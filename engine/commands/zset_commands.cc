// Sorted-set commands: ZADD, ZINCRBY, ZREM, ZCARD, ZCOUNT, ZLEXCOUNT,
// ZSCORE, ZMSCORE, ZRANK, ZREVRANK, the ZRANGE family and ZRANGESTORE,
// ZREMRANGEBY*, ZPOPMIN/ZPOPMAX, ZMPOP, ZRANDMEMBER, ZUNION/ZINTER/ZDIFF
// (and STORE forms), ZINTERCARD, ZSCAN and the blocking BZPOPMIN, BZPOPMAX,
// BZMPOP. Sorted sets are listpacks while small, skiplists beyond
// (types/zset.h). Argument checks follow Redis 7.0's t_zset.c order.
#include <algorithm>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "base/string_util.h"
#include "engine/command_context.h"
#include "engine/commands/collection_util.h"
#include "engine/commands/registry.h"
#include "types/set.h"

namespace cairn::engine {
namespace {

namespace zset = types::zset;
using types::LexBound;
using types::LexRange;
using types::ScoreRange;

std::mt19937_64& Rng() {
  static std::mt19937_64 rng(std::random_device{}());
  return rng;
}

const Value* ZSetForRead(CommandContext& ctx, std::string_view key, bool* wrong) {
  Entry* e = FindOfType(ctx, key, ValueType::kZSet, wrong);
  return e == nullptr ? nullptr : &e->value;
}

// Redis 7.0's d2string, which ZSCAN uses for a skiplist's scores: integers
// print as such only below 2^52.
std::string D2String(double d) {
  if (std::isnan(d)) return "nan";
  if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
  if (d == 0) return std::signbit(d) ? "-0" : "0";
  if (d > -4503599627370495.0 && d < 4503599627370496.0 &&
      d == static_cast<double>(static_cast<long long>(d))) {
    return std::to_string(static_cast<long long>(d));
  }
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.17g", d);
  return buf;
}

// One bound of ZRANGEBYSCORE and friends, as Redis's zslParseRange reads
// it: strtod over the whole string (so leading spaces, hex and "" are
// accepted), "(" for exclusive, NaN refused.
bool ParseScoreBound(const std::string& s, double* v, bool* exclusive) {
  const char* p = s.c_str();
  *exclusive = false;
  if (*p == '(') {
    *exclusive = true;
    p++;
  }
  char* end = nullptr;
  *v = std::strtod(p, &end);
  return *end == '\0' && !std::isnan(*v);
}

bool ParseScoreRange(const std::string& min, const std::string& max, ScoreRange* r) {
  return ParseScoreBound(min, &r->min, &r->minex) && ParseScoreBound(max, &r->max, &r->maxex);
}

// zslParseLexRangeItem: "+", "-", "[x" or "(x".
bool ParseLexBound(const std::string& s, LexBound* b) {
  if (s == "+") {
    b->kind = LexBound::Kind::kPosInf;
    return true;
  }
  if (s == "-") {
    b->kind = LexBound::Kind::kNegInf;
    return true;
  }
  if (s.empty() || (s[0] != '(' && s[0] != '[')) return false;
  b->kind = LexBound::Kind::kValue;
  b->exclusive = s[0] == '(';
  b->value = s.substr(1);
  return true;
}

bool ParseLexRange(const std::string& min, const std::string& max, LexRange* r) {
  return ParseLexBound(min, &r->min) && ParseLexBound(max, &r->max);
}

constexpr std::string_view kNotFloatRange = "min or max is not a float";
constexpr std::string_view kNotLexRange = "min or max not valid string range item";

// ---- ZADD, ZINCRBY --------------------------------------------------------

void AddGeneric(CommandContext& ctx, ArgList args, int flags) {
  bool ch = false;
  size_t idx = 2;
  for (; idx < args.size(); idx++) {
    const std::string& o = args[idx];
    if (base::EqualsIgnoreCase(o, "nx")) {
      flags |= zset::kNx;
    } else if (base::EqualsIgnoreCase(o, "xx")) {
      flags |= zset::kXx;
    } else if (base::EqualsIgnoreCase(o, "ch")) {
      ch = true;
    } else if (base::EqualsIgnoreCase(o, "incr")) {
      flags |= zset::kIncr;
    } else if (base::EqualsIgnoreCase(o, "gt")) {
      flags |= zset::kGt;
    } else if (base::EqualsIgnoreCase(o, "lt")) {
      flags |= zset::kLt;
    } else {
      break;
    }
  }
  const bool incr = flags & zset::kIncr, nx = flags & zset::kNx, xx = flags & zset::kXx,
             gt = flags & zset::kGt, lt = flags & zset::kLt;
  const size_t rest = args.size() - idx;
  if (rest % 2 != 0 || rest == 0) return ctx.Error(errors::kSyntax);
  const size_t elements = rest / 2;
  if (nx && xx) return ctx.Error("XX and NX options at the same time are not compatible");
  if ((gt && nx) || (lt && nx) || (gt && lt)) {
    return ctx.Error("GT, LT, and/or NX options at the same time are not compatible");
  }
  if (incr && elements > 1) {
    return ctx.Error("INCR option supports a single increment-element pair");
  }
  std::vector<double> scores(elements);
  for (size_t j = 0; j < elements; j++) {
    auto v = DoubleArg(ctx, args[idx + 2 * j]);
    if (!v) return;
    scores[j] = *v;
  }
  bool wrong;
  Entry* e = FindOfType(ctx, args[1], ValueType::kZSet, &wrong, false);
  if (wrong) return;
  int64_t added = 0, updated = 0, processed = 0;
  double score = 0;
  if (e == nullptr && !xx) {
    // Redis 7.0.15 sizes a new key by its first member only: 129 pairs of
    // one member stay a listpack.
    e = &ctx.db().Put(args[1], zset::New(1, args[idx + 1].size(), ZSetLimits(ctx.config)), -1);
  }
  if (e != nullptr) {
    const zset::Limits limits = ZSetLimits(ctx.config);
    for (size_t j = 0; j < elements; j++) {
      double new_score = 0;
      const auto r =
          zset::Add(e->value, scores[j], args[idx + 2 * j + 1], flags, &new_score, limits);
      if (r == zset::AddResult::kNan) {
        // Redis replies at once, keeping what the earlier pairs did.
        ctx.Dirty(static_cast<uint64_t>(added + updated));
        DeleteIfEmpty(ctx, args[1], zset::Card(e->value));
        return ctx.Error("resulting score is not a number (NaN)");
      }
      if (r == zset::AddResult::kAdded) added++;
      if (r == zset::AddResult::kUpdated) updated++;
      if (r != zset::AddResult::kNop) processed++;
      score = new_score;
    }
    ctx.Dirty(static_cast<uint64_t>(added + updated));
    if (added + updated > 0) ctx.Notify(notify::kZset, incr ? "zincr" : "zadd", args[1]);
    DeleteIfEmpty(ctx, args[1], zset::Card(e->value));
  }
  if (incr) {
    if (processed == 0) return ctx.reply.Null();
    return ctx.reply.Double(score);
  }
  ctx.reply.Int(ch ? added + updated : added);
}

void ZAdd(CommandContext& ctx, ArgList args) { AddGeneric(ctx, args, 0); }
void ZIncrBy(CommandContext& ctx, ArgList args) { AddGeneric(ctx, args, zset::kIncr); }

// ---- simple reads and removals --------------------------------------------

void ZRem(CommandContext& ctx, ArgList args) {
  RemoveMembers(ctx, args, ValueType::kZSet, zset::Remove, zset::Card, notify::kZset, "zrem");
}

void ZCard(CommandContext& ctx, ArgList args) {
  bool wrong;
  const Value* z = ZSetForRead(ctx, args[1], &wrong);
  if (wrong) return;
  ctx.reply.Int(z == nullptr ? 0 : static_cast<int64_t>(zset::Card(*z)));
}

void ZScore(CommandContext& ctx, ArgList args) {
  bool wrong;
  const Value* z = ZSetForRead(ctx, args[1], &wrong);
  if (wrong) return;
  auto s = z == nullptr ? std::nullopt : zset::Score(*z, args[2]);
  if (!s) return ctx.reply.Null();
  ctx.reply.Double(*s);
}

void ZMScore(CommandContext& ctx, ArgList args) {
  bool wrong;
  const Value* z = ZSetForRead(ctx, args[1], &wrong);
  if (wrong) return;
  ctx.reply.Array(args.size() - 2);
  for (size_t j = 2; j < args.size(); j++) {
    auto s = z == nullptr ? std::nullopt : zset::Score(*z, args[j]);
    if (s) {
      ctx.reply.Double(*s);
    } else {
      ctx.reply.Null();
    }
  }
}

void RankGeneric(CommandContext& ctx, ArgList args, bool reverse) {
  bool wrong;
  const Value* z = ZSetForRead(ctx, args[1], &wrong);
  if (wrong) return;
  auto r = z == nullptr ? std::nullopt : zset::Rank(*z, args[2], reverse);
  if (!r) return ctx.reply.Null();
  ctx.reply.Int(static_cast<int64_t>(*r));
}

void ZRank(CommandContext& ctx, ArgList args) { RankGeneric(ctx, args, false); }
void ZRevRank(CommandContext& ctx, ArgList args) { RankGeneric(ctx, args, true); }

void ZCount(CommandContext& ctx, ArgList args) {
  ScoreRange r;
  if (!ParseScoreRange(args[2], args[3], &r)) return ctx.Error(kNotFloatRange);
  bool wrong;
  const Value* z = ZSetForRead(ctx, args[1], &wrong);
  if (wrong) return;
  ctx.reply.Int(z == nullptr ? 0 : static_cast<int64_t>(zset::CountInRange(*z, r)));
}

void ZLexCount(CommandContext& ctx, ArgList args) {
  LexRange r;
  if (!ParseLexRange(args[2], args[3], &r)) return ctx.Error(kNotLexRange);
  bool wrong;
  const Value* z = ZSetForRead(ctx, args[1], &wrong);
  if (wrong) return;
  ctx.reply.Int(z == nullptr ? 0 : static_cast<int64_t>(zset::CountInLexRange(*z, r)));
}

// ---- the ZRANGE family ----------------------------------------------------

enum class RangeType { kAuto, kRank, kScore, kLex };
enum class Direction { kAuto, kForward, kReverse };

// Where a range's results go: the reply (with or without scores, RESP3
// pairs nested) or a new sorted set (ZRANGESTORE).
class RangeSink {
 public:
  // `count_known`: the range is by rank, so its length is known before
  // the first result (it chooses ZRANGESTORE's encoding).
  RangeSink(CommandContext& ctx, bool withscores, const std::string* dst, bool count_known)
      : ctx_(ctx), withscores_(withscores), dst_(dst), count_known_(count_known) {}

  // Collects one result; returns true (for use as a zset::Visit).
  bool Add(std::string_view member, double score) {
    members_.emplace_back(member);
    scores_.push_back(score);
    return true;
  }

  void Finish() {
    if (dst_ != nullptr) return Store();
    const size_t n = members_.size();
    ctx_.reply.Array(withscores_ && ctx_.client.resp == 2 ? n * 2 : n);
    for (size_t i = 0; i < n; i++) {
      if (withscores_ && ctx_.client.resp > 2) ctx_.reply.Array(2);
      ctx_.reply.Bulk(members_[i]);
      if (withscores_) ctx_.reply.Double(scores_[i]);
    }
  }

 private:
  void Store() {
    const size_t n = members_.size();
    if (n == 0) {
      if (ctx_.db().FindKey(*dst_, ctx_.now_ms) != nullptr) {
        ctx_.db().Erase(*dst_);
        ctx_.Dirty();
        ctx_.Notify(notify::kGeneric, "del", *dst_);
      }
      return ctx_.reply.Int(0);
    }
    const zset::Limits limits = ZSetLimits(ctx_.config);
    // As Redis (zrangeResultBeginStore): the encoding is chosen by the count
    // alone (a listpack when it is not known up front), and a long member
    // converts it as it is added. That shows: a listpack keeps -0 as 0, and
    // the conversion carries the 0 over.
    Value z = zset::New(count_known_ ? n : 0, 0, limits);
    for (size_t i = 0; i < n; i++) zset::Add(z, scores_[i], members_[i], 0, nullptr, limits);
    ctx_.db().Put(*dst_, std::move(z), -1);
    ctx_.Dirty();
    ctx_.Notify(notify::kZset, "zrangestore", *dst_);
    ctx_.reply.Int(static_cast<int64_t>(n));
  }

  CommandContext& ctx_;
  bool withscores_;
  const std::string* dst_;
  bool count_known_;
  std::vector<std::string> members_;
  std::vector<double> scores_;
};

// Redis 7.0's zrangeGenericCommand: args[first] is the source key, then
// min, max and the options; `dst` is ZRANGESTORE's destination.
void RangeGeneric(CommandContext& ctx, ArgList args, size_t first, const std::string* dst,
                  RangeType type, Direction dir) {
  bool withscores = false;
  int64_t offset = 0, limit = -1;
  const bool store = dst != nullptr;
  for (size_t j = first + 3; j < args.size(); j++) {
    const size_t left = args.size() - j - 1;
    const std::string& o = args[j];
    if (!store && base::EqualsIgnoreCase(o, "withscores")) {
      withscores = true;
    } else if (base::EqualsIgnoreCase(o, "limit") && left >= 2) {
      auto off = ctx.IntArg(args[j + 1]);
      if (!off) return;
      auto lim = ctx.IntArg(args[j + 2]);
      if (!lim) return;
      offset = *off;
      limit = *lim;
      j += 2;
    } else if (dir == Direction::kAuto && base::EqualsIgnoreCase(o, "rev")) {
      dir = Direction::kReverse;
    } else if (type == RangeType::kAuto && base::EqualsIgnoreCase(o, "bylex")) {
      type = RangeType::kLex;
    } else if (type == RangeType::kAuto && base::EqualsIgnoreCase(o, "byscore")) {
      type = RangeType::kScore;
    } else {
      return ctx.Error(errors::kSyntax);
    }
  }
  if (dir == Direction::kAuto) dir = Direction::kForward;
  if (type == RangeType::kAuto) type = RangeType::kRank;
  if (limit != -1 && type == RangeType::kRank) {
    return ctx.Error(
        "syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX");
  }
  if (withscores && type == RangeType::kLex) {
    return ctx.Error("syntax error, WITHSCORES not supported in combination with BYLEX");
  }
  const bool reverse = dir == Direction::kReverse;
  size_t min_idx = first + 1, max_idx = first + 2;
  // By score or lex, a reverse range is given as max, min.
  if (reverse && type != RangeType::kRank) std::swap(min_idx, max_idx);

  int64_t start = 0, end = 0;
  ScoreRange score_range;
  LexRange lex_range;
  switch (type) {
    case RangeType::kAuto:
    case RangeType::kRank: {
      auto s = ctx.IntArg(args[min_idx]);
      if (!s) return;
      auto t = ctx.IntArg(args[max_idx]);
      if (!t) return;
      start = *s;
      end = *t;
      break;
    }
    case RangeType::kScore:
      if (!ParseScoreRange(args[min_idx], args[max_idx], &score_range)) {
        return ctx.Error(kNotFloatRange);
      }
      break;
    case RangeType::kLex:
      if (!ParseLexRange(args[min_idx], args[max_idx], &lex_range)) {
        return ctx.Error(kNotLexRange);
      }
      break;
  }

  RangeSink sink(ctx, withscores, dst, type == RangeType::kRank);
  bool wrong;
  const Value* z = ZSetForRead(ctx, args[first], &wrong);
  if (wrong) return;
  if (z == nullptr) return sink.Finish();
  const int64_t len = static_cast<int64_t>(zset::Card(*z));
  auto add = [&](std::string_view m, double s) { return sink.Add(m, s); };
  if (type == RangeType::kRank) {
    if (start < 0) start += len;
    if (end < 0) end += len;
    if (start < 0) start = 0;
    if (start <= end && start < len) {
      if (end >= len) end = len - 1;
      zset::RangeByRank(*z, static_cast<uint64_t>(start), static_cast<uint64_t>(end), reverse, add);
    }
    return sink.Finish();
  }
  // A negative offset skips everything (Redis counts it down past zero); a
  // negative limit means no limit.
  if (offset < 0 || (offset > 0 && offset >= len)) return sink.Finish();
  int64_t remaining = limit;
  auto limited = [&](std::string_view m, double s) {
    if (remaining == 0) return false;
    if (remaining > 0) remaining--;
    sink.Add(m, s);
    return remaining != 0;
  };
  if (limit != 0) {
    if (type == RangeType::kScore) {
      zset::RangeByScore(*z, score_range, reverse, static_cast<uint64_t>(offset), limited);
    } else {
      zset::RangeByLex(*z, lex_range, reverse, static_cast<uint64_t>(offset), limited);
    }
  }
  sink.Finish();
}

void ZRange(CommandContext& ctx, ArgList args) {
  RangeGeneric(ctx, args, 1, nullptr, RangeType::kAuto, Direction::kAuto);
}
void ZRangeStore(CommandContext& ctx, ArgList args) {
  RangeGeneric(ctx, args, 2, &args[1], RangeType::kAuto, Direction::kAuto);
}
void ZRevRange(CommandContext& ctx, ArgList args) {
  RangeGeneric(ctx, args, 1, nullptr, RangeType::kRank, Direction::kReverse);
}
void ZRangeByScore(CommandContext& ctx, ArgList args) {
  RangeGeneric(ctx, args, 1, nullptr, RangeType::kScore, Direction::kForward);
}
void ZRevRangeByScore(CommandContext& ctx, ArgList args) {
  RangeGeneric(ctx, args, 1, nullptr, RangeType::kScore, Direction::kReverse);
}
void ZRangeByLex(CommandContext& ctx, ArgList args) {
  RangeGeneric(ctx, args, 1, nullptr, RangeType::kLex, Direction::kForward);
}
void ZRevRangeByLex(CommandContext& ctx, ArgList args) {
  RangeGeneric(ctx, args, 1, nullptr, RangeType::kLex, Direction::kReverse);
}

// ---- ZREMRANGEBY* ---------------------------------------------------------

void RemRangeGeneric(CommandContext& ctx, ArgList args, RangeType type) {
  int64_t start = 0, end = 0;
  ScoreRange score_range;
  LexRange lex_range;
  if (type == RangeType::kRank) {
    auto s = ctx.IntArg(args[2]);
    if (!s) return;
    auto t = ctx.IntArg(args[3]);
    if (!t) return;
    start = *s;
    end = *t;
  } else if (type == RangeType::kScore) {
    if (!ParseScoreRange(args[2], args[3], &score_range)) return ctx.Error(kNotFloatRange);
  } else if (!ParseLexRange(args[2], args[3], &lex_range)) {
    return ctx.Error(kNotLexRange);
  }
  bool wrong;
  Entry* e = FindOfType(ctx, args[1], ValueType::kZSet, &wrong, false);
  if (wrong) return;
  if (e == nullptr) return ctx.reply.Int(0);
  size_t removed = 0;
  if (type == RangeType::kRank) {
    const int64_t len = static_cast<int64_t>(zset::Card(e->value));
    if (start < 0) start += len;
    if (end < 0) end += len;
    if (start < 0) start = 0;
    if (start > end || start >= len) return ctx.reply.Int(0);
    if (end >= len) end = len - 1;
    removed =
        zset::RemoveRangeByRank(e->value, static_cast<uint64_t>(start), static_cast<uint64_t>(end));
  } else if (type == RangeType::kScore) {
    removed = zset::RemoveRangeByScore(e->value, score_range);
  } else {
    removed = zset::RemoveRangeByLex(e->value, lex_range);
  }
  if (removed > 0) {
    static constexpr std::string_view kEvents[] = {"zremrangebyrank", "zremrangebyscore",
                                                   "zremrangebylex"};
    ctx.Notify(notify::kZset,
               kEvents[type == RangeType::kRank ? 0 : type == RangeType::kScore ? 1 : 2], args[1]);
  }
  DeleteIfEmpty(ctx, args[1], zset::Card(e->value));
  ctx.Dirty(removed);
  ctx.reply.Int(static_cast<int64_t>(removed));
}

void ZRemRangeByRank(CommandContext& ctx, ArgList args) {
  RemRangeGeneric(ctx, args, RangeType::kRank);
}
void ZRemRangeByScore(CommandContext& ctx, ArgList args) {
  RemRangeGeneric(ctx, args, RangeType::kScore);
}
void ZRemRangeByLex(CommandContext& ctx, ArgList args) {
  RemRangeGeneric(ctx, args, RangeType::kLex);
}

// ---- pops -----------------------------------------------------------------

enum class PopEnd { kMin, kMax };

// Redis 7.0's genericZpopCommand: pops from the first of `keys` that
// exists. `count` -1 is a plain single pop. `emit_key` prefixes the key
// (BZPOP*, ZMPOP); `nested` nests (member, score) pairs (RESP3 with a
// count, and ZMPOP always); `nil_when_empty` answers a null array rather
// than an empty one. Returns the key popped from, or nullptr.
const std::string* PopGeneric(CommandContext& ctx, ArgList keys, PopEnd where, bool emit_key,
                              int64_t count, bool nested, bool nil_when_empty) {
  Entry* e = nullptr;
  const std::string* key = nullptr;
  for (const std::string& k : keys) {
    bool wrong;
    e = FindOfType(ctx, k, ValueType::kZSet, &wrong, false);
    if (wrong) return nullptr;
    if (e != nullptr) {
      key = &k;
      break;
    }
  }
  if (e == nullptr) {
    if (nil_when_empty) {
      ctx.reply.NullArray();
    } else {
      ctx.reply.Array(0);
    }
    return nullptr;
  }
  if (count == 0) {
    ctx.reply.Array(0);
    return nullptr;
  }
  if (count == -1) count = 1;
  const size_t len = zset::Card(e->value);
  const size_t n = std::min<size_t>(static_cast<size_t>(count), len);
  if (!nested && !emit_key) {
    ctx.reply.Array(n * 2);
  } else if (nested && !emit_key) {
    ctx.reply.Array(n);
  } else if (!nested && emit_key) {
    ctx.reply.Array(n * 2 + 1);
    ctx.reply.Bulk(*key);
  } else {
    ctx.reply.Array(2);
    ctx.reply.Bulk(*key);
    ctx.reply.Array(n);
  }
  std::vector<std::pair<std::string, double>> popped;
  popped.reserve(n);
  zset::RangeByRank(e->value, 0, n - 1, where == PopEnd::kMax, [&](std::string_view m, double s) {
    popped.emplace_back(m, s);
    return true;
  });
  for (const auto& [m, s] : popped) {
    zset::Remove(e->value, m);
    if (nested) ctx.reply.Array(2);
    ctx.reply.Bulk(m);
    ctx.reply.Double(s);
  }
  ctx.Dirty(n);
  ctx.Notify(notify::kZset, where == PopEnd::kMin ? "zpopmin" : "zpopmax", *key);
  DeleteIfEmpty(ctx, *key, zset::Card(e->value));
  return key;
}

void PopMinMax(CommandContext& ctx, ArgList args, PopEnd where) {
  if (args.size() > 3) return ctx.Error(errors::kSyntax);
  int64_t count = -1;
  if (args.size() == 3) {
    auto v = PositiveArg(ctx, args[2]);
    if (!v) return;
    count = *v;
  }
  const bool nested = ctx.client.resp > 2 && count != -1;
  PopGeneric(ctx, args.subspan(1, 1), where, false, count, nested, false);
}

void ZPopMin(CommandContext& ctx, ArgList args) { PopMinMax(ctx, args, PopEnd::kMin); }
void ZPopMax(CommandContext& ctx, ArgList args) { PopMinMax(ctx, args, PopEnd::kMax); }

std::string_view PopName(PopEnd where) { return where == PopEnd::kMin ? "ZPOPMIN" : "ZPOPMAX"; }

// BZPOPMIN/BZPOPMAX/BZMPOP's work once arguments are parsed: serve from the
// first non-empty key, or wait. Logged as ZPOPMIN/ZPOPMAX.
void BlockingPop(CommandContext& ctx, ArgList keys, PopEnd where, const std::string& timeout,
                 int64_t count, bool nested, bool nil_when_empty) {
  auto deadline = ParseBlockTimeout(ctx, timeout);
  if (!deadline) return;
  for (const std::string& k : keys) {
    if (!ctx.ServesFrom(k)) continue;
    bool wrong;
    Entry* e = FindOfType(ctx, k, ValueType::kZSet, &wrong, false);
    if (wrong) return;
    if (e == nullptr) continue;
    const size_t len = zset::Card(e->value);
    PopGeneric(ctx, std::span(&k, 1), where, true, count, nested, nil_when_empty);
    if (count == -1) {
      ctx.Propagate({std::string(PopName(where)), k});
    } else {
      ctx.Propagate({std::string(PopName(where)), k,
                     std::to_string(std::min<size_t>(static_cast<size_t>(count), len))});
    }
    return;
  }
  if (!ctx.may_block) return ctx.reply.NullArray();
  ctx.Block(std::vector<std::string>(keys.begin(), keys.end()), *deadline, ValueType::kZSet);
}

void BZPopMin(CommandContext& ctx, ArgList args) {
  BlockingPop(ctx, args.subspan(1, args.size() - 2), PopEnd::kMin, args.back(), -1, false, false);
}
void BZPopMax(CommandContext& ctx, ArgList args) {
  BlockingPop(ctx, args.subspan(1, args.size() - 2), PopEnd::kMax, args.back(), -1, false, false);
}

// "numkeys key... MIN|MAX [COUNT count]" from args[first].
bool ParseMultiPop(CommandContext& ctx, ArgList args, size_t first, ArgList* keys, PopEnd* where,
                   int64_t* count) {
  bool max;
  if (!ParseMultiPopArgs(ctx, args, first, "min", "max", keys, &max, count)) return false;
  *where = max ? PopEnd::kMax : PopEnd::kMin;
  return true;
}

void ZMPop(CommandContext& ctx, ArgList args) {
  ArgList keys;
  PopEnd where;
  int64_t count;
  if (!ParseMultiPop(ctx, args, 1, &keys, &where, &count)) return;
  // The length before popping, for the logged count.
  size_t len = 0;
  for (const std::string& k : keys) {
    Entry* e = ctx.db().Find(k, ctx.now_ms);
    if (e == nullptr) continue;
    if (e->value.type == ValueType::kZSet) len = zset::Card(e->value);
    break;
  }
  const std::string* key = PopGeneric(ctx, keys, where, true, count, true, true);
  if (key != nullptr) {
    ctx.Propagate({std::string(PopName(where)), *key,
                   std::to_string(std::min<size_t>(static_cast<size_t>(count), len))});
  }
}

void BZMPop(CommandContext& ctx, ArgList args) {
  ArgList keys;
  PopEnd where;
  int64_t count;
  if (!ParseMultiPop(ctx, args, 2, &keys, &where, &count)) return;
  BlockingPop(ctx, keys, where, args[1], count, true, true);
}

// ---- ZRANDMEMBER ----------------------------------------------------------

void ReplyMember(CommandContext& ctx, std::string_view m, double s, bool withscores) {
  if (withscores && ctx.client.resp > 2) ctx.reply.Array(2);
  ctx.reply.Bulk(m);
  if (withscores) ctx.reply.Double(s);
}

void RandMemberCount(CommandContext& ctx, const std::string& key, int64_t l, bool withscores) {
  bool wrong;
  const Value* z = ZSetForRead(ctx, key, &wrong);
  if (wrong) return;
  if (z == nullptr) return ctx.reply.Array(0);
  const size_t size = zset::Card(*z);
  const bool uniq = l >= 0;
  const uint64_t count = uniq ? static_cast<uint64_t>(l) : static_cast<uint64_t>(-l);
  if (count == 0) return ctx.reply.Array(0);
  const bool flat = withscores && ctx.client.resp == 2;
  if (!uniq || count == 1) {
    ctx.reply.Array(flat ? count * 2 : count);
    for (uint64_t i = 0; i < count; i++) {
      auto [m, s] = zset::Random(*z, Rng());
      ReplyMember(ctx, m, s, withscores);
    }
    return;
  }
  const size_t n = count < size ? static_cast<size_t>(count) : size;
  ctx.reply.Array(flat ? n * 2 : n);
  if (count >= size) {
    // The whole set, highest score first, as Redis 7.0 replies it.
    zset::RangeByRank(*z, 0, size - 1, /*reverse=*/true, [&](std::string_view m, double s) {
      ReplyMember(ctx, m, s, withscores);
      return true;
    });
    return;
  }
  if (count * 3 > size) {
    std::vector<std::pair<std::string, double>> all;
    all.reserve(size);
    zset::ForEach(*z, [&](std::string_view m, double s) {
      all.emplace_back(m, s);
      return true;
    });
    while (all.size() > n) {
      std::swap(all[Rng()() % all.size()], all.back());
      all.pop_back();
    }
    for (const auto& [m, s] : all) ReplyMember(ctx, m, s, withscores);
    return;
  }
  std::unordered_set<std::string> seen;
  while (seen.size() < n) {
    auto [m, s] = zset::Random(*z, Rng());
    if (seen.insert(m).second) ReplyMember(ctx, m, s, withscores);
  }
}

void ZRandMember(CommandContext& ctx, ArgList args) {
  if (args.size() >= 3) {
    auto l = RangeArg(ctx, args[2], -LONG_MAX, LONG_MAX);
    if (!l) return;
    if (args.size() > 4 || (args.size() == 4 && !base::EqualsIgnoreCase(args[3], "withscores"))) {
      return ctx.Error(errors::kSyntax);
    }
    const bool withscores = args.size() == 4;
    if (withscores && (*l < -LONG_MAX / 2 || *l > LONG_MAX / 2)) {
      return ctx.Error("value is out of range");
    }
    return RandMemberCount(ctx, args[1], *l, withscores);
  }
  bool wrong;
  const Value* z = ZSetForRead(ctx, args[1], &wrong);
  if (wrong) return;
  if (z == nullptr) return ctx.reply.Null();
  ctx.reply.Bulk(zset::Random(*z, Rng()).first);
}

// ---- ZUNION, ZINTER, ZDIFF ------------------------------------------------

enum class SetOp { kUnion, kInter, kDiff };
enum class Aggregate { kSum, kMin, kMax };

// One input of ZUNION & co.: a sorted set, or a plain set (scores 1).
struct Source {
  const Value* v = nullptr;
  double weight = 1;
  size_t size() const {
    if (v == nullptr) return 0;
    return v->type == ValueType::kSet ? types::set::Card(*v) : zset::Card(*v);
  }
  std::optional<double> Find(std::string_view m) const {
    if (v->type == ValueType::kSet) {
      return types::set::Contains(*v, m) ? std::optional<double>(1.0) : std::nullopt;
    }
    return zset::Score(*v, m);
  }
  template <typename Fn>
  void ForEach(Fn&& fn) const {
    if (v == nullptr) return;
    if (v->type == ValueType::kSet) {
      types::set::ForEach(*v, [&](std::string_view m) { return fn(m, 1.0); });
    } else {
      zset::ForEach(*v, [&](std::string_view m, double s) { return fn(m, s); });
    }
  }
};

void AggregateInto(double* target, double v, Aggregate a) {
  switch (a) {
    case Aggregate::kSum:
      *target += v;
      // As Redis: inf + -inf is 0, not NaN.
      if (std::isnan(*target)) *target = 0;
      break;
    case Aggregate::kMin:
      *target = std::min(*target, v);
      break;
    case Aggregate::kMax:
      *target = std::max(*target, v);
      break;
  }
}

// Redis 7.0's zunionInterDiffGenericCommand. `numkeys_idx` is where the
// key count is; `dst` the STORE destination; `card_only` is ZINTERCARD.
void SetOpGeneric(CommandContext& ctx, ArgList args, size_t numkeys_idx, const std::string* dst,
                  SetOp op, bool card_only) {
  auto setnum = ctx.IntArg(args[numkeys_idx]);
  if (!setnum) return;
  if (*setnum < 1) {
    return ctx.Error("at least 1 input key is needed for '" + ctx.spec.full_name + "' command");
  }
  if (*setnum > static_cast<int64_t>(args.size() - (numkeys_idx + 1))) {
    return ctx.Error(errors::kSyntax);
  }
  const size_t n = static_cast<size_t>(*setnum);
  std::vector<Source> src(n);
  size_t j = numkeys_idx + 1;
  for (size_t i = 0; i < n; i++, j++) {
    Entry* e = ctx.db().Find(args[j], ctx.now_ms);
    if (e == nullptr) continue;
    if (e->value.type != ValueType::kZSet && e->value.type != ValueType::kSet) {
      return ctx.WrongType();
    }
    src[i].v = &e->value;
  }
  Aggregate aggregate = Aggregate::kSum;
  bool withscores = false;
  int64_t limit = 0;
  while (j < args.size()) {
    const size_t remaining = args.size() - j;
    const std::string& o = args[j];
    if (op != SetOp::kDiff && !card_only && remaining >= n + 1 &&
        base::EqualsIgnoreCase(o, "weights")) {
      j++;
      for (size_t i = 0; i < n; i++, j++) {
        auto w = DoubleArg(ctx, args[j], "weight value is not a float");
        if (!w) return;
        src[i].weight = *w;
      }
    } else if (op != SetOp::kDiff && !card_only && remaining >= 2 &&
               base::EqualsIgnoreCase(o, "aggregate")) {
      const std::string& a = args[j + 1];
      if (base::EqualsIgnoreCase(a, "sum")) {
        aggregate = Aggregate::kSum;
      } else if (base::EqualsIgnoreCase(a, "min")) {
        aggregate = Aggregate::kMin;
      } else if (base::EqualsIgnoreCase(a, "max")) {
        aggregate = Aggregate::kMax;
      } else {
        return ctx.Error(errors::kSyntax);
      }
      j += 2;
    } else if (dst == nullptr && !card_only && base::EqualsIgnoreCase(o, "withscores")) {
      withscores = true;
      j++;
    } else if (card_only && remaining >= 2 && base::EqualsIgnoreCase(o, "limit")) {
      auto v = PositiveArg(ctx, args[j + 1], "LIMIT can't be negative");
      if (!v) return;
      limit = *v;
      j += 2;
    } else {
      return ctx.Error(errors::kSyntax);
    }
  }
  if (op != SetOp::kDiff) {
    std::stable_sort(src.begin(), src.end(),
                     [](const Source& a, const Source& b) { return a.size() < b.size(); });
  }

  // The result, as (member, score); sorted before it is replied or stored.
  std::vector<std::pair<std::string, double>> result;
  int64_t cardinality = 0;
  if (op == SetOp::kInter) {
    if (src[0].size() > 0) {
      src[0].ForEach([&](std::string_view m, double s) {
        double score = src[0].weight * s;
        if (std::isnan(score)) score = 0;
        for (size_t i = 1; i < n; i++) {
          std::optional<double> v =
              src[i].v == src[0].v ? std::optional<double>(s) : src[i].Find(m);
          if (!v) return true;
          AggregateInto(&score, *v * src[i].weight, aggregate);
        }
        if (card_only) {
          cardinality++;
          return !(limit != 0 && cardinality >= limit);
        }
        result.emplace_back(m, score);
        return true;
      });
    }
  } else if (op == SetOp::kUnion) {
    std::unordered_map<std::string, size_t> at;
    for (const Source& s : src) {
      s.ForEach([&](std::string_view m, double sc) {
        double score = s.weight * sc;
        if (std::isnan(score)) score = 0;
        auto [it, fresh] = at.try_emplace(std::string(m), result.size());
        if (fresh) {
          result.emplace_back(m, score);
        } else {
          AggregateInto(&result[it->second].second, score, aggregate);
        }
        return true;
      });
    }
  } else if (src[0].v != nullptr) {
    src[0].ForEach([&](std::string_view m, double s) {
      for (size_t i = 1; i < n; i++) {
        if (src[i].v == nullptr) continue;
        if (src[i].v == src[0].v || src[i].Find(m)) return true;
      }
      result.emplace_back(m, s);
      return true;
    });
  }
  if (card_only) return ctx.reply.Int(cardinality);
  std::sort(result.begin(), result.end(), [](const auto& a, const auto& b) {
    return a.second < b.second || (a.second == b.second && a.first < b.first);
  });
  if (dst != nullptr) {
    if (result.empty()) {
      if (ctx.db().FindKey(*dst, ctx.now_ms) != nullptr) {
        ctx.db().Erase(*dst);
        ctx.Dirty();
        ctx.Notify(notify::kGeneric, "del", *dst);
      }
      return ctx.reply.Int(0);
    }
    const zset::Limits limits = ZSetLimits(ctx.config);
    size_t max_len = 0;
    for (const auto& [m, s] : result) max_len = std::max(max_len, m.size());
    Value z = zset::New(result.size(), max_len, limits);
    for (const auto& [m, s] : result) zset::Add(z, s, m, 0, nullptr, limits);
    const size_t stored = result.size();
    ctx.db().Put(*dst, std::move(z), -1);
    ctx.Dirty();
    ctx.Notify(notify::kZset, ctx.spec.full_name, *dst);
    return ctx.reply.Int(static_cast<int64_t>(stored));
  }
  ctx.reply.Array(withscores && ctx.client.resp == 2 ? result.size() * 2 : result.size());
  for (const auto& [m, s] : result) ReplyMember(ctx, m, s, withscores);
}

void ZUnion(CommandContext& ctx, ArgList args) {
  SetOpGeneric(ctx, args, 1, nullptr, SetOp::kUnion, false);
}
void ZInter(CommandContext& ctx, ArgList args) {
  SetOpGeneric(ctx, args, 1, nullptr, SetOp::kInter, false);
}
void ZDiff(CommandContext& ctx, ArgList args) {
  SetOpGeneric(ctx, args, 1, nullptr, SetOp::kDiff, false);
}
void ZUnionStore(CommandContext& ctx, ArgList args) {
  SetOpGeneric(ctx, args, 2, &args[1], SetOp::kUnion, false);
}
void ZInterStore(CommandContext& ctx, ArgList args) {
  SetOpGeneric(ctx, args, 2, &args[1], SetOp::kInter, false);
}
void ZDiffStore(CommandContext& ctx, ArgList args) {
  SetOpGeneric(ctx, args, 2, &args[1], SetOp::kDiff, false);
}
void ZInterCard(CommandContext& ctx, ArgList args) {
  SetOpGeneric(ctx, args, 1, nullptr, SetOp::kInter, true);
}

void ZScan(CommandContext& ctx, ArgList args) {
  CollectionScan(ctx, args, ValueType::kZSet, /*pairs=*/true, [](const Value& z) -> ScanStep {
    // A listpack shows each score as it stores it, a skiplist through
    // d2string: Redis 7.0 prints 1e17 as 100000000000000000 in one and
    // 1e+17 in the other.
    const bool listpack = z.enc == types::Encoding::kListpack;
    return [&z, listpack](uint64_t cursor, std::vector<std::string>& out) {
      return zset::Scan(z, cursor, [&](std::string_view m, double s) {
        out.emplace_back(m);
        out.push_back(listpack ? zset::ScoreToString(s) : D2String(s));
      });
    };
  });
}

}  // namespace

void RegisterZSetCommands(CommandTable& t) {
  t.Add(
      {{.name = "zadd",
        .arity = -4,
        .flags = kWrite | kDenyOom | kFast,
        .keys = {1, 1, 1},
        .acl = acl::kSortedSet,
        .handler = ZAdd,
        .doc = {.summary = "Add one or more members to a sorted set, or update its score if it "
                           "already exists",
                .since = "1.2.0",
                .group = "sorted-set",
                .complexity = "O(log(N)) for each item added, where N is the number of elements in "
                              "the sorted set.",
                .history = {{"2.4.0", "Accepts multiple elements."},
                            {"3.0.2", "Added the `XX`, `NX`, `CH` and `INCR` options."},
                            {"6.2.0", "Added the `GT` and `LT` options."}},
                .arguments = {{.name = "key", .type = "key", .key_spec_index = 0},
                              {.name = "condition",
                               .type = "oneof",
                               .since = "3.0.2",
                               .flags = kArgOptional,
                               .arguments = {{.name = "nx", .type = "pure-token", .token = "NX"},
                                             {.name = "xx", .type = "pure-token", .token = "XX"}}},
                              {.name = "comparison",
                               .type = "oneof",
                               .since = "6.2.0",
                               .flags = kArgOptional,
                               .arguments = {{.name = "gt", .type = "pure-token", .token = "GT"},
                                             {.name = "lt", .type = "pure-token", .token = "LT"}}},
                              {.name = "change",
                               .type = "pure-token",
                               .token = "CH",
                               .since = "3.0.2",
                               .flags = kArgOptional},
                              {.name = "increment",
                               .type = "pure-token",
                               .token = "INCR",
                               .since = "3.0.2",
                               .flags = kArgOptional},
                              {.name = "score_member",
                               .type = "block",
                               .flags = kArgMultiple,
                               .arguments = {{.name = "score", .type = "double"},
                                             {.name = "member", .type = "string"}}}}},
        .key_specs = {{.flags = ks::kRW | ks::kUpdate, .index = 1}}},
       {.name = "zincrby",
        .arity = 4,
        .flags = kWrite | kDenyOom | kFast,
        .keys = {1, 1, 1},
        .acl = acl::kSortedSet,
        .handler = ZIncrBy,
        .doc = {.summary = "Increment the score of a member in a sorted set",
                .since = "1.2.0",
                .group = "sorted-set",
                .complexity = "O(log(N)) where N is the number of elements in the sorted set.",
                .arguments = {{.name = "key", .type = "key", .key_spec_index = 0},
                              {.name = "increment", .type = "integer"},
                              {.name = "member", .type = "string"}}},
        .key_specs = {{.flags = ks::kRW | ks::kAccess | ks::kUpdate, .index = 1}}},
       {.name = "zrem",
        .arity = -3,
        .flags = kWrite | kFast,
        .keys = {1, 1, 1},
        .acl = acl::kSortedSet,
        .handler = ZRem,
        .doc = {.summary = "Remove one or more members from a sorted set",
                .since = "1.2.0",
                .group = "sorted-set",
                .complexity = "O(M*log(N)) with N being the number of elements in the sorted set "
                              "and M the number of elements to be removed.",
                .history = {{"2.4.0", "Accepts multiple elements."}},
                .arguments = {{.name = "key", .type = "key", .key_spec_index = 0},
                              {.name = "member", .type = "string", .flags = kArgMultiple}}},
        .key_specs = {{.flags = ks::kRW | ks::kDelete, .index = 1}}},
       {.name = "zcard",
        .arity = 2,
        .flags = kReadonly | kFast,
        .keys = {1, 1, 1},
        .acl = acl::kSortedSet,
        .handler = ZCard,
        .doc = {.summary = "Get the number of members in a sorted set",
                .since = "1.2.0",
                .group = "sorted-set",
                .complexity = "O(1)",
                .arguments = {{.name = "key", .type = "key", .key_spec_index = 0}}},
        .key_specs = {{.flags = ks::kRO, .index = 1}}},
       {.name = "zcount",
        .arity = 4,
        .flags = kReadonly | kFast,
        .keys = {1, 1, 1},
        .acl = acl::kSortedSet,
        .handler = ZCount,
        .doc = {.summary = "Count the members in a sorted set with scores within the given values",
                .since = "2.0.0",
                .group = "sorted-set",
                .complexity = "O(log(N)) with N being the number of elements in the sorted set.",
                .arguments = {{.name = "key", .type = "key", .key_spec_index = 0},
                              {.name = "min", .type = "double"},
                              {.name = "max", .type = "double"}}},
        .key_specs = {{.flags = ks::kRO | ks::kAccess, .index = 1}}},
       {.name = "zlexcount",
        .arity = 4,
        .flags = kReadonly | kFast,
        .keys = {1, 1, 1},
        .acl = acl::kSortedSet,
        .handler = ZLexCount,
        .doc = {.summary = "Count the number of members in a sorted set between a given "
                           "lexicographical range",
                .since = "2.8.9",
                .group = "sorted-set",
                .complexity = "O(log(N)) with N being the number of elements in the sorted set.",
                .arguments = {{.name = "key", .type = "key", .key_spec_index = 0},
                              {.name = "min", .type = "string"},
                              {.name = "max", .type = "string"}}},
        .key_specs = {{.flags = ks::kRO | ks::kAccess, .index = 1}}},
       {.name = "zscore",
        .arity = 3,
        .flags = kReadonly | kFast,
        .keys = {1, 1, 1},
        .acl = acl::kSortedSet,
        .handler = ZScore,
        .doc = {.summary = "Get the score associated with the given member in a sorted set",
                .since = "1.2.0",
                .group = "sorted-set",
                .complexity = "O(1)",
                .arguments = {{.name = "key", .type = "key", .key_spec_index = 0},
                              {.name = "member", .type = "string"}}},
        .key_specs = {{.flags = ks::kRO | ks::kAccess, .index = 1}}},
       {.name = "zmscore",
        .arity = -3,
        .flags = kReadonly | kFast,
        .keys = {1, 1, 1},
        .acl = acl::kSortedSet,
        .handler = ZMScore,
        .doc = {.summary = "Get the score associated with the given members in a sorted set",
                .since = "6.2.0",
                .group = "sorted-set",
                .complexity = "O(N) where N is the number of members being requested.",
                .arguments = {{.name = "key", .type = "key", .key_spec_index = 0},
                              {.name = "member", .type = "string", .flags = kArgMultiple}}},
        .key_specs = {{.flags = ks::kRO | ks::kAccess, .index = 1}}},
       {.name = "zrank",
        .arity = 3,
        .flags = kReadonly | kFast,
        .keys = {1, 1, 1},
        .acl = acl::kSortedSet,
        .handler = ZRank,
        .doc = {.summary = "Determine the index of a member in a sorted set",
                .since = "2.0.0",
                .group = "sorted-set",
                .complexity = "O(log(N))",
                .arguments = {{.name = "key", .type = "key", .key_spec_index = 0},
                              {.name = "member", .type = "string"}}},
        .key_specs = {{.flags = ks::kRO | ks::kAccess, .index = 1}}},
       {.name = "zrevrank",
        .arity = 3,
        .flags = kReadonly | kFast,
        .keys = {1, 1, 1},
        .acl = acl::kSortedSet,
        .handler = ZRevRank,
        .doc = {.summary = "Determine the index of a member in a sorted set, with scores ordered "
                           "from high to low",
                .since = "2.0.0",
                .group = "sorted-set",
                .complexity = "O(log(N))",
                .arguments = {{.name = "key", .type = "key", .key_spec_index = 0},
                              {.name = "member", .type = "string"}}},
        .key_specs = {{.flags = ks::kRO | ks::kAccess, .index = 1}}},
       {.name = "zrange",
        .arity = -4,
        .flags = kReadonly,
        .keys = {1, 1, 1},
        .acl = acl::kSortedSet,
        .handler = ZRange,
        .doc = {.summary = "Return a range of members in a sorted set",
                .since = "1.2.0",
                .group = "sorted-set",
                .complexity = "O(log(N)+M) with N being the number of elements in the sorted set "
                              "and M the number of elements returned.",
                .history = {{"6.2.0", "Added the `REV`, `BYSCORE`, `BYLEX` and `LIMIT` options."}},
                .arguments = {{.name = "key", .type = "key", .key_spec_index = 0},
                              {.name = "start", .type = "string"},
                              {.name = "stop", .type = "string"},
                              {.name = "sortby",
                               .type = "oneof",
                               .since = "6.2.0",
                               .flags = kArgOptional,
                               .arguments =
                                   {{.name = "byscore", .type = "pure-token", .token = "BYSCORE"},
                                    {.name = "bylex", .type = "pure-token", .token = "BYLEX"}}},
                              {.name = "rev",
                               .type = "pure-token",
                               .token = "REV",
                               .since = "6.2.0",
                               .flags = kArgOptional},
                              {.name = "offset_count",
                               .type = "block",
                               .token = "LIMIT",
                               .since = "6.2.0",
                               .flags = kArgOptional,
                               .arguments = {{.name = "offset", .type = "integer"},
                                             {.name = "count", .type = "integer"}}},
                              {.name = "withscores",
                               .type = "pure-token",
                               .token = "WITHSCORES",
                               .flags = kArgOptional}}},
        .key_specs = {{.flags = ks::kRO | ks::kAccess, .index = 1}}},
       {.name = "zrangestore",
        .arity = -5,
        .flags = kWrite | kDenyOom,
        .keys = {1, 2, 1},
        .acl = acl::kSortedSet,
        .handler = ZRangeStore,
        .doc =
            {.summary = "Store a range of members from sorted set into another key",
             .since = "6.2.0",
             .group = "sorted-set",
             .complexity = "O(log(N)+M) with N being the number of elements in the sorted set and "
                           "M the number of elements stored into the destination key.",
             .arguments =
                 {{.name = "dst", .type = "key", .key_spec_index = 0},
                  {.name = "src", .type = "key", .key_spec_index = 1},
                  {.name = "min", .type = "string"},
                  {.name = "max", .type = "string"},
                  {.name = "sortby",
                   .type = "oneof",
                   .flags = kArgOptional,
                   .arguments = {{.name = "byscore", .type = "pure-token", .token = "BYSCORE"},
                                 {.name = "bylex", .type = "pure-token", .token = "BYLEX"}}},
                  {.name = "rev", .type = "pure-token", .token = "REV", .flags = kArgOptional},
                  {.name = "offset_count",
                   .type = "block",
                   .token = "LIMIT",
                   .flags = kArgOptional,
                   .arguments = {{.name = "offset", .type = "integer"},
                                 {.name = "count", .type = "integer"}}}}},
        .key_specs = {{.flags = ks::kOW | ks::kUpdate, .index = 1},
                      {.flags = ks::kRO | ks::kAccess, .index = 2}}},
       {.name = "zrevrange",
        .arity = -4,
        .flags = kReadonly,
        .keys = {1, 1, 1},
        .acl = acl::kSortedSet,
        .handler = ZRevRange,
        .doc = {.summary = "Return a range of members in a sorted set, by index, with scores "
                           "ordered from high to low",
                .since = "1.2.0",
                .group = "sorted-set",
                .complexity = "O(log(N)+M) with N being the number of elements in the sorted set "
                              "and M the number of elements returned.",
                .doc_flags = {"deprecated"},
                .deprecated_since = "6.2.0",
                .replaced_by = "`ZRANGE` with the `REV` argument",
                .arguments = {{.name = "key", .type = "key", .key_spec_index = 0},
                              {.name = "start", .type = "integer"},
                              {.name = "stop", .type = "integer"},
                              {.name = "withscores",
                               .type = "pure-token",
                               .token = "WITHSCORES",
                               .flags = kArgOptional}}},
        .key_specs = {{.flags = ks::kRO | ks::kAccess, .index = 1}}},
       {.name = "zrangebyscore",
        .arity = -4,
        .flags = kReadonly,
        .keys = {1, 1, 1},
        .acl = acl::kSortedSet,
        .handler = ZRangeByScore,
        .doc = {.summary = "Return a range of members in a sorted set, by score",
                .since = "1.0.5",
                .group = "sorted-set",
                .complexity =
                    "O(log(N)+M) with N being the number of elements in the sorted set and M the "
                    "number of elements being returned. If M is constant (e.g. always asking for "
                    "the first 10 elements with LIMIT), you can consider it O(log(N)).",
                .doc_flags = {"deprecated"},
                .deprecated_since = "6.2.0",
                .replaced_by = "`ZRANGE` with the `BYSCORE` argument",
                .history = {{"2.0.0", "Added the `WITHSCORES` modifier."}},
                .arguments = {{.name = "key", .type = "key", .key_spec_index = 0},
                              {.name = "min", .type = "double"},
                              {.name = "max", .type = "double"},
                              {.name = "withscores",
                               .type = "pure-token",
                               .token = "WITHSCORES",
                               .since = "2.0.0",
                               .flags = kArgOptional},
                              {.name = "offset_count",
                               .type = "block",
                               .token = "LIMIT",
                               .flags = kArgOptional,
                               .arguments = {{.name = "offset", .type = "integer"},
                                             {.name = "count", .type = "integer"}}}}},
        .key_specs = {{.flags = ks::kRO | ks::kAccess, .index = 1}}},
       {.name = "zrevrangebyscore",
        .arity = -4,
        .flags = kReadonly,
        .keys = {1, 1, 1},
        .acl = acl::kSortedSet,
        .handler = ZRevRangeByScore,
        .doc = {.summary = "Return a range of members in a sorted set, by score, with scores "
                           "ordered from high to low",
                .since = "2.2.0",
                .group = "sorted-set",
                .complexity =
                    "O(log(N)+M) with N being the number of elements in the sorted set and M the "
                    "number of elements being returned. If M is constant (e.g. always asking for "
                    "the first 10 elements with LIMIT), you can consider it O(log(N)).",
                .doc_flags = {"deprecated"},
                .deprecated_since = "6.2.0",
                .replaced_by = "`ZRANGE` with the `REV` and `BYSCORE` arguments",
                .history = {{"2.1.6", "`min` and `max` can be exclusive."}},
                .arguments = {{.name = "key", .type = "key", .key_spec_index = 0},
                              {.name = "max", .type = "double"},
                              {.name = "min", .type = "double"},
                              {.name = "withscores",
                               .type = "pure-token",
                               .token = "WITHSCORES",
                               .flags = kArgOptional},
                              {.name = "offset_count",
                               .type = "block",
                               .token = "LIMIT",
                               .flags = kArgOptional,
                               .arguments = {{.name = "offset", .type = "integer"},
                                             {.name = "count", .type = "integer"}}}}},
        .key_specs = {{.flags = ks::kRO | ks::kAccess, .index = 1}}},
       {.name = "zrangebylex",
        .arity = -4,
        .flags = kReadonly,
        .keys = {1, 1, 1},
        .acl = acl::kSortedSet,
        .handler = ZRangeByLex,
        .doc = {.summary = "Return a range of members in a sorted set, by lexicographical range",
                .since = "2.8.9",
                .group = "sorted-set",
                .complexity =
                    "O(log(N)+M) with N being the number of elements in the sorted set and M the "
                    "number of elements being returned. If M is constant (e.g. always asking for "
                    "the first 10 elements with LIMIT), you can consider it O(log(N)).",
                .doc_flags = {"deprecated"},
                .deprecated_since = "6.2.0",
                .replaced_by = "`ZRANGE` with the `BYLEX` argument",
                .arguments = {{.name = "key", .type = "key", .key_spec_index = 0},
                              {.name = "min", .type = "string"},
                              {.name = "max", .type = "string"},
                              {.name = "offset_count",
                               .type = "block",
                               .token = "LIMIT",
                               .flags = kArgOptional,
                               .arguments = {{.name = "offset", .type = "integer"},
                                             {.name = "count", .type = "integer"}}}}},
        .key_specs = {{.flags = ks::kRO | ks::kAccess, .index = 1}}},
       {.name = "zrevrangebylex",
        .arity = -4,
        .flags = kReadonly,
        .keys = {1, 1, 1},
        .acl = acl::kSortedSet,
        .handler = ZRevRangeByLex,
        .doc = {.summary = "Return a range of members in a sorted set, by lexicographical range, "
                           "ordered from higher to lower strings.",
                .since = "2.8.9",
                .group = "sorted-set",
                .complexity =
                    "O(log(N)+M) with N being the number of elements in the sorted set and M the "
                    "number of elements being returned. If M is constant (e.g. always asking for "
                    "the first 10 elements with LIMIT), you can consider it O(log(N)).",
                .doc_flags = {"deprecated"},
                .deprecated_since = "6.2.0",
                .replaced_by = "`ZRANGE` with the `REV` and `BYLEX` arguments",
                .arguments = {{.name = "key", .type = "key", .key_spec_index = 0},
                              {.name = "max", .type = "string"},
                              {.name = "min", .type = "string"},
                              {.name = "offset_count",
                               .type = "block",
                               .token = "LIMIT",
                               .flags = kArgOptional,
                               .arguments = {{.name = "offset", .type = "integer"},
                                             {.name = "count", .type = "integer"}}}}},
        .key_specs = {{.flags = ks::kRO | ks::kAccess, .index = 1}}},
       {.name = "zremrangebyrank",
        .arity = 4,
        .flags = kWrite,
        .keys = {1, 1, 1},
        .acl = acl::kSortedSet,
        .handler = ZRemRangeByRank,
        .doc = {.summary = "Remove all members in a sorted set within the given indexes",
                .since = "2.0.0",
                .group = "sorted-set",
                .complexity = "O(log(N)+M) with N being the number of elements in the sorted set "
                              "and M the number of elements removed by the operation.",
                .arguments = {{.name = "key", .type = "key", .key_spec_index = 0},
                              {.name = "start", .type = "integer"},
                              {.name = "stop", .type = "integer"}}},
        .key_specs = {{.flags = ks::kRW | ks::kDelete, .index = 1}}},
       {.name = "zremrangebyscore",
        .arity = 4,
        .flags = kWrite,
        .keys = {1, 1, 1},
        .acl = acl::kSortedSet,
        .handler = ZRemRangeByScore,
        .doc = {.summary = "Remove all members in a sorted set within the given scores",
                .since = "1.2.0",
                .group = "sorted-set",
                .complexity = "O(log(N)+M) with N being the number of elements in the sorted set "
                              "and M the number of elements removed by the operation.",
                .arguments = {{.name = "key", .type = "key", .key_spec_index = 0},
                              {.name = "min", .type = "double"},
                              {.name = "max", .type = "double"}}},
        .key_specs = {{.flags = ks::kRW | ks::kDelete, .index = 1}}},
       {.name = "zremrangebylex",
        .arity = 4,
        .flags = kWrite,
        .keys = {1, 1, 1},
        .acl = acl::kSortedSet,
        .handler = ZRemRangeByLex,
        .doc = {.summary =
                    "Remove all members in a sorted set between the given lexicographical range",
                .since = "2.8.9",
                .group = "sorted-set",
                .complexity = "O(log(N)+M) with N being the number of elements in the sorted set "
                              "and M the number of elements removed by the operation.",
                .arguments = {{.name = "key", .type = "key", .key_spec_index = 0},
                              {.name = "min", .type = "string"},
                              {.name = "max", .type = "string"}}},
        .key_specs = {{.flags = ks::kRW | ks::kDelete, .index = 1}}},
       {.name = "zpopmin",
        .arity = -2,
        .flags = kWrite | kFast,
        .keys = {1, 1, 1},
        .acl = acl::kSortedSet,
        .handler = ZPopMin,
        .doc = {.summary = "Remove and return members with the lowest scores in a sorted set",
                .since = "5.0.0",
                .group = "sorted-set",
                .complexity = "O(log(N)*M) with N being the number of elements in the sorted set, "
                              "and M being the number of elements popped.",
                .arguments = {{.name = "key", .type = "key", .key_spec_index = 0},
                              {.name = "count", .type = "integer", .flags = kArgOptional}}},
        .key_specs = {{.flags = ks::kRW | ks::kAccess | ks::kDelete, .index = 1}}},
       {.name = "zpopmax",
        .arity = -2,
        .flags = kWrite | kFast,
        .keys = {1, 1, 1},
        .acl = acl::kSortedSet,
        .handler = ZPopMax,
        .doc = {.summary = "Remove and return members with the highest scores in a sorted set",
                .since = "5.0.0",
                .group = "sorted-set",
                .complexity = "O(log(N)*M) with N being the number of elements in the sorted set, "
                              "and M being the number of elements popped.",
                .arguments = {{.name = "key", .type = "key", .key_spec_index = 0},
                              {.name = "count", .type = "integer", .flags = kArgOptional}}},
        .key_specs = {{.flags = ks::kRW | ks::kAccess | ks::kDelete, .index = 1}}},
       {.name = "zmpop",
        .arity = -4,
        .flags = kWrite | kMovableKeys | kCustomPropagation,
        .acl = acl::kSortedSet,
        .handler = ZMPop,
        .doc =
            {.summary = "Remove and return members with scores in a sorted set",
             .since = "7.0.0",
             .group = "sorted-set",
             .complexity =
                 "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of "
                 "elements in the sorted set, and M being the number of elements popped.",
             .arguments =
                 {{.name = "numkeys", .type = "integer"},
                  {.name = "key", .type = "key", .flags = kArgMultiple, .key_spec_index = 0},
                  {.name = "where",
                   .type = "oneof",
                   .arguments = {{.name = "min", .type = "pure-token", .token = "MIN"},
                                 {.name = "max", .type = "pure-token", .token = "MAX"}}},
                  {.name = "count", .type = "integer", .token = "COUNT", .flags = kArgOptional}}},
        .key_specs = {{.flags = ks::kRW | ks::kAccess | ks::kDelete,
                       .index = 1,
                       .keynum = true,
                       .keynumidx = 0,
                       .firstkey = 1}}},
       {.name = "zrandmember",
        .arity = -2,
        .flags = kReadonly,
        .keys = {1, 1, 1},
        .acl = acl::kSortedSet,
        .handler = ZRandMember,
        .doc = {.summary = "Get one or multiple random elements from a sorted set",
                .since = "6.2.0",
                .group = "sorted-set",
                .complexity = "O(N) where N is the number of elements returned",
                .arguments = {{.name = "key", .type = "key", .key_spec_index = 0},
                              {.name = "options",
                               .type = "block",
                               .flags = kArgOptional,
                               .arguments = {{.name = "count", .type = "integer"},
                                             {.name = "withscores",
                                              .type = "pure-token",
                                              .token = "WITHSCORES",
                                              .flags = kArgOptional}}}}},
        .key_specs = {{.flags = ks::kRO | ks::kAccess, .index = 1}},
        .tips = {"nondeterministic_output"}},
       {.name = "zunion",
        .arity = -3,
        .flags = kReadonly | kMovableKeys,
        .acl = acl::kSortedSet,
        .handler = ZUnion,
        .doc = {.summary = "Add multiple sorted sets",
                .since = "6.2.0",
                .group = "sorted-set",
                .complexity =
                    "O(N)+O(M*log(M)) with N being the sum of the sizes of the input sorted sets, "
                    "and M being the number of elements in the resulting sorted set.",
                .arguments =
                    {{.name = "numkeys", .type = "integer"},
                     {.name = "key", .type = "key", .flags = kArgMultiple, .key_spec_index = 0},
                     {.name = "weight",
                      .type = "integer",
                      .token = "WEIGHTS",
                      .flags = kArgOptional | kArgMultiple},
                     {.name = "aggregate",
                      .type = "oneof",
                      .token = "AGGREGATE",
                      .flags = kArgOptional,
                      .arguments = {{.name = "sum", .type = "pure-token", .token = "SUM"},
                                    {.name = "min", .type = "pure-token", .token = "MIN"},
                                    {.name = "max", .type = "pure-token", .token = "MAX"}}},
                     {.name = "withscores",
                      .type = "pure-token",
                      .token = "WITHSCORES",
                      .flags = kArgOptional}}},
        .key_specs = {{.flags = ks::kRO | ks::kAccess,
                       .index = 1,
                       .keynum = true,
                       .keynumidx = 0,
                       .firstkey = 1}}},
       {.name = "zinter",
        .arity = -3,
        .flags = kReadonly | kMovableKeys,
        .acl = acl::kSortedSet,
        .handler = ZInter,
        .doc = {.summary = "Intersect multiple sorted sets",
                .since = "6.2.0",
                .group = "sorted-set",
                .complexity = "O(N*K)+O(M*log(M)) worst case with N being the smallest input "
                              "sorted set, K being the number of input sorted sets and M being the "
                              "number of elements in the resulting sorted set.",
                .arguments =
                    {{.name = "numkeys", .type = "integer"},
                     {.name = "key", .type = "key", .flags = kArgMultiple, .key_spec_index = 0},
                     {.name = "weight",
                      .type = "integer",
                      .token = "WEIGHTS",
                      .flags = kArgOptional | kArgMultiple},
                     {.name = "aggregate",
                      .type = "oneof",
                      .token = "AGGREGATE",
                      .flags = kArgOptional,
                      .arguments = {{.name = "sum", .type = "pure-token", .token = "SUM"},
                                    {.name = "min", .type = "pure-token", .token = "MIN"},
                                    {.name = "max", .type = "pure-token", .token = "MAX"}}},
                     {.name = "withscores",
                      .type = "pure-token",
                      .token = "WITHSCORES",
                      .flags = kArgOptional}}},
        .key_specs = {{.flags = ks::kRO | ks::kAccess,
                       .index = 1,
                       .keynum = true,
                       .keynumidx = 0,
                       .firstkey = 1}}},
       {.name = "zdiff",
        .arity = -3,
        .flags = kReadonly | kMovableKeys,
        .acl = acl::kSortedSet,
        .handler = ZDiff,
        .doc =
            {.summary = "Subtract multiple sorted sets",
             .since = "6.2.0",
             .group = "sorted-set",
             .complexity =
                 "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the "
                 "sets, N is the size of the first set, and K is the size of the result set.",
             .arguments =
                 {{.name = "numkeys", .type = "integer"},
                  {.name = "key", .type = "key", .flags = kArgMultiple, .key_spec_index = 0},
                  {.name = "withscores",
                   .type = "pure-token",
                   .token = "WITHSCORES",
                   .flags = kArgOptional}}},
        .key_specs = {{.flags = ks::kRO | ks::kAccess,
                       .index = 1,
                       .keynum = true,
                       .keynumidx = 0,
                       .firstkey = 1}}},
       {.name = "zunionstore",
        .arity = -4,
        .flags = kWrite | kDenyOom | kMovableKeys,
        .keys = {1, 1, 1},
        .acl = acl::kSortedSet,
        .handler = ZUnionStore,
        .doc = {.summary =
                    "Add multiple sorted sets and store the resulting sorted set in a new key",
                .since = "2.0.0",
                .group = "sorted-set",
                .complexity =
                    "O(N)+O(M log(M)) with N being the sum of the sizes of the input sorted sets, "
                    "and M being the number of elements in the resulting sorted set.",
                .arguments =
                    {{.name = "destination", .type = "key", .key_spec_index = 0},
                     {.name = "numkeys", .type = "integer"},
                     {.name = "key", .type = "key", .flags = kArgMultiple, .key_spec_index = 1},
                     {.name = "weight",
                      .type = "integer",
                      .token = "WEIGHTS",
                      .flags = kArgOptional | kArgMultiple},
                     {.name = "aggregate",
                      .type = "oneof",
                      .token = "AGGREGATE",
                      .flags = kArgOptional,
                      .arguments = {{.name = "sum", .type = "pure-token", .token = "SUM"},
                                    {.name = "min", .type = "pure-token", .token = "MIN"},
                                    {.name = "max", .type = "pure-token", .token = "MAX"}}}}},
        .key_specs = {{.flags = ks::kOW | ks::kUpdate, .index = 1},
                      {.flags = ks::kRO | ks::kAccess,
                       .index = 2,
                       .keynum = true,
                       .keynumidx = 0,
                       .firstkey = 1}}},
       {.name = "zinterstore",
        .arity = -4,
        .flags = kWrite | kDenyOom | kMovableKeys,
        .keys = {1, 1, 1},
        .acl = acl::kSortedSet,
        .handler = ZInterStore,
        .doc =
            {.summary =
                 "Intersect multiple sorted sets and store the resulting sorted set in a new key",
             .since = "2.0.0",
             .group = "sorted-set",
             .complexity = "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted "
                           "set, K being the number of input sorted sets and M being the number of "
                           "elements in the resulting sorted set.",
             .arguments =
                 {{.name = "destination", .type = "key", .key_spec_index = 0},
                  {.name = "numkeys", .type = "integer"},
                  {.name = "key", .type = "key", .flags = kArgMultiple, .key_spec_index = 1},
                  {.name = "weight",
                   .type = "integer",
                   .token = "WEIGHTS",
                   .flags = kArgOptional | kArgMultiple},
                  {.name = "aggregate",
                   .type = "oneof",
                   .token = "AGGREGATE",
                   .flags = kArgOptional,
                   .arguments = {{.name = "sum", .type = "pure-token", .token = "SUM"},
                                 {.name = "min", .type = "pure-token", .token = "MIN"},
                                 {.name = "max", .type = "pure-token", .token = "MAX"}}}}},
        .key_specs = {{.flags = ks::kOW | ks::kUpdate, .index = 1},
                      {.flags = ks::kRO | ks::kAccess,
                       .index = 2,
                       .keynum = true,
                       .keynumidx = 0,
                       .firstkey = 1}}},
       {.name = "zdiffstore",
        .arity = -4,
        .flags = kWrite | kDenyOom | kMovableKeys,
        .keys = {1, 1, 1},
        .acl = acl::kSortedSet,
        .handler = ZDiffStore,
        .doc =
            {.summary =
                 "Subtract multiple sorted sets and store the resulting sorted set in a new key",
             .since = "6.2.0",
             .group = "sorted-set",
             .complexity =
                 "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the "
                 "sets, N is the size of the first set, and K is the size of the result set.",
             .arguments =
                 {{.name = "destination", .type = "key", .key_spec_index = 0},
                  {.name = "numkeys", .type = "integer"},
                  {.name = "key", .type = "key", .flags = kArgMultiple, .key_spec_index = 1}}},
        .key_specs = {{.flags = ks::kOW | ks::kUpdate, .index = 1},
                      {.flags = ks::kRO | ks::kAccess,
                       .index = 2,
                       .keynum = true,
                       .keynumidx = 0,
                       .firstkey = 1}}},
       {.name = "zintercard",
        .arity = -3,
        .flags = kReadonly | kMovableKeys,
        .acl = acl::kSortedSet,
        .handler = ZInterCard,
        .doc =
            {.summary = "Intersect multiple sorted sets and return the cardinality of the result",
             .since = "7.0.0",
             .group = "sorted-set",
             .complexity = "O(N*K) worst case with N being the smallest input sorted set, K being "
                           "the number of input sorted sets.",
             .arguments =
                 {{.name = "numkeys", .type = "integer"},
                  {.name = "key", .type = "key", .flags = kArgMultiple, .key_spec_index = 0},
                  {.name = "limit", .type = "integer", .token = "LIMIT", .flags = kArgOptional}}},
        .key_specs = {{.flags = ks::kRO | ks::kAccess,
                       .index = 1,
                       .keynum = true,
                       .keynumidx = 0,
                       .firstkey = 1}}},
       {.name = "zscan",
        .arity = -3,
        .flags = kReadonly,
        .keys = {1, 1, 1},
        .acl = acl::kSortedSet,
        .handler = ZScan,
        .doc =
            {.summary = "Incrementally iterate sorted sets elements and associated scores",
             .since = "2.8.0",
             .group = "sorted-set",
             .complexity = "O(1) for every call. O(N) for a complete iteration, including enough "
                           "command calls for the cursor to return back to 0. N is the number of "
                           "elements inside the collection..",
             .arguments =
                 {{.name = "key", .type = "key", .key_spec_index = 0},
                  {.name = "cursor", .type = "integer"},
                  {.name = "pattern", .type = "pattern", .token = "MATCH", .flags = kArgOptional},
                  {.name = "count", .type = "integer", .token = "COUNT", .flags = kArgOptional}}},
        .key_specs = {{.flags = ks::kRO | ks::kAccess, .index = 1}},
        .tips = {"nondeterministic_output"}},
       {.name = "bzpopmin",
        .arity = -3,
        .flags = kWrite | kNoScript | kBlocking | kFast | kCustomPropagation,
        .keys = {1, -2, 1},
        .acl = acl::kSortedSet,
        .handler = BZPopMin,
        .doc = {.summary = "Remove and return the member with the lowest score from one or more "
                           "sorted sets, or block until one is available",
                .since = "5.0.0",
                .group = "sorted-set",
                .complexity = "O(log(N)) with N being the number of elements in the sorted set.",
                .history = {{"6.0.0",
                             "`timeout` is interpreted as a double instead of an integer."}},
                .arguments =
                    {{.name = "key", .type = "key", .flags = kArgMultiple, .key_spec_index = 0},
                     {.name = "timeout", .type = "double"}}},
        .key_specs = {{.flags = ks::kRW | ks::kAccess | ks::kDelete, .index = 1, .lastkey = -2}}},
       {.name = "bzpopmax",
        .arity = -3,
        .flags = kWrite | kNoScript | kBlocking | kFast | kCustomPropagation,
        .keys = {1, -2, 1},
        .acl = acl::kSortedSet,
        .handler = BZPopMax,
        .doc = {.summary = "Remove and return the member with the highest score from one or more "
                           "sorted sets, or block until one is available",
                .since = "5.0.0",
                .group = "sorted-set",
                .complexity = "O(log(N)) with N being the number of elements in the sorted set.",
                .history = {{"6.0.0",
                             "`timeout` is interpreted as a double instead of an integer."}},
                .arguments =
                    {{.name = "key", .type = "key", .flags = kArgMultiple, .key_spec_index = 0},
                     {.name = "timeout", .type = "double"}}},
        .key_specs = {{.flags = ks::kRW | ks::kAccess | ks::kDelete, .index = 1, .lastkey = -2}}},
       {.name = "bzmpop",
        .arity = -5,
        .flags = kWrite | kBlocking | kMovableKeys | kCustomPropagation,
        .acl = acl::kSortedSet,
        .handler = BZMPop,
        .doc =
            {.summary = "Remove and return members with scores in a sorted set or block until one "
                        "is available",
             .since = "7.0.0",
             .group = "sorted-set",
             .complexity =
                 "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of "
                 "elements in the sorted set, and M being the number of elements popped.",
             .arguments =
                 {{.name = "timeout", .type = "double"},
                  {.name = "numkeys", .type = "integer"},
                  {.name = "key", .type = "key", .flags = kArgMultiple, .key_spec_index = 0},
                  {.name = "where",
                   .type = "oneof",
                   .arguments = {{.name = "min", .type = "pure-token", .token = "MIN"},
                                 {.name = "max", .type = "pure-token", .token = "MAX"}}},
                  {.name = "count", .type = "integer", .token = "COUNT", .flags = kArgOptional}}},
        .key_specs = {{.flags = ks::kRW | ks::kAccess | ks::kDelete,
                       .index = 2,
                       .keynum = true,
                       .keynumidx = 0,
                       .firstkey = 1}}}});
}

}  // namespace cairn::engine
