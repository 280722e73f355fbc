// Hash commands: HSET, HSETNX, HGET, HMSET, HMGET, HGETALL, HDEL, HLEN,
// HEXISTS, HKEYS, HVALS, HINCRBY, HINCRBYFLOAT, HSTRLEN, HRANDFIELD, HSCAN.
// Hashes are listpacks while small, hash tables beyond (types/hash.h).
#include <climits>
#include <cmath>
#include <random>
#include <string>
#include <unordered_set>
#include <vector>

#include "base/string_util.h"
#include "engine/command_context.h"
#include "engine/commands/collection_util.h"
#include "engine/commands/registry.h"

namespace cairn::engine {
namespace {

namespace hash = types::hash;

// The hash at key for a write, created (and stored) when missing.
Value* HashForWrite(CommandContext& ctx, std::string_view key, bool* wrong) {
  Entry* e = FindOfType(ctx, key, ValueType::kHash, wrong, /*read=*/false);
  if (*wrong) return nullptr;
  if (e == nullptr) e = &ctx.db().Put(key, hash::New(), -1);
  return &e->value;
}

const Value* HashForRead(CommandContext& ctx, std::string_view key, bool* wrong) {
  Entry* e = FindOfType(ctx, key, ValueType::kHash, wrong);
  return e == nullptr ? nullptr : &e->value;
}

// HSET/HMSET: Redis checks every field and value against the listpack
// limits before setting any (hashTypeTryConversion).
int64_t SetPairs(CommandContext& ctx, ArgList args, Value* h) {
  const hash::Limits limits = HashLimits(ctx.config);
  for (size_t j = 2; j < args.size(); j++) hash::ConvertIfLong(*h, args[j], limits);
  int64_t created = 0;
  for (size_t j = 2; j + 1 < args.size(); j += 2) {
    created += hash::Set(*h, args[j], args[j + 1], limits);
  }
  ctx.Dirty((args.size() - 2) / 2);
  ctx.Notify(notify::kHash, "hset", args[1]);
  return created;
}

// HSET/HMSET's work; nullopt after replying an error.
std::optional<int64_t> SetGeneric(CommandContext& ctx, ArgList args) {
  if (args.size() % 2 == 1) {
    ctx.Error(errors::WrongArity(ctx.spec.full_name));
    return std::nullopt;
  }
  bool wrong;
  Value* h = HashForWrite(ctx, args[1], &wrong);
  if (wrong) return std::nullopt;
  return SetPairs(ctx, args, h);
}

void HSet(CommandContext& ctx, ArgList args) {
  if (auto created = SetGeneric(ctx, args)) ctx.reply.Int(*created);
}

void HMSet(CommandContext& ctx, ArgList args) {
  if (SetGeneric(ctx, args)) ctx.reply.Ok();
}

void HSetNx(CommandContext& ctx, ArgList args) {
  bool wrong;
  Value* h = HashForWrite(ctx, args[1], &wrong);
  if (wrong) return;
  if (hash::Exists(*h, args[2])) return ctx.reply.Int(0);
  const hash::Limits limits = HashLimits(ctx.config);
  hash::ConvertIfLong(*h, args[2], limits);
  hash::ConvertIfLong(*h, args[3], limits);
  hash::Set(*h, args[2], args[3], limits);
  ctx.Dirty();
  ctx.Notify(notify::kHash, "hset", args[1]);
  ctx.reply.Int(1);
}

void HGet(CommandContext& ctx, ArgList args) {
  bool wrong;
  const Value* h = HashForRead(ctx, args[1], &wrong);
  if (wrong) return;
  auto v = h == nullptr ? std::nullopt : hash::Get(*h, args[2]);
  if (!v) return ctx.reply.Null();
  ctx.reply.Bulk(*v);
}

void HMGet(CommandContext& ctx, ArgList args) {
  bool wrong;
  const Value* h = HashForRead(ctx, args[1], &wrong);
  if (wrong) return;
  ctx.reply.Array(args.size() - 2);
  for (size_t j = 2; j < args.size(); j++) {
    auto v = h == nullptr ? std::nullopt : hash::Get(*h, args[j]);
    if (v) {
      ctx.reply.Bulk(*v);
    } else {
      ctx.reply.Null();
    }
  }
}

enum class Part { kKeys = 1, kValues = 2, kBoth = 3 };

void ReplyAll(CommandContext& ctx, ArgList args, Part part) {
  bool wrong;
  const Value* h = HashForRead(ctx, args[1], &wrong);
  if (wrong) return;
  const size_t n = h == nullptr ? 0 : hash::Len(*h);
  if (part == Part::kBoth) {
    ctx.reply.Map(n);
  } else {
    ctx.reply.Array(n);
  }
  if (h == nullptr) return;
  hash::ForEach(*h, [&](std::string_view f, std::string_view v) {
    if (part != Part::kValues) ctx.reply.Bulk(f);
    if (part != Part::kKeys) ctx.reply.Bulk(v);
    return true;
  });
}

void HGetAll(CommandContext& ctx, ArgList args) { ReplyAll(ctx, args, Part::kBoth); }
void HKeys(CommandContext& ctx, ArgList args) { ReplyAll(ctx, args, Part::kKeys); }
void HVals(CommandContext& ctx, ArgList args) { ReplyAll(ctx, args, Part::kValues); }

void HDel(CommandContext& ctx, ArgList args) {
  RemoveMembers(ctx, args, ValueType::kHash, hash::Delete, hash::Len, notify::kHash, "hdel");
}

void HLen(CommandContext& ctx, ArgList args) {
  bool wrong;
  const Value* h = HashForRead(ctx, args[1], &wrong);
  if (wrong) return;
  ctx.reply.Int(h == nullptr ? 0 : static_cast<int64_t>(hash::Len(*h)));
}

void HStrLen(CommandContext& ctx, ArgList args) {
  bool wrong;
  const Value* h = HashForRead(ctx, args[1], &wrong);
  if (wrong) return;
  auto v = h == nullptr ? std::nullopt : hash::Get(*h, args[2]);
  ctx.reply.Int(v ? static_cast<int64_t>(v->size()) : 0);
}

void HExists(CommandContext& ctx, ArgList args) {
  bool wrong;
  const Value* h = HashForRead(ctx, args[1], &wrong);
  if (wrong) return;
  ctx.reply.Int(h != nullptr && hash::Exists(*h, args[2]) ? 1 : 0);
}

void HIncrBy(CommandContext& ctx, ArgList args) {
  auto incr = ctx.IntArg(args[3]);
  if (!incr) return;
  bool wrong;
  Entry* e = FindOfType(ctx, args[1], ValueType::kHash, &wrong, false);
  if (wrong) return;
  int64_t value = 0;
  if (e != nullptr) {
    if (auto cur = hash::Get(e->value, args[2])) {
      auto v = base::ParseInt64(*cur);
      if (!v) return ctx.Error("hash value is not an integer");
      value = *v;
    }
  }
  if (__builtin_add_overflow(value, *incr, &value)) {
    return ctx.Error("increment or decrement would overflow");
  }
  if (e == nullptr) e = &ctx.db().Put(args[1], hash::New(), -1);
  hash::Set(e->value, args[2], std::to_string(value), HashLimits(ctx.config));
  ctx.Dirty();
  ctx.Notify(notify::kHash, "hincrby", args[1]);
  ctx.reply.Int(value);
}

void HIncrByFloat(CommandContext& ctx, ArgList args) {
  auto incr = base::ParseLongDouble(args[3]);
  if (!incr) return ctx.Error(errors::kNotFloat);
  if (std::isnan(*incr) || std::isinf(*incr)) return ctx.Error("value is NaN or Infinity");
  bool wrong;
  Entry* e = FindOfType(ctx, args[1], ValueType::kHash, &wrong, false);
  if (wrong) return;
  long double value = 0;
  if (e != nullptr) {
    if (auto cur = hash::Get(e->value, args[2])) {
      auto v = base::ParseLongDouble(*cur);
      if (!v) return ctx.Error("hash value is not a float");
      value = *v;
    }
  }
  value += *incr;
  if (std::isnan(value) || std::isinf(value)) {
    return ctx.Error("increment would produce NaN or Infinity");
  }
  const std::string text = base::FormatLongDouble(value);
  if (e == nullptr) e = &ctx.db().Put(args[1], hash::New(), -1);
  hash::Set(e->value, args[2], text, HashLimits(ctx.config));
  ctx.Dirty();
  ctx.Notify(notify::kHash, "hincrbyfloat", args[1]);
  ctx.reply.Bulk(text);
  // As Redis: logged as HSET with the result, so that float formatting
  // can never make a replay differ.
  ctx.Propagate({"HSET", args[1], args[2], text});
}

std::mt19937_64& Rng() {
  static std::mt19937_64 rng(std::random_device{}());
  return rng;
}

// One field (and value) of HRANDFIELD's reply: RESP3 nests each pair.
void ReplyPair(CommandContext& ctx, std::string_view f, std::string_view v, bool withvalues) {
  if (withvalues && ctx.client.resp > 2) ctx.reply.Array(2);
  ctx.reply.Bulk(f);
  if (withvalues) ctx.reply.Bulk(v);
}

// HRANDFIELD key count [WITHVALUES], after Redis 7.0's
// hrandfieldWithCountCommand: a negative count may repeat fields; a
// positive one returns distinct fields, the whole hash (in its order) when
// it asks for as many or more.
void HRandFieldCount(CommandContext& ctx, const std::string& key, int64_t l, bool withvalues) {
  bool wrong;
  const Value* h = HashForRead(ctx, key, &wrong);
  if (wrong) return;
  if (h == nullptr) return ctx.reply.Array(0);
  const size_t size = hash::Len(*h);
  const bool uniq = l >= 0;
  const uint64_t count = uniq ? static_cast<uint64_t>(l) : static_cast<uint64_t>(-l);
  if (count == 0) return ctx.reply.Array(0);
  const bool flat = withvalues && ctx.client.resp == 2;
  if (!uniq || count == 1) {
    ctx.reply.Array(flat ? count * 2 : count);
    for (uint64_t i = 0; i < count; i++) {
      auto [f, v] = hash::Random(*h, Rng());
      ReplyPair(ctx, f, v, withvalues);
    }
    return;
  }
  const size_t n = count < size ? static_cast<size_t>(count) : size;
  ctx.reply.Array(flat ? n * 2 : n);
  if (count >= size) {
    hash::ForEach(*h, [&](std::string_view f, std::string_view v) {
      ReplyPair(ctx, f, v, withvalues);
      return true;
    });
    return;
  }
  if (count * 3 > size) {
    // Most of the hash: take it all and drop random fields.
    std::vector<std::pair<std::string, std::string>> all;
    all.reserve(size);
    hash::ForEach(*h, [&](std::string_view f, std::string_view v) {
      all.emplace_back(f, v);
      return true;
    });
    while (all.size() > n) {
      std::swap(all[Rng()() % all.size()], all.back());
      all.pop_back();
    }
    for (const auto& [f, v] : all) ReplyPair(ctx, f, v, withvalues);
    return;
  }
  std::unordered_set<std::string> seen;
  while (seen.size() < n) {
    auto [f, v] = hash::Random(*h, Rng());
    if (seen.insert(f).second) ReplyPair(ctx, f, v, withvalues);
  }
}

void HRandField(CommandContext& ctx, ArgList args) {
  if (args.size() >= 3) {
    auto l = RangeArg(ctx, args[2], -LONG_MAX, LONG_MAX);
    if (!l) return;
    bool withvalues = false;
    if (args.size() > 4 || (args.size() == 4 && !base::EqualsIgnoreCase(args[3], "withvalues"))) {
      return ctx.Error(errors::kSyntax);
    }
    if (args.size() == 4) {
      withvalues = true;
      if (*l < -LONG_MAX / 2 || *l > LONG_MAX / 2) return ctx.Error("value is out of range");
    }
    return HRandFieldCount(ctx, args[1], *l, withvalues);
  }
  bool wrong;
  const Value* h = HashForRead(ctx, args[1], &wrong);
  if (wrong) return;
  if (h == nullptr) return ctx.reply.Null();
  ctx.reply.Bulk(hash::Random(*h, Rng()).first);
}

void HScan(CommandContext& ctx, ArgList args) {
  CollectionScan(ctx, args, ValueType::kHash, /*pairs=*/true, [](const Value& h) -> ScanStep {
    return [&h](uint64_t cursor, std::vector<std::string>& out) {
      return hash::Scan(h, cursor, [&](std::string_view f, std::string_view v) {
        out.emplace_back(f);
        out.emplace_back(v);
      });
    };
  });
}

}  // namespace

void RegisterHashCommands(CommandTable& t) {
  t.Add(
      {{.name = "hset",
        .arity = -4,
        .flags = kWrite | kDenyOom | kFast,
        .keys = {1, 1, 1},
        .acl = acl::kHash,
        .handler = HSet,
        .doc = {.summary = "Set the string value of a hash field",
                .since = "2.0.0",
                .group = "hash",
                .complexity = "O(1) for each field/value pair added, so O(N) to add N field/value "
                              "pairs when the command is called with multiple field/value pairs.",
                .history = {{"4.0.0", "Accepts multiple `field` and `value` arguments."}},
                .arguments = {{.name = "key", .type = "key", .key_spec_index = 0},
                              {.name = "field_value",
                               .type = "block",
                               .flags = kArgMultiple,
                               .arguments = {{.name = "field", .type = "string"},
                                             {.name = "value", .type = "string"}}}}},
        .key_specs = {{.flags = ks::kRW | ks::kUpdate, .index = 1}}},
       {.name = "hsetnx",
        .arity = 4,
        .flags = kWrite | kDenyOom | kFast,
        .keys = {1, 1, 1},
        .acl = acl::kHash,
        .handler = HSetNx,
        .doc = {.summary = "Set the value of a hash field, only if the field does not exist",
                .since = "2.0.0",
                .group = "hash",
                .complexity = "O(1)",
                .arguments = {{.name = "key", .type = "key", .key_spec_index = 0},
                              {.name = "field", .type = "string"},
                              {.name = "value", .type = "string"}}},
        .key_specs = {{.flags = ks::kRW | ks::kInsert, .index = 1}}},
       {.name = "hget",
        .arity = 3,
        .flags = kReadonly | kFast,
        .keys = {1, 1, 1},
        .acl = acl::kHash,
        .handler = HGet,
        .doc = {.summary = "Get the value of a hash field",
                .since = "2.0.0",
                .group = "hash",
                .complexity = "O(1)",
                .arguments = {{.name = "key", .type = "key", .key_spec_index = 0},
                              {.name = "field", .type = "string"}}},
        .key_specs = {{.flags = ks::kRO | ks::kAccess, .index = 1}}},
       {.name = "hmset",
        .arity = -4,
        .flags = kWrite | kDenyOom | kFast,
        .keys = {1, 1, 1},
        .acl = acl::kHash,
        .handler = HMSet,
        .doc = {.summary = "Set multiple hash fields to multiple values",
                .since = "2.0.0",
                .group = "hash",
                .complexity = "O(N) where N is the number of fields being set.",
                .doc_flags = {"deprecated"},
                .deprecated_since = "4.0.0",
                .replaced_by = "`HSET` with multiple field-value pairs",
                .arguments = {{.name = "key", .type = "key", .key_spec_index = 0},
                              {.name = "field_value",
                               .type = "block",
                               .flags = kArgMultiple,
                               .arguments = {{.name = "field", .type = "string"},
                                             {.name = "value", .type = "string"}}}}},
        .key_specs = {{.flags = ks::kRW | ks::kUpdate, .index = 1}}},
       {.name = "hmget",
        .arity = -3,
        .flags = kReadonly | kFast,
        .keys = {1, 1, 1},
        .acl = acl::kHash,
        .handler = HMGet,
        .doc = {.summary = "Get the values of all the given hash fields",
                .since = "2.0.0",
                .group = "hash",
                .complexity = "O(N) where N is the number of fields being requested.",
                .arguments = {{.name = "key", .type = "key", .key_spec_index = 0},
                              {.name = "field", .type = "string", .flags = kArgMultiple}}},
        .key_specs = {{.flags = ks::kRO | ks::kAccess, .index = 1}}},
       {.name = "hgetall",
        .arity = 2,
        .flags = kReadonly,
        .keys = {1, 1, 1},
        .acl = acl::kHash,
        .handler = HGetAll,
        .doc = {.summary = "Get all the fields and values in a hash",
                .since = "2.0.0",
                .group = "hash",
                .complexity = "O(N) where N is the size of the hash.",
                .arguments = {{.name = "key", .type = "key", .key_spec_index = 0}}},
        .key_specs = {{.flags = ks::kRO | ks::kAccess, .index = 1}},
        .tips = {"nondeterministic_output_order"}},
       {.name = "hdel",
        .arity = -3,
        .flags = kWrite | kFast,
        .keys = {1, 1, 1},
        .acl = acl::kHash,
        .handler = HDel,
        .doc = {.summary = "Delete one or more hash fields",
                .since = "2.0.0",
                .group = "hash",
                .complexity = "O(N) where N is the number of fields to be removed.",
                .history = {{"2.4.0", "Accepts multiple `field` arguments."}},
                .arguments = {{.name = "key", .type = "key", .key_spec_index = 0},
                              {.name = "field", .type = "string", .flags = kArgMultiple}}},
        .key_specs = {{.flags = ks::kRW | ks::kDelete, .index = 1}}},
       {.name = "hlen",
        .arity = 2,
        .flags = kReadonly | kFast,
        .keys = {1, 1, 1},
        .acl = acl::kHash,
        .handler = HLen,
        .doc = {.summary = "Get the number of fields in a hash",
                .since = "2.0.0",
                .group = "hash",
                .complexity = "O(1)",
                .arguments = {{.name = "key", .type = "key", .key_spec_index = 0}}},
        .key_specs = {{.flags = ks::kRO, .index = 1}}},
       {.name = "hexists",
        .arity = 3,
        .flags = kReadonly | kFast,
        .keys = {1, 1, 1},
        .acl = acl::kHash,
        .handler = HExists,
        .doc = {.summary = "Determine if a hash field exists",
                .since = "2.0.0",
                .group = "hash",
                .complexity = "O(1)",
                .arguments = {{.name = "key", .type = "key", .key_spec_index = 0},
                              {.name = "field", .type = "string"}}},
        .key_specs = {{.flags = ks::kRO, .index = 1}}},
       {.name = "hkeys",
        .arity = 2,
        .flags = kReadonly,
        .keys = {1, 1, 1},
        .acl = acl::kHash,
        .handler = HKeys,
        .doc = {.summary = "Get all the fields in a hash",
                .since = "2.0.0",
                .group = "hash",
                .complexity = "O(N) where N is the size of the hash.",
                .arguments = {{.name = "key", .type = "key", .key_spec_index = 0}}},
        .key_specs = {{.flags = ks::kRO | ks::kAccess, .index = 1}},
        .tips = {"nondeterministic_output_order"}},
       {.name = "hvals",
        .arity = 2,
        .flags = kReadonly,
        .keys = {1, 1, 1},
        .acl = acl::kHash,
        .handler = HVals,
        .doc = {.summary = "Get all the values in a hash",
                .since = "2.0.0",
                .group = "hash",
                .complexity = "O(N) where N is the size of the hash.",
                .arguments = {{.name = "key", .type = "key", .key_spec_index = 0}}},
        .key_specs = {{.flags = ks::kRO | ks::kAccess, .index = 1}},
        .tips = {"nondeterministic_output_order"}},
       {.name = "hincrby",
        .arity = 4,
        .flags = kWrite | kDenyOom | kFast,
        .keys = {1, 1, 1},
        .acl = acl::kHash,
        .handler = HIncrBy,
        .doc = {.summary = "Increment the integer value of a hash field by the given number",
                .since = "2.0.0",
                .group = "hash",
                .complexity = "O(1)",
                .arguments = {{.name = "key", .type = "key", .key_spec_index = 0},
                              {.name = "field", .type = "string"},
                              {.name = "increment", .type = "integer"}}},
        .key_specs = {{.flags = ks::kRW | ks::kAccess | ks::kUpdate, .index = 1}}},
       {.name = "hincrbyfloat",
        .arity = 4,
        .flags = kWrite | kDenyOom | kFast | kCustomPropagation,
        .keys = {1, 1, 1},
        .acl = acl::kHash,
        .handler = HIncrByFloat,
        .doc = {.summary = "Increment the float value of a hash field by the given amount",
                .since = "2.6.0",
                .group = "hash",
                .complexity = "O(1)",
                .arguments = {{.name = "key", .type = "key", .key_spec_index = 0},
                              {.name = "field", .type = "string"},
                              {.name = "increment", .type = "double"}}},
        .key_specs = {{.flags = ks::kRW | ks::kAccess | ks::kUpdate, .index = 1}}},
       {.name = "hstrlen",
        .arity = 3,
        .flags = kReadonly | kFast,
        .keys = {1, 1, 1},
        .acl = acl::kHash,
        .handler = HStrLen,
        .doc = {.summary = "Get the length of the value of a hash field",
                .since = "3.2.0",
                .group = "hash",
                .complexity = "O(1)",
                .arguments = {{.name = "key", .type = "key", .key_spec_index = 0},
                              {.name = "field", .type = "string"}}},
        .key_specs = {{.flags = ks::kRO, .index = 1}}},
       {.name = "hrandfield",
        .arity = -2,
        .flags = kReadonly,
        .keys = {1, 1, 1},
        .acl = acl::kHash,
        .handler = HRandField,
        .doc = {.summary = "Get one or multiple random fields from a hash",
                .since = "6.2.0",
                .group = "hash",
                .complexity = "O(N) where N is the number of fields returned",
                .arguments = {{.name = "key", .type = "key", .key_spec_index = 0},
                              {.name = "options",
                               .type = "block",
                               .flags = kArgOptional,
                               .arguments = {{.name = "count", .type = "integer"},
                                             {.name = "withvalues",
                                              .type = "pure-token",
                                              .token = "WITHVALUES",
                                              .flags = kArgOptional}}}}},
        .key_specs = {{.flags = ks::kRO | ks::kAccess, .index = 1}},
        .tips = {"nondeterministic_output"}},
       {.name = "hscan",
        .arity = -3,
        .flags = kReadonly,
        .keys = {1, 1, 1},
        .acl = acl::kHash,
        .handler = HScan,
        .doc = {.summary = "Incrementally iterate hash fields and associated values",
                .since = "2.8.0",
                .group = "hash",
                .complexity = "O(1) for every call. O(N) for a complete iteration, including "
                              "enough command calls for the cursor to return back to 0. N is the "
                              "number of elements inside the collection..",
                .arguments = {{.name = "key", .type = "key", .key_spec_index = 0},
                              {.name = "cursor", .type = "integer"},
                              {.name = "pattern",
                               .type = "pattern",
                               .token = "MATCH",
                               .flags = kArgOptional},
                              {.name = "count",
                               .type = "integer",
                               .token = "COUNT",
                               .flags = kArgOptional}}},
        .key_specs = {{.flags = ks::kRO | ks::kAccess, .index = 1}},
        .tips = {"nondeterministic_output"}}});
}

}  // namespace cairn::engine
