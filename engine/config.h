// Server configuration: one table of options (name, type, default, bounds,
// whether CONFIG SET may change it) over one struct of typed values. The
// config file, `--name value` arguments, CONFIG GET and CONFIG SET all go
// through this table, with Redis 7.0's names, value syntax and error texts.
//
// Single-threaded: owned by the engine thread after start-up.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace cairn::engine {

enum class FsyncPolicy { kAlways = 0, kEverysec = 1, kNo = 2 };

struct ConfigValues {
  int64_t port = 6379;
  std::string bind;
  std::string dir;
  std::string logfile;
  int64_t loglevel = 2;  // index into {debug, verbose, notice, warning}
  bool daemonize = false;
  bool protected_mode = true;
  int64_t databases = 16;
  int64_t maxclients = 10000;
  int64_t timeout = 0;
  int64_t tcp_keepalive = 300;
  int64_t tcp_backlog = 511;
  int64_t hz = 10;
  int64_t proto_max_bulk_len = 512LL * 1024 * 1024;
  int64_t client_query_buffer_limit = 1024LL * 1024 * 1024;
  bool appendonly = true;
  int64_t appendfsync = 0;  // FsyncPolicy
  std::string appendfilename;
  std::string appenddirname;
  std::string dbfilename;
  std::string save;  // "3600 1 300 100", or "" for no snapshots
  bool aof_load_truncated = true;
  int64_t auto_aof_rewrite_percentage = 100;
  int64_t auto_aof_rewrite_min_size = 64LL * 1024 * 1024;
  bool aof_use_rdb_preamble = true;
  bool rdbcompression = true;
  bool rdbchecksum = true;
  bool stop_writes_on_bgsave_error = true;
  int64_t enable_debug_command = 0;  // index into {no, yes, local}
  // Accepted and reported for Redis's tooling; they take effect as the
  // types and features they tune arrive.
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
  int64_t maxmemory = 0;
  int64_t maxmemory_policy = 7;  // noeviction
  int64_t maxmemory_samples = 5;
  std::string notify_keyspace_events;

  FsyncPolicy fsync_policy() const { return static_cast<FsyncPolicy>(appendfsync); }
};

class Config {
 public:
  Config();  // every option at its default
  Config(const Config&) = delete;
  Config& operator=(const Config&) = delete;

  const ConfigValues& values() const { return values_; }

  // Sets one option from its text form, as the config file and `--name
  // value` give it. `loading` is true at start-up (immutable options may be
  // set, and repeated `save` lines accumulate as in redis.conf).
  // Errors carry Redis's CONFIG SET reason text ("argument must be 'yes' or
  // 'no'"); kNotFound means no such option.
  base::Status Set(std::string_view name, std::string_view value, bool loading);

  // Parses a redis.conf-style text (one directive per line, quoted args).
  // Errors name the line: "line 3: unknown option 'foo'".
  base::Status LoadText(std::string_view text);
  // Parses `--name value [value…]` arguments (argv without the program and
  // the config file).
  base::Status LoadArgs(std::span<const std::string> args);

  // CONFIG GET: every (name, value) matching any of the glob patterns, once.
  std::vector<std::pair<std::string, std::string>> Get(
      std::span<const std::string> patterns) const;

  // CONFIG SET name value [name value …]: all or nothing. On failure returns
  // the full Redis error message (without the "ERR " prefix).
  bool SetFromClient(std::span<const std::string> args, std::string* error);

 private:
  ConfigValues values_;
};

}  // namespace cairn::engine
