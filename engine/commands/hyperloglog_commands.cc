// HyperLogLog commands: PFADD, PFCOUNT, PFMERGE. An HLL is a plain string
// in Redis 7.0's format (types/hyperloglog.h), so GET, DUMP and RDB carry
// it unchanged. PFDEBUG and PFSELFTEST are not provided.
#include <string>
#include <string_view>

#include "base/string_util.h"
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
  // Redis unshares it into a raw string first, even when the cache is valid.
  e->value.form = types::StringForm::kRaw;
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

// PFDEBUG GETREG|DECODE|ENCODING|TODENSE key (Redis's pfdebugCommand; test
// suites use it). GETREG and TODENSE turn a sparse HLL dense, a change that
// is logged like any other.
void PfDebug(CommandContext& ctx, ArgList args) {
  const std::string sub = base::ToLower(args[1]);
  Entry* e = ctx.db().Find(args[2], ctx.now_ms);
  if (e == nullptr) return ctx.Error("The specified key does not exist");
  if (!CheckHll(ctx, *e)) return;
  auto to_dense = [&]() -> std::optional<bool> {  // converted?; nullopt: corrupt
    if (hll::IsDense(e->value.str)) return false;
    types::StringEdit s(&e->value.str);
    if (!hll::ToDense(*s)) return std::nullopt;
    ctx.Dirty();
    return true;
  };
  if (sub == "getreg") {
    if (!to_dense()) return InvalidHll(ctx);
    hll::RawRegisters regs{};
    hll::MergeInto(regs, e->value.str);
    ctx.reply.Array(regs.size());
    for (uint8_t r : regs) ctx.reply.Int(r);
    return;
  }
  if (sub == "encoding") return ctx.reply.Simple(hll::IsDense(e->value.str) ? "dense" : "sparse");
  if (sub == "todense") {
    auto converted = to_dense();
    if (!converted) return InvalidHll(ctx);
    return ctx.reply.Int(*converted ? 1 : 0);
  }
  if (sub == "decode") {
    if (hll::IsDense(e->value.str)) return ctx.Error("HLL encoding is not sparse");
    // The sparse opcodes, printed as Redis prints them: ZERO 00xxxxxx "z:",
    // XZERO 01xxxxxx yyyyyyyy "Z:", VAL 1vvvvvxx "v:value,run".
    const std::string_view body = std::string_view(e->value.str).substr(hll::kHeaderSize);
    std::string out;
    for (size_t i = 0; i < body.size(); i++) {
      const auto b = static_cast<uint8_t>(body[i]);
      if ((b & 0xc0) == 0) {
        out += "z:" + std::to_string((b & 0x3f) + 1) + " ";
      } else if ((b & 0xc0) == 0x40) {
        if (i + 1 >= body.size()) break;
        const int len = (((b & 0x3f) << 8) | static_cast<uint8_t>(body[++i])) + 1;
        out += "Z:" + std::to_string(len) + " ";
      } else {
        out += "v:" + std::to_string(((b >> 2) & 0x1f) + 1) + "," + std::to_string((b & 3) + 1) + " ";
      }
    }
    if (!out.empty()) out.pop_back();
    return ctx.reply.Bulk(out);
  }
  ctx.Error("Unknown PFDEBUG subcommand '" + args[1] + "'");
}

// PFSELFTEST: Redis runs its HyperLogLog unit tests here; Cairn's run in
// types_test, so this only checks that a fresh HLL counts a few elements.
void PfSelfTest(CommandContext& ctx, ArgList) {
  std::string h = hll::CreateEmpty();
  for (int i = 0; i < 100; i++) hll::Add(h, "element:" + std::to_string(i), 3000);
  const auto n = hll::Count(h);
  if (!n || *n < 95 || *n > 105) return ctx.Error("TESTFAILED Cardinality error");
  ctx.reply.Ok();
}

}  // namespace

void RegisterHyperLogLogCommands(CommandTable& t) {
  t.Add({
      {.name = "pfdebug", .arity = 3, .flags = kWrite | kDenyOom | kAdmin, .keys = {2, 2, 1},
       .acl = acl::kHyperLogLog, .handler = PfDebug,
       .doc = {.summary = "Internal commands for debugging HyperLogLog values",
               .since = "2.8.9",
               .group = "hyperloglog",
               .complexity = "N/A",
               .doc_flags = {"syscmd"},
               .arguments = {{.name = "subcommand", .type = "string"},
                             {.name = "key", .type = "key", .key_spec_index = 0}}},
       .key_specs = {{.flags = ks::kRW | ks::kAccess, .index = 2}}},
      {.name = "pfselftest", .arity = 1, .flags = kAdmin,
       .acl = acl::kHyperLogLog, .handler = PfSelfTest,
       .doc = {.summary = "An internal command for testing HyperLogLog values",
               .since = "2.8.9",
               .group = "hyperloglog",
               .complexity = "N/A",
               .doc_flags = {"syscmd"}}},
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
