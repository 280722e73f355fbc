// HyperLogLog commands: PFADD, PFCOUNT, PFMERGE. An HLL is a plain string
// in Redis 7.0's format (types/hyperloglog.h), so GET, DUMP and RDB carry
// it unchanged. PFDEBUG and PFSELFTEST are not provided.
#include <string>
#include <string_view>

#include "engine/command_context.h"
#include "engine/commands/registry.h"
#include "types/hyperloglog.h"

namespace cairn::engine {
namespace {

namespace hll = types::hll;

// Redis 7.0 sends this with its own INVALIDOBJ prefix, which no other
// command uses, so it is written whole here rather than as an ErrorKind.
constexpr std::string_view kInvalidHll = "INVALIDOBJ Corrupted HLL object detected";
constexpr std::string_view kNotHll = "Key is not a valid HyperLogLog string value.";

void InvalidHll(CommandContext& ctx) {
  ctx.server.stats.CountError(kInvalidHll);
  ctx.reply.Error(kInvalidHll);
}

// Redis's isHLLObjectOrReply: false after replying WRONGTYPE (the generic
// text for another type, the HLL text for a string that is not an HLL).
bool CheckHll(CommandContext& ctx, const Entry& e) {
  if (e.value.type != ValueType::kString) {
    ctx.WrongType();
    return false;
  }
  if (!hll::IsHll(e.value.str)) {
    ctx.Error({ErrorKind::kWrongType, std::string(kNotHll)});
    return false;
  }
  return true;
}

// A read lookup, counted in keyspace hits/misses as Redis's lookupKeyRead.
Entry* LookupRead(CommandContext& ctx, std::string_view key) {
  Entry* e = ctx.db().Find(key, ctx.now_ms);
  if (e == nullptr) {
    ctx.server.stats.keyspace_misses++;
  } else {
    ctx.server.stats.keyspace_hits++;
  }
  return e;
}

// Redis creates HLLs as raw strings (OBJECT ENCODING says "raw").
Value NewHll() { return Value{ValueType::kString, hll::CreateEmpty(), types::StringForm::kRaw}; }

size_t SparseMaxBytes(CommandContext& ctx) {
  const int64_t v = ctx.config.values().hll_sparse_max_bytes;
  return v < 0 ? 0 : static_cast<size_t>(v);
}

// PFADD key [element ...]: 1 when a register changed or the key was made.
void PfAdd(CommandContext& ctx, ArgList args) {
  Db& db = ctx.db();
  Entry* e = db.Find(args[1], ctx.now_ms);
  uint64_t updated = 0;
  types::ValueString* slot;
  if (e == nullptr) {
    slot = &db.Put(args[1], NewHll(), -1).value.str;
    updated++;
  } else {
    if (!CheckHll(ctx, *e)) return;
    e->value.form = types::StringForm::kRaw;  // Redis unshares it into a raw string
    slot = &e->value.str;
  }
  types::StringEdit s(slot);
  const size_t max_bytes = SparseMaxBytes(ctx);
  for (size_t j = 2; j < args.size(); j++) {
    switch (hll::Add(*s, args[j], max_bytes)) {
      case hll::AddResult::kChanged:
        updated++;
        break;
      case hll::AddResult::kUnchanged:
        break;
      case hll::AddResult::kCorrupt:
        return InvalidHll(ctx);
    }
  }
  // Redis 7.0 marks the cache invalid even for a key PFADD just created
  // with no element, so that key's bytes end in 0x80 | 0x7f 0xff.
  if (updated > 0) {
    hll::InvalidateCache(*s);
    ctx.Dirty(updated);
    ctx.Notify(notify::kString, "pfadd", args[1]);
  }
  ctx.reply.Int(updated > 0 ? 1 : 0);
}

// PFCOUNT key [key ...]. One key: the cached cardinality, or a fresh
// estimate that is then cached in the header; that rewrites the value, so
// (as in Redis, where PFCOUNT is "readonly" but may replicate) it counts as
// a change and is logged. Several keys: the estimate of their union, built
// in a temporary, nothing written.
void PfCount(CommandContext& ctx, ArgList args) {
  if (args.size() > 2) {
    hll::RawRegisters max{};
    for (size_t j = 1; j < args.size(); j++) {
      Entry* e = LookupRead(ctx, args[j]);
      if (e == nullptr) continue;
      if (!CheckHll(ctx, *e)) return;
      if (!hll::MergeInto(max, e->value.str)) return InvalidHll(ctx);
    }
    return ctx.reply.Int(static_cast<int64_t>(hll::CountRaw(max)));
  }
  Entry* e = LookupRead(ctx, args[1]);
  if (e == nullptr) return ctx.reply.Int(0);
  if (!CheckHll(ctx, *e)) return;
  auto card = hll::CachedCardinality(e->value.str);
  if (!card) {
    card = hll::Count(e->value.str);
    if (!card) return InvalidHll(ctx);
    types::StringEdit s(&e->value.str);
    hll::SetCachedCardinality(*s, *card);
    ctx.Dirty();
  }
  ctx.reply.Int(static_cast<int64_t>(*card));
}

// PFMERGE destkey [sourcekey ...]: destkey is a source too. The result is
// dense when any source is dense; otherwise the registers are raised one
// by one in the sparse form (which may still turn dense), as Redis 7.0.
void PfMerge(CommandContext& ctx, ArgList args) {
  hll::RawRegisters max{};
  bool use_dense = false;
  for (size_t j = 1; j < args.size(); j++) {
    Entry* e = LookupRead(ctx, args[j]);
    if (e == nullptr) continue;
    if (!CheckHll(ctx, *e)) return;
    if (hll::IsDense(e->value.str)) use_dense = true;
    if (!hll::MergeInto(max, e->value.str)) return InvalidHll(ctx);
  }
  Db& db = ctx.db();
  Entry* dest = db.Find(args[1], ctx.now_ms);
  if (dest != nullptr) dest->value.form = types::StringForm::kRaw;
  types::StringEdit s(dest != nullptr ? &dest->value.str : &db.Put(args[1], NewHll(), -1).value.str);
  if (use_dense && !hll::ToDense(*s)) return InvalidHll(ctx);
  const size_t max_bytes = SparseMaxBytes(ctx);
  for (int j = 0; j < hll::kRegisters; j++) {
    if (max[j] == 0) continue;
    // As Redis 7.0, a corrupt destination is not reported here.
    (void)hll::SetRegister(*s, j, max[j], max_bytes);
  }
  hll::InvalidateCache(*s);
  ctx.Dirty();
  ctx.Notify(notify::kString, "pfadd", args[1]);
  ctx.reply.Ok();
}

ArgDoc KeyArg(std::string_view name, int spec, uint32_t flags = 0) {
  return {.name = name, .type = "key", .flags = flags, .key_spec_index = spec};
}

}  // namespace

void RegisterHyperLogLogCommands(CommandTable& t) {
  t.Add({
      {.name = "pfadd", .arity = -2, .flags = kWrite | kDenyOom | kFast, .keys = {1, 1, 1},
       .acl = acl::kHyperLogLog, .handler = PfAdd,
       .doc = {.summary = "Adds the specified elements to the specified HyperLogLog.",
               .since = "2.8.9", .group = "hyperloglog",
               .complexity = "O(1) to add every element.",
               .arguments = {KeyArg("key", 0),
                             {.name = "element", .type = "string",
                              .flags = kArgOptional | kArgMultiple}}},
       .key_specs = {{.flags = ks::kRW | ks::kInsert, .index = 1}}},
      {.name = "pfcount", .arity = -2, .flags = kReadonly | kMayReplicate, .keys = {1, -1, 1},
       .acl = acl::kHyperLogLog, .handler = PfCount,
       .doc = {.summary = "Return the approximated cardinality of the set(s) observed by the "
                          "HyperLogLog at key(s).",
               .since = "2.8.9", .group = "hyperloglog",
               .complexity = "O(1) with a very small average constant time when called with a "
                             "single key. O(N) with N being the number of keys, and much bigger "
                             "constant times, when called with multiple keys.",
               .arguments = {KeyArg("key", 0, kArgMultiple)}},
       .key_specs = {{.notes = "RW because it may change the internal representation of the "
                               "key, and propagate to replicas",
                      .flags = ks::kRW | ks::kAccess, .index = 1, .lastkey = -1}}},
      {.name = "pfmerge", .arity = -2, .flags = kWrite | kDenyOom, .keys = {1, -1, 1},
       .acl = acl::kHyperLogLog, .handler = PfMerge,
       .doc = {.summary = "Merge N different HyperLogLogs into a single one.",
               .since = "2.8.9", .group = "hyperloglog",
               .complexity = "O(N) to merge N HyperLogLogs, but with high constant times.",
               .arguments = {KeyArg("destkey", 0), KeyArg("sourcekey", 1, kArgMultiple)}},
       .key_specs = {{.flags = ks::kRW | ks::kAccess | ks::kInsert, .index = 1},
                     {.flags = ks::kRO | ks::kAccess, .index = 2, .lastkey = -1}}},
  });
}

}  // namespace cairn::engine
