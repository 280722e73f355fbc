// CommandContext: everything a command handler may touch. Narrow on
// purpose: the client's state, the reply, the keyspace, the config, the
// command table (for COMMAND), the server counters, the time the command
// started, and Propagate(). Handlers never see sockets or the log.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/client_state.h"
#include "engine/command_table.h"
#include "engine/config.h"
#include "engine/errors.h"
#include "engine/keyspace.h"
#include "engine/server_state.h"
#include "protocol/resp_writer.h"

namespace cairn::engine {

class Aof;
class BlockedClients;
class Acl;
class LuaScripts;
class Snapshots;
class ReplicationHooks;

uint64_t EmptyAllDatabases(Keyspace& keyspace, WatchTable& watches, KeyTracking& tracking,
                           int64_t now_ms, bool async);

class CommandContext {
 public:
  CommandContext(const CommandSpec& spec, ClientState& client, protocol::RespWriter& reply,
                 Keyspace& keyspace, Config& config, const CommandTable& table,
                 ServerState& server, BlockedClients& blocked, WatchTable& watches,
                 KeyTracking& tracking, PubSub& pubsub, LuaScripts& scripts,
                 LuaScripts& functions, Acl& acl, int64_t now_ms, Aof* aof, Snapshots* snapshots,
                 ReplicationHooks* replication)
      : spec(spec), client(client), reply(reply), keyspace(keyspace), config(config),
        table(table), server(server), blocked(blocked), watches(watches),
        tracking(tracking), pubsub(pubsub),
        scripts(scripts), functions(functions), acl(acl), now_ms(now_ms), aof(aof),
        snapshots(snapshots), replication(replication) {}

  const CommandSpec& spec;
  ClientState& client;
  protocol::RespWriter& reply;
  Keyspace& keyspace;
  Config& config;
  const CommandTable& table;
  ServerState& server;
  BlockedClients& blocked;  // parked clients (CLIENT UNBLOCK, SWAPDB)
  WatchTable& watches;      // WATCHed keys (FLUSHALL, SWAPDB touch them)
  KeyTracking& tracking;    // CLIENT TRACKING (FLUSHALL tells its clients)
  PubSub& pubsub;           // channels and their subscribers
  LuaScripts& scripts;      // the Lua state and the script cache (EVAL)
  LuaScripts& functions;    // the Lua state of FUNCTION libraries
  Acl& acl;                 // users and their permissions
  const int64_t now_ms;  // one clock reading per command, as Redis caches mstime
  Aof* const aof;              // the append-only log; nullptr when not wired (tests)
  Snapshots* const snapshots;  // SAVE/BGSAVE; nullptr when not wired (tests)
  ReplicationHooks* const replication;  // replicas; nullptr when not wired (tests)

  Db& db() { return keyspace.db(client.db); }

  // Every connected client, the caller as ctx.client (fn(ClientState&)).
  template <typename Fn>
  void ForEachClient(Fn&& fn) {
    for (auto& [id, c] : server.clients) fn(id == client.id ? client : *c);
  }
  // Ends c's connection: at once for another client, after this reply for
  // the caller itself (Redis's CLIENT_CLOSE_AFTER_REPLY).
  void CloseClient(ClientState& c) {
    if (&c == &client) {
      c.close_after_reply = true;
    } else if (c.conn != nullptr) {
      c.conn->Kill();
    }
  }

  // A HELP reply: one simple string per line.
  void ReplyLines(std::span<const std::string_view> lines) {
    reply.Array(lines.size());
    for (auto l : lines) reply.Simple(l);
  }
  void ReplyLines(std::initializer_list<std::string_view> lines) {
    ReplyLines(std::span(lines.begin(), lines.size()));
  }

  void Error(const ErrorReply& e) {
    const std::string text = e.Text();
    server.stats.CountError(text);
    reply.Error(text);
  }
  void Error(std::string_view msg) { Error(Err(std::string(msg))); }
  void WrongType() { Error({ErrorKind::kWrongType, std::string(errors::kWrongTypeMsg)}); }

  // Counts changes to the dataset (Redis's server.dirty); a write command
  // that changed nothing is not propagated.
  void Dirty(uint64_t n = 1) { dirty_ += n; }
  uint64_t dirty() const { return dirty_; }

  // Records the deterministic form of this command's effect, replacing argv
  // in the log. Only for commands flagged kCustomPropagation. May be called
  // several times (one record each).
  void Propagate(std::vector<std::string> argv) { propagated_.push_back(std::move(argv)); }
  std::vector<std::vector<std::string>>& propagated() { return propagated_; }

  // Blocking commands. When there is nothing to take, a handler calls
  // Block() instead of replying: the client is parked on `keys` (in the
  // current database) until one holds a `type`, or until the deadline (ms,
  // 0 for none) passes. Where a client may not wait (MULTI/EXEC, scripts:
  // may_block false), the handler replies as on a timeout instead.
  // `woken`: the command is being run again because a key it waits on was
  // stored (`woken_key`); calling Block() then keeps the client parked
  // where it was. As in Redis 7.0, a woken command serves from that key
  // only (ServesFrom), not from the first of its keys that has data.
  // `argv`: the command to run again when woken, when not the same one
  // (XREAD's `$` becomes the ID it stood for).
  struct BlockRequest {
    std::vector<std::string> keys;
    int64_t deadline_ms = 0;
    ValueType type = ValueType::kList;
    std::vector<std::string> argv;
  };
  bool may_block = true;
  bool woken = false;
  std::string_view woken_key;
  bool ServesFrom(std::string_view key) const { return !woken || key == woken_key; }
  // The command comes from the log being replayed or from the primary: it
  // is obeyed as written (Redis's mustObeyClient), not checked as a user's.
  bool obeys = false;
  void Block(std::vector<std::string> keys, int64_t deadline_ms, ValueType type,
             std::vector<std::string> argv = {}) {
    block_ = BlockRequest{std::move(keys), deadline_ms, type, std::move(argv)};
  }
  const std::optional<BlockRequest>& block_request() const { return block_; }

  // EXEC: the transaction may run; the engine runs the queued commands
  // after the handler returns and writes their replies as one array.
  void RequestExec() { exec_ = true; }
  bool exec_requested() const { return exec_; }

  // A keyspace event (notify.h) for `key` in the client's database, or in
  // database `db`.
  void Notify(int type, std::string_view event, std::string_view key) {
    NotifyIn(client.db, type, event, key);
  }
  void NotifyIn(int db, int type, std::string_view event, std::string_view key);
  // A change Redis 7.0 does not signal to WATCH and CLIENT TRACKING
  // (consumer-group bookkeeping, XSETID): its event, if it has one, goes
  // out, and the command counts as having named every key it changed.
  void NotifyUnsignaled(int type, std::string_view event, std::string_view key);
  void Unsignaled() { notified_ = true; }
  bool notified() const { return notified_; }
  // FLUSHALL's effect (Redis's emptyData): watchers of any key and every
  // tracking client are told, then each database is emptied (`async`: freed
  // on the lazy-free thread). Returns the keys removed.
  uint64_t EmptyAllDatabases(bool async) {
    return cairn::engine::EmptyAllDatabases(keyspace, watches, tracking, now_ms, async);
  }

  // Parses an integer argument; on failure replies Redis's "value is not an
  // integer or out of range" and returns nullopt.
  std::optional<int64_t> IntArg(std::string_view arg);

 private:
  uint64_t dirty_ = 0;
  std::vector<std::vector<std::string>> propagated_;
  std::optional<BlockRequest> block_;
  bool exec_ = false;
  bool notified_ = false;
};

}  // namespace cairn::engine
