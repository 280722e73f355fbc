// What the collection families (lists, sets, sorted sets, hashes, geo,
// SORT) share: typed lookups that answer WRONGTYPE, the encodings' limits
// from config, and the argument parsers several of them use with Redis's
// exact errors. One place, so that each rule is written once.
#pragma once

#include <climits>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/command_context.h"
#include "types/hash.h"
#include "types/set.h"
#include "types/zset.h"

namespace cairn::engine {

// TYPE's name for a value type ("string", "list", "set", "zset", "hash").
std::string_view TypeName(ValueType t);

// The live entry at `key` when it holds a `type`; nullptr when the key is
// missing. On another type, replies WRONGTYPE, sets *wrong and returns
// nullptr. `read` counts the lookup in keyspace_hits/misses, as Redis's
// lookupKeyRead does (write lookups are not counted).
Entry* FindOfType(CommandContext& ctx, std::string_view key, ValueType type, bool* wrong,
                  bool read = true);

// The encodings' thresholds, from the live configuration.
types::hash::Limits HashLimits(const Config& c);
types::set::Limits SetLimits(const Config& c);
types::zset::Limits ZSetLimits(const Config& c);
int ListFill(const Config& c);      // list-max-listpack-size
int ListCompress(const Config& c);  // list-compress-depth

// Removes `key` once its collection is empty: Redis never keeps an empty
// list, set, sorted set or hash. Returns true when it deleted the key.
bool DeleteIfEmpty(CommandContext& ctx, std::string_view key, size_t remaining);

// LMPOP / ZMPOP and their blocking forms: "numkeys key... <end> [COUNT n]"
// from args[first], <end> one of end0 / end1 (case-insensitive; *second
// says end1). COUNT defaults to 1. False after replying Redis's error.
bool ParseMultiPopArgs(CommandContext& ctx, ArgList args, size_t first, std::string_view end0,
                       std::string_view end1, ArgList* keys, bool* second, int64_t* count);

// SREM / ZREM / HDEL key member...: removes the members from the collection
// of `type` at args[1] (stopping once it is empty, as Redis does), tells the
// `event`, deletes the emptied key and replies with the count removed.
void RemoveMembers(CommandContext& ctx, ArgList args, ValueType type,
                   bool (*remove)(Value&, std::string_view), size_t (*size)(const Value&),
                   int notify_class, std::string_view event);

// HSCAN/SSCAN/ZSCAN key cursor [MATCH pattern] [COUNT count], as Redis's
// scanGenericCommand: the cursor is checked first, then the key (a missing
// one answers an empty scan without looking at the options), then the
// options. `make_step(value)` gives the function that appends one step's
// elements (field and value for `pairs`) and returns the next cursor.
struct ScanArgs {
  uint64_t cursor = 0;
  int64_t count = 10;
  const std::string* pattern = nullptr;  // nullptr: everything
};
using ScanStep = std::function<uint64_t(uint64_t cursor, std::vector<std::string>& out)>;
void CollectionScan(CommandContext& ctx, ArgList args, ValueType type, bool pairs,
                    const std::function<ScanStep(const Value&)>& make_step);
// The parts, for SCAN itself: strtoul's cursor ("invalid cursor"), then
// COUNT/MATCH from args[first] on; errors are replied.
std::optional<uint64_t> ParseScanCursor(CommandContext& ctx, const std::string& arg);
std::optional<ScanArgs> ParseScanOptions(CommandContext& ctx, ArgList args, size_t first,
                                         uint64_t cursor);
// Steps until `count` elements are gathered (or 10x count steps), filters
// by pattern (on fields, for pairs) and replies [cursor, elements].
void ReplyScan(CommandContext& ctx, const ScanArgs& a, bool pairs, const ScanStep& step);

// A blocking command's timeout (seconds, a double; 0 waits for ever), as
// Redis's getTimeoutFromObjectOrReply: the absolute deadline in ms, 0 for
// none. On error, replies and returns nullopt.
std::optional<int64_t> ParseBlockTimeout(CommandContext& ctx, const std::string& arg);

// Redis's getRangeLongFromObjectOrReply: an integer within [min, max]. An
// empty `msg` gives Redis's own texts ("value is not an integer or out of
// range", "value is out of range, value must between <min> and <max>");
// otherwise `msg` is the error for both.
std::optional<int64_t> RangeArg(CommandContext& ctx, std::string_view arg, int64_t min, int64_t max,
                                std::string_view msg = {});
// getPositiveLongFromObjectOrReply: an integer >= 0.
inline std::optional<int64_t> PositiveArg(
    CommandContext& ctx, std::string_view arg,
    std::string_view msg = "value is out of range, must be positive") {
  return RangeArg(ctx, arg, 0, INT64_MAX, msg);
}

// A double argument ("value is not a valid float" otherwise, or `error`).
std::optional<double> DoubleArg(CommandContext& ctx, std::string_view arg,
                                std::string_view error = errors::kNotFloat);

}  // namespace cairn::engine
