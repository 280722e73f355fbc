#include "engine/commands/collection_util.h"

#include <cctype>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdlib>

#include "base/string_util.h"

namespace cairn::engine {

std::string_view TypeName(ValueType t) {
  switch (t) {
    case ValueType::kString:
      return "string";
    case ValueType::kList:
      return "list";
    case ValueType::kSet:
      return "set";
    case ValueType::kZSet:
      return "zset";
    case ValueType::kHash:
      return "hash";
    case ValueType::kStream:
      return "stream";
  }
  return "none";
}

Entry* FindOfType(CommandContext& ctx, std::string_view key, ValueType type, bool* wrong,
                  bool read) {
  *wrong = false;
  Entry* e = ctx.db().Find(key, ctx.now_ms);
  if (read) {
    if (e == nullptr) {
      ctx.server.stats.keyspace_misses++;
    } else {
      ctx.server.stats.keyspace_hits++;
    }
  }
  if (e != nullptr && e->value.type != type) {
    ctx.WrongType();
    *wrong = true;
    return nullptr;
  }
  return e;
}

types::hash::Limits HashLimits(const Config& c) {
  return {.max_listpack_entries = static_cast<size_t>(c.values().hash_max_listpack_entries),
          .max_listpack_value = static_cast<size_t>(c.values().hash_max_listpack_value)};
}

types::set::Limits SetLimits(const Config& c) {
  return {.max_intset_entries = static_cast<size_t>(c.values().set_max_intset_entries)};
}

types::zset::Limits ZSetLimits(const Config& c) {
  return {.max_listpack_entries = static_cast<size_t>(c.values().zset_max_listpack_entries),
          .max_listpack_value = static_cast<size_t>(c.values().zset_max_listpack_value)};
}

int ListFill(const Config& c) { return static_cast<int>(c.values().list_max_listpack_size); }
int ListCompress(const Config& c) { return static_cast<int>(c.values().list_compress_depth); }

bool DeleteIfEmpty(CommandContext& ctx, std::string_view key, size_t remaining) {
  if (remaining != 0) return false;
  ctx.db().Erase(key);
  ctx.Notify(notify::kGeneric, "del", key);
  return true;
}

bool ParseMultiPopArgs(CommandContext& ctx, ArgList args, size_t first, std::string_view end0,
                       std::string_view end1, ArgList* keys, bool* second, int64_t* count) {
  auto numkeys = RangeArg(ctx, args[first], 1, INT64_MAX, "numkeys should be greater than 0");
  if (!numkeys) return false;
  const size_t where_idx = first + 1 + static_cast<size_t>(*numkeys);
  if (*numkeys >= static_cast<int64_t>(args.size()) || where_idx >= args.size()) {
    ctx.Error(errors::kSyntax);
    return false;
  }
  if (base::EqualsIgnoreCase(args[where_idx], end0)) {
    *second = false;
  } else if (base::EqualsIgnoreCase(args[where_idx], end1)) {
    *second = true;
  } else {
    ctx.Error(errors::kSyntax);
    return false;
  }
  *count = -1;
  for (size_t j = where_idx + 1; j < args.size(); j++) {
    if (*count == -1 && base::EqualsIgnoreCase(args[j], "count") && j + 1 < args.size()) {
      auto v = RangeArg(ctx, args[++j], 1, INT64_MAX, "count should be greater than 0");
      if (!v) return false;
      *count = *v;
    } else {
      ctx.Error(errors::kSyntax);
      return false;
    }
  }
  if (*count == -1) *count = 1;
  *keys = args.subspan(first + 1, static_cast<size_t>(*numkeys));
  return true;
}

void RemoveMembers(CommandContext& ctx, ArgList args, ValueType type,
                   bool (*remove)(Value&, std::string_view), size_t (*size)(const Value&),
                   int notify_class, std::string_view event) {
  bool wrong;
  Entry* e = FindOfType(ctx, args[1], type, &wrong, false);
  if (wrong) return;
  if (e == nullptr) return ctx.reply.Int(0);
  int64_t removed = 0;
  for (size_t j = 2; j < args.size() && size(e->value) > 0; j++) {
    if (remove(e->value, args[j])) removed++;
  }
  ctx.Dirty(static_cast<uint64_t>(removed));
  if (removed > 0) ctx.Notify(notify_class, event, args[1]);
  DeleteIfEmpty(ctx, args[1], size(e->value));
  ctx.reply.Int(removed);
}

std::optional<uint64_t> ParseScanCursor(CommandContext& ctx, const std::string& arg) {
  // strtoul as Redis calls it: "-1" wraps to the largest cursor, "" is 0;
  // a leading space, trailing bytes and overflow are refused.
  errno = 0;
  char* end = nullptr;
  const uint64_t cursor = std::strtoull(arg.c_str(), &end, 10);
  if (std::isspace(static_cast<unsigned char>(arg[0])) || *end != '\0' ||
      errno == ERANGE) {
    ctx.Error("invalid cursor");
    return std::nullopt;
  }
  return cursor;
}

std::optional<ScanArgs> ParseScanOptions(CommandContext& ctx, ArgList args, size_t first,
                                         uint64_t cursor) {
  ScanArgs a;
  a.cursor = cursor;
  for (size_t j = first; j < args.size(); j++) {
    const bool more = j + 1 < args.size();
    if (base::EqualsIgnoreCase(args[j], "count") && more) {
      auto v = ctx.IntArg(args[++j]);
      if (!v) return std::nullopt;
      if (*v < 1) {
        ctx.Error(errors::kSyntax);
        return std::nullopt;
      }
      a.count = *v;
    } else if (base::EqualsIgnoreCase(args[j], "match") && more) {
      a.pattern = &args[++j];
      if (*a.pattern == "*") a.pattern = nullptr;
    } else {
      ctx.Error(errors::kSyntax);
      return std::nullopt;
    }
  }
  return a;
}

void ReplyScan(CommandContext& ctx, const ScanArgs& a, bool pairs, const ScanStep& step) {
  std::vector<std::string> items;
  uint64_t cursor = a.cursor;
  const size_t width = pairs ? 2 : 1;
  int64_t budget = a.count * 10;
  do {
    cursor = step(cursor, items);
  } while (cursor != 0 && --budget > 0 && static_cast<int64_t>(items.size() / width) < a.count);
  size_t kept = items.size();
  if (a.pattern != nullptr) {
    kept = 0;
    for (size_t i = 0; i < items.size(); i += width) {
      if (!base::GlobMatch(*a.pattern, items[i])) continue;
      if (kept != i) {
        for (size_t k = 0; k < width; k++) items[kept + k] = std::move(items[i + k]);
      }
      kept += width;
    }
  }
  ctx.reply.Array(2);
  ctx.reply.Bulk(std::to_string(cursor));
  ctx.reply.Array(kept);
  for (size_t i = 0; i < kept; i++) ctx.reply.Bulk(items[i]);
}

void CollectionScan(CommandContext& ctx, ArgList args, ValueType type, bool pairs,
                    const std::function<ScanStep(const Value&)>& make_step) {
  auto cursor = ParseScanCursor(ctx, args[2]);
  if (!cursor) return;
  bool wrong;
  Entry* e = FindOfType(ctx, args[1], type, &wrong);
  if (wrong) return;
  if (e == nullptr) {
    // As Redis: a missing key answers an empty scan before the options are
    // even looked at.
    ctx.reply.Array(2);
    ctx.reply.Bulk("0");
    ctx.reply.Array(0);
    return;
  }
  auto a = ParseScanOptions(ctx, args, 3, *cursor);
  if (!a) return;
  ReplyScan(ctx, *a, pairs, make_step(e->value));
}

std::optional<int64_t> ParseBlockTimeout(CommandContext& ctx, const std::string& arg) {
  auto v = base::ParseLongDouble(arg);
  if (!v) {
    ctx.Error("timeout is not a float or out of range");
    return std::nullopt;
  }
  // Redis rounds a fraction of a millisecond up (0.0001 waits 1 ms; -0.0001
  // becomes 0, no timeout), and what does not fit a long long comes out of
  // its cast as LLONG_MIN on x86, which is then "negative".
  const long double ms = std::ceil(*v * 1000.0L);
  int64_t t = (std::isnan(ms) || ms >= 9223372036854775808.0L || ms < -9223372036854775808.0L)
                  ? INT64_MIN
                  : static_cast<int64_t>(ms);
  if (t < 0) {
    ctx.Error("timeout is negative");
    return std::nullopt;
  }
  if (t == 0) return 0;
  // Redis adds the clock without an overflow check; a deadline that wraps
  // is one its timeout table never reaches: no timeout.
  int64_t deadline;
  if (__builtin_add_overflow(t, ctx.now_ms, &deadline)) return 0;
  return deadline;
}

std::optional<int64_t> RangeArg(CommandContext& ctx, std::string_view arg, int64_t min, int64_t max,
                                std::string_view msg) {
  auto v = base::ParseInt64(arg);
  if (!v) {
    ctx.Error(msg.empty() ? errors::kNotInteger : msg);
    return std::nullopt;
  }
  if (*v < min || *v > max) {
    ctx.Error(msg.empty() ? "value is out of range, value must between " + std::to_string(min) +
                                " and " + std::to_string(max)
                          : std::string(msg));
    return std::nullopt;
  }
  return v;
}

std::optional<double> DoubleArg(CommandContext& ctx, std::string_view arg, std::string_view error) {
  auto v = base::ParseDouble(arg);
  if (!v) ctx.Error(error);
  return v;
}

}  // namespace cairn::engine
