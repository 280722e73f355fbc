// ColdStore: where the cold tier keeps values that left memory (issue 15;
// design in doc/cold-tier.md). A RocksDB database in the data directory's
// `cold/` folder, holding each cold value as the RDB value codec encodes
// it, under a 64-bit id that the key's in-memory stub carries, so that
// RENAME, MOVE, SWAPDB and expiry never touch the disk.
//
// The log is the source of truth: RocksDB runs without its own WAL, and a
// store opened at start-up is emptied (the cold tier is rebuilt as the
// snapshot and log are loaded under maxmemory). Its tuning, and why, is in
// doc/cold-tier.md.
//
// Engine thread only, except Delete and stats (any thread: RocksDB is
// thread-safe, and the lazy-free thread frees stubs). A forked child never calls into
// this store: it reads a checkpoint (Checkpoint, ColdReader).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"

namespace rocksdb {
class Cache;
class DB;
}  // namespace rocksdb

namespace cairn::engine {

class ColdStore {
 public:
  struct Options {
    std::string dir;                  // created if missing; emptied
    // Blocks read; memtables get up to a quarter as much again.
    size_t block_cache_bytes = 64 << 20;
  };
  static base::Result<std::unique_ptr<ColdStore>> Open(const Options& options);
  ~ColdStore();
  ColdStore(const ColdStore&) = delete;
  ColdStore& operator=(const ColdStore&) = delete;

  // A fresh id for a value about to be stored.
  uint64_t NewId() { return next_id_++; }
  // Every id handed out so far is below this.
  uint64_t next_id() const { return next_id_; }
  base::Status Put(uint64_t id, std::string_view bytes);
  // kNotFound when there is no value under `id`.
  base::Result<std::string> Get(uint64_t id);
  base::Status Delete(uint64_t id);
  // Deletes every value with an id in [from, to): one range tombstone.
  base::Status DeleteRange(uint64_t from, uint64_t to);

  // A consistent copy of the store as it is now, in `dir` (which must not
  // exist): hard links of its files after a flush, for a forked child to
  // read with ColdReader. Then, around the fork itself, background work is
  // paused (PauseBackgroundWork / ContinueBackgroundWork), so that no
  // RocksDB thread holds a lock the child would wait on. (Not before the
  // checkpoint: its flush is background work.)
  base::Status Checkpoint(const std::string& dir);
  void PauseBackgroundWork();
  void ContinueBackgroundWork();

  struct Stats {
    uint64_t puts = 0, gets = 0, deletes = 0;
    uint64_t disk_bytes = 0;  // SST files and memtables
    // What RocksDB holds in RAM: block cache, memtables, table readers.
    uint64_t memory_bytes = 0;
    uint64_t cache_bytes = 0, memtable_bytes = 0;
  };
  Stats stats() const;

 private:
  ColdStore() = default;
  std::unique_ptr<rocksdb::DB> db_;
  std::shared_ptr<rocksdb::Cache> cache_;
  uint64_t next_id_ = 1;
  std::atomic<uint64_t> puts_{0}, gets_{0}, deletes_{0};
};

// A checkpoint opened read-only, in a process of its own (the snapshot
// child): its own RocksDB instance, never the parent's.
class ColdReader {
 public:
  static base::Result<std::unique_ptr<ColdReader>> Open(const std::string& dir);
  ~ColdReader();
  ColdReader(const ColdReader&) = delete;
  ColdReader& operator=(const ColdReader&) = delete;
  base::Result<std::string> Get(uint64_t id);

 private:
  ColdReader() = default;
  std::unique_ptr<rocksdb::DB> db_;
};

}  // namespace cairn::engine
