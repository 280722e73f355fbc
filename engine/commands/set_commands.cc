// Set commands: SADD, SREM, SMEMBERS, SISMEMBER, SMISMEMBER, SCARD, SPOP,
// SRANDMEMBER, SMOVE, SINTER, SINTERCARD, SUNION, SDIFF, SINTERSTORE,
// SUNIONSTORE, SDIFFSTORE, SSCAN. Sets are intsets while every member is an
// integer (and there are few), hash tables otherwise (types/set.h).
#include <algorithm>
#include <climits>
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

namespace set = types::set;

std::mt19937_64& Rng() {
  static std::mt19937_64 rng(std::random_device{}());
  return rng;
}

const Value* SetForRead(CommandContext& ctx, std::string_view key, bool* wrong) {
  Entry* e = FindOfType(ctx, key, ValueType::kSet, wrong);
  return e == nullptr ? nullptr : &e->value;
}

void ReplyMembers(CommandContext& ctx, const Value& s) {
  ctx.reply.Set(set::Card(s));
  set::ForEach(s, [&](std::string_view m) {
    ctx.reply.Bulk(m);
    return true;
  });
}

void SAdd(CommandContext& ctx, ArgList args) {
  bool wrong;
  Entry* e = FindOfType(ctx, args[1], ValueType::kSet, &wrong, false);
  if (wrong) return;
  if (e == nullptr) e = &ctx.db().Put(args[1], set::NewFor(args[2]), -1);
  const set::Limits limits = SetLimits(ctx.config);
  int64_t added = 0;
  for (size_t j = 2; j < args.size(); j++) added += set::Add(e->value, args[j], limits);
  ctx.Dirty(static_cast<uint64_t>(added));
  if (added > 0) ctx.Notify(notify::kSet, "sadd", args[1]);
  ctx.reply.Int(added);
}

void SRem(CommandContext& ctx, ArgList args) {
  RemoveMembers(ctx, args, ValueType::kSet, set::Remove, set::Card, notify::kSet, "srem");
}

void SIsMember(CommandContext& ctx, ArgList args) {
  bool wrong;
  const Value* s = SetForRead(ctx, args[1], &wrong);
  if (wrong) return;
  ctx.reply.Int(s != nullptr && set::Contains(*s, args[2]) ? 1 : 0);
}

void SMIsMember(CommandContext& ctx, ArgList args) {
  bool wrong;
  const Value* s = SetForRead(ctx, args[1], &wrong);
  if (wrong) return;
  ctx.reply.Array(args.size() - 2);
  for (size_t j = 2; j < args.size(); j++) {
    ctx.reply.Int(s != nullptr && set::Contains(*s, args[j]) ? 1 : 0);
  }
}

void SCard(CommandContext& ctx, ArgList args) {
  bool wrong;
  const Value* s = SetForRead(ctx, args[1], &wrong);
  if (wrong) return;
  ctx.reply.Int(s == nullptr ? 0 : static_cast<int64_t>(set::Card(*s)));
}

// SPOP key count: random members removed, logged as SREM of exactly those
// (or DEL when the whole set goes), as Redis 7.0 propagates it.
void SPopCount(CommandContext& ctx, ArgList args) {
  auto count = PositiveArg(ctx, args[2]);
  if (!count) return;
  bool wrong;
  Entry* e = FindOfType(ctx, args[1], ValueType::kSet, &wrong, false);
  if (wrong) return;
  if (e == nullptr || *count == 0) return ctx.reply.Set(0);
  Value& s = e->value;
  const size_t size = set::Card(s);
  if (static_cast<uint64_t>(*count) >= size) {
    ReplyMembers(ctx, s);
    ctx.Notify(notify::kSet, "spop", args[1]);
    DeleteIfEmpty(ctx, args[1], 0);
    ctx.Dirty(size);
    ctx.Propagate({"DEL", args[1]});
    return;
  }
  const size_t n = static_cast<size_t>(*count);
  ctx.reply.Set(n);
  std::vector<std::string> srem = {"SREM", args[1]};
  constexpr size_t kBatch = 1024;  // members per logged SREM
  for (size_t i = 0; i < n; i++) {
    std::string m = set::Random(s, Rng());
    set::Remove(s, m);
    ctx.reply.Bulk(m);
    srem.push_back(std::move(m));
    if (srem.size() - 2 == kBatch) {
      ctx.Propagate(std::move(srem));
      srem = {"SREM", args[1]};
    }
  }
  if (srem.size() > 2) ctx.Propagate(std::move(srem));
  ctx.Dirty(n);
  ctx.Notify(notify::kSet, "spop", args[1]);
}

void SPop(CommandContext& ctx, ArgList args) {
  if (args.size() == 3) return SPopCount(ctx, args);
  if (args.size() > 3) return ctx.Error(errors::kSyntax);
  bool wrong;
  Entry* e = FindOfType(ctx, args[1], ValueType::kSet, &wrong, false);
  if (wrong) return;
  if (e == nullptr) return ctx.reply.Null();
  std::string m = set::Random(e->value, Rng());
  set::Remove(e->value, m);
  ctx.Notify(notify::kSet, "spop", args[1]);
  DeleteIfEmpty(ctx, args[1], set::Card(e->value));
  ctx.reply.Bulk(m);
  ctx.Dirty();
  ctx.Propagate({"SREM", args[1], std::move(m)});
}

void SRandMemberCount(CommandContext& ctx, ArgList args) {
  auto l = RangeArg(ctx, args[2], -LONG_MAX, LONG_MAX);
  if (!l) return;
  bool wrong;
  const Value* s = SetForRead(ctx, args[1], &wrong);
  if (wrong) return;
  if (s == nullptr || *l == 0) return ctx.reply.Array(0);
  const size_t size = set::Card(*s);
  if (*l < 0) {
    // Repeats allowed: sample the whole set every time.
    const uint64_t count = static_cast<uint64_t>(-*l);
    ctx.reply.Array(count);
    for (uint64_t i = 0; i < count; i++) ctx.reply.Bulk(set::Random(*s, Rng()));
    return;
  }
  const uint64_t count = static_cast<uint64_t>(*l);
  if (count >= size) {
    ctx.reply.Array(size);
    set::ForEach(*s, [&](std::string_view m) {
      ctx.reply.Bulk(m);
      return true;
    });
    return;
  }
  ctx.reply.Array(count);
  if (count * 3 > size) {
    std::vector<std::string> all;
    all.reserve(size);
    set::ForEach(*s, [&](std::string_view m) {
      all.emplace_back(m);
      return true;
    });
    while (all.size() > count) {
      std::swap(all[Rng()() % all.size()], all.back());
      all.pop_back();
    }
    for (const auto& m : all) ctx.reply.Bulk(m);
    return;
  }
  std::unordered_set<std::string> seen;
  while (seen.size() < count) {
    std::string m = set::Random(*s, Rng());
    if (seen.insert(m).second) ctx.reply.Bulk(m);
  }
}

void SRandMember(CommandContext& ctx, ArgList args) {
  if (args.size() == 3) return SRandMemberCount(ctx, args);
  if (args.size() > 3) return ctx.Error(errors::kSyntax);
  bool wrong;
  const Value* s = SetForRead(ctx, args[1], &wrong);
  if (wrong) return;
  if (s == nullptr) return ctx.reply.Null();
  ctx.reply.Bulk(set::Random(*s, Rng()));
}

void SMove(CommandContext& ctx, ArgList args) {
  Entry* src = ctx.db().Find(args[1], ctx.now_ms);
  Entry* dst = ctx.db().Find(args[2], ctx.now_ms);
  if (src == nullptr) return ctx.reply.Int(0);
  if (src->value.type != ValueType::kSet || (dst && dst->value.type != ValueType::kSet)) {
    return ctx.WrongType();
  }
  if (src == dst) return ctx.reply.Int(set::Contains(src->value, args[3]) ? 1 : 0);
  if (!set::Remove(src->value, args[3])) return ctx.reply.Int(0);
  ctx.Notify(notify::kSet, "srem", args[1]);
  DeleteIfEmpty(ctx, args[1], set::Card(src->value));
  if (dst == nullptr) dst = &ctx.db().Put(args[2], set::NewFor(args[3]), -1);
  ctx.Dirty();
  if (set::Add(dst->value, args[3], SetLimits(ctx.config))) {
    ctx.Dirty();
    ctx.Notify(notify::kSet, "sadd", args[2]);
  }
  ctx.reply.Int(1);
}

// The sets named by keys (nullptr for a missing key); false after a
// WRONGTYPE reply. Every key is checked, even after a missing one.
bool LoadSets(CommandContext& ctx, ArgList keys, std::vector<const Value*>* sets) {
  sets->clear();
  for (const std::string& k : keys) {
    bool wrong;
    const Value* s = SetForRead(ctx, k, &wrong);
    if (wrong) return false;
    sets->push_back(s);
  }
  return true;
}

// Stores `result` at dst, or deletes dst when it is empty; replies with
// the stored size (the *STORE commands).
void StoreResult(CommandContext& ctx, const std::string& dst, Value result) {
  const size_t n = set::Card(result);
  if (n > 0) {
    ctx.db().Put(dst, std::move(result), -1);
    ctx.Dirty();
    ctx.Notify(notify::kSet, ctx.spec.full_name, dst);
  } else if (ctx.db().FindKey(dst, ctx.now_ms) != nullptr) {
    ctx.db().Erase(dst);
    ctx.Dirty();
    ctx.Notify(notify::kGeneric, "del", dst);
  }
  ctx.reply.Int(static_cast<int64_t>(n));
}

// SINTER, SINTERSTORE, SINTERCARD (limit 0: none) and SMEMBERS.
void InterGeneric(CommandContext& ctx, ArgList keys, const std::string* dst, bool card_only,
                  int64_t limit) {
  std::vector<const Value*> sets;
  if (!LoadSets(ctx, keys, &sets)) return;
  if (std::find(sets.begin(), sets.end(), nullptr) != sets.end()) {
    if (dst != nullptr) return StoreResult(ctx, *dst, set::NewIntset());
    if (card_only) return ctx.reply.Int(0);
    return ctx.reply.Set(0);
  }
  // Smallest first: its members are the candidates.
  std::stable_sort(sets.begin(), sets.end(),
                   [](const Value* a, const Value* b) { return set::Card(*a) < set::Card(*b); });
  std::vector<std::string> out;
  int64_t card = 0;
  set::ForEach(*sets[0], [&](std::string_view m) {
    for (size_t j = 1; j < sets.size(); j++) {
      if (sets[j] != sets[0] && !set::Contains(*sets[j], m)) return true;
    }
    card++;
    if (!card_only) out.emplace_back(m);
    return !(card_only && limit != 0 && card >= limit);
  });
  if (card_only) return ctx.reply.Int(card);
  if (dst != nullptr) {
    Value result = set::NewIntset();
    const set::Limits limits = SetLimits(ctx.config);
    for (const auto& m : out) set::Add(result, m, limits);
    return StoreResult(ctx, *dst, std::move(result));
  }
  ctx.reply.Set(out.size());
  for (const auto& m : out) ctx.reply.Bulk(m);
}

enum class SetOp { kUnion, kDiff };

// SUNION, SDIFF and their STORE forms: the result is built as a new set
// (an intset while it can be, as Redis's is) and replied in its order.
void UnionDiffGeneric(CommandContext& ctx, ArgList keys, const std::string* dst, SetOp op) {
  std::vector<const Value*> sets;
  if (!LoadSets(ctx, keys, &sets)) return;
  Value result = set::NewIntset();
  const set::Limits limits = SetLimits(ctx.config);
  if (op == SetOp::kUnion) {
    for (const Value* s : sets) {
      if (s == nullptr) continue;
      set::ForEach(*s, [&](std::string_view m) {
        set::Add(result, m, limits);
        return true;
      });
    }
  } else if (sets[0] != nullptr) {
    const bool same = std::find(sets.begin() + 1, sets.end(), sets[0]) != sets.end();
    if (!same) {
      set::ForEach(*sets[0], [&](std::string_view m) {
        for (size_t j = 1; j < sets.size(); j++) {
          if (sets[j] != nullptr && set::Contains(*sets[j], m)) return true;
        }
        set::Add(result, m, limits);
        return true;
      });
    }
  }
  if (dst != nullptr) return StoreResult(ctx, *dst, std::move(result));
  ReplyMembers(ctx, result);
}

void SMembers(CommandContext& ctx, ArgList args) {
  InterGeneric(ctx, args.subspan(1, 1), nullptr, false, 0);
}
void SInter(CommandContext& ctx, ArgList args) {
  InterGeneric(ctx, args.subspan(1), nullptr, false, 0);
}
void SInterStore(CommandContext& ctx, ArgList args) {
  InterGeneric(ctx, args.subspan(2), &args[1], false, 0);
}
void SUnion(CommandContext& ctx, ArgList args) {
  UnionDiffGeneric(ctx, args.subspan(1), nullptr, SetOp::kUnion);
}
void SUnionStore(CommandContext& ctx, ArgList args) {
  UnionDiffGeneric(ctx, args.subspan(2), &args[1], SetOp::kUnion);
}
void SDiff(CommandContext& ctx, ArgList args) {
  UnionDiffGeneric(ctx, args.subspan(1), nullptr, SetOp::kDiff);
}
void SDiffStore(CommandContext& ctx, ArgList args) {
  UnionDiffGeneric(ctx, args.subspan(2), &args[1], SetOp::kDiff);
}

void SInterCard(CommandContext& ctx, ArgList args) {
  auto numkeys = RangeArg(ctx, args[1], 1, LONG_MAX, "numkeys should be greater than 0");
  if (!numkeys) return;
  if (*numkeys > static_cast<int64_t>(args.size()) - 2) {
    return ctx.Error("Number of keys can't be greater than number of args");
  }
  int64_t limit = 0;
  for (size_t j = 2 + static_cast<size_t>(*numkeys); j < args.size(); j++) {
    if (base::EqualsIgnoreCase(args[j], "limit") && j + 1 < args.size()) {
      auto v = PositiveArg(ctx, args[++j], "LIMIT can't be negative");
      if (!v) return;
      limit = *v;
    } else {
      return ctx.Error(errors::kSyntax);
    }
  }
  InterGeneric(ctx, args.subspan(2, static_cast<size_t>(*numkeys)), nullptr, true, limit);
}

void SScan(CommandContext& ctx, ArgList args) {
  CollectionScan(ctx, args, ValueType::kSet, /*pairs=*/false, [](const Value& s) -> ScanStep {
    return [&s](uint64_t cursor, std::vector<std::string>& out) {
      return set::Scan(s, cursor, [&](std::string_view m) { out.emplace_back(m); });
    };
  });
}

}  // namespace

void RegisterSetCommands(CommandTable& t) {
  t.Add(
      {{.name = "sadd",
        .arity = -3,
        .flags = kWrite | kDenyOom | kFast,
        .keys = {1, 1, 1},
        .acl = acl::kSet,
        .handler = SAdd,
        .doc = {.summary = "Add one or more members to a set",
                .since = "1.0.0",
                .group = "set",
                .complexity = "O(1) for each element added, so O(N) to add N elements when the "
                              "command is called with multiple arguments.",
                .history = {{"2.4.0", "Accepts multiple `member` arguments."}},
                .arguments = {{.name = "key", .type = "key", .key_spec_index = 0},
                              {.name = "member", .type = "string", .flags = kArgMultiple}}},
        .key_specs = {{.flags = ks::kRW | ks::kInsert, .index = 1}}},
       {.name = "srem",
        .arity = -3,
        .flags = kWrite | kFast,
        .keys = {1, 1, 1},
        .acl = acl::kSet,
        .handler = SRem,
        .doc = {.summary = "Remove one or more members from a set",
                .since = "1.0.0",
                .group = "set",
                .complexity = "O(N) where N is the number of members to be removed.",
                .history = {{"2.4.0", "Accepts multiple `member` arguments."}},
                .arguments = {{.name = "key", .type = "key", .key_spec_index = 0},
                              {.name = "member", .type = "string", .flags = kArgMultiple}}},
        .key_specs = {{.flags = ks::kRW | ks::kDelete, .index = 1}}},
       {.name = "smembers",
        .arity = 2,
        .flags = kReadonly,
        .keys = {1, 1, 1},
        .acl = acl::kSet,
        .handler = SMembers,
        .doc = {.summary = "Get all the members in a set",
                .since = "1.0.0",
                .group = "set",
                .complexity = "O(N) where N is the set cardinality.",
                .arguments = {{.name = "key", .type = "key", .key_spec_index = 0}}},
        .key_specs = {{.flags = ks::kRO | ks::kAccess, .index = 1}},
        .tips = {"nondeterministic_output_order"}},
       {.name = "sismember",
        .arity = 3,
        .flags = kReadonly | kFast,
        .keys = {1, 1, 1},
        .acl = acl::kSet,
        .handler = SIsMember,
        .doc = {.summary = "Determine if a given value is a member of a set",
                .since = "1.0.0",
                .group = "set",
                .complexity = "O(1)",
                .arguments = {{.name = "key", .type = "key", .key_spec_index = 0},
                              {.name = "member", .type = "string"}}},
        .key_specs = {{.flags = ks::kRO, .index = 1}}},
       {.name = "smismember",
        .arity = -3,
        .flags = kReadonly | kFast,
        .keys = {1, 1, 1},
        .acl = acl::kSet,
        .handler = SMIsMember,
        .doc = {.summary = "Returns the membership associated with the given elements for a set",
                .since = "6.2.0",
                .group = "set",
                .complexity = "O(N) where N is the number of elements being checked for membership",
                .arguments = {{.name = "key", .type = "key", .key_spec_index = 0},
                              {.name = "member", .type = "string", .flags = kArgMultiple}}},
        .key_specs = {{.flags = ks::kRO | ks::kAccess, .index = 1}}},
       {.name = "scard",
        .arity = 2,
        .flags = kReadonly | kFast,
        .keys = {1, 1, 1},
        .acl = acl::kSet,
        .handler = SCard,
        .doc = {.summary = "Get the number of members in a set",
                .since = "1.0.0",
                .group = "set",
                .complexity = "O(1)",
                .arguments = {{.name = "key", .type = "key", .key_spec_index = 0}}},
        .key_specs = {{.flags = ks::kRO, .index = 1}}},
       {.name = "spop",
        .arity = -2,
        .flags = kWrite | kFast | kCustomPropagation,
        .keys = {1, 1, 1},
        .acl = acl::kSet,
        .handler = SPop,
        .doc = {.summary = "Remove and return one or multiple random members from a set",
                .since = "1.0.0",
                .group = "set",
                .complexity = "Without the count argument O(1), otherwise O(N) where N is the "
                              "value of the passed count.",
                .history = {{"3.2.0", "Added the `count` argument."}},
                .arguments = {{.name = "key", .type = "key", .key_spec_index = 0},
                              {.name = "count",
                               .type = "integer",
                               .since = "3.2.0",
                               .flags = kArgOptional}}},
        .key_specs = {{.flags = ks::kRW | ks::kAccess | ks::kDelete, .index = 1}},
        .tips = {"nondeterministic_output"}},
       {.name = "srandmember",
        .arity = -2,
        .flags = kReadonly,
        .keys = {1, 1, 1},
        .acl = acl::kSet,
        .handler = SRandMember,
        .doc = {.summary = "Get one or multiple random members from a set",
                .since = "1.0.0",
                .group = "set",
                .complexity = "Without the count argument O(1), otherwise O(N) where N is the "
                              "absolute value of the passed count.",
                .history = {{"2.6.0", "Added the optional `count` argument."}},
                .arguments = {{.name = "key", .type = "key", .key_spec_index = 0},
                              {.name = "count",
                               .type = "integer",
                               .since = "2.6.0",
                               .flags = kArgOptional}}},
        .key_specs = {{.flags = ks::kRO | ks::kAccess, .index = 1}},
        .tips = {"nondeterministic_output"}},
       {.name = "smove",
        .arity = 4,
        .flags = kWrite | kFast,
        .keys = {1, 2, 1},
        .acl = acl::kSet,
        .handler = SMove,
        .doc = {.summary = "Move a member from one set to another",
                .since = "1.0.0",
                .group = "set",
                .complexity = "O(1)",
                .arguments = {{.name = "source", .type = "key", .key_spec_index = 0},
                              {.name = "destination", .type = "key", .key_spec_index = 1},
                              {.name = "member", .type = "string"}}},
        .key_specs = {{.flags = ks::kRW | ks::kAccess | ks::kDelete, .index = 1},
                      {.flags = ks::kRW | ks::kInsert, .index = 2}}},
       {.name = "sinter",
        .arity = -2,
        .flags = kReadonly,
        .keys = {1, -1, 1},
        .acl = acl::kSet,
        .handler = SInter,
        .doc = {.summary = "Intersect multiple sets",
                .since = "1.0.0",
                .group = "set",
                .complexity = "O(N*M) worst case where N is the cardinality of the smallest set "
                              "and M is the number of sets.",
                .arguments =
                    {{.name = "key", .type = "key", .flags = kArgMultiple, .key_spec_index = 0}}},
        .key_specs = {{.flags = ks::kRO | ks::kAccess, .index = 1, .lastkey = -1}},
        .tips = {"nondeterministic_output_order"}},
       {.name = "sintercard",
        .arity = -3,
        .flags = kReadonly | kMovableKeys,
        .acl = acl::kSet,
        .handler = SInterCard,
        .doc = {.summary = "Intersect multiple sets and return the cardinality of the result",
                .since = "7.0.0",
                .group = "set",
                .complexity = "O(N*M) worst case where N is the cardinality of the smallest set "
                              "and M is the number of sets.",
                .arguments =
                    {{.name = "numkeys", .type = "integer"},
                     {.name = "key", .type = "key", .flags = kArgMultiple, .key_spec_index = 0},
                     {.name = "limit",
                      .type = "integer",
                      .token = "LIMIT",
                      .flags = kArgOptional}}},
        .key_specs = {{.flags = ks::kRO | ks::kAccess,
                       .index = 1,
                       .keynum = true,
                       .keynumidx = 0,
                       .firstkey = 1}}},
       {.name = "sunion",
        .arity = -2,
        .flags = kReadonly,
        .keys = {1, -1, 1},
        .acl = acl::kSet,
        .handler = SUnion,
        .doc = {.summary = "Add multiple sets",
                .since = "1.0.0",
                .group = "set",
                .complexity = "O(N) where N is the total number of elements in all given sets.",
                .arguments =
                    {{.name = "key", .type = "key", .flags = kArgMultiple, .key_spec_index = 0}}},
        .key_specs = {{.flags = ks::kRO | ks::kAccess, .index = 1, .lastkey = -1}},
        .tips = {"nondeterministic_output_order"}},
       {.name = "sdiff",
        .arity = -2,
        .flags = kReadonly,
        .keys = {1, -1, 1},
        .acl = acl::kSet,
        .handler = SDiff,
        .doc = {.summary = "Subtract multiple sets",
                .since = "1.0.0",
                .group = "set",
                .complexity = "O(N) where N is the total number of elements in all given sets.",
                .arguments =
                    {{.name = "key", .type = "key", .flags = kArgMultiple, .key_spec_index = 0}}},
        .key_specs = {{.flags = ks::kRO | ks::kAccess, .index = 1, .lastkey = -1}},
        .tips = {"nondeterministic_output_order"}},
       {.name = "sinterstore",
        .arity = -3,
        .flags = kWrite | kDenyOom,
        .keys = {1, -1, 1},
        .acl = acl::kSet,
        .handler = SInterStore,
        .doc = {.summary = "Intersect multiple sets and store the resulting set in a key",
                .since = "1.0.0",
                .group = "set",
                .complexity = "O(N*M) worst case where N is the cardinality of the smallest set "
                              "and M is the number of sets.",
                .arguments =
                    {{.name = "destination", .type = "key", .key_spec_index = 0},
                     {.name = "key", .type = "key", .flags = kArgMultiple, .key_spec_index = 1}}},
        .key_specs = {{.flags = ks::kRW | ks::kUpdate, .index = 1},
                      {.flags = ks::kRO | ks::kAccess, .index = 2, .lastkey = -1}}},
       {.name = "sunionstore",
        .arity = -3,
        .flags = kWrite | kDenyOom,
        .keys = {1, -1, 1},
        .acl = acl::kSet,
        .handler = SUnionStore,
        .doc = {.summary = "Add multiple sets and store the resulting set in a key",
                .since = "1.0.0",
                .group = "set",
                .complexity = "O(N) where N is the total number of elements in all given sets.",
                .arguments =
                    {{.name = "destination", .type = "key", .key_spec_index = 0},
                     {.name = "key", .type = "key", .flags = kArgMultiple, .key_spec_index = 1}}},
        .key_specs = {{.flags = ks::kOW | ks::kUpdate, .index = 1},
                      {.flags = ks::kRO | ks::kAccess, .index = 2, .lastkey = -1}}},
       {.name = "sdiffstore",
        .arity = -3,
        .flags = kWrite | kDenyOom,
        .keys = {1, -1, 1},
        .acl = acl::kSet,
        .handler = SDiffStore,
        .doc = {.summary = "Subtract multiple sets and store the resulting set in a key",
                .since = "1.0.0",
                .group = "set",
                .complexity = "O(N) where N is the total number of elements in all given sets.",
                .arguments =
                    {{.name = "destination", .type = "key", .key_spec_index = 0},
                     {.name = "key", .type = "key", .flags = kArgMultiple, .key_spec_index = 1}}},
        .key_specs = {{.flags = ks::kOW | ks::kUpdate, .index = 1},
                      {.flags = ks::kRO | ks::kAccess, .index = 2, .lastkey = -1}}},
       {.name = "sscan",
        .arity = -3,
        .flags = kReadonly,
        .keys = {1, 1, 1},
        .acl = acl::kSet,
        .handler = SScan,
        .doc = {.summary = "Incrementally iterate Set elements",
                .since = "2.8.0",
                .group = "set",
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
