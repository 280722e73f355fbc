#include "engine/keyspace.h"

#include <utility>

#include "base/clock.h"
#include "engine/memory/cold_tier.h"
#include "engine/memory/lazy_free.h"

namespace cairn::engine {

Entry* Db::Find(std::string_view key, int64_t now_ms, bool touch) {
  Entry* e = FindKey(key, now_ms, /*touch=*/false);
  if (e == nullptr) return nullptr;
  if (e->value.is_cold()) {
    // (The idle time before this access: whether it was read recently.)
    cold_->Promote(e->value, index_, key, LruIdleSeconds(e->value.lru, now_ms));
  }
  if (touch) TouchValue(e->value, *access_, now_ms);
  return e;
}

Entry* Db::FindKey(std::string_view key, int64_t now_ms, bool touch) {
  Entry* e = map_.Find(key);
  if (e == nullptr) return nullptr;
  const int64_t when = map_.ExpireOf(*e);
  if (when >= 0 && when <= now_ms && !policy_->primary_client) {
    if (policy_->replica) return nullptr;
    expired_->push_back({index_, std::string(key)});
    Value old = std::move(e->value);
    map_.Erase(key);
    Dispose(std::move(old), policy_->expire);
    // The copy: `key` may have pointed into the node just erased.
    if (observer_ != nullptr) observer_->KeyExpired(index_, std::string(expired_->back().key));
    return nullptr;
  }
  if (touch) TouchValue(e->value, *access_, now_ms);
  return e;
}

Entry& Db::Put(std::string_view key, Value value, int64_t expire_ms) {
  bool inserted;
  Entry& e = map_.Insert(key, &inserted);
  if (value.lru == 0) value.lru = NewAccessField(*access_, base::NowMs());
  // An overwritten key keeps its LFU counter, as Redis's dbOverwrite does:
  // a key set often is not cold.
  if (!inserted && access_->lfu) value.lru = e.value.lru;
  const bool replaced_stream = !inserted && e.value.type == ValueType::kStream;
  if (!inserted) Dispose(std::exchange(e.value, Value()), policy_->server_del);
  e.value = std::move(value);
  map_.SetExpire(e, expire_ms);
  if (observer_ != nullptr) {
    observer_->KeyStored(index_, key, inserted);
    // As Redis's dbSetValue: a stream overwritten is deleted for its readers.
    if (replaced_stream) observer_->KeyDeleted(index_, key);
  }
  return e;
}


void Db::Dispose(Value v, bool async) {
  if (async && policy_->lazy != nullptr) policy_->lazy->Free(std::move(v));
}

bool Db::Erase(std::string_view key, FreeMode mode) {
  Entry* e = map_.Find(key);
  if (e == nullptr) return false;
  Value old = std::move(e->value);
  map_.Erase(key);
  Dispose(std::move(old),
          mode == FreeMode::kAsync || (mode == FreeMode::kServer && policy_->server_del));
  if (observer_ != nullptr) observer_->KeyDeleted(index_, key);
  return true;
}

void Db::Clear(bool async) {
  if (async && policy_->lazy != nullptr) {
    policy_->lazy->FreeTable(std::move(map_));
  } else {
    map_.Clear();
  }
  avg_ttl_ = 0;
}

Db::SweepStats Db::ExpireSweep(int64_t now_ms, size_t max_buckets) {
  SweepStats st;
  if (map_.expires() == 0) return st;
  const size_t buckets = map_.bucket_count();
  std::vector<std::string> dead;
  int64_t ttl_sum = 0, ttl_count = 0;
  for (; st.buckets < max_buckets && st.buckets < buckets; st.buckets++) {
    // The table may have been resized since the last call; the cursor then
    // just continues in the new layout (a key missed now is met next pass,
    // or expires lazily when touched).
    const size_t b = sweep_cursor_++ % buckets;
    map_.ForEachInBucket(b, [&](std::string_view key, const Entry& e) {
      const int64_t when = map_.ExpireOf(e);
      if (when < 0) return;
      st.checked++;
      if (when <= now_ms) {
        dead.emplace_back(key);
      } else {
        ttl_sum += when - now_ms;
        ttl_count++;
      }
    });
  }
  st.expired = dead.size();
  if (ttl_count > 0) {
    // As Redis's activeExpireCycle: the first estimate is the sample's
    // mean, later ones move 2% toward each new sample.
    const int64_t mean = ttl_sum / ttl_count;
    avg_ttl_ = avg_ttl_ == 0 ? mean : avg_ttl_ / 50 * 49 + mean / 50;
  }
  for (auto& key : dead) {
    Erase(key, policy_->expire ? FreeMode::kAsync : FreeMode::kSync);
    if (observer_ != nullptr) observer_->KeyExpired(index_, key);
    expired_->push_back({index_, std::move(key)});
  }
  return st;
}

void Keyspace::ActiveExpireCycle(int64_t now_ms, int64_t budget_us) {
  // In the spirit of Redis's activeExpireCycle: look at a small slice of
  // each database, and keep going in one only while a good share of what
  // it finds has expired (there is more to reclaim), within the budget.
  constexpr size_t kSliceBuckets = 64;
  const int64_t deadline = base::MonotonicUs() + budget_us;
  for (size_t n = 0; n < dbs_.size(); n++) {
    Db& db = dbs_[next_db_];
    next_db_ = (next_db_ + 1) % dbs_.size();
    while (true) {
      Db::SweepStats st = db.ExpireSweep(now_ms, kSliceBuckets);
      if (base::MonotonicUs() >= deadline) return;
      if (st.buckets < kSliceBuckets || st.checked == 0 || st.expired * 10 < st.checked) break;
    }
  }
}

Keyspace::Keyspace(int databases) {
  dbs_.reserve(static_cast<size_t>(databases));
  for (int i = 0; i < databases; i++) dbs_.emplace_back(i, &expired_, &policy_, &access_);
}

std::vector<ExpiredKey> Keyspace::TakeExpired() {
  std::vector<ExpiredKey> out;
  out.swap(expired_);
  return out;
}

}  // namespace cairn::engine
