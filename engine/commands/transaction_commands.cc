// MULTI, EXEC, DISCARD, WATCH, UNWATCH (Redis's multi.c). Queuing happens in
// Engine::Execute, which sees every command first; EXEC checks here whether
// the transaction may run and asks the engine to run the queue
// (CommandContext::RequestExec), so that the queued commands go through the
// same dispatch, propagation and wake-ups as any other.
#include "engine/command_context.h"
#include "engine/commands/registry.h"
#include "engine/keyspace.h"
#include "engine/transactions/transaction.h"

namespace cairn::engine {

namespace {

void Multi(CommandContext& ctx, ArgList) {
  if (ctx.client.tx.active) return ctx.Error("MULTI calls can not be nested");
  ctx.client.tx.active = true;
  ctx.reply.Ok();
}

void Discard(CommandContext& ctx, ArgList) {
  if (!ctx.client.tx.active) return ctx.Error("DISCARD without MULTI");
  DiscardTransaction(ctx.client, ctx.watches);
  ctx.reply.Ok();
}

void Exec(CommandContext& ctx, ArgList) {
  TransactionState& tx = ctx.client.tx;
  if (!tx.active) return ctx.Error("EXEC without MULTI");
  if (tx.aborted) {
    DiscardTransaction(ctx.client, ctx.watches);
    return ctx.Error({ErrorKind::kExecAbort, "Transaction discarded because of previous errors."});
  }
  if (tx.dirty || WatchTable::AnyExpiredSince(ctx.client, ctx.keyspace, ctx.now_ms)) {
    DiscardTransaction(ctx.client, ctx.watches);
    return ctx.reply.NullArray();
  }
  ctx.RequestExec();
}

void Watch(CommandContext& ctx, ArgList args) {
  if (ctx.client.tx.active) return ctx.Error("WATCH inside MULTI is not allowed");
  const Db& db = ctx.db();
  for (size_t i = 1; i < args.size(); i++) {
    const bool expired = db.ExpiredAt(args[i], ctx.now_ms);
    ctx.watches.Watch(ctx.client, ctx.client.db, args[i], expired);
  }
  ctx.reply.Ok();
}

void Unwatch(CommandContext& ctx, ArgList) {
  ctx.watches.UnwatchAll(ctx.client);
  ctx.client.tx.dirty = false;
  ctx.reply.Ok();
}

}  // namespace

void RegisterTransactionCommands(CommandTable& t) {
  t.Add({
      {.name = "multi", .arity = 1, .flags = kNoScript | kLoading | kStale | kFast | kAllowBusy,
       .acl = acl::kTransaction, .handler = Multi,
       .doc = {.summary = "Mark the start of a transaction block",
               .since = "1.2.0",
               .group = "transactions",
               .complexity = "O(1)"}},
      {.name = "exec", .arity = 1,
       .flags = kNoScript | kLoading | kStale | kSkipSlowlog | kRunsCommands,
       .acl = acl::kTransaction, .handler = Exec,
       .doc = {.summary = "Execute all commands issued after MULTI",
               .since = "1.2.0",
               .group = "transactions",
               .complexity = "Depends on commands in the transaction"}},
      {.name = "discard", .arity = 1, .flags = kNoScript | kLoading | kStale | kFast | kAllowBusy,
       .acl = acl::kTransaction, .handler = Discard,
       .doc = {.summary = "Discard all commands issued after MULTI",
               .since = "2.0.0",
               .group = "transactions",
               .complexity = "O(N), when N is the number of queued commands"}},
      {.name = "watch", .arity = -2, .flags = kNoScript | kLoading | kStale | kFast | kAllowBusy,
       .keys = {1, -1, 1},
       .acl = acl::kTransaction, .handler = Watch,
       .doc = {.summary = "Watch the given keys to determine execution of the MULTI/EXEC block",
               .since = "2.2.0",
               .group = "transactions",
               .complexity = "O(1) for every key.",
               .arguments = {{.name = "key", .type = "key", .flags = kArgMultiple,
                              .key_spec_index = 0}}},
       .key_specs = {{.flags = ks::kRO, .index = 1, .lastkey = -1}}},
      {.name = "unwatch", .arity = 1, .flags = kNoScript | kLoading | kStale | kFast | kAllowBusy,
       .acl = acl::kTransaction, .handler = Unwatch,
       .doc = {.summary = "Forget about all watched keys",
               .since = "2.2.0",
               .group = "transactions",
               .complexity = "O(1)"}},
  });
}

}  // namespace cairn::engine
