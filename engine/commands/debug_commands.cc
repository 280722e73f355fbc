// DEBUG: the subset of Redis's DEBUG that makes sense for Cairn (RELOAD,
// LOADAOF, SLEEP, LOG, OBJECT, SET-ACTIVE-EXPIRE, HELP), refused unless
// enable-debug-command allows it, as Redis 7 does.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "base/logging.h"
#include "base/string_util.h"
#include "engine/aof.h"
#include "engine/command_context.h"
#include "engine/commands/object_info.h"
#include "engine/commands/registry.h"
#include "engine/memory/cold_tier.h"
#include "engine/scripting/lua_scripts.h"
#include "snapshot/value_codec.h"
#include "types/listpack.h"
#include "types/quicklist.h"
#include "engine/snapshots.h"

namespace cairn::engine {
namespace {

// DEBUG OBJECT's extra fields for a list, as Redis 7.0 prints them.
std::string QuicklistDetails(const types::Value& v) {
  if (v.type != ValueType::kList) return "";
  const types::Quicklist* q = v.quicklist();
  size_t bytes = 0;
  q->ForEachNode([&](const unsigned char* lp) { bytes += types::lp::Bytes(lp); });
  char buf[160];
  std::snprintf(buf, sizeof(buf),
                " ql_nodes:%zu ql_avg_node:%.2f ql_listpack_max:%d ql_compressed:%d "
                "ql_uncompressed_size:%zu",
                q->node_count(),
                q->node_count() == 0 ? 0.0 : static_cast<double>(q->size()) / q->node_count(),
                q->fill(), 0, bytes);  // nodes are never compressed in memory (README)
  return buf;
}

void DebugReload(CommandContext& ctx, ArgList args) {
  bool save = true;
  for (size_t j = 2; j < args.size(); j++) {
    if (base::EqualsIgnoreCase(args[j], "nosave")) {
      save = false;
    } else {
      // MERGE and NOFLUSH exist in Redis for its test suite only.
      return ctx.Error("DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.");
    }
  }
  if (ctx.snapshots == nullptr) return ctx.Error("DEBUG RELOAD is not available");
  if (save) {
    std::string err = ctx.snapshots->Save();
    if (!err.empty()) return ctx.Error("Error trying to save the DB");
  }
  ctx.EmptyAllDatabases(/*async=*/false);
  base::Status s = ctx.snapshots->Load();
  if (!s.ok()) {
    // The dataset is gone and the file cannot be read: as Redis, stop
    // rather than serve an empty or partial dataset.
    CAIRN_LOG_WARNING("Error trying to load the RDB dump: %s", s.ToString().c_str());
    std::exit(1);
  }
  CAIRN_LOG_NOTICE("DB reloaded by DEBUG RELOAD");
  ctx.reply.Ok();
}

// DEBUG LOADAOF: the dataset (functions included) replaced by what the log
// on disk replays to, after syncing it; test suites use it to check what was
// logged. Departure: Redis exits when the log is off; Cairn refuses.
void DebugLoadAof(CommandContext& ctx) {
  if (ctx.aof == nullptr || !ctx.aof->enabled()) {
    return ctx.Error("DEBUG LOADAOF needs the append-only log (appendonly yes)");
  }
  if (ctx.aof->switching_on()) {
    return ctx.Error("DEBUG LOADAOF: the log is being switched on; try again once its first "
                     "rewrite is done");
  }
  // Inside EXEC or a script, writes before it are held, not yet logged:
  // reloading would lose them from memory and log them after.
  if (!ctx.may_block) return ctx.Error("DEBUG LOADAOF is not allowed inside MULTI/EXEC");
  ctx.EmptyAllDatabases(/*async=*/false);
  ctx.functions.Flush();
  base::Status s = ctx.aof->ReloadFromDisk();
  if (!s.ok()) {
    // As Redis: the dataset is partial; stop rather than serve it.
    CAIRN_LOG_WARNING("Error reloading the append-only log: %s", s.ToString().c_str());
    std::exit(1);
  }
  ctx.server.dirty = 0;  // what was just loaded is in the log already
  CAIRN_LOG_NOTICE("Append Only File loaded by DEBUG LOADAOF");
  ctx.reply.Ok();
}

// DEBUG PROTOCOL <type>: one reply of each RESP3 type, as Redis 7.0 sends
// them (RESP2 clients get the RESP2 form), for client libraries' tests.
void DebugProtocol(CommandContext& ctx, const std::string& type) {
  protocol::RespWriter& r = ctx.reply;
  if (type == "string") return r.Bulk("Hello World");
  if (type == "integer") return r.Int(12345);
  if (type == "double") return r.Double(3.141);
  if (type == "bignum") return r.BigNumber("1234567999999999999999999999999999999");
  if (type == "null") return r.Null();
  if (type == "array" || type == "set") {
    if (type == "array") {
      r.Array(3);
    } else {
      r.Set(3);
    }
    for (int i = 0; i < 3; i++) r.Int(i);
    return;
  }
  if (type == "map") {
    r.Map(3);
    for (int i = 0; i < 3; i++) {
      r.Int(i);
      r.Bool(i == 1);
    }
    return;
  }
  if (type == "attrib") {
    if (ctx.client.resp >= 3) {
      r.Raw("|1\r\n");
      r.Bulk("key-popularity");
      r.Array(2);
      r.Bulk("key:123");
      r.Int(90);
    }
    return r.Bulk("Some real reply following the attribute");
  }
  if (type == "push") {
    if (ctx.client.resp < 3) return ctx.Error("RESP2 is not supported by this command");
    r.Push(2);
    r.Bulk("server-cpu-usage");
    r.Int(42);
    return r.Bulk("Some real reply following the push reply");
  }
  if (type == "verbatim") return r.Verbatim("txt", "This is a verbatim\nstring");
  if (type == "true") return r.Bool(true);
  if (type == "false") return r.Bool(false);
  ctx.Error(
      "Wrong protocol type name. Please use one of the following: "
      "string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false");
}

void Debug(CommandContext& ctx, ArgList args) {
  const std::string sub = base::ToLower(args[1]);
  if (sub == "help" && args.size() == 2) {
    static constexpr std::string_view kLines[] = {
        "DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "CHANGE-REPL-ID",
        "    Change the replication IDs of the instance.",
        "    Dangerous: should be used only for testing the replication subsystem.",
        "LOADAOF",
        "    Flush the AOF buffers on disk and reload the AOF in memory.",
        "LOG <message>",
        "    Write <message> to the server log.",
        "OBJECT <key>",
        "    Show low level info about the value stored at <key>.",
        "RELOAD [NOSAVE]",
        "    Save the RDB on disk and reload it back to memory.",
        "COLD <key>|*",
        "    (Cairn) Move the key's value, or every value worth moving, to the cold tier.",
        "SET-ACTIVE-EXPIRE <0|1>",
        "    Setting it to 0 disables expiring keys in background when they are not accessed.",
        "SLEEP <seconds>",
        "    Stop the server for <seconds>. Decimals allowed.",
        "HELP",
        "    Print this help."};
    return ctx.ReplyLines(kLines);
  }
  if (sub == "reload") return DebugReload(ctx, args);
  if (sub == "loadaof") return DebugLoadAof(ctx);  // (extra arguments ignored, as Redis)
  if (sub == "sleep" && args.size() == 3) {
    // Blocks the engine thread on purpose: that is what DEBUG SLEEP is for.
    double secs = std::atof(args[2].c_str());
    if (secs > 0) usleep(static_cast<useconds_t>(secs * 1e6));
    return ctx.reply.Ok();
  }
  if (sub == "object" && args.size() == 3) {
    Entry* e = ctx.db().Find(args[2], ctx.now_ms, /*touch=*/false);
    if (e == nullptr) return ctx.Error("no such key");
    std::string body;
    snapshot::EncodeValue(&body, e->value, ctx.config.values().rdbcompression);
    char addr[32];
    std::snprintf(addr, sizeof(addr), "%p", static_cast<const void*>(&e->value));
    return ctx.reply.Simple("Value at:" + std::string(addr) +
                            " refcount:" + std::to_string(RefCount(e->value, SharedIntegers(ctx.config.values()))) +
                            " encoding:" + std::string(EncodingName(e->value)) +
                            " serializedlength:" + std::to_string(body.size()) +
                            " lru:" + std::to_string(e->value.lru & 0xffffff) +
                            " lru_seconds_idle:" +
                            std::to_string(IdleSeconds(e->value, ctx.now_ms)) +
                            QuicklistDetails(e->value));
  }
  if (sub == "cold" && args.size() == 3) {
    // What cold-lru does under memory pressure, on demand: tests push
    // every type cold and read it back through each command family.
    ColdTier& cold = *ctx.keyspace.cold();
    if (args[2] != "*") {
      Entry* e = ctx.db().FindKey(args[2], ctx.now_ms, /*touch=*/false);
      if (e == nullptr) return ctx.Error("no such key");
      return ctx.reply.Int(cold.Spill(e->value) ? 1 : 0);
    }
    int64_t moved = 0;
    std::vector<std::string> keys;
    for (const auto& [key, e] : ctx.db().entries()) keys.emplace_back(key);
    for (const std::string& key : keys) {
      Entry* e = ctx.db().FindKey(key, ctx.now_ms, /*touch=*/false);
      if (e != nullptr && cold.Spill(e->value)) moved++;
    }
    return ctx.reply.Int(moved);
  }
  if (sub == "log" && args.size() == 3) {
    CAIRN_LOG_WARNING("DEBUG LOG: %s", args[2].c_str());
    return ctx.reply.Ok();
  }
  if (sub == "error" && args.size() == 3) {
    // The argument, as the error text itself (client test suites use it).
    ctx.server.stats.CountError(args[2]);
    return ctx.reply.Error(args[2]);
  }
  if (sub == "protocol" && args.size() == 3) return DebugProtocol(ctx, base::ToLower(args[2]));
  if (sub == "change-repl-id" && args.size() == 2) {
    // A new replication ID (client test suites use it to force full syncs).
    ctx.server.replid = base::RandomHex(40);
    return ctx.reply.Ok();
  }
  if (sub == "set-active-expire" && args.size() == 3) {
    ctx.server.active_expire = std::atoi(args[2].c_str()) != 0;
    return ctx.reply.Ok();
  }
  ctx.Error(errors::SubcommandSyntax(args[1], "debug"));
}

}  // namespace

void RegisterDebugCommands(CommandTable& t) {
  t.Add({
      {.name = "debug", .arity = -2, .flags = kAdmin | kNoScript | kLoading | kStale,
       .handler = Debug,
       .doc = {.summary = "A container for debugging commands", .since = "1.0.0",
               .group = "server", .complexity = "Depends on subcommand.",
               .doc_flags = {"syscmd"}},
       .protected_by = &ConfigValues::enable_debug_command},
  });
}

}  // namespace cairn::engine
