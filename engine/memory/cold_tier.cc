#include "engine/memory/cold_tier.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <system_error>

#include "base/clock.h"
#include "base/logging.h"
#include "base/process.h"
#include "engine/keyspace.h"
#include "types/quicklist.h"

namespace cairn::engine {

ColdTier::ColdTier() : engine_thread_(std::this_thread::get_id()) {
  hooks_ = types::ClaimColdHooks(this);
}

ColdTier::~ColdTier() {
  if (hooks_) types::SetColdHooks(nullptr);
  for (const Checkpoint& c : checkpoints_) {
    std::error_code ec;
    std::filesystem::remove_all(c.dir, ec);
  }
}

void ColdTier::Configure(std::string dir) {
  dir_ = std::move(dir);
  const std::filesystem::path p(dir_);
  // Named <dir>.fork-<server pid>-<n>: only those of a server that is gone.
  const std::string prefix = p.filename().string() + ".fork-";
  std::error_code ec;
  for (const auto& f : std::filesystem::directory_iterator(p.parent_path(), ec)) {
    const std::string name = f.path().filename().string();
    if (!name.starts_with(prefix)) continue;
    const pid_t owner = static_cast<pid_t>(std::atol(name.c_str() + prefix.size()));
    if (owner > 0 && (kill(owner, 0) == 0 || errno != ESRCH)) continue;
    std::error_code ignored;
    std::filesystem::remove_all(f.path(), ignored);
  }
}

base::Status ColdTier::EnsureOpen() {
  if (store_ != nullptr) return base::Status::Ok();
  auto s = ColdStore::Open({.dir = dir_, .block_cache_bytes = cache_bytes_});
  if (!s.ok()) return s.status();
  store_ = std::move(s).value();
  return base::Status::Ok();
}

bool ColdTier::Spillable(const types::Value& v) {
  // A string of up to 32 bytes lives in the node itself: spilling it
  // would free nothing.
  if (v.is_cold()) return false;
  if (!v.is_collection()) return v.str.size() > types::ValueString::kInline;
  return true;
}

bool ColdTier::Spill(types::Value& v) {
  if (in_child_ || !hooks_ || !Spillable(v)) return false;
  if (base::Status s = EnsureOpen(); !s.ok()) {
    CAIRN_LOG_WARNING("Cold tier unavailable: %s", s.ToString().c_str());
    return false;
  }
  std::string bytes(1, static_cast<char>(snapshot::RdbTypeOf(v)));
  // Strings are not LZF-compressed here, whatever rdbcompression says: LZF
  // was the largest cost of a spill (15% of the engine thread under
  // bench/cold.sh, mostly failing on incompressible values). Disk pays for
  // it (doc/cold-tier.md, "RocksDB tuning").
  snapshot::EncodeValue(&bytes, v, /*compress=*/false);
  const uint64_t id = store_->NewId();
  if (base::Status s = store_->Put(id, bytes); !s.ok()) {
    CAIRN_LOG_WARNING("Cold tier write failed: %s", s.ToString().c_str());
    return false;
  }
  live_.fetch_add(1, std::memory_order_relaxed);
  spills_++;
  spilled_bytes_ += bytes.size();
  // The memtable grew by about this much (id, sequence, skiplist node);
  // RefreshMemory has the exact figure later.
  memory_bytes_ += bytes.size() + 64;
  types::ColdRef ref{.id = id, .bytes = bytes.size(), .enc = v.enc};
  if (v.enc == types::Encoding::kQuicklist) {
    ref.list_fill = static_cast<int16_t>(v.quicklist()->fill());
    ref.list_compress = static_cast<uint16_t>(v.quicklist()->compress());
  }
  v = types::Value::Cold(v.type, v.form, v.lru, ref);
  return true;
}

base::Result<std::string> ColdTier::ReadId(uint64_t id) {
  if (in_child_ && child_reader_ == nullptr) {
    auto opened = ColdReader::Open(child_checkpoint_);
    if (!opened.ok()) return opened.status();
    child_reader_ = std::move(opened).value();
  }
  if (!in_child_) {
    if (base::Status s = EnsureOpen(); !s.ok()) return s;
  }
  const int64_t start = base::MonotonicUs();
  base::Result<std::string> r = in_child_ ? child_reader_->Get(id) : store_->Get(id);
  RecordRead(base::MonotonicUs() - start);
  if (!r.ok()) read_errors_++;
  return r;
}

base::Result<std::string> ColdTier::Read(const types::Value& stub) {
  return ReadId(stub.cold_ref().id);
}

namespace {
// Limits under which the codec rebuilds a value as it was (ColdRef): a load
// chooses afresh (a hash emptied down to a few fields would come back a
// listpack, a list would take today's list-max-listpack-size).
snapshot::LoadLimits AsItWas(snapshot::LoadLimits l, const types::ColdRef& ref) {
  constexpr size_t kAny = std::numeric_limits<size_t>::max();
  switch (ref.enc) {
    case types::Encoding::kListpack:
      l.hash = {.max_listpack_entries = kAny, .max_listpack_value = kAny};
      l.zset = {.max_listpack_entries = kAny, .max_listpack_value = kAny};
      break;
    case types::Encoding::kIntset:
      l.set.max_intset_entries = kAny;
      break;
    case types::Encoding::kHashtable:
      l.hash.max_listpack_entries = 0;
      l.set.max_intset_entries = 0;
      break;
    case types::Encoding::kSkiplist:
      l.zset.max_listpack_entries = 0;
      break;
    case types::Encoding::kQuicklist:
      l.list_max_listpack_size = ref.list_fill;
      l.list_compress_depth = ref.list_compress;
      break;
    default:
      break;
  }
  return l;
}
}  // namespace

base::Result<types::Value> ColdTier::Load(const types::Value& stub) {
  auto bytes = Read(stub);
  if (!bytes.ok()) return bytes.status();
  snapshot::RdbInput in(bytes.value(), "cold value " + std::to_string(stub.cold_ref().id));
  auto type = in.Byte();
  if (!type.ok()) return type.status();
  auto v = snapshot::DecodeValue(in, type.value(), AsItWas(limits_, stub.cold_ref()));
  if (!v.ok()) return v.status();
  if (!v.value().has_value() || v.value()->type != stub.type) {
    return base::Status::Corruption("cold value " + std::to_string(stub.cold_ref().id) +
                                    " is not the stub's type");
  }
  types::Value out = std::move(*v.value());
  out.form = stub.form;
  out.lru = stub.lru;
  return out;
}

void ColdTier::Promote(types::Value& v, int db, std::string_view key, int64_t idle_s) {
  auto loaded = Load(v);
  if (!loaded.ok()) {
    // The value exists only in the log now: restarting rebuilds it from
    // there, whereas answering without it would lose it for good.
    CAIRN_LOG_WARNING("Can't read a cold value back (%s): exiting; a restart rebuilds the "
                      "cold tier from the snapshot and the log",
                      loaded.status().ToString().c_str());
    std::_Exit(1);
  }
  if (read_only_ && pressure_ && !in_child_ && idle_s > residence_s_) {
    borrowed_.push_back({db, std::string(key), v.cold_ref(), v.type, v.form});
    borrows_++;
    v.enc = types::Encoding::kNone;  // (not freed as a stub: its record stays)
  } else {
    promotes_++;
  }
  v = std::move(loaded).value();  // a stub freed here hands its record back
}

void ColdTier::ReturnBorrowed(size_t from, Keyspace& ks, int64_t now_ms, bool keep) {
  while (borrowed_.size() > from) {
    Borrowed b = std::move(borrowed_.back());
    borrowed_.pop_back();
    if (keep) {
      borrows_--;
      promotes_++;
      Release(b.ref.id);
      continue;
    }
    Entry* e = b.db < ks.databases() ? ks.db(b.db).FindKey(b.key, now_ms, /*touch=*/false)
                                     : nullptr;
    if (e == nullptr || e->value.is_cold() || e->value.type != b.type) {
      Release(b.ref.id);  // (not for a read-only command; but no record is orphaned)
      continue;
    }
    e->value = types::Value::Cold(b.type, b.form, e->value.lru, b.ref);
  }
}

void ColdTier::Release(uint64_t id) {
  live_.fetch_sub(1, std::memory_order_relaxed);
  if (in_child_ || discarding_ || store_ == nullptr || id < dropped_below_) return;
  if (!OnEngineThread()) {
    std::lock_guard<std::mutex> l(released_mu_);
    released_.push_back(id);
    queued_.store(true, std::memory_order_relaxed);
    return;
  }
  if (base::Status s = store_->Delete(id); !s.ok()) {
    // A record left behind wastes disk until the next start, nothing more.
    CAIRN_LOG_WARNING("Cold tier delete failed: %s", s.ToString().c_str());
  }
}

void ColdTier::DropAll() {
  if (in_child_ || store_ == nullptr) return;
  const uint64_t end = store_->next_id();
  if (base::Status s = store_->DeleteRange(0, end); !s.ok()) {
    CAIRN_LOG_WARNING("Cold tier range delete failed: %s", s.ToString().c_str());
    return;  // (the stubs then delete their records one by one)
  }
  dropped_below_ = end;
}

void ColdTier::DrainReleased() {
  std::vector<uint64_t> ids;
  {
    std::lock_guard<std::mutex> l(released_mu_);
    ids.swap(released_);
    queued_.store(false, std::memory_order_relaxed);
  }
  for (uint64_t id : ids) {
    if (id >= dropped_below_) (void)store_->Delete(id);
  }
}

uint64_t ColdTier::Duplicate(uint64_t id) {
  live_.fetch_add(1, std::memory_order_relaxed);
  if (in_child_) return id;
  // (A read that succeeded opened the store.)
  if (auto bytes = ReadId(id); bytes.ok()) {
    const uint64_t copy = store_->NewId();
    if (store_->Put(copy, bytes.value()).ok()) return copy;
  }
  CAIRN_LOG_WARNING("Can't copy a cold value: exiting; a restart rebuilds the cold tier");
  std::_Exit(1);
}

pid_t ColdTier::Fork() {
  std::string dir;
  if (store_ != nullptr && !in_child_) {
    DrainReleased();
    dir = dir_ + ".fork-" + std::to_string(getpid()) + "-" + std::to_string(++checkpoint_seq_);
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    if (base::Status s = store_->Checkpoint(dir); !s.ok()) {
      CAIRN_LOG_WARNING("Can't checkpoint the cold tier for a child: %s", s.ToString().c_str());
      errno = EIO;
      return -1;
    }
    // No RocksDB thread may hold a lock the child would inherit.
    store_->PauseBackgroundWork();
  }
  const pid_t pid = fork();
  if (pid == 0) {
    base::SetUpForkedChild();
    in_child_ = true;
    child_checkpoint_ = dir;
    // A stub freed or copied in the child must not reach the parent's
    // RocksDB instance, whose threads the child does not have.
    types::SetColdHooks(nullptr);
    return 0;
  }
  const int fork_errno = errno;
  if (!dir.empty()) {
    store_->ContinueBackgroundWork();
    if (pid > 0) {
      checkpoints_.push_back({pid, dir});
    } else {
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
    }
  }
  errno = fork_errno;  // (what callers report when fork failed)
  return pid;
}

void ColdTier::Cron() {
  // A child that ended (reaped by its owner, or a zombie not yet) no
  // longer reads its checkpoint.
  std::erase_if(checkpoints_, [](const Checkpoint& c) {
    const bool gone = kill(c.pid, 0) != 0 && errno == ESRCH;
    if (gone) {
      std::error_code ec;
      std::filesystem::remove_all(c.dir, ec);
    }
    return gone;
  });
  if (queued_.load(std::memory_order_relaxed)) DrainReleased();
  RefreshMemory();
}

void ColdTier::RefreshMemory() {
  if (store_ != nullptr) memory_bytes_ = store_->stats().memory_bytes;
}

void ColdTier::RecordRead(int64_t us) {
  reads_++;
  size_t b = 0;
  while (b + 1 < read_hist_.size() && (int64_t{1} << b) <= us) b++;
  read_hist_[b]++;
}

ColdTier::Stats ColdTier::stats() const {
  Stats st{.keys = live_.load(),
           .spills = spills_,
           .promotes = promotes_,
           .borrows = borrows_,
           .reads = reads_,
           .read_errors = read_errors_,
           .spilled_bytes = spilled_bytes_};
  if (store_ != nullptr) {
    const ColdStore::Stats s = store_->stats();
    st.disk_bytes = s.disk_bytes;
    st.memory_bytes = s.memory_bytes;
    st.cache_bytes = s.cache_bytes;
    st.memtable_bytes = s.memtable_bytes;
  }
  // Percentiles as the upper bound of the bucket they fall in.
  auto pct = [&](double q) {
    const double want = q * static_cast<double>(reads_);
    double seen = 0;
    for (size_t b = 0; b < read_hist_.size(); b++) {
      seen += static_cast<double>(read_hist_[b]);
      if (seen >= want && read_hist_[b] > 0) return static_cast<double>(int64_t{1} << b);
    }
    return 0.0;
  };
  if (reads_ > 0) {
    st.read_p50_us = pct(0.50);
    st.read_p99_us = pct(0.99);
    st.read_p999_us = pct(0.999);
  }
  return st;
}

}  // namespace cairn::engine
