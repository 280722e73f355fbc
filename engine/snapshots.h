// Snapshots: SAVE, BGSAVE (a forked child writes the dataset as it was at
// the fork, so the engine keeps serving and later writes do not change the
// snapshot), automatic saves from the `save` points, LASTSAVE, loading
// dump.rdb at start-up, and INFO's rdb_* fields. The file is written to a
// temp name, fsynced, renamed over `dbfilename`, and the directory fsynced:
// a crash never leaves a half file under the real name.
//
// Only one child runs at a time, shared with the AOF rewrite (Aof).
// Engine thread only.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "base/status.h"
#include "snapshot/rdb_file.h"

namespace cairn::engine {

class Engine;
class Keyspace;
struct ConfigValues;

// Loads the FUNCTION libraries an RDB file carried (replacing same-named
// ones); Corruption naming `file` when one does not load.
base::Status LoadFunctions(Engine& engine, const std::vector<std::string>& codes,
                           const std::string& file);
// Writes every live key of `keyspace` as an RDB file at `path` (not atomic;
// callers rename). Used by SAVE, the BGSAVE child and the AOF rewrite.
base::Status WriteRdbFile(const std::string& path, const Keyspace& keyspace,
                          const snapshot::RdbWriteOptions& options, int64_t now_ms);
// The same into `w`, opened or attached, and finished.
base::Status WriteRdb(snapshot::RdbFileWriter& w, const Keyspace& keyspace, int64_t now_ms);

// Aux fields Redis 7.0 writes, plus Cairn's own.
snapshot::RdbWriteOptions RdbOptionsFor(const Engine& engine, bool aof_base);

// The encoding limits loaded collections are converted under (RDB files,
// the log's RDB base, RESTORE): the live configuration, as Redis uses.
snapshot::LoadLimits LoadLimitsFor(const ConfigValues& v);

class Snapshots {
 public:
  explicit Snapshots(Engine* engine);
  ~Snapshots();
  Snapshots(const Snapshots&) = delete;
  Snapshots& operator=(const Snapshots&) = delete;

  // Start-up with appendonly no, and DEBUG RELOAD: loads `dbfilename` into
  // the (empty) keyspace when the file exists.
  base::Status Load();

  // SAVE: blocking. Returns "" or the error text for the client.
  std::string Save();
  // BGSAVE [SCHEDULE]: "" when started (or scheduled; *scheduled set), else
  // the error text.
  std::string StartBgsave(bool schedule, bool* scheduled);
  bool bgsave_in_progress() const { return child_pid_ > 0; }
  int64_t lastsave_sec() const { return lastsave_ms_ / 1000; }
  // True when stop-writes-on-bgsave-error should refuse writes now.
  bool WritesRefused() const;

  // Reaps the child, runs scheduled and automatic saves.
  void Cron(int64_t now_ms);
  std::string Info(int64_t now_ms) const;

 private:
  std::string TempName(pid_t pid) const;
  void Done(bool ok, int64_t now_ms);
  bool SavePointReached(int64_t now_ms) const;

  Engine* engine_;
  pid_t child_pid_ = -1;
  int64_t child_start_ms_ = 0;
  uint64_t dirty_at_child_start_ = 0;
  bool scheduled_ = false;
  int64_t lastsave_ms_ = 0;
  int64_t last_attempt_ms_ = 0;
  uint64_t dirty_at_save_ = 0;
  bool last_bgsave_ok_ = true;
  int64_t last_bgsave_time_sec_ = -1;
  uint64_t saves_ = 0;
  uint64_t loaded_keys_ = 0;
  uint64_t loaded_expired_ = 0;
};

}  // namespace cairn::engine
