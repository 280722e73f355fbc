#include "engine/engine.h"

#include <sys/time.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "base/check.h"
#include "base/clock.h"
#include "base/logging.h"
#include "base/memory.h"
#include "base/string_util.h"
#include "engine/aof.h"
#include "engine/command_context.h"
#include "engine/ops/slowlog.h"
#include "engine/pubsub/notify.h"
#include "engine/snapshots.h"

namespace cairn::engine {

void CommandContext::NotifyIn(int db, int type, std::string_view event, std::string_view key) {
  // Redis signals a modified key (WATCH, CLIENT TRACKING) where it
  // notifies: exactly the keys a command changed.
  watches.Touch(db, key, keyspace.db(db));
  if (tracking.any()) tracking.Invalidate(key);
  notified_ = true;
  NotifyKeyspaceEvent(pubsub, config.values().notify_keyspace_events, type, event, key, db);
}

void CommandContext::NotifyUnsignaled(int type, std::string_view event, std::string_view key) {
  notified_ = true;
  NotifyKeyspaceEvent(pubsub, config.values().notify_keyspace_events, type, event, key,
                      client.db);
}

uint64_t EmptyAllDatabases(Keyspace& keyspace, WatchTable& watches, KeyTracking& tracking,
                           int64_t now_ms, bool async) {
  uint64_t removed = 0;
  if (keyspace.cold() != nullptr) keyspace.cold()->DropAll();
  for (int i = 0; i < keyspace.databases(); i++) {
    removed += keyspace.db(i).size();
    watches.TouchDb(i, keyspace.db(i), nullptr, now_ms);
    keyspace.db(i).Clear(async);
  }
  tracking.InvalidateAll();
  return removed;
}

std::optional<int64_t> CommandContext::IntArg(std::string_view arg) {
  auto v = base::ParseInt64(arg);
  if (!v) Error(errors::kNotInteger);
  return v;
}


Engine::Engine(Config* config)
    : config_(config),
      watches_(static_cast<int>(config->values().databases)),
      keyspace_(static_cast<int>(config->values().databases)) {
  RegisterAllCommands(table_);
  acl_ = std::make_unique<Acl>(table_);
  SyncAclConfig();
  keyspace_.set_observer(&store_hook_);
  // What scripts call: checked against the caller's ACL user, as Redis does.
  auto script_call = [this](const CommandSpec& cmd, ClientState& c, std::vector<std::string>& argv,
                            protocol::RespWriter& w) {
    // A read-only replica takes no write from a script either.
    if ((cmd.flags & kWrite) && ReadOnlyReplicaFor(c)) {
      w.Error("READONLY You can't write against a read only replica.");
      return;
    }
    const AclVerdict v = AclCheck(c, cmd, argv, "lua");
    if (!v.ok()) {
      static constexpr std::string_view kWhy[] = {
          "", "can't run this command or subcommand",
          "can't access at least one of the keys mentioned in the command arguments", "",
          "can't publish to the channel mentioned in the command"};
      w.Error("ERR The user executing the script " + std::string(kWhy[static_cast<int>(v.denial)]));
      return;
    }
    server_.stats.total_commands_processed++;
    Run(cmd, c, argv, w, /*woken_by=*/nullptr, base::NowMs(), /*may_block=*/false);
  };
  scripts_ = std::make_unique<LuaScripts>(&table_, script_call);
  scripts_->set_should_stop([this] { return server_.shutdown == ShutdownRequest::kNoSave; });
  functions_ = std::make_unique<LuaScripts>(&table_, script_call, /*functions=*/true);
  functions_->set_should_stop([this] { return server_.shutdown == ShutdownRequest::kNoSave; });
  keyspace_.free_policy().lazy = &lazy_free_;
  keyspace_.set_cold(&cold_);
  {
    std::error_code ec;
    cold_.Configure((std::filesystem::current_path(ec) / "cold").string());
  }
  SyncAccessPolicy();  // before anything is loaded: keys get the right field
  server_.run_id = base::RandomHex(40);
  server_.replid = base::RandomHex(40);
  server_.used_memory_startup = base::UsedMemory();
  server_.used_memory_peak = server_.used_memory_startup;
  server_.start_ms = base::NowMs();
}

Engine::~Engine() {
  // The keyspace is freed next: its stubs' records need not be deleted one
  // by one, as the store is emptied when it next opens.
  cold_.Discard();
}

base::Status Engine::RenameCommand(std::string_view from, std::string_view to) {
  return table_.Rename(from, to);
}

void Engine::AttachClient(ClientState& client) {
  client.id = server_.next_client_id++;
  client.created_ms = base::NowMs();
  client.last_interaction_ms = client.created_ms;
  // As Redis: a client is authenticated from the start while the default
  // user needs no password; setting one later does not log it out.
  SyncAclConfig();  // a CONFIG SET requirepass just before must count
  const AclUser& def = acl_->default_user();
  client.user = &acl_->default_user();
  client.authenticated = def.nopass && def.enabled;
  server_.connected_clients++;
  server_.stats.total_connections_received++;
  server_.clients[client.id] = &client;
}

void Engine::StoreHook::KeyStored(int db, std::string_view key, bool created) {
  if (created) {
    NotifyKeyspaceEvent(engine_->pubsub_, engine_->config_->values().notify_keyspace_events,
                        notify::kNewKey, "new", key, db);
  }
  // Redis 7.0 wakes waiters when a key is added (dbAdd), not when one is
  // overwritten (dbSetValue): SORT ... STORE or ZUNIONSTORE over an existing
  // key wakes no one, and RENAME, COPY and RESTORE delete before they add.
  if (created) engine_->blocked_.KeyStored(db, key);
  engine_->KeyModified(db, key);
}

void Engine::StoreHook::KeyDeleted(int db, std::string_view key) {
  engine_->blocked_.KeyDeleted(db, key);
}

void Engine::StoreHook::KeyExpired(int db, std::string_view key) {
  engine_->KeyModified(db, key);
  NotifyKeyspaceEvent(engine_->pubsub_, engine_->config_->values().notify_keyspace_events,
                      notify::kExpired, "expired", key, db);
}

bool Engine::ReadOnlyReplicaFor(const ClientState& client) const {
  return !client.primary_link && !loading_ && replication_ != nullptr &&
         replication_->IsReplica() && config_->values().replica_read_only;
}

void Engine::EmptyDataset() {
  EmptyAllDatabases(keyspace_, watches_, tracking_, base::NowMs(), /*async=*/false);
  functions_->Flush();
}

Evictor::Result Engine::Evict(int64_t now_ms) {
  const ConfigValues& v = config_->values();
  // A replica's keys go by its primary's DELs, unless replica-ignore-maxmemory
  // says otherwise; nothing goes while a log is replayed or writes are paused,
  // nor while a busy script lets others in (Redis's
  // isInsideYieldingLongCommand): its keys must not go under it. Moving
  // values to the cold tier changes no data, so that goes on while a log
  // loads (a dataset bigger than memory must load; with no time limit then,
  // as nothing else waits) and on a replica.
  const auto policy = static_cast<Evictor::Policy>(v.maxmemory_policy);
  const bool cold = ColdLruActive();
  if ((loading_ && !cold) || server_.Paused(now_ms) || scripts_->busy() || functions_->busy() ||
      (replication_ != nullptr && replication_->IsReplica() && v.replica_ignore_maxmemory &&
       !cold)) {
    return Evictor::Result::kOk;
  }
  const Evictor::Settings s{.maxmemory = static_cast<size_t>(v.maxmemory),
                            .policy = policy,
                            .samples = v.maxmemory_samples,
                            .tenacity = loading_ ? 100 : v.maxmemory_eviction_tenacity,
                            .lazy = v.lazyfree_lazy_eviction,
                            .lfu_decay_time = v.lfu_decay_time};
  const uint64_t spills_before = cold_.stats_spills();
  auto run = [&] {
    return evictor_.Run(
        keyspace_, s, [this] { return NotCountedMemory(); }, now_ms,
        [&](int db, const std::string& key) {
          server_.stats.evicted_keys++;
          KeyModified(db, key);
          NotifyKeyspaceEvent(pubsub_, v.notify_keyspace_events, notify::kEvicted, "evicted",
                              key, db);
          std::string argv[2] = {v.lazyfree_lazy_eviction ? "UNLINK" : "DEL", key};
          Emit(db, argv);
        });
  };
  Evictor::Result r = run();
  // Nothing left to move: what is over may be RocksDB's own growth since
  // its figure was last read (reads filling the block cache, a memtable's
  // next arena block), which is beside maxmemory. Read it, and judge again
  // before refusing a write (-OOM).
  if (r == Evictor::Result::kFail && cold) {
    cold_.RefreshMemory();
    r = run();
  }
  // A pass that ran out of time goes on in the loop's next pass, after the
  // clients ready now (Redis's eviction time event).
  if (r == Evictor::Result::kRunning && after_ && !eviction_scheduled_) {
    eviction_scheduled_ = true;
    after_(0, [this] {
      eviction_scheduled_ = false;
      if (config_->values().maxmemory > 0) Evict(base::NowMs());
    });
  }
  // The memtables grew by what went cold: the exact figure (costly: not
  // after every command, only after a pass that moved values).
  if (cold && cold_.stats_spills() != spills_before) cold_.RefreshMemory();
  // Near the limit, reads only borrow cold values (ColdTier::Promote).
  // (Off otherwise: SyncColdTier.)
  if (cold) {
    const size_t used = base::UsedMemory(), out = NotCountedMemory();
    cold_.set_pressure(used > out && used - out > static_cast<size_t>(v.maxmemory) / 10 * 9,
                       evictor_.NextIdleSeconds());
  }
  // Time over the limit, for INFO.
  ServerStats& st = server_.stats;
  if (r == Evictor::Result::kOk) {
    if (st.eviction_over_since_ms != 0) st.eviction_exceeded_ms += now_ms - st.eviction_over_since_ms;
    st.eviction_over_since_ms = 0;
  } else if (st.eviction_over_since_ms == 0) {
    st.eviction_over_since_ms = now_ms;
  }
  return r;
}

void Engine::SyncAccessPolicy() {
  const ConfigValues& v = config_->values();
  AccessPolicy& a = keyspace_.access_policy();
  a.lfu = Evictor::IsLfu(static_cast<Evictor::Policy>(v.maxmemory_policy));
  a.lfu_log_factor = v.lfu_log_factor;
  a.lfu_decay_time = v.lfu_decay_time;
  // Values promoted are converted as a load converts them, by the limits
  // in force.
  SyncColdTier();
}

void Engine::SyncColdTier() {
  // Everything here follows the config alone: once per change of it, not
  // once per command.
  if (config_->generation() == cold_config_generation_) return;
  cold_config_generation_ = config_->generation();
  const ConfigValues& v = config_->values();
  cold_.set_limits(LoadLimitsFor(v));
  if (!ColdLruActive()) cold_.set_pressure(false);
  // RocksDB's block cache: an eighth of maxmemory, 8 MB to 256 MB (taken
  // when the store opens). Beside maxmemory, not in it.
  cold_.set_cache_bytes(std::clamp<size_t>(static_cast<size_t>(v.maxmemory) / 8, 8 << 20,
                                           256 << 20));
}

bool Engine::ColdLruActive() const {
  const ConfigValues& v = config_->values();
  return v.maxmemory > 0 &&
         static_cast<Evictor::Policy>(v.maxmemory_policy) == Evictor::Policy::kColdLru;
}

size_t Engine::NotCountedMemory() const {
  return (replication_ != nullptr ? replication_->NotCountedMemory() : 0) + cold_.memory_bytes();
}

void Engine::LoadedOne() {
  server_.LoadedOne();
  if ((server_.loading_items & 63) == 0 && ColdLruActive()) Evict(base::NowMs());
}

void Engine::KeyModified(int db, std::string_view key) {
  watches_.Touch(db, key, keyspace_.db(db));
  if (tracking_.any()) tracking_.Invalidate(key);
}

void Engine::TrackReadKeys(const CommandSpec& cmd, ClientState& client, ArgList argv) {
  // A script's reads count for the client that runs it; EVAL_RO and
  // FCALL_RO themselves track nothing (their commands do).
  ClientState* reader = client.is_script ? tracking_.current() : &client;
  if (reader == nullptr || !KeyTracking::WantsKeys(*reader) || (cmd.flags & kRunsCommands)) return;
  std::vector<int> positions;
  if (!GetKeys(cmd, argv, &positions)) return;
  for (int p : positions) {
    tracking_.Remember(*reader, argv[static_cast<size_t>(p)],
                       config_->values().tracking_table_max_keys);
  }
}

void Engine::FlushTracking(bool now) {
  if (!tracking_.flush_wanted()) return;
  if (now || !post_) {
    tracking_.Flush(config_->values().tracking_table_max_keys);
    return;
  }
  if (tracking_flush_posted_) return;
  tracking_flush_posted_ = true;
  post_([this] {
    tracking_flush_posted_ = false;
    tracking_.Flush(config_->values().tracking_table_max_keys);
  });
}

void Engine::ClientClosing(ClientState& client) {
  blocked_.Remove(client);
  DiscardTransaction(client, watches_);
  pubsub_.UnsubscribeAll(client);
}

void Engine::DetachClient(ClientState& client) {
  std::erase(server_.monitors, &client);
  std::erase_if(paused_, [&](const Parked& p) { return p.client == &client; });
  blocked_.Remove(client);
  DiscardTransaction(client, watches_);
  pubsub_.UnsubscribeAll(client);
  tracking_.Disable(client);
  if (replication_ != nullptr) replication_->ClientGone(client);
  server_.connected_clients--;
  server_.clients.erase(client.id);
}

void Engine::Cron(int64_t now_ms) {
  server_.used_memory_peak = std::max(server_.used_memory_peak, base::UsedMemory());
  if (now_ms - server_.stats.ops_per_sec.last_ms >= 100) {
    ServerStats& st = server_.stats;
    st.ops_per_sec.Sample(now_ms, st.total_commands_processed);
    st.input_per_sec.Sample(now_ms, st.total_net_input_bytes);
    st.output_per_sec.Sample(now_ms, st.total_net_output_bytes);
  }
  CloseIdleClients(now_ms);
  if (replication_ != nullptr) replication_->Cron(now_ms);
  // (Also after CONFIG SET tracking-table-max-keys made the table too big.)
  const int64_t max_keys = config_->values().tracking_table_max_keys;
  if (max_keys > 0 && tracking_.total_keys() > static_cast<size_t>(max_keys)) {
    tracking_.Flush(max_keys);
  }
  if (!paused_.empty()) ResumePaused(now_ms);
  // Keys do not expire during a pause (Redis pauses expiry with writes).
  if (server_.Paused(now_ms)) return;
  if (config_->values().jemalloc_bg_thread != allocator_bg_thread_) {
    allocator_bg_thread_ = config_->values().jemalloc_bg_thread;
    base::SetAllocatorBackgroundThread(allocator_bg_thread_);
  }
  // maxmemory: a pass that ran out of time goes on, and a limit lowered
  // by CONFIG SET is met without waiting for a command.
  if (config_->values().maxmemory > 0) Evict(now_ms);
  cold_.Cron();
  if (!server_.active_expire) return;
  // A replica's keys go when its primary's DELs say so.
  if (replication_ != nullptr && replication_->IsReplica()) return;
  const int64_t hz = std::max<int64_t>(1, config_->values().hz);
  keyspace_.ActiveExpireCycle(now_ms, 1000000 / hz / 4);
  PropagateExpired();
  // An expired stream's XREADGROUP waiters are told now, not at the next
  // command (Redis serves ready keys before it sleeps).
  if (!loading_) ServeBlocked();
  FlushTracking(/*now=*/true);
}

AclVerdict Engine::AclCheck(ClientState& client, const CommandSpec& cmd,
                            std::span<const std::string> argv, std::string_view context) {
  const AclUser* user = &acl_->UserOf(client.user);
  const AclVerdict v = acl_->Check(*user, cmd, argv);
  if (v.ok()) return v;
  std::string object = v.denial == AclDenial::kCommand ? cmd.full_name
                                                       : argv[static_cast<size_t>(v.arg)];
  const int64_t now = base::NowMs();
  acl_->Log(v.denial, context, std::move(object), user->name, ClientInfoLine(client, now), now,
            config_->values().acllog_max_len);
  return v;
}

void Engine::RecordCall(const CommandSpec& cmd, const ClientState& client,
                        std::span<const std::string> argv, int64_t took_us, bool failed,
                        int64_t now) {
  const ConfigValues& v = config_->values();
  CommandStat& st = CommandStatOf(cmd);
  st.calls++;
  st.usec += static_cast<uint64_t>(took_us);
  if (failed) st.failed_calls++;
  if (client.blocked) return;  // parked: counted when it is served, as Redis does
  if (v.latency_tracking) {
    if (st.latency == nullptr) st.latency = std::make_unique<LatencyHistogram>();
    st.latency->Record(took_us * 1000);
  }
  // MONITOR: what ran, after it ran (scripts before, EXEC after what it
  // ran: see Run).
  if (!server_.monitors.empty() && !(cmd.flags & (kRunsCommands | kSkipMonitor | kAdmin))) {
    FeedMonitors(cmd, client, argv);
  }
  if (cmd.flags & kSkipSlowlog) return;
  server_.latency.MaybeAdd(v.latency_monitor_threshold,
                           (cmd.flags & kFast) ? "fast-command" : "command", took_us / 1000, now);
  server_.slowlog.MaybeAdd(v.slowlog_log_slower_than, v.slowlog_max_len, took_us, cmd.full_name,
                           argv, client.addr, client.name, now);
}

void Engine::FeedMonitors(const CommandSpec& cmd, const ClientState& client,
                          std::span<const std::string> argv) {
  // "+1339518083.107412 [0 127.0.0.1:60866] "keys" "*"", as Redis's
  // replicationFeedMonitors writes it (arguments quoted as sdscatrepr does).
  timeval tv;
  gettimeofday(&tv, nullptr);
  char head[64];
  std::snprintf(head, sizeof(head), "+%ld.%06ld [%d ", static_cast<long>(tv.tv_sec),
                static_cast<long>(tv.tv_usec), client.db);
  std::string line = head;
  line += client.is_script ? "lua" : client.addr;
  line += "]";
  for (size_t i = 0; i < argv.size(); i++) {
    line += " ";
    line += RedactedArg(cmd.full_name, argv, i) ? std::string("\"(redacted)\"")
                                                : base::QuoteRepr(argv[i]);
  }
  line += "\r\n";
  for (ClientState* m : server_.monitors) {
    if (m->conn != nullptr) m->conn->Push(line);
  }
}

bool Engine::Writes(const ClientState& client, const CommandSpec& cmd, uint64_t flags,
                    ArgList argv) const {
  if (cmd.flags & flags) return true;
  // FCALL of a function without no-writes may write, as Redis counts it
  // (read-only replicas, min-replicas, CLIENT PAUSE WRITE refuse it).
  if ((flags & kWrite) && cmd.full_name == "fcall" && argv.size() > 1) {
    const LuaScripts::FunctionInfo* f = functions_->FindFunction(argv[1]);
    if (f != nullptr && !f->no_writes) return true;
  }
  if (cmd.full_name != "exec" || !client.tx.active) return false;
  for (const auto& queued : client.tx.queued) {
    const CommandSpec* q = table_.FindForArgv(queued);
    if (q != nullptr && q->full_name != "exec" && Writes(client, *q, flags, queued)) return true;
  }
  return false;
}

bool Engine::DeniedOnOom(const CommandSpec& cmd, ArgList argv) const {
  if (cmd.flags & kDenyOom) return true;
  // FCALL of a function that says neither allow-oom nor no-writes may grow
  // memory (Redis's scriptFlagsToCmdFlags).
  if (cmd.full_name == "fcall" && argv.size() > 1) {
    const LuaScripts::FunctionInfo* f = functions_->FindFunction(argv[1]);
    return f != nullptr && !f->no_writes && !f->allow_oom;
  }
  return false;
}

bool Engine::DeniedWhenStale(const ClientState& client, const CommandSpec& cmd,
                             ArgList argv) const {
  if (!(cmd.flags & kStale)) return true;
  // A script runs stale only when it says allow-stale: EVAL's scripts (no
  // shebang flags in Cairn yet) never do; a function may.
  const std::string& name = cmd.full_name;
  if (name.starts_with("eval")) return true;
  if (name.starts_with("fcall")) {
    const LuaScripts::FunctionInfo* f = argv.size() > 1 ? functions_->FindFunction(argv[1]) : nullptr;
    // (An unknown function is FCALL's own error.)
    return f != nullptr &&
           std::find(f->flags.begin(), f->flags.end(), "allow-stale") == f->flags.end();
  }
  if (name != "exec" || !client.tx.active) return false;
  for (const auto& queued : client.tx.queued) {
    const CommandSpec* q = table_.FindForArgv(queued);
    if (q != nullptr && DeniedWhenStale(client, *q, queued)) return true;
  }
  return false;
}

bool Engine::PausedFor(const ClientState& client, const CommandSpec& cmd, int64_t now) const {
  // Replicas are never paused, as in Redis: their ACKs keep WAIT going
  // (a failover pauses writes, then waits for the replicas to catch up).
  if (!server_.Paused(now) || client.replica) return false;
  if (server_.ClientPaused(now) && server_.pause_type == PauseType::kAll) return true;
  return Writes(client, cmd, kWrite | kMayReplicate);
}

void Engine::ResumePaused(int64_t now_ms) {
  if (server_.Paused(now_ms)) return;
  server_.pause_type = PauseType::kNone;
  // In the order they arrived; one that pauses or blocks again stays parked
  // (its reply comes later, as for any blocked command).
  std::deque<Parked> parked = std::move(paused_);
  paused_.clear();
  for (Parked& p : parked) {
    ClientState& c = *p.client;
    c.blocked = false;
    std::string reply;
    protocol::RespWriter w(&reply, c.resp);
    const bool logged = Execute(c, p.argv, w);
    if (!c.blocked && c.conn != nullptr) c.conn->OnUnblocked(std::move(reply), logged);
  }
}

void Engine::CloseIdleClients(int64_t now_ms) {
  // `timeout`: a client silent for longer is closed, as Redis's
  // clientsCronHandleTimeout does; not one blocked in a command (its own
  // timeout rules) nor a subscriber (silent by nature).
  const int64_t timeout_ms = config_->values().timeout * 1000;
  if (timeout_ms <= 0) return;
  for (auto& [id, c] : server_.clients) {
    if (c->conn == nullptr || c->blocked || c->subs.any() || c->replica || c->primary_link) {
      continue;
    }
    if (now_ms - c->last_interaction_ms <= timeout_ms) continue;
    CAIRN_LOG_VERBOSE("Closing idle client");
    c->conn->Kill();
  }
}

void Engine::PropagateExpired() {
  for (auto& e : keyspace_.TakeExpired()) {
    server_.stats.expired_keys++;
    // (Watchers and subscribers were told when the key went: KeyExpired.)
    std::string argv[2] = {"DEL", std::move(e.key)};
    Emit(e.db, argv);
  }
}

void Engine::Emit(int db, std::span<const std::string> argv) {
  if (!Propagating()) return;
  if (hold_depth_ > 0) {
    held_writes_.emplace_back(db, std::vector<std::string>(argv.begin(), argv.end()));
    return;
  }
  Deliver(db, argv);
}

void Engine::Deliver(int db, std::span<const std::string> argv) {
  if (sink_ != nullptr) sink_->Append(db, argv);
  // A log being replayed is what the replicas were already sent.
  if (replication_ != nullptr && !loading_) replication_->Feed(db, argv);
}

void Engine::TouchWrittenKeys(const CommandSpec& cmd, ArgList argv, int db) {
  std::vector<int> positions;
  if (!GetKeys(cmd, argv, &positions, /*written_only=*/true)) return;
  for (int p : positions) KeyModified(db, argv[static_cast<size_t>(p)]);
}

void Engine::RunTransaction(ClientState& client, protocol::RespWriter& out) {
  std::vector<std::vector<std::string>> queued = std::move(client.tx.queued);
  // Watches end before the commands run, as in Redis: the transaction's own
  // writes must not touch them.
  DiscardTransaction(client, watches_);
  out.Array(queued.size());
  for (auto& argv : queued) {
    const CommandSpec* cmd = table_.FindForArgv(argv);  // known: it was queued
    // Checked again as it runs: the rules may have changed since it queued
    // (not for the primary's stream nor a replayed log: trusted).
    if (const AclVerdict v = client.primary_link || loading_
                                 ? AclVerdict{}
                                 : AclCheck(client, *cmd, argv, "multi");
        !v.ok()) {
      const char* why = v.denial == AclDenial::kCommand
                            ? "no permission to execute the command or subcommand"
                        : v.denial == AclDenial::kKey
                            ? "no permission to touch the specified keys"
                            : "no permission to access one of the channels used as arguments";
      const ErrorReply e{ErrorKind::kNoPerm,
                         std::string("ACLs rules changed between the moment the transaction was "
                                     "accumulated and the EXEC call. This command is no longer "
                                     "allowed for the following reason: ") + why};
      server_.stats.CountError(e.Text());
      out.Error(e.Text());
      continue;
    }
    server_.stats.total_commands_processed++;
    Run(*cmd, client, argv, out, /*woken_by=*/nullptr, base::NowMs(), /*may_block=*/false);
  }
}

CommandStat& Engine::CommandStatOf(const CommandSpec& cmd) {
  CommandStat& st = server_.stats.commandstats[&cmd];
  if (st.name.empty()) st.name = cmd.full_name;
  return st;
}

bool Engine::ReleaseHeld() {
  if (--hold_depth_ > 0) return false;
  std::vector<std::pair<int, std::vector<std::string>>> writes = std::move(held_writes_);
  held_writes_.clear();
  // The log may have been switched off meanwhile (CONFIG SET appendonly no
  // inside MULTI): nothing to hand the writes to. A script stopped by
  // SHUTDOWN NOSAVE was never acknowledged: its writes are not logged.
  if (writes.empty() || !Propagating()) return false;
  if ((scripts_->stopped() || functions_->stopped()) &&
      server_.shutdown != ShutdownRequest::kNone) {
    return false;
  }
  // One write goes alone; more go as MULTI ... EXEC, which the log keeps in
  // one batch (replayed whole or not at all) and replicas apply atomically.
  const bool group = writes.size() > 1;
  if (group) Deliver(writes.front().first, std::vector<std::string>{"MULTI"});
  for (const auto& [db, argv] : writes) Deliver(db, argv);
  if (group) Deliver(writes.back().first, std::vector<std::string>{"EXEC"});
  return sink_ != nullptr;
}

bool Engine::Execute(ClientState& client, std::vector<std::string>& argv,
                     protocol::RespWriter& out) {
  // CLIENT REPLY OFF / SKIP: the command runs, its reply is taken back.
  if (client.reply_mode == ReplyMode::kSkipNext) client.reply_mode = ReplyMode::kSkip;
  const ReplyMode mode = client.reply_mode;
  const size_t mark = out.buffer()->size();
  KeyTracking::Scope outer = tracking_.Begin(&client);
  const bool logged = ExecuteOne(client, argv, out);
  // (CLIENT REPLY ON is answered: the mode is on again once it ran.)
  if (mode != ReplyMode::kOn && client.reply_mode != ReplyMode::kOn && !client.blocked) {
    out.buffer()->resize(mark);
    if (client.reply_mode == ReplyMode::kSkip) client.reply_mode = ReplyMode::kOn;
  }
  // Invalidations for this client follow its reply (also under CLIENT
  // REPLY OFF: they are pushes, not replies).
  tracking_.End(std::move(outer));
  // CLIENT UNPAUSE (or a pause run out): the parked commands go now (what
  // they push to this client comes after its reply, and is not taken back).
  if (!paused_.empty() && server_.pause_type == PauseType::kNone) ResumePaused(base::NowMs());
  // CLIENT CACHING applies to the next command (or transaction): any other
  // command but CLIENT's ends it, as Redis's resetClient does; a command
  // parked (paused or blocked) keeps it until it runs.
  if (client.tracking.caching && !client.tx.active && !client.blocked) {
    const CommandSpec* top = table_.Find(argv[0]);
    if (top == nullptr || top->full_name != "client") client.tracking.caching = false;
  }
  FlushTracking(/*now=*/false);
  return logged;
}

void Engine::SyncAclConfig() {
  if (config_->generation() == acl_config_generation_) return;  // the per-command case
  acl_config_generation_ = config_->generation();
  const ConfigValues& v = config_->values();
  if (v.acl_pubsub_default != acl_pubsub_default_) {
    acl_pubsub_default_ = v.acl_pubsub_default;
    acl_->set_new_users_all_channels(v.acl_pubsub_default == 0);
  }
  if (v.requirepass != acl_requirepass_) {
    acl_requirepass_ = v.requirepass;
    acl_->SetDefaultPassword(v.requirepass);
  }
}

bool Engine::ExecuteOne(ClientState& client, std::vector<std::string>& argv,
                        protocol::RespWriter& out) {
  SyncAclConfig();
  const int64_t now = base::NowMs();
  client.last_interaction_ms = now;

  const CommandSpec* cmd = table_.Find(argv[0]);
  // (cmd as resolved so far: the subcommand once known)
  auto reject = [&](const ErrorReply& e) { return Reject(client, cmd, e, out); };
  if (cmd == nullptr) {
    return reject(Err(errors::UnknownCommand(argv[0], argv.data() + 1, argv.size() - 1)));
  }
  if (!cmd->subcommands.empty() && argv.size() >= 2) {
    const CommandSpec* sub = table_.FindSubcommand(*cmd, argv[1]);
    if (sub == nullptr) return reject(Err(errors::UnknownSubcommand(argv[1], argv[0])));
    cmd = sub;
  }
  const int argc = static_cast<int>(argv.size());
  if ((cmd->arity > 0 && argc != cmd->arity) || (cmd->arity < 0 && argc < -cmd->arity)) {
    return reject(Err(errors::WrongArity(cmd->full_name)));
  }

  // A log being replayed is trusted: who may run what, and whether writes
  // may be taken now, are questions for the clients that wrote it.
  if (loading_ || client.primary_link) return ExecuteChecked(client, *cmd, argv, out, now);
  if (cmd->protected_by != nullptr) {
    const int64_t allowed = config_->values().*(cmd->protected_by);  // {no, yes, local}
    if (allowed == 0 || (allowed == 2 && !client.local)) {
      return reject(
          Err(errors::ProtectedCommand(cmd->parent != nullptr ? cmd->parent->name : cmd->name)));
    }
  }
  const AclUser& def = acl_->default_user();
  if (!client.authenticated && !(def.nopass && def.enabled) && !(cmd->flags & kNoAuth)) {
    return reject({ErrorKind::kNoAuth, "Authentication required."});
  }
  // A monitor is a replica to Redis: it may not touch the keyspace.
  if (client.monitor && (cmd->flags & (kWrite | kReadonly | kMayReplicate))) {
    return reject(Err("Replica can't interact with the keyspace"));
  }
  if (const AclVerdict v = AclCheck(client, *cmd, argv, client.tx.active ? "multi" : "toplevel");
      !v.ok()) {
    if (v.denial == AclDenial::kCommand) {
      return reject({ErrorKind::kNoPerm,
                     "this user has no permissions to run the '" + cmd->full_name + "' command"});
    }
    return reject({ErrorKind::kNoPerm, v.denial == AclDenial::kKey
                                           ? "this user has no permissions to access one of "
                                             "the keys used as arguments"
                                           : "this user has no permissions to access one of "
                                             "the channels used as arguments"});
  }

  // maxmemory: keys are evicted before the command runs; when memory
  // stays over the limit, commands that may grow it are refused, and so is
  // anything a transaction would queue (an EXEC when what it queued may).
  const bool oom = config_->values().maxmemory > 0 && Evict(now) == Evictor::Result::kFail;
  // (For every command: an EXEC may run scripts. Not while a busy script
  // lets others in: the flag is the running script's.)
  if (!scripts_->busy() && !functions_->busy()) {
    scripts_->set_oom(oom);
    functions_->set_oom(oom);
  }
  if (oom) {
    const std::string& name = cmd->full_name;
    bool refuse = DeniedOnOom(*cmd, argv);
    if (client.tx.active && name != "exec" && name != "discard" && name != "quit" &&
        name != "reset") {
      refuse = true;
    }
    if (name == "exec") {
      for (const auto& queued : client.tx.queued) {
        const CommandSpec* q = table_.FindForArgv(queued);
        if (q != nullptr && DeniedOnOom(*q, queued)) refuse = true;
      }
    }
    if (refuse) {
      return reject({ErrorKind::kOom, "command not allowed when used memory > 'maxmemory'."});
    }
  }

  // A replica takes writes from its primary only (replica-read-only). An
  // EXEC counts as a write when it would run one, as in Redis.
  const bool writes = replication_ != nullptr && Writes(client, *cmd, kWrite, argv);
  if (writes && ReadOnlyReplicaFor(client)) {
    return reject({ErrorKind::kReadOnly, "You can't write against a read only replica."});
  }
  // min-replicas-to-write: a write is taken only while enough replicas
  // follow closely enough.
  if (writes && !replication_->EnoughReplicas(now)) {
    return reject({ErrorKind::kNoReplicas, "Not enough good replicas to write."});
  }
  // replica-serve-stale-data no: while the link to the primary is down, only
  // commands flagged stale run (INFO, REPLICAOF, PING...); an EXEC runs when
  // all it queued are.
  if (replication_ != nullptr && !config_->values().replica_serve_stale_data &&
      replication_->LinkDown() && DeniedWhenStale(client, *cmd, argv)) {
    return reject({ErrorKind::kMasterDown,
                   "Link with MASTER is down and replica-serve-stale-data is set to 'no'."});
  }
  // Redis's writeCommandsDeniedByDiskError: while the log cannot be
  // written, writes (and PING) are refused; nothing is acknowledged that is
  // not in the log.
  if ((cmd->flags & kWrite) || cmd->full_name == "ping") {
    if (snapshots_ != nullptr && snapshots_->WritesRefused()) {
      return reject(
          {ErrorKind::kMisconf,
           "Redis is configured to save RDB snapshots, but it's currently unable to "
           "persist to disk. Commands that may modify the data set are disabled, because this "
           "instance is configured to report errors during writes if RDB snapshotting fails "
           "(stop-writes-on-bgsave-error option). Please check the Redis logs for details about "
           "the RDB error."});
    }
    std::string err = aof_ != nullptr ? aof_->WriteErrorText() : "";
    if (!err.empty()) return reject({ErrorKind::kMisconf, "Errors writing to the AOF file: " + err});
  }

  // A script past busy-reply-threshold: others may only stop it (SCRIPT
  // KILL, SHUTDOWN NOSAVE) or run what cannot disturb it (allow-busy).
  const LuaScripts* running = scripts_->busy() ? scripts_.get()
                              : functions_->busy() ? functions_.get() : nullptr;
  if (running != nullptr && running->caller() != &client) {
    bool allowed = (cmd->flags & kAllowBusy) != 0;
    if (cmd->full_name == "shutdown") {
      allowed = false;
      for (size_t i = 1; i < argv.size(); i++) {
        if (base::EqualsIgnoreCase(argv[i], "nosave")) allowed = true;
      }
    }
    if (!allowed) {
      return reject({ErrorKind::kBusy, std::string("Redis is busy running a script. You can only "
                                                   "call ") +
                                           (running == functions_.get() ? "FUNCTION" : "SCRIPT") +
                                           " KILL or SHUTDOWN NOSAVE."});
    }
  }

  // RESP2 subscribe mode: the connection carries messages, so only commands
  // whose replies cannot be confused with them.
  if (client.resp == 2 && client.subs.any() && cmd->full_name != "ping" &&
      cmd->full_name != "subscribe" && cmd->full_name != "ssubscribe" &&
      cmd->full_name != "unsubscribe" && cmd->full_name != "sunsubscribe" &&
      cmd->full_name != "psubscribe" && cmd->full_name != "punsubscribe" &&
      cmd->full_name != "quit" && cmd->full_name != "reset") {
    return reject(Err("Can't execute '" + cmd->full_name +
                      "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are "
                      "allowed in this context"));
  }

  // Between MULTI and EXEC everything but these is queued (UNWATCH too).
  // CLIENT PAUSE: the command waits, parked like a blocked one, and runs
  // when the pause ends (ResumePaused). Under WRITE only what may write
  // waits (EXEC: if what it would run may).
  if (PausedFor(client, *cmd, now)) {
    client.blocked = true;
    paused_.push_back({&client, argv});
    return false;
  }

  return ExecuteChecked(client, *cmd, argv, out, now);
}

bool Engine::Reject(ClientState& client, const CommandSpec* cmd, const ErrorReply& e,
                    protocol::RespWriter& out) {
  if (cmd != nullptr && cmd->full_name == "exec") {
    server_.stats.CountError("EXECABORT");
    DiscardTransaction(client, watches_);
    out.Error(ErrorReply{ErrorKind::kExecAbort,
                         "Transaction discarded because of: " +
                             (e.kind == ErrorKind::kErr ? e.message : e.Text())}
                  .Text());
    return false;
  }
  server_.stats.CountError(e.Text());
  if (cmd != nullptr) CommandStatOf(*cmd).rejected_calls++;
  if (client.tx.active) client.tx.aborted = true;
  out.Error(e.Text());
  return false;
}

bool Engine::ExecuteChecked(ClientState& client, const CommandSpec& spec,
                            std::vector<std::string>& argv, protocol::RespWriter& out,
                            int64_t now) {
  const CommandSpec* cmd = &spec;
  if (client.tx.active && cmd->full_name != "exec" && cmd->full_name != "discard" &&
      cmd->full_name != "multi" && cmd->full_name != "watch" && cmd->full_name != "quit" &&
      cmd->full_name != "reset") {
    if (cmd->flags & kNoMulti) {
      return Reject(client, cmd, Err("Command not allowed inside a transaction"), out);
    }
    client.tx.queued.push_back(argv);
    out.Simple("QUEUED");
    return false;
  }

  client.last_command = cmd->full_name;
  server_.stats.total_commands_processed++;
  // The lazyfree-lazy-* options as they are now (CONFIG SET may change
  // them between any two commands).
  FreePolicy& policy = keyspace_.free_policy();
  policy.server_del = config_->values().lazyfree_lazy_server_del;
  policy.expire = config_->values().lazyfree_lazy_expire;
  SyncAccessPolicy();
  policy.replica = replication_ != nullptr && replication_->IsReplica();
  policy.primary_client = client.primary_link;
  const RunResult r = Run(*cmd, client, argv, out, /*woken_by=*/nullptr, now);
  if (replication_ != nullptr) client.woff = replication_->Offset();
  // (A log being replayed wakes no one: the command that replays it does,
  // once the log is open again and their pops can be logged.)
  if (!loading_) ServeBlocked();
  return r.logged;
}

Engine::RunResult Engine::Run(const CommandSpec& cmd, ClientState& client,
                              std::vector<std::string>& argv, protocol::RespWriter& out,
                              const std::string* woken_by, int64_t now, bool may_block) {
  CommandContext ctx(cmd, client, out, keyspace_, *config_, table_, server_, blocked_, watches_,
                     tracking_, pubsub_, *scripts_, *functions_, *acl_, now, aof_, snapshots_,
                     replication_);
  ctx.woken = woken_by != nullptr;
  if (woken_by != nullptr) ctx.woken_key = *woken_by;
  ctx.may_block = may_block;
  ctx.obeys = loading_ || client.primary_link;
  const int db_before = client.db;
  const bool group = (cmd.flags & kRunsCommands) != 0;
  if (group) hold_depth_++;
  // Redis shows a script to monitors before the commands it runs (its
  // skip-monitor flag is about the generic feed, which it bypasses).
  if (!server_.monitors.empty() && IsScriptCall(cmd) && !loading_) FeedMonitors(cmd, client, argv);
  const uint64_t errors_before = server_.stats.total_error_replies;
  const int64_t started_us = base::MonotonicUs();
  const ColdTier::CommandMark cold_mark = cold_.BeginCommand((cmd.flags & kReadonly) != 0);
  cmd.handler(ctx, ArgList(argv));
  cold_.EndCommand(cold_mark, keyspace_, now, ctx.dirty() > 0);
  // (A replayed log is not traffic: no stats, SLOWLOG or MONITOR, as Redis.)
  if (!loading_) {
    RecordCall(cmd, client, argv, base::MonotonicUs() - started_us,
               server_.stats.total_error_replies != errors_before, now);
  }
  server_.dirty += ctx.dirty();
  if (tracking_.any() && (cmd.flags & kReadonly)) TrackReadKeys(cmd, client, ArgList(argv));
  // Key-miss events (class m): a read command's keys that are not there, as
  // Redis's lookupKeyRead reports them (OBJECT looks without notifying).
  if ((config_->values().notify_keyspace_events & notify::kKeyMiss) && (cmd.flags & kReadonly) &&
      cmd.full_name.rfind("object|", 0) != 0) {
    std::vector<int> positions;
    if (GetKeys(cmd, ArgList(argv), &positions)) {
      for (int p : positions) {
        const std::string& key = argv[static_cast<size_t>(p)];
        if (keyspace_.db(db_before).entries().Find(key) == nullptr) {
          NotifyKeyspaceEvent(pubsub_, config_->values().notify_keyspace_events,
                              notify::kKeyMiss, "keymiss", key, db_before);
        }
      }
    }
  }
  // Commands that name what they changed (Notify) touched those keys; for
  // any other write, every key it may write counts as changed.
  if (ctx.dirty() > 0 && !ctx.notified() && (!watches_.empty() || tracking_.any())) {
    TouchWrittenKeys(cmd, ArgList(argv), db_before);
  }

  RunResult r;
  if (ctx.exec_requested()) {
    RunTransaction(client, out);
    if (!server_.monitors.empty() && !loading_) FeedMonitors(cmd, client, argv);
  }
  if (group) {
    PropagateExpired();
    r.logged = ReleaseHeld();
    return r;
  }
  if (const auto& req = ctx.block_request()) {
    r.blocked = true;
    if (!ctx.woken) {
      blocked_.Park({.client = &client, .db = client.db, .keys = req->keys, .type = req->type,
                     .deadline_ms = req->deadline_ms, .cmd = &cmd,
                     .argv = req->argv.empty() ? argv : req->argv});
      if (req->deadline_ms != 0 && on_block_deadline_) on_block_deadline_(req->deadline_ms);
    }
  }
  // Expirations found while running the command go first: a replay must
  // delete the expired key before the command that saw it missing.
  PropagateExpired();
  if (!Propagating() || ctx.dirty() == 0) return r;
  if (!ctx.propagated().empty()) {
    CAIRN_CHECK(cmd.flags & kCustomPropagation);
    for (const auto& p : ctx.propagated()) Emit(db_before, p);
  } else {
    Emit(db_before, argv);
  }
  r.logged = hold_depth_ == 0 && sink_ != nullptr;
  return r;
}

void Engine::ServeBlocked() {
  // Serving a client may store keys others wait on (BLMOVE pushes): keep
  // going until nothing is ready.
  while (blocked_.has_ready()) {
    for (auto& [db, key] : blocked_.TakeReady()) {
      for (uint64_t id : blocked_.Waiters(db, key)) {
        const BlockedClients::Wait* w = blocked_.Find(id);
        if (w == nullptr) continue;  // served from another key meanwhile
        const Entry* e = keyspace_.db(db).entries().Find(key);
        // A stream's waiters run again even when it is gone or became
        // another type: XREADGROUP answers that its stream no longer
        // exists, as Redis does.
        if (e == nullptr && w->type != ValueType::kStream) break;  // taken whole earlier
        if (e != nullptr && e->value.type != w->type && w->type != ValueType::kStream) continue;
        ClientState& client = *w->client;
        std::vector<std::string> argv = w->argv;
        std::string reply;
        protocol::RespWriter out(&reply, client.resp);
        const int saved_db = client.db;
        client.db = w->db;
        const RunResult r = Run(*w->cmd, client, argv, out, &key, base::NowMs());
        client.db = saved_db;
        if (!r.blocked) blocked_.Finish(client, std::move(reply), r.logged);
      }
    }
  }
}

void Engine::ExpireBlocked(int64_t now_ms) { blocked_.ExpireTimeouts(now_ms); }

}  // namespace cairn::engine
