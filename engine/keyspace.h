// The keyspace: `databases` numbered databases, each a hash table from key to
// value and optional absolute expiry in ms (wall clock). Lookups expire
// keys lazily: a key past its expiry is deleted on access and its deletion is
// queued as an expiration event, which the engine propagates as DEL before
// the command's own effects (ARCHITECTURE.md "Determinism").
//
// Engine thread only.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/key_table.h"
#include "engine/memory/access.h"
#include "types/value.h"

namespace cairn::engine {

using types::Value;
using types::ValueType;


struct ExpiredKey {
  int db;
  std::string key;
};

// Told of every key stored (created or replaced), whatever the command:
// clients blocked on a key wake up from one created (engine/blocking/).
class StoreObserver {
 public:
  virtual ~StoreObserver() = default;
  // `created`: the key did not exist before (keyspace event "new").
  virtual void KeyStored(int db, std::string_view key, bool created) = 0;
  // An expired key was just deleted (lazily or by the active cycle): told at
  // once, as Redis publishes "expired" before the command goes on.
  virtual void KeyExpired(int /*db*/, std::string_view /*key*/) {}
  // A key was deleted (DEL, expiry, RENAME's source...): a stream's
  // XREADGROUP waiters are told, as Redis tells them.
  virtual void KeyDeleted(int /*db*/, std::string_view /*key*/) {}
};

class LazyFree;
class ColdTier;

// How deleted values are freed: on the background thread (LazyFree) for
// big ones where the lazyfree-lazy-* options say so. Kept in step with
// config by the engine.
struct FreePolicy {
  LazyFree* lazy = nullptr;  // nullptr: always here
  bool server_del = false;   // lazyfree-lazy-server-del: overwrites, emptied keys
  bool expire = false;       // lazyfree-lazy-expire
  // On a replica keys go only by the primary's DEL (Redis's expireIfNeeded
  // there): an expired key reads as missing but stays, and for the
  // primary's own commands it is still there.
  bool replica = false;
  bool primary_client = false;
};

// Erase's choice: the server's policy (Redis's dbDelete), or the user's
// (DEL is sync unless lazyfree-lazy-user-del, UNLINK is async).
enum class FreeMode { kServer, kSync, kAsync };

class Db {
 public:
  Db(int index, std::vector<ExpiredKey>* expired, const FreePolicy* policy,
     const AccessPolicy* access)
      : index_(index), expired_(expired), policy_(policy), access_(access) {}
  void set_observer(StoreObserver* o) { observer_ = o; }
  void set_cold(ColdTier* cold) { cold_ = cold; }

  // The live entry for `key`, or nullptr. An entry whose expiry is at or
  // before now_ms is deleted here and reported as expired. A lookup counts
  // as an access (OBJECT IDLETIME / FREQ, eviction: engine/memory/access.h)
  // unless `touch` is false, which is what
  // Redis's LOOKUP_NOTOUCH commands use (TTL, TYPE, EXISTS, OBJECT...).
  // A value in the cold tier is brought back first.
  Entry* Find(std::string_view key, int64_t now_ms, bool touch = true);
  // The same without bringing a cold value back: for commands that need
  // the key, its type and its expiry only (EXISTS, TYPE, TTL, EXPIRE, DEL,
  // RENAME, MOVE...). The entry's value may be a stub (Value::is_cold).
  Entry* FindKey(std::string_view key, int64_t now_ms, bool touch = true);
  // Inserts or replaces; returns the stored entry (accessed now unless the
  // value carries an access time of its own, as RESTORE IDLETIME sets).
  Entry& Put(std::string_view key, Value value, int64_t expire_ms);
  bool Erase(std::string_view key, FreeMode mode = FreeMode::kServer);
  // FLUSHDB: `async` hands the whole table to the background thread.
  void Clear(bool async = false);

  size_t size() const { return map_.size(); }
  // Every entry, expired or not (snapshots and rewrites skip expired ones).
  const KeyTable& entries() const { return map_; }
  size_t expires() const { return map_.expires(); }
  // The entry's absolute expiry in ms, -1 for none. REQUIRES: `e` is one
  // of this database's entries (from Find, Put or entries()).
  int64_t ExpireOf(const Entry& e) const { return map_.ExpireOf(e); }
  void SetExpire(Entry& e, int64_t expire_ms) { map_.SetExpire(e, expire_ms); }
  // A key picked at random among all of them or, `expiring`, among those
  // with an expiry (eviction's samples); nullptr when there is none.
  const KeyTable::Node* RandomNode(std::mt19937_64& rng, bool expiring) {
    return expiring ? map_.RandomExpiring(rng) : map_.Random(rng);
  }
  // `key` is present and past its expiry, not yet deleted (no side effect).
  bool ExpiredAt(std::string_view key, int64_t now_ms) const {
    const Entry* e = map_.Find(key);
    if (e == nullptr) return false;
    const int64_t when = map_.ExpireOf(*e);
    return when >= 0 && when <= now_ms;
  }
  // Active expiry: visits up to `max_buckets` hash buckets from where the
  // last call stopped, deleting (and reporting as expired) entries whose
  // time has passed.
  struct SweepStats {
    size_t buckets = 0, checked = 0, expired = 0;
  };
  SweepStats ExpireSweep(int64_t now_ms, size_t max_buckets);
  // INFO keyspace's avg_ttl: Redis's estimate, a running average (each
  // sweep's mean TTL weighted 1/50) of the TTLs the active expiry sees.
  int64_t avg_ttl() const { return map_.expires() == 0 ? 0 : avg_ttl_; }

  // SWAPDB: exchanges the data; each Db keeps its number.
  void SwapContents(Db& other) {
    map_.Swap(other.map_);
    std::swap(avg_ttl_, other.avg_ttl_);
  }

 private:
  int index_;
  void Dispose(Value v, bool async);

  std::vector<ExpiredKey>* expired_;
  const FreePolicy* policy_;
  const AccessPolicy* access_;
  StoreObserver* observer_ = nullptr;
  ColdTier* cold_ = nullptr;
  KeyTable map_;
  size_t sweep_cursor_ = 0;  // next bucket for ExpireSweep
  int64_t avg_ttl_ = 0;
};

class Keyspace {
 public:
  explicit Keyspace(int databases);
  Keyspace(const Keyspace&) = delete;
  Keyspace& operator=(const Keyspace&) = delete;

  int databases() const { return static_cast<int>(dbs_.size()); }
  // REQUIRES: 0 <= index < databases().
  Db& db(int index) { return dbs_[static_cast<size_t>(index)]; }
  const Db& db(int index) const { return dbs_[static_cast<size_t>(index)]; }

  // One bounded step of the active expiry cycle over every database: stops
  // after about `budget_us` microseconds. Expired keys are reported through
  // TakeExpired() like lazily expired ones.
  void ActiveExpireCycle(int64_t now_ms, int64_t budget_us);

  // How deleted values are freed (see FreePolicy).
  FreePolicy& free_policy() { return policy_; }
  // How accesses are recorded (LRU or LFU).
  AccessPolicy& access_policy() { return access_; }
  const AccessPolicy& access_policy() const { return access_; }

  // REQUIRES: `o` outlives the keyspace (or is reset to nullptr).
  void set_observer(StoreObserver* o) {
    for (Db& d : dbs_) d.set_observer(o);
  }
  // Where cold values are (engine/memory/cold_tier.h). REQUIRES: `c`
  // outlives the keyspace and whatever frees its values.
  void set_cold(ColdTier* c) {
    cold_ = c;
    for (Db& d : dbs_) d.set_cold(c);
  }
  ColdTier* cold() const { return cold_; }

  // Expirations found since the last call, in the order they happened.
  std::vector<ExpiredKey> TakeExpired();

 private:
  std::vector<ExpiredKey> expired_;
  ColdTier* cold_ = nullptr;
  FreePolicy policy_;
  AccessPolicy access_;
  std::vector<Db> dbs_;
  size_t next_db_ = 0;  // active expiry resumes here
};

}  // namespace cairn::engine
