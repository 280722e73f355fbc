#include "engine/memory/cold_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/checkpoint.h>
#include <rocksdb/write_buffer_manager.h>

#include <algorithm>
#include <filesystem>
#include <system_error>

namespace cairn::engine {

namespace {

// Ids as 8 big-endian bytes: new values sort after older ones, so that a
// store filled in order writes SSTs that barely overlap.
std::string KeyOf(uint64_t id) {
  std::string k(8, '\0');
  for (int i = 7; i >= 0; i--) {
    k[static_cast<size_t>(i)] = static_cast<char>(id & 0xff);
    id >>= 8;
  }
  return k;
}

// RocksDB's error text never reaches a client: it is logged by the caller
// and the command gets Redis's own error.
base::Status FromRocks(const rocksdb::Status& s, const std::string& what) {
  if (s.ok()) return base::Status::Ok();
  if (s.IsNotFound()) return base::Status::NotFound(what);
  if (s.IsCorruption()) return base::Status::Corruption(what + ": " + s.ToString());
  return base::Status::IoError(what + ": " + s.ToString());
}

rocksdb::Options TunedOptions(const std::shared_ptr<rocksdb::Cache>& cache, size_t budget) {
  rocksdb::Options o;
  o.create_if_missing = true;
  // The store is emptied when it next opens: nothing to save on close.
  o.avoid_flush_during_shutdown = true;
  // No block compression. With LZ4 on, decompressing blocks was 21% of the
  // engine thread under bench/cold.sh's reads (and cold reads run on it),
  // for values that mostly do not compress; without it that workload ran
  // 1.5x faster with a lower p99. The cost is disk: compressible values
  // take their full size there.
  o.compression = rocksdb::kNoCompression;
  o.bottommost_compression = rocksdb::kNoCompression;
  // Two background jobs: a flush need not wait behind a compaction.
  o.max_background_jobs = 2;
  o.level_compaction_dynamic_level_bytes = true;
  // Memtables get a quarter as much again as the block cache, all told (a
  // WriteBufferManager flushes beyond that), so that RocksDB's RAM beside
  // maxmemory is bounded by 1.25x the cache. (Not charged to the cache
  // itself: it reserves in steps of a megabyte, and the engine needs the
  // memtables' exact size to keep maxmemory.) Spills arrive in id order:
  // flushes of small memtables are cheap.
  o.write_buffer_size = std::max<size_t>(2 << 20, budget / 8);
  o.max_write_buffer_number = 2;
  o.write_buffer_manager = std::make_shared<rocksdb::WriteBufferManager>(budget / 4);
  rocksdb::BlockBasedTableOptions t;
  t.block_cache = cache;
  // Point lookups only (Get by id): a bloom filter spares the levels that
  // do not hold the id; whole-key filtering, 10 bits a key (1% false
  // positives).
  t.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10, false));
  t.cache_index_and_filter_blocks = true;
  t.pin_l0_filter_and_index_blocks_in_cache = true;
  o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(t));
  return o;
}

rocksdb::WriteOptions NoWal() {
  rocksdb::WriteOptions w;
  w.disableWAL = true;  // the log is the source of truth
  return w;
}

}  // namespace

base::Result<std::unique_ptr<ColdStore>> ColdStore::Open(const Options& options) {
  std::error_code ec;
  // Whatever a previous run left is stale: the snapshot and log rebuild it.
  // (Only a folder that is a RocksDB database, or empty, is ever removed.)
  if (std::filesystem::exists(options.dir, ec) &&
      !std::filesystem::exists(std::filesystem::path(options.dir) / "CURRENT", ec) &&
      !std::filesystem::is_empty(options.dir, ec)) {
    return base::Status::InvalidArgument(options.dir +
                                         " exists and is not a cold tier: not removing it");
  }
  // RocksDB holds a lock on LOCK while open: another server on the same
  // directory still uses this store.
  if (const int fd = open((options.dir + "/LOCK").c_str(), O_RDWR | O_CLOEXEC); fd >= 0) {
    struct flock lk {};
    lk.l_type = F_WRLCK;
    lk.l_whence = SEEK_SET;
    const bool held = fcntl(fd, F_SETLK, &lk) != 0;
    close(fd);  // (drops the test lock, if taken)
    if (held) {
      return base::Status::InvalidArgument(options.dir +
                                           " is in use by another server: not removing it");
    }
  }
  std::filesystem::remove_all(options.dir, ec);
  if (ec) return base::Status::IoError("removing " + options.dir + ": " + ec.message());
  std::unique_ptr<ColdStore> store(new ColdStore());
  store->cache_ = rocksdb::NewLRUCache(options.block_cache_bytes);
  rocksdb::DB* db = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(TunedOptions(store->cache_, options.block_cache_bytes),
                                        options.dir, &db);
  if (!s.ok()) return FromRocks(s, "opening the cold tier in " + options.dir);
  store->db_.reset(db);
  return store;
}

ColdStore::~ColdStore() {
  if (db_ != nullptr) {
    (void)db_->Close();
  }
}

base::Status ColdStore::Put(uint64_t id, std::string_view bytes) {
  puts_++;
  return FromRocks(db_->Put(NoWal(), KeyOf(id), rocksdb::Slice(bytes.data(), bytes.size())),
                   "cold tier write");
}

base::Result<std::string> ColdStore::Get(uint64_t id) {
  gets_++;
  std::string out;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), KeyOf(id), &out);
  if (!s.ok()) return FromRocks(s, "cold value " + std::to_string(id));
  return out;
}

base::Status ColdStore::Delete(uint64_t id) {
  deletes_++;
  return FromRocks(db_->Delete(NoWal(), KeyOf(id)), "cold tier delete");
}

base::Status ColdStore::DeleteRange(uint64_t from, uint64_t to) {
  return FromRocks(
      db_->DeleteRange(NoWal(), db_->DefaultColumnFamily(), KeyOf(from), KeyOf(to)),
      "cold tier range delete");
}

base::Status ColdStore::Checkpoint(const std::string& dir) {
  rocksdb::Checkpoint* cp = nullptr;
  rocksdb::Status s = rocksdb::Checkpoint::Create(db_.get(), &cp);
  if (!s.ok()) return FromRocks(s, "cold tier checkpoint");
  std::unique_ptr<rocksdb::Checkpoint> owned(cp);
  // (Without a WAL, the checkpoint flushes the memtable first: a flush of
  // everything, whatever log_size_for_flush says.)
  return FromRocks(owned->CreateCheckpoint(dir, /*log_size_for_flush=*/0),
                   "cold tier checkpoint in " + dir);
}

void ColdStore::PauseBackgroundWork() { (void)db_->PauseBackgroundWork(); }
void ColdStore::ContinueBackgroundWork() { (void)db_->ContinueBackgroundWork(); }

ColdStore::Stats ColdStore::stats() const {
  Stats st{.puts = puts_.load(), .gets = gets_.load(), .deletes = deletes_.load()};
  uint64_t sst = 0, mem = 0, readers = 0;
  db_->GetIntProperty(rocksdb::DB::Properties::kTotalSstFilesSize, &sst);
  db_->GetIntProperty(rocksdb::DB::Properties::kCurSizeAllMemTables, &mem);
  db_->GetIntProperty(rocksdb::DB::Properties::kEstimateTableReadersMem, &readers);
  st.disk_bytes = sst + mem;
  st.cache_bytes = cache_->GetUsage();
  st.memtable_bytes = mem;
  st.memory_bytes = st.cache_bytes + mem + readers;
  return st;
}

base::Result<std::unique_ptr<ColdReader>> ColdReader::Open(const std::string& dir) {
  std::unique_ptr<ColdReader> r(new ColdReader());
  rocksdb::Options o;
  rocksdb::DB* db = nullptr;
  rocksdb::Status s = rocksdb::DB::OpenForReadOnly(o, dir, &db);
  if (!s.ok()) return FromRocks(s, "opening the cold tier checkpoint " + dir);
  r->db_.reset(db);
  return r;
}

ColdReader::~ColdReader() {
  if (db_ != nullptr) (void)db_->Close();
}

base::Result<std::string> ColdReader::Get(uint64_t id) {
  std::string out;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), KeyOf(id), &out);
  if (!s.ok()) return FromRocks(s, "cold value " + std::to_string(id));
  return out;
}

}  // namespace cairn::engine
