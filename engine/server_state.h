// Process-wide facts and counters that INFO, HELLO and SHUTDOWN need, kept
// apart from the keyspace and the connections so commands get exactly this
// much of "the server" and no more.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <unordered_map>
#include <vector>
#include <string>
#include <string_view>

#include "engine/ops/latency_histogram.h"
#include "engine/ops/latency_monitor.h"
#include "engine/ops/slowlog.h"

namespace cairn::engine {

inline constexpr const char* kRedisVersion = "7.0.15";  // what we answer as; see README
inline constexpr const char* kCairnVersion = "0.1.0";

// INFO commandstats: one command's (or subcommand's) counters.
struct CommandStat {
  std::string name;  // full name ("get", "config|set")
  uint64_t calls = 0;
  uint64_t usec = 0;
  uint64_t rejected_calls = 0;  // refused before running (arity, auth, MULTI...)
  uint64_t failed_calls = 0;    // ran and answered an error
  // latency-tracking: LATENCY HISTOGRAM, INFO latencystats (made on first call).
  std::unique_ptr<LatencyHistogram> latency;
};

// INFO's instantaneous_* figures, as Redis's trackInstantaneousMetric keeps
// them: the rate between each of the last 16 samples (taken every 100 ms),
// averaged.
struct InstantaneousMetric {
  static constexpr int kSamples = 16;
  double rates[kSamples] = {};
  int next = 0;
  int64_t last_ms = 0;
  uint64_t last_value = 0;
  void Sample(int64_t now_ms, uint64_t value) {
    if (last_ms != 0 && now_ms > last_ms) {
      rates[next] = static_cast<double>(value - last_value) * 1000.0 /
                    static_cast<double>(now_ms - last_ms);
      next = (next + 1) % kSamples;
    }
    last_ms = now_ms;
    last_value = value;
  }
  double Rate() const {
    double sum = 0;
    for (double r : rates) sum += r;
    return sum / kSamples;
  }
};

struct ServerStats {
  uint64_t total_connections_received = 0;
  uint64_t total_commands_processed = 0;
  uint64_t rejected_connections = 0;
  uint64_t keyspace_hits = 0;
  uint64_t keyspace_misses = 0;
  uint64_t expired_keys = 0;
  uint64_t evicted_keys = 0;
  // Time spent over maxmemory (INFO's *_eviction_exceeded_time): before
  // the current stretch, and when that began (0: under it now).
  int64_t eviction_exceeded_ms = 0;
  int64_t eviction_over_since_ms = 0;
  uint64_t total_net_input_bytes = 0;
  uint64_t total_net_output_bytes = 0;
  uint64_t total_error_replies = 0;
  uint64_t total_reads_processed = 0;   // socket reads
  uint64_t total_writes_processed = 0;  // socket writes
  uint64_t sync_full = 0;          // full resyncs served to replicas
  uint64_t sync_partial_ok = 0;    // PSYNCs answered +CONTINUE
  uint64_t sync_partial_err = 0;   // PSYNCs that had to fall back to a full resync
  uint64_t total_net_repl_output_bytes = 0;  // the replication stream, RDBs included
  InstantaneousMetric ops_per_sec, input_per_sec, output_per_sec;
  // INFO errorstats: error replies by their first word (ERR, WRONGTYPE...).
  std::map<std::string, uint64_t, std::less<>> errorstats;
  // Keyed by the command's CommandSpec (a pointer hash: one lookup per
  // command on the hot path).
  std::unordered_map<const void*, CommandStat> commandstats;

  // Counts one error reply whose text (without '-') is `text`.
  void CountError(std::string_view text) {
    total_error_replies++;
    const std::string_view code = text.substr(0, text.find(' '));
    auto it = errorstats.find(code);
    if (it == errorstats.end()) it = errorstats.emplace(std::string(code), 0).first;
    it->second++;
  }
};

enum class ShutdownRequest { kNone, kDefault, kSave, kNoSave };

// CLIENT PAUSE: what is paused, milder to stricter.
enum class PauseType { kNone, kWrite, kAll };

struct ServerState {
  std::string run_id;  // 40 hex chars, random per start
  std::string replid;  // the replication ID (PSYNC, INFO replication)
  // A forked child writes the RDB for replicas' full resync: no BGSAVE or
  // log rewrite forks meanwhile (one child at a time, as Redis).
  bool sync_child_running = false;
  std::string executable;
  std::string config_file;
  int64_t start_ms = 0;
  uint64_t next_client_id = 1;
  size_t connected_clients = 0;
  // Every connected client by id (CLIENT LIST); owned by the connections.
  std::map<uint64_t, struct ClientState*> clients;
  // Clients in MONITOR mode, in the order they entered it.
  std::vector<struct ClientState*> monitors;
  int tcp_port = 0;
  ServerStats stats;
  uint64_t dirty = 0;  // writes since start (Redis's server.dirty)
  ShutdownRequest shutdown = ShutdownRequest::kNone;
  bool active_expire = true;  // DEBUG SET-ACTIVE-EXPIRE
  PauseType pause_type = PauseType::kNone;  // CLIENT PAUSE, until pause_end_ms
  int64_t pause_end_ms = 0;
  // FAILOVER pauses writes until it is over; CLIENT UNPAUSE does not end it.
  bool failover_pause = false;
  bool ClientPaused(int64_t now_ms) const {
    return pause_type != PauseType::kNone && now_ms < pause_end_ms;
  }
  bool Paused(int64_t now_ms) const { return failover_pause || ClientPaused(now_ms); }
  size_t used_memory_peak = 0;     // INFO memory, MEMORY STATS
  size_t used_memory_startup = 0;  // before any data was loaded
  SlowLog slowlog;
  LatencyMonitor latency;
  // Start-up loading: keys and log records loaded so far, and a hook told
  // every kLoadingReportEvery of them (the server reports to systemd).
  uint64_t loading_items = 0;
  std::function<void(uint64_t)> on_loading_progress;
  static constexpr uint64_t kLoadingReportEvery = 1 << 20;
  void LoadedOne() {
    if (++loading_items % kLoadingReportEvery == 0 && on_loading_progress) {
      on_loading_progress(loading_items);
    }
  }
};

}  // namespace cairn::engine
