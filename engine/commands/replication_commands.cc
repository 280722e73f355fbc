// Replication commands: PSYNC, SYNC and REPLCONF (what a replica sends its
// primary), REPLICAOF (SLAVEOF) and ROLE. They hand over to the replication layer
// (ReplicationHooks); without one (engine tests) Cairn is a primary with no
// replicas.
#include "engine/command_context.h"
#include "engine/commands/registry.h"
#include "engine/replication_hooks.h"

namespace cairn::engine {
namespace {

void Psync(CommandContext& ctx, ArgList args) {
  if (ctx.replication == nullptr) return ctx.Error("Replication is not available");
  ctx.replication->Sync(ctx, args, /*psync=*/true);
}

void Sync(CommandContext& ctx, ArgList args) {
  if (ctx.replication == nullptr) return ctx.Error("Replication is not available");
  ctx.replication->Sync(ctx, args, /*psync=*/false);
}

void Replconf(CommandContext& ctx, ArgList args) {
  if (ctx.replication == nullptr) return ctx.reply.Ok();
  ctx.replication->Replconf(ctx, args);
}

void ReplicaOf(CommandContext& ctx, ArgList args) {
  if (ctx.replication == nullptr) return ctx.Error("Replication is not available");
  ctx.replication->ReplicaOf(ctx, args);
}

void Failover(CommandContext& ctx, ArgList args) {
  if (ctx.replication == nullptr) return ctx.Error("Replication is not available");
  ctx.replication->Failover(ctx, args);
}

void Role(CommandContext& ctx, ArgList) {
  if (ctx.replication != nullptr) return ctx.replication->Role(ctx);
  ctx.reply.Array(3);
  ctx.reply.Bulk("master");
  ctx.reply.Int(0);
  ctx.reply.Array(0);
}

}  // namespace

void RegisterReplicationCommands(CommandTable& t) {
  t.Add({
      {.name = "replicaof", .arity = 3, .flags = kAdmin | kNoScript | kStale | kNoAsyncLoading, .handler = ReplicaOf,
       .doc = {.summary = "Make the server a replica of another instance, or promote it as master.",
               .since = "5.0.0",
               .group = "server",
               .complexity = "O(1)",
               .arguments = {{.name = "args", .type = "oneof", .arguments = {{.name = "host-port", .type = "block", .arguments = {{.name = "host", .type = "string"},
                  {.name = "port", .type = "integer"}}},
                {.name = "no-one", .type = "block", .arguments = {{.name = "no", .type = "pure-token", .token = "NO"},
                  {.name = "one", .type = "pure-token", .token = "ONE"}}}}}}}},
      {.name = "failover", .arity = -1, .flags = kAdmin | kNoScript | kStale, .handler = Failover,
       .doc = {.summary = "Start a coordinated failover between this server and one of its "
                          "replicas.",
               .since = "6.2.0",
               .group = "server",
               .complexity = "O(1)",
               .arguments = {{.name = "target", .type = "block", .token = "TO",
                              .flags = kArgOptional,
                              .arguments = {{.name = "host", .type = "string"},
                                            {.name = "port", .type = "integer"},
                                            {.name = "force", .type = "pure-token",
                                             .token = "FORCE", .flags = kArgOptional}}},
                             {.name = "abort", .type = "pure-token", .token = "ABORT",
                              .flags = kArgOptional},
                             {.name = "milliseconds", .type = "integer", .token = "TIMEOUT",
                              .flags = kArgOptional}}}},
      {.name = "slaveof", .arity = 3, .flags = kAdmin | kNoScript | kStale | kNoAsyncLoading, .handler = ReplicaOf,
       .doc = {.summary = "Make the server a replica of another instance, or promote it as master.",
               .since = "1.0.0",
               .group = "server",
               .complexity = "O(1)",
               .doc_flags = {"deprecated"},
               .deprecated_since = "5.0.0",
               .replaced_by = "`REPLICAOF`",
               .arguments = {{.name = "args", .type = "oneof", .arguments = {{.name = "host-port", .type = "block", .arguments = {{.name = "host", .type = "string"},
                  {.name = "port", .type = "integer"}}},
                {.name = "no-one", .type = "block", .arguments = {{.name = "no", .type = "pure-token", .token = "NO"},
                  {.name = "one", .type = "pure-token", .token = "ONE"}}}}}}}},
      {.name = "psync", .arity = -3, .flags = kAdmin | kNoScript | kNoAsyncLoading | kNoMulti, .handler = Psync,
       .doc = {.summary = "Internal command used for replication",
               .since = "2.8.0",
               .group = "server",
               .arguments = {{.name = "replicationid", .type = "string"},
              {.name = "offset", .type = "integer"}}}},
      {.name = "sync", .arity = 1, .flags = kAdmin | kNoScript | kNoAsyncLoading | kNoMulti, .handler = Sync,
       .doc = {.summary = "Internal command used for replication",
               .since = "1.0.0",
               .group = "server"}},
      {.name = "replconf", .arity = -1, .flags = kAdmin | kNoScript | kLoading | kStale | kAllowBusy, .handler = Replconf,
       .doc = {.summary = "An internal command for configuring the replication stream",
               .since = "3.0.0",
               .group = "server",
               .complexity = "O(1)",
               .doc_flags = {"syscmd"}}},
      {.name = "role", .arity = 1, .flags = kNoScript | kLoading | kStale | kFast,
       .acl = acl::kAdmin | acl::kDangerous, .handler = Role,
       .doc = {.summary = "Return the role of the instance in the context of replication",
               .since = "2.8.12",
               .group = "server",
               .complexity = "O(1)"}},
  });
}

}  // namespace cairn::engine
