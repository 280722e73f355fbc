// Engine: executes commands against the keyspace, one at a time, on the
// engine thread (ARCHITECTURE.md "Threads"). It looks a command up in the
// table, checks arity, runs the handler, and hands the deterministic form of
// every change (expirations first, then the command) to the propagation sink.
//
// The engine knows nothing of sockets: the frontend parses requests, calls
// Execute() with a RespWriter over the connection's output buffer, and acts
// on what the command asked of the connection (ClientState) or the server
// (ServerState::shutdown).
#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/acl/acl.h"
#include "engine/blocking/blocked_clients.h"
#include "engine/client_state.h"
#include "engine/command_table.h"
#include "engine/config.h"
#include "engine/errors.h"
#include "engine/keyspace.h"
#include "engine/memory/cold_tier.h"
#include "engine/memory/eviction.h"
#include "engine/memory/lazy_free.h"
#include "engine/propagation.h"
#include "engine/replication_hooks.h"
#include "engine/server_state.h"
#include "engine/scripting/lua_scripts.h"
#include "engine/tracking/tracking.h"
#include "engine/transactions/transaction.h"
#include "protocol/resp_writer.h"

namespace cairn::engine {

class Aof;
class Snapshots;

class Engine {
 public:
  // REQUIRES: config outlives the engine. The number of databases is fixed
  // from config at construction.
  explicit Engine(Config* config);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Runs one command. `argv` is non-empty. The reply (exactly one) is
  // appended through `out`, encoded for client.resp.
  // Returns true when the command propagated something (a write happened).
  bool Execute(ClientState& client, std::vector<std::string>& argv, protocol::RespWriter& out);

  // REQUIRES: `sink` outlives the engine, or is reset to nullptr first.
  void set_propagation_sink(PropagationSink* sink) { sink_ = sink; }
  // The append-only log, for BGREWRITEAOF, INFO and refusing writes while
  // the log cannot be written. May stay unset (tests).
  void set_aof(Aof* aof) { aof_ = aof; }
  Aof* aof() { return aof_; }
  // SAVE/BGSAVE and the save points. May stay unset (tests).
  void set_snapshots(Snapshots* s) { snapshots_ = s; }
  // Replication (replicas fed the write stream). May stay unset (tests).
  void set_replication(ReplicationHooks* r) { replication_ = r; }
  ReplicationHooks* replication() const { return replication_; }
  Snapshots* snapshots() { return snapshots_; }

  // Periodic work (`hz` times a second): the active expiry cycle, within
  // 25% of the period as Redis's slow cycle; expirations are logged as DEL.
  void Cron(int64_t now_ms);

  // New connection: assigns its id and counts it.
  // rename-command: `from` answers as `to` from now on ("" disables it).
  // Errors are Redis's texts.
  base::Status RenameCommand(std::string_view from, std::string_view to);
  void AttachClient(ClientState& client);
  // The connection is closing: a parked client is forgotten at once, so
  // that nothing is taken for a reply nobody will read.
  void ClientClosing(ClientState& client);
  void DetachClient(ClientState& client);

  // Blocked clients whose deadline is at or before now_ms get their
  // timeout reply. `hook` is told each new deadline (ms, wall clock), so the
  // server can wake up for it.
  void ExpireBlocked(int64_t now_ms);
  int64_t NextBlockedDeadline() const { return blocked_.NextDeadline(); }
  void set_block_deadline_hook(std::function<void(int64_t)> hook) {
    on_block_deadline_ = std::move(hook);
  }
  // How to run work once the current loop pass is done (EventLoop::Post):
  // CLIENT TRACKING's BCAST messages gather every key a pass changed. Unset
  // (tests), that work runs after each command.
  // Runs fn on the loop after delay_ms (0: in its next pass, after the
  // sockets ready now): work that goes on in slices, like eviction.
  void set_after_hook(std::function<void(int64_t, std::function<void()>)> hook) {
    after_ = std::move(hook);
  }
  void set_post_hook(std::function<void(std::function<void()>)> hook) {
    post_ = std::move(hook);
  }
  const BlockedClients& blocked() const { return blocked_; }
  // This primary becomes a replica: clients blocked in a command (not paused
  // ones) get -UNBLOCKED and are disconnected, as in Redis.
  void UnblockForRoleChange() { blocked_.UnblockAll(errors::kUnblockedForReplica); }
  const LazyFree& lazy_free() const { return lazy_free_; }
  const KeyTracking& tracking() const { return tracking_; }
  // Writes from `client` are refused: this is a read-only replica and the
  // client is not its primary.
  bool ReadOnlyReplicaFor(const ClientState& client) const;
  // A replica's full resync (Redis's emptyData): every database emptied,
  // watchers and trackers told, function libraries gone.
  void EmptyDataset();
  // The log is being replayed (start-up, DEBUG LOADAOF): its commands are
  // neither paused nor serve blocked clients.
  void set_loading(bool loading) { loading_ = loading; }
  // Loaders call this after each key or command loaded: progress reports,
  // and, under cold-lru, what does not fit in maxmemory goes cold as it
  // comes.
  void LoadedOne();
  // Where cold values are; its Fork() is the fork for every child that
  // writes the dataset (BGSAVE, AOF rewrite, full resync).
  ColdTier& cold() { return cold_; }
  LuaScripts& scripts() { return *scripts_; }
  LuaScripts& functions() { return *functions_; }
  Acl& acl() { return *acl_; }
  // requirepass (the default user's password) and acl-pubsub-default, as
  // configured now; done before every command, so CONFIG SET takes effect
  // at once.
  void SyncAclConfig();
  // EVAL, EVALSHA, FCALL...: shown to monitors before they run.
  static bool IsScriptCall(const CommandSpec& cmd) {
    return (cmd.flags & kRunsCommands) && cmd.full_name != "exec";
  }
  // MONITOR: tells every monitor that `client` ran argv.
  void FeedMonitors(const CommandSpec& cmd, const ClientState& client,
                    std::span<const std::string> argv);
  // CLIENT PAUSE: whether `cmd` from `client` must wait now; and the
  // parked commands run once the pause is over.
  bool PausedFor(const ClientState& client, const CommandSpec& cmd, int64_t now) const;
  // replica-serve-stale-data no: cmd is not flagged stale, is a script
  // that does not allow it, or is an EXEC of such a command (Redis's
  // is_denystale_command).
  bool DeniedWhenStale(const ClientState& client, const CommandSpec& cmd, ArgList argv) const;
  // Whether cmd has one of `flags`, or is an EXEC whose queued commands do.
  // argv: cmd's arguments (FCALL's function decides), when known.
  bool Writes(const ClientState& client, const CommandSpec& cmd, uint64_t flags,
              ArgList argv = {}) const;
  void ResumePaused(int64_t now_ms);
  // `timeout`: closes clients idle for longer (from Cron).
  void CloseIdleClients(int64_t now_ms);

  Keyspace& keyspace() { return keyspace_; }
  ServerState& server() { return server_; }
  Config& config() { return *config_; }
  const CommandTable& table() const { return table_; }

 private:
  void PropagateExpired();
  struct RunResult {
    bool logged = false;   // something went to the propagation sink
    bool blocked = false;  // the handler asked to wait (no reply written)
  };
  // Runs a looked-up, checked command: the handler, parking, propagation.
  // `may_block` false (inside EXEC): a blocking command answers as on a
  // timeout.
  bool ExecuteOne(ClientState& client, std::vector<std::string>& argv, protocol::RespWriter& out);
  // Redis's rejectCommand: the error (counted as rejected); inside MULTI it
  // dooms the transaction, and a refused EXEC ends it, naming the reason.
  // Returns false (nothing logged).
  bool Reject(ClientState& client, const CommandSpec* cmd, const ErrorReply& e,
              protocol::RespWriter& out);
  // ExecuteOne past its admission checks (auth, ACL, MISCONF, busy script,
  // pause): MULTI queueing, then Run.
  bool ExecuteChecked(ClientState& client, const CommandSpec& cmd, std::vector<std::string>& argv,
                      protocol::RespWriter& out, int64_t now);
  // ACL: whether client's user may run cmd; on a refusal, logs it (ACL LOG,
  // `context` toplevel, multi or lua) and returns the refusal.
  AclVerdict AclCheck(ClientState& client, const CommandSpec& cmd,
                      std::span<const std::string> argv, std::string_view context);
  // woken_by: the key whose store woke this parked command (nullptr: not
  // woken).
  RunResult Run(const CommandSpec& cmd, ClientState& client, std::vector<std::string>& argv,
                protocol::RespWriter& out, const std::string* woken_by, int64_t now_ms,
                bool may_block = true);
  // EXEC that may run: the queued commands, their replies as one array.
  void RunTransaction(ClientState& client, protocol::RespWriter& out);
  // Writes of a command that runs others (kRunsCommands) are held until it
  // ends, then go to the sink alone or as MULTI ... EXEC (one log batch).
  // Returns true if anything was written.
  bool ReleaseHeld();
  CommandStat& CommandStatOf(const CommandSpec& cmd);
  // After a command ran: commandstats, latency histogram, LATENCY events
  // and SLOWLOG.
  void RecordCall(const CommandSpec& cmd, const ClientState& client,
                  std::span<const std::string> argv, int64_t took_us, bool failed, int64_t now);
  // Every write goes to the sink through here; during EXEC it is held and
  // handed over as one group at the end.
  void Emit(int db, std::span<const std::string> argv);
  // One write to the log and to replication.
  void Deliver(int db, std::span<const std::string> argv);
  bool Propagating() const { return sink_ != nullptr || replication_ != nullptr; }
  // After a write command: its watchers' EXECs fail.
  void TouchWrittenKeys(const CommandSpec& cmd, ArgList argv, int db);

  // Keys stored in any database (Db::Put): blocked clients and watchers hear.
  class StoreHook : public StoreObserver {
   public:
    explicit StoreHook(Engine* e) : engine_(e) {}
    void KeyStored(int db, std::string_view key, bool created) override;
    void KeyExpired(int db, std::string_view key) override;
    void KeyDeleted(int db, std::string_view key) override;

   private:
    Engine* engine_;
  };
  // Runs the commands of clients parked on keys that became ready.
  void ServeBlocked();
  // A key changed (Redis's signalModifiedKey): watchers and trackers hear.
  void KeyModified(int db, std::string_view key);
  // Whether `cmd` is refused while memory stays over maxmemory (deny-oom).
  bool DeniedOnOom(const CommandSpec& cmd, ArgList argv) const;
  // maxmemory: evicts as maxmemory-policy says (engine/memory/eviction.h),
  // logging each key evicted; kFail when memory stays over the limit.
  Evictor::Result Evict(int64_t now_ms);
  // The access policy (LRU or LFU) as the config has it now.
  void SyncAccessPolicy();
  // The cold tier's encoding settings as the config has them now.
  void SyncColdTier();
  // What maxmemory leaves out: replicas' output, RocksDB's own memory.
  size_t NotCountedMemory() const;
  // maxmemory is set and its policy is cold-lru.
  bool ColdLruActive() const;
  // CLIENT TRACKING: a read command's keys are remembered for its reader.
  void TrackReadKeys(const CommandSpec& cmd, ClientState& client, ArgList argv);
  // BCAST messages and the tracking table's trim, now or after this pass.
  void FlushTracking(bool now);

  Config* config_;
  CommandTable table_;
  // Before everything that may free a value (stubs hand their ids back
  // to it): the keyspace, the lazy-free thread.
  ColdTier cold_;
  // Before keyspace_: the keyspace reports stores to it and frees through
  // it until destroyed.
  BlockedClients blocked_;
  LazyFree lazy_free_;
  WatchTable watches_;
  // Its client map (server_.clients) is built after it, and is only read
  // while messages are sent.
  KeyTracking tracking_{&server_.clients};
  PubSub pubsub_;
  std::unique_ptr<LuaScripts> scripts_;
  std::unique_ptr<LuaScripts> functions_;
  std::unique_ptr<Acl> acl_;
  struct Parked {
    ClientState* client;
    std::vector<std::string> argv;
  };
  std::deque<Parked> paused_;  // CLIENT PAUSE: commands waiting, in order
  // What SyncAclConfig last applied, and at which config generation.
  uint64_t acl_config_generation_ = UINT64_MAX;
  std::string acl_requirepass_;
  uint64_t cold_config_generation_ = UINT64_MAX;  // what SyncColdTier last applied
  int64_t acl_pubsub_default_ = -1;
  StoreHook store_hook_{this};
  Keyspace keyspace_;
  Evictor evictor_;
  // Writes held while a kRunsCommands command runs (nested: EVAL in EXEC).
  int hold_depth_ = 0;
  std::vector<std::pair<int, std::vector<std::string>>> held_writes_;
  ServerState server_;
  std::function<void(int64_t)> on_block_deadline_;
  std::function<void(std::function<void()>)> post_;
  std::function<void(int64_t, std::function<void()>)> after_;
  bool eviction_scheduled_ = false;  // a pass is due in the loop's next pass
  bool tracking_flush_posted_ = false;
  bool loading_ = false;
  PropagationSink* sink_ = nullptr;
  Aof* aof_ = nullptr;
  Snapshots* snapshots_ = nullptr;
  ReplicationHooks* replication_ = nullptr;
  bool allocator_bg_thread_ = false;  // jemalloc's own default; Cron applies the config
};

}  // namespace cairn::engine
