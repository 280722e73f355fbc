// Server configuration: one table of every option redis-server 7.0.15 has
// (name, alias, type, default, bounds, flags) over one struct of typed
// values. The config file, `--name value` arguments, CONFIG GET and CONFIG
// SET all go through this table, with Redis 7.0's names, value syntax,
// formats and error texts. Options Cairn uses have a typed member below;
// the others (accepted, validated and reported, with no effect in Cairn:
// README.md lists them and why) keep their value as CONFIG GET shows it.
// The file grammar (lines, quoting, include, the command line) is in
// engine/config_file.h.
//
// Single-threaded: owned by the engine thread after start-up.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace cairn::engine {

// In the order Redis lists appendfsync's choices (its errors show them so).
enum class FsyncPolicy { kEverysec = 0, kAlways = 1, kNo = 2 };

// client-output-buffer-limit, per client class (normal, replica, pubsub).
enum class ClientClass { kNormal = 0, kReplica = 1, kPubsub = 2 };
struct BufferLimit {
  int64_t hard = 0;
  int64_t soft = 0;
  int64_t soft_seconds = 0;
  // Whether `pending` bytes waiting for a client break the limit now: the
  // hard one, or the soft one held for soft_seconds (Redis's
  // checkClientOutputBufferLimits). *soft_since_ms: when the client went
  // over the soft limit (0: it is not), kept by the caller per client.
  bool Exceeded(int64_t pending, int64_t now_ms, int64_t* soft_since_ms) const {
    bool over = hard > 0 && pending >= hard;
    if (soft > 0 && pending >= soft) {
      if (*soft_since_ms == 0) *soft_since_ms = now_ms;
      if (now_ms - *soft_since_ms >= soft_seconds * 1000) over = true;
    } else {
      *soft_since_ms = 0;
    }
    return over;
  }
};

// notify-keyspace-events flags, as Redis numbers them (notify.c).
namespace notify {
inline constexpr int kKeyspace = 1 << 0;  // K
inline constexpr int kKeyevent = 1 << 1;  // E
inline constexpr int kGeneric = 1 << 2;   // g
inline constexpr int kString = 1 << 3;    // $
inline constexpr int kList = 1 << 4;      // l
inline constexpr int kSet = 1 << 5;       // s
inline constexpr int kHash = 1 << 6;      // h
inline constexpr int kZset = 1 << 7;      // z
inline constexpr int kExpired = 1 << 8;   // x
inline constexpr int kEvicted = 1 << 9;   // e
inline constexpr int kStream = 1 << 10;   // t
inline constexpr int kKeyMiss = 1 << 11;  // m
inline constexpr int kModule = 1 << 12;   // d
inline constexpr int kNewKey = 1 << 13;   // n
// A: every type class (not m, n, K or E).
inline constexpr int kAll = kGeneric | kString | kList | kSet | kHash | kZset | kExpired |
                            kEvicted | kStream | kModule;
}  // namespace notify

// repl-log-retention: how much of the log a rewrite leaves on disk for
// replicas to resume from (replication/primary.h): a size ("1gb", memory
// units as everywhere) or an age ("24h"; s, min, h, d); "0" keeps nothing.
struct LogRetention {
  uint64_t bytes = 0;
  int64_t seconds = 0;
  bool keeps() const { return bytes > 0 || seconds > 0; }
};
std::optional<LogRetention> ParseLogRetention(std::string_view s);

struct ConfigValues {
  // Network and process.
  int64_t port = 6379;
  std::vector<std::string> bind;  // addresses; "-" prefix: optional
  std::string unixsocket;
  int64_t unixsocketperm = 0;
  bool protected_mode = true;
  int64_t tcp_backlog = 511;
  int64_t tcp_keepalive = 300;
  int64_t timeout = 0;
  int64_t tracking_table_max_keys = 1000000;
  int64_t maxclients = 10000;
  bool daemonize = false;
  std::string pidfile;
  int64_t supervised = 3;  // index into {upstart, systemd, auto, no}
  std::string logfile;
  int64_t loglevel = 2;  // index into {debug, verbose, notice, warning}
  bool syslog_enabled = false;
  std::string syslog_ident;
  int64_t syslog_facility = 1;  // index into {user, local0, ..., local7}
  int64_t hz = 10;
  int64_t databases = 16;
  std::string requirepass;
  int64_t acl_pubsub_default = 1;  // index into {allchannels, resetchannels}
  std::string aclfile;
  int64_t acllog_max_len = 128;
  int64_t enable_debug_command = 0;      // index into {no, yes, local}
  int64_t enable_module_command = 0;     // index into {no, yes, local}
  int64_t enable_protected_configs = 0;  // index into {no, yes, local}
  // Protocol limits.
  int64_t proto_max_bulk_len = 512LL * 1024 * 1024;
  int64_t client_query_buffer_limit = 1024LL * 1024 * 1024;
  std::array<BufferLimit, 3> client_output_buffer_limit{
      BufferLimit{0, 0, 0}, BufferLimit{256LL << 20, 64LL << 20, 60},
      BufferLimit{32LL << 20, 8LL << 20, 60}};
  // Persistence.
  bool appendonly = true;
  int64_t appendfsync = 1;  // FsyncPolicy
  std::string appendfilename;
  std::string appenddirname;
  std::string dbfilename;
  std::vector<std::pair<int64_t, int64_t>> save;  // (seconds, changes)
  bool aof_load_truncated = true;
  int64_t auto_aof_rewrite_percentage = 100;
  int64_t auto_aof_rewrite_min_size = 64LL * 1024 * 1024;
  bool aof_use_rdb_preamble = true;
  bool rdbcompression = true;
  bool rdbchecksum = true;
  bool stop_writes_on_bgsave_error = true;
  // Types and keyspace.
  int64_t list_max_listpack_size = -2;
  int64_t list_compress_depth = 0;
  int64_t set_max_intset_entries = 512;
  int64_t hash_max_listpack_entries = 512;
  int64_t hash_max_listpack_value = 64;
  int64_t zset_max_listpack_entries = 128;
  int64_t zset_max_listpack_value = 64;
  int64_t stream_node_max_bytes = 4096;
  int64_t stream_node_max_entries = 100;
  int64_t hll_sparse_max_bytes = 3000;
  int64_t active_expire_effort = 1;
  bool lazyfree_lazy_expire = false;
  bool lazyfree_lazy_server_del = false;
  bool jemalloc_bg_thread = true;
  int64_t slowlog_log_slower_than = 10000;  // µs; negative: off
  int64_t slowlog_max_len = 128;
  int64_t latency_monitor_threshold = 0;  // ms; 0: off
  bool latency_tracking = true;
  bool lazyfree_lazy_user_del = false;
  bool lazyfree_lazy_user_flush = false;
  int64_t maxmemory = 0;
  int64_t maxmemory_policy = 7;  // noeviction
  int64_t maxmemory_samples = 5;
  int64_t maxmemory_eviction_tenacity = 10;
  int64_t lfu_log_factor = 10;
  int64_t lfu_decay_time = 1;
  bool lazyfree_lazy_eviction = false;
  bool replica_ignore_maxmemory = true;
  int notify_keyspace_events = 0;  // notify:: flags
  // Replication.
  int64_t min_replicas_to_write = 0;
  int64_t min_replicas_max_lag = 10;
  int64_t repl_backlog_size = 1 << 20;
  bool repl_diskless_sync = true;
  int64_t repl_diskless_sync_delay = 5;  // s
  int64_t repl_diskless_sync_max_replicas = 0;
  std::string repl_log_retention = "1gb";  // ParseLogRetention
  int64_t repl_ping_replica_period = 10;
  int64_t repl_timeout = 60;
  bool replica_read_only = true;
  bool replica_serve_stale_data = true;
  int64_t tls_port = 0;  // (the other tls-* options: frontend/tls.cc reads `other`)
  // Cairn refuses to start with it on (no cluster mode).
  bool cluster_enabled = false;
  // Everything else, as CONFIG GET shows it (canonical name -> value).
  std::map<std::string, std::string, std::less<>> other;
  // One of `other`, as CONFIG GET shows it ("" for a name not there).
  const std::string& Other(std::string_view name) const {
    static const std::string kNone;
    auto it = other.find(name);
    return it == other.end() ? kNone : it->second;
  }

  FsyncPolicy fsync_policy() const { return static_cast<FsyncPolicy>(appendfsync); }
  const BufferLimit& output_limit(ClientClass c) const {
    return client_output_buffer_limit[static_cast<size_t>(c)];
  }
};

// A `rename-command` line, applied once the command table exists; where it
// came from, to report a bad one as Redis does.
struct CommandRename {
  std::string from, to;
  std::string source;
  int line = 0;
  std::string text;
};

class Config {
 public:
  Config();  // every option at its default
  Config(const Config&) = delete;
  Config& operator=(const Config&) = delete;

  const ConfigValues& values() const { return values_; }
  // Grows whenever a value may have changed (Apply, CONFIG SET, the end of
  // a load): what depends on the configuration knows when to look again.
  uint64_t generation() const { return generation_; }

  // One directive as a config line gives it: `name` (any case) and its
  // arguments. While `loading`, immutable options may be set and the
  // first `save` line replaces the default (BeginLoad() starts a load).
  // Errors carry Redis's reason text ("argument must be 'yes' or 'no'",
  // "wrong number of arguments"); kNotFound means no such option.
  base::Status Apply(std::string_view name, std::span<const std::string> args, bool loading);
  void BeginLoad() { save_seen_ = false; }

  // CONFIG GET: every (name, value) matching any of the glob patterns, once.
  std::vector<std::pair<std::string, std::string>> Get(
      std::span<const std::string> patterns) const;

  // CONFIG SET name value [name value …]: all or nothing. On failure returns
  // the full Redis error message (without the "ERR " prefix). `local`: the
  // client is on loopback or a unix socket (enable-protected-configs local).
  bool SetFromClient(std::span<const std::string> args, bool local, std::string* error);

  // Run by SetFromClient with the values before and after a change, before
  // it is kept, for changes that must take effect outside the table
  // (listening again on a new port). Returns "" or the reason the change
  // cannot take effect, setting *option to the option to name; nothing
  // changes then.
  using ApplyHook = std::function<std::string(const ConfigValues& before,
                                              const ConfigValues& after, std::string* option)>;
  void set_apply_hook(ApplyHook hook) { apply_hook_ = std::move(hook); }

  // Checks Redis makes once a whole configuration is read (and clamps hz).
  // Errors are Redis's texts, reported without a line.
  base::Status FinishLoad();

  // rename-command lines read, in order.
  const std::vector<CommandRename>& renames() const { return renames_; }
  void AddRename(CommandRename r) { renames_.push_back(std::move(r)); }
  // `user ...` lines read (ACL users declared in the configuration file).
  const std::vector<std::vector<std::string>>& user_lines() const { return user_lines_; }
  void AddUserLine(std::vector<std::string> words) { user_lines_.push_back(std::move(words)); }

  // CONFIG REWRITE: the configuration file at `path` brought up to date as
  // Redis rewrites it. Each option's lines are rewritten in place (the
  // first line that set it; more lines for save and
  // client-output-buffer-limit take the next ones), lines left over are
  // emptied, options away from their defaults that the file did not name
  // are added after "# Generated by CONFIG REWRITE"; comments, unknown and
  // other directives (include, rename-command) stay. `users`: the ACL
  // users' lines when there is no aclfile (they replace `user` lines).
  // Written to a temporary file, synced, then renamed over the old one.
  base::Status Rewrite(const std::string& path, const std::vector<std::string>& users) const;

  // Every option's canonical name and default (as CONFIG GET shows it),
  // hidden ones included, and the aliases: for cairn.conf's test.
  struct OptionInfo {
    std::string_view name;
    std::string_view alias;
    std::string default_value;
    bool hidden;
    bool immutable;
  };
  static std::vector<OptionInfo> Options();

 private:
  ConfigValues values_;
  uint64_t generation_ = 0;
  bool save_seen_ = false;
  std::vector<std::vector<std::string>> user_lines_;
  std::vector<CommandRename> renames_;
  ApplyHook apply_hook_;
};

}  // namespace cairn::engine
