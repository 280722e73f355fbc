// Sorted sets: members ordered by score, then member bytes. While small
// (at most zset-max-listpack-entries members, none longer than
// zset-max-listpack-value bytes) a listpack of member, score, member,
// score... in that order; beyond, a skiplist with a member index
// (ZSetIndex). Scores are stored in the listpack as Redis 7.0 writes them
// (see ScoreToString), so DUMP and RDB output match Redis's byte for byte.
//
// Ranks are 0-based from the lowest score; `reverse` counts from the
// highest.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>

#include "types/skiplist.h"
#include "types/value.h"

namespace cairn::types::zset {

struct Limits {
  size_t max_listpack_entries = 128;
  size_t max_listpack_value = 64;
};

// How Redis 7.0 stores a score in a listpack (an integer when integral and
// within +-2^62, "inf"/"-inf", "%.17g" otherwise). Replies print scores
// with protocol::FormatDouble instead.
std::string ScoreToString(double d);

// An empty sorted set in the encoding Redis picks for `size_hint` members
// of up to `max_len` bytes (zsetTypeCreate). REQUIRES: a member is added
// before it is stored.
Value New(size_t size_hint, size_t max_len, const Limits& limits);
size_t Card(const Value& z);
std::optional<double> Score(const Value& z, std::string_view member);

// ZADD's flags and outcome (Redis's zsetAdd).
enum Flags : int {
  kNx = 1,
  kXx = 2,
  kGt = 4,
  kLt = 8,
  kIncr = 16,
};
// kSame: the member is there with that score already (nothing changed,
// but not refused either: ZADD INCR replies with the score).
enum class AddResult { kAdded, kUpdated, kSame, kNop, kNan };
// Adds or updates `member`. With kIncr, `score` is an increment and
// *new_score the result. kNan when the result would be NaN.
AddResult Add(Value& z, double score, std::string_view member, int flags, double* new_score,
              const Limits& limits);
bool Remove(Value& z, std::string_view member);

// 0-based rank of member, nullopt when absent.
std::optional<uint64_t> Rank(const Value& z, std::string_view member, bool reverse);

// fn(member, score); return false to stop.
using Visit = std::function<bool(std::string_view, double)>;
// Ranks [start, end] (normalized, in range, start <= end), lowest first or
// (reverse) highest first.
void RangeByRank(const Value& z, uint64_t start, uint64_t end, bool reverse, const Visit& fn);
// Members in the score range, ascending (or descending), skipping `offset`
// of them first.
void RangeByScore(const Value& z, const ScoreRange& r, bool reverse, uint64_t offset,
                  const Visit& fn);
void RangeByLex(const Value& z, const LexRange& r, bool reverse, uint64_t offset,
                const Visit& fn);
size_t CountInRange(const Value& z, const ScoreRange& r);
size_t CountInLexRange(const Value& z, const LexRange& r);
size_t RemoveRangeByRank(Value& z, uint64_t start, uint64_t end);
size_t RemoveRangeByScore(Value& z, const ScoreRange& r);
size_t RemoveRangeByLex(Value& z, const LexRange& r);

void ForEach(const Value& z, const Visit& fn);
uint64_t Scan(const Value& z, uint64_t cursor, const std::function<void(std::string_view, double)>& fn);
std::pair<std::string, double> Random(const Value& z, std::mt19937_64& rng);

void ConvertToSkiplist(Value& z);
// Back to a listpack when it fits (the results of ZUNIONSTORE and friends).
void ConvertToListpackIfFits(Value& z, size_t max_len, const Limits& limits);

}  // namespace cairn::types::zset
