// maxmemory as Redis 7.0 enforces it (evict.c): before each command, while
// used_memory is above maxmemory, keys go as maxmemory-policy says, chosen
// the way Redis chooses them, so that a cache moved from Redis to Cairn
// keeps its hit rate:
//
//   *-lru, *-lfu, volatile-ttl  maxmemory-samples keys sampled from each
//       database (all keys, or those with an expiry for volatile-*) feed a
//       pool of the 16 best candidates kept from one eviction to the next
//       (longest idle, lowest LFU counter, nearest expiry); the best one
//       still there goes;
//   *-random  a random key, the databases taken in turn;
//   noeviction  nothing goes: commands that may grow memory get -OOM.
//
// A pass stops after a time set by maxmemory-eviction-tenacity (500 µs at
// the default 10): memory still above the limit is then freed by later
// passes, which the engine runs in the event loop's next pass while Run
// says kRunning (the commands meanwhile run). The engine
// logs each evicted key as DEL and tells watchers, trackers and keyspace
// event subscribers ("evicted").
//
//   cold-lru (Cairn's own)  allkeys-lru's choice among the keys whose value
//       is in memory and worth moving, but the value moves to the cold tier
//       (engine/memory/cold_tier.h) instead of the key going: nothing is
//       logged, nothing is lost.
//
// Engine thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "engine/keyspace.h"

namespace cairn::engine {

class Evictor {
 public:
  // maxmemory-policy's values, in the config's order.
  enum class Policy : int64_t {
    kVolatileLru,
    kVolatileLfu,
    kVolatileRandom,
    kVolatileTtl,
    kAllkeysLru,
    kAllkeysLfu,
    kAllkeysRandom,
    kNoEviction,
    kColdLru,
  };
  static bool IsLfu(Policy p) { return p == Policy::kVolatileLfu || p == Policy::kAllkeysLfu; }
  static bool IsLru(Policy p) {
    return p == Policy::kVolatileLru || p == Policy::kAllkeysLru || p == Policy::kColdLru;
  }

  struct Settings {
    size_t maxmemory = 0;  // 0: no limit
    Policy policy = Policy::kNoEviction;
    int64_t samples = 5;    // maxmemory-samples
    int64_t tenacity = 10;  // maxmemory-eviction-tenacity
    bool lazy = false;      // lazyfree-lazy-eviction
    int64_t lfu_decay_time = 1;
  };
  enum class Result {
    kOk,       // at or under the limit
    kRunning,  // out of time, over it still: later passes go on, commands run meanwhile
    kFail,     // over it with nothing left to evict (or noeviction): -OOM
  };
  // Called for each key evicted, after it went (the engine logs it, counts
  // it and tells whoever listens); not for values moved to the cold tier.
  using OnEvicted = std::function<void(int db, const std::string& key)>;

  // What maxmemory does not count, now (replicas' output, as Redis; the
  // cold tier's own memory, which grows as values move into it).
  using NotCounted = std::function<size_t()>;
  // Evicts until used memory less what is not counted is at most the
  // limit, or the pass's time is up.
  Result Run(Keyspace& ks, const Settings& s, const NotCounted& not_counted, int64_t now_ms,
             const OnEvicted& evicted);
  // How long the best candidate in the pool has been idle (LRU policies),
  // 0 when the pool is empty: about how long a value stays in memory
  // unused before it goes.
  int64_t NextIdleSeconds() const {
    return pool_.empty() ? 0 : static_cast<int64_t>(pool_.back().score / 1000);
  }
  // By how much the used memory that counts (all but `not_counted`) is
  // over maxmemory; 0 when it is not.
  static size_t Excess(size_t maxmemory, size_t not_counted);

 private:
  struct Candidate {
    uint64_t score;  // higher: evicted first
    int db;
    std::string key;
  };
  static constexpr size_t kPoolSize = 16;

  void Sample(Keyspace& ks, int db, const Settings& s, int64_t now_ms);
  // The next key to go (its db in *db), or false when none is left.
  // (`cold`: only values that may move to the cold tier.)
  bool PickFromPool(Keyspace& ks, bool volatile_only, bool cold, int* db, std::string* key);
  bool PickRandom(Keyspace& ks, bool volatile_only, int* db, std::string* key);

  std::vector<Candidate> pool_;  // ascending by score
  std::mt19937_64 rng_{0x9e3779b97f4a7c15ULL};
  int next_db_ = 0;
  std::vector<size_t> walk_;  // cold-lru: per database, the next bucket to walk
};

}  // namespace cairn::engine
