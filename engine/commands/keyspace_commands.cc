// Generic keyspace commands: DEL, EXISTS, TTL, PTTL, DBSIZE, FLUSHDB, FLUSHALL.
#include "base/string_util.h"
#include "engine/command_context.h"
#include "engine/commands/registry.h"

namespace cairn::engine {
namespace {

void Del(CommandContext& ctx, ArgList args) {
  int64_t deleted = 0;
  Db& db = ctx.db();
  for (size_t j = 1; j < args.size(); j++) {
    // Find first so an expired key counts as missing (and is logged as
    // expired, not as deleted by this command).
    if (db.Find(args[j], ctx.now_ms) != nullptr && db.Erase(args[j])) deleted++;
  }
  ctx.Dirty(static_cast<uint64_t>(deleted));
  ctx.reply.Int(deleted);
}

void Exists(CommandContext& ctx, ArgList args) {
  int64_t count = 0;
  for (size_t j = 1; j < args.size(); j++) {
    if (ctx.db().Find(args[j], ctx.now_ms) != nullptr) count++;
  }
  ctx.reply.Int(count);
}

// TTL/PTTL: -2 for a missing key, -1 for no expiry, else the time left
// (TTL rounds to the nearest second, as Redis does).
void TtlGeneric(CommandContext& ctx, ArgList args, bool ms) {
  Entry* e = ctx.db().Find(args[1], ctx.now_ms);
  if (e == nullptr) return ctx.reply.Int(-2);
  if (e->expire_ms < 0) return ctx.reply.Int(-1);
  int64_t left = std::max<int64_t>(e->expire_ms - ctx.now_ms, 0);
  ctx.reply.Int(ms ? left : (left + 500) / 1000);
}

void Ttl(CommandContext& ctx, ArgList args) { TtlGeneric(ctx, args, false); }
void PTtl(CommandContext& ctx, ArgList args) { TtlGeneric(ctx, args, true); }

void DbSize(CommandContext& ctx, ArgList) {
  ctx.reply.Int(static_cast<int64_t>(ctx.db().size()));
}

// FLUSHDB/FLUSHALL [ASYNC|SYNC]. Both modes free synchronously for now; the
// observable result is the same (TODO(#5): free large datasets off-thread).
bool ParseFlushMode(CommandContext& ctx, ArgList args) {
  if (args.size() > 2 ||
      (args.size() == 2 && !base::EqualsIgnoreCase(args[1], "sync") &&
       !base::EqualsIgnoreCase(args[1], "async"))) {
    ctx.Error(errors::kSyntax);
    return false;
  }
  return true;
}

void FlushDb(CommandContext& ctx, ArgList args) {
  if (!ParseFlushMode(ctx, args)) return;
  ctx.Dirty(ctx.db().size() + 1);  // +1: logged even when already empty, as Redis does
  ctx.db().Clear();
  ctx.reply.Ok();
}

void FlushAll(CommandContext& ctx, ArgList args) {
  if (!ParseFlushMode(ctx, args)) return;
  uint64_t removed = 0;
  for (int i = 0; i < ctx.keyspace.databases(); i++) {
    removed += ctx.keyspace.db(i).size();
    ctx.keyspace.db(i).Clear();
  }
  ctx.Dirty(removed + 1);
  ctx.reply.Ok();
}

const std::vector<ArgDoc> kFlushArgs = {
    {.name = "flush-type", .type = "oneof", .flags = kArgOptional,
     .arguments = {{.name = "async", .type = "pure-token", .token = "ASYNC", .since = "4.0.0"},
                   {.name = "sync", .type = "pure-token", .token = "SYNC", .since = "6.2.0"}}}};

}  // namespace

void RegisterKeyspaceCommands(CommandTable& t) {
  t.Add({
      {.name = "del", .arity = -2, .flags = kWrite, .keys = {1, -1, 1}, .acl = acl::kKeyspace,
       .handler = Del,
       .doc = {.summary = "Delete a key", .since = "1.0.0", .group = "generic",
               .complexity = "O(N) where N is the number of keys that will be removed.",
               .arguments = {{.name = "key", .type = "key", .flags = kArgMultiple,
                              .key_spec_index = 0}}},
       .key_specs = {{.flags = ks::kRM | ks::kDelete, .index = 1, .lastkey = -1}},
       .tips = {"request_policy:multi_shard", "response_policy:agg_sum"}},
      {.name = "exists", .arity = -2, .flags = kReadonly | kFast, .keys = {1, -1, 1},
       .acl = acl::kKeyspace, .handler = Exists,
       .doc = {.summary = "Determine if a key exists", .since = "1.0.0", .group = "generic",
               .complexity = "O(N) where N is the number of keys to check.",
               .arguments = {{.name = "key", .type = "key", .flags = kArgMultiple,
                              .key_spec_index = 0}}},
       .key_specs = {{.flags = ks::kRO, .index = 1, .lastkey = -1}},
       .tips = {"request_policy:multi_shard", "response_policy:agg_sum"}},
      {.name = "ttl", .arity = 2, .flags = kReadonly | kFast, .keys = {1, 1, 1},
       .acl = acl::kKeyspace, .handler = Ttl,
       .doc = {.summary = "Get the time to live for a key in seconds", .since = "1.0.0",
               .group = "generic", .complexity = "O(1)",
               .arguments = {{.name = "key", .type = "key", .key_spec_index = 0}}},
       .key_specs = {{.flags = ks::kRO | ks::kAccess, .index = 1}},
       .tips = {"nondeterministic_output"}},
      {.name = "pttl", .arity = 2, .flags = kReadonly | kFast, .keys = {1, 1, 1},
       .acl = acl::kKeyspace, .handler = PTtl,
       .doc = {.summary = "Get the time to live for a key in milliseconds", .since = "2.6.0",
               .group = "generic", .complexity = "O(1)",
               .arguments = {{.name = "key", .type = "key", .key_spec_index = 0}}},
       .key_specs = {{.flags = ks::kRO | ks::kAccess, .index = 1}},
       .tips = {"nondeterministic_output"}},
      {.name = "dbsize", .arity = 1, .flags = kReadonly | kFast, .acl = acl::kKeyspace,
       .handler = DbSize,
       .doc = {.summary = "Return the number of keys in the selected database",
               .since = "1.0.0", .group = "server", .complexity = "O(1)"},
       .tips = {"request_policy:all_shards", "response_policy:agg_sum"}},
      {.name = "flushdb", .arity = -1, .flags = kWrite,
       .acl = acl::kKeyspace | acl::kDangerous, .handler = FlushDb,
       .doc = {.summary = "Remove all keys from the current database", .since = "1.0.0",
               .group = "server",
               .complexity = "O(N) where N is the number of keys in the selected database",
               .arguments = kFlushArgs},
       .tips = {"request_policy:all_shards", "response_policy:all_succeeded"}},
      {.name = "flushall", .arity = -1, .flags = kWrite,
       .acl = acl::kKeyspace | acl::kDangerous, .handler = FlushAll,
       .doc = {.summary = "Remove all keys from all databases", .since = "1.0.0",
               .group = "server",
               .complexity = "O(N) where N is the total number of keys in all databases",
               .arguments = kFlushArgs},
       .tips = {"request_policy:all_shards", "response_policy:all_succeeded"}},
  });
}

}  // namespace cairn::engine
