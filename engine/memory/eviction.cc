#include "engine/memory/eviction.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "base/clock.h"
#include "base/memory.h"
#include "engine/memory/cold_tier.h"

namespace cairn::engine {

namespace {

bool VolatileOnly(Evictor::Policy p) {
  return p == Evictor::Policy::kVolatileLru || p == Evictor::Policy::kVolatileLfu ||
         p == Evictor::Policy::kVolatileRandom || p == Evictor::Policy::kVolatileTtl;
}

bool Random(Evictor::Policy p) {
  return p == Evictor::Policy::kVolatileRandom || p == Evictor::Policy::kAllkeysRandom;
}

// How long one pass may run (evictionTimeLimitUs): 50 µs per step of
// tenacity up to 10, then growing 15% a step, unlimited at 100.
int64_t TimeLimitUs(int64_t tenacity) {
  if (tenacity <= 10) return 50 * tenacity;
  if (tenacity < 100) return static_cast<int64_t>(500.0 * std::pow(1.15, tenacity - 10.0));
  return std::numeric_limits<int64_t>::max();
}

}  // namespace

size_t Evictor::Excess(size_t maxmemory, size_t not_counted) {
  const size_t used = base::UsedMemory();
  const size_t counted = used > not_counted ? used - not_counted : 0;
  return counted > maxmemory ? counted - maxmemory : 0;
}

Evictor::Result Evictor::Run(Keyspace& ks, const Settings& s, const NotCounted& not_counted,
                             int64_t now_ms, const OnEvicted& evicted) {
  const size_t to_free = s.maxmemory == 0 ? 0 : Excess(s.maxmemory, not_counted());
  if (to_free == 0) return Result::kOk;
  if (s.policy == Policy::kNoEviction) return Result::kFail;

  const bool volatile_only = VolatileOnly(s.policy);
  const bool cold = s.policy == Policy::kColdLru;
  const int64_t started_us = base::MonotonicUs();
  const int64_t limit_us = TimeLimitUs(s.tenacity);
  // What the deletions themselves gave back: not what logging them, or
  // telling subscribers, allocates meanwhile (evict.c measures the same);
  // for a value moved to the cold tier, less what the tier holds more.
  auto counted = [&] {
    const size_t used = base::UsedMemory(), out = not_counted();
    return used > out ? used - out : 0;
  };
  size_t freed = 0;
  uint64_t keys_freed = 0;
  while (freed < to_free) {
    int db = 0;
    std::string key;
    bool found;
    if (Random(s.policy)) {
      found = PickRandom(ks, volatile_only, &db, &key);
    } else {
      // Fresh samples from every database before each pick, as Redis
      // takes them, into the pool that outlives the pass.
      for (int i = 0; i < ks.databases(); i++) Sample(ks, i, s, now_ms);
      found = PickFromPool(ks, volatile_only, cold, &db, &key);
    }
    if (!found) return Result::kFail;  // nothing left that the policy may take
    const size_t before = counted();
    if (cold) {
      // (nullptr: the candidate had expired, and went now.)
      Entry* e = ks.db(db).FindKey(key, now_ms, /*touch=*/false);
      if (e != nullptr && !ks.cold()->Spill(e->value)) return Result::kFail;
    } else {
      ks.db(db).Erase(key, s.lazy ? FreeMode::kAsync : FreeMode::kSync);
    }
    const size_t after = counted();
    if (before > after) freed += before - after;
    if (!cold) evicted(db, key);
    if (++keys_freed % 16 == 0) {
      // Lazily freed values come back on the other thread: see whether
      // they have (as Redis does, every 16 keys).
      if (s.lazy && Excess(s.maxmemory, not_counted()) == 0) break;
      if (base::MonotonicUs() - started_us > limit_us) {
        return Excess(s.maxmemory, not_counted()) > 0 ? Result::kRunning : Result::kOk;
      }
    }
  }
  return Result::kOk;
}

void Evictor::Sample(Keyspace& ks, int db, const Settings& s, int64_t now_ms) {
  Db& d = ks.db(db);
  const bool volatile_only = VolatileOnly(s.policy);
  const bool cold = s.policy == Policy::kColdLru;
  auto offer = [&](std::string_view key, const Entry& e) {
    const types::Value& v = e.value;
    uint64_t score;
    if (s.policy == Policy::kVolatileTtl) {
      score = std::numeric_limits<uint64_t>::max() - static_cast<uint64_t>(d.ExpireOf(e));
    } else if (IsLfu(s.policy)) {
      score = 255 - lfu::Counter(v.lru, now_ms, s.lfu_decay_time);
    } else {
      score = static_cast<uint64_t>(LruIdleSeconds(v.lru, now_ms)) * 1000;
    }
    const bool known = std::any_of(pool_.begin(), pool_.end(), [&](const Candidate& c) {
      return c.db == db && c.key == key;
    });
    if (known) return;
    if (pool_.size() == kPoolSize) {
      if (score <= pool_.front().score) return;  // worse than every candidate
      pool_.erase(pool_.begin());
    }
    auto at = std::upper_bound(pool_.begin(), pool_.end(), score,
                               [](uint64_t sc, const Candidate& c) { return sc < c.score; });
    pool_.insert(at, Candidate{score, db, std::string(key)});
  };
  // Under cold-lru most keys may be cold already: random samples that are
  // not candidates are skipped, up to ten times as many tries; then the
  // table is walked on from where the last walk stopped, so that the last
  // few values in memory are still found.
  int64_t found = 0;
  for (int64_t tries = cold ? s.samples * 10 : s.samples; found < s.samples && tries > 0;
       tries--) {
    const KeyTable::Node* n = d.RandomNode(rng_, volatile_only);
    if (n == nullptr) return;
    if (cold && !ColdTier::Spillable(n->entry.value)) continue;
    found++;
    offer(n->key(), n->entry);
  }
  if (!cold || found > 0) return;
  const KeyTable& table = d.entries();
  walk_.resize(std::max(walk_.size(), static_cast<size_t>(ks.databases())));
  size_t& cursor = walk_[static_cast<size_t>(db)];
  constexpr size_t kWalkBuckets = 4096;
  for (size_t i = 0; i < kWalkBuckets && i < table.bucket_count() && found < s.samples; i++) {
    table.ForEachInBucket(cursor++ % table.bucket_count(),
                          [&](std::string_view key, const Entry& e) {
                            if (!ColdTier::Spillable(e.value)) return;
                            found++;
                            offer(key, e);
                          });
  }
}

bool Evictor::PickFromPool(Keyspace& ks, bool volatile_only, bool cold, int* db,
                           std::string* key) {
  // Best first; a candidate gone meanwhile (deleted, or its expiry
  // removed under a volatile policy) is dropped.
  while (!pool_.empty()) {
    Candidate c = std::move(pool_.back());
    pool_.pop_back();
    if (c.db >= ks.databases()) continue;
    const Db& d = ks.db(c.db);
    const Entry* e = d.entries().Find(c.key);
    if (e == nullptr || (volatile_only && d.ExpireOf(*e) < 0)) continue;
    if (cold && !ColdTier::Spillable(e->value)) continue;
    *db = c.db;
    *key = std::move(c.key);
    return true;
  }
  return false;
}

bool Evictor::PickRandom(Keyspace& ks, bool volatile_only, int* db, std::string* key) {
  for (int i = 0; i < ks.databases(); i++) {
    next_db_ = (next_db_ + 1) % ks.databases();
    const KeyTable::Node* n = ks.db(next_db_).RandomNode(rng_, volatile_only);
    if (n == nullptr) continue;
    *db = next_db_;
    *key = std::string(n->key());
    return true;
  }
  return false;
}

}  // namespace cairn::engine
