// ColdTier: the values that left memory under `maxmemory-policy cold-lru`
// (issue 15; design in doc/cold-tier.md). A spilled value is encoded by the
// RDB value codec (type byte and body, as in an RDB file), stored in the
// ColdStore under a fresh id, and replaced in its key's node by a stub
// (types::Value::Cold) that keeps the type, the string form and the access
// field. Reading the value (Db::Find) promotes it back; commands that need
// only the key (EXISTS, TYPE, TTL, DEL, RENAME...) use Db::FindKey and
// never read the store.
//
// The log is the source of truth: the store is emptied at start-up and
// rebuilt as the snapshot and log load under maxmemory. A failed read of
// the store is fatal (the process exits and is rebuilt from the log): a
// command must not answer without the value it asked for, nor drop it.
//
// A forked child (BGSAVE, AOF rewrite, full resync) never calls the
// parent's RocksDB: Fork() checkpoints the store before the fork and the
// child reads the checkpoint through its own read-only instance.
//
// Engine thread only, except Release (types::ColdHooks), which the
// lazy-free thread may call: its ids are queued, and deleted from the
// engine thread, so that no other thread writes to RocksDB (a write in
// flight at a fork could leave a lock held in the child).
#pragma once

#include <sys/types.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "base/status.h"
#include "engine/memory/cold_store.h"
#include "snapshot/value_codec.h"
#include "types/value.h"

namespace cairn::engine {

class Keyspace;

class ColdTier : public types::ColdHooks {
 public:
  ColdTier();
  ~ColdTier() override;
  ColdTier(const ColdTier&) = delete;
  ColdTier& operator=(const ColdTier&) = delete;

  // Where the store lives: an absolute path, so that CONFIG SET dir does
  // not move it. Checkpoints that a killed server left beside it
  // (`<dir>.fork-*`) are removed.
  void Configure(std::string dir);
  // Its block cache, in bytes: applied when the store is first needed.
  void set_cache_bytes(size_t bytes) { cache_bytes_ = bytes; }
  // How promoted values are converted: by the live encoding limits, as a
  // load converts them.
  void set_limits(const snapshot::LoadLimits& l) { limits_ = l; }

  // Whether `v` is worth spilling: not a stub already, and holding more
  // than its node keeps in place.
  static bool Spillable(const types::Value& v);
  // Moves `v`'s value to the store, leaving a stub. Returns false (and
  // leaves `v` as it was) when the store cannot take it (logged).
  bool Spill(types::Value& v);
  // Replaces the stub `v` (key `key` of database `db`) with its value, read
  // back. Fatal on failure. `idle_s`: seconds since the key's last access.
  //
  // Normally for good: the record goes. But a read-only command, while
  // memory is near maxmemory, only borrows the value unless the key was
  // accessed more recently than what eviction would move out to make room
  // for it (the residence time, set_pressure): EndCommand puts the stub
  // back and the record stays. A key read once (a scan through old data)
  // then costs a read and no write, instead of a promote, the spill of
  // another value to make room, and the compaction of both; read again
  // while it would have stayed in memory, it comes back (LRU-2's rule).
  void Promote(types::Value& v, int db, std::string_view key, int64_t idle_s);

  // Around each command: whether it is read-only (it may borrow), and the
  // values it borrowed, returned at its end. Nested commands (scripts,
  // EXEC) return their own.
  struct CommandMark {
    bool read_only;
    size_t borrowed;
  };
  CommandMark BeginCommand(bool read_only) {
    CommandMark m{read_only_, borrowed_.size()};
    read_only_ = read_only;
    return m;
  }
  // `wrote`: the command changed the dataset after all (PFCOUNT caches a
  // count in the value): what it borrowed stays, as if promoted.
  void EndCommand(const CommandMark& m, Keyspace& ks, int64_t now_ms, bool wrote) {
    if (borrowed_.size() > m.borrowed) ReturnBorrowed(m.borrowed, ks, now_ms, wrote);
    read_only_ = m.read_only;
    if (queued_.load(std::memory_order_relaxed)) DrainReleased();
  }
  // Whether memory is near maxmemory under cold-lru, and for how long the
  // values eviction moves out next have been idle (set by the engine's
  // eviction check before each command).
  void set_pressure(bool on, int64_t residence_s = 0) {
    pressure_ = on;
    residence_s_ = residence_s;
  }
  // The stub's encoded value (type byte, body), from the store or, in a
  // forked child, from its checkpoint. Does not promote.
  base::Result<std::string> Read(const types::Value& stub);
  // The stub's value, decoded (for writers that need the value itself).
  base::Result<types::Value> Load(const types::Value& stub);

  // types::ColdHooks.
  void Release(uint64_t id) override;
  uint64_t Duplicate(uint64_t id) override;

  // From now on, freed stubs leave their records (the server is exiting).
  void Discard() { discarding_ = true; }
  // Every stub is about to go (FLUSHALL, a dataset replaced): the records
  // go at once, in one range, instead of one by one as each stub is freed
  // (seconds for a million cold keys, on the engine thread).
  void DropAll();

  // fork() for a child that may read cold values. In the child the tier
  // reads the checkpoint and never calls the parent's store.
  pid_t Fork();
  // Removes checkpoints whose child has ended (from Cron).
  void Cron();

  // What RocksDB holds in RAM (block cache, memtables, table readers): read
  // by RefreshMemory, estimated in between as spills grow the memtable.
  // Counted beside maxmemory, not in it.
  size_t memory_bytes() const { return memory_bytes_; }
  void RefreshMemory();

  struct Stats {
    uint64_t keys = 0;       // stubs alive
    uint64_t spills = 0, promotes = 0, borrows = 0, reads = 0, read_errors = 0;
    uint64_t spilled_bytes = 0;  // encoded bytes written by spills
    uint64_t disk_bytes = 0, memory_bytes = 0, cache_bytes = 0, memtable_bytes = 0;
    double read_p50_us = 0, read_p99_us = 0, read_p999_us = 0;
  };
  Stats stats() const;
  uint64_t stats_spills() const { return spills_; }

 private:
  base::Status EnsureOpen();
  base::Result<std::string> ReadId(uint64_t id);
  void RecordRead(int64_t us);
  void ReturnBorrowed(size_t from, Keyspace& ks, int64_t now_ms, bool keep);
  // Deletes the records of stubs freed on other threads.
  void DrainReleased();
  bool OnEngineThread() const { return std::this_thread::get_id() == engine_thread_; }

  std::string dir_ = "cold";
  size_t cache_bytes_ = 64 << 20;
  snapshot::LoadLimits limits_;
  std::unique_ptr<ColdStore> store_;
  // In a forked child: the checkpoint's reader (opened when first read).
  bool in_child_ = false;
  std::string child_checkpoint_;
  std::unique_ptr<ColdReader> child_reader_;
  struct Checkpoint {
    pid_t pid;
    std::string dir;
  };
  std::vector<Checkpoint> checkpoints_;
  uint64_t checkpoint_seq_ = 0;

  bool read_only_ = false;
  bool pressure_ = false;
  std::atomic<bool> discarding_{false};  // (read by the lazy-free thread too)
  // Records of ids below this were dropped whole (DropAll).
  std::atomic<uint64_t> dropped_below_{0};
  int64_t residence_s_ = 0;
  struct Borrowed {
    int db;
    std::string key;
    types::ColdRef ref;
    types::ValueType type;
    types::StringForm form;
  };
  std::vector<Borrowed> borrowed_;

  // Whether this tier receives the stubs' hooks: the first one made in a
  // process does (one per server); another could not tell its stubs apart.
  bool hooks_ = false;
  std::thread::id engine_thread_;
  std::mutex released_mu_;
  std::vector<uint64_t> released_;  // ids freed off the engine thread
  std::atomic<bool> queued_{false};

  std::atomic<uint64_t> live_{0};
  uint64_t spills_ = 0, promotes_ = 0, borrows_ = 0, reads_ = 0, read_errors_ = 0;
  uint64_t spilled_bytes_ = 0;
  size_t memory_bytes_ = 0;
  // Read latencies: bucket i counts reads of [2^(i-1), 2^i) µs.
  std::array<uint64_t, 32> read_hist_{};
};

}  // namespace cairn::engine
